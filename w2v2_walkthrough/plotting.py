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
from .filters import frequency_responses, peak_frequencies, power_spectra
from .presets import SAMPLE_RATE, ConvSpec
from .style import HEATMAP_CMAP, OKABE_ITO, new_figure, styled
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
    shapes: Sequence[ConvSpec] | None = None,
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
    """Power in dB, ``[freq, column]``. ``center=True`` pads ``n_fft // 2`` samples on each side, so
    column ``j``'s window peaks on sample ``j * hop``: its time is ``j * hop``, not ``(j + 0.5) * hop``."""
    window = torch.hann_window(n_fft)
    spec = torch.stft(waveform, n_fft, hop, window=window, center=True, return_complex=True).abs() ** 2
    return 10 * torch.log10(spec + 1e-10)


def _heatmap_grid(fig: Figure, height_ratios: Sequence[float]):
    """A column of axes sharing the time axis, each with a slot for its colourbar on the right.

    Returns ``(axes, caxes)``; the colourbar column has the same width in every row so that the
    time axes line up.
    """
    grid = fig.add_gridspec(len(height_ratios), 2, width_ratios=[1, 0.015], height_ratios=list(height_ratios))
    axes = [fig.add_subplot(grid[0, 0])]
    axes += [fig.add_subplot(grid[i, 0], sharex=axes[0]) for i in range(1, len(height_ratios))]
    caxes = [fig.add_subplot(grid[i, 1]) for i in range(len(height_ratios))]
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    return axes, caxes


def _draw_positions(ax, cax, act: np.ndarray, geo, sample_rate: int, label: str) -> None:
    """One layer's ``[channels, positions]`` as a heatmap, each position at its exact centre in
    time, with a labelled channel axis and a colourbar of the value: limits at the 1st and 99th
    percentile of the values that differ from the median (the background), and the median."""
    first = ar.samples_to_ms((geo.receptive_field - 1) / 2, sample_rate)
    step = ar.samples_to_ms(geo.jump, sample_rate)
    left, right = first - step / 2, first + step * (act.shape[1] - 0.5)
    background = float(np.median(act))
    varied = act[act != background]  # silence around an impulse must not set the scale
    lo, hi = np.quantile(varied if varied.size else act, [0.01, 0.99])  # robust to a few extremes
    lo, hi = min(lo, background), max(hi, background)
    if hi <= lo:  # constant
        lo, hi = lo - 0.5, hi + 0.5
    image = ax.imshow(
        act,
        aspect="auto",
        origin="lower",
        cmap=HEATMAP_CMAP,
        extent=[left, right, 0, act.shape[0]],
        interpolation="nearest",
        vmin=lo,
        vmax=hi,
    )
    ax.set_ylabel(label, rotation=0, ha="right", va="center")
    ax.set_yticks([0.5, act.shape[0] - 0.5], ["0", str(act.shape[0] - 1)])
    fig = ax.get_figure()
    fig.colorbar(image, cax=cax)
    cax.tick_params(labelsize=8)


def _finish_time_axes(axes, caxes, duration_ms: float, xlim_ms, marks_ms: Sequence[float]) -> None:
    axes[-1].set_xlabel("time (ms)")
    axes[0].set_xlim(*(xlim_ms or (0, duration_ms)))
    caxes[0].set_axis_off()  # the waveform row has no colour scale
    for ms in marks_ms:
        for ax in axes:
            ax.axvline(ms, color=OKABE_ITO[3], ls="--", lw=1)


