"""Exercises of notebook 2, Reading the source."""

import itertools

from ..components import NORM_MODES
from ..presets import DEFAULT_SHAPES, get_preset
from ._core import Verdict, check_function, check_value

#: Layer configs ``param_count`` is tried on: the real one and some that no model uses.
CONFIGS = [
    tuple(DEFAULT_SHAPES),
    ((4, 3, 1),),
    ((8, 5, 2), (16, 3, 2)),
    ((3, 2, 2), (5, 4, 1), (2, 3, 3), (7, 1, 1)),
]


def built_parameters(norm_mode: str, shapes, bias: bool) -> int:
    """Parameters of the extractor the builder really builds (on the meta device: no memory)."""
    import torch

    from ..components import get_feature_extractor

    with torch.device("meta"):
        extractor = get_feature_extractor(norm_mode, list(shapes), bias)
    return sum(p.numel() for p in extractor.parameters())


def check_param_count(function) -> Verdict:
    """``param_count(norm_mode, shapes, bias)``: parameters of ``_get_feature_extractor(norm_mode, shapes, bias)``."""
    cases = [(mode, list(shapes), bias) for mode, shapes, bias in itertools.product(NORM_MODES, CONFIGS, (False, True))]
    return check_function(
        function,
        cases,
        built_parameters,
        "count each conv's weight (out x in x kernel) and bias (if any), and each norm's weight and bias "
        "(one per channel); then check which blocks get a norm in each mode.",
    )


def check_state_dict_entries(prediction) -> Verdict:
    """Entries (tensors) in the state_dict of wav2vec2_large_lv60k's extractor?"""
    import torch

    from ..components import get_feature_extractor

    p = get_preset("wav2vec2_large_lv60k")
    with torch.device("meta"):
        expected = len(get_feature_extractor(p.norm_mode, list(p.shapes), p.bias).state_dict())
    return check_value(
        prediction, expected, "each block stores its conv weight, its conv bias if any, and its norm's weight and bias."
    )
