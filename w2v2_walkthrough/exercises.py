"""Checkers for the notebooks' exercises.

Each ``check_...(answer)`` returns a :class:`Verdict` that Jupyter shows as "Right!", "Not quite"
with a hint, or "Not answered yet" (for ``None`` or ``...``). The expected answers are computed
with the package, never typed in.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import arithmetic as ar
from .presets import DEFAULT_SHAPES, PRESETS, SAMPLE_RATE

UNANSWERED = (None, Ellipsis)


@dataclass(frozen=True)
class Verdict:
    """What a checker says. Shown in Jupyter as its message; ``correct`` is True, False or None."""

    correct: bool | None
    message: str

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return bool(self.correct)


def _check(answer: Any, expected: Any, hint: str, same: Callable[[Any, Any], bool] | None = None) -> Verdict:
    if any(answer is u for u in UNANSWERED):
        return Verdict(None, "Not answered yet: replace the ... with your answer and run the cell again.")
    try:
        ok = same(answer, expected) if same else answer == expected
    except Exception:
        ok = False
    if ok:
        return Verdict(True, f"Right! {expected!r}")
    return Verdict(False, f"Not quite ({answer!r}). Hint: {hint}")


def _close(rel: float):
    return lambda a, e: abs(float(a) - e) <= rel * abs(e)


# 01 From waveform to frames
def check_frames_for_two_seconds(answer) -> Verdict:
    """How many frames does 2 s of 16 kHz audio give?"""
    return _check(answer, ar.num_frames(2 * SAMPLE_RATE), "apply floor((L - 400) / 320) + 1 to L = 32000.")


def check_batch_feature_shape(answer) -> Verdict:
    """Shape of the features of a batch of 3 one-second clips?"""
    expected = (3, ar.num_frames(SAMPLE_RATE), DEFAULT_SHAPES[-1][0])
    return _check(
        answer,
        expected,
        "(batch, frame, feature): 1 s gives the frame count from the table above.",
        lambda a, e: tuple(a) == e,
    )


# 02 Reading the source
def check_parameter_count(answer) -> Verdict:
    """Number of parameters of wav2vec2_base's extractor?"""
    from .weights import random_extractor

    expected = sum(p.numel() for p in random_extractor("wav2vec2_base").parameters())
    return _check(answer, expected, "conv weights are out*in*kernel (no bias in Base); GroupNorm adds 2*512.")


def check_normalized_blocks(answer) -> Verdict:
    """In group_norm mode, which block indices have a norm?"""
    from .components import get_feature_extractor

    fe = get_feature_extractor("group_norm", DEFAULT_SHAPES, False)
    expected = [i for i, b in enumerate(fe.conv_layers) if b.layer_norm is not None]
    return _check(
        answer, expected, 'look at the `if norm_mode == "group_norm" and i == 0` line.', lambda a, e: sorted(a) == e
    )


# 03 Stride arithmetic
def check_samples_for_ten_frames(answer) -> Verdict:
    """Fewest samples that give 10 frames?"""
    return _check(answer, ar.min_samples_for_frames(10), "one frame needs 400 samples; each further frame 320 more.")


def check_centre_of_frame_ten_ms(answer) -> Verdict:
    """Exact centre of frame 10, in ms at 16 kHz?"""
    expected = ar.samples_to_ms(ar.frame_center(10))
    return _check(answer, expected, "centre = 320 * i + 199.5 samples; divide by 16 samples per ms.", _close(1e-6))


# 04 Receptive field
WIDER_FIRST_LAYER = [(512, 20, 10), *DEFAULT_SHAPES[1:]]


def check_receptive_field_wider_first_layer(answer) -> Verdict:
    """Receptive field (samples) if layer 0 were (512, 20, 10)?"""
    return _check(
        answer,
        ar.receptive_field(WIDER_FIRST_LAYER),
        "rf grows by (k - 1) * jump per layer, and every later jump doubles too.",
    )


def check_hop_ms_at_8khz(answer) -> Verdict:
    """The hop in ms if 8 kHz audio were fed to the same stack?"""
    return _check(
        answer, ar.samples_to_ms(ar.hop_length(), 8000), "the hop is 320 samples whatever the rate.", _close(1e-6)
    )


# 05 Group norm vs layer norm
def check_group_norm_axis(answer) -> Verdict:
    """Over which axis of [batch, channel, time] does GroupNorm(512, 512) take its statistics?"""
    ok = lambda a, e: str(a).strip().lower() in {"time", "frames", "frame", "2", "-1"}
    return _check(answer, "time", "one group per channel: what is left inside a group?", ok)


def check_layer_norm_without_bias(answer) -> Verdict:
    """Which presets use layer_norm but have no conv bias?"""
    expected = sorted(p.name for p in PRESETS.values() if p.norm_mode == "layer_norm" and not p.bias)
    return _check(answer, expected, "scan PRESETS for norm_mode and bias.", lambda a, e: sorted(a) == e)


# 06 Intermediate activations
def check_layer_output_frames(answer, num_samples: int, layer: int = 3) -> Verdict:
    """How many frames does layer ``layer`` output for ``num_samples`` samples?"""
    expected = ar.layer_output_lengths(num_samples)[layer]
    return _check(answer, expected, "apply floor((L - k) / s) + 1 layer by layer.")


def check_layer_two_receptive_field_ms(answer) -> Verdict:
    """Receptive field of one output of layer 2, in ms?"""
    expected = ar.samples_to_ms(ar.receptive_field_table()[2].receptive_field)
    return _check(answer, expected, "read the receptive-field table at layer 2 and divide by 16.", _close(1e-6))


# 07 An hour of audio, exactly
def check_chunk_overlap(answer) -> Verdict:
    """Samples two consecutive layer_norm chunks must share?"""
    return _check(
        answer,
        ar.receptive_field() - ar.hop_length(),
        "a chunk's last frame needs 400 samples, but the next chunk starts one hop later.",
    )


def check_layer0_gigabytes_ten_minutes(answer) -> Verdict:
    """GB (1e9 bytes) of layer 0's float32 output for 10 minutes of audio?"""
    expected = ar.layer_output_lengths(10 * 60 * SAMPLE_RATE)[0] * DEFAULT_SHAPES[0][0] * 4 / 1e9
    return _check(answer, expected, "frames of layer 0 x 512 channels x 4 bytes.", _close(0.01))
