"""Exercises of notebook 4, Receptive field."""

from .. import arithmetic as ar
from ..presets import DEFAULT_SHAPES
from ._core import NOT_ANSWERED, Verdict, check_function, check_value, is_unanswered
from .nb03 import CONFIGS

WIDER_FIRST_LAYER = [(512, 20, 10), *DEFAULT_SHAPES[1:]]

#: What :func:`check_stack_with_10ms_hop` asks for, in samples at 16 kHz.
TARGET_HOP, TARGET_RECEPTIVE_FIELD = 160, 400


def check_span(function) -> Verdict:
    """``span(i, shapes)``: the samples ``(start, end)`` frame ``i`` of any conv stack sees."""
    cases = [(i, config) for config in CONFIGS for i in (0, 1, 2, 7, 48, 1000)]
    return check_function(
        function,
        cases,
        lambda i, shapes: tuple(ar.frame_span(i, shapes)),
        "two numbers per layer, carried up from the input (where both are 1): the jump, the "
        "distance in samples between neighbouring positions, and how many samples one position "
        "sees. Frame i starts i jumps in.",
        same=lambda got, expected: tuple(got) == expected,
    )


def check_stack_with_10ms_hop(answer) -> Verdict:
    """A conv stack ``[(channels, kernel, stride), ...]`` with a 10 ms hop and a 25 ms receptive
    field at 16 kHz, where every kernel is at least as wide as its stride (no sample skipped)."""
    if is_unanswered(answer):
        return Verdict(None, NOT_ANSWERED)
    try:
        layers = [tuple(int(v) for v in layer) for layer in answer]
        ok_shape = bool(layers) and all(len(layer) == 3 and min(layer) >= 1 for layer in layers)
    except (TypeError, ValueError):
        ok_shape = False
    if not ok_shape:
        return Verdict(False, f"Not quite: {answer!r} is not a list of (channels, kernel, stride) with values >= 1.")
    hop, rf = ar.hop_length(layers), ar.receptive_field(layers)
    gaps = [i for i, (_, k, s) in enumerate(layers) if k < s]
    if hop == TARGET_HOP and rf == TARGET_RECEPTIVE_FIELD and not gaps:
        return Verdict(True, f"Right! Hop {hop} samples (10 ms), receptive field {rf} samples (25 ms).")
    hint = f"your stack has a hop of {hop} and a receptive field of {rf} samples"
    if gaps:
        hint += f"; layers {gaps} have a kernel narrower than their stride, so they skip samples"
    hint += ". The hop is the product of the strides; a wider kernel in a late layer adds a lot of receptive field."
    return Verdict(False, f"Not quite. Hint: {hint}")


def check_receptive_field_wider_first_layer(prediction) -> Verdict:
    """Receptive field (samples) if layer 0 were (512, 20, 10)?"""
    return check_value(
        prediction,
        ar.receptive_field(WIDER_FIRST_LAYER),
        "rf grows by (k - 1) * jump per layer, and every later jump doubles too.",
    )
