"""Exercises of notebook 3, Stride arithmetic."""

from .. import arithmetic as ar
from ._core import Verdict, check_value, close_to


def check_samples_for_ten_frames(answer) -> Verdict:
    """Fewest samples that give 10 frames?"""
    return check_value(
        answer, ar.min_samples_for_frames(10), "one frame needs 400 samples; each further frame 320 more."
    )


def check_centre_of_frame_ten_ms(answer) -> Verdict:
    """Exact centre of frame 10, in ms at 16 kHz?"""
    expected = ar.samples_to_ms(ar.frame_center(10))
    return check_value(
        answer, expected, "centre = 320 * i + 199.5 samples; divide by 16 samples per ms.", close_to(1e-6)
    )
