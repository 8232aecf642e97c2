"""The student edition: every solution cell becomes a stub, outputs are cleared, checkers stay."""

import copy
from pathlib import Path

import nbformat

SOLUTION_TAG = "solution"
STUDENT_STUB = "answer = ...  # your answer here"


def student_copy(nb):
    """The notebook with every solution cell replaced by a stub and all outputs cleared."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            cell.source = STUDENT_STUB
            cell.metadata["tags"] = [t for t in cell.metadata["tags"] if t != SOLUTION_TAG] + ["exercise"]
        cell.outputs, cell.execution_count = [], None
    return nb


def write_student_edition(notebooks: dict, out: Path) -> list:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in notebooks.items():
        nbformat.write(student_copy(nb), out / f"{name}.ipynb")
        written.append(out / f"{name}.ipynb")
    return written
