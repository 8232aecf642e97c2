"""Reading pages: one offline HTML page per executed notebook, linked in order, with a table of
contents of its sections and its LaTeX rendered by KaTeX (installed into the folder), plus an
index that also links the lesson plan and the formula sheet."""

import copy
import html
import re
from pathlib import Path

from . import katex
from .sources import summary_of, title_of

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
NBVAL_MARKER = "# NBVAL_CHECK_OUTPUT"


def for_readers(nb):
    """A copy without the nbval marker lines, which mean nothing to a reader."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and NBVAL_MARKER in cell.source:
            cell.source = "\n".join(line for line in cell.source.splitlines() if line.strip() != NBVAL_MARKER)
    return nb


def _nav(names, titles, i) -> str:
    parts = ['<nav class="w2v2-nav"><a href="index.html">Series index</a>']
    if i > 0:
        parts.append(f'<a href="{names[i - 1]}.html">&larr; {html.escape(titles[i - 1])}</a>')
    if i + 1 < len(names):
        parts.append(f'<a href="{names[i + 1]}.html">{html.escape(titles[i + 1])} &rarr;</a>')
    return "".join(parts) + "</nav>"


#: A ``## `` heading as nbconvert renders it: ``<h2 id="...">text<a class="anchor-link" ...>``.
SECTION = re.compile(r'<h2 id="([^"]+)">(.*?)<a class="anchor-link"', re.S)
TOC_PLACEHOLDER = "<!--w2v2-toc-->"
#: Where pages and slides find KaTeX, relative to themselves (each folder gets its own copy).
KATEX_DIR = "katex"
MATH_IN = ".jp-MarkdownOutput, .w2v2-toc"


def table_of_contents(body: str) -> str:
    """A list of links to the page's ``## `` sections, from the anchors nbconvert gave them."""
    items = [
        f'<li><a href="#{anchor}">{html.escape(html.unescape(re.sub(r"<[^>]+>", "", text)).strip())}</a></li>'
        for anchor, text in SECTION.findall(body)
    ]
    if not items:
        return ""
    return '<nav class="w2v2-toc"><p class="w2v2-toc-title">Contents</p><ol>\n' + "\n".join(items) + "\n</ol></nav>"


def with_table_of_contents(body: str) -> str:
    """The page with its table of contents right after the title cell (where the template's
    placeholder is, when the page has a single cell)."""
    toc, body = table_of_contents(body), body.replace(TOC_PLACEHOLDER, "", 1)
    cells = [m.start() for m in re.finditer(r'<div class="jp-Cell ', body)]
    at = cells[1] if len(cells) > 1 else len(body)
    return body[:at] + toc + "\n" + body[at:]


def katex_resources(prefix: str = KATEX_DIR, selector: str = MATH_IN) -> dict:
    return {"w2v2_katex_css": katex.stylesheet(prefix), "w2v2_katex_js": katex.render_script(prefix, selector)}


def render_pages(executed: dict, out: Path) -> list:
    """One offline HTML page per notebook (with links to its neighbours and a table of contents)
    and an index page."""
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    katex.install_katex(out / KATEX_DIR)
    exporter = HTMLExporter(template_name="offline_lab", extra_template_basedirs=[str(TEMPLATES)])
    names, titles = list(executed), [title_of(nb) for nb in executed.values()]
    written = []
    for i, name in enumerate(names):
        body, _ = exporter.from_notebook_node(
            for_readers(executed[name]), resources={"w2v2_nav": _nav(names, titles, i), **katex_resources()}
        )
        body = with_table_of_contents(body)
        (out / f"{name}.html").write_text(body, encoding="utf-8")
        written.append(out / f"{name}.html")
    items = "\n".join(
        f'<li><a href="{name}.html">{html.escape(title)}</a>: {html.escape(summary_of(nb))}</li>'
        for (name, nb), title in zip(executed.items(), titles, strict=True)
    )
    (out / "index.html").write_text(
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<title>How wav2vec2 turns a waveform into frames</title>"
        "</head>\n<body style='font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.5'>\n"
        "<h1>How wav2vec2 turns a waveform into frames</h1>\n"
        f"<p>An annotated walk through torchaudio's wav2vec2 feature extractor, in {len(names)} notebooks. "
        "Slides for each are in <a href='../slides/'>../slides/</a>.</p>\n"
        f"<ol>\n{items}\n</ol>\n"
        "<h2>For the classroom</h2>\n<ul>\n"
        "<li><a href='lesson_plan.html'>Lesson plan</a>: the series as one 90-minute class, with questions "
        "to ask before a cell runs, the misconceptions to address, and a 10-question quiz.</li>\n"
        "<li><a href='formula_sheet.html'>Formula sheet</a>: lengths, receptive field, frame times, the norms' "
        "axes and the chunk plan on one printable A4 page.</li>\n"
        "</ul>\n</body></html>\n",
        encoding="utf-8",
    )
    return [out / "index.html", *written]
