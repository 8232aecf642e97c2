"""The reading site, the slides, the lesson plan and the formula sheet render in a real browser, offline.

One headless Chromium (Debian's, driven by Playwright) serves the whole session: pages come from a
local HTTP server, and every request any page makes passes a route that lets only that server's
URLs through and fails the test on any other. Each test asks the page what really rendered (text,
images and their sizes, the sidebar, KaTeX formulas, reveal.js state, every slide's size), takes
screenshots and prints to PDF. Screenshots are kept in build/screenshots/ as CI artefacts, with
build/slide_report.txt (every slide that does not fit).
"""

import functools
import http.server
import json
import os
import re
import shutil
import threading
import urllib.parse
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from series import fonts, sources, zh
from series.lecture import LECTURE, MAX_SLIDES, lecture_notebook, run_live_slides
from series.slides import render_slides

ROOT = Path(__file__).resolve().parents[2]

BUILD = ROOT / "build"
#: The Chinese decks and the Chinese formula sheet beside them (series.zh.write_checked_pages; the zh
#: site is built by make series, not here: a second Sphinx run would not fit the suite's budget).
ZH_SLIDES = BUILD / "zh" / "slides"
SHOTS = BUILD / "screenshots"
SLIDE_REPORT = BUILD / "slide_report.txt"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: The projector the decks are made for (issue 10): every slide must fit a 1280x720 window.
PROJECTOR = (1280, 720)
#: The reading width the site is made for: a 100-character code line fits without scrolling.
DESKTOP = (1280, 800)


def maths_fixture():
    """A tiny deck with LaTeX in its markdown (inline and display) and dollar signs in a code output,
    which must stay text: the notebooks' own formulas come and go, this one stays."""
    nb = nbformat.v4.new_notebook()
    slide = {"slideshow": {"slide_type": "slide"}}
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Maths fixture\n\nOne slide of formulas.", metadata=slide),
        nbformat.v4.new_markdown_cell(
            "## The output length\n\n"
            "A conv with kernel $k$ and stride $s$ turns $L$ samples into $\\lfloor (L - k)/s \\rfloor + 1$ "
            "positions; the whole stack gives\n\n"
            "$$T(L) = \\left\\lfloor \\frac{L - 400}{320} \\right\\rfloor + 1, \\qquad T(16000) = 49.$$",
            metadata=slide,
        ),
        nbformat.v4.new_code_cell(
            'print("costs $5 and $6")',
            outputs=[nbformat.v4.new_output("stream", name="stdout", text="costs $5 and $6\n")],
            execution_count=1,
        ),
    ]
    return nb