@styled
def plot_activations(
    trace: Trace,
    stage: str = "gelu",
    sample_rate: int = SAMPLE_RATE,
    item: int = 0,
    channels: int = 64,
    title: str | None = None,
    xlim_ms: tuple[float, float] | None = None,
    marks_ms: Sequence[float] = (),
    frame_spans: Sequence[int] = (),
) -> Figure:
    """Waveform, spectrogram, then one heatmap per layer (first ``channels`` channels), aligned in time.

    Each layer's position ``j`` is drawn at its exact centre ``j * jump + (rf - 1) / 2`` samples,
    one ``jump`` wide; every heatmap has its own colourbar (robust limits, see ``_draw_positions``).
    The time axis is absolute: ``xlim_ms`` zooms in on a part of the trace without shifting the
    grid, and a dashed line marks each time in ``marks_ms``. For each frame index in
    ``frame_spans``, the last layer's row outlines the span of samples that frame reads (25 ms for
    wav2vec2), labelled with the frame's index.
    """
    waveform = trace.waveform[item]
    table = ar.receptive_field_table(trace.conv_config)
    n_layers = len(trace.layers)
    fig = new_figure(2.0 + 1.1 * (n_layers + 2))
    axes, caxes = _heatmap_grid(fig, [1.2, 1.2] + [1] * n_layers)
    _draw_waveform(axes[0], waveform, sample_rate)
    axes[0].set_xlabel("")
    hop = 160
    spec = _spectrogram_db(waveform, hop=hop)  # column j centred on sample j * hop
    duration_ms = 1000.0 * waveform.numel() / sample_rate
    half_hop_ms = ar.samples_to_ms(hop / 2, sample_rate)  # each column drawn hop wide around its time
    image = axes[1].imshow(
        spec.numpy(),
        origin="lower",
        aspect="auto",
        cmap="magma",
        extent=[-half_hop_ms, ar.samples_to_ms(hop * spec.shape[1], sample_rate) - half_hop_ms, 0, sample_rate / 2],
        vmin=float(spec.max()) - 80,
    )
    axes[1].set_ylabel("Hz")
    fig.colorbar(image, cax=caxes[1], label="dB")
    for ax, cax, layer, geo in zip(axes[2:], caxes[2:], trace.layers, table, strict=True):
        act = layer.stage(stage)
        if act is None:
            ax.text(
                0.5, 0.5, f"layer {layer.index}: no {stage} stage", transform=ax.transAxes, ha="center", va="center"
            )
            ax.set_yticks([])
            cax.set_axis_off()
            continue
        _draw_positions(ax, cax, act[item, :channels].numpy(), geo, sample_rate, f"layer {layer.index}\nchannel")
    _finish_time_axes(axes, caxes, duration_ms, xlim_ms, marks_ms)
    for k, n in enumerate(frame_spans):  # what each marked frame reads, not where it is drawn
        start, stop = (ar.samples_to_ms(t, sample_rate) for t in ar.frame_span(n, trace.conv_config))
        low, high = (0.02, 0.98) if k % 2 == 0 else (0.06, 0.94)  # overlapping spans stay apart
        colour = OKABE_ITO[1 + k % 2]
        axes[-1].axvspan(start, stop, low, high, fill=False, ec=colour, lw=2, ls="-" if k % 2 == 0 else ":")
        label_box = {"fc": "white", "ec": "none", "pad": 1}
        axes[-1].text(start, channels * high, f" frame {n}", color=colour, va="top", fontsize=8, bbox=label_box)
    fig.suptitle(
        title or f"Activations after {stage}, layer by layer ({channels} channels each), aligned with the audio"
    )
    return fig


@styled
def plot_layer_stages(
    trace: Trace,
    layer: int = 0,
    sample_rate: int = SAMPLE_RATE,
    item: int = 0,
    channels: int = 64,
    title: str | None = None,
    xlim_ms: tuple[float, float] | None = None,
) -> Figure:
    """Waveform, then one layer's conv, norm (when it has one) and GELU outputs (first ``channels``
    channels), aligned in time, each with its own colourbar."""
    waveform = trace.waveform[item]
    geo = ar.receptive_field_table(trace.conv_config)[layer]
    acts = trace.layers[layer]
    stages = [(name, acts.stage(name)) for name in ("conv", "norm", "gelu") if acts.stage(name) is not None]
    fig = new_figure(1.6 + 1.3 * (len(stages) + 1))
    axes, caxes = _heatmap_grid(fig, [1.0] + [1.2] * len(stages))
    _draw_waveform(axes[0], waveform, sample_rate)
    axes[0].set_xlabel("")
    for ax, cax, (name, act) in zip(axes[1:], caxes[1:], stages, strict=True):
        _draw_positions(ax, cax, act[item, :channels].numpy(), geo, sample_rate, f"{name}\nchannel")
    _finish_time_axes(axes, caxes, 1000.0 * waveform.numel() / sample_rate, xlim_ms, ())
    fig.suptitle(title or f"Layer {layer}: conv, norm and GELU outputs ({channels} channels), aligned with the audio")
    return fig


