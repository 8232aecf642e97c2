"""The Chinese edition, ``build/zh/``: the English edition's executed notebooks with their markdown
(and speaker notes, headings, summaries) replaced from the catalogs of :mod:`.translation`, so code,
outputs and figures are the English ones byte for byte; then the same builders as the English
edition: the reading site in Chinese (Sphinx ``language = "zh_CN"``, jieba for its search), the
decks, the lesson plan and the formula sheet, the student edition (its checkers answer in Chinese).
Pages and decks load the bundled CJK webfont (:mod:`.fonts`); nothing is fetched.

While the catalogs are incomplete, a cell without a current translation keeps its English, marked
(:data:`.translation.FALLBACK_MARKER`), and the build says how many: ``make zh-stale`` lists them.
"""

from pathlib import Path

import nbformat

from . import fonts
from . import translation as tl
from .formula_sheet import render_formula_sheet
from .lecture import with_lecture
from .site import FONT_PAGE_CSS, Localized, SiteBuild
from .slides import render_slides
from .sources import BUILD, read_executed, sources
from .student import write_student_edition

ZH = BUILD / "zh"
LANGUAGE = tl.LANGUAGE


def zh_notebooks(notebooks: dict, language: str = LANGUAGE) -> dict:
    """name -> the executed notebook with its markdown translated (English where not yet)."""
    return {
        name: tl.translated_notebook(nb, name, tl.read_catalog(tl.catalog_path(name, language), language))
        for name, nb in notebooks.items()
    }


def classroom_translator(language: str = LANGUAGE) -> tl.Translator:
    units = tl.classroom_units()
    return tl.Translator(tl.translations(units, tl.read_catalog(tl.catalog_path("classroom", language), language)))


def build(notebooks: dict, out: Path = ZH, language: str = LANGUAGE) -> dict:
    """Write the zh edition of the executed ``notebooks`` under ``out``; returns the zh notebooks."""
    translated = zh_notebooks(notebooks, language)
    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    for name, nb in translated.items():
        nbformat.write(nb, out / "notebooks" / f"{name}.ipynb")
    words = sorted(set(tl.glossary().values()))
    tr = classroom_translator(language)
    building = SiteBuild(translated, out / "site", Localized(language, tr, words=words))
    render_slides(with_lecture(translated, tr), out / "slides", language)
    write_student_edition(translated, out / "student", language)
    building.wait()
    total = {name: c for name, c in tl.counts(notebooks, language).items()}
    done = sum(c[0] for c in total.values())
    todo = sum(c[1] + c[2] for c in total.values())
    print(f"zh edition:         {out}/  ({done} texts translated, {todo} still English: make zh-stale lists them)")
    return translated


#: What the browser tests open (tests/scripts/test_browser.py): the zh decks, and beside them the zh
#: formula sheet as a standalone page (it loads the decks' KaTeX and font).
CHECKED_SHEET = "formula_sheet_a4.html"


def write_checked_pages(out: Path = ZH / "slides", language: str = LANGUAGE) -> Path:
    """The zh decks of the committed notebooks and the zh formula sheet, into ``out``. The tests run
    it in a process of its own at the session's start (tests/scripts/slide_walks.py), beside Sphinx."""
    translated = zh_notebooks({p.stem: read_executed(p) for p in sources()}, language)
    tr = classroom_translator(language)
    render_slides(with_lecture(translated, tr), out, language)
    head = fonts.stylesheet(fonts.FONT_DIR) + FONT_PAGE_CSS
    return render_formula_sheet(out / CHECKED_SHEET, tr=tr, head=head, lang=language)
