"""The reading pages, slides, lesson plan and formula sheet render in a real browser, fully offline.

Each test drives one headless Chromium over the DevTools protocol (on a pipe, no port): it loads
pages from a local HTTP server, asks the page what really rendered (text, images and their sizes,
reveal.js state, KaTeX formulas, every slide's size), takes screenshots and prints to PDF.
Chromium's net log proves that no request left the machine. Screenshots are kept in
build/screenshots/ as CI artefacts, with build/slide_report.txt (every slide that does not fit).
"""

import base64
import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import nbformat
import numpy as np
import pytest
from PIL import Image

from series import sources
from series.formula_sheet import render_formula_sheet
from series.lesson_plan import render_lesson_plan
from series.pages import render_pages
from series.slides import render_slides

ROOT = Path(__file__).resolve().parents[2]

BUILD = ROOT / "build"
SHOTS = BUILD / "screenshots"
SLIDE_REPORT = BUILD / "slide_report.txt"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: The projector the decks are made for (issue 10): every slide must fit a 1280x720 window.
PROJECTOR = (1280, 720)


# --- a headless Chromium, driven over the DevTools protocol --------------------------------------


def chromium_flags(profile: Path):
    return [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--no-first-run",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        # a tab the test drives is never treated as hidden: no throttled timers or paused frames
        # (the flags Puppeteer passes by default), else reveal.js may not start on a busy machine
        "--disable-background-timer-throttling",
        "--disable-backgrounding-occluded-windows",
        "--disable-renderer-backgrounding",
        "--hide-scrollbars",
        # nothing can leave: every host name except the local server's address fails to resolve
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
    ]


class Chromium:
    """One headless Chromium; commands and events travel as NUL-separated JSON on fds 3 and 4."""

    def __init__(self, workdir: Path):
        self.netlog = workdir / "netlog.json"
        to_chrome, from_chrome = os.pipe(), os.pipe()
        redirect = f'exec "$@" 3<&{to_chrome[0]} 4>&{from_chrome[1]}'
        flags = [*chromium_flags(workdir / "profile"), "--remote-debugging-pipe", f"--log-net-log={self.netlog}"]
        self.proc = subprocess.Popen(
            ["bash", "-c", redirect, "bash", *flags, "about:blank"],  # bash: dash refuses fds above 9
            pass_fds=(to_chrome[0], from_chrome[1]),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome[0])
        os.close(from_chrome[1])
        self._out, self._in = to_chrome[1], from_chrome[0]
        self._ids, self._replies, self.events = 0, {}, []
        self._arrived = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        buffer = b""
        while chunk := os.read(self._in, 1 << 20):
            *messages, buffer = (buffer + chunk).split(b"\0")
            with self._arrived:
                for raw in messages:
                    message = json.loads(raw)
                    if "id" in message:
                        self._replies[message["id"]] = message
                    else:
                        self.events.append(message)
                self._arrived.notify_all()

    def _wait(self, found, timeout: float, what: str):
        with self._arrived:
            if not self._arrived.wait_for(found, timeout):
                raise TimeoutError(f"Chromium did not answer {what} within {timeout} s")

    def post(self, method: str, session: str | None = None, **params) -> int:
        """Send a command; its reply comes later (see :meth:`send`)."""
        self._ids += 1
        message = {"id": self._ids, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._out, json.dumps(message).encode() + b"\0")
        return self._ids

    def send(self, method: str, session: str | None = None, timeout: float = 120, **params):
        """Send a command and return its result."""
        ident = self.post(method, session, **params)
        self._wait(lambda: ident in self._replies, timeout, method)
        reply = self._replies.pop(ident)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def wait_event(self, method: str, session: str, since: int, timeout: float = 120):
        match = lambda e: e["method"] == method and e.get("sessionId") == session
        self._wait(lambda: any(match(e) for e in self.events[since:]), timeout, method)

    def tab(self, width: int = PROJECTOR[0], height: int = PROJECTOR[1]) -> "Tab":
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send("Page.enable", session)
        return Tab(self, session, width, height)

    def close(self) -> list:
        """Quit, and return (url, initiator) of every request the net log recorded."""
        with contextlib.suppress(OSError):  # it may be gone already
            self.post("Browser.close")
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._out)
        return page_requests(self.netlog)