@pytest.fixture(scope="session")
def served(background_built):
    """The site and the decks of the committed notebooks, the lecture deck (and a maths fixture deck), built once and
    served from build/ on a local port. Yields (base URL, notebooks). The site's Sphinx build was
    started with the session (tests/conftest.py)."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium); CI installs it and runs these checks")
    notebooks, _, walked = background_built  # Sphinx and the slide walks ran in processes of their own
    render_slides({"maths": maths_fixture()}, BUILD / "fixture" / "slides")
    assert walked == 0, "the slide walks failed (tests/scripts/slide_walks.py)"
    SHOTS.mkdir(parents=True, exist_ok=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(BUILD)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", notebooks
    server.shutdown()


def elsewhere(base: str) -> re.Pattern:
    """Every URL that is not the local server's (matched inside Playwright's driver, so the local
    requests, hundreds per test, never wait on Python)."""
    return re.compile(rf"^(?!{re.escape(base)}/)")


@pytest.fixture(scope="session")
def browser(served):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


@pytest.fixture
def page(served, browser):
    """A fresh tab (1280x720) in which every request for anything but the local server is aborted and
    recorded: after the test, none may have been made. ``tab.remote`` is that record."""
    remote = []
    context = browser.new_context(viewport={"width": PROJECTOR[0], "height": PROJECTOR[1]})
    context.route(elsewhere(served[0]), lambda route: (remote.append(route.request.url), route.abort()))
    tab = context.new_page()
    tab.remote = remote
    yield tab
    context.close()
    assert remote == [], f"the pages requested resources from outside the machine: {remote}"


def assert_not_blank(png: Path):
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.shape[0] >= 600 and pixels.shape[1] >= 1000
    assert pixels.std() > 10 and (pixels < 200).mean() > 0.01, f"{png.name} looks blank"


def screenshot(page, name: str, full_page: bool = False) -> Path:
    page.screenshot(path=SHOTS / name, full_page=full_page)
    return SHOTS / name


#: What a page reports about itself once it has loaded, its fonts and its images.
PAGE_REPORT = """(async () => {
  await document.fonts.ready;
  const imgs = Array.from(document.querySelectorAll('img'));
  await Promise.all(imgs.map((i) => i.decode().catch(() => null)));
  const first = imgs.find((i) => i.getBoundingClientRect().width > 0);
  return {
    text: document.body.innerText,
    images: imgs.length,
    decoded: imgs.filter((i) => i.complete && i.naturalWidth > 0).length,
    visible: imgs.filter((i) => i.getBoundingClientRect().width > 0 && i.getBoundingClientRect().height > 0).length,
    first_visible_size: first ? [first.getBoundingClientRect().width, first.getBoundingClientRect().height] : null,
    math_rendered: Number(document.documentElement.dataset.mathRendered || 0),
    math_errors: Number(document.documentElement.dataset.mathErrors || 0),
    katex: document.querySelectorAll('.katex').length,
    math_nodes: document.querySelectorAll('.math').length,
    code_scrolls: Array.from(document.querySelectorAll('div.cell_input pre'))
      .filter((p) => p.scrollWidth > p.clientWidth).length,
    h1: (document.querySelector('h1') || { textContent: '' }).textContent.replace('#', '').trim(),
    sidebar: Array.from(document.querySelectorAll('.bd-sidebar-primary nav a.reference'))
      .map((a) => a.textContent.trim()),
    links: Array.from(document.querySelectorAll('a[href]')).map((a) => a.getAttribute('href')),
  };
})()"""

#: Wait until reveal.js is ready (and the fonts and images have loaded), without transitions.
REVEAL_READY = """(async () => {
  const deadline = Date.now() + 20000;  // fail with a reason, well before the protocol's timeout
  const pending = () => Array.from(document.fonts).filter((f) => f.status === 'loading').map((f) => f.family);
  const within = (promise, what) => Promise.race([promise, new Promise((_, fail) => setTimeout(
    () => fail(new Error(`${what} did not finish within 20 s (fonts loading: ${pending().join(', ') || 'none'})`)),
    Math.max(0, deadline - Date.now())))]);
  while (!(window.Reveal && Reveal.isReady())) {
    if (Date.now() > deadline) throw new Error('reveal.js did not start within 20 s');
    await new Promise((r) => setTimeout(r, 20));
  }
  await within(document.fonts.ready, 'loading the fonts');
  await within(Promise.all(Array.from(document.images).map((i) => i.decode().catch(() => null))), 'decoding images');
  Reveal.configure({ transition: 'none', backgroundTransition: 'none' });
  return { slides: Reveal.getTotalSlides(), config: [Reveal.getConfig().width, Reveal.getConfig().height] };
})()"""

#: Visit every slide and sub-slide through reveal.js's API and measure it in the slide's own
#: coordinates (reveal.js lays a slide out at config width x height and scales it to the window):
#: its content height (the section's scrollHeight, padding included, and the bottom of its lowest
#: element), its width, every pre block that is wider than its box, and any element that scrolls.
#: So that nothing dodges the check, code must not wrap (white-space: pre) and no text outside a
#: formula may be smaller than MIN_TEXT_PX in slide coordinates.
MIN_TEXT_PX = 16
WALK = (
    """(async () => {
  const MIN_TEXT_PX = __MIN_TEXT_PX__;
  const W = Reveal.getConfig().width, H = Reveal.getConfig().height;
  const slides = Reveal.getSlides();
  const report = [];
  for (const [index, slide] of slides.entries()) {
    const { h, v } = Reveal.getIndices(slide);
    Reveal.slide(h, v || 0); // synchronous: shows the slide and fits its plots; reading sizes lays it out
    const current = Reveal.getCurrentSlide();
    const scale = Reveal.getScale(), top = current.getBoundingClientRect().top;
    const children = Array.from(current.querySelectorAll('*')).filter((e) => !e.closest('aside.notes'));
    const bottoms = children.map((e) => (e.getBoundingClientRect().bottom - top) / scale);
    const heading = current.querySelector('h1, h2, h3, h4');
    const longest = (text) => text.split('\\n').reduce((a, b) => (b.length > a.length ? b : a), '');
    const cut = Array.from(current.querySelectorAll('pre'))
      .filter((p) => p.scrollWidth > p.clientWidth + 1)
      .map((p) => ({ px: p.scrollWidth - p.clientWidth, line: longest(p.innerText) }));
    const scrolls = children
      .filter((e) => /(auto|scroll)/.test(getComputedStyle(e).overflowY) && e.scrollHeight > e.clientHeight + 1)
      .map((e) => ({ px: e.scrollHeight - e.clientHeight, what: e.className }));
    const wraps = Array.from(current.querySelectorAll('pre')).filter((p) => getComputedStyle(p).whiteSpace !== 'pre');
    const hasText = (e) => Array.from(e.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
    const tiny = children
      .filter((e) => hasText(e) && !e.closest('.katex') && parseFloat(getComputedStyle(e).fontSize) < MIN_TEXT_PX)
      .map((e) => ({ px: parseFloat(getComputedStyle(e).fontSize), text: e.textContent.trim().slice(0, 40) }));
    report.push({
      index: index + 1, h, v: v || 0,
      wraps: wraps.length, tiny,
      heading: heading ? heading.textContent.replace('\\u00b6', '').trim() : '(no heading)',
      height: Math.max(current.scrollHeight, ...bottoms.map(Math.ceil), 0),
      width: current.scrollWidth,
      cut, scrolls,
      katex: current.querySelectorAll('.katex').length,
      images: current.querySelectorAll('img').length,
      live: current.innerText.includes('RUN LIVE'),
    });
  }
  return { width: W, height: H, total: Reveal.getTotalSlides(), slides: report };
})()"""
).replace("__MIN_TEXT_PX__", str(MIN_TEXT_PX))


def slide_problems(deck: str, walked: dict) -> list:
    """One line per slide that does not fit: deck, slide number, heading and by how much."""
    problems = []
    for s in walked["slides"]:
        where = f"{deck} slide {s['index']}/{walked['total']} ({s['h']}.{s['v']}) {s['heading']!r}"
        if s["height"] > walked["height"]:
            problems.append(f"{where}: {s['height']} px tall, {s['height'] - walked['height']} px too tall")
        if s["width"] > walked["width"]:
            problems.append(f"{where}: {s['width']} px wide, {s['width'] - walked['width']} px too wide")
        for pre in s["cut"]:
            problems.append(f"{where}: a code/output line is cut by {pre['px']} px: {pre['line'][:70]!r}")
        if s["wraps"]:
            problems.append(f"{where}: {s['wraps']} code/output blocks wrap their lines instead of fitting them")
        for small in s["tiny"][:3]:
            problems.append(f"{where}: text at {small['px']:g} px, below {MIN_TEXT_PX} px: {small['text']!r}")
        for box in s["scrolls"]:
            problems.append(f"{where}: {box['px']} px of {box['what'] or 'an element'} need scrolling")
    return problems


# --- the tests ---


def test_site_index_lists_the_series_and_the_classroom_pages(served, page):
    base, notebooks = served
    page.goto(f"{base}/site/index.html")
    report = page.evaluate(PAGE_REPORT)
    assert report["h1"] == "How wav2vec2 turns a waveform into frames"
    for nb in notebooks.values():
        assert sources.title_of(nb) in report["text"] and sources.summary_of(nb) in report["text"]
    assert {"lesson_plan.html", "formula_sheet.html"} <= set(report["links"])
    titles = [sources.title_of(nb) for nb in notebooks.values()]
    assert report["sidebar"][: len(titles)] == titles  # the whole series, in order
    assert report["sidebar"][len(titles) :][-2:] == ["Formula sheet", "References"]
    assert_not_blank(screenshot(page, "index.png"))
    # the route does catch what leaves: a request for another host is aborted and recorded
    assert page.evaluate("fetch('https://example.org/x.js').then(() => 'sent', () => 'blocked')") == "blocked"
    assert page.remote == ["https://example.org/x.js"]
    page.remote.clear()


#: A code cell with a line of 100 characters, added to a page: its width as laid out, and how
#: many lines it takes.
LONG_LINE = """(line) => {
  const pre = document.querySelector('div.cell_input div.highlight pre');
  const probe = pre.cloneNode(false);
  probe.textContent = line;
  pre.parentNode.appendChild(probe);
  const style = getComputedStyle(probe);
  const lines = (probe.clientHeight - 2 * parseFloat(style.paddingTop)) / parseFloat(style.lineHeight);
  const fits = { scroll: probe.scrollWidth, width: probe.clientWidth, lines: Math.round(lines) };
  probe.remove();
  return fits;
}"""


def test_every_site_page_renders(served, page):
    """Every notebook page and the classroom pages, in a 1280 px window: title, sidebar, figures
    decoded and shown, every formula rendered by KaTeX with its own fonts, no nbval marker,
    citations that reach their entry, no code cell that scrolls sideways (a 100-character line
    shows whole, on one line; so does the series' longest, 104)."""
    base, notebooks = served
    page.set_viewport_size({"width": DESKTOP[0], "height": DESKTOP[1]})
    titles = [sources.title_of(nb) for nb in notebooks.values()]
    citations, formulas = set(), 0
    pages = {name: sources.title_of(nb) for name, nb in notebooks.items()} | {
        "lesson_plan": "Lesson plan: how wav2vec2 turns a waveform into frames, in 90 minutes",
        "formula_sheet": "Formula sheet",
        "references": "References",
    }
    for name, title in pages.items():
        page.goto(f"{base}/site/{name}.html", wait_until="domcontentloaded")  # PAGE_REPORT waits for the rest
        report = page.evaluate(PAGE_REPORT)
        assert report["h1"] == title, name
        assert report["code_scrolls"] == 0, f"{name}: {report['code_scrolls']} code cells scroll sideways at 1280 px"
        assert report["sidebar"][: len(titles)] == titles, name
        assert "NBVAL_CHECK_OUTPUT" not in report["text"], name
        assert report["decoded"] == report["visible"] == report["images"], f"{name}: {report}"
        assert report["math_errors"] == 0 and report["katex"] == report["math_nodes"] == report["math_rendered"], name
        formulas += report["katex"]
        citations |= {link for link in report["links"] if link.startswith("references.html#")}
        if name == "01_waveform_to_frames":
            assert report["images"] >= 2 and "random weights (seed 0), NOT pretrained" in report["text"]
            width, height = report["first_visible_size"]
            assert width > 300 and height > 100
            # KaTeX's own fonts, not a fallback: its stylesheet's font faces loaded from the site
            assert page.evaluate(
                "Array.from(document.fonts).some((f) => f.family.includes('KaTeX') && f.status === 'loaded')"
            )
            # the contents column: one link per "## " heading of the notebook, each to an anchor that exists
            sections = [
                re.sub(r"[`*]", "", line[3:]).strip()
                for cell in notebooks[name].cells
                if cell.cell_type == "markdown"
                for line in cell.source.splitlines()
                if line.startswith("## ")
            ]
            toc = page.evaluate(
                "Array.from(document.querySelectorAll('nav.page-toc li.toc-h2 > a')).map((a) => [a.textContent.trim(),"
                " !!document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)))])"
            )
            assert [text for text, _ in toc] == sections and all(ok for _, ok in toc), toc
            assert_not_blank(screenshot(page, "page_01.png"))
        if name == "04_receptive_field":
            for length in (100, 104):  # the 100 the site promises; the longest code line in the series
                line = "frames = extractor(waveform)  # (B, T, C) " + "x" * (length - 42)
                fits = page.evaluate(LONG_LINE, line)
                assert fits["scroll"] <= fits["width"] and fits["lines"] == 1, (length, fits)
        if name == "lesson_plan":
            assert_not_blank(screenshot(page, "lesson_plan.png"))
    assert formulas > 50
    # every citation in the notebooks lands on an entry of the references page
    assert len(citations) >= 4
    page.goto(f"{base}/site/references.html")
    missing = [c for c in citations if not page.evaluate(f"!!document.getElementById({c.split('#')[1]!r})")]
    assert missing == []


@pytest.mark.parametrize(("query", "chapter"), [("receptive field", "04_receptive_field"), ("GroupNorm", "05_")])
def test_offline_search_ranks_the_chapter_first(served, page, query, chapter):
    base, _ = served
    page.goto(f"{base}/site/search.html?q={urllib.parse.quote(query)}")
    page.wait_for_selector("#search-results li a", timeout=20_000)
    first = page.evaluate("document.querySelector('#search-results li a').getAttribute('href')")
    assert first.startswith(chapter), f"searching {query!r}: first result {first}"


def open_deck(page, url: str) -> dict:
    """Load a deck and wait until reveal.js, its fonts and images are ready (REVEAL_READY; its error
    names any font still loading)."""
    page.goto(url)
    return page.evaluate(REVEAL_READY)


def test_first_slide_deck(served, page):
    base, _ = served
    ready = open_deck(page, f"{base}/slides/01_waveform_to_frames.slides.html")
    report = page.evaluate(PAGE_REPORT)
    assert ready["slides"] >= 8
    assert "1. From waveform to frames" in report["text"]
    assert report["images"] >= 2 and report["decoded"] == report["images"]
    assert "load_speech_clip" in report["text"] and "%matplotlib inline" not in report["text"]  # set-up cell skipped
    assert_not_blank(screenshot(page, "slides_01.png"))


def test_maths_render_offline_in_slides(served, page):
    """KaTeX renders inline and display formulas in a slide, and leaves the dollar signs of a code
    output alone."""
    base, _ = served
    open_deck(page, f"{base}/fixture/slides/maths.slides.html#/1")
    deck = page.evaluate(PAGE_REPORT)
    assert deck["math_rendered"] == deck["katex"] == 5 and deck["math_errors"] == 0  # k, s, L, floor, display
    assert page.evaluate("document.querySelectorAll('.katex-display').length") == 1
    assert "costs $5 and $6" in deck["text"]  # the code output is not maths
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')") and page.evaluate(
        "Array.from(document.fonts).some((f) => f.family.includes('KaTeX') && f.status === 'loaded')"
    )
    slide = page.evaluate(
        "({katex: Reveal.getCurrentSlide().querySelectorAll('.katex').length,"
        " text: Reveal.getCurrentSlide().innerText})"
    )
    assert slide["katex"] == 5 and "$" not in slide["text"].split("costs")[0]
    assert_not_blank(screenshot(page, "formula_slide_fixture.png"))


@pytest.fixture(scope="session")
def walks(served) -> dict:
    """What tests/scripts/slide_walks.py measured (it ran beside the other tests; ``served`` waited)."""
    result = json.loads((BUILD / "slide_walks.json").read_text(encoding="utf-8"))
    assert "error" not in result, result.get("error")
    assert result["remote"] == [], f"the decks requested resources from outside the machine: {result['remote']}"
    return result


def test_every_slide_of_every_deck_fits_1280x720(served, walks):
    """Walk every slide and sub-slide of every deck, the lecture deck's too, in a 1280x720 window:
    nothing taller or wider than the slide, no code or output line cut, nothing that needs
    scrolling. The lecture deck has at most MAX_SLIDES slides. (The walk: tests/scripts/slide_walks.py.)"""
    _, notebooks = served
    problems, walked, decks = [], 0, [*notebooks, LECTURE]
    assert list(walks["english"]) == decks
    for name in decks:
        ready, deck = walks["english"][name]["ready"], walks["english"][name]["deck"]
        assert ready["config"] == list(PROJECTOR), f"{name}: the deck is {ready['config']}, not 1280x720"
        assert len(deck["slides"]) == deck["total"] == ready["slides"] > 0
        walked += deck["total"]
        problems += slide_problems(name, deck)
        if name == LECTURE:
            assert deck["total"] <= MAX_SLIDES, f"the lecture deck has {deck['total']} slides"
            live = [s["h"] for s in deck["slides"] if s["live"]]
            assert live == run_live_slides(lecture_notebook(notebooks)) != [], live
    assert_not_blank(Path(walks["formula_shot"]))  # a slide of the series with LaTeX on it, as the room sees it
    summary = f"walked {walked} slides in {len(decks)} decks at 1280x720; {len(problems)} problems"
    SLIDE_REPORT.write_text("\n".join([summary, *problems]) + "\n", encoding="utf-8")
    assert walked >= len(notebooks) * 5
    assert problems == [], summary + ":\n" + "\n".join(problems)


def test_lesson_plan_page(served, page):
    from w2v2_walkthrough import quiz

    base, _ = served
    page.goto(f"{base}/site/lesson_plan.html")
    report = page.evaluate(PAGE_REPORT)
    assert "90 minutes" in report["text"] and "Quiz" in report["text"]
    for question in quiz.QUESTIONS:
        assert re.sub(r"[`*]", "", question.text.split("$")[0]).strip()[:40] in report["text"]
        assert quiz.format_answer(question.answer()) in report["text"]
    assert report["math_errors"] == 0 and report["katex"] == report["math_nodes"] > 0


def test_formula_sheet_fits_one_a4_page(served, page):
    """Printed (A4, the page's own margins), the sheet is one page, and no formula or table is wider
    than its column; its formulas rendered."""
    base, _ = served
    page.set_viewport_size({"width": 718, "height": 1047})  # A4 less 10 mm margins, at 96 dpi
    page.emulate_media(media="print")
    page.goto(f"{base}/site/formula_sheet_a4.html")
    report = page.evaluate(PAGE_REPORT)
    assert report["math_rendered"] >= 20 and report["math_errors"] == 0
    too_wide = page.evaluate(
        "Array.from(document.querySelectorAll('.katex-display, table'))"
        ".filter((e) => e.scrollWidth > e.closest('section').clientWidth + 1).map((e) => e.textContent.slice(0, 60))"
    )
    assert too_wide == [], f"wider than their column: {too_wide}"
    pdf = page.pdf(print_background=True, prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages == 1, f"the formula sheet prints on {pages} pages"
    (SHOTS / "formula_sheet.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 794, "height": 1123})  # the whole A4 page at 96 dpi
    png = screenshot(page, "formula_sheet.png", full_page=True)
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.shape[0] >= 1000 and pixels.std() > 10 and (pixels < 200).mean() > 0.01


#: Which CJK characters the page shows (speaker notes aside) that no loaded face of the bundled font
#: covers (by its unicode-range): a character no loaded face covers would come from a system font or
#: show as tofu. Also: how many faces of the font are declared and loaded, and the font stack of
#: the page's text.
CJK_FONT = """(async () => {
  await document.fonts.ready;
  const faces = Array.from(document.fonts).filter((f) => f.family.replace(/["']/g, '') === '__FAMILY__');
  const loaded = faces.filter((f) => f.status === 'loaded');
  const ranges = loaded.flatMap((f) => f.unicodeRange.split(',').map((r) => {
    const [a, b] = r.trim().replace(/^U\\+/i, '').split('-');
    return [parseInt(a, 16), parseInt(b || a, 16)];
  }));
  const root = (document.querySelector('.reveal .slides') || document.body).cloneNode(true);
  root.querySelectorAll('aside.notes, script, style, .w2v2-untranslated').forEach((n) => n.remove());
  const cjk = Array.from(new Set(root.textContent.match(/[\\u3000-\\u303f\\u3400-\\u9fff\\uff00-\\uffef]/g) || []));
  const covered = (c) => ranges.some(([a, b]) => c.codePointAt(0) >= a && c.codePointAt(0) <= b);
  const text = document.querySelector('.reveal .slides .jp-RenderedHTMLCommon:not(:has(.w2v2-untranslated)) p, body p');
  return {
    faces: faces.length, loaded: loaded.length, cjk: cjk.length, uncovered: cjk.filter((c) => !covered(c)),
    family: text ? getComputedStyle(text).fontFamily : '',
  };
})()""".replace("__FAMILY__", fonts.FAMILY)


def check_cjk_font(font: dict, what: str, least: int):
    """``font``: what CJK_FONT reported on a page."""
    assert font["cjk"] >= least, f"{what}: only {font['cjk']} distinct CJK characters shown"
    if font["cjk"] == 0:
        return  # nothing translated on this page yet: its English is set as the English edition's
    assert font["loaded"] > 0 and font["uncovered"] == [], f"{what}: {font}"
    assert fonts.FAMILY in font["family"], f"{what}: its text is set in {font['family']}"


def test_every_zh_slide_fits_1280x720_in_the_bundled_cjk_font(served, walks):
    """The Chinese decks: the same every-slide walk as the English ones (CJK lines wrap otherwise),
    and every Chinese character on them rendered from the bundled Noto Sans SC, loaded from the
    folder (the walk fails on any request that leaves the machine)."""
    _, notebooks = served
    problems, walked, decks = [], 0, sorted(walks["zh"])
    assert set(notebooks) | {LECTURE} <= set(decks)
    for name in decks:
        ready, deck, font = (walks["zh"][name][k] for k in ("ready", "deck", "font"))
        assert ready["config"] == list(PROJECTOR)
        walked += deck["total"]
        problems += slide_problems(f"zh/{name}", deck)
        check_cjk_font(font, f"zh/{name}", least=10 if name.startswith("02") else 0)
    assert_not_blank(Path(walks["zh_shot"]))
    assert walked >= len(decks) * 5
    assert problems == [], f"walked {walked} zh slides in {len(decks)} decks:\n" + "\n".join(problems)


def test_zh_formula_sheet_fits_one_a4_page(served, page):
    base, _ = served
    page.set_viewport_size({"width": 718, "height": 1047})
    page.emulate_media(media="print")
    page.goto(f"{base}/zh/slides/{zh.CHECKED_SHEET}")
    report = page.evaluate(PAGE_REPORT)
    assert report["math_rendered"] >= 20 and report["math_errors"] == 0
    pdf = page.pdf(print_background=True, prefer_css_page_size=True)
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages == 1, f"the Chinese formula sheet prints on {pages} pages"
    (SHOTS / "zh_formula_sheet.pdf").write_bytes(pdf)
