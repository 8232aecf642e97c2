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
  its mean and variance over the *whole* utterance. Pass 1 runs layer 0's conv chunk by chunk and
  accumulates those statistics (float64, merged with Chan's parallel formula); pass 2 extracts
  chunk by chunk as above, normalizing layer 0 with the global statistics.

Sources are tensors or files read block by block with soundfile (the file never sits in memory
whole); output goes to a tensor or any array-like (e.g. a ``numpy.memmap``) written chunk by chunk.
"""

import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional, Tuple, Union

import numpy as np
import torch
from torch import Tensor, nn

from . import arithmetic as ar
from .audio import open_audio, to_mono
from .extraction import conv_config
from .presets import SAMPLE_RATE
from .validation import check_sample_rate, check_waveform

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

    def __init__(self, path: Union[str, Path], multichannel: str = "error"):
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
        if self._file.channels > 1 and multichannel == "error":
            to_mono(np.zeros((1, self._file.channels), np.float32), multichannel, str(self.path))  # raises
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
        raise ValueError(f"Chunked extraction takes one signal, got a batch of {waveform.shape[0]}: loop over the batch.")
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
        raise ValueError(
            f"chunk_seconds={chunk_seconds} is shorter than one hop ({ar.samples_to_ms(ar.hop_length(shapes), sample_rate):g} ms)."
        )
    return frames


# --- group norm statistics -------------------------------------------------------------------------


def _is_group_norm(extractor: nn.Module) -> bool:
    norms = [b.layer_norm for b in extractor.conv_layers]
    if any(isinstance(n, nn.GroupNorm) for n in norms[1:]):
        raise ValueError("Only a GroupNorm in the first layer is supported (torchaudio's group_norm mode).")
    return isinstance(norms[0], nn.GroupNorm)


def layer0_statistics(extractor: nn.Module, source, chunk_frames: int, progress=None) -> Tuple[Tensor, Tensor]:
    """Per-channel mean and (biased) variance of layer 0's conv output over the whole signal, float64.

    Layer 0's outputs ``[j0, j1)`` need samples ``[j0 * s, (j1 - 1) * s + k)``; chunks of outputs
    never overlap, so each output is counted exactly once.
    """
    block = extractor.conv_layers[0]
    k, s = block.kernel_size, block.stride
    total = ar.conv_output_length(source.num_samples, k, s)
    per_chunk = chunk_frames * ar.hop_length(conv_config(extractor)) // s
    count, mean, m2 = 0, None, None
    for j0 in range(0, total, per_chunk):
        j1 = min(total, j0 + per_chunk)
        with torch.no_grad():
            y = block.conv(source.read(j0 * s, (j1 - 1) * s + k)[None, None])[0].double()  # [C, j1 - j0]
        n_b, mean_b = y.shape[1], y.mean(dim=1)
        m2_b = (y - mean_b[:, None]).square().sum(dim=1)
        if mean is None:
            count, mean, m2 = n_b, mean_b, m2_b
        else:  # Chan et al.'s pairwise merge of (count, mean, M2)
            delta = mean_b - mean
            new_count = count + n_b
            mean = mean + delta * n_b / new_count
            m2 = m2 + m2_b + delta.square() * count * n_b / new_count
            count = new_count
        if progress is not None:
            progress.update(j1 - j0)
    return mean, m2 / count


def _normalize_layer0(block, x: Tensor, mean: Tensor, var: Tensor) -> Tensor:
    norm = block.layer_norm
    y = (x.double() - mean[:, None]) / torch.sqrt(var[:, None] + norm.eps)
    return (y * norm.weight.double()[:, None] + norm.bias.double()[:, None]).to(x.dtype)


def _run_chunk(extractor: nn.Module, x: Tensor, stats) -> Tensor:
    """``[time]`` -> ``[frames, C]``; with ``stats``, layer 0's GroupNorm uses them instead of its own."""
    with torch.no_grad():
        if stats is None:
            return extractor(x[None], None)[0][0]
        first, *rest = extractor.conv_layers
        h = first.conv(x[None, None])
        h = nn.functional.gelu(_normalize_layer0(first, h[0], *stats)[None])
        for block in rest:
            h, _ = block(h, None)
        return h[0].transpose(0, 1)


def _progress_bar(progress: Optional[bool], total: int, desc: str):
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
    progress: Optional[bool] = None,
    multichannel: str = "error",
) -> Union[Tensor, np.ndarray]:
    """The features of one long signal, equal to a full-utterance pass, in bounded memory.

    Args:
        extractor: a mirror or torchaudio ``FeatureExtractor`` (any preset, any weights).
        signal: mono audio ``[time]`` at 16 kHz, or the path of a 16 kHz audio file.
        chunk_seconds: audio per chunk; memory grows with it (~6.5 MB per second for layer 0).
        out: optional array-like of shape ``[frames, C]`` (e.g. ``numpy.lib.format.open_memmap``)
            to write into; by default a tensor is allocated.
        progress: show a tqdm bar; ``None`` shows one only when stderr is a terminal.

    Returns:
        ``out``, or a float32 tensor ``[frames, C]``.
    """
    check_sample_rate(sample_rate)
    shapes = conv_config(extractor)
    source = as_source(signal, multichannel)
    try:
        rf = ar.receptive_field(shapes)
        if source.num_samples < rf:
            check_waveform(torch.zeros(source.num_samples), sample_rate, shapes)  # raises the clear error
        chunk_frames = chunk_frames_for(chunk_seconds, sample_rate, shapes)
        total = ar.num_frames(source.num_samples, shapes)
        if out is None:
            out = torch.empty(total, shapes[-1][0])
        elif tuple(out.shape) != (total, shapes[-1][0]):
            raise ValueError(f"out has shape {tuple(out.shape)}, expected {(total, shapes[-1][0])}.")
        stats = None
        if _is_group_norm(extractor):
            bar = _progress_bar(progress, ar.conv_output_length(source.num_samples, extractor.conv_layers[0].kernel_size,
                                                                 extractor.conv_layers[0].stride), "pass 1/2 (GroupNorm statistics)")
            stats = layer0_statistics(extractor, source, chunk_frames, bar)
            if bar is not None:
                bar.close()
        bar = _progress_bar(progress, total, "extracting" if stats is None else "pass 2/2 (features)")
        for chunk in plan_chunks(source.num_samples, chunk_frames, shapes):
            y = _run_chunk(extractor, source.read(chunk.start, chunk.stop), stats)
            assert y.shape[0] == chunk.end_frame - chunk.first_frame
            out[chunk.first_frame : chunk.end_frame] = y.numpy() if isinstance(out, np.ndarray) else y
            if bar is not None:
                bar.update(y.shape[0])
        if bar is not None:
            bar.close()
        return out
    finally:
        if isinstance(source, FileSource):
            source.close()


def peak_layer0_bytes(num_samples: int, shapes=None, bytes_per_value: int = 4) -> int:
    """Bytes of layer 0's output for a full pass over ``num_samples`` (the largest activation)."""
    out_channels, k, s = list(ar.DEFAULT_SHAPES if shapes is None else shapes)[0]
    return ar.conv_output_length(num_samples, k, s) * out_channels * bytes_per_value