class Tab:
    def __init__(self, browser: Chromium, session: str, width: int, height: int):
        self.browser, self.session = browser, session
        self.send("Page.bringToFront")
        self.send("Emulation.setFocusEmulationEnabled", enabled=True)
        self.resize(width, height)

    def send(self, method: str, **params):
        return self.browser.send(method, self.session, **params)

    def resize(self, width: int, height: int):
        self.width, self.height = width, height
        self.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)

    def goto(self, url: str):
        # Let the current page finish the font loads it started (a slide walk starts KaTeX's lazily):
        # a font still in flight when the tab navigates away can stay pending, from the memory
        # cache, in the next page for good (seen: the next deck's KaTeX fonts never finished).
        self.send("Runtime.evaluate", expression=SETTLE_FONTS, awaitPromise=True, returnByValue=True)
        since = len(self.browser.events)
        result = self.send("Page.navigate", url=url)
        assert "errorText" not in result, f"{url}: {result['errorText']}"
        self.browser.wait_event("Page.loadEventFired", self.session, since)

    def js(self, expression: str):
        """The value of a JavaScript expression (awaited when it is a promise)."""
        reply = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            raise AssertionError(f"JavaScript failed: {details.get('exception', {}).get('description', details)}")
        return reply["result"].get("value")

    def screenshot(self, name: str, full_page: bool = False) -> Path:
        params = {"format": "png"}
        if full_page:
            height = self.js("document.documentElement.scrollHeight")
            params |= {
                "captureBeyondViewport": True,
                "clip": {"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1},
            }
        out = SHOTS / name
        out.write_bytes(base64.b64decode(self.send("Page.captureScreenshot", **params)["data"]))
        return out

    def pdf(self) -> bytes:
        """The page printed as Chromium prints it (the page's own @page size and margins)."""
        reply = self.send("Page.printToPDF", printBackground=True, preferCSSPageSize=True)
        return base64.b64decode(reply["data"])


def page_requests(netlog: Path) -> list:
    """(url, initiator) of every request the net log records. Requests a page makes carry the
    page's origin as initiator; Chromium's own background requests carry "not an origin"."""
    log = json.loads(netlog.read_text(errors="replace"))
    start_job = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return sorted(
        {
            (e["params"]["url"], e["params"].get("initiator", ""))
            for e in log["events"]
            if e["type"] == start_job and "url" in e.get("params", {})
        }
    )


# --- the site, served locally -------------------------------------------------------------------


def maths_fixture():
    """A tiny notebook with LaTeX in its markdown (inline and display) and dollar signs in a code
    output, which must stay text: the notebooks' own formulas come and go, this one stays."""
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


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium); CI installs it and runs these checks")
    notebooks = {p.stem: sources.read_executed(p) for p in sources.sources()}
    render_pages(notebooks, BUILD / "html")
    render_slides(notebooks, BUILD / "slides")
    render_lesson_plan(BUILD / "html")
    render_formula_sheet(BUILD / "html")
    render_pages({"maths": maths_fixture()}, BUILD / "fixture" / "html")
    render_slides({"maths": maths_fixture()}, BUILD / "fixture" / "slides")
    SHOTS.mkdir(parents=True, exist_ok=True)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(BUILD)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", notebooks
    server.shutdown()


@pytest.fixture
def browser(tmp_path):
    chromium = Chromium(tmp_path)
    yield chromium
    if chromium.proc.poll() is None:
        chromium.close()


def assert_offline(requests, base: str):
    from_pages = [(url, who) for url, who in requests if who.startswith("http")]
    remote = [url for url, _ in from_pages if not url.startswith(base)]
    assert remote == [], f"the page requested resources from outside the machine: {remote}"
    assert any(url.startswith(base) for url, _ in from_pages)  # the log did record the page's local requests


