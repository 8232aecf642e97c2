"""Show source code in the notebooks: torchaudio's beside the mirror's (notebook 2), and the
package's own functions wherever a few lines are the lesson, so lesson and code cannot diverge."""

import ast
import difflib
import inspect
import textwrap
from pathlib import Path

from . import components
from .drift import MIRRORED, _strip_docstrings

MIRROR_NAMES = {"_get_feature_extractor": "get_feature_extractor"}


def upstream_source(name: str, docstrings: bool = False) -> str:
    """Source of a mirrored object in the *installed* torchaudio."""
    from torchaudio.models.wav2vec2 import components as upstream

    if name not in MIRRORED:
        raise ValueError(f"name must be one of {MIRRORED}, got {name!r}")
    return _clean(inspect.getsource(getattr(upstream, name)), docstrings)


def upstream_part(name: str, start: str | None = None, stop: str | None = None) -> "SourceCode":
    """A slide-sized part of :func:`upstream_source` (docstrings dropped), dedented: from the first
    line that contains ``start`` (default: the first line) up to, not including, the first later
    line that contains ``stop`` (default: the end). A marker that is not there raises ``ValueError``,
    so a changed torchaudio cannot silently show the wrong lines."""
    lines = upstream_source(name).splitlines()
    first = 0 if start is None else _find(lines, start, 0, name)
    end = len(lines) if stop is None else _find(lines, stop, first + 1, name)
    return SourceCode(textwrap.dedent("\n".join(lines[first:end])).strip("\n"))


def _find(lines: list[str], marker: str, begin: int, name: str) -> int:
    for n in range(begin, len(lines)):
        if marker in lines[n]:
            return n
    raise ValueError(f"no line of torchaudio's {name} (from line {begin + 1} on) contains {marker!r}")


def mirror_source(name: str, docstrings: bool = False) -> str:
    """Source of the mirror's counterpart of ``name``."""
    if name not in MIRRORED:
        raise ValueError(f"name must be one of {MIRRORED}, got {name!r}")
    return _clean(inspect.getsource(getattr(components, MIRROR_NAMES.get(name, name))), docstrings)


def _clean(source: str, docstrings: bool) -> str:
    """Dedent; unless ``docstrings``, drop docstring lines (comments and layout are kept)."""
    source = textwrap.dedent(source)
    if docstrings:
        return source
    drop = set()
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and ast.get_docstring(node) is not None
        ):
            doc = node.body[0]
            drop.update(range(doc.lineno, doc.end_lineno + 1))
    lines = source.splitlines()
    return "\n".join(line for n, line in enumerate(lines, start=1) if n not in drop)


def code_diff(name: str) -> list[str]:
    """Lines that differ between torchaudio's code and the mirror's, docstrings and comments aside."""

    def code_lines(source: str) -> list[str]:
        return ast.unparse(_strip_docstrings(ast.parse(source))).splitlines()

    a = code_lines(mirror_source(name).replace(MIRROR_NAMES.get(name, name), name))
    b = code_lines(upstream_source(name))
    return list(difflib.unified_diff(b, a, "torchaudio", "mirror", lineterm="", n=0))


class SourceCode(str):
    """Source text that Jupyter displays as itself (not as a quoted string)."""

    def __repr__(self) -> str:
        return str(self)


def package_source(obj, docstrings: bool = False) -> SourceCode:
    """The source of a package function or class, headed by where it lives; docstring lines
    dropped unless ``docstrings`` (comments and layout are kept)."""
    module = inspect.getmodule(obj)
    header = f"# {module.__name__}.{obj.__qualname__}  ({Path(inspect.getsourcefile(obj)).name})"
    return SourceCode(header + "\n" + _clean(inspect.getsource(obj), docstrings))


def show(obj, docstrings: bool = False) -> SourceCode:
    """Display a package function's own source in a notebook (the cell's value)."""
    return package_source(obj, docstrings)
