"""Figures for the series. Every function returns a ``matplotlib.figure.Figure``; none calls ``show``.

Time axes are in milliseconds, frequency in Hz; activation heatmaps place each layer's outputs
at their exact centres in time (see :mod:`w2v2_walkthrough.arithmetic`) so that every row lines
up with the waveform above it.
"""

from collections.abc import Sequence

import numpy as np
import torch
from matplotlib.figure import Figure
from torch import Tensor

from . import arithmetic as ar
from .filters import frequency_responses
from .presets import SAMPLE_RATE, Shape
from .style import DIVERGING_CMAP, HEATMAP_CMAP, OKABE_ITO, new_figure, styled
from .tracing import Trace


def _ms_axis(num_samples: int, sample_rate: int) -> np.ndarray:
    return np.arange(num_samples) * 1000.0 / sample_rate


def _draw_waveform(ax, waveform: Tensor, sample_rate: int) -> None:
    ax.plot(_ms_axis(waveform.numel(), sample_rate), waveform.detach().cpu().numpy(), color=OKABE_ITO[0], lw=0.8)
    ax.set_xlabel("time (ms)")
    ax.set_ylabel("amplitude")
    ax.set_xlim(0, 1000.0 * waveform.numel() / sample_rate)


@styled
def plot_waveform(
    waveform: Tensor,
    sample_rate: int = SAMPLE_RATE,
    shapes: Sequence[Shape] | None = None,
    show_frames: bool = True,
    title: str = "Waveform and its frame grid",
) -> Figure:
    """The waveform ``[time]`` with the frame grid: a tick at every frame's start and centre."""
    fig = new_figure(3.2)
    ax = fig.add_subplot()
    _draw_waveform(ax, waveform, sample_rate)
    if show_frames:
        n = ar.num_frames(waveform.numel(), shapes)
        for i in range(n):
            ax.axvline(ar.samples_to_ms(ar.frame_start(i, shapes), sample_rate), color="0.75", lw=0.6, zorder=0)
        centres = ar.frame_times_ms(n, sample_rate, shapes, where="center")
        ymin = float(waveform.min())
        ax.plot(centres, [ymin * 1.1] * n, "|", color=OKABE_ITO[3], ms=8, label=f"{n} frame centres")
        ax.legend(loc="upper right")
    ax.set_title(title)
    return fig


def _spectrogram_db(waveform: Tensor, n_fft: int = 400, hop: int = 160) -> Tensor:
    window = torch.hann_window(n_fft)
    spec = torch.stft(waveform, n_fft, hop, window=window, center=True, return_complex=True).abs() ** 2
    return 10 * torch.log10(spec + 1e-10)


@styled
def plot_activations(
    trace: Trace,
    stage: str = "gelu",
    sample_rate: int = SAMPLE_RATE,
    item: int = 0,
    channels: int = 64,
    title: str | None = None,
) -> Figure:
    """Waveform, spectrogram, then one heatmap per layer (first ``channels`` channels), aligned in time.

    Each layer's output ``j`` is drawn at its exact centre ``j * jump + (rf - 1) / 2`` samples.
    """
    waveform = trace.waveform[item]
    table = ar.receptive_field_table(trace.conv_config)
    n_layers = len(trace.layers)
    fig = new_figure(2.0 + 1.1 * (n_layers + 2))
    axes = fig.subplots(n_layers + 2, 1, sharex=True, gridspec_kw={"height_ratios": [1.2, 1.2] + [1] * n_layers})
    _draw_waveform(axes[0], waveform, sample_rate)
    axes[0].set_xlabel("")
    spec = _spectrogram_db(waveform)
    duration_ms = 1000.0 * waveform.numel() / sample_rate
    axes[1].imshow(
        spec.numpy(),
        origin="lower",
        aspect="auto",
        cmap="magma",
        extent=[0, duration_ms, 0, sample_rate / 2],
        vmin=float(spec.max()) - 80,
    )
    axes[1].set_ylabel("Hz")
    for ax, layer, geo in zip(axes[2:], trace.layers, table, strict=True):
        act = layer.stage(stage)
        if act is None:
            ax.text(
                0.5, 0.5, f"layer {layer.index}: no {stage} stage", transform=ax.transAxes, ha="center", va="center"
            )
            ax.set_yticks([])
            continue
        act = act[item, :channels].numpy()
        first = ar.samples_to_ms((geo.receptive_field - 1) / 2, sample_rate)
        step = ar.samples_to_ms(geo.jump, sample_rate)
        left, right = first - step / 2, first + step * (act.shape[1] - 0.5)
        lo, hi = np.quantile(act, [0.01, 0.99])  # robust limits: a few extreme values must not wash out the rest
        if hi <= lo:  # mostly constant (e.g. silence around an impulse): fall back to the full range
            lo, hi = float(act.min()), float(act.max())
        ax.imshow(
            act,
            aspect="auto",
            origin="lower",
            cmap=HEATMAP_CMAP,
            extent=[left, right, 0, act.shape[0]],
            interpolation="nearest",
            vmin=lo,
            vmax=hi,
        )
        ax.set_ylabel(f"L{layer.index}\nch", rotation=0, ha="right", va="center")
        ax.set_yticks([])
    axes[-1].set_xlabel("time (ms)")
    axes[0].set_xlim(0, duration_ms)
    fig.suptitle(
        title or f"Activations after {stage}, layer by layer ({channels} channels each), aligned with the audio"
    )
    return fig


