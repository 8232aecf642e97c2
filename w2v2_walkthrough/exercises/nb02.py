"""Exercises of notebook 2, Reading the source."""

from ..presets import DEFAULT_SHAPES
from ._core import Verdict, check_value


def check_parameter_count(answer) -> Verdict:
    """Number of parameters of wav2vec2_base's extractor?"""
    from ..weights import random_extractor

    expected = sum(p.numel() for p in random_extractor("wav2vec2_base").parameters())
    return check_value(answer, expected, "conv weights are out*in*kernel (no bias in Base); GroupNorm adds 2*512.")


def check_normalized_blocks(answer) -> Verdict:
    """In group_norm mode, which block indices have a norm?"""
    from ..components import get_feature_extractor

    fe = get_feature_extractor("group_norm", DEFAULT_SHAPES, False)
    expected = [i for i, b in enumerate(fe.conv_layers) if b.layer_norm is not None]
    return check_value(
        answer, expected, 'look at the `if norm_mode == "group_norm" and i == 0` line.', lambda a, e: sorted(a) == e
    )
