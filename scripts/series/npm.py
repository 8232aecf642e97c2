"""Install a JavaScript package from the npm registry, verified against its published integrity.

The slides and pages load reveal.js and KaTeX from the build folder, never from a CDN: each is
downloaded once at build time as the registry's tarball, checked against the sha512 the registry
publishes for that version (its ``dist.integrity``, pinned in the code), and unpacked. The verified
tarball is kept in ``build/.npm/`` (and checked again whenever it is used), so later builds, other
editions and the tests work without a network.
"""

import base64
import functools
import hashlib
import io
import tarfile
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .sources import BUILD

CACHE = BUILD / ".npm"


def tarball_url(name: str, version: str) -> str:
    """The registry's tarball URL (a scoped package, ``@scope/name``, names its file without the scope)."""
    return f"https://registry.npmjs.org/{name}/-/{name.split('/')[-1]}-{version}.tgz"


def sha512_integrity(data: bytes) -> str:
    """npm's integrity string of ``data``: ``sha512-`` and the base64 digest."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


@functools.cache
def fetch_verified(name: str, version: str, integrity: str) -> bytes:
    """The tarball of ``name@version``, checked against ``integrity``: from the cache when it holds a
    copy that passes the check, otherwise downloaded from the registry (and cached)."""
    cached = CACHE / f"{name.replace('/', '+')}-{version}.tgz"
    if cached.exists() and sha512_integrity(cached.read_bytes()) == integrity:
        return cached.read_bytes()
    url = tarball_url(name, version)
    try:
        data = urllib.request.urlopen(url, timeout=60).read()
    except OSError as err:
        raise RuntimeError(
            f"Could not download {name} {version} from the npm registry ({err}); "
            f"the build needs it once, then the slides and pages work offline."
        ) from None
    found = sha512_integrity(data)
    if found != integrity:
        raise RuntimeError(f"{name} {version} tarball failed its integrity check: {found}, expected {integrity}")
    CACHE.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def install(name: str, version: str, integrity: str, dest: Path, keep: Callable[[Path], bool], marker: str) -> Path:
    """Unpack the verified tarball's files for which ``keep(path inside the package)`` holds into
    ``dest`` (once: nothing happens when ``dest / marker`` exists)."""
    if (dest / marker).exists():
        return dest
    data = fetch_verified(name, version, integrity)
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts  # "package/dist/reveal.js"
            if member.isfile() and len(parts) > 1 and keep(Path(*parts[1:])):
                member.name = str(Path(*parts[1:]))
                tar.extract(member, dest, filter="data")
    if not (dest / marker).exists():
        raise RuntimeError(f"{name} {version} has no {marker}")
    return dest