@styled
def plot_frame_spans(
    waveform: Tensor,
    frames: Sequence[int],
    sample_rate: int = SAMPLE_RATE,
    shapes: Sequence[Shape] | None = None,
    title: str = "The samples each frame sees",
) -> Figure:
    """The waveform with the span ``[start, end)`` of each chosen frame shaded and its centre marked."""
    fig = new_figure(3.4)
    ax = fig.add_subplot()
    _draw_waveform(ax, waveform, sample_rate)
    for n, i in enumerate(frames):
        start, end = ar.frame_span(i, shapes)
        colour = OKABE_ITO[(n + 1) % len(OKABE_ITO)]
        ax.axvspan(
            ar.samples_to_ms(start, sample_rate),
            ar.samples_to_ms(end, sample_rate),
            color=colour,
            alpha=0.25,
            label=f"frame {i}: samples [{start}, {end})",
        )
        ax.axvline(ar.samples_to_ms(ar.frame_center(i, shapes), sample_rate), color=colour, ls="--", lw=1)
    ax.legend(loc="upper right")
    ax.set_title(title)
    return fig


@styled
def plot_gradient_span(
    grad: Tensor,
    span: Sequence[int],
    sample_rate: int = SAMPLE_RATE,
    title: str = "Which input samples move one output frame",
    zoom: int = 120,
) -> Figure:
    """``|d frame / d sample|`` over the input, with the computed span ``[start, end)`` marked."""
    g = grad.detach().abs().cpu().numpy()
    start, end = span
    lo, hi = max(0, start - zoom), min(len(g), end + zoom)
    fig = new_figure(3.2)
    ax = fig.add_subplot()
    x = np.arange(lo, hi)
    ax.fill_between(x, g[lo:hi], color=OKABE_ITO[0], step="mid", alpha=0.7, label="|gradient|")
    ax.axvline(start, color=OKABE_ITO[3], ls="--", label=f"computed span [{start}, {end})")
    ax.axvline(end - 1, color=OKABE_ITO[3], ls="--")
    ax.set_xlabel("input sample index")
    ax.set_ylabel("|gradient|")
    ax.set_title(title)
    ax.legend(loc="upper right")
    return fig


@styled
def plot_norm_statistics(x: Tensor, title: str = "Statistics of a conv output", item: int = 0) -> Figure:
    """Mean and standard deviation of ``x[item]`` (``[channels, frames]``) per channel (over time) and
    per frame (over channels) — the two axes the two norms use."""
    a = x[item].detach().cpu()
    fig = new_figure(3.4)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.plot(a.mean(dim=1).numpy(), label="mean", lw=0.8)
    ax1.plot(a.std(dim=1, unbiased=False).numpy(), label="std", lw=0.8)
    ax1.set_xlabel("channel")
    ax1.set_ylabel("value")
    ax1.set_title("per channel, over time")
    ax1.legend()
    ax2.plot(a.mean(dim=0).numpy(), label="mean", lw=0.8)
    ax2.plot(a.std(dim=0, unbiased=False).numpy(), label="std", lw=0.8)
    ax2.set_xlabel("frame")
    ax2.set_ylabel("value")
    ax2.set_title("per frame, over channels")
    ax2.legend()
    fig.suptitle(title)
    return fig


