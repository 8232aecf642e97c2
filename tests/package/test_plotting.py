"""Figures build under Agg with the axes, labels and sizes the notebooks rely on."""

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from w2v2_walkthrough import filters, plotting, random_extractor, trace_activations
from w2v2_walkthrough.audio import load_speech_clip
from w2v2_walkthrough.style import OKABE_ITO


@pytest.fixture(scope="module")
def clip():
    return load_speech_clip()[0][:8000]


@pytest.fixture(scope="module")
def trace(clip):
    return trace_activations(random_extractor("wav2vec2_base"), clip)


def labelled(ax):
    return ax.get_xlabel() and ax.get_ylabel()


def test_figures_are_not_pyplot_managed(clip):
    import matplotlib.pyplot as plt

    fig = plotting.plot_waveform(clip)
    assert isinstance(fig, Figure) and plt.get_fignums() == []


def test_waveform_with_frame_grid(clip):
    fig = plotting.plot_waveform(clip)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "time (ms)" and ax.get_title()
    xs = [list(line.get_xdata()) for line in ax.lines]
    starts = [x[0] for x in xs if len(x) == 2 and x[0] == x[1]]  # the vertical lines
    assert starts == [20.0 * i for i in range(24)]  # a line at every frame start: 500 ms make 24 frames
    assert [(320 * i + 199.5) / 16 for i in range(24)] in xs  # a marker at every centre: samples 0..399 -> 199.5
    assert "24 frame centres" in ax.get_legend().get_texts()[0].get_text()
    assert ax.get_xlim() == (0, 500.0)
    assert ax.lines[0].get_color() == OKABE_ITO[0]


def heatmap_rows(fig, n):
    """The first ``n`` axes are the time-aligned rows; the colourbar slots come after them."""
    return fig.axes[:n], fig.axes[n : 2 * n]


def test_activation_heatmaps_align_with_the_waveform(trace):
    fig = plotting.plot_activations(trace)
    rows, caxes = heatmap_rows(fig, 2 + 7)
    assert len(fig.axes) == 2 * (2 + 7)  # every row has a colourbar slot, so the time axes line up
    assert rows[-1].get_xlabel() == "time (ms)" and rows[1].get_ylabel() == "Hz"
    # layer 6 frames: 24 outputs, centres at 12.46875 ms + 20 ms * j, cells 20 ms wide
    left, right, _, _ = rows[-1].images[0].get_extent()
    assert left == pytest.approx(199.5 / 16 - 10) and right == pytest.approx(199.5 / 16 + 20 * 23.5)
    assert rows[2].images[0].get_array().shape == (64, trace.layers[0].gelu.shape[-1])
    w, h = fig.get_size_inches()
    assert w >= 10 and h >= 8
    # a labelled channel axis and a colourbar for the spectrogram and for every layer
    assert all("channel" in ax.get_ylabel() for ax in rows[2:])
    assert [t.get_text() for t in rows[2].get_yticklabels()] == ["0", "63"]
    assert caxes[1].get_ylabel() == "dB" and not caxes[0].axison
    assert all(cax.axison and cax.collections for cax in caxes[1:])
    positions = [ax.get_position() for ax in rows]  # every row spans the same width
    assert max(p.x1 for p in positions) - min(p.x1 for p in positions) < 1e-9
    none_fig = plotting.plot_activations(trace, stage="norm")
    assert "no norm stage" in none_fig.axes[3].texts[0].get_text()


def test_activation_zoom_keeps_absolute_time_and_marks():
    click = torch.zeros(16000)
    click[8000] = 1.0
    trace = trace_activations(random_extractor("hubert_large"), click)
    full = plotting.plot_activations(trace)
    zoom = plotting.plot_activations(trace, xlim_ms=(400, 600), marks_ms=[500], frame_spans=[24, 25])
    rows, _ = heatmap_rows(zoom, 9)
    assert rows[0].get_xlim() == (400, 600)
    # frames 24 and 25 are outlined over the 25 ms they read (samples 7680 and 8000 on), not the
    # 20 ms box their heatmap column covers: frame 25's outline starts at the click
    spans = [patch.get_x() for patch in rows[-1].patches], [patch.get_width() for patch in rows[-1].patches]
    assert spans == ([480.0, 500.0], [25.0, 25.0])
    # zooming changes the view, not where each position is drawn
    assert [ax.images[0].get_extent() for ax in rows[2:]] == [ax.images[0].get_extent() for ax in full.axes[2:9]]
    assert all(any(list(line.get_xdata()) == [500, 500] for line in ax.lines) for ax in rows)
    # colour limits come from the click, not from the silence around it: the background (0) and
    # the click's values both lie inside every layer's colour range
    for ax, layer in zip(rows[2:], trace.layers, strict=True):
        lo, hi = ax.images[0].get_clim()
        act = layer.gelu[0, :64]
        assert lo <= 0 <= hi and hi - lo >= 0.5 * float(act.max() - act.min())


def test_spectrogram_columns_sit_at_their_stft_frame_times():
    """torch.stft(center=True) pads n_fft // 2 = 200 samples on each side, so column j's Hann window
    (peak at index 200) peaks on sample j * 160: column j must be drawn centred on j * 10 ms, on the
    same time axis as the waveform (sample t at t / 16 ms). A click shows where the columns land."""
    hop, click_at = 160, 1600  # the click is STFT column 10's peak sample
    wave = torch.zeros(8000)
    wave[click_at] = 1.0
    fig = plotting.plot_activations(trace_activations(random_extractor("wav2vec2_base"), wave))
    image = fig.axes[1].images[0]
    power = np.asarray(image.get_array())  # (freq, column), dB
    stft = torch.stft(wave, 400, hop, window=torch.hann_window(400), center=True, return_complex=True)
    assert power.shape == tuple(stft.shape)
    left, right, _, _ = image.get_extent()
    centres = left + (right - left) * (np.arange(power.shape[1]) + 0.5) / power.shape[1]
    assert centres == pytest.approx(np.arange(power.shape[1]) * hop / 16)  # 0, 10, 20 ... ms
    loudest = int(np.argmax(power.sum(axis=0)))
    assert loudest == click_at // hop and centres[loudest] == pytest.approx(click_at / 16)  # drawn at 100 ms


def test_layer_stages(trace):
    fig = plotting.plot_layer_stages(trace, layer=0)
    rows, caxes = heatmap_rows(fig, 4)  # waveform, conv, norm, gelu
    assert [ax.get_ylabel().split()[0] for ax in rows[1:]] == ["conv", "norm", "gelu"]
    assert rows[2].images[0].get_array().shape == (64, trace.layers[0].norm.shape[-1])
    assert all(cax.collections for cax in caxes[1:])
    fig = plotting.plot_layer_stages(trace, layer=1)  # no norm after layer 1 in group_norm mode
    assert [ax.get_ylabel().split()[0] for ax in fig.axes[1:3]] == ["conv", "gelu"]


def test_layer_statistics_compares_inits(trace):
    other = trace_activations(random_extractor("wav2vec2_base", seed=1), trace.waveform)
    fig = plotting.plot_layer_statistics(trace, compare={"seed 1": other})
    line = next(ln for ln in fig.axes[0].lines if ln.get_label() == "seed 1")
    assert line.get_linestyle() == "--"
    assert list(line.get_ydata()) == pytest.approx([float(layer.conv.std()) for layer in other.layers])


def test_sorted_by_peak_draws_the_diagonal_by_construction():
    weight = torch.randn(64, 1, 10, generator=torch.Generator().manual_seed(0))
    energy = torch.rand(64, 50, generator=torch.Generator().manual_seed(1))
    fig = plotting.plot_sorted_by_peak(energy, weight, filters.cosine_bank(32))
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 3
    for ax in panels:
        rows = ax.images[0].get_array()
        assert np.allclose(rows.max(axis=1), 1.0) and rows.min() >= 0  # each row scaled to its maximum
    # sorted by peak: the column of each row's maximum never goes down (the diagonal is built in)
    middle = panels[1].images[0].get_array()
    assert np.all(np.diff(middle.argmax(axis=1)) >= 0)
    assert panels[0].get_xlabel() == "time (ms)" and panels[1].get_xlabel() == "frequency (Hz)"


def test_bank_measures_histograms():
    sets = {
        "random": filters.bank_measures(filters.random_init_bank(range(2))),
        "cosines": filters.bank_measures(filters.cosine_bank()),
    }
    fig = plotting.plot_bank_measures(sets)
    assert len(fig.axes) == 3 and all(labelled(ax) for ax in fig.axes)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["random", "cosines"]
    flatness = sets["cosines"]["flatness"].numpy()
    expected, _ = np.histogram(flatness, bins=np.linspace(0, 1, 21))
    drawn = fig.axes[1].patches[1].get_data()  # the cosines' step histogram: heights per bin
    np.testing.assert_allclose(drawn.edges, np.linspace(0, 1, 21))
    np.testing.assert_allclose(drawn.values, expected / len(flatness))  # a share of the filters
    for ax in fig.axes:  # each set's histogram is a share: its bars sum to 1
        for patch in ax.patches:
            assert patch.get_data().values.sum() == pytest.approx(1.0)


def test_frame_spans_and_gradient(clip):
    fig = plotting.plot_frame_spans(clip, [0, 1, 10])
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["frame 0: samples [0, 400)", "frame 1: samples [320, 720)", "frame 10: samples [3200, 3600)"]
    grad = torch.zeros(2000)
    grad[320:720] = 1.0
    fig = plotting.plot_gradient_span(grad, (320, 720))
    assert labelled(fig.axes[0]) and "[320, 720)" in fig.axes[0].get_legend().get_texts()[1].get_text()


def test_statistics_and_filters(trace):
    for fig in (
        plotting.plot_norm_statistics(trace.layers[0].conv),
        plotting.plot_layer_statistics(trace),
        plotting.plot_filters(torch.randn(16, 1, 10)),
    ):
        assert fig._suptitle is not None or fig.axes[0].get_title()
        assert all(labelled(ax) for ax in fig.axes if ax.get_label() != "<colorbar>")
        fig.canvas.draw()  # renders without error
    fig = plotting.plot_filters(torch.randn(16, 1, 10))
    assert len(fig.axes[0].lines) == 8 and fig.axes[1].get_xlabel() == "frequency (Hz)"
