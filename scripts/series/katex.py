"""KaTeX, installed from the npm registry at build time, renders the series' LaTeX offline.

Each output installs its own copy (:data:`KATEX_DIR`): the decks and the standalone formula sheet
load it from their folder and render every ``$...$`` (inline) and ``$$...$$`` (display) in the
markdown; the site loads it from ``_static/katex`` and renders the ``\\(...\\)`` and ``\\[...\\]``
that Sphinx writes. reveal.js 4's math plugin only knows MathJax 2 from a CDN,
so the decks call KaTeX's auto-render directly, before reveal.js lays the slides out.
The tarball is checked against the sha512 the registry publishes (see :mod:`.npm`).
"""

import json
from pathlib import Path

from . import npm

#: Where each output installs KaTeX, relative to itself.
KATEX_DIR = "katex"

KATEX_VERSION = "0.19.1"
#: The registry's ``dist.integrity`` of katex@0.19.1 (https://registry.npmjs.org/katex/0.19.1).
KATEX_INTEGRITY = "sha512-jG8uKntjSEcm2EpQOh0XturpPuuC9r3Sq5HLHdsFdWZT27E672SF19QEi+of0/YeOy15lDgRhKvr5614uRrEfA=="

#: Inline ``$...$`` as well as display ``$$...$$`` (auto-render leaves single dollars alone by
#: default); ``\(...\)`` and ``\[...\]`` too. Code (``pre``, ``code``) is never touched.
DELIMITERS = [
    {"left": "$$", "right": "$$", "display": True},
    {"left": "\\[", "right": "\\]", "display": True},
    {"left": "$", "right": "$", "display": False},
    {"left": "\\(", "right": "\\)", "display": False},
]


def _keep(path: Path) -> bool:
    """katex.min.js, katex.min.css, contrib/auto-render.min.js, the fonts and the licence."""
    if path.parts[0] == "LICENSE":
        return True
    if path.parts[0] != "dist" or len(path.parts) < 2:
        return False
    inside = Path(*path.parts[1:])
    return str(inside) in ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js") or inside.parts[0] == "fonts"


def install_katex(dest: Path) -> Path:
    """Install KaTeX into ``dest`` (``dest/dist/katex.min.js`` ...), once, checked against its sha512."""
    return npm.install("katex", KATEX_VERSION, KATEX_INTEGRITY, dest, _keep, "dist/katex.min.js")


def stylesheet(prefix: str) -> str:
    """The ``<link>`` of KaTeX's stylesheet (it loads the fonts) installed at the relative URL ``prefix``."""
    return f'<link rel="stylesheet" href="{prefix}/dist/katex.min.css">'


def render_calls(selector: str, delimiters: list = DELIMITERS) -> str:
    """JavaScript that renders the maths in every element matching ``selector`` (KaTeX and its
    auto-render extension loaded before it). ``<html data-math-rendered="N">`` records how many
    formulas rendered, ``data-math-errors`` how many failed to parse."""
    options = json.dumps({"delimiters": delimiters, "throwOnError": False})
    return (
        f"for (const el of document.querySelectorAll({json.dumps(selector)})) renderMathInElement(el, {options});\n"
        "document.documentElement.dataset.mathRendered = document.querySelectorAll('.katex').length;\n"
        "document.documentElement.dataset.mathErrors = document.querySelectorAll('.katex-error').length;\n"
    )


def render_script(prefix: str, selector: str) -> str:
    """KaTeX and its auto-render extension (loaded synchronously), then :func:`render_calls`. Place
    it after the content it renders and before anything that measures the page (reveal.js)."""
    return (
        f'<script src="{prefix}/dist/katex.min.js"></script>\n'
        f'<script src="{prefix}/dist/contrib/auto-render.min.js"></script>\n'
        f"<script>\n{render_calls(selector)}</script>"
    )


def write_page(
    path: Path, title: str, body: str, css: str, katex_prefix: str | None = "katex", head: str = "", lang: str = "en"
) -> Path:
    """A standalone HTML page (the formula sheet) whose maths KaTeX renders offline;
    KaTeX is installed next to it into ``katex_prefix`` (``None``: no maths); ``head`` is added to
    its ``<head>``."""
    import html

    path.parent.mkdir(parents=True, exist_ok=True)
    math_css = math_js = ""
    if katex_prefix is not None:
        install_katex(path.parent / katex_prefix)
        math_css, math_js = stylesheet(katex_prefix), render_script(katex_prefix, "body")
    path.write_text(
        f"<!DOCTYPE html>\n<html lang='{lang}'><head><meta charset='utf-8'>\n"
        f"<title>{html.escape(title)}</title>\n{math_css}\n{head}<style>{css}</style>\n</head>\n<body>\n"
        f"{body}\n{math_js}\n</body></html>\n",
        encoding="utf-8",
    )
    return path
