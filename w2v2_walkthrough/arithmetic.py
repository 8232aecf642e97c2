"""Length, stride and receptive-field arithmetic of a stack of unpadded 1-D convolutions.

Everything is in *samples* unless a name says ``_ms``. ``shapes`` is a conv layer config
``[(out_channels, kernel_size, stride), ...]``; it defaults to wav2vec2's
``[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2``.

For that config: receptive field 400 samples (25 ms at 16 kHz), hop 320 samples (20 ms),
frame ``i`` sees samples ``[320 i, 320 i + 400)`` and its centre is ``320 i + 199.5``.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from .presets import SAMPLE_RATE, ConvSpec, resolve_shapes


def conv_output_length(length: int, kernel_size: int, stride: int) -> int:
    """Frames out of one unpadded conv: ``floor((length - kernel_size) / stride) + 1``, clamped at 0."""
    return max(0, (length - kernel_size) // stride + 1)


def layer_output_lengths(length: int, shapes: Sequence[ConvSpec] | None = None) -> list[int]:
    """The output length after every layer, ``[after layer 0, after layer 1, ...]``."""
    lengths = []
    for _, kernel_size, stride in resolve_shapes(shapes):
        length = conv_output_length(length, kernel_size, stride)
        lengths.append(length)
    return lengths


def num_frames(length: int, shapes: Sequence[ConvSpec] | None = None) -> int:
    """Frames the whole stack produces from ``length`` samples."""
    lengths = layer_output_lengths(length, shapes)
    return lengths[-1] if lengths else length


def min_samples_for_frames(n_frames: int, shapes: Sequence[ConvSpec] | None = None) -> int:
    """The fewest input samples that give ``n_frames`` frames (the inverse of :func:`num_frames`).

    Walks the stack backwards: a conv needs ``(n - 1) * stride + kernel_size`` inputs for ``n``
    outputs. 0 frames need 0 samples.
    """
    if n_frames < 0:
        raise ValueError(f"n_frames must be >= 0, got {n_frames}")
    if n_frames == 0:
        return 0
    needed = n_frames
    for _, kernel_size, stride in reversed(resolve_shapes(shapes)):
        needed = (needed - 1) * stride + kernel_size
    return needed


@dataclass(frozen=True)
class LayerGeometry:
    """One row of the receptive-field table.

    ``jump`` is the distance in input samples between neighbouring outputs of this layer
    (the product of the strides so far); ``receptive_field`` is how many input samples one
    output of this layer sees.
    """

    layer: int
    kernel_size: int
    stride: int
    jump: int
    receptive_field: int


def receptive_field_table(shapes: Sequence[ConvSpec] | None = None) -> list[LayerGeometry]:
    """Per-layer kernel, stride, jump and receptive field.

    Recurrence: ``rf_l = rf_{l-1} + (k_l - 1) * jump_{l-1}``; ``jump_l = jump_{l-1} * s_l``,
    starting from ``rf = 1``, ``jump = 1`` (one sample sees itself).
    """
    rows = []
    rf, jump = 1, 1
    for i, (_, kernel_size, stride) in enumerate(resolve_shapes(shapes)):
        rf = rf + (kernel_size - 1) * jump
        jump = jump * stride
        rows.append(LayerGeometry(i, kernel_size, stride, jump, rf))
    return rows


def receptive_field(shapes: Sequence[ConvSpec] | None = None) -> int:
    """Input samples one output frame sees (400 for wav2vec2)."""
    table = receptive_field_table(shapes)
    return table[-1].receptive_field if table else 1


def hop_length(shapes: Sequence[ConvSpec] | None = None) -> int:
    """Input samples between consecutive output frames (320 for wav2vec2)."""
    table = receptive_field_table(shapes)
    return table[-1].jump if table else 1


def frame_span(i: int, shapes: Sequence[ConvSpec] | None = None) -> tuple[int, int]:
    """The half-open sample span ``[start, end)`` that output frame ``i`` sees."""
    start = i * hop_length(shapes)
    return start, start + receptive_field(shapes)


def frame_start(i: int, shapes: Sequence[ConvSpec] | None = None) -> int:
    """First sample frame ``i`` sees (``hop * i``)."""
    return frame_span(i, shapes)[0]


def frame_center(i: int, shapes: Sequence[ConvSpec] | None = None) -> float:
    """Exact centre of frame ``i`` in samples: ``hop * i + (receptive_field - 1) / 2``.

    ``(k - 1) / 2`` is true division: the centre of 400 samples ``0..399`` is 199.5.
    """
    return frame_start(i, shapes) + (receptive_field(shapes) - 1) / 2


def samples_to_ms(samples: float, sample_rate: int = SAMPLE_RATE) -> float:
    """Convert a sample count or position to milliseconds."""
    return 1000.0 * samples / sample_rate


def frame_rate(sample_rate: int = SAMPLE_RATE, shapes: Sequence[ConvSpec] | None = None) -> float:
    """Frames per second of a *long* signal: ``sample_rate / hop`` (50.0 for wav2vec2).

    A clip of exactly one second gives fewer: ``num_frames(16000) == 49``.
    """
    return sample_rate / hop_length(shapes)


def frame_times_ms(
    n_frames: int,
    sample_rate: int = SAMPLE_RATE,
    shapes: Sequence[ConvSpec] | None = None,
    where: str = "center",
) -> list[float]:
    """Time of each frame in ms, at the window's ``"start"`` or its exact ``"center"``."""
    if where not in ("start", "center"):
        raise ValueError(f"where must be 'start' or 'center', got {where!r}")
    locate = frame_center if where == "center" else frame_start
    return [samples_to_ms(locate(i, shapes), sample_rate) for i in range(n_frames)]


def flops_per_second(sample_rate: int = SAMPLE_RATE, shapes: Sequence[ConvSpec] | None = None) -> float:
    """Multiply-add FLOPs (2 per MAC) of the convolutions for one second of audio.

    Counts conv MACs only (norms and GELU are a few percent more). About 4.9e9 for wav2vec2.
    """
    flops = 0
    length, in_channels = sample_rate, 1
    for out_channels, kernel_size, stride in resolve_shapes(shapes):
        length = conv_output_length(length, kernel_size, stride)
        flops += 2 * length * out_channels * in_channels * kernel_size
        in_channels = out_channels
    return float(flops)


@dataclass(frozen=True)
class LengthRow:
    """One row of :func:`length_table`: what one layer does to a given input length."""

    layer: int
    kernel_size: int
    stride: int
    length_in: int
    length_out: int
    unused: int  # trailing inputs no output of this layer sees (lost for lack of padding)


def length_table(length: int, shapes: Sequence[ConvSpec] | None = None) -> list[LengthRow]:
    """Per layer: input length, output length and how many trailing inputs go unused."""
    rows = []
    for i, (_, kernel_size, stride) in enumerate(resolve_shapes(shapes)):
        out = conv_output_length(length, kernel_size, stride)
        used = (out - 1) * stride + kernel_size if out else 0
        rows.append(LengthRow(i, kernel_size, stride, length, out, length - used))
        length = out
    return rows


def frames_containing(sample: int, num_samples: int, shapes: Sequence[ConvSpec] | None = None) -> list[int]:
    """The output frames whose span ``[start, end)`` contains input sample ``sample``."""
    return [
        i
        for i in range(num_frames(num_samples, shapes))
        if frame_span(i, shapes)[0] <= sample < frame_span(i, shapes)[1]
    ]
