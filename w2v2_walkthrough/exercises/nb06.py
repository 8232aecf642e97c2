"""Exercises of notebook 6, Intermediate activations."""

from .. import arithmetic as ar
from ._core import Verdict, check_value, close_to


def check_layer_output_frames(answer, num_samples: int, layer: int = 3) -> Verdict:
    """How many frames does layer ``layer`` output for ``num_samples`` samples?"""
    expected = ar.layer_output_lengths(num_samples)[layer]
    return check_value(answer, expected, "apply floor((L - k) / s) + 1 layer by layer.")


def check_layer_two_receptive_field_ms(answer) -> Verdict:
    """Receptive field of one output of layer 2, in ms?"""
    expected = ar.samples_to_ms(ar.receptive_field_table()[2].receptive_field)
    return check_value(answer, expected, "read the receptive-field table at layer 2 and divide by 16.", close_to(1e-6))
