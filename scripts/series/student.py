"""The student edition: every solution cell becomes a stub, outputs are cleared, checkers stay.

A solution cell (tagged ``solution``) holds value answers (``answer = ...``, ``prediction = ...``)
and/or functions the student writes. Its stub keeps every function's signature and docstring
with a ``...`` body, and every answer name assigned ``...``; everything else in the cell (the
worked solution) goes. The ``# NBVAL_CHECK_OUTPUT`` markers go too: they mean nothing to a
student. What an exercise's run reveals sits after its checker, under a ``### Exercise n, after you
answer: ...`` heading tagged ``after-answer``: the student edition folds it (JupyterLab's
``jp-MarkdownHeadingCollapsed``), so the reader opens it once they have answered.
"""

import ast
import copy
from pathlib import Path

import nbformat

from .sources import for_readers

SOLUTION_TAG = "solution"
EXERCISE_TAG = "exercise"
AFTER_ANSWER_TAG = "after-answer"
#: The cell metadata with which JupyterLab shows a heading's section folded.
FOLDED = "jp-MarkdownHeadingCollapsed"
ANSWER_NAMES = ("answer", "prediction")


def stub_for(solution: str) -> str:
    """The student's starting point for a solution cell (see the module docstring)."""
    tree = ast.parse(solution)
    lines = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            signature = ast.get_source_segment(solution, node).splitlines()
            head = signature[: node.body[0].lineno - node.lineno]  # the def line(s), up to the body
            lines += head
            doc = ast.get_docstring(node, clean=False)
            if doc is not None:
                lines += solution.splitlines()[node.body[0].lineno - 1 : node.body[0].end_lineno]
            indent = " " * (node.col_offset + 4)
            lines += [f"{indent}...  # your code here", ""]
    assigned = {t.id for n in tree.body if isinstance(n, ast.Assign) for t in n.targets if isinstance(t, ast.Name)}
    for name in ANSWER_NAMES:
        if name in assigned:
            lines.append(f"{name} = ...  # your {name} here")
    if not lines:
        raise ValueError(f"a solution cell must assign one of {ANSWER_NAMES} or define a function:\n{solution}")
    return "\n".join(lines).strip() + "\n"


def student_copy(nb):
    """The notebook with every solution cell replaced by its stub, markers and outputs removed, and
    every after-answer section folded."""
    nb = copy.deepcopy(for_readers(nb))
    for cell in nb.cells:
        if AFTER_ANSWER_TAG in cell.metadata.get("tags", []):
            cell.metadata[FOLDED] = True
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if SOLUTION_TAG in tags:
            cell.source = stub_for(cell.source)
            cell.metadata["tags"] = [t for t in tags if t != SOLUTION_TAG] + [EXERCISE_TAG]
        cell.outputs, cell.execution_count = [], None
    return nb


SETUP_TAG = "setup"


def in_language(nb, language: str):
    """The checkers answer in ``language``: a line at the end of the notebook's first setup cell."""
    cell = next(c for c in nb.cells if c.cell_type == "code" and SETUP_TAG in c.metadata.get("tags", []))
    cell.source += f"\n\nfrom w2v2_walkthrough import i18n\n\ni18n.use_language({language!r})  # the checkers' language"
    return nb


def write_student_edition(notebooks: dict, out: Path, language: str | None = None) -> list:
    """Every notebook's student copy in ``out``; with ``language``, the checkers answer in it."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in notebooks.items():
        copy_ = student_copy(nb)
        nbformat.write(in_language(copy_, language) if language else copy_, out / f"{name}.ipynb")
        written.append(out / f"{name}.ipynb")
    return written
