"""The series' quality bar, checked on the committed notebooks (nbval checks their outputs)."""

import json
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def test_the_series_is_complete():
    assert [p.name[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05", "06", "07"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_structure(path):
    nb = cells(path)
    opening, text = source(nb[0]), " ".join(source(c) for c in nb if c["cell_type"] == "markdown")
    assert opening.startswith("# ") and "You will learn" in opening and "What to know first" in opening
    assert "## Summary" in text
    code = [c for c in nb if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))  # executed top to bottom
    assert sum("solution" in c["metadata"].get("tags", []) for c in code) >= 2
    assert all(len(source(c).splitlines()) <= 15 for c in code)
    assert any("# NBVAL_CHECK_OUTPUT" in source(c).splitlines() for c in code)
    for before, cell in zip(nb, nb[1:]):
        if cell["cell_type"] == "code" and "setup" not in cell["metadata"].get("tags", []):
            is_checker = "w2v.exercises.check_" in source(cell)
            assert before["cell_type"] == "markdown" or is_checker, f"no explanation above: {source(cell)[:60]}"
    for c in nb:
        assert c["metadata"]["slideshow"]["slide_type"] in ("slide", "subslide", "fragment", "-", "skip", "notes")
        if "setup" in c["metadata"].get("tags", []):
            assert c["metadata"]["slideshow"]["slide_type"] == "skip"
