"""The reading site: the executed notebooks as a book (Sphinx + MyST-NB + sphinx-book-theme), offline.

:class:`SiteBuild` writes a Sphinx source tree next to the output folder (``build/.site-source/``
for ``build/site/``) and runs Sphinx on it, without executing anything (``nb_execution_mode =
"off"``: the notebooks arrive executed). The book holds, in its sidebar's order: an index with a
line per notebook, the notebooks (their ``# NBVAL_CHECK_OUTPUT`` markers removed), the lesson plan
(:mod:`.lesson_plan`), the formula sheet (a page that shows and links the one-A4-page
``formula_sheet_a4.html`` of :mod:`.formula_sheet`, which stays standalone so that it prints on one
page) and the references (from ``docs/references.bib``). Search is Sphinx's own (an index in the
folder); the maths is rendered by the KaTeX the build installs from the npm registry
(:mod:`.katex`); no launch buttons, no CDN. The folder can be served or hosted as it is.

An edition in another language (:mod:`.zh`) passes a :class:`Localized`: Sphinx's ``language`` (its
own words, and its search: ``jieba`` segments Chinese), ``tr`` for the site's own text, and a
bundled webfont the pages name first.
"""

import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from . import fonts, katex
from .formula_sheet import render_formula_sheet
from .katex import KATEX_DIR
from .lesson_plan import lesson_plan_markdown
from .sources import NOTEBOOKS, ROOT, for_readers, summary_of, title_of
from .translation import english

TITLE = "How wav2vec2 turns a waveform into frames"
BIBLIOGRAPHY = ROOT / "docs" / "references.bib"
#: The references page beside the notebooks, so that their links work on GitHub and in JupyterLab too.
REFERENCES = NOTEBOOKS / "references.md"
#: Where the site finds KaTeX, under its _static folder.

CONF = f'''# Written by scripts/series/site.py for each build; edit it there.
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))  # series_katex
project = __TITLE__
author = "w2v2_walkthrough"
extensions = ["myst_nb", "series_katex"]
nb_execution_mode = "off"  # the series build executed the notebooks already
nb_output_folder = os.path.join(os.path.dirname(__file__), ".jupyter_execute")  # figures, inside the source tree
myst_enable_extensions = ["dollarmath"]
html_theme = "sphinx_book_theme"
html_title = project
html_theme_options = {{
    "use_download_button": True,  # the .ipynb, from this folder
    "use_fullscreen_button": False,
    "launch_buttons": {{}},  # nothing that calls out: no Binder, Colab or Thebe
    "show_toc_level": 2,
}}
html_static_path = ["_static"]
html_css_files = ["{KATEX_DIR}/dist/katex.min.css", "w2v2.css"__CSS__]
html_js_files = [
    ("{KATEX_DIR}/dist/katex.min.js", {{"defer": "defer"}}),
    ("{KATEX_DIR}/dist/contrib/auto-render.min.js", {{"defer": "defer"}}),
    ("w2v2-math.js", {{"defer": "defer"}}),
]
html_math_renderer = "katex_local"
html_last_updated_fmt = None
html_show_sphinx = False
smartquotes = False  # the text as the notebooks have it (quotes in code names, apostrophes)
exclude_patterns = [".doctrees"]
suppress_warnings = ["myst.header"]  # the notebooks' headings start at "# " and skip no level on purpose
__LANGUAGE__'''


@dataclass
class Localized:
    """The site in another language: Sphinx's ``language`` (``zh_CN``: Sphinx's and the theme's own
    words in Chinese, and a search index segmented by jieba), ``tr`` (English -> translation) for the
    site's own text, and the bundled CJK font named first in every page's font stack."""

    language: str
    tr: object = field(default=english)
    font: bool = True
    #: Terms the search must keep whole (the glossary's): a jieba user dictionary in the source tree.
    words: list = field(default_factory=list)


