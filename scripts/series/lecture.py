"""The lecture deck for the 90-minute class: ``build/slides/lecture.slides.html``.

The per-notebook decks hold every slide of the series, far more than a class can see. The lecture
deck holds only the cells the notebooks tag for it, in the lesson plan's order
(:func:`.lesson_plan.timetable`), at most :data:`MAX_SLIDES` slides:

* ``lecture``: the cell is in the deck (a tagged cell that starts a slide in its notebook starts
  one here; an untagged continuation is left out);
* ``predict``: a predict-first question, shown on a slide of its own (what follows starts a new one);
* ``run-live``: a code cell the lecturer runs live in JupyterLab; the deck marks it on its first line.

Each notebook's part of the plan (number, title, minutes, what to run live) goes in the speaker
notes of its first slide. :mod:`.slides` renders the deck like the others.
"""

import copy

import nbformat

from . import lesson_plan

LECTURE = "lecture"
LECTURE_TAG, PREDICT_TAG, RUN_LIVE_TAG = "lecture", "predict", "run-live"
MAX_SLIDES = 45
STARTS_SLIDE = ("slide", "subslide")


RUN_LIVE_MARK = "# ▶ RUN LIVE"


def run_live_marker(notebook: str) -> str:
    return f"{RUN_LIVE_MARK} in JupyterLab: notebook {int(notebook[:2])}"


def slide_type(cell) -> str:
    return cell.metadata.get("slideshow", {}).get("slide_type", "-")


def _set_slide_type(cell, kind: str) -> None:
    cell.metadata["slideshow"] = {"slide_type": kind}


def tagged(nb, tag: str = LECTURE_TAG) -> list:
    return [c for c in nb.cells if tag in c.metadata.get("tags", [])]


def _md(text: str, kind: str):
    cell = nbformat.v4.new_markdown_cell(text)
    _set_slide_type(cell, kind)
    return cell


def _notes(parts: list):
    """Speaker notes: each part's number, title, minutes and what to run live."""
    lines = [f"**{p.number}. {p.title}** ({p.minutes} min). Run live: {p.run_live}." for p in parts]
    return _md("\n\n".join(lines), "notes")


def cells_of(name: str, nb, parts: list) -> list:
    """One notebook's lecture cells, as the deck shows them: every one that starts a slide in the
    notebook, or whose slide's first cell is not in the deck, or that follows a question, starts a
    slide here (reveal.js's horizontal ones: the deck is walked left to right)."""
    cells, head_shown, after_predict = [], False, False
    for cell in nb.cells:
        kind, tags = slide_type(cell), cell.metadata.get("tags", [])
        if kind in STARTS_SLIDE:
            head_shown = False
        if LECTURE_TAG not in tags or kind == "skip":
            continue
        cell = copy.deepcopy(cell)
        if kind != "notes" and (not head_shown or after_predict or PREDICT_TAG in tags):
            kind, head_shown = "slide", True
        _set_slide_type(cell, kind)
        if cell.cell_type == "code" and RUN_LIVE_TAG in tags:
            cell.source = f"{run_live_marker(name)}\n{cell.source}"
        cells.append(cell)
        if len(cells) == 1:
            cells.append(_notes(parts))
        after_predict = PREDICT_TAG in tags
    return cells


def lecture_notebook(executed: dict, plan=lesson_plan.LESSON_PLAN):
    """The lecture deck as a notebook: a title slide, each notebook's lecture cells in the order of
    the plan's timetable, and the quiz. ``executed``: name -> executed notebook."""
    parts = lesson_plan.timetable(plan)
    by_number = {int(name[:2]): name for name in executed}
    first = next(iter(executed.values()))
    deck = nbformat.v4.new_notebook(metadata=copy.deepcopy(first.metadata))
    total = sum(p.minutes for p in parts)
    deck.cells.append(
        _md(
            "# How wav2vec2 turns a waveform into frames\n\n"
            f"The lecture: {len(parts)} parts, {total} minutes (the lesson plan's timetable).\n\n"
            "Code that starts with ▶ is run live, in JupyterLab; a question on a slide of its own is asked "
            "before the next slide answers it.",
            "slide",
        )
    )
    opening = lesson_plan.questions(parts[0].number, plan)[:1]
    for question in opening:  # the plan's first question, asked before any slide teaches
        deck.cells += [_md(f"## {parts[0].title}\n\n> {question}", "slide"), _notes(parts[:1])]
    seen = []
    for part in parts:
        for number in part.notebooks:
            name = by_number.get(number)
            if name is None or name in seen:
                continue
            seen.append(name)
            deck.cells += cells_of(name, executed[name], [p for p in parts if number in p.notebooks])
    for part in parts:
        if not part.notebooks:
            deck.cells += [_md(f"## {part.title}\n\n{part.minutes} minutes.", "slide"), _notes([part])]
    deck.metadata["w2v2"] = {"summary": "The curated deck of the 90-minute class", "notebooks": seen}
    return deck


def slide_count(nb) -> int:
    """Slides and sub-slides of a deck (what reveal.js counts)."""
    return sum(slide_type(c) in STARTS_SLIDE for c in nb.cells)


def run_live_slides(nb) -> list[int]:
    """The slides (0-based, as reveal.js numbers them) that hold a cell marked to run live."""
    slides, index = set(), -1
    for cell in nb.cells:
        index += slide_type(cell) in STARTS_SLIDE
        if cell.cell_type == "code" and cell.source.startswith(RUN_LIVE_MARK):
            slides.add(index)
    return sorted(slides)


def with_lecture(executed: dict) -> dict:
    """The decks to render: every notebook's, and the lecture deck built from them."""
    return {**executed, LECTURE: lecture_notebook(executed)}
