"""Figures build under Agg with the axes, labels and sizes the notebooks rely on."""

import matplotlib
import pytest
import torch
from matplotlib.figure import Figure

from w2v2_walkthrough import plotting, random_extractor, trace_activations
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


def test_backend_is_agg_and_figures_are_not_pyplot_managed(clip):
    import matplotlib.pyplot as plt

    assert matplotlib.get_backend().lower() == "agg"
    fig = plotting.plot_waveform(clip)
    assert isinstance(fig, Figure) and plt.get_fignums() == []


def test_waveform_with_frame_grid(clip):
    fig = plotting.plot_waveform(clip)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "time (ms)" and ax.get_title()
    assert len(ax.lines) == 1 + 24 + 1  # waveform, one line per frame start, the centre markers
    assert "24 frame centres" in ax.get_legend().get_texts()[0].get_text()
    assert ax.get_xlim() == (0, 500.0)
    assert ax.lines[0].get_color() == OKABE_ITO[0]


def test_activation_heatmaps_align_with_the_waveform(trace):
    fig = plotting.plot_activations(trace)
    assert len(fig.axes) == 2 + 7
    assert fig.axes[-1].get_xlabel() == "time (ms)" and fig.axes[1].get_ylabel() == "Hz"
    # layer 6 frames: 24 outputs, centres at 12.46875 ms + 20 ms * j, cells 20 ms wide
    left, right, _, _ = fig.axes[-1].images[0].get_extent()
    assert left == pytest.approx(199.5 / 16 - 10) and right == pytest.approx(199.5 / 16 + 20 * 23.5)
    assert fig.axes[2].images[0].get_array().shape == (64, trace.layers[0].gelu.shape[-1])
    w, h = fig.get_size_inches()
    assert w >= 10 and h >= 8
    none_fig = plotting.plot_activations(trace, stage="norm")
    assert "no norm stage" in none_fig.axes[3].texts[0].get_text()


def test_frame_spans_and_gradient(clip):
    fig = plotting.plot_frame_spans(clip, [0, 1, 10])
    texts = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert texts == ["frame 0: samples [0, 400)", "frame 1: samples [320, 720)", "frame 10: samples [3200, 3600)"]
    grad = torch.zeros(2000)
    grad[320:720] = 1.0
    fig = plotting.plot_gradient_span(grad, (320, 720))
    assert labelled(fig.axes[0]) and "[320, 720)" in fig.axes[0].get_legend().get_texts()[1].get_text()


def test_statistics_filters_and_heatmap(trace):
    for fig in (
        plotting.plot_norm_statistics(trace.layers[0].conv),
        plotting.plot_layer_statistics(trace),
        plotting.plot_filters(torch.randn(16, 1, 10)),
        plotting.plot_frame_differences(torch.rand(24), valid_frames=10),
        plotting.plot_heatmap(trace.features[0].T, "frame", "feature", "features"),
    ):
        assert fig._suptitle is not None or fig.axes[0].get_title()
        assert all(labelled(ax) for ax in fig.axes if ax.get_label() != "<colorbar>")
        fig.canvas.draw()  # renders without error
    fig = plotting.plot_filters(torch.randn(16, 1, 10))
    assert len(fig.axes[0].lines) == 8 and fig.axes[1].get_xlabel() == "frequency (Hz)"
