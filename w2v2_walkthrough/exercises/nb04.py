"""Exercises of notebook 4, Receptive field."""

from .. import arithmetic as ar
from ..presets import DEFAULT_SHAPES
from ._core import Verdict, check_value, close_to

WIDER_FIRST_LAYER = [(512, 20, 10), *DEFAULT_SHAPES[1:]]


def check_receptive_field_wider_first_layer(answer) -> Verdict:
    """Receptive field (samples) if layer 0 were (512, 20, 10)?"""
    return check_value(
        answer,
        ar.receptive_field(WIDER_FIRST_LAYER),
        "rf grows by (k - 1) * jump per layer, and every later jump doubles too.",
    )


def check_hop_ms_at_8khz(answer) -> Verdict:
    """The hop in ms if 8 kHz audio were fed to the same stack?"""
    return check_value(
        answer, ar.samples_to_ms(ar.hop_length(), 8000), "the hop is 320 samples whatever the rate.", close_to(1e-6)
    )
