"""Exact feature extraction for audio of any length in bounded memory.

A full-utterance pass keeps layer 0's output, ``512 x samples / 5`` floats (about 6.55 MB per
second of audio, 23.6 GB per hour). Here the signal is cut into chunks using the arithmetic of
:mod:`w2v2_walkthrough.arithmetic`, so that every frame is computed from exactly the samples it
would see in the full pass:

* **layer_norm mode** is local in time. Chunk ``c`` produces frames ``[f0, f1)``; it starts at
  sample ``f0 * hop`` (a multiple of the hop, so every intermediate layer's grid lines up with
  the full pass) and needs ``(f1 - f0 - 1) * hop + receptive_field`` samples: consecutive chunks
  share ``receptive_field - hop`` samples (80 for wav2vec2).
* **group_norm mode** is not local: layer 0's ``GroupNorm(C, C)`` normalizes each channel with
  its mean and variance over the whole utterance, so every frame depends on every sample layer 0
  reads (all but the ``(L - 10) mod 5`` trailing ones). Pass 1 computes those statistics in
  float64 from the 10-sample input windows of layer 0 (:func:`layer0_statistics`; exact up to
  float64 rounding); pass 2 runs the chunks through the extractor's own blocks, with layer 0's
  GroupNorm swapped for a :class:`FrozenGroupNorm` that holds those global statistics.

Sources are tensors or files read block by block (and resampled to 16 kHz while streaming) with
:class:`~w2v2_walkthrough.audio.FileSource`; the file never sits in memory whole. The features go
to a tensor or to any array-like written chunk by chunk in order (a numpy array or memmap, or a
:class:`~w2v2_walkthrough.npy.NpyWriter`, which keeps memory flat however long the output).
With ``normalize=True`` a first pass sums the whole signal's mean and variance in float64 and
every read is normalized with them (what a normalizing torchaudio bundle does to the waveform).
:func:`w2v2_walkthrough.compare.difference` measures how far chunked features are from a full pass.
"""

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn
from tqdm.auto import tqdm

from . import arithmetic as ar
from .audio import FileSource, Source
from .components import conv_config
from .presets import SAMPLE_RATE, resolve_shapes
from .validation import check_length, check_sample_rate, check_waveform

__all__ = [
    "DEFAULT_CHUNK_SECONDS",
    "Chunk",
    "FrozenGroupNorm",
    "NormalizedSource",
    "TensorSource",
    "conv_statistics",
    "extract_chunked",
    "layer0_statistics",
    "open_source",
    "peak_layer0_bytes",
    "plan_chunks",
    "run_blocks",
    "window_moments",
    "with_frozen_statistics",
]

#: Audio per chunk, chosen by measurement (``benchmarks/benchmark.py --part chunks``; the results and
#: their history are in ``benchmarks/results.md``). Layer 0's output is 6.55 MB per second of chunk.
DEFAULT_CHUNK_SECONDS = 2.0


# --- sources ----------------------------------------------------------------------------------


class TensorSource(Source):
    """A mono signal held in memory, ``[time]``; the same interface as
    :class:`~w2v2_walkthrough.audio.FileSource` (``num_samples``, ``read``, a context manager)."""

    def __init__(self, waveform: Tensor):
        self.waveform = waveform
        self.num_samples = waveform.numel()

    def read(self, start: int, stop: int) -> Tensor:
        return self.waveform[start:stop]


def open_source(signal, multichannel: str = "error", sample_rate: int = SAMPLE_RATE) -> TensorSource | FileSource:
    """A source for ``signal``: a path (any rate, resampled while streaming) or a mono tensor."""
    if isinstance(signal, (str, Path)):
        return FileSource(signal, multichannel)
    waveform = check_waveform(signal, sample_rate)  # (B, T)
    if waveform.shape[0] != 1:
        raise ValueError(
            f"Chunked extraction takes one signal, got a batch of {waveform.shape[0]}: loop over the batch."
        )
    return TensorSource(waveform[0])


# --- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Chunk:
    """Frames ``[first_frame, end_frame)`` come from samples ``[start, stop)``."""

    first_frame: int
    end_frame: int
    start: int
    stop: int