def assert_not_blank(png: Path):
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.shape[0] >= 600 and pixels.shape[1] >= 1000
    assert pixels.std() > 10 and (pixels < 200).mean() > 0.01, f"{png.name} looks blank"


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
    links: Array.from(document.querySelectorAll('a[href]')).map((a) => a.getAttribute('href')),
  };
})()"""

#: Wait (at most 10 s) for the fonts the page has started to load; fine on an empty tab too.
SETTLE_FONTS = """Promise.race([document.fonts.ready.then(() => true),
  new Promise((done) => setTimeout(() => done(false), 10000))])"""

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


# --- the tests ------------------------------------------------------------------------------------


def test_index_page(site, browser):
    base, notebooks = site
    tab = browser.tab()
    tab.goto(f"{base}/html/index.html")
    report = tab.js(PAGE_REPORT)
    assert "How wav2vec2 turns a waveform into frames" in report["text"]
    for nb in notebooks.values():
        assert sources.title_of(nb) in report["text"]
    assert {"lesson_plan.html", "formula_sheet.html"} <= set(report["links"])
    assert (BUILD / "html" / "lesson_plan.html").exists() and (BUILD / "html" / "formula_sheet.html").exists()
    assert_not_blank(tab.screenshot("index.png"))
    assert_offline(browser.close(), base)


def test_reading_page(site, browser):
    base, notebooks = site
    tab = browser.tab()
    tab.goto(f"{base}/html/01_waveform_to_frames.html")
    report = tab.js(PAGE_REPORT)
    assert "1. From waveform to frames" in report["text"]
    assert "random weights (seed 0), NOT pretrained" in report["text"]
    assert "Series index" in report["text"] and "2. Reading the source" in report["text"]  # navigation
    assert "NBVAL_CHECK_OUTPUT" not in report["text"]
    assert report["images"] >= 2 and report["decoded"] == report["images"] and report["visible"] == report["images"]
    width, height = report["first_visible_size"]
    assert width > 300 and height > 100
    # the table of contents: one link per "## " heading of the notebook, each to an anchor that exists
    sections = [
        line[3:].strip()
        for cell in notebooks["01_waveform_to_frames"].cells
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith("## ")
    ]
    toc = tab.js(
        "Array.from(document.querySelectorAll('.w2v2-toc a')).map((a) => "
        "[a.textContent, !!document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1)))])"
    )
    assert [text for text, _ in toc] == [re.sub(r"[`*]", "", s) for s in sections] and all(ok for _, ok in toc)
    assert report["math_errors"] == 0
    assert_not_blank(tab.screenshot("page_01.png"))
    assert_offline(browser.close(), base)


def open_deck(tab, url: str) -> dict:
    """Load a deck and wait until reveal.js, its fonts and images are ready (REVEAL_READY; its error
    names any font still loading)."""
    tab.goto(url)
    return tab.js(REVEAL_READY)


def test_first_slide_deck(site, browser):
    base, _ = site
    tab = browser.tab()
    ready = open_deck(tab, f"{base}/slides/01_waveform_to_frames.slides.html")
    report = tab.js(PAGE_REPORT)
    assert ready["slides"] >= 8
    assert "1. From waveform to frames" in report["text"]
    assert report["images"] >= 2 and report["decoded"] == report["images"]
    assert "load_speech_clip" in report["text"] and "%matplotlib inline" not in report["text"]  # set-up cell skipped
    assert_not_blank(tab.screenshot("slides_01.png"))
    assert_offline(browser.close(), base)


def test_maths_render_offline_in_pages_and_slides(site, browser):
    """KaTeX renders inline and display formulas in a reading page and a slide, and leaves the
    dollar signs of a code output alone."""
    base, _ = site
    tab = browser.tab()
    tab.goto(f"{base}/fixture/html/maths.html")
    page = tab.js(PAGE_REPORT)
    assert page["math_rendered"] == page["katex"] == 5 and page["math_errors"] == 0  # k, s, L, floor, display
    assert tab.js("document.querySelectorAll('.katex-display').length") == 1
    assert "costs $5 and $6" in page["text"]  # the code output is not maths
    # KaTeX's own fonts, not a fallback: its stylesheet's font faces loaded from the build folder
    assert tab.js("document.fonts.check('16px KaTeX_Main')") and tab.js(
        "Array.from(document.fonts).some((f) => f.family.includes('KaTeX') && f.status === 'loaded')"
    )
    open_deck(tab, f"{base}/fixture/slides/maths.slides.html#/1")
    slide = tab.js(
        "({katex: Reveal.getCurrentSlide().querySelectorAll('.katex').length,"
        " text: Reveal.getCurrentSlide().innerText})"
    )
    assert slide["katex"] == 5 and "$" not in slide["text"].split("costs")[0]
    assert_not_blank(tab.screenshot("formula_slide_fixture.png"))
    assert_offline(browser.close(), base)


def test_every_slide_of_every_deck_fits_1280x720(site, browser):
    """Walk every slide and sub-slide of every deck in a 1280x720 window: nothing taller or wider
    than the slide, no code or output line cut, nothing that needs scrolling."""
    base, notebooks = site
    tab = browser.tab(*PROJECTOR)
    problems, walked, formula_slide = [], 0, None
    for name in notebooks:
        ready = open_deck(tab, f"{base}/slides/{name}.slides.html")
        assert ready["config"] == list(PROJECTOR), f"{name}: the deck is {ready['config']}, not 1280x720"
        deck = tab.js(WALK)
        assert len(deck["slides"]) == deck["total"] == ready["slides"] > 0
        walked += deck["total"]
        problems += slide_problems(name, deck)
        if formula_slide is None:
            formula_slide = next(((name, s) for s in deck["slides"] if s["katex"]), None)
    if formula_slide is not None:  # a slide of the series with LaTeX on it, as the room sees it
        name, s = formula_slide
        open_deck(tab, f"{base}/slides/{name}.slides.html#/{s['h']}/{s['v']}")
        assert_not_blank(tab.screenshot("formula_slide.png"))
    summary = f"walked {walked} slides in {len(notebooks)} decks at 1280x720; {len(problems)} problems"
    SLIDE_REPORT.write_text("\n".join([summary, *problems]) + "\n", encoding="utf-8")
    assert_offline(browser.close(), base)
    assert walked >= len(notebooks) * 5
    assert problems == [], summary + ":\n" + "\n".join(problems)


def test_lesson_plan_page(site, browser):
    from w2v2_walkthrough import quiz

    base, _ = site
    tab = browser.tab()
    tab.goto(f"{base}/html/lesson_plan.html")
    report = tab.js(PAGE_REPORT)
    assert "90 minutes" in report["text"] and "Quiz" in report["text"]
    for question in quiz.QUESTIONS:
        assert re.sub(r"[`*]", "", question.text.split("$")[0]).strip()[:40] in report["text"]
        assert quiz.format_answer(question.answer()) in report["text"]
    assert report["math_errors"] == 0
    assert_not_blank(tab.screenshot("lesson_plan.png"))
    assert_offline(browser.close(), base)


def test_formula_sheet_fits_one_a4_page(site, browser):
    """Printed (A4, the page's own margins), the sheet is one page, and no formula or table is wider
    than its column; its formulas rendered."""
    base, _ = site
    tab = browser.tab(718, 1047)  # A4 less 10 mm margins, at 96 dpi
    tab.send("Emulation.setEmulatedMedia", media="print")
    tab.goto(f"{base}/html/formula_sheet.html")
    report = tab.js(PAGE_REPORT)
    assert report["math_rendered"] >= 20 and report["math_errors"] == 0
    too_wide = tab.js(
        "Array.from(document.querySelectorAll('.katex-display, table'))"
        ".filter((e) => e.scrollWidth > e.closest('section').clientWidth + 1).map((e) => e.textContent.slice(0, 60))"
    )
    assert too_wide == [], f"wider than their column: {too_wide}"
    pdf = tab.pdf()
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf))
    assert pages == 1, f"the formula sheet prints on {pages} pages"
    (SHOTS / "formula_sheet.pdf").write_bytes(pdf)
    tab.send("Emulation.setEmulatedMedia", media="")
    tab.resize(794, 1123)  # the whole A4 page at 96 dpi
    png = tab.screenshot("formula_sheet.png", full_page=True)
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.shape[0] >= 1000 and pixels.std() > 10 and (pixels < 200).mean() > 0.01
    assert_offline(browser.close(), base)
