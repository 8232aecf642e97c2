"""Exact feature extraction for audio of any length in bounded memory.

A full-utterance pass keeps layer 0's output, ``512 x samples / 5`` floats (about 6.5 MB per
second of audio, 23 GB per hour). Here the signal is cut into chunks using the arithmetic of
:mod:`w2v2_walkthrough.arithmetic`, so that every frame is computed from exactly the samples it
would see in the full pass:

* **layer_norm mode** is local in time. Chunk ``c`` produces frames ``[f0, f1)``; it starts at
  sample ``f0 * hop`` (a multiple of the hop, so every intermediate layer's grid lines up with
  the full pass) and needs ``(f1 - f0 - 1) * hop + receptive_field`` samples: consecutive chunks
  share ``receptive_field - hop`` samples (80 for wav2vec2).
* **group_norm mode** is not local: layer 0's ``GroupNorm(C, C)`` normalizes each channel with
  its mean and variance over the *whole* utterance. Pass 1 accumulates, in float64, the mean
  vector and second-moment matrix of layer 0's 10-sample input windows, from which every
  channel's mean and variance follow exactly because the conv is linear (see
  :func:`layer0_statistics`); pass 2 extracts chunk by chunk as above, normalizing layer 0 with
  those global statistics.

Sources are tensors or files read block by block with soundfile (the file never sits in memory
whole); output goes to a tensor or any array-like written chunk by chunk in order (a numpy
array or memmap, or :class:`NpyWriter`, which keeps memory flat however long the output).
"""

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from . import arithmetic as ar
from .audio import check_channels, open_audio, to_mono
from .extraction import conv_config
from .presets import SAMPLE_RATE
from .validation import check_length, check_sample_rate, check_waveform

DEFAULT_CHUNK_SECONDS = 30.0


# --- sources ----------------------------------------------------------------------------------


class TensorSource:
    """A mono signal held in memory, ``[time]``."""

    def __init__(self, waveform: Tensor):
        self.waveform = waveform
        self.num_samples = waveform.numel()

    def read(self, start: int, stop: int) -> Tensor:
        return self.waveform[start:stop]


class FileSource:
    """A mono 16 kHz audio file read block by block with soundfile."""

    def __init__(self, path: str | Path, multichannel: str = "error"):
        self.path = Path(path)
        self.multichannel = multichannel
        self._file = open_audio(self.path)
        if self._file.samplerate != SAMPLE_RATE:
            rate = self._file.samplerate
            self._file.close()
            raise ValueError(
                f"{self.path} is at {rate} Hz; chunked extraction streams the file as it is and needs "
                f"{SAMPLE_RATE} Hz. Resample it once first, e.g. `sox {self.path.name} -r {SAMPLE_RATE} out.wav`, "
                f"or for a file that fits in memory: w2v2_walkthrough.load_audio(path) (resamples) and pass the tensor."
            )
        try:
            check_channels(self._file.channels, multichannel, str(self.path))
        except ValueError:
            self._file.close()
            raise
        self.num_samples = self._file.frames

    def read(self, start: int, stop: int) -> Tensor:
        self._file.seek(start)
        block = self._file.read(stop - start, dtype="float32", always_2d=True)
        mono = to_mono(block, self.multichannel, str(self.path))
        x = torch.from_numpy(np.ascontiguousarray(mono))
        if not torch.isfinite(x).all():
            raise ValueError(f"{self.path} contains NaN or infinite samples between samples {start} and {stop}.")
        return x

    def close(self) -> None:
        self._file.close()


def as_source(signal, multichannel: str = "error"):
    if isinstance(signal, (str, Path)):
        return FileSource(signal, multichannel)
    waveform = check_waveform(signal)
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
    """Split the frames of a ``num_samples`` signal into runs of ``chunk_frames`` and say which
    samples each run needs. Derived from the arithmetic: start ``= f0 * hop``, length
    ``= (f1 - f0 - 1) * hop + receptive_field``."""
    if chunk_frames < 1:
        raise ValueError(f"chunk_frames must be >= 1, got {chunk_frames}")
    hop, rf = ar.hop_length(shapes), ar.receptive_field(shapes)
    total = ar.num_frames(num_samples, shapes)
    for f0 in range(0, total, chunk_frames):
        f1 = min(total, f0 + chunk_frames)
        yield Chunk(f0, f1, f0 * hop, (f1 - 1) * hop + rf)


