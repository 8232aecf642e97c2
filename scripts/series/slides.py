"""Lecture slides: one reveal.js deck per executed notebook, working offline at 1280x720.

reveal.js and KaTeX are installed from the npm registry at build time and checked against their
published sha512 (see :mod:`.npm`), so the decks never load anything from a CDN, and the
``slides/`` folder works on its own (copy it to a USB stick).
"""

from pathlib import Path

from . import fonts, katex
from .katex import KATEX_DIR, npm
from .sources import for_readers

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
#: Where the decks find KaTeX, relative to themselves.

REVEAL_VERSION = "4.0.2"
#: The registry's ``dist.integrity`` of reveal.js@4.0.2.
REVEAL_INTEGRITY = "sha512-LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw=="
#: The deck's size: every slide is laid out at 1280x720 and must fit (tests/scripts/test_browser.py).
SLIDE_WIDTH, SLIDE_HEIGHT = 1280, 720


def install_reveal(dest: Path) -> Path:
    """Install reveal.js from the npm registry into ``dest`` (once), verifying its sha512."""
    keep = lambda path: path.parts[0] in ("dist", "plugin", "LICENSE")
    return npm.install("reveal.js", REVEAL_VERSION, REVEAL_INTEGRITY, dest, keep, "dist/reveal.js")


#: A deck in another language: its text (JupyterLab's content and UI fonts, reveal.js's headings) set
#: in the bundled webfont first, Latin included, so no glyph comes from whatever the machine has.
CJK_CSS = """<style>
  :root { --jp-content-font-family: "__FAMILY__", system-ui, sans-serif;
          --jp-ui-font-family: "__FAMILY__", system-ui, sans-serif; }
  .reveal, .reveal .slides .jp-RenderedHTMLCommon :is(h1, h2, h3, h4) { font-family: "__FAMILY__", sans-serif; }
  /* a text not yet translated: its English as the English deck sets it, without the marker */
  .reveal .slides .w2v2-untranslated { display: none; }
  .reveal .slides .jp-RenderedHTMLCommon:has(.w2v2-untranslated) {
    font-family: system-ui, -apple-system, blinkmacsystemfont, 'Segoe UI', helvetica, arial, sans-serif;
  }
  .reveal .slides .jp-RenderedHTMLCommon:has(.w2v2-untranslated) :is(h1, h2, h3, h4) {
    font-family: "Source Sans Pro", Helvetica, sans-serif;
  }
</style>"""


def render_slides(executed: dict, out: Path, language: str | None = None) -> list:
    """reveal.js decks that open offline, from each notebook's slide metadata. ``language`` (e.g.
    ``zh_CN``): the decks' language, with the bundled CJK webfont (:mod:`.fonts`) installed beside them."""
    from nbconvert import SlidesExporter

    out.mkdir(parents=True, exist_ok=True)
    install_reveal(out / "reveal.js")
    katex.install_katex(out / KATEX_DIR)
    extra_css = ""
    if language is not None:
        fonts.install_font(out / fonts.FONT_DIR)
        extra_css = fonts.stylesheet(fonts.FONT_DIR) + "\n" + CJK_CSS.replace("__FAMILY__", fonts.FAMILY)
    exporter = SlidesExporter(
        template_name="offline_reveal",
        language_code=(language or "en").split("_")[0],  # ISO 639-1, as nbconvert takes it
        extra_template_basedirs=[str(TEMPLATES)],
        reveal_url_prefix="reveal.js",
        reveal_theme="white",  # white: bundled fonts only
    )
    written = []
    for name, nb in executed.items():
        resources = {
            "w2v2_slide": {"width": SLIDE_WIDTH, "height": SLIDE_HEIGHT},
            "w2v2_katex_css": katex.stylesheet(KATEX_DIR),
            "w2v2_katex_js": katex.render_script(KATEX_DIR, ".jp-MarkdownOutput"),
            "w2v2_extra_css": extra_css,
        }
        body, _ = exporter.from_notebook_node(for_readers(nb), resources=resources)
        (out / f"{name}.slides.html").write_text(body, encoding="utf-8")
        written.append(out / f"{name}.slides.html")
    return written