#: The font stack of a localized site: the bundled CJK font first (its Latin glyphs too), so Chinese
#: text never falls back to whatever the reader's machine has.
FONT_CSS = f"""
html {{ --pst-font-family-base: "{fonts.FAMILY}", var(--pst-font-family-base-system);
       --pst-font-family-heading: "{fonts.FAMILY}", var(--pst-font-family-base-system); }}
"""


SEARCH_WORDS = "search_words.txt"
#: A standalone page of a localized site (the formula sheet) names the bundled font first.
FONT_PAGE_CSS = f"\n<style>html body {{ font-family: '{fonts.FAMILY}', system-ui, sans-serif; }}</style>\n"


def conf(title: str, localized: Localized | None = None) -> str:
    """conf.py of the site (a localized one adds Sphinx's ``language`` and the font's stylesheet)."""
    css = f', "{fonts.FONT_DIR}/{fonts.CSS}"' if localized and localized.font else ""
    language = f"language = {localized.language!r}\n" if localized else ""
    if localized and localized.words:
        language += f'html_search_options = {{"dict": os.path.join(os.path.dirname(__file__), "{SEARCH_WORDS}")}}\n'
    return CONF.replace("__TITLE__", repr(title)).replace("__CSS__", css).replace("__LANGUAGE__", language)


#: A Sphinx extension in the source tree: maths nodes are written as Sphinx writes them for MathJax
#: (``\\(...\\)`` in ``span.math``, ``\\[...\\]`` in ``div.math``), and KaTeX renders them in the page.
EXTENSION = """from sphinx.ext.mathjax import html_visit_displaymath, html_visit_math
from sphinx.search.zh import SearchChinese


class ChineseSearch(SearchChinese):
    # Sphinx 9.0's Chinese search ships English's stemmer but binds window.Stemmer to a
    # "ChineseStemmer" that does not exist, so its search page fails: bind the one it ships.
    language_name = "English"


def setup(app):
    app.add_html_math_renderer("katex_local", (html_visit_math, None), (html_visit_displaymath, None))
    app.add_search_language(ChineseSearch)
    return {"parallel_read_safe": True}
"""

#: A code line of 100 characters (the series has a few of 104) fits at 1280 px on one line:
#: narrower sidebars (the page's contents column stays) and margins, code at 12.8 px. A longer line,
#: or any line in a narrower window, wraps instead of scrolling sideways; outputs keep their layout.
CSS = """
html { --pst-sidebar-secondary: 11rem; }
@media (min-width: 992px) { .bd-sidebar-primary { flex-basis: 15rem; } }
.bd-main .bd-content .bd-article-container .bd-article { padding-left: 1rem; padding-right: 1rem; }
div.highlight pre, div.cell_output pre { font-size: 0.8rem; line-height: 1.4; padding: 0.5rem; }
div.cell_input div.highlight pre { white-space: pre-wrap; }
.w2v2-answers pre { margin: 0; }
iframe.w2v2-sheet { width: 100%; height: 1150px; border: 1px solid #ccc; }
"""

#: The book's index: the chapter that treats a term. The index page lists them, and the search
#: ranks that chapter first for the term (most chapters mention GroupNorm; one explains it).
INDEX = {
    "03": ["stride", "frame rate", "output length"],
    "04": ["receptive field", "effective receptive field"],
    "05": ["GroupNorm", "LayerNorm", "group_norm", "layer_norm"],
    "06": ["waveform normalization", "do_normalize", "return_attention_mask"],
    "08": ["chunked extraction"],
    "09": ["Hugging Face transformers", "Wav2Vec2FeatureEncoder"],
}


