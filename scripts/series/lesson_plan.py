"""The lesson plan page of the site: ``docs/lesson_plan.md`` with the quiz of
:mod:`w2v2_walkthrough.quiz` (questions, then an answer key computed by the package) where the
markdown says ``<!-- quiz -->``, and every ``{{name}}`` replaced by a number the package computes
(:func:`numbers`). The site (:mod:`.site`) renders it, its LaTeX by KaTeX, offline.

Another edition passes ``tr`` (English -> its translation, :class:`series.translation.Translator`):
each block of the markdown (:func:`blocks`: a paragraph, a heading, a list, a table), each quiz
question and each line of the quiz's frame is translated before the numbers are filled in."""

import html
import re
from dataclasses import dataclass

from .sources import ROOT
from .translation import english

LESSON_PLAN = ROOT / "docs" / "lesson_plan.md"
QUIZ_PLACEHOLDER = "<!-- quiz -->"
#: The length of the class, in minutes: the timetable's parts add up to it.
CLASS_MINUTES = 90


@dataclass(frozen=True)
class Part:
    """A row of the timetable: its number, title, the notebooks it teaches (none: the whole series),
    what to run live, and its minutes."""

    number: int
    title: str
    notebooks: tuple[int, ...]
    run_live: str
    minutes: int


def timetable(source=LESSON_PLAN) -> list[Part]:
    """The parts of the lesson plan's ``## Timetable``, in order."""
    section = source.read_text(encoding="utf-8").split("## Timetable", 1)[1].split("\n## ", 1)[0]
    parts = []
    for row in re.findall(r"^\|\s*(\d+)\s*\|(.*)\|\s*$", section, flags=re.M):
        title, notebooks, run_live, minutes = (cell.strip() for cell in row[1].split("|"))
        numbers = tuple(int(n) for n in re.findall(r"\d+", notebooks))
        parts.append(Part(int(row[0]), title, numbers, run_live, int(minutes)))
    return parts


def _path_section(source) -> str:
    return source.read_text(encoding="utf-8").split("## The path, part by part", 1)[1].split("\n## ", 1)[0]


def questions(part: int, source=LESSON_PLAN) -> list[str]:
    """The questions (``*"..."*``) part ``part`` of ``## The path, part by part`` asks the room."""
    paragraph = re.search(rf"^\*\*{part}\. (.*?)(?=^\*\*\d+\. |\Z)", _path_section(source), flags=re.M | re.S)
    return re.findall(r'\*"(.+?)"\*', paragraph.group(1).replace("\n", " "), flags=re.S) if paragraph else []


def path_minutes(source=LESSON_PLAN) -> dict[int, int]:
    """Part number -> minutes, as ``## The path, part by part`` states them (``**4. Title (13 min``)."""
    section = _path_section(source)
    return {int(n): int(m) for n, m in re.findall(r"^\*\*(\d+)\. [^\n]*?\((\d+) min", section, flags=re.M)}


def numbers() -> dict[str, str]:
    """The numbers the lesson plan's prose uses, from the package (default stack, 16 kHz)."""
    import torch

    from w2v2_walkthrough import arithmetic as ar
    from w2v2_walkthrough import filters
    from w2v2_walkthrough.presets import SAMPLE_RATE
    from w2v2_walkthrough.quiz import QUESTIONS, format_answer

    (batch_question,) = [q for q in QUESTIONS if q.notebook == "06"]

    rf, hop, frames = ar.receptive_field(), ar.hop_length(), ar.num_frames(SAMPLE_RATE)
    values = {
        "frames_1s": frames,
        "rf": rf,
        "rf_ms": ar.samples_to_ms(rf),
        "hop": hop,
        "hop_ms": ar.samples_to_ms(hop),
        "overlap": rf - hop,
        "two_frames": ar.min_samples_for_frames(2),
        "centre_0": ar.frame_center(0),
        "centre_0_ms": ar.samples_to_ms(ar.frame_center(0)),
        "tail_1s": SAMPLE_RATE - ar.frame_span(frames - 1)[1],
        # the most energy a 10-tap filter with its peak in 1-7 kHz keeps within +-500 Hz (notebook 7)
        "energy_bound": round(float(filters.max_energy_near(torch.arange(1000, 7001, 125)).max()), 2),
        "batch_std": batch_question.answer(),
        "batch_question": QUESTIONS.index(batch_question) + 1,
    }
    return {name: format_answer(value) for name, value in values.items()}


def fill_numbers(text: str, values: dict[str, str]) -> str:
    """Replace every ``{{name}}``; a name the package does not compute is an error, not a blank."""
    unknown = sorted(set(re.findall(r"\{\{(\w+)\}\}", text)) - set(values))
    if unknown:
        raise ValueError(f"{LESSON_PLAN.name} uses {unknown}, which numbers() does not compute: add them there")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)


#: The quiz's frame on the page ({n}: a notebook's number); the questions come from the package.
QUIZ_STRINGS = (
    "*(notebook {n})*",
    "### Answer key",
    "Computed by `w2v2_walkthrough.quiz` when this page was built; the right column is the code\n"
    "that computes each answer.",
    "answer",
    "computed by",
)


def quiz_markdown(tr=english) -> str:
    """The questions (markdown: their LaTeX is rendered like the rest of the page), then the
    answer key: each answer as the package computes it now, and the lines that compute it."""
    from w2v2_walkthrough.quiz import QUESTIONS

    where = tr(QUIZ_STRINGS[0])
    questions = "\n".join(
        f"{i}. {tr(q.text)} {where.format(n=int(q.notebook))}" for i, q in enumerate(QUESTIONS, start=1)
    )
    answers = "\n".join(
        f'<tr><td>{i}</td><td class="answer">{html.escape(q.shown(tr))}</td>'
        f"<td><pre><code>{html.escape(q.how())}</code></pre></td></tr>"
        for i, q in enumerate(QUESTIONS, start=1)
    )
    return (
        f"{questions}\n\n{tr(QUIZ_STRINGS[1])}\n\n{tr(QUIZ_STRINGS[2])}\n\n"
        "```{raw} html\n"
        f'<table class="w2v2-answers"><thead><tr><th>#</th><th>{tr(QUIZ_STRINGS[3])}</th>'
        f"<th>{tr(QUIZ_STRINGS[4])}</th></tr></thead>"
        f"<tbody>\n{answers}\n</tbody></table>\n"
        "```\n"
    )


def blocks(text: str) -> list[str]:
    """The markdown's blocks, as a translator takes them: split at blank lines (a fenced block stays whole)."""
    out = []
    for block in text.strip().split("\n\n"):
        if out and out[-1].count("```") % 2:
            out[-1] += "\n\n" + block
        else:
            out.append(block)
    return out


def translatable_blocks(source=LESSON_PLAN) -> list[str]:
    return [b for b in blocks(source.read_text(encoding="utf-8")) if b.strip() != QUIZ_PLACEHOLDER]


def lesson_plan_markdown(source=LESSON_PLAN, tr=english) -> str:
    """The lesson plan as a page of the site (MyST markdown), numbers and quiz filled in."""
    text = source.read_text(encoding="utf-8")
    if text.count(QUIZ_PLACEHOLDER) != 1:
        raise ValueError(f"{source} must hold the quiz placeholder {QUIZ_PLACEHOLDER!r} exactly once")
    if tr is not english:
        text = "\n\n".join(b if b.strip() == QUIZ_PLACEHOLDER else tr(b) for b in blocks(text)) + "\n"
    return fill_numbers(text, numbers()).replace(QUIZ_PLACEHOLDER, quiz_markdown(tr))
