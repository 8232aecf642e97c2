"""The reading pages and slides render in a real browser (headless Chromium), fully offline.

Chromium loads each page from a local HTTP server inside a same-origin harness page that reports
what really rendered (title text, images and their sizes, reveal.js state); its net log proves
that no request left the machine. Screenshots are kept in build/screenshots/ as CI artefacts.
"""

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from series import sources
from series.pages import render_pages
from series.slides import render_slides

ROOT = Path(__file__).resolve().parents[1]

BUILD = ROOT / "build"
SHOTS = BUILD / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

HARNESS = """<!DOCTYPE html><html><body>
<iframe id="page" src="%s" style="width:1280px;height:800px"></iframe>
<pre id="result">pending</pre>
<script>
document.getElementById('page').addEventListener('load', () => setTimeout(() => {
  const win = document.getElementById('page').contentWindow, doc = win.document;
  const imgs = Array.from(doc.querySelectorAll('img'));
  const first = imgs.find(i => i.getBoundingClientRect().width > 0);
  document.getElementById('result').textContent = JSON.stringify({
    text: doc.body.innerText,
    images: imgs.length,
    decoded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
    visible: imgs.filter(i => i.getBoundingClientRect().width > 0 && i.getBoundingClientRect().height > 0).length,
    first_visible_size: first ? [first.getBoundingClientRect().width, first.getBoundingClientRect().height] : null,
    reveal_ready: !!(win.Reveal && win.Reveal.isReady && win.Reveal.isReady()),
    reveal_slides: win.Reveal && win.Reveal.getTotalSlides ? win.Reveal.getTotalSlides() : 0,
  });
}, 1500));
</script></body></html>"""


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
        # nothing can leave: every host name except the local server's address fails to resolve
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium); CI installs it and runs these checks")
    notebooks = {p.stem: sources.read_executed(p) for p in sources.sources()}
    render_pages(notebooks, BUILD / "html")
    render_slides(notebooks, BUILD / "slides")
    SHOTS.mkdir(parents=True, exist_ok=True)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self):
            if self.path.startswith("/__harness/"):
                body = (HARNESS % self.path[len("/__harness") :]).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(BUILD)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path_factory.mktemp("chromium")
    server.shutdown()


def inspect_page(site, path: str) -> dict:
    base, tmp = site
    netlog = tmp / (re.sub(r"\W", "_", path) + ".netlog.json")
    profile = tmp / ("profile" + re.sub(r"\W", "_", path))
    cmd = [
        *chromium_flags(profile),
        f"--log-net-log={netlog}",
        "--virtual-time-budget=8000",
        "--window-size=1400,1000",
        "--dump-dom",
        f"{base}/__harness/{path}",
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120).stdout
    match = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S)
    assert match, f"the harness did not report for {path}: {dom[-500:]}"
    report = json.loads(match.group(1).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"))
    report["requests"] = page_requests(netlog)
    return report


def screenshot(site, path: str, name: str) -> Path:
    base, tmp = site
    out = SHOTS / name
    cmd = [
        *chromium_flags(tmp / f"shot_{name}"),
        "--window-size=1280,800",
        "--virtual-time-budget=5000",
        f"--screenshot={out}",
        f"{base}/{path}",
    ]
    subprocess.run(cmd, capture_output=True, timeout=120)
    assert out.exists(), f"no screenshot of {path}"
    return out


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


def assert_offline(report, site):
    base, _ = site
    from_pages = [(url, who) for url, who in report["requests"] if who.startswith("http")]
    remote = [url for url, _ in from_pages if not url.startswith(base)]
    assert remote == [], f"the page requested resources from outside the machine: {remote}"
    assert any(url.startswith(base) for url, _ in from_pages)  # the log did record the page's local requests


def assert_not_blank(png: Path):
    pixels = np.asarray(Image.open(png).convert("L"), dtype=float)
    assert pixels.shape[0] >= 600 and pixels.shape[1] >= 1000
    assert pixels.std() > 10 and (pixels < 200).mean() > 0.01, f"{png.name} looks blank"


def test_index_page(site):
    report = inspect_page(site, "html/index.html")
    assert "How wav2vec2 turns a waveform into frames" in report["text"]
    for path in sources.sources():
        assert sources.title_of(sources.read_executed(path)) in report["text"]
    assert_offline(report, site)
    assert_not_blank(screenshot(site, "html/index.html", "index.png"))


def test_reading_page(site):
    report = inspect_page(site, "html/01_waveform_to_frames.html")
    assert "1. From waveform to frames" in report["text"]
    assert "random weights (seed 0), NOT pretrained" in report["text"]
    assert "Series index" in report["text"] and "2. Reading the source" in report["text"]  # navigation
    assert "NBVAL_CHECK_OUTPUT" not in report["text"]
    assert report["images"] >= 2 and report["decoded"] == report["images"] and report["visible"] == report["images"]
    width, height = report["first_visible_size"]
    assert width > 300 and height > 100
    assert_offline(report, site)
    assert_not_blank(screenshot(site, "html/01_waveform_to_frames.html", "page_01.png"))


def test_first_slide_deck(site):
    report = inspect_page(site, "slides/01_waveform_to_frames.slides.html")
    assert report["reveal_ready"] and report["reveal_slides"] >= 8
    assert "1. From waveform to frames" in report["text"]
    assert report["images"] >= 2 and report["decoded"] == report["images"]
    assert "load_speech_clip" in report["text"] and "%matplotlib inline" not in report["text"]  # set-up cell skipped
    assert_offline(report, site)
    assert_not_blank(screenshot(site, "slides/01_waveform_to_frames.slides.html", "slides_01.png"))