@styled
def plot_layer_statistics(trace: Trace, item: int = 0, title: str = "Per-layer statistics") -> Figure:
    """Mean, standard deviation and share of positive values of every layer's stages."""
    fig = new_figure(3.4)
    ax1, ax2 = fig.subplots(1, 2)
    idx = [layer.index for layer in trace.layers]
    for stage, marker in (("conv", "o"), ("norm", "s"), ("gelu", "^")):
        rows = [(layer.index, layer.stage(stage)[item]) for layer in trace.layers if layer.stage(stage) is not None]
        if not rows:
            continue
        xs = [i for i, _ in rows]
        ax1.plot(xs, [float(t.std()) for _, t in rows], marker=marker, label=f"{stage} std")
        ax2.plot(xs, [float((t > 0).float().mean()) for _, t in rows], marker=marker, label=f"{stage} share > 0")
    for ax in (ax1, ax2):
        ax.set_xticks(idx)
        ax.set_xlabel("layer")
        ax.legend()
    ax1.set_ylabel("standard deviation")
    ax1.set_yscale("log")
    ax2.set_ylabel("share of values > 0")
    ax2.set_ylim(0, 1)
    fig.suptitle(title)
    return fig


@styled
def plot_filters(
    weight: Tensor, sample_rate: int = SAMPLE_RATE, count: int = 8, n_fft: int = 512, title: str = "First-layer filters"
) -> Figure:
    """The first ``count`` kernels of a ``[out, 1, k]`` conv weight and their magnitude responses (dB)."""
    w = weight[:count, 0].detach().cpu()
    freqs, resp = frequency_responses(weight[:count], sample_rate, n_fft)
    db = 20 * torch.log10(resp / resp.max(dim=1, keepdim=True).values + 1e-8)
    fig = new_figure(3.6)
    ax1, ax2 = fig.subplots(1, 2)
    for i in range(w.shape[0]):
        ax1.plot(np.arange(w.shape[1]), w[i].numpy(), marker=".", label=f"ch {i}")
        ax2.plot(freqs.numpy(), db[i].numpy(), lw=1)
    ax1.set_xlabel("tap (samples)")
    ax1.set_ylabel("weight")
    ax1.set_title(f"kernels ({w.shape[1]} taps = {ar.samples_to_ms(w.shape[1], sample_rate):g} ms)")
    ax2.set_xlabel("frequency (Hz)")
    ax2.set_ylabel("gain (dB, per filter max = 0)")
    ax2.set_ylim(-40, 2)
    ax2.set_title("frequency responses")
    fig.suptitle(title)
    return fig


@styled
def plot_frame_differences(
    diff: Tensor,
    valid_frames: int | None = None,
    hop_ms: float = 20.0,
    title: str = "Where the features change",
    ylabel: str = "max |difference|",
) -> Figure:
    """A per-frame difference (log scale), e.g. of a clip alone vs inside a padded batch."""
    d = diff.detach().cpu().numpy()
    fig = new_figure(3.2)
    ax = fig.add_subplot()
    ax.semilogy(np.arange(len(d)), np.maximum(d, 1e-12), marker=".", lw=0.8)
    if valid_frames is not None:
        ax.axvline(valid_frames - 0.5, color=OKABE_ITO[3], ls="--", label="last valid frame")
        ax.legend()
    ax.set_xlabel(f"frame (hop {hop_ms:g} ms)")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig


@styled
def plot_heatmap(
    values: Tensor, xlabel: str, ylabel: str, title: str, extent=None, cmap: str = DIVERGING_CMAP
) -> Figure:
    """A labelled heatmap of a 2-D tensor (e.g. features ``[frame, feature]`` transposed)."""
    fig = new_figure(3.6)
    ax = fig.add_subplot()
    im = ax.imshow(
        values.detach().cpu().numpy(), aspect="auto", origin="lower", cmap=cmap, extent=extent, interpolation="nearest"
    )
    fig.colorbar(im, ax=ax)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig
