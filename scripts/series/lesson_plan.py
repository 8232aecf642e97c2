"""The lesson plan page: ``docs/lesson_plan.md`` rendered to ``build/html/lesson_plan.html``, with
the quiz of :mod:`w2v2_walkthrough.quiz` (questions, then an answer key computed by the package)
where the markdown says ``<!-- quiz -->``, and every ``{{name}}`` replaced by a number the package
computes (:func:`numbers`). LaTeX is rendered by KaTeX, offline."""

import html
import re
from pathlib import Path

from . import katex
from .sources import ROOT

LESSON_PLAN = ROOT / "docs" / "lesson_plan.md"
QUIZ_PLACEHOLDER = "<!-- quiz -->"
PAGE_CSS = """
  body { font-family: system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em;
         line-height: 1.5; color: #222; }
  table { border-collapse: collapse; margin: 1em 0; }
  th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
  th { background: #f3f3f3; }
  code, pre { background: #f5f5f5; font-size: 0.92em; }
  pre { padding: 0.4em 0.7em; margin: 0.2em 0; overflow-x: auto; }
  pre code { font-size: inherit; background: none; }
  a.anchor-link { display: none; }
  .quiz li { margin: 0.35em 0; }
  .notebook { color: #666; font-size: 0.9em; }
  .answer { font-weight: bold; }
"""


def numbers() -> dict[str, str]:
    """The numbers the lesson plan's prose uses, from the package (default stack, 16 kHz)."""
    import torch

    from w2v2_walkthrough import arithmetic as ar
    from w2v2_walkthrough import filters
    from w2v2_walkthrough.presets import SAMPLE_RATE
    from w2v2_walkthrough.quiz import format_answer

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
        # the most energy a 10-tap filter with its peak in 1-7 kHz keeps within +-500 Hz (notebook 6)
        "energy_bound": round(float(filters.max_energy_near(torch.arange(1000, 7001, 125)).max()), 2),
    }
    return {name: format_answer(value) for name, value in values.items()}


def fill_numbers(text: str, values: dict[str, str]) -> str:
    """Replace every ``{{name}}``; a name the package does not compute is an error, not a blank."""
    unknown = sorted(set(re.findall(r"\{\{(\w+)\}\}", text)) - set(values))
    if unknown:
        raise ValueError(f"{LESSON_PLAN.name} uses {unknown}, which numbers() does not compute: add them there")
    return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m.group(1)], text)


def _inline(markdown: str) -> str:
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    rendered = markdown2html_mistune(markdown).strip()
    return rendered.removeprefix("<p>").removesuffix("</p>")


def quiz_html() -> str:
    """The ten questions, then the answer key: each answer as the package computes it now, and the
    lines that compute it."""
    from w2v2_walkthrough.quiz import QUESTIONS

    questions = "\n".join(
        f'<li>{_inline(q.text)} <span class="notebook">(notebook {int(q.notebook)})</span></li>' for q in QUESTIONS
    )
    answers = "\n".join(
        f'<tr><td>{i}</td><td class="answer">{html.escape(q.shown())}</td>'
        f"<td><pre><code>{html.escape(q.how())}</code></pre></td></tr>"
        for i, q in enumerate(QUESTIONS, start=1)
    )
    return (
        f'<ol class="quiz">\n{questions}\n</ol>\n'
        '<h3 id="answer-key">Answer key</h3>\n'
        "<p>Computed by <code>w2v2_walkthrough.quiz</code> when this page was built; the right column "
        "is the code that computes each answer.</p>\n"
        f"<table><thead><tr><th>#</th><th>answer</th><th>computed by</th></tr></thead><tbody>\n{answers}\n"
        "</tbody></table>"
    )


def render_lesson_plan(out: Path, katex_prefix: str | None = "katex", source: Path = LESSON_PLAN) -> Path:
    """Write ``out/lesson_plan.html``; KaTeX is installed into ``out/katex_prefix`` (None: no maths)."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    text = source.read_text(encoding="utf-8")
    if text.count(QUIZ_PLACEHOLDER) != 1:
        raise ValueError(f"{source} must hold the quiz placeholder {QUIZ_PLACEHOLDER!r} exactly once")
    body = markdown2html_mistune(fill_numbers(text, numbers())).replace(QUIZ_PLACEHOLDER, quiz_html())
    title = re.search(r"^# (.+)$", text, re.M).group(1)
    nav = "<nav><a href='index.html'>Series index</a> · <a href='formula_sheet.html'>Formula sheet</a></nav>\n"
    return katex.write_page(out / "lesson_plan.html", title, nav + body, PAGE_CSS, katex_prefix)
