"""Reading pages: one offline HTML page per executed notebook, linked in order, plus an index."""

import copy
import html
from pathlib import Path

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


def render_pages(executed: dict, out: Path) -> list:
    """One offline HTML page per notebook (with links to its neighbours) and an index page."""
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="offline_lab", extra_template_basedirs=[str(TEMPLATES)])
    names, titles = list(executed), [title_of(nb) for nb in executed.values()]
    written = []
    for i, name in enumerate(names):
        body, _ = exporter.from_notebook_node(
            for_readers(executed[name]), resources={"w2v2_nav": _nav(names, titles, i)}
        )
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
        f"<ol>\n{items}\n</ol>\n</body></html>\n",
        encoding="utf-8",
    )
    return [out / "index.html", *written]
