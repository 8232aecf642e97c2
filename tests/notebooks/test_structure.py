"""The series' quality bar, checked on the committed notebooks (nbval checks their outputs)."""

import itertools
import json
import re

import pytest

from series import sources

SOURCES = sources.sources()
NOTEBOOKS = [sources.ipynb_of(p) for p in SOURCES]
SLIDE_TYPES = ("slide", "subslide", "fragment", "-", "skip", "notes")


def cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def source(cell):
    return "".join(cell["source"])


def slide_type(cell):
    return cell["metadata"].get("slideshow", {}).get("slide_type", "-")


def test_the_series_is_complete():
    assert [p.name[:2] for p in SOURCES] == ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10"]
    assert all(p.exists() for p in NOTEBOOKS)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: p.stem)
def test_source_and_notebook_are_in_sync(path):
    """The .py source is the truth; its .ipynb must be the same cells, freshly executed."""
    assert sources.out_of_sync(path) == [], f"{path.name}: run `make refresh-notebooks`"


def test_sync_check_notices_an_edit(tmp_path, monkeypatch):
    """The sync check is not vacuous: editing one line of a source makes it fail."""
    original = SOURCES[0]
    copy = tmp_path / original.name
    copy.write_text(original.read_text(encoding="utf-8").replace("# ## ", "# ## Edited: ", 1), encoding="utf-8")
    (tmp_path / sources.ipynb_of(original).name).write_bytes(sources.ipynb_of(original).read_bytes())
    assert sources.out_of_sync(copy) and "differs" in sources.out_of_sync(copy)[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_structure(path):
    nb = cells(path)
    opening, text = source(nb[0]), " ".join(source(c) for c in nb if c["cell_type"] == "markdown")
    assert opening.startswith("# ") and "You will learn" in opening and "What to know first" in opening
    assert "## Summary" in text
    code = [c for c in nb if c["cell_type"] == "code"]
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))  # executed top to bottom
    assert all("execution" not in c["metadata"] for c in code)  # no timing metadata
    assert sum("solution" in c["metadata"].get("tags", []) for c in code) >= 2
    assert all(len(source(c).splitlines()) <= 15 for c in code)
    assert any("# NBVAL_CHECK_OUTPUT" in source(c).splitlines() for c in code)
    for before, cell in itertools.pairwise(nb):
        if cell["cell_type"] == "code" and "setup" not in cell["metadata"].get("tags", []):
            is_checker = "w2v.exercises.check_" in source(cell)
            assert before["cell_type"] == "markdown" or is_checker, f"no explanation above: {source(cell)[:60]}"
    for c in nb:
        assert slide_type(c) in SLIDE_TYPES
        if "setup" in c["metadata"].get("tags", []):
            assert slide_type(c) == "skip"


HEADING = re.compile(r"^(#{1,3}) \S")


def heading_problems(cell) -> list:
    """Why a markdown cell's headings do not start a slide (empty when they do): a heading line
    (``#``, ``##``, ``###``, outside code fences) must be the cell's first line, the only heading
    in it, and the cell a slide (``#``/``##``) or a slide or sub-slide (``###``)."""
    lines, fenced, found = source(cell).splitlines(), False, []
    for n, line in enumerate(lines):
        fenced ^= line.lstrip().startswith("```")
        if not fenced and (match := HEADING.match(line)):
            found.append((n, len(match.group(1)), line))
    if not found:
        return []
    problems = [f"heading in line {n + 1}, not the first: {line!r}" for n, _, line in found if n > 0]
    n, level, line = found[0]
    allowed = ("slide",) if level <= 2 else ("slide", "subslide")
    if n == 0 and slide_type(cell) not in allowed:
        problems.append(f"{line!r} is in a {slide_type(cell)!r} cell; it must be {' or '.join(allowed)}")
    return problems


def test_heading_rule_catches_headings_that_do_not_start_slides():
    md = lambda text, kind="-": {
        "cell_type": "markdown",
        "source": text,
        "metadata": {"slideshow": {"slide_type": kind}},
    }
    assert heading_problems(md("## Lengths\ntext", "slide")) == []
    assert heading_problems(md("### Exercise 1\ntext", "subslide")) == []
    assert heading_problems(md("plain text, no heading")) == []
    assert heading_problems(md("text\n```python\n# a comment, not a heading\n```", "-")) == []
    assert heading_problems(md("## Lengths\ntext", "-"))  # a continuation cell
    assert heading_problems(md("## Lengths", "subslide"))  # ## must start a slide
    assert heading_problems(md("text first\n## Lengths", "slide"))  # heading not on the first line
    assert heading_problems(md("## One\ntext\n### Two", "slide"))  # two ideas in one cell


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_headings_start_slides(path):
    """Headings start slides (docs/authoring.md), so a slide holds one idea and its heading."""
    problems = [
        f"cell {i}: {problem}"
        for i, cell in enumerate(cells(path))
        if cell["cell_type"] == "markdown"
        for problem in heading_problems(cell)
    ]
    assert problems == [], f"{path.stem}:\n" + "\n".join(problems)
