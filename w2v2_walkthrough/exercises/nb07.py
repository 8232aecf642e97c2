"""Exercises of notebook 7, An hour of audio, exactly."""

from .. import arithmetic as ar
from ..presets import DEFAULT_SHAPES, SAMPLE_RATE
from ._core import Verdict, check_value, close_to


def check_chunk_overlap(answer) -> Verdict:
    """Samples two consecutive layer_norm chunks must share?"""
    return check_value(
        answer,
        ar.receptive_field() - ar.hop_length(),
        "a chunk's last frame needs 400 samples, but the next chunk starts one hop later.",
    )


def check_layer0_gigabytes_ten_minutes(answer) -> Verdict:
    """GB (1e9 bytes) of layer 0's float32 output for 10 minutes of audio?"""
    expected = ar.layer_output_lengths(10 * 60 * SAMPLE_RATE)[0] * DEFAULT_SHAPES[0][0] * 4 / 1e9
    return check_value(answer, expected, "frames of layer 0 x 512 channels x 4 bytes.", close_to(0.01))