def chunk_frames_for(chunk_seconds: float, sample_rate: int = SAMPLE_RATE, shapes=None) -> int:
    frames = int(chunk_seconds * sample_rate // ar.hop_length(shapes))
    if frames < 1:
        hop_ms = ar.samples_to_ms(ar.hop_length(shapes), sample_rate)
        raise ValueError(f"chunk_seconds={chunk_seconds} is shorter than one hop ({hop_ms:g} ms).")
    return frames


# --- group norm statistics -------------------------------------------------------------------------


def _is_group_norm(extractor: nn.Module) -> bool:
    norms = [b.layer_norm for b in extractor.conv_layers]
    if any(isinstance(n, nn.GroupNorm) for n in norms[1:]):
        raise ValueError("Only a GroupNorm in the first layer is supported (torchaudio's group_norm mode).")
    return isinstance(norms[0], nn.GroupNorm)


def layer0_statistics(extractor: nn.Module, source, chunk_frames: int, progress=None) -> tuple[Tensor, Tensor]:
    """Per-channel mean and (biased) variance of layer 0's conv output over the whole signal, float64.

    Layer 0's conv is linear: output ``j`` of channel ``c`` is ``w_c . x_j + b_c``, where ``x_j`` is
    the window of ``k`` samples starting at ``j * s``. So its mean over all outputs is
    ``w_c . m + b_c`` and its variance ``w_c^T Cov w_c``, where ``m`` and ``Cov`` are the mean and
    covariance of the windows ``x_j``: a ``k``-vector and a ``k x k`` matrix. Pass 1 therefore only
    accumulates ``sum x_j`` and ``sum x_j x_j^T`` in float64, chunk by chunk (outputs ``[j0, j1)``
    need samples ``[j0 * s, (j1 - 1) * s + k)``; no window is counted twice), and never runs the
    512-channel conv at all.
    """
    block = extractor.conv_layers[0]
    k, s = block.kernel_size, block.stride
    total = ar.conv_output_length(source.num_samples, k, s)
    per_chunk = chunk_frames * ar.hop_length(conv_config(extractor)) // s
    first = torch.zeros(k, dtype=torch.float64)
    second = torch.zeros(k, k, dtype=torch.float64)
    for j0 in range(0, total, per_chunk):
        j1 = min(total, j0 + per_chunk)
        windows = source.read(j0 * s, (j1 - 1) * s + k).double().unfold(0, k, s)  # [j1 - j0, k]
        first += windows.sum(dim=0)
        second += windows.T @ windows
        if progress is not None:
            progress.update(j1 - j0)
    m = first / total
    cov = second / total - torch.outer(m, m)
    weight = block.conv.weight.detach()[:, 0].double()  # [C, k]
    mean = weight @ m
    if block.conv.bias is not None:
        mean = mean + block.conv.bias.detach().double()
    var = ((weight @ cov) * weight).sum(dim=1)
    return mean, var


def _layer0_scale_shift(block, mean: Tensor, var: Tensor) -> tuple[Tensor, Tensor]:
    """GroupNorm as one affine map per channel: ``y = x * scale + shift`` (computed in float64)."""
    norm = block.layer_norm
    scale = norm.weight.double() / torch.sqrt(var + norm.eps)
    shift = norm.bias.double() - mean * scale
    return scale.float()[:, None], shift.float()[:, None]


def _run_chunk(extractor: nn.Module, x: Tensor, scale_shift) -> Tensor:
    """``[time]`` -> ``[frames, C]``; with ``scale_shift``, layer 0's GroupNorm uses the global statistics."""
    with torch.no_grad():
        if scale_shift is None:
            return extractor(x[None], None)[0][0]
        first, *rest = extractor.conv_layers
        scale, shift = scale_shift
        h = nn.functional.gelu(torch.addcmul(shift, first.conv(x[None, None])[0], scale)[None])
        for block in rest:
            h, _ = block(h, None)
        return h[0].transpose(0, 1)


def _progress_bar(progress: bool | None, total: int, desc: str):
    if progress is None:
        progress = sys.stderr.isatty()
    if not progress:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="frame")


