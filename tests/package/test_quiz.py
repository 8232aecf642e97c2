"""The quiz's answers, each derived independently of the package: by running a stack of plain
torch convolutions with wav2vec2's kernels and strides (as the wav2vec 2.0 paper gives them) and
reading lengths and gradient supports off it, and by measuring a torch GroupNorm directly. The
lesson plan's page holds every question and answer (its timetable: tests/scripts/test_series_builders.py)."""

import re
from pathlib import Path

import pytest
import torch

from w2v2_walkthrough import quiz

ROOT = Path(__file__).resolve().parents[2]
LESSON_PLAN = ROOT / "docs" / "lesson_plan.md"
#: (kernel, stride) of the seven conv layers: wav2vec 2.0, section 4.2 ("The feature encoder
#: contains seven blocks ... strides (5,2,2,2,2,2,2) and kernel widths (10,3,3,3,3,2,2)").
KERNELS, STRIDES = (10, 3, 3, 3, 3, 2, 2), (5, 2, 2, 2, 2, 2, 2)
RATE = 16_000


def stack(x: torch.Tensor, layers: int = 7) -> torch.Tensor:
    """Single-channel convs with all-ones kernels: ``[time]`` -> ``[positions]`` of the ``layers``-th layer."""
    h = x.reshape(1, 1, -1)
    for k, s in list(zip(KERNELS, STRIDES, strict=True))[:layers]:
        h = torch.nn.functional.conv1d(h, torch.ones(1, 1, k, dtype=x.dtype), stride=s)
    return h.flatten()


def frames(num_samples: int) -> int:
    try:
        return stack(torch.zeros(num_samples, dtype=torch.float64)).numel()
    except RuntimeError:  # torch refuses an input shorter than a kernel: no output at all
        return 0


def support(position: int, num_samples: int, layers: int = 7) -> tuple[int, int]:
    """``[first, last + 1)`` of the samples that reach output ``position`` (its gradient's support)."""
    x = torch.zeros(num_samples, dtype=torch.float64, requires_grad=True)
    stack(x, layers)[position].backward()
    hits = torch.nonzero(x.grad).flatten()
    return int(hits.min()), int(hits.max()) + 1


def answer(fragment: str):
    (question,) = [q for q in quiz.QUESTIONS if fragment in q.text]
    return question.answer()


def test_eleven_questions_each_with_a_notebook():
    assert len(quiz.QUESTIONS) == 11
    assert len({q.text for q in quiz.QUESTIONS}) == 11
    assert all(re.fullmatch(r"0[1-9]", q.notebook) for q in quiz.QUESTIONS)


def test_frames_in_one_second():
    assert answer("exactly one second") == frames(RATE)


def test_fewest_samples_for_two_frames():
    low, high = 0, RATE  # frames() never decreases with the length: bisect for the first length with 2
    while low < high:
        mid = (low + high) // 2
        low, high = (mid + 1, high) if frames(mid) < 2 else (low, mid)
    fewest = low
    assert frames(fewest) == 2 and frames(fewest - 1) == 1
    assert answer("fewest number of samples") == fewest


def test_receptive_field_in_ms():
    first, end = support(0, 2000)
    assert answer("receptive field") == pytest.approx((end - first) * 1000 / RATE)


def test_span_of_frame_3():
    assert answer("frame 3 see") == support(3, 4000)


def test_centre_of_frame_10_in_ms():
    first, end = support(10, 8000)
    assert answer("centre of frame 10") == pytest.approx((first + end - 1) / 2 * 1000 / RATE)


def test_receptive_field_of_layer_2():
    first, end = support(5, 400, layers=3)
    assert answer("layer 2 see") == end - first


def test_unseen_tail_of_one_second():
    last = frames(RATE) - 1
    assert answer("end of a one-second clip") == RATE - support(last, RATE)[1]


def test_frames_of_a_misread_22k_file():
    samples = round(9.36 * 22_050)  # the file's samples, whatever rate they are read at
    assert answer("22.05 kHz") == frames(samples)


def test_chunk_overlap():
    """A chunk of 1500 frames must hold all the samples its last frame sees; the next chunk starts
    at the first sample of its own first frame."""
    num_samples = 60 * RATE
    last_of_first, first_of_second = support(1499, 4000 * 320), support(1500, 4000 * 320)
    assert frames(num_samples) > 1500
    assert answer("two consecutive chunks share") == last_of_first[1] - first_of_second[0]


def test_std_after_a_batch_wide_normalization():
    """By hand: the batch (+-0.1 and +-0.3, mean 0) has variance (0.01 + 0.09) / 2; layer_norm over the
    whole batch divides every sample by its square root (eps 1e-5 added), the quiet clip's too."""
    batch_std = ((0.1**2 + 0.3**2) / 2 + 1e-5) ** 0.5
    assert answer("shares a batch") == round(0.1 / batch_std, 2) == 0.45


def test_group_norm_axes():
    """Measured directly: after GroupNorm(512, 512) every (item, channel) row has mean 0 and
    variance 1 over time, while a frame's values across channels do not."""
    g = torch.Generator().manual_seed(1)
    scale, offset = torch.rand(1, 512, 1, generator=g) * 4 + 0.5, torch.randn(1, 512, 1, generator=g)
    x = torch.randn(2, 512, 100, generator=g) * scale + offset  # (B, C, T), every channel its own scale
    y = torch.nn.GroupNorm(512, 512)(x).detach()
    assert y.mean(dim=2).abs().max() < 1e-5 and (y.var(dim=2, unbiased=False) - 1).abs().max() < 1e-3
    assert y.mean(dim=1).abs().max() > 0.1  # not normalized per frame
    said = answer("GroupNorm(512, 512)")
    assert "over time" in said and "per (item, channel)" in said


def test_answers_are_shown_as_computed():
    assert quiz.format_answer(49) == "49"
    assert quiz.format_answer(212.46875) == "212.47"
    assert quiz.format_answer(25.0) == "25"
    assert quiz.format_answer((960, 1360)) == "[960, 1360)"
    for q in quiz.QUESTIONS:
        assert q.shown().startswith(quiz.format_answer(q.answer()))
        assert "return" in q.how()


def lesson_plan_parts() -> list[tuple[str, int]]:
    """(part, minutes) of every row of the lesson plan's timetable (rows whose last cell is minutes)."""
    rows = re.findall(r"^\|(.+)\|\s*(\d+)\s*\|\s*$", LESSON_PLAN.read_text(encoding="utf-8"), re.M)
    return [(part.split("|")[1].strip() if "|" in part else part.strip(), int(minutes)) for part, minutes in rows]


def test_lesson_plan_page_holds_the_quiz_with_computed_answers():
    from series.lesson_plan import QUIZ_PLACEHOLDER, lesson_plan_markdown

    assert LESSON_PLAN.read_text(encoding="utf-8").count(QUIZ_PLACEHOLDER) == 1
    page = lesson_plan_markdown()
    assert QUIZ_PLACEHOLDER not in page and "{{" not in page
    for q in quiz.QUESTIONS:
        assert q.shown() in page
    # the timetable's rows made it into the page
    assert all(part in page for part, _ in lesson_plan_parts())
