"""The student edition holds no solution, keeps every checker, and still executes."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_series  # noqa: E402

NOTEBOOKS = {p.stem: build_series.nbformat.read(p, as_version=4) for p in build_series.series()}


def code_cells(nb, tag=None):
    return [c for c in nb.cells if c.cell_type == "code" and (tag is None or tag in c.metadata.get("tags", []))]


def test_every_notebook_has_at_least_two_exercises():
    for name, nb in NOTEBOOKS.items():
        assert len(code_cells(nb, build_series.SOLUTION_TAG)) >= 2, name


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_student_copy_has_no_solution_and_keeps_the_checkers(name, tmp_path):
    original = NOTEBOOKS[name]
    (path,) = build_series.write_student_edition({name: original}, tmp_path)
    student = build_series.nbformat.read(path, as_version=4)
    solutions = [c.source for c in code_cells(original, build_series.SOLUTION_TAG)]
    sources = [c.source for c in code_cells(student)]
    assert not code_cells(student, build_series.SOLUTION_TAG)
    for solution in solutions:
        assert solution not in sources
        for line in solution.splitlines():
            if line.strip() and "answer = ..." not in line:
                assert not any(line in src for src in sources), f"solution line left in {name}: {line!r}"
    assert sources.count(build_series.STUDENT_STUB) == len(solutions)
    checkers = [c.source for c in code_cells(original) if "w2v.exercises.check_" in c.source]
    assert len(checkers) == len(solutions) and all(chk in sources for chk in checkers)
    assert all(not c.outputs and c.execution_count is None for c in code_cells(student))
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in original.cells]


def test_student_edition_executes_and_checkers_say_not_answered(tmp_path):
    for name, nb in NOTEBOOKS.items():
        executed = build_series.execute(build_series.student_copy(nb))
        verdicts = ["".join(o.get("data", {}).get("text/plain", "")) for c in code_cells(executed)
                    if "w2v.exercises.check_" in c.source for o in c.outputs]
        assert len(verdicts) == len(code_cells(nb, build_series.SOLUTION_TAG)), name
        assert all(v.startswith("Not answered yet") for v in verdicts), (name, verdicts)