def extract_chunked(
    extractor: nn.Module,
    signal,
    chunk_seconds: float = DEFAULT_CHUNK_SECONDS,
    out=None,
    sample_rate: int = SAMPLE_RATE,
    progress: bool | None = None,
    multichannel: str = "error",
) -> Tensor | np.ndarray:
    """The features of one long signal, equal to a full-utterance pass, in bounded memory.

    Args:
        extractor: a mirror or torchaudio ``FeatureExtractor`` (any preset, any weights).
        signal: mono audio ``[time]`` at 16 kHz, or the path of a 16 kHz audio file.
        chunk_seconds: audio per chunk; memory grows with it (~6.5 MB per second for layer 0).
        out: optional array-like of shape ``[frames, C]`` to write into, chunk by chunk in order
            (a numpy array, a memmap, or an :class:`NpyWriter`); by default a tensor is allocated.
        progress: show a tqdm bar; ``None`` shows one only when stderr is a terminal.

    Returns:
        ``out``, or a float32 tensor ``[frames, C]``.
    """
    check_sample_rate(sample_rate)
    shapes = conv_config(extractor)
    source = as_source(signal, multichannel)
    try:
        check_length(source.num_samples, sample_rate, shapes)
        chunk_frames = chunk_frames_for(chunk_seconds, sample_rate, shapes)
        total = ar.num_frames(source.num_samples, shapes)
        if out is None:
            out = torch.empty(total, shapes[-1][0])
        elif tuple(out.shape) != (total, shapes[-1][0]):
            raise ValueError(f"out has shape {tuple(out.shape)}, expected {(total, shapes[-1][0])}.")
        stats = None
        if _is_group_norm(extractor):
            bar = _progress_bar(
                progress,
                ar.conv_output_length(
                    source.num_samples, extractor.conv_layers[0].kernel_size, extractor.conv_layers[0].stride
                ),
                "pass 1/2 (GroupNorm statistics)",
            )
            stats = _layer0_scale_shift(
                extractor.conv_layers[0], *layer0_statistics(extractor, source, chunk_frames, bar)
            )
            if bar is not None:
                bar.close()
        bar = _progress_bar(progress, total, "extracting" if stats is None else "pass 2/2 (features)")
        for chunk in plan_chunks(source.num_samples, chunk_frames, shapes):
            y = _run_chunk(extractor, source.read(chunk.start, chunk.stop), stats)
            assert y.shape[0] == chunk.end_frame - chunk.first_frame
            out[chunk.first_frame : chunk.end_frame] = y if isinstance(out, torch.Tensor) else y.numpy()
            if bar is not None:
                bar.update(y.shape[0])
        if bar is not None:
            bar.close()
        return out
    finally:
        if isinstance(source, FileSource):
            source.close()


class NpyWriter:
    """Write a ``.npy`` file front to back, one block of rows at a time.

    Unlike a memmap, written rows do not stay mapped into the process, so its memory does not
    grow with the output. Accepts ``writer[start:stop] = rows`` for consecutive slices only.
    """

    def __init__(self, path: str | Path, shape: tuple[int, int], dtype=np.float32):
        self.shape, self.dtype, self._next = tuple(shape), np.dtype(dtype), 0
        self._file = open(path, "wb")  # noqa: SIM115 (kept open across writes; closed by close() or __exit__)
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False, "shape": self.shape}
        np.lib.format.write_array_header_1_0(self._file, header)

    def __setitem__(self, rows: slice, values) -> None:
        if rows.start != self._next or rows.stop > self.shape[0]:
            raise ValueError(f"NpyWriter writes rows in order: expected a slice starting at {self._next}, got {rows}")
        block = np.ascontiguousarray(values, dtype=self.dtype)
        if block.shape != (rows.stop - rows.start, *self.shape[1:]):
            raise ValueError(f"block of shape {block.shape} does not fit rows {rows.start}:{rows.stop}")
        self._file.write(block.tobytes())
        self._next = rows.stop

    def close(self) -> None:
        self._file.close()
        if self._next != self.shape[0]:
            raise ValueError(f"NpyWriter closed after {self._next} of {self.shape[0]} rows")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if exc[0] is None:
            self.close()
        else:
            self._file.close()


def peak_layer0_bytes(num_samples: int, shapes=None, bytes_per_value: int = 4) -> int:
    """Bytes of layer 0's output for a full pass over ``num_samples`` (the largest activation)."""
    out_channels, k, s = next(iter(ar.DEFAULT_SHAPES if shapes is None else shapes))
    return ar.conv_output_length(num_samples, k, s) * out_channels * bytes_per_value
