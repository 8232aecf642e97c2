"""The Chinese edition's catalogs: gettext PO files that translate the series' English text.

One catalog per notebook (``translations/zh_CN/NN_name.po``), one for the classroom pages
(``translations/zh_CN/classroom.po``: the site's own pages, the lesson plan, the formula sheet) and
one shipped with the package for the checkers and the quiz
(``w2v2_walkthrough/translations/zh_CN/exercises.po``, read by :mod:`w2v2_walkthrough.i18n`).

An entry's ``msgid`` is the English text it translates, whole (a markdown cell, a speaker note, a
paragraph of the lesson plan), and its ``msgctxt`` a stable key (the notebook's section and the
cell's place in it). So a translation is current only while its English is exactly the text in the
sources: any English edit leaves the old entry without a match. :func:`merge` (like ``msgmerge``)
then carries the old translation over as *fuzzy*, with the English it translated as the previous
``msgid`` (``#| msgid``), matched by key or else by similarity; nothing a translator wrote is lost
(an entry no English matches any more is kept as obsolete, ``#~``). :func:`stale` lists what is
missing or fuzzy, with the old English, the new English and the old translation: the next
translator's to-do list (``python scripts/build_series.py stale``, ``make zh-stale``).
"""

import difflib
import io
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .sources import ROOT

LANGUAGE = "zh_CN"
TRANSLATIONS = ROOT / "translations"
PACKAGE_TRANSLATIONS = ROOT / "w2v2_walkthrough" / "translations"
#: Shown in place of a missing or stale translation while the catalogs are incomplete.
FALLBACK_MARKER = "〔此段尚未译成中文，暂用英文原文 / not yet translated〕"
#: How the marker follows the English: a paragraph of its own class, which the decks hide (a slide
#: shows its English plainly; the marker's line would only push it past 720 px).
FALLBACK_CLASS = "w2v2-untranslated"


def with_marker(english_text: str, marker: str = FALLBACK_MARKER) -> str:
    return f'{english_text}\n\n<p class="{FALLBACK_CLASS}"><em>{marker}</em></p>'


#: Below this similarity an old translation is not carried over to a new English text.
SIMILAR = 0.5
#: An old translation at the same key is carried over unless the texts have even less in common.
KEY_SIMILAR = 0.3


@dataclass(frozen=True)
class Unit:
    """One piece of English to translate: its key (``msgctxt``), its text (``msgid``) and where it is."""

    key: str
    text: str
    where: str


