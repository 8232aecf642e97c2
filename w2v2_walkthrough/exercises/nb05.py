"""Exercises of notebook 5, Group norm vs layer norm."""

from ..presets import PRESETS
from ._core import Verdict, check_value


def check_group_norm_axis(answer) -> Verdict:
    """Over which axis of [batch, channel, time] does GroupNorm(512, 512) take its statistics?"""
    ok = lambda a, e: str(a).strip().lower() in {"time", "frames", "frame", "2", "-1"}
    return check_value(answer, "time", "one group per channel: what is left inside a group?", ok)


def check_layer_norm_without_bias(answer) -> Verdict:
    """Which presets use layer_norm but have no conv bias?"""
    expected = sorted(p.name for p in PRESETS.values() if p.norm_mode == "layer_norm" and not p.bias)
    return check_value(answer, expected, "scan PRESETS for norm_mode and bias.", lambda a, e: sorted(a) == e)