@styled
def plot_frame_spans(
    waveform: Tensor,
    frames: Sequence[int],
    sample_rate: int = SAMPLE_RATE,
    shapes: Sequence[ConvSpec] | None = None,
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
def plot_effective_receptive_field(
    mean_grad: Tensor,
    paths: Tensor,
    shapes: Sequence[ConvSpec] | None = None,
    title: str = "Inside the window: mean |gradient| and the number of conv paths",
) -> Figure:
    """Mean ``|d sum(frame) / d sample|`` over a frame's span ``[rf]`` (filled, left axis) with the
    spatial conv path counts ``[rf]`` (step line, right axis), both against the sample's offset from
    the frame's first sample. The first and last ``rf - hop`` samples, which the neighbouring frames
    also see, are shaded."""
    g = mean_grad.detach().abs().cpu().numpy()
    p = paths.detach().cpu().numpy()
    rf, hop = ar.receptive_field(shapes), ar.hop_length(shapes)
    if g.shape != (rf,) or p.shape != (rf,):
        raise ValueError(
            f"mean_grad and paths must both have shape [{rf}] (one frame's span), got "
            f"{list(g.shape)} and {list(p.shape)}"
        )
    x = np.arange(rf)
    fig = new_figure(3.6)
    ax = fig.add_subplot()
    overlap = rf - hop
    ax.axvspan(-0.5, overlap - 0.5, color="0.85", lw=0, label=f"also seen by the neighbour ({overlap} samples)")
    ax.axvspan(rf - overlap - 0.5, rf - 0.5, color="0.85", lw=0)
    ax.fill_between(x, g, color=OKABE_ITO[0], step="mid", alpha=0.6, label="mean |gradient|")
    ax.set_xlabel("sample offset from the frame's first sample")
    ax.set_ylabel("mean |gradient|")
    ax.set_xlim(-0.5, rf - 0.5)
    ax.set_ylim(0, None)
    twin = ax.twinx()
    twin.step(x, p, where="mid", color=OKABE_ITO[3], lw=1.3, label="conv paths")
    twin.set_ylabel("conv paths", color=OKABE_ITO[3])
    twin.set_ylim(0, None)
    twin.spines["right"].set_visible(True)
    handles = ax.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    fig.legend(handles=handles, loc="outside lower center", ncols=3)
    ax.set_title(title)
    return fig


@styled
def plot_norm_statistics(x: Tensor, title: str = "Statistics of a conv output", item: int = 0) -> Figure:
    """Mean and standard deviation of ``x[item]`` (``[channels, positions]``) per channel (over time)
    and per position (over channels) — the two axes the two norms use."""
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
    ax2.set_xlabel("position")
    ax2.set_ylabel("value")
    ax2.set_title("per position, over channels")
    ax2.legend()
    fig.suptitle(title)
    return fig


@styled
def plot_layer_statistics(
    trace: Trace,
    item: int = 0,
    title: str = "Per-layer statistics",
    compare: dict[str, Trace] | None = None,
) -> Figure:
    """Standard deviation and share of positive values of every layer's stages.

    ``compare`` adds the conv standard deviation of other traces (e.g. the same audio through an
    extractor initialised differently) as dashed lines on the left panel.
    """
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
    for n, (name, other) in enumerate((compare or {}).items()):
        stds = [float(layer.conv[item].std()) for layer in other.layers]
        colour = OKABE_ITO[(4 + n) % len(OKABE_ITO)]
        ax1.plot([layer.index for layer in other.layers], stds, ls="--", marker="o", color=colour, label=name)
    for ax in (ax1, ax2):
        ax.set_xticks(idx)
        ax.set_xlabel("layer")
        ax.legend(fontsize=9)
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


def _sorted_rows(values: Tensor, peaks: Tensor) -> np.ndarray:
    """Rows sorted by ``peaks`` (lowest at the bottom), each scaled to its own maximum."""
    rows = values.detach().double()[torch.argsort(peaks, stable=True)]
    return (rows / rows.amax(dim=1, keepdim=True).clamp_min(1e-300)).numpy()


@styled
def plot_sorted_by_peak(
    chirp_energy: Tensor,
    weight: Tensor,
    ideal: Tensor,
    chirp_hz: tuple[float, float] = (50.0, 7950.0),
    duration_ms: float = 2000.0,
    sample_rate: int = SAMPLE_RATE,
    title: str = "Filters sorted by their peak frequency",
) -> Figure:
    """Three pictures of filter banks, one row per filter sorted by peak frequency, each row scaled
    to its own maximum (one shared colour scale, 0 to 1):

    left, the layer-0 energy ``[channels, windows]`` during a linear chirp from ``chirp_hz[0]`` to
    ``chirp_hz[1]`` (time at the bottom, the chirp's frequency at the top); middle, the same
    kernels' power responses ``|H|^2`` (``weight``); right, those of the ``ideal`` bank.
    """
    fig = new_figure(4.0)
    axes = fig.subplots(1, 3)
    peaks = peak_frequencies(weight, sample_rate)
    _, power = power_spectra(weight, sample_rate)
    _, ideal_power = power_spectra(ideal, sample_rate)
    panels = [
        (_sorted_rows(chirp_energy, peaks), [0, duration_ms], "time (ms)", "energy during a chirp"),
        (_sorted_rows(power, peaks), [0, sample_rate / 2], "frequency (Hz)", "|H|², same filters"),
        (
            _sorted_rows(ideal_power, peak_frequencies(ideal, sample_rate)),
            [0, sample_rate / 2],
            "frequency (Hz)",
            "|H|², Hann-windowed cosines",
        ),
    ]
    for ax, (rows, (x0, x1), xlabel, panel_title) in zip(axes, panels, strict=True):
        image = ax.imshow(
            rows,
            aspect="auto",
            origin="lower",
            extent=[x0, x1, 0, rows.shape[0]],
            vmin=0,
            vmax=1,
            cmap=HEATMAP_CMAP,
            interpolation="nearest",
        )
        ax.set_xlabel(xlabel)
        ax.set_ylabel("filter, sorted by peak")
        ax.set_title(panel_title)
    f0, f1 = chirp_hz
    top = axes[0].secondary_xaxis(
        "top", functions=(lambda t: f0 + (f1 - f0) * t / duration_ms, lambda f: (f - f0) * duration_ms / (f1 - f0))
    )
    top.set_xlabel("chirp frequency (Hz)")
    fig.colorbar(image, ax=list(axes), label="share of the row's maximum")
    fig.suptitle(title)
    return fig


@styled
def plot_bank_measures(measures: dict[str, dict[str, Tensor]], title: str = "Filter-bank measures") -> Figure:
    """Histograms (share of filters) of :func:`filters.bank_measures` for several sets of kernels,
    ``{label: {"peak_hz": [out], "flatness": [out], "near_peak": [out]}}``, one panel per measure."""
    fig = new_figure(3.6)
    axes = fig.subplots(1, 3)
    specs = [
        ("peak_hz", np.linspace(0, SAMPLE_RATE / 2, 17), "peak frequency (Hz)"),
        ("flatness", np.linspace(0, 1, 21), "spectral flatness"),
        ("near_peak", np.linspace(0, 1, 21), "energy within ±500 Hz of the peak"),
    ]
    for ax, (key, bins, xlabel) in zip(axes, specs, strict=True):
        for n, (label, m) in enumerate(measures.items()):
            values = m[key].detach().double().numpy()
            shares, edges = np.histogram(values, bins=bins, weights=np.full(values.shape, 1.0 / len(values)))
            ax.stairs(shares, edges, lw=1.8, color=OKABE_ITO[n], label=label)
        ax.set_xlabel(xlabel)
        ax.set_ylabel("share of filters")
    axes[0].legend(fontsize=9, loc="upper center")
    fig.suptitle(title)
    return fig


@styled
def plot_padding_sweep(
    fractions: Sequence[float],
    changes: dict[str, Tensor],
    floor: float = 1e-7,
    title: str = "How much zero padding moves a clip's own frames",
) -> Figure:
    """Relative change of a clip's valid frames against the padding added (both in %, log-log).

    ``changes`` maps a label to ``[len(fractions), frames]`` relative changes per frame (as from
    ``norms.padding_sweep``); each label gets its median over the frames (solid) and its maximum
    (dashed). Values below ``floor`` (float rounding) are drawn at ``floor``, which is marked.
    """
    pct = 100 * np.asarray(fractions, dtype=float)
    fig = new_figure(3.6)
    ax = fig.add_subplot()
    for n, (label, change) in enumerate(changes.items()):
        c = change.detach().cpu().double()
        colour = OKABE_ITO[n % len(OKABE_ITO)]
        median = 100 * np.maximum(c.median(dim=1).values.numpy(), floor)
        worst = 100 * np.maximum(c.max(dim=1).values.numpy(), floor)
        ax.loglog(pct, median, marker="o", color=colour, label=f"{label}: median over frames")
        ax.loglog(pct, worst, marker=".", ls="--", color=colour, label=f"{label}: worst frame")
    ax.axhline(100 * floor, color="0.6", lw=0.8, ls=":")
    ax.text(pct[0], 100 * floor * 1.5, "float rounding or less (0 drawn here)", color="0.4", fontsize=10, va="bottom")
    ax.set_xlabel("padding added (% of the clip's length)")
    ax.set_ylabel("relative change of a valid frame (%)")
    ax.set_title(title)
    ax.legend(loc="center right", fontsize=9)
    return fig