def english(text: str) -> str:
    """The identity translation: the English edition."""
    return text


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", re.sub(r"[`*_$\\]", "", text.lower())).strip("-")[:48] or "top"


def unique_keys(units: list) -> list:
    """The units with repeated keys made unique (``-2``, ``-3`` ...)."""
    seen, out = Counter(), []
    for u in units:
        seen[u.key] += 1
        out.append(u if seen[u.key] == 1 else Unit(f"{u.key}-{seen[u.key]}", u.text, u.where))
    return out


def notebook_units(name: str, nb) -> list:
    """Every markdown cell of a notebook (headings, prose, speaker notes) and its index summary.
    A cell's key is its section (the heading that opened it) and its place after that heading."""
    units, section, place = [], "top", 0
    summary = nb.metadata.get("w2v2", {}).get("summary", "")
    if summary:
        units.append(Unit("summary", summary, f"{name} metadata summary"))
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown" or not cell.source.strip():
            continue
        first = cell.source.lstrip().splitlines()[0]
        if first.startswith("#"):
            section, place = slug(first.lstrip("#")), 0
        else:
            place += 1
        units.append(Unit(f"{section}/{place}", cell.source, f"{name} cell {index}"))
    return unique_keys(units)


def catalog_path(name: str, language: str = LANGUAGE) -> Path:
    if name == "exercises":
        return PACKAGE_TRANSLATIONS / language / "exercises.po"
    return TRANSLATIONS / language / f"{name}.po"


# --- reading and writing catalogs (Babel) ---


def read_catalog(path: Path, language: str = LANGUAGE):
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import read_po

    if not path.exists():
        return Catalog(locale=language, fuzzy=False)
    with path.open("rb") as f:
        catalog = read_po(f, locale=language)
    for (context, msgid), previous in previous_ids(path.read_text(encoding="utf-8")).items():
        message = catalog.get(msgid, context=context)
        if message is not None:
            message.previous_id = [previous]
    for message in catalog:  # Babel reads a multi-line previous msgid's lines as comments "| ..."
        message.user_comments = [c for c in message.user_comments if not c.startswith("| ")]
    return catalog


_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def _previous_lines(match) -> str:
    """Babel writes a previous msgid on one line (``#| msgid "" "a\\n" "b"``): one string per line, as msgid."""
    strings = _QUOTED.findall(match.group(1))
    if len(strings) <= 1:  # one line already (or a line Babel wrapped mid-string: leave it)
        return match.group(0)
    return "\n".join([f'#| msgid "{strings[0]}"'] + [f'#| "{s}"' for s in strings[1:]])


def previous_ids(text: str) -> dict:
    """(msgctxt, msgid) -> the previous msgid (``#| msgid``) of each fuzzy entry: Babel writes them,
    but its reader drops them."""
    from babel.messages.pofile import denormalize, unescape

    found = {}
    for block in text.split("\n\n"):
        lines = block.splitlines()
        previous = [line[3:].removeprefix("msgid ") for line in lines if line.startswith("#| ")]
        if not previous:
            continue
        parts, current = {"msgctxt": [], "msgid": []}, None
        for line in lines:
            if line.startswith("#"):
                continue
            keyword = line.split(" ", 1)[0]
            if keyword in ("msgctxt", "msgid", "msgstr"):
                current, line = parts.get(keyword), line.split(" ", 1)[1]
            if current is not None:
                current.append(line)
        context = denormalize("\n".join(parts["msgctxt"])) if parts["msgctxt"] else None
        found[(context, denormalize("\n".join(parts["msgid"])))] = "".join(
            unescape(f'"{s}"') for s in _QUOTED.findall(" ".join(previous))
        )
    return found


def write_catalog(catalog, path: Path, title: str) -> Path:
    from babel.messages.pofile import write_po

    catalog.project, catalog.fuzzy = "w2v2-walkthrough", False
    for message in catalog:  # Babel flags any text with a "%" as printf-style; none of ours is one
        message.flags.discard("python-format")
    catalog.header_comment = (
        f"# {title}: Chinese translation of the w2v2 walkthrough.\n"
        "# msgid = the English (edit the English in the sources, never here); msgctxt = a stable key.\n"
        "# Update with `make zh-update`; list what needs work with `make zh-stale` (docs/translating.md)."
    )
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, include_previous=True, omit_header=False)
    text = re.sub(
        r'^"(POT-Creation-Date|PO-Revision-Date|Generated-By): .*\n', "", buffer.getvalue().decode(), flags=re.M
    )
    text = re.sub(r"^#\| msgid (.*)$", _previous_lines, text, flags=re.M)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _messages(catalog) -> list:
    return [m for m in catalog if m.id] + list(catalog.obsolete.values())


# --- merging (msgmerge) and the to-do list ---


@dataclass(frozen=True)
class Entry:
    """A unit after merging: ``status`` is ``translated``, ``fuzzy`` (the English changed since it
    was translated: ``previous`` is the English the old ``translation`` translates) or ``missing``."""

    unit: Unit
    status: str
    translation: str = ""
    previous: str = ""


def merge(units: list, catalog) -> list:
    """Match every unit with the catalog's entries (see the module docstring); returns Entry's."""
    old = [m for m in _messages(catalog) if m.string]
    by_text = {}
    for m in old:
        by_text.setdefault(m.id, []).append(m)
    by_key = {m.context: m for m in old}
    used, entries, pending = set(), [], []
    for unit in units:
        exact = sorted(by_text.get(unit.text, []), key=lambda m: (m.context != unit.key, m.fuzzy))
        exact = [m for m in exact if id(m) not in used] or exact
        if exact:
            m = exact[0]
            used.add(id(m))
            status = "fuzzy" if m.fuzzy else "translated"
            entries.append(Entry(unit, status, m.string, _previous(m) if m.fuzzy else ""))
        else:
            entries.append(None)
            pending.append(len(entries) - 1)
    for i in pending:  # by key, then by similarity, among the entries no exact match took
        unit = units[i]
        candidate = by_key.get(unit.key)
        if candidate is not None and similarity(candidate.id, unit.text) < KEY_SIMILAR:
            candidate = None  # the same place now holds another text
        if candidate is None or id(candidate) in used:
            scored = [(similarity(m.id, unit.text), -k, m) for k, m in enumerate(old) if id(m) not in used]
            scored = [s for s in scored if s[0] >= SIMILAR]
            candidate = max(scored, key=lambda s: s[:2])[2] if scored else None
        if candidate is None:
            entries[i] = Entry(unit, "missing")
        else:
            used.add(id(candidate))
            previous = _previous(candidate) if candidate.fuzzy else candidate.id
            entries[i] = Entry(unit, "fuzzy", candidate.string, previous or candidate.id)
    return entries, [m for m in old if id(m) not in used]


def similarity(a: str, b: str) -> float:
    """How much two English texts share, word by word (0 to 1)."""
    return difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


def _previous(message) -> str:
    """The English a fuzzy entry's translation was made for."""
    return message.previous_id[0] if message.previous_id else ""


def merged_catalog(units: list, catalog, language: str = LANGUAGE):
    """The catalog as ``make zh-update`` writes it: the units in source order, old translations kept
    (fuzzy where the English changed), entries no English matches kept as obsolete."""
    from babel.messages.catalog import Catalog, Message

    entries, obsolete = merge(units, catalog)
    out = Catalog(locale=language, fuzzy=False)
    for e in entries:
        flags = ("fuzzy",) if e.status == "fuzzy" else ()
        previous = e.previous if e.status == "fuzzy" else None
        out.add(
            e.unit.text,
            e.translation,
            context=e.unit.key,
            flags=flags,
            previous_id=previous,
            auto_comments=[e.unit.where],
        )
    for m in obsolete:
        out.obsolete[(m.id, m.context)] = Message(m.id, m.string, context=m.context, flags=m.flags)
    return out


def translations(units: list, catalog) -> dict:
    """English text -> its current translation (only the translated, non-fuzzy ones)."""
    entries, _ = merge(units, catalog)
    return {e.unit.text: e.translation for e in entries if e.status == "translated"}


# --- the catalogs of the series ---


def text_units(prefix: str, texts: list, where: str) -> list:
    """Units for a list of texts (markdown blocks, strings): keyed by the last heading and the place after it."""
    units, section, place = [], prefix, 0
    for text in texts:
        if text.lstrip().startswith("#"):
            section, place = f"{prefix}/{slug(text.lstrip().splitlines()[0].lstrip('#'))}", 0
        else:
            place += 1
        units.append(Unit(f"{section}/{place}", text, where))
    return unique_keys(units)


def classroom_units() -> list:
    """The site's own text, the lesson plan (block by block), its quiz, the formula sheet, and the
    lecture deck's own text (its title slide, speaker notes, the timetable's titles)."""
    from w2v2_walkthrough.quiz import QUESTIONS, words

    from . import formula_sheet, lecture, lesson_plan, site

    return (
        text_units("site", list(site.STRINGS) + list(site.FORMULA_SHEET_STRINGS), "the site's pages")
        + text_units("lesson-plan", lesson_plan.translatable_blocks(), "docs/lesson_plan.md")
        + text_units(
            "quiz", list(lesson_plan.QUIZ_STRINGS) + [q.text for q in QUESTIONS] + words(), "w2v2_walkthrough/quiz.py"
        )
        + text_units("formula-sheet", formula_sheet.strings(), "scripts/series/formula_sheet.py")
        + text_units("lecture", lecture.strings(), "scripts/series/lecture.py")
    )


def checker_texts() -> list:
    """Every fixed English text a checker shows: the message templates of ``exercises._core`` and each
    checker module's hints and messages written as string literals: passed to a checker function
    (``check_value``, ``check_function``, ``Verdict``, ``Property``, ``wrong``, ``hint=``), assigned
    to ``hint``, or looked up with ``_("...")``. An f-string cannot be looked up in a catalog: write
    such a message as a template, ``_("... {x}").format(x=...)``."""
    import ast

    from w2v2_walkthrough.exercises import _core

    texts = list(_core.MESSAGES)
    for path in sorted((ROOT / "w2v2_walkthrough" / "exercises").glob("nb*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            found = []
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                places = {"check_value": 2, "check_function": 3, "Verdict": 1, "Property": 0, "wrong": 1, "_": 0}
                place = places.get(node.func.id)
                if place is not None and len(node.args) > place:
                    found.append(node.args[place])
                found += [k.value for k in node.keywords if k.arg in ("hint", "message")]
                if node.func.id == "_" and node.args:
                    found.append(node.args[0])
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "hint" for t in node.targets):
                found.append(node.value)
            texts += [n.value for n in found if isinstance(n, ast.Constant) and isinstance(n.value, str)]
    return list(dict.fromkeys(t for t in texts if t.strip()))


def exercises_units() -> list:
    return [Unit(f"checker/{i}", text, "w2v2_walkthrough/exercises") for i, text in enumerate(checker_texts())]


def series_units(notebooks: dict) -> dict:
    """Catalog name -> its units: one per notebook, ``classroom``, ``exercises``."""
    units = {name: notebook_units(name, nb) for name, nb in notebooks.items()}
    units["classroom"] = classroom_units()
    units["exercises"] = exercises_units()
    return units


def stale(notebooks: dict, language: str = LANGUAGE) -> dict:
    """Catalog name -> its entries that are missing or fuzzy (the translators' to-do list)."""
    todo = {}
    for name, units in series_units(notebooks).items():
        entries, _ = merge(units, read_catalog(catalog_path(name, language), language))
        todo[name] = [e for e in entries if e.status != "translated"]
    return todo


def counts(notebooks: dict, language: str = LANGUAGE) -> dict:
    """Catalog name -> (translated, fuzzy, missing)."""
    result = {}
    for name, units in series_units(notebooks).items():
        entries, _ = merge(units, read_catalog(catalog_path(name, language), language))
        c = Counter(e.status for e in entries)
        result[name] = (c["translated"], c["fuzzy"], c["missing"])
    return result


def update(notebooks: dict, language: str = LANGUAGE) -> list:
    """Write every catalog merged with the current English (``make zh-update``)."""
    written = []
    for name, units in series_units(notebooks).items():
        path = catalog_path(name, language)
        catalog = merged_catalog(units, read_catalog(path, language), language)
        written.append(write_catalog(catalog, path, name))
    return written


def _indent(text: str, prefix: str = "    | ") -> str:
    return "\n".join(prefix + line for line in (text or "(none)").splitlines())


def describe(entry: Entry) -> str:
    """One to-do item: where, the key, and for a fuzzy one the old English, what changed, the old translation."""
    head = f"[{entry.status}] {entry.unit.where} (msgctxt {entry.unit.key!r})"
    if entry.status == "missing":
        return f"{head}\n  English:\n{_indent(entry.unit.text)}"
    diff = difflib.unified_diff(
        entry.previous.splitlines(), entry.unit.text.splitlines(), "old English", "new English", lineterm="", n=1
    )
    return (
        f"{head}\n  old English:\n{_indent(entry.previous)}\n  new English:\n{_indent(entry.unit.text)}\n"
        f"  what changed:\n{_indent(chr(10).join(list(diff)[2:]))}\n  old translation:\n{_indent(entry.translation)}"
    )


def report(todo: dict, full: bool = True) -> str:
    lines = []
    for name, entries in todo.items():
        if not entries:
            continue
        c = Counter(e.status for e in entries)
        lines.append(f"== {catalog_path(name).relative_to(ROOT)}: {c['missing']} missing, {c['fuzzy']} stale (fuzzy)")
        if full:
            lines += [describe(e) for e in entries]
        else:
            lines += [
                f"  [{e.status}] {e.unit.where}: {(e.unit.text.strip().splitlines() or [''])[0][:70]!r}"
                for e in entries
            ]
    return "\n".join(lines)


# --- the zh notebooks ---


def translated_notebook(nb, name: str, catalog, marker: str = FALLBACK_MARKER):
    """The executed notebook with every markdown cell (and the summary) translated; code cells,
    outputs and attachments untouched. A cell without a current translation keeps its English,
    followed by ``marker``."""
    import copy

    nb = copy.deepcopy(nb)
    units = notebook_units(name, nb)
    done = translations(units, catalog)
    meta = nb.metadata.get("w2v2", {})
    if meta.get("summary"):
        meta["summary"] = done.get(meta["summary"], meta["summary"])
    for cell in nb.cells:
        if cell.cell_type == "markdown" and cell.source.strip():
            cell.source = done.get(cell.source) or with_marker(cell.source, marker)
    nb.metadata["language_info"] = {**nb.metadata.get("language_info", {})}
    nb.metadata.setdefault("w2v2", {})["language"] = LANGUAGE
    return nb


class Translator:
    """``tr(english)`` -> its current translation (English -> translation, :func:`translations`);
    the English itself where there is none yet."""

    def __init__(self, done: dict | None = None):
        self.done = done or {}

    def __call__(self, english: str) -> str:
        return self.done.get(english, english)


# --- checks of a translation against its English (tests/scripts/test_translation.py, make zh-stale) ---

GLOSSARY = ROOT / "docs" / "glossary.zh.md"
_CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)
_MATHS = re.compile(r"\$\$.*?\$\$|\$[^$\n]*\$|\\\(.*?\\\)|\\\[.*?\\\]", re.S)
_LINK_TARGET = re.compile(r"\]\([^)]*\)|<[^>\n]*>|https?://\S+")
#: An ordered list item's number: ``1. ``, ``12) `` at the start of a line (indented less than a code block).
_LIST_ITEM = re.compile(r"^ {0,3}(\d{1,9})[.)](?:\s|$)")
#: A number as prose states it: digits with an optional decimal part and exponent; a space or comma
#: between groups of three digits (16 000, 16,000) is the same number.
_NUMBER = re.compile(r"\d+(?:[ ,]\d{3}(?!\d))*(?:\.\d+)?(?:e[-+]?\d+)?")
#: Placeholders the builders fill in: {{name}} (lesson plan), «name» (formula sheet), {name} (checkers).
_PLACEHOLDER = re.compile(r"\{\{\w+\}\}|«\w+»|\{\w+\}")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def prose(text: str) -> str:
    """``text`` without code, maths, link targets, URLs, HTML tags and placeholders: what a reader reads as prose."""
    return _PLACEHOLDER.sub(" ", _LINK_TARGET.sub(" ", _MATHS.sub(" ", _CODE.sub(" ", text))))


def without_list_numbers(text: str) -> str:
    """``text`` with the numbers of its ordered list items blanked, as Markdown (CommonMark) reads
    them: a line ``N. `` starts a list item after a blank line, at the start of the text, in a list
    that has begun (the next item), or as ``1.`` (the only number that may interrupt a paragraph).
    A wrapped line of a paragraph that happens to start with ``100. `` or ``0. `` is prose: its
    number counts."""
    lines, in_list, previous_blank = text.split("\n"), False, True
    for i, line in enumerate(lines):
        if not line.strip():
            previous_blank = True
            continue
        item = _LIST_ITEM.match(line)
        if item and (previous_blank or in_list or int(item.group(1)) == 1):
            lines[i] = line[: item.start(1)] + " " * len(item.group(1)) + line[item.end(1) :]
            in_list = True
        elif previous_blank:
            in_list = False  # a new block that is not an ordered list
        previous_blank = False
    return "\n".join(lines)


def numbers(text: str) -> Counter:
    """The numbers a text states (in prose, code spans and maths alike; not list numbering), and its placeholders."""
    text = without_list_numbers(text)
    found = Counter(re.sub("[ ,]", "", n) for n in _NUMBER.findall(_PLACEHOLDER.sub(" ", text)))
    return found + Counter(_PLACEHOLDER.findall(text))


#: Lower-case names that stay English in Chinese prose (libraries, tools).
NAMES = {"torchaudio", "torch", "pytorch", "fairseq", "transformers", "numpy", "soundfile", "soxr", "jieba", "nbval"}
#: Units, written as in English in Chinese prose too.
NAMES |= {"ms", "hz", "khz", "db", "dbfs", "kb", "mb", "gb"}
#: An English term glossed in full-width parentheses after its Chinese, as the style asks at first
#: use: 感受野（receptive field）. Not counted as untranslated English.
_GLOSS = re.compile(r"（[^（）\u3400-\u9fff]*）")


def english_letters(text: str) -> int:
    """Letters of English prose words: lower-case words of two letters or more outside code and maths
    (names and identifiers, ``GroupNorm``, ``HuBERT``, ``wav2vec2``, ``components.py``, :data:`NAMES`,
    are not counted)."""
    words = re.findall(r"(?<![\w.-])[a-z]{2,}(?![\w.-])", _GLOSS.sub(" ", prose(text)))
    return sum(len(w) for w in words if w.lower() not in NAMES)


def han_characters(text: str) -> int:
    return len(_HAN.findall(prose(text)))


#: A translation is Chinese when its Han characters are at least this many times its English prose letters.
CHINESE_RATIO = 2
#: An English text with fewer prose letters than this (a heading that is a code name) needs no Chinese.
MIN_ENGLISH = 12


def glossary(path: Path = GLOSSARY) -> dict:
    """English term -> Chinese term, from the table of docs/glossary.zh.md (the English as written
    there: see :func:`term_patterns` for ``/``, ``…`` and ``(noun)``)."""
    rows = re.findall(r"^\|\s*([^|]+?)\s*\|\s*([^|]+?)\s*\|", path.read_text(encoding="utf-8"), re.M)
    return {en: zh for en, zh in rows if en not in ("English", "---") and not set(en) <= set("-")}


#: Where a "(noun)" term is a noun: right after an article, a determiner or a possessive
#: ("the mirror", "a mirror", "the package's mirror"; not "the last 80 mirror them").
_DETERMINER = re.compile(r"(?:(?<![\w'’])(?:a|an|the|this|that|its|their|our|your|each|every)|\w['’]s)\s+$", re.I)


def phrase_pattern(phrase: str) -> re.Pattern:
    """A glossary phrase as a pattern: its words whole, in order, each in the plural too, any
    punctuation or spacing between them; ``…`` stands for up to three words."""
    tokens = re.findall(r"…|[\w'’-]+", phrase)
    pattern = r"(?<![\w-])"
    for i, token in enumerate(tokens):
        if token == "…":
            pattern += r"(?:[\w'’.-]+\W+){0,3}"
            continue
        pattern += re.escape(token) + r"(?:s|es)?" + (r"(?![\w-])" if i == len(tokens) - 1 else r"\W+")
    return re.compile(pattern, re.I)


def term_pattern(term: str) -> re.Pattern:
    return phrase_pattern(term)


def term_patterns(term: str) -> tuple[list, bool]:
    """A glossary row's English: one or more phrases separated by `` / `` (one sense written several
    ways), ``…`` in a phrase for up to three words, and ``(noun)`` at the end for a word that is
    also a verb: then it counts only as a noun (see :data:`_DETERMINER`)."""
    noun = term.rstrip().endswith("(noun)")
    phrases = term.removesuffix("(noun)").split(" / ")
    return [phrase_pattern(p) for p in phrases if p.strip()], noun


def glossary_terms_used(plain: str, terms: dict) -> dict:
    """The glossary terms (keys of ``terms``) that ``plain`` uses -> the first words that use each.
    Where two terms' matches overlap,
    the longer wins: "sample rate" is a sample rate, not a sample; "GPU kernels" are compute kernels,
    not conv kernels."""
    spans = {}
    for en in terms:
        patterns, noun = term_patterns(en)
        spans[en] = [
            m.span()
            for pattern in patterns
            for m in pattern.finditer(plain)
            if not noun or _DETERMINER.search(plain[: m.start()])
        ]
    every = [(start, end, en) for en, found in spans.items() for start, end in found]
    used = {}
    for en, found in spans.items():
        for start, end in sorted(found):
            if not any(s <= start and end <= e and e - s > end - start for s, e, other in every if other != en):
                used[en] = plain[start:end]
                break
    return used


def translation_problems(english_text: str, chinese: str, terms: dict) -> list:
    """What is wrong with a translation: other numbers, too little Chinese, a glossary term rendered otherwise."""
    problems = []
    a, b = numbers(english_text), numbers(chinese)
    if a != b:
        missing, extra = sorted((a - b).elements()), sorted((b - a).elements())
        problems.append(
            f"numbers differ: the English states {missing or 'none'} that the translation lacks, "
            f"the translation {extra or 'none'} that the English lacks"
        )
    letters = english_letters(english_text)
    if letters >= MIN_ENGLISH and han_characters(chinese) < CHINESE_RATIO * english_letters(chinese):
        problems.append(
            f"not Chinese enough: {han_characters(chinese)} Chinese characters, {english_letters(chinese)} letters "
            f"of English prose (need {CHINESE_RATIO}x as many characters)"
        )
    if letters >= MIN_ENGLISH and han_characters(chinese) == 0:
        problems.append("no Chinese at all")
    plain = prose(english_text)
    for en, words in glossary_terms_used(plain, terms).items():
        if terms[en] not in chinese:
            words = " ".join(words.split())
            problems.append(f"glossary: the English says {words!r}, the translation lacks {terms[en]!r}")
    return problems


def catalog_problems(notebooks: dict, language: str = LANGUAGE) -> dict:
    """Catalog name -> one line per problem of its current translations (:func:`translation_problems`)."""
    terms, found = glossary(), {}
    for name, units in series_units(notebooks).items():
        entries, _ = merge(units, read_catalog(catalog_path(name, language), language))
        found[name] = [
            f"{e.unit.where} ({e.unit.key}): {p}"
            for e in entries
            if e.status == "translated"
            for p in translation_problems(e.unit.text, e.translation, terms)
        ]
    return found
