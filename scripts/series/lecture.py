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

Another edition passes ``tr`` (English -> its translation, :class:`series.translation.Translator`,
the classroom catalog's): the deck's own text (:func:`strings`: its title slide, the speaker notes,
the timetable's titles and what to run live, the opening question, the slides of the parts without
a notebook) is translated, the notebooks' cells come translated already.
"""

import copy

import nbformat

from . import lesson_plan
from .translation import english

LECTURE = "lecture"
LECTURE_TAG, PREDICT_TAG, RUN_LIVE_TAG = "lecture", "predict", "run-live"
MAX_SLIDES = 45
STARTS_SLIDE = ("slide", "subslide")


RUN_LIVE_MARK = "# ▶ RUN LIVE"


#: The deck's own text ({name}: filled in after translating); :func:`strings` adds the plan's.
TITLE = "# How wav2vec2 turns a waveform into frames"
INTRO = "The lecture: {parts} parts, {minutes} minutes (the lesson plan's timetable)."
HOW = (
    "Code that starts with ▶ is run live, in JupyterLab; a question on a slide of its own is asked "
    "before the next slide answers it."
)
NOTE = "**{number}. {title}** ({minutes} min). Run live: {run_live}."
MINUTES = "{minutes} minutes."
SUMMARY = "The curated deck of the 90-minute class"
STRINGS = (TITLE, INTRO, HOW, NOTE, MINUTES, SUMMARY)


def strings(plan=lesson_plan.LESSON_PLAN) -> list[str]:
    """Every English text the deck shows of its own (the classroom catalog translates them): :data:`STRINGS`,
    the timetable's titles and what to run live, and the plan's opening question."""
    parts = lesson_plan.timetable(plan)
    texts = [*STRINGS, *(p.title for p in parts), *(p.run_live for p in parts)]
    texts += lesson_plan.questions(parts[0].number, plan)[:1]
    return list(dict.fromkeys(texts))


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


def _notes(parts: list, tr=english):
    """Speaker notes: each part's number, title, minutes and what to run live."""
    lines = [
        tr(NOTE).format(number=p.number, title=tr(p.title), minutes=p.minutes, run_live=tr(p.run_live)) for p in parts
    ]
    return _md("\n\n".join(lines), "notes")


def cells_of(name: str, nb, parts: list, tr=english) -> list:
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
            cells.append(_notes(parts, tr))
        after_predict = PREDICT_TAG in tags
    return cells


def lecture_notebook(executed: dict, plan=lesson_plan.LESSON_PLAN, tr=english):
    """The lecture deck as a notebook: a title slide, each notebook's lecture cells in the order of
    the plan's timetable, and the quiz. ``executed``: name -> executed notebook; ``tr`` translates
    the deck's own text (:func:`strings`)."""
    parts = lesson_plan.timetable(plan)
    by_number = {int(name[:2]): name for name in executed}
    first = next(iter(executed.values()))
    deck = nbformat.v4.new_notebook(metadata=copy.deepcopy(first.metadata))
    total = sum(p.minutes for p in parts)
    intro = tr(INTRO).format(parts=len(parts), minutes=total)
    deck.cells.append(_md(f"{tr(TITLE)}\n\n{intro}\n\n{tr(HOW)}", "slide"))
    opening = lesson_plan.questions(parts[0].number, plan)[:1]
    for question in opening:  # the plan's first question, asked before any slide teaches
        deck.cells += [_md(f"## {tr(parts[0].title)}\n\n> {tr(question)}", "slide"), _notes(parts[:1], tr)]
    seen = []
    for part in parts:
        for number in part.notebooks:
            name = by_number.get(number)
            if name is None or name in seen:
                continue
            seen.append(name)
            deck.cells += cells_of(name, executed[name], [p for p in parts if number in p.notebooks], tr)
    for part in parts:
        if not part.notebooks:
            minutes = tr(MINUTES).format(minutes=part.minutes)
            deck.cells += [_md(f"## {tr(part.title)}\n\n{minutes}", "slide"), _notes([part], tr)]
    deck.metadata["w2v2"] = {"summary": tr(SUMMARY), "notebooks": seen}
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


def with_lecture(executed: dict, tr=english) -> dict:
    """The decks to render: every notebook's, and the lecture deck built from them (its own text
    through ``tr``)."""
    return {**executed, LECTURE: lecture_notebook(executed, tr=tr)}
