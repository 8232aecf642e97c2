"""A CJK webfont for the Chinese edition, installed from the npm registry like KaTeX (:mod:`.npm`).

``@fontsource/noto-sans-sc`` (SIL Open Font Licence) splits Noto Sans SC into ~100 woff2 subsets per
weight, each declared with its ``unicode-range``: a page loads only the subsets of the characters it
shows. The tarball is checked against the sha512 the registry publishes; only the regular and bold
woff2 files and their stylesheets are unpacked (about 7 MB). :func:`stylesheet` is the
``<link>`` a page adds, :data:`FAMILY` the family its CSS names first, so that Chinese text renders
from this font on every machine (no system CJK font needed, no tofu) and nothing is fetched.
"""

import re
from pathlib import Path

from . import npm

FONT_DIR = "noto-sans-sc"
FAMILY = "Noto Sans SC"
FONT_VERSION = "5.3.1"
#: The registry's ``dist.integrity`` of @fontsource/noto-sans-sc@5.3.1.
FONT_INTEGRITY = "sha512-YxZ/VWAWo9FWzH08Q6fGTzIW6vYNP2TMhUFCnfhlimbhdXnWrxJLrzX3KWt2FKnV0s8XiM5vjpGHQiyFRlTj0w=="
WEIGHTS = ("400", "700")
#: The stylesheet written next to the files: both weights, woff2 only (every browser that runs
#: reveal.js 4 reads woff2), so no declared source is missing from the folder.
CSS = "noto-sans-sc.css"


def _keep(path: Path) -> bool:
    if path.parts[0] == "LICENSE" or str(path) in {f"{w}.css" for w in WEIGHTS}:
        return True
    return path.parts[0] == "files" and any(path.name.endswith(f"-{w}-normal.woff2") for w in WEIGHTS)


def install_font(dest: Path) -> Path:
    """Install the font into ``dest`` (once), checked against its sha512, with :data:`CSS`."""
    npm.install("@fontsource/noto-sans-sc", FONT_VERSION, FONT_INTEGRITY, dest, _keep, "400.css")
    if not (dest / CSS).exists():
        css = "\n".join((dest / f"{w}.css").read_text(encoding="utf-8") for w in WEIGHTS)
        css = re.sub(r",\s*url\([^)]*\.woff\) format\('woff'\)", "", css)
        (dest / CSS).write_text(css, encoding="utf-8")
    return dest


def stylesheet(prefix: str) -> str:
    """The ``<link>`` of the font's stylesheet installed at the relative URL ``prefix``."""
    return f'<link rel="stylesheet" href="{prefix}/{CSS}">'
