"""Show source code in the notebooks: torchaudio's beside the mirror's (notebook 2), an installed
library's with its line numbers (transformers, notebooks 9 and 10), and the package's own functions
wherever a few lines are the lesson, so lesson and code cannot diverge."""

import ast
import difflib
import functools
import importlib.util
import inspect
import textwrap
from pathlib import Path

from . import components
from .codetext import WIDTH, between, fold_all, numbered_lines, strip_docstrings
from .drift import MIRRORED

MIRROR_NAMES = {"_get_feature_extractor": "get_feature_extractor"}


class SourceCode(str):
    """Source text that Jupyter displays as itself (not as a quoted string)."""

    def __repr__(self) -> str:
        return str(self)


def _text(source: str, docstrings: bool = False) -> str:
    """Dedented; unless ``docstrings``, docstring lines dropped (comments and layout are kept)."""
    return "\n".join(line for _, line in numbered_lines(source, docstrings=docstrings))


def upstream_source(name: str, docstrings: bool = False) -> str:
    """Source of a mirrored object in the *installed* torchaudio."""
    from torchaudio.models.wav2vec2 import components as upstream

    if name not in MIRRORED:
        raise ValueError(f"name must be one of {MIRRORED}, got {name!r}")
    return _text(inspect.getsource(getattr(upstream, name)), docstrings)


def upstream_part(name: str, start: str | None = None, stop: str | None = None) -> SourceCode:
    """A slide-sized part of :func:`upstream_source` (docstrings dropped), dedented: from the first
    line that contains ``start`` (default: the first line) up to, not including, the first later
    line that contains ``stop`` (default: the end). A marker that is not there raises ``ValueError``,
    so a changed torchaudio cannot silently show the wrong lines."""
    lines = upstream_source(name).splitlines()
    first, end = between(lines, start, stop, f"torchaudio's {name}")
    return SourceCode(textwrap.dedent("\n".join(lines[first:end])).strip("\n"))


def mirror_source(name: str, docstrings: bool = False) -> str:
    """Source of the mirror's counterpart of ``name``."""
    if name not in MIRRORED:
        raise ValueError(f"name must be one of {MIRRORED}, got {name!r}")
    return _text(inspect.getsource(getattr(components, MIRROR_NAMES.get(name, name))), docstrings)


def code_diff(name: str) -> list[str]:
    """Lines that differ between torchaudio's code and the mirror's, docstrings and comments aside."""

    def code_lines(source: str) -> list[str]:
        return ast.unparse(strip_docstrings(ast.parse(source))).splitlines()

    a = code_lines(mirror_source(name).replace(MIRROR_NAMES.get(name, name), name))
    b = code_lines(upstream_source(name))
    return list(difflib.unified_diff(b, a, "torchaudio", "mirror", lineterm="", n=0))


def library_part(obj, start: str | None = None, stop: str | None = None) -> SourceCode:
    """An installed library's source of ``obj`` (transformers' in notebooks 9 and 10), docstrings
    dropped, headed by its file, the line numbers shown (so a notebook can cite them) and its name; a
    line longer than ``WIDTH`` is broken inside its brackets (a comment between words), layout only.
    ``start`` / ``stop`` cut a slide-sized part as :func:`upstream_part` does; a marker that is not
    there raises ``ValueError``, so a changed library cannot silently show other lines."""
    obj = inspect.unwrap(obj)  # layers' forwards are wrapped for gradient checkpointing
    raw, first_line = inspect.getsourcelines(obj)
    return _part("".join(raw), first_line, inspect.getsourcefile(obj), obj.__qualname__, start, stop)


def installed_part(module: str, qualname: str, start: str | None = None, stop: str | None = None) -> SourceCode:
    """:func:`library_part` of ``module``'s ``qualname`` (``"Class.method"``) read from the installed
    file **without importing** it or its packages (notebooks 1 to 5 do not import transformers):
    the top-level package is found with ``importlib.util.find_spec`` (which imports nothing for a
    top-level name), the module's file under it by its dotted path, the definition with ``ast``."""
    top, *rest = module.split(".")
    spec = importlib.util.find_spec(top)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"{top} is not installed; install it to show {module}'s source.")
    origin = Path(spec.origin)
    path = origin.parent.joinpath(*rest[:-1], rest[-1] + ".py") if rest else origin
    if not path.is_file():
        raise ModuleNotFoundError(f"{module} is not in the installed {top} ({path} does not exist).")
    text, node = _parsed(path)
    for name in qualname.split("."):
        found = [n for n in ast.iter_child_nodes(node) if getattr(n, "name", None) == name]
        if not found:
            raise ValueError(f"{qualname!r} is not defined in the installed {module}.")
        node = found[0]
    first = node.decorator_list[0].lineno if getattr(node, "decorator_list", None) else node.lineno
    raw = "\n".join(text.splitlines()[first - 1 : node.end_lineno])
    return _part(raw, first, str(path), qualname, start, stop)


@functools.lru_cache(maxsize=8)
def _parsed(path: Path) -> tuple[str, ast.Module]:
    """An installed file's text and syntax tree, read once per session (notebooks show several
    parts of one file)."""
    text = path.read_text()
    return text, ast.parse(text)


def _part(raw: str, first_line: int, file: str, name: str, start: str | None, stop: str | None) -> SourceCode:
    numbered = numbered_lines(raw, first_line)
    first, end = between([line for _, line in numbered], start, stop, name)
    shown = numbered[first:end]
    while shown and not shown[-1][1].strip():  # no trailing blank lines
        shown.pop()
    part = fold_all(textwrap.dedent("\n".join(line for _, line in shown)))
    (a, _), (b, _) = shown[0], shown[-1]
    where = f"# {Path(file).name}, " + (f"line {a}:" if a == b else f"lines {a}-{b}:")
    header = f"{where} {name}" if len(where) + 1 + len(name) <= WIDTH else f"{where}\n# {name}"
    return SourceCode(f"{header}\n{part}")


def show(obj, docstrings: bool = False) -> SourceCode:
    """The source of a package function or class (a notebook cell's value), headed by where it
    lives; docstring lines dropped unless ``docstrings`` (comments and layout are kept)."""
    module = inspect.getmodule(obj)
    header = f"# {module.__name__}.{obj.__qualname__}  ({Path(inspect.getsourcefile(obj)).name})"
    return SourceCode(header + "\n" + _text(inspect.getsource(obj), docstrings))
