"""Lecture slides: one reveal.js deck per executed notebook, working offline.

reveal.js itself is installed from the npm registry at build time and checked against its
published sha512, so the decks never load anything from a CDN.
"""

import base64
import hashlib
import io
import tarfile
import urllib.request
from pathlib import Path

from .pages import TEMPLATES, for_readers

REVEAL_VERSION = "4.0.2"
REVEAL_TARBALL = f"https://registry.npmjs.org/reveal.js/-/reveal.js-{REVEAL_VERSION}.tgz"
REVEAL_SHA512 = "LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw=="


def install_reveal(dest: Path) -> Path:
    """Install reveal.js from the npm registry into ``dest`` (once), verifying its sha512."""
    if (dest / "dist" / "reveal.js").exists():
        return dest
    try:
        data = urllib.request.urlopen(REVEAL_TARBALL, timeout=60).read()
    except OSError as err:
        raise RuntimeError(
            f"Could not download reveal.js {REVEAL_VERSION} from the npm registry ({err}); "
            f"the slides need it once, then they work offline."
        ) from None
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != REVEAL_SHA512:
        raise RuntimeError(f"reveal.js tarball failed its integrity check (sha512-{digest})")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if member.isfile() and len(parts) > 1 and parts[1] in ("dist", "plugin", "LICENSE"):
                member.name = str(Path(*parts[1:]))
                tar.extract(member, dest, filter="data")
    return dest


def render_slides(executed: dict, out: Path) -> list:
    """reveal.js decks that open offline, from each notebook's slide metadata."""
    from nbconvert import SlidesExporter

    out.mkdir(parents=True, exist_ok=True)
    install_reveal(out / "reveal.js")
    exporter = SlidesExporter(
        template_name="offline_reveal",
        extra_template_basedirs=[str(TEMPLATES)],
        reveal_url_prefix="reveal.js",
        reveal_theme="white",  # white: bundled fonts only
    )
    written = []
    for name, nb in executed.items():
        body, _ = exporter.from_notebook_node(for_readers(nb))
        (out / f"{name}.slides.html").write_text(body, encoding="utf-8")
        written.append(out / f"{name}.slides.html")
    return written