def _with_index_entries(nb, terms: list):
    """The notebook with a cell after its title that makes ``terms`` main entries of the index."""
    if terms:
        title = next(i for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown")
        entries = "\n".join(f"```{{index}} !{term}\n```" for term in terms)  # !: a main entry
        nb.cells.insert(title + 1, nbformat.v4.new_markdown_cell(entries))
    return nb


def bibliography(path: Path = BIBLIOGRAPHY) -> list[dict]:
    """The entries of a BibTeX file (the plain subset ``references.bib`` uses: ``@type{key,`` then
    ``field = {value},`` lines), in the file's order, each a dict with ``key`` and its fields."""
    entries = []
    for kind, key, body in re.findall(r"@(\w+)\{([^,\s]+),(.*?)\n\}", path.read_text(encoding="utf-8"), re.S):
        fields = dict(re.findall(r"^\s*(\w+)\s*=\s*\{(.*)\},?\s*$", body, re.M))
        entries.append({"type": kind.lower(), "key": key, **{name.lower(): v for name, v in fields.items()}})
    return entries


def citation(entry: dict) -> str:
    """How the notebooks cite an entry: ``Baevski et al., 2020`` (one or two authors: their names)."""
    surnames = [name.split()[-1] for name in entry["author"].split(" and ")]
    who = " and ".join(surnames) if len(surnames) <= 2 else f"{surnames[0]} et al."
    return f"{who}, {entry['year']}"


def references_markdown(entries: list[dict], myst: bool = False, tr=english) -> str:
    """The references page: one paragraph per entry, each with an anchor named by its key (an HTML
    anchor, as GitHub and Jupyter show it; with ``myst``, a MyST target, which Sphinx checks links to)."""
    lines = [
        tr("# References"),
        "",
        "<!-- Generated from docs/references.bib by scripts/series/site.py; edit the .bib. -->",
        "",
        tr("The works the series leans on. The notebooks cite them by author and year, linked to this page."),
        "",
    ]
    for e in entries:
        where = e.get("booktitle") or e.get("journal", "")
        details = ", ".join(
            x
            for x in (
                f"*{where}*" if where else "",
                f"vol. {e['volume']}" if "volume" in e else "",
                f"pp. {e['pages'].replace('--', '–')}" if "pages" in e else "",
            )
            if x
        )
        links = " ".join(f"<{e[k] if k == 'url' else 'https://doi.org/' + e[k]}>" for k in ("doi", "url") if k in e)
        authors = ", ".join(e["author"].split(" and "))
        anchor = f"({e['key']})=\n" if myst else f'<a id="{e["key"]}"></a>'
        lines += [f"{anchor}**{citation(e)}.** {authors}. {e['title']}. {details}. {links}", ""]
    return "\n".join(lines)


def write_references() -> Path:
    """Regenerate the committed references page from the bibliography (after editing the .bib)."""
    REFERENCES.write_text(references_markdown(bibliography()), encoding="utf-8")
    return REFERENCES


#: The site's own text (besides the notebooks, the lesson plan and the sheet); ``{count}``: the
#: number of notebooks.
STRINGS = (
    TITLE,
    "An annotated walk through torchaudio's wav2vec2 feature extractor, in {count} notebooks, each\n"
    "executed when this site was built. Slides for each are in the `slides/` folder beside this site.",
    "For the classroom: the [lesson plan](lesson_plan.md) (the series as one 90-minute class, with a quiz\n"
    "whose answers the package computes) and the [formula sheet](formula_sheet.md) (one printable A4 page).",
    "The series",
    "For the classroom",
    "# References",
    "The works the series leans on. The notebooks cite them by author and year, linked to this page.",
)


def _index(notebooks: dict, tr=english) -> str:
    items = "\n".join(
        f"{i}. [{title_of(nb)}]({name}.ipynb): {summary_of(nb)}" for i, (name, nb) in enumerate(notebooks.items(), 1)
    )
    series = "\n".join(notebooks)
    return f"""# {tr(TITLE)}

{tr(STRINGS[1]).replace("{count}", str(len(notebooks)))}

{items}

{tr(STRINGS[2])}

```{{toctree}}
:hidden:
:caption: {tr(STRINGS[3])}

{series}
```

```{{toctree}}
:hidden:
:caption: {tr(STRINGS[4])}

lesson_plan
formula_sheet
references
```
"""


#: The printable sheet, a standalone page in the site's folder.
FORMULA_SHEET_A4 = "formula_sheet_a4.html"
FORMULA_SHEET_STRINGS = (
    "# Formula sheet",
    "Lengths, receptive field, frame times, the norms' axes and the chunk plan on one A4 page, every\n"
    'number computed by the package when this site was built. <a href="{sheet}">Open it on its\n'
    "own</a> to print it (it prints on one page).",
    "Formula sheet",
)


def formula_sheet_page(tr=english) -> str:
    heading, text, title = (tr(s).replace("{sheet}", FORMULA_SHEET_A4) for s in FORMULA_SHEET_STRINGS)
    return f"""{heading}\n\n{text}\n\n<iframe class="w2v2-sheet" src="{FORMULA_SHEET_A4}" title="{title}"></iframe>\n"""


FORMULA_SHEET_PAGE = formula_sheet_page()


def write_source(notebooks: dict, src: Path, localized: Localized | None = None) -> Path:
    """The Sphinx source tree of the site: conf.py, its KaTeX extension, the pages and _static/."""
    tr = localized.tr if localized else english
    if src.exists():
        shutil.rmtree(src)
    (src / "_static").mkdir(parents=True)
    (src / "conf.py").write_text(conf(tr(TITLE), localized), encoding="utf-8")
    (src / "series_katex.py").write_text(EXTENSION)
    (src / "_static" / "w2v2.css").write_text(CSS + (FONT_CSS if localized and localized.font else ""))
    if localized and localized.font:
        fonts.install_font(src / "_static" / fonts.FONT_DIR)
    if localized and localized.words:  # jieba's user dictionary: "word frequency" per line
        (src / SEARCH_WORDS).write_text("".join(f"{w} 100000\n" for w in localized.words), encoding="utf-8")
    math_delimiters = [d for d in katex.DELIMITERS if d["left"].startswith("\\")]  # how Sphinx writes maths
    (src / "_static" / "w2v2-math.js").write_text(katex.render_calls(".math", math_delimiters))
    katex.install_katex(src / "_static" / KATEX_DIR)
    for name, nb in notebooks.items():
        nbformat.write(_with_index_entries(for_readers(nb), INDEX.get(name[:2], [])), src / f"{name}.ipynb")
    (src / "index.md").write_text(_index(notebooks, tr), encoding="utf-8")
    (src / "lesson_plan.md").write_text(lesson_plan_markdown(tr=tr), encoding="utf-8")
    (src / "formula_sheet.md").write_text(formula_sheet_page(tr), encoding="utf-8")
    (src / "references.md").write_text(references_markdown(bibliography(), myst=True, tr=tr), encoding="utf-8")
    return src


class SiteBuild:
    """The site for ``notebooks`` (name -> executed notebook, in order) being built into ``out``:
    Sphinx runs in its own process (editions build several at once), so the caller can render the
    slides meanwhile; :meth:`wait` finishes it."""

    def __init__(self, notebooks: dict, out: Path, localized: Localized | None = None):
        self.out, self.source, self.localized = out, out.parent / f".{out.name}-source", localized
        write_source(notebooks, self.source, localized)
        if out.exists():
            shutil.rmtree(out)
        self.started = time.perf_counter()
        command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-W", "--keep-going"]
        command += ["-d", str(self.source / ".doctrees"), str(self.source), str(out)]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def wait(self) -> Path:
        """Wait for Sphinx, add the printable formula sheet; returns ``out / "index.html"``."""
        stdout, stderr = self.process.communicate()
        if self.process.returncode != 0:
            raise RuntimeError(f"Sphinx could not build the site from {self.source}:\n{stderr or stdout}")
        sheet = {}
        if self.localized is not None:
            font = fonts.stylesheet(f"_static/{fonts.FONT_DIR}") if self.localized.font else ""
            sheet = {"tr": self.localized.tr, "head": font + FONT_PAGE_CSS, "lang": self.localized.language}
        render_formula_sheet(
            self.out / FORMULA_SHEET_A4, katex_prefix=f"_static/{KATEX_DIR}", **sheet
        )  # Sphinx's copies
        print(f"site built in {time.perf_counter() - self.started:.1f} s", flush=True)
        return self.out / "index.html"
