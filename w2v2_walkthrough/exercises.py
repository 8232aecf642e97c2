"""Checkers for the notebooks' exercises.

Each ``check_...(answer)`` prints whether the answer is right, with a hint when it is not, and
returns ``True`` / ``False`` (``None`` while unanswered: ``None`` or ``...``). The expected
answers are computed with the package, never typed in.
"""

from typing import Any, Callable, Optional

from . import arithmetic as ar
from .presets import DEFAULT_SHAPES, PRESETS, SAMPLE_RATE

UNANSWERED = (None, Ellipsis)


def _check(answer: Any, expected: Any, hint: str, same: Callable[[Any, Any], bool] = None) -> Optional[bool]:
    if any(answer is u for u in UNANSWERED):
        print("Not answered yet: replace the ... with your answer and run the cell again.")
        return None
    try:
        ok = same(answer, expected) if same else answer == expected
    except Exception:
        ok = False
    if ok:
        print(f"Right! {expected!r}")
        return True
    print(f"Not quite ({answer!r}). Hint: {hint}")
    return False


def _close(rel: float):
    return lambda a, e: abs(float(a) - e) <= rel * abs(e)


# 01 From waveform to frames
def check_frames_for_two_seconds(answer) -> Optional[bool]:
    """How many frames does 2 s of 16 kHz audio give?"""
    return _check(answer, ar.num_frames(2 * SAMPLE_RATE), "apply floor((L - 400) / 320) + 1 to L = 32000.")


def check_batch_feature_shape(answer) -> Optional[bool]:
    """Shape of the features of a batch of 3 one-second clips?"""
    expected = (3, ar.num_frames(SAMPLE_RATE), DEFAULT_SHAPES[-1][0])
    return _check(answer, expected, "(batch, frame, feature): 1 s gives the frame count from the table above.",
                  lambda a, e: tuple(a) == e)


# 02 Reading the source
def check_parameter_count(answer) -> Optional[bool]:
    """Number of parameters of wav2vec2_base's extractor?"""
    from .weights import random_extractor

    expected = sum(p.numel() for p in random_extractor("wav2vec2_base").parameters())
    return _check(answer, expected, "conv weights are out*in*kernel (no bias in Base); GroupNorm adds 2*512.")


def check_normalized_blocks(answer) -> Optional[bool]:
    """In group_norm mode, which block indices have a norm?"""
    from .components import get_feature_extractor

    fe = get_feature_extractor("group_norm", DEFAULT_SHAPES, False)
    expected = [i for i, b in enumerate(fe.conv_layers) if b.layer_norm is not None]
    return _check(answer, expected, "look at the `if norm_mode == \"group_norm\" and i == 0` line.",
                  lambda a, e: sorted(a) == e)


# 03 Stride arithmetic
def check_samples_for_ten_frames(answer) -> Optional[bool]:
    """Fewest samples that give 10 frames?"""
    return _check(answer, ar.min_samples_for_frames(10), "one frame needs 400 samples; each further frame 320 more.")


def check_centre_of_frame_ten_ms(answer) -> Optional[bool]:
    """Exact centre of frame 10, in ms at 16 kHz?"""
    expected = ar.samples_to_ms(ar.frame_center(10))
    return _check(answer, expected, "centre = 320 * i + 199.5 samples; divide by 16 samples per ms.", _close(1e-6))


# 04 Receptive field
WIDER_FIRST_LAYER = [(512, 20, 10)] + DEFAULT_SHAPES[1:]


def check_receptive_field_wider_first_layer(answer) -> Optional[bool]:
    """Receptive field (samples) if layer 0 were (512, 20, 10)?"""
    return _check(answer, ar.receptive_field(WIDER_FIRST_LAYER),
                  "rf grows by (k - 1) * jump per layer, and every later jump doubles too.")


def check_hop_ms_at_8khz(answer) -> Optional[bool]:
    """The hop in ms if 8 kHz audio were fed to the same stack?"""
    return _check(answer, ar.samples_to_ms(ar.hop_length(), 8000), "the hop is 320 samples whatever the rate.", _close(1e-6))


# 05 Group norm vs layer norm
def check_group_norm_axis(answer) -> Optional[bool]:
    """Over which axis of [batch, channel, time] does GroupNorm(512, 512) take its statistics?"""
    ok = lambda a, e: str(a).strip().lower() in {"time", "frames", "frame", "2", "-1"}
    return _check(answer, "time", "one group per channel: what is left inside a group?", ok)


def check_layer_norm_without_bias(answer) -> Optional[bool]:
    """Which presets use layer_norm but have no conv bias?"""
    expected = sorted(p.name for p in PRESETS.values() if p.norm_mode == "layer_norm" and not p.bias)
    return _check(answer, expected, "scan PRESETS for norm_mode and bias.", lambda a, e: sorted(a) == e)


# 06 Intermediate activations
def check_layer_output_frames(answer, num_samples: int, layer: int = 3) -> Optional[bool]:
    """How many frames does layer ``layer`` output for ``num_samples`` samples?"""
    expected = ar.layer_output_lengths(num_samples)[layer]
    return _check(answer, expected, "apply floor((L - k) / s) + 1 layer by layer.")


def check_layer_two_receptive_field_ms(answer) -> Optional[bool]:
    """Receptive field of one output of layer 2, in ms?"""
    expected = ar.samples_to_ms(ar.receptive_field_table()[2].receptive_field)
    return _check(answer, expected, "read the receptive-field table at layer 2 and divide by 16.", _close(1e-6))


# 07 An hour of audio, exactly
def check_chunk_overlap(answer) -> Optional[bool]:
    """Samples two consecutive layer_norm chunks must share?"""
    return _check(answer, ar.receptive_field() - ar.hop_length(), "a chunk's last frame needs 400 samples, but the next chunk starts one hop later.")


def check_layer0_gigabytes_ten_minutes(answer) -> Optional[bool]:
    """GB (1e9 bytes) of layer 0's float32 output for 10 minutes of audio?"""
    expected = ar.layer_output_lengths(10 * 60 * SAMPLE_RATE)[0] * DEFAULT_SHAPES[0][0] * 4 / 1e9
    return _check(answer, expected, "frames of layer 0 x 512 channels x 4 bytes.", _close(0.01))
