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
        "which modules does the builder create for each block, in each mode and with each bias "
        "setting, and which of them hold parameters?",
    )


def loading_keys(source: str = "wav2vec2_large_lv60k", target: str = "wav2vec2_base") -> tuple[int, int]:
    """``(missing, unexpected)`` key counts of ``target.load_state_dict(source's state_dict,
    strict=False)`` for the two presets' extractors (built on the meta device: no memory)."""
    import torch

    from ..components import get_feature_extractor

    keys = {}
    for preset in (source, target):
        p = get_preset(preset)
        with torch.device("meta"):
            keys[preset] = set(get_feature_extractor(p.norm_mode, list(p.shapes), p.bias).state_dict())
    return len(keys[target] - keys[source]), len(keys[source] - keys[target])


def check_loading_keys(prediction) -> Verdict:
    """Loading the wav2vec2_large_lv60k extractor's state_dict into Base's with ``strict=False``:
    how many keys are missing and how many unexpected, ``(missing, unexpected)``?"""
    return check_value(
        prediction,
        loading_keys(),
        "which modules does each block of each model have: a conv bias? a norm? Missing keys are "
        "Base's that the state_dict lacks; unexpected ones, the state_dict's that Base has no place for.",
    )
