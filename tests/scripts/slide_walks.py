"""The every-slide walks, in a process of their own (tests/conftest.py starts it with the session):
render the English decks (the lecture deck's too) and the Chinese decks with the zh formula sheet,
serve build/ on a local port, open every deck in Chromium at 1280x720 and walk every slide with
test_browser's WALK; for the zh decks also read which CJK characters no bundled face covers.
Writes what it measured to build/slide_walks.json; test_browser.py asserts on it. Running the walks
beside the package tests and nbval, instead of after them, keeps the suite within its budget.

    python tests/scripts/slide_walks.py        (from the repository root)
"""

import functools
import http.server
import json
import sys
import threading
import traceback

import test_browser as tb

from series import sources, zh
from series.lecture import LECTURE, with_lecture
from series.slides import render_slides

RESULT = tb.BUILD / "slide_walks.json"


def walk(page, url: str, cjk: bool = False) -> dict:
    ready = tb.open_deck(page, url)
    deck = page.evaluate(tb.WALK)
    return {"ready": ready, "deck": deck, "font": page.evaluate(tb.CJK_FONT) if cjk else None}


def main() -> dict:
    notebooks = {p.stem: sources.read_executed(p) for p in sources.sources()}
    render_slides(with_lecture(notebooks), tb.BUILD / "slides")
    zh.write_checked_pages()
    tb.SHOTS.mkdir(parents=True, exist_ok=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(tb.BUILD)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    from playwright.sync_api import sync_playwright

    result = {"english": {}, "zh": {}, "remote": [], "notebooks": sorted(notebooks)}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=tb.CHROMIUM)
        context = browser.new_context(viewport={"width": tb.PROJECTOR[0], "height": tb.PROJECTOR[1]})
        context.route(tb.elsewhere(base), lambda route: (result["remote"].append(route.request.url), route.abort()))
        page = context.new_page()
        for name in [*notebooks, LECTURE]:
            result["english"][name] = walk(page, f"{base}/slides/{name}.slides.html")
        formula = next(((n, s) for n, r in result["english"].items() for s in r["deck"]["slides"] if s["katex"]), None)
        if formula is not None:  # a slide of the series with LaTeX on it, as the room sees it
            tb.open_deck(page, f"{base}/slides/{formula[0]}.slides.html#/{formula[1]['h']}/{formula[1]['v']}")
            result["formula_shot"] = str(tb.screenshot(page, "formula_slide.png"))
        for deck in sorted(tb.ZH_SLIDES.glob("*.slides.html")):
            name = deck.name.removesuffix(".slides.html")
            result["zh"][name] = walk(page, f"{base}/zh/slides/{deck.name}", cjk=True)
        tb.open_deck(page, f"{base}/zh/slides/02_reading_the_source.slides.html#/1")
        result["zh_shot"] = str(tb.screenshot(page, "zh_slides_02.png"))
        browser.close()
    server.shutdown()
    return result


if __name__ == "__main__":
    try:
        outcome = main()
    except Exception:
        outcome = {"error": traceback.format_exc()}
    RESULT.write_text(json.dumps(outcome), encoding="utf-8")
    sys.exit(0)
