"""Exercises of notebook 1, From waveform to frames."""

from .. import arithmetic as ar
from ..presets import DEFAULT_SHAPES, SAMPLE_RATE
from ._core import Verdict, check_value


def check_frames_for_two_seconds(answer) -> Verdict:
    """How many frames does 2 s of 16 kHz audio give?"""
    return check_value(answer, ar.num_frames(2 * SAMPLE_RATE), "apply floor((L - 400) / 320) + 1 to L = 32000.")


def check_batch_feature_shape(answer) -> Verdict:
    """Shape of the features of a batch of 3 one-second clips?"""
    expected = (3, ar.num_frames(SAMPLE_RATE), DEFAULT_SHAPES[-1][0])
    return check_value(
        answer,
        expected,
        "(batch, frame, feature): 1 s gives the frame count from the table above.",
        lambda a, e: tuple(a) == e,
    )
