"""The lesson plan's quiz: each question's text and the package call that answers it.

The lesson plan page (``build/site/lesson_plan.html``) shows every question, and in its answer key
each answer computed here together with the lines that compute it, so the key cannot drift from
the package. Questions are about the default wav2vec2 conv stack at 16 kHz, in samples unless a
question says ms.
"""

import inspect
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from . import arithmetic as ar
from . import chunked, norms
from .presets import SAMPLE_RATE


@dataclass(frozen=True)
class Question:
    """A quiz question (markdown, may hold LaTeX), the notebook that teaches it, and its answer."""

    text: str
    notebook: str
    compute: Callable[[], object]
    unit: str = ""

    def answer(self):
        """The answer, computed by the package now."""
        return self.compute()

    def shown(self, tr: Callable[[str], str] = str) -> str:
        """The answer as the key prints it; ``tr`` translates its words (:func:`words`): the unit,
        or an answer given in words."""
        answer = self.answer()
        text = tr(answer) if isinstance(answer, str) else format_answer(answer)
        return text + (f" {tr(self.unit)}" if self.unit else "")

    def how(self) -> str:
        """The body of :attr:`compute`: the package calls that give the answer."""
        body = inspect.getsource(self.compute).split(":\n", 1)[1]
        return textwrap.dedent(body).strip()


def format_number(value) -> str:
    """A number as a reader writes it (no trailing ``.0``, at most two decimals); anything else as
    ``str`` gives it. The quiz's answer key and the formula sheet write numbers with it."""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def format_answer(value) -> str:
    """An answer as :func:`format_number` writes it; tuples as ``[a, b)`` spans."""
    if isinstance(value, tuple) and len(value) == 2:
        return f"[{format_number(value[0])}, {format_number(value[1])})"
    return format_number(value)


def _frames_in_one_second():
    return ar.num_frames(SAMPLE_RATE)


def _samples_for_two_frames():
    return ar.min_samples_for_frames(2)


def _receptive_field_ms():
    return ar.samples_to_ms(ar.receptive_field())


def _span_of_frame_3():
    return ar.frame_span(3)


def _centre_of_frame_10_ms():
    return ar.samples_to_ms(ar.frame_center(10))


def _receptive_field_after_layer_2():
    return ar.receptive_field_table()[2].receptive_field


def _unseen_tail_of_one_second():
    return SAMPLE_RATE - ar.frame_span(ar.num_frames(SAMPLE_RATE) - 1)[1]


def _frames_of_a_misread_22k_file():
    return ar.num_frames(round(9.36 * 22_050))


def _chunk_overlap():
    first, second, *_ = chunked.plan_chunks(60 * SAMPLE_RATE, chunk_frames=1500)
    return first.stop - second.start


def batch_wide_std(quiet: float, loud: float) -> float:
    """A second of audio at standard deviation ``quiet`` and one at ``loud`` (both mean 0) in one
    batch, through torchaudio's batch-wide waveform normalization: the quiet clip's std after it."""
    import torch

    signs = torch.ones(16_000)
    signs[8_000:] = -1  # (16000,): mean 0, std 1
    batch = torch.stack([quiet * signs, loud * signs])  # (2, 16000)
    normalized = torch.nn.functional.layer_norm(batch, batch.shape)  # what the bundles do
    return float(normalized[0].std(correction=0))


def _std_after_batch_wide_normalization():
    return round(batch_wide_std(quiet=0.1, loud=0.3), 2)


def _group_norm_axes():
    import torch

    return norms.normalized_axes(torch.nn.GroupNorm(512, 512))


QUESTIONS: list[Question] = [
    Question(
        "How many frames does the extractor produce from exactly one second of 16 kHz audio?",
        "03",
        _frames_in_one_second,
        "frames",
    ),
    Question("What is the fewest number of samples that gives two frames?", "03", _samples_for_two_frames, "samples"),
    Question(
        "How many milliseconds of audio does one frame see (its receptive field)?", "04", _receptive_field_ms, "ms"
    ),
    Question(
        "Which samples $[\\text{start}, \\text{end})$ does frame 3 see, in a layer_norm model?",
        "04",
        _span_of_frame_3,
        "samples",
    ),
    Question(
        "At what time, in ms, is the centre of frame 10's window (the mean of its samples' instants, "
        "sample t at t/16000 s; frames counted from 0)?",
        "03",
        _centre_of_frame_10_ms,
        "ms",
    ),
    Question(
        "How many input samples does one output position of layer 2 see "
        "($r_l = r_{l-1} + (k_l - 1)\\,j_{l-1}$, layers counted from 0)?",
        "04",
        _receptive_field_after_layer_2,
        "samples",
    ),
    Question(
        "In a layer_norm model, how many samples at the end of a one-second clip does no frame see?",
        "03",
        _unseen_tail_of_one_second,
        "samples",
    ),
    Question(
        "A 9.36 s recording at 22.05 kHz is fed to the model as if it were 16 kHz. How many frames come out?",
        "03",
        _frames_of_a_misread_22k_file,
        "frames",
    ),
    Question(
        "Chunked extraction cuts a minute of audio into runs of 1500 frames. How many samples do two "
        "consecutive chunks share?",
        "08",
        _chunk_overlap,
        "samples",
    ),
    Question(
        "A 1 s clip of standard deviation 0.1 (mean 0) shares a batch with a 1 s clip of standard deviation "
        "0.3 (mean 0). torchaudio's normalizing bundles apply `layer_norm(waveforms, waveforms.shape)` to the "
        "batch. What is the first clip's standard deviation after it (normalized alone, it would be 1)?",
        "06",
        _std_after_batch_wide_normalization,
    ),
    Question(
        "Over which axes of a `[batch, C, T]` tensor does GroupNorm(512, 512), the first layer's norm in "
        "group_norm mode, take its mean and variance?",
        "05",
        _group_norm_axes,
    ),
]


def words() -> list[str]:
    """The answer key's words a translation replaces: the units, and the answers given in words."""
    found = [q.unit for q in QUESTIONS if q.unit] + [a for q in QUESTIONS if isinstance(a := q.answer(), str)]
    return list(dict.fromkeys(found))
