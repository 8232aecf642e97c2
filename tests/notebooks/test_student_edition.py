"""The student edition holds no solution and keeps every checker. That it executes, with every checker
saying "Not answered yet", is tested in test_second_weights.py, in the same run that executes the series with
a second set of weights (the notebooks are not executed twice for it)."""

import re

import pytest

from series import sources
from series.sources import NBVAL_MARKER
from series.student import AFTER_ANSWER_TAG, FOLDED, SOLUTION_TAG, stub_for, student_copy, write_student_edition

NOTEBOOKS = {p.stem: sources.read_executed(p) for p in sources.sources()}


def code_cells(nb, tag=None):
    return [c for c in nb.cells if c.cell_type == "code" and (tag is None or tag in c.metadata.get("tags", []))]


def test_every_notebook_has_at_least_two_exercises():
    for name, nb in NOTEBOOKS.items():
        assert len(code_cells(nb, SOLUTION_TAG)) >= 2, name


def test_stubs_keep_signatures_and_answer_names_but_no_solution():
    solution = 'def span(i, hop=320):\n    """Frame i."""\n    start = i * hop\n    return start\n\nanswer = span(3)\n'
    stub = stub_for(solution)
    assert (
        stub
        == 'def span(i, hop=320):\n    """Frame i."""\n    ...  # your code here\n\nanswer = ...  # your answer here\n'
    )
    namespace = {}
    exec(stub, namespace)  # the stub runs, and its function returns ... (the checkers' "not answered")
    assert namespace["span"](3) is None and namespace["answer"] is Ellipsis
    assert stub_for("prediction = 49\n") == "prediction = ...  # your prediction here\n"
    with pytest.raises(ValueError, match="must assign one of"):
        stub_for("x = 1\n")


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_student_copy_has_no_solution_and_keeps_the_checkers(name, tmp_path):
    original = NOTEBOOKS[name]
    (path,) = write_student_edition({name: original}, tmp_path)
    student = sources.nbformat.read(path, as_version=4)
    solutions = [c.source for c in code_cells(original, SOLUTION_TAG)]
    cell_sources = [c.source for c in code_cells(student)]
    assert not code_cells(student, SOLUTION_TAG)
    for solution in solutions:
        kept = set(stub_for(solution).splitlines())
        for line in solution.splitlines():
            if line.strip() and line not in kept:
                assert not any(line in src for src in cell_sources), f"solution line left in {name}: {line!r}"
        assert stub_for(solution) in cell_sources
    checkers = [c.source for c in code_cells(original) if "w2v.exercises.check_" in c.source]
    assert len(checkers) >= len(solutions)
    assert all(chk.replace(NBVAL_MARKER + "\n", "") in cell_sources for chk in checkers)
    assert all(not c.outputs and c.execution_count is None for c in code_cells(student))
    assert not any(NBVAL_MARKER in src for src in cell_sources)
    assert [c.cell_type for c in student.cells] == [c.cell_type for c in original.cells]


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_every_cell_of_the_student_copy_is_valid_python(name):
    """Cheap: the copy parses (IPython magics included); test_second_weights.py executes it."""
    from IPython.core.inputtransformer2 import TransformerManager

    transform = TransformerManager().transform_cell
    for cell in code_cells(student_copy(NOTEBOOKS[name])):
        compile(transform(cell.source), f"{name} cell {cell.id}", "exec")


NEW_EXERCISE = re.compile(r"### Exercise \d+(:|$)")
AFTER_ANSWER = re.compile(r"### Exercise \d+, after you answer: ")


@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_what_a_run_reveals_waits_under_an_after_answer_heading(name):
    """A checker is followed by the next exercise or by a heading saying to read on after answering
    (tagged, and folded in the student edition), so no reveal sits in sight of the question."""
    nb, student = NOTEBOOKS[name], student_copy(NOTEBOOKS[name])
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "w2v.exercises.check_" in cell.source:
            following = nb.cells[i + 1] if i + 1 < len(nb.cells) else None
            first = following.source.splitlines()[0] if following and following.cell_type == "markdown" else ""
            assert NEW_EXERCISE.match(first) or AFTER_ANSWER.match(first), f"{name}: after a checker: {first!r}"
    for original, copy in zip(nb.cells, student.cells, strict=True):
        after = AFTER_ANSWER.match(original.source) is not None
        assert after == (AFTER_ANSWER_TAG in original.metadata.get("tags", [])), original.source[:60]
        assert copy.metadata.get(FOLDED, False) is after
