"""Python source as text: docstrings, marker lines and slide-wide lines.

The one home of what :mod:`.source` (code shown in the notebooks) and :mod:`.drift` (the guard
that fingerprints torchaudio's code) do to source text. Nothing here imports the package.
"""

import ast
import textwrap

#: The longest code line a notebook shows: wider lines do not fit a 1280x720 slide.
WIDTH = 95

_DEFINES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)


def _docstrings(tree: ast.AST):
    """``(owner, docstring statement)`` for every module, class and function in ``tree`` that has one."""
    for node in ast.walk(tree):
        if isinstance(node, _DEFINES) and ast.get_docstring(node, clean=False) is not None:
            yield node, node.body[0]


def strip_docstrings(tree: ast.AST) -> ast.AST:
    """``tree`` with every docstring removed (a body left empty becomes ``pass``), in place."""
    for node, _ in list(_docstrings(tree)):
        node.body = node.body[1:] or [ast.Pass()]
    return tree


def numbered_lines(source: str, first_line: int = 1, docstrings: bool = False) -> list[tuple[int, str]]:
    """``source`` dedented, as ``(line number, line)`` counted from ``first_line``; unless
    ``docstrings``, docstring lines are dropped (comments and layout are kept)."""
    source = textwrap.dedent(source)
    drop = set()
    if not docstrings:
        for _, doc in _docstrings(ast.parse(source)):
            drop.update(range(doc.lineno, doc.end_lineno + 1))
    return [(first_line + n - 1, line) for n, line in enumerate(source.splitlines(), start=1) if n not in drop]


def between(lines: list[str], start: str | None, stop: str | None, what: str) -> tuple[int, int]:
    """``(first, end)``: from the first line that contains ``start`` (default: the first line) up
    to, not including, the first later line that contains ``stop`` (default: the end). A marker
    that is not there raises ``ValueError`` naming ``what`` was searched, so changed code cannot
    silently show other lines."""

    def line_with(marker: str, begin: int) -> int:
        for n in range(begin, len(lines)):
            if marker in lines[n]:
                return n
        raise ValueError(f"no line of {what} (from line {begin + 1} on) contains {marker!r}")

    first = 0 if start is None else line_with(start, 0)
    return first, len(lines) if stop is None else line_with(stop, first + 1)


def fold_all(source: str, width: int = WIDTH) -> str:
    """Every line of ``source`` through :func:`fold`, each told how many brackets are open before it."""
    out, opened = [], []
    for line in source.splitlines():
        out.append(fold(line, width, [None] * len(opened)))
        opened = _scan(line, opened)[0]
    return "\n".join(out)


def _scan(line: str, opened: list) -> tuple[list, list[tuple[int, list]]]:
    """Brackets still open after ``line`` (their columns; ``None`` for one opened on an earlier line),
    given those open before it, and the places after a ``", "`` where it may break: ``(column, the
    brackets open there)``. Strings and a trailing comment are skipped."""
    opened, quote, breaks = list(opened), None, []
    for column, char in enumerate(line):
        if quote:
            quote = None if char == quote and line[column - 1] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            break
        elif char in "([{":
            opened.append(column)
        elif char in ")]}":
            opened = opened[:-1]
        elif char == "," and line[column + 1 : column + 2] == " ":
            breaks.append((column + 1, list(opened)))
    return opened, breaks


def fold(line: str, width: int = WIDTH, opened: list | None = None) -> str:
    """``line`` broken into lines of at most ``width`` characters where Python allows it without a
    backslash: after the outermost ``, `` inside brackets that keeps the first part short enough, the
    rest aligned after its open bracket (at the line's indent when that bracket is on an earlier line:
    ``opened`` are the brackets open before ``line``); or a comment between words. A line that cannot
    be broken stays as it is."""
    if len(line) <= width:
        return line
    indent = len(line) - len(line.lstrip())
    if line.lstrip().startswith("#"):
        prefix = " " * indent + "# "
        text = line.lstrip()[1:].strip()
        return "\n".join(textwrap.wrap(text, width, initial_indent=prefix, subsequent_indent=prefix))
    breaks = [
        (len(inside), -cut, cut, inside) for cut, inside in _scan(line, opened or [])[1] if inside and cut < width
    ]
    if not breaks:
        return line
    *_, cut, inside = min(breaks)  # the outermost, then the last
    align = indent if inside[-1] is None else inside[-1] + 1
    return line[:cut] + "\n" + fold(" " * align + line[cut:].lstrip(), width, inside)