def plan_chunks(num_samples: int, chunk_frames: int, shapes=None) -> Iterator[Chunk]:
    """Split the frames of a signal into runs of ``chunk_frames``; say which samples each needs."""
    if chunk_frames < 1:
        raise ValueError(f"chunk_frames must be >= 1, got {chunk_frames}")
    hop, rf = ar.hop_length(shapes), ar.receptive_field(shapes)
    total = ar.num_frames(num_samples, shapes)
    for f0 in range(0, total, chunk_frames):
        f1 = min(total, f0 + chunk_frames)
        yield Chunk(f0, f1, start=f0 * hop, stop=(f1 - 1) * hop + rf)  # overlap: rf - hop


def chunk_frames_for(chunk_seconds: float, sample_rate: int = SAMPLE_RATE, shapes=None) -> int:
    """Whole frames in ``chunk_seconds`` of audio (at least one)."""
    frames = int(chunk_seconds * sample_rate // ar.hop_length(shapes))
    if frames < 1:
        hop_ms = ar.samples_to_ms(ar.hop_length(shapes), sample_rate)
        raise ValueError(f"chunk_seconds={chunk_seconds} is shorter than one hop ({hop_ms:g} ms).")
    return frames


# --- group norm: statistics of the whole signal ---------------------------------------------------


def has_layer0_group_norm(extractor: nn.Module) -> bool:
    """Whether layer 0 normalizes with a ``GroupNorm`` (torchaudio's group_norm mode)."""
    return isinstance(extractor.conv_layers[0].layer_norm, nn.GroupNorm)


def check_norm_layout(extractor: nn.Module) -> None:
    """Refuse a ``GroupNorm`` after layer 0: its statistics would span every chunk too."""
    if any(isinstance(b.layer_norm, nn.GroupNorm) for b in list(extractor.conv_layers)[1:]):
        raise ValueError("Only a GroupNorm in the first layer is supported (torchaudio's group_norm mode).")


def window_moments(source, kernel_size: int, stride: int, per_read: int, progress=None):
    """``(count, sum x_j, sum x_j x_j^T)`` over layer 0's input windows ``x_j`` (``kernel_size``
    samples from ``j * stride``), in float64, reading ``per_read`` windows at a time: windows
    ``[j0, j1)`` need samples ``[j0 * stride, (j1 - 1) * stride + kernel_size)``, none counted twice."""
    k, s = kernel_size, stride
    total = ar.conv_output_length(source.num_samples, k, s)
    first, second = torch.zeros(k, dtype=torch.float64), torch.zeros(k, k, dtype=torch.float64)
    for j0 in range(0, total, per_read):
        j1 = min(total, j0 + per_read)
        x = source.read(j0 * s, (j1 - 1) * s + k).double()  # (samples,)
        windows = x.unfold(0, k, s)  # (j1 - j0, k)
        first += windows.sum(dim=0)  # (k,)
        second += windows.T @ windows  # (k, k)
        if progress is not None:
            progress.update(j1 - j0)
    return total, first, second


def conv_statistics(conv: nn.Conv1d, count: int, first: Tensor, second: Tensor) -> tuple[Tensor, Tensor]:
    """Per-channel mean and (biased) variance of a one-input-channel conv's output, float64, from the
    moments of its input windows (:func:`window_moments`).

    The conv is linear: output ``j`` of channel ``c`` is ``w_c . x_j + b_c``. So its mean over all
    outputs is ``w_c . m + b_c`` and its variance ``w_c^T Cov w_c``, where ``m`` and ``Cov`` are the
    mean and the population (``1/N``, as GroupNorm's biased variance) covariance of the windows
    ``x_j``: a ``k``-vector and a ``k x k`` matrix. The 512-channel conv never runs. ``Cov = E[x
    x^T] - m m^T`` is the one-pass formula, which loses digits when the mean is large against the
    spread; in float64, for audio in ``[-1, 1]``, its error (about ``1e-16 E[x^2]``) stays far below
    GroupNorm's ``eps = 1e-5``. The result is exact up to float64 rounding.

    Returns:
        ``(mean, var)``, float64 tensors ``[C]``.
    """
    m = first / count  # (k,)
    cov = second / count - torch.outer(m, m)  # (k, k), population (1/N) covariance
    w = conv.weight.detach()[:, 0].double()  # (C, k)
    mean = w @ m  # (C,)
    if conv.bias is not None:
        mean = mean + conv.bias.detach().double()
    var = ((w @ cov) * w).sum(dim=1)  # (C,): w_c^T Cov w_c for every channel c
    return mean, var


def layer0_statistics(extractor: nn.Module, source, chunk_frames: int, progress=None) -> tuple[Tensor, Tensor]:
    """Per-channel mean and (biased) variance of layer 0's conv output over the whole signal,
    float64 tensors ``[C]`` (:func:`conv_statistics` of the :func:`window_moments` of ``source``)."""
    block = extractor.conv_layers[0]
    k, s = block.kernel_size, block.stride
    per_read = chunk_frames * ar.hop_length(conv_config(extractor)) // s  # windows per read
    return conv_statistics(block.conv, *window_moments(source, k, s, per_read, progress))


# --- waveform normalization: the whole signal's mean and variance ----------------------------------

#: ``torch.nn.functional.layer_norm``'s default epsilon, which torchaudio's normalizing bundles use.
WAVEFORM_EPS = 1e-5


def waveform_moments(source, per_read: int, progress=None) -> tuple[float, float]:
    """Mean and (biased) variance of every sample of ``source``, summed in float64, ``per_read``
    samples at a time."""
    total, first, second = source.num_samples, 0.0, 0.0
    for start in range(0, total, per_read):
        x = source.read(start, min(total, start + per_read)).double()  # (samples,)
        first, second = first + float(x.sum()), second + float(x @ x)
        if progress is not None:
            progress.update(x.numel())
    mean = first / total
    return mean, max(second / total - mean * mean, 0.0)


class NormalizedSource(Source):
    """``source`` normalized with the whole signal's statistics: ``(x - mean) / sqrt(var + eps)``,
    what torchaudio's bundles compute with ``layer_norm(waveform, waveform.shape)``."""

    def __init__(self, source, mean: float, var: float, eps: float = WAVEFORM_EPS):
        self.source, self.num_samples = source, source.num_samples
        self.mean, self.rstd = mean, 1.0 / (var + eps) ** 0.5

    def read(self, start: int, stop: int) -> Tensor:
        return ((self.source.read(start, stop).double() - self.mean) * self.rstd).float()  # (samples,)

    def close(self) -> None:
        self.source.close()


class FrozenGroupNorm(nn.Module):
    """``GroupNorm(C, C)`` with its per-channel statistics fixed in advance.

    ``(x - mean) / sqrt(var + eps) * weight + bias`` is one affine map per channel, folded in
    float64 into ``x * scale + shift`` and applied with ``torch.addcmul(shift, x, scale)``
    (``shift + x * scale``). PyTorch's CPU GroupNorm kernel folds its statistics the same way
    (per channel ``scale = weight * rstd``, ``bias - mean * scale``). With the whole signal's
    statistics (:func:`layer0_statistics`) it normalizes any chunk as the GroupNorm does the
    whole signal. Statistics ``[B, C]`` (one row per batch item) normalize each item with its own:
    :func:`~w2v2_walkthrough.batching.exact_batch` uses them.

    Shape: ``(B, C, T)`` in and out; ``mean`` and ``var`` are ``[C]`` or ``[B, C]``.
    """

    def __init__(self, norm: nn.GroupNorm, mean: Tensor, var: Tensor):
        super().__init__()
        scale = norm.weight.detach().double() / torch.sqrt(var + norm.eps)  # (C,) or (B, C)
        shift = norm.bias.detach().double() - mean * scale  # (C,) or (B, C)
        self.register_buffer("scale", scale.float()[..., None])  # (C, 1) or (B, C, 1)
        self.register_buffer("shift", shift.float()[..., None])  # (C, 1) or (B, C, 1)

    def forward(self, x: Tensor) -> Tensor:
        return torch.addcmul(self.shift, x, self.scale)  # (B, C, T)


def with_frozen_statistics(block: nn.Module, mean: Tensor, var: Tensor) -> nn.Module:
    """A copy of layer 0's block whose GroupNorm is a :class:`FrozenGroupNorm` (mean, var)."""
    frozen = copy.deepcopy(block)  # layer 0 is small: 5,120 conv weights
    frozen.layer_norm = FrozenGroupNorm(block.layer_norm, mean, var)
    return frozen


# --- extraction ---------------------------------------------------------------------------------


def run_blocks(blocks, x: Tensor) -> Tensor:
    """The extractor's forward on one chunk, block by block: ``[time]`` -> ``[frames, C]``."""
    h = x[None, None]  # (1, 1, T)
    for block in blocks:
        h, _ = block(h, None)  # (1, C, T_layer)
    return h[0].T  # (frames, C)


def extract_chunked(
    extractor: nn.Module,
    signal,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    out=None,
    sample_rate: int = SAMPLE_RATE,
    progress: bool | None = None,
    multichannel: str = "error",
    normalize: bool = False,
) -> Tensor | np.ndarray:
    """The features of one long signal, equal to a full-utterance pass, in bounded memory.

    Args:
        extractor: a mirror or torchaudio ``FeatureExtractor`` (any preset, any weights).
        signal: mono audio ``[time]`` at 16 kHz, or the path of an audio file at any rate
            (resampled to 16 kHz while streaming; see :class:`~w2v2_walkthrough.audio.FileSource`).
        chunk_seconds: audio per chunk; memory grows with it (layer 0's output: 6.55 MB per second).
        out: optional array-like of shape ``[frames, C]`` to write into, chunk by chunk in order
            (a numpy array, a memmap, or an :class:`~w2v2_walkthrough.npy.NpyWriter`); by default a
            tensor is allocated.
        sample_rate: the rate of a tensor ``signal`` (must be 16 kHz).
        progress: show a tqdm bar; ``None`` shows one only when stderr is a terminal.
        multichannel: for files with several channels, ``"mean"`` or ``"first"``.
        normalize: first normalize the whole signal to zero mean and unit variance, as the
            ``get_model()`` of a torchaudio bundle whose ``_normalize_waveform`` is set does
            (``layer_norm(waveform, waveform.shape)``): the features then equal what that model
            feeds its feature extractor.

    Returns:
        ``out``, or a float32 tensor ``[frames, C]``.
    """
    check_sample_rate(sample_rate)
    check_norm_layout(extractor)
    shapes = conv_config(extractor)
    disable = None if progress is None else not progress
    group_norm = has_layer0_group_norm(extractor)
    passes = 1 + normalize + group_norm
    with open_source(signal, multichannel, sample_rate) as source:
        check_length(source.num_samples, SAMPLE_RATE, shapes)
        chunk_frames = chunk_frames_for(chunk_seconds, SAMPLE_RATE, shapes)
        total, channels = ar.num_frames(source.num_samples, shapes), shapes[-1][0]
        if out is None:
            out = torch.empty(total, channels)
        elif tuple(out.shape) != (total, channels):
            raise ValueError(f"out has shape {tuple(out.shape)}, expected {(total, channels)}.")
        step = 1
        if normalize:
            desc = f"pass {step}/{passes} (waveform mean and variance)"
            with tqdm(total=source.num_samples, desc=desc, unit="sample", disable=disable) as bar:
                per_read = chunk_frames * ar.hop_length(shapes)
                source = NormalizedSource(source, *waveform_moments(source, per_read, bar))
            step += 1
        blocks = list(extractor.conv_layers)
        if group_norm:
            windows = ar.layer_output_lengths(source.num_samples, shapes)[0]
            desc = f"pass {step}/{passes} (GroupNorm statistics)"
            with tqdm(total=windows, desc=desc, unit="window", disable=disable) as bar:
                mean, var = layer0_statistics(extractor, source, chunk_frames, bar)
            blocks[0] = with_frozen_statistics(blocks[0], mean, var)
            step += 1
        desc = f"pass {step}/{passes} (features)" if passes > 1 else "extracting"
        with tqdm(total=total, desc=desc, unit="frame", disable=disable) as bar, torch.inference_mode():
            for chunk in plan_chunks(source.num_samples, chunk_frames, shapes):
                y = run_blocks(blocks, source.read(chunk.start, chunk.stop))  # (frames, C)
                out[chunk.first_frame : chunk.end_frame] = y if isinstance(out, Tensor) else y.numpy()
                bar.update(chunk.end_frame - chunk.first_frame)
    return out


def peak_layer0_bytes(num_samples: int, shapes=None, bytes_per_value: int = 4) -> int:
    """Bytes of layer 0's output for a full pass over ``num_samples`` (the largest activation)."""
    out_channels = resolve_shapes(shapes)[0][0]
    return ar.layer_output_lengths(num_samples, shapes)[0] * out_channels * bytes_per_value
