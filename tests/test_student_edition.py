"""The student edition holds no solution, keeps every checker, and still executes."""

import pytest
from series import sources
from series.student import SOLUTION_TAG, STUDENT_STUB, student_copy, write_student_edition

NOTEBOOKS = {p.stem: sources.read_executed(p) for p in sources.sources()}


def code_cells(nb, tag=None):
    return [c for c in nb.cells if c.cell_type == "code" and (tag is None or tag in c.metadata.get("tags", []))]


def test_every_notebook_has_at_least_two_exercises():
    for name, nb in NOTEBOOKS.items():
        assert len(code_cells(nb, SOLUTION_TAG)) >= 2, name


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_student_copy_has_no_solution_and_keeps_the_checkers(name, tmp_path):
    original = NOTEBOOKS[name]
    (path,) = write_student_edition({name: original}, tmp_path)
    student = sources.nbformat.read(path, as_version=4)
    solutions = [c.source for c in code_cells(original, SOLUTION_TAG)]
    cell_sources = [c.source for c in code_cells(student)]
    assert not code_cells(student, SOLUTION_TAG)
    for solution in solutions:
        assert solution not in cell_sources
        for line in solution.splitlines():
            if line.strip() and "answer = ..." not in line:
                assert not any(line in src for src in cell_sources), f"solution line left in {name}: {line!r}"
    assert cell_sources.count(STUDENT_STUB) == len(solutions)
    checkers = [c.source for c in code_cells(original) if "w2v.exercises.check_" in c.source]
    assert len(checkers) == len(solutions) and all(chk in cell_sources for chk in checkers)
    assert all(not c.outputs and c.execution_count is None for c in code_cells(student))
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in original.cells]


def test_student_edition_executes_and_checkers_say_not_answered():
    for name, nb in NOTEBOOKS.items():
        executed = sources.execute(student_copy(nb))
        verdicts = [
            "".join(o.get("data", {}).get("text/plain", ""))
            for c in code_cells(executed)
            if "w2v.exercises.check_" in c.source
            for o in c.outputs
        ]
        assert len(verdicts) == len(code_cells(nb, SOLUTION_TAG)), name
        assert all(v.startswith("Not answered yet") for v in verdicts), (name, verdicts)
