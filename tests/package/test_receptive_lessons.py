"""What notebooks 3 and 4 teach about receptive fields, checked against derivations made here:
path counts enumerated tap by tap, the receptive-field tree against the arithmetic, span gradients
against full gradients, the locality of layer_norm models, and their figures."""

import itertools

import numpy as np
import pytest
import torch
from torchaudio.models.wav2vec2.components import _get_feature_extractor

from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import diagrams, plotting, receptive
from w2v2_walkthrough.presets import DEFAULT_SHAPES

THIN = [(8, k, s) for _, k, s in DEFAULT_SHAPES]
OTHER = [(8, 4, 2), (8, 3, 3), (8, 2, 1)]


def enumerate_paths(shapes):
    """Paths from each sample to frame 0, one tap tuple at a time: the taps (a_0, ..., a_L) with
    a_l < k_l reach sample sum(a_l * stride_0 * ... * stride_(l-1))."""
    strides_below = [1]
    for _, _, s in shapes[:-1]:
        strides_below.append(strides_below[-1] * s)
    counts = {}
    for taps in itertools.product(*[range(k) for _, k, _ in shapes]):
        t = sum(a * j for a, j in zip(taps, strides_below, strict=True))
        counts[t] = counts.get(t, 0) + 1
    return torch.tensor([counts.get(t, 0) for t in range(max(counts) + 1)], dtype=torch.float64)


def runs(indices):
    """[(first, last), ...] of the runs of consecutive integers."""
    out = []
    for i in indices:
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


@pytest.mark.parametrize("shapes", [DEFAULT_SHAPES, OTHER, [(1, 5, 3)]])
def test_path_counts_equal_the_tap_enumeration(shapes):
    assert torch.equal(receptive.path_counts(shapes), enumerate_paths(shapes))


def test_path_counts_are_a_trapezoid_with_a_rippled_plateau():
    """The facts notebook 4 states (issue 12, item 1a)."""
    paths = enumerate_paths(DEFAULT_SHAPES)
    assert paths.shape == (400,) and paths.sum() == 3240
    ramp_in, plateau, ramp_out = paths[:80], paths[80:320], paths[320:]
    assert (plateau.min(), plateau.max()) == (6, 13) and ramp_in.max() < plateau.max()
    assert torch.equal(paths, paths.flip(0))  # the last 80 mirror the first 80
    # the ramp is not monotone: it peaks at 8 (first at offset 50) above the plateau's minimum, then falls to 5
    assert ramp_in.max() == 8 and int(ramp_in.argmax()) == 50 and ramp_in.max() > plateau.min()
    assert ramp_in[75:].tolist() == [5] * 5
    assert float(ramp_in.mean()) / float(plateau.mean()) == 0.5  # a trapezoid only on average
    assert paths[199] == paths[200] == 9  # the centre (199.5) is not the maximum
    top = torch.nonzero(paths == 13).flatten().tolist()
    assert runs(top) == [(105, 109), (130, 134), (185, 189), (210, 214), (265, 269), (290, 294)]
    assert torch.equal(ramp_in + ramp_out, paths[80:160])  # a frame's two ramps add up to one plateau period
    assert torch.equal(paths[80:240], paths[160:320])  # the plateau repeats every 80 samples
    assert float(plateau.mean()) == 3240 / 320
    # summed over all frames, each sample of a long signal gets the plateau's pattern
    total = torch.zeros(320 * 20 + 400, dtype=torch.float64)
    for i in range(21):
        total[320 * i : 320 * i + 400] += paths
    assert torch.equal(total[400:6400], paths[80:160].repeat(75))


def test_path_counts_are_spatial_paths_every_channel_multiplies_alike():
    """With C = 512 channels per layer, all-ones kernels, the gradient of one output channel of frame 0
    is the spatial path count times C ** 6: one channel choice at the output of each of layers 0..5."""
    channels = 512
    x = torch.zeros(1, 1, 400, dtype=torch.float64, requires_grad=True)
    h, c_in = x, 1
    for _, k, s in DEFAULT_SHAPES:
        h = torch.nn.functional.conv1d(h, torch.ones(channels, c_in, k, dtype=torch.float64), stride=s)
        c_in = channels
    h[0, 0, 0].backward()  # h is (1, C, 1)
    expected = enumerate_paths(DEFAULT_SHAPES) * float(channels) ** (len(DEFAULT_SHAPES) - 1)
    torch.testing.assert_close(x.grad[0, 0], expected, rtol=1e-12, atol=0)
    torch.testing.assert_close(x.grad[0, 0] / x.grad[0, 0].sum(), receptive.path_counts() / 3240, rtol=1e-12, atol=0)


def test_path_counts_over_a_longer_input_cover_exactly_the_span():
    for shapes in (DEFAULT_SHAPES, OTHER):
        n = ar.min_samples_for_frames(12, shapes) + 37
        for frame in (0, 1, 5, 11):
            counts = receptive.path_counts(shapes, num_samples=n, frame=frame)
            start, end = ar.frame_span(frame, shapes)
            assert receptive.nonzero_span(counts) == (start, end)
            assert torch.equal(counts[start:end], receptive.path_counts(shapes))  # every frame alike
    with pytest.raises(ValueError, match="frame 24 is not among"):
        receptive.path_counts(num_samples=8_000, frame=24)


@pytest.mark.parametrize("shapes", [THIN, OTHER])
def test_span_gradients_equal_each_frames_own_gradient(shapes):
    torch.manual_seed(0)
    fe = _get_feature_extractor("layer_norm", shapes, True).eval()
    x = torch.randn(ar.min_samples_for_frames(10, shapes), generator=torch.Generator().manual_seed(1))
    frames = [0, 3, 6, 9] if shapes is OTHER else [0, 2, 4, 8]  # spans that do not overlap
    together = receptive.span_gradients(fe, x, frames, shapes)
    alone = receptive.input_gradient(fe, x, frames)
    for row, frame, grad in zip(together, frames, alone, strict=True):
        start, end = ar.frame_span(frame, shapes)
        assert row.shape == (end - start,)
        torch.testing.assert_close(row, grad[start:end], rtol=1e-12, atol=0)


def test_span_gradients_refuse_what_they_cannot_do():
    fe = _get_feature_extractor("layer_norm", THIN, False)
    x = torch.randn(4000)
    with pytest.raises(ValueError, match="overlap"):
        receptive.span_gradients(fe, x, [0, 1])
    with pytest.raises(ValueError, match="frames must be in"):
        receptive.span_gradients(fe, x, [0, 40])
    with pytest.raises(ValueError, match="empty"):
        receptive.span_gradients(fe, x, [])
    with pytest.raises(ValueError, match=r"layer_norm model.*input_gradient"):
        receptive.span_gradients(_get_feature_extractor("group_norm", THIN, False), x, [0, 2])


def test_the_unseen_tail_is_unseen_only_by_layer_norm_models():
    """Issue 12, item 1b: replacing the last 240 samples of 1 s changes no frame of a layer_norm
    model and every frame of a group_norm model."""
    torch.manual_seed(0)
    x = torch.randn(16_000, generator=torch.Generator().manual_seed(2))
    y = x.clone()
    y[-240:] = torch.randn(240, generator=torch.Generator().manual_seed(3))
    changed = {}
    for mode in ("layer_norm", "group_norm"):
        fe = _get_feature_extractor(mode, THIN, False).eval()
        with torch.inference_mode():
            a, _ = fe(x[None], None)
            b, _ = fe(y[None], None)
        changed[mode] = int((a != b).any(dim=-1).sum())
    assert changed == {"layer_norm": 0, "group_norm": 49}


def node_ids(fig, prefix):
    return {c.get_gid(): c for ax in fig.axes for c in ax.collections if (c.get_gid() or "").startswith(prefix)}


@pytest.mark.parametrize("shapes", [DEFAULT_SHAPES, OTHER])
def test_receptive_field_tree_agrees_with_the_arithmetic(shapes):
    fig = diagrams.receptive_field_tree((0, 1), shapes)
    table = ar.receptive_field_table(shapes)
    brackets = {
        line.get_gid(): line.get_xdata() for line in fig.axes[0].lines if (line.get_gid() or "").startswith("rf-")
    }
    assert len(brackets) == len(table) + 1
    assert brackets["rf--1"][2] - brackets["rf--1"][0] == 1  # an input sample sees itself
    for row in table:
        x = brackets[f"rf-{row.layer}"]
        assert x[2] - x[0] == row.receptive_field  # the bracket spans one position's receptive field
    right = [t.get_text() for t in fig.axes[1].get_yticklabels()]
    assert right[0] == f"rf {table[-1].receptive_field}, jump {table[-1].jump}" and right[-1] == "rf 1, jump 1"
    # positions drawn per row: the ones whose span lies inside frame 0's span
    nodes = node_ids(fig, "nodes-0-")
    rf, hop = ar.receptive_field(shapes), ar.hop_length(shapes)
    for row in table:
        expected = (rf - row.receptive_field) // row.jump + 1
        assert len(nodes[f"nodes-0-{row.layer}"].get_offsets()) == expected
    assert len(nodes["nodes-0--1"].get_offsets()) == rf
    shared = node_ids(fig, "shared-")
    assert len(shared["shared--1"].get_offsets()) == rf - hop  # the samples both frames see


def test_receptive_field_tree_of_wav2vec2_by_hand():
    """Counted by hand: frame 0 reads 79 layer-0 positions (5 samples apart, 10 wide, inside 400
    samples), 39, 19, 9, 4, 2 and 1 above; frames 0 and 1 share [320, 400): 15 layer-0 positions,
    7, 3, 1 and none from layer 4 up."""
    fig = diagrams.receptive_field_tree((0, 1))
    nodes, shared = node_ids(fig, "nodes-0-"), node_ids(fig, "shared-")
    assert [len(nodes[f"nodes-0-{r}"].get_offsets()) for r in range(7)] == [79, 39, 19, 9, 4, 2, 1]
    assert [len(shared[f"shared-{r}"].get_offsets()) if f"shared-{r}" in shared else 0 for r in range(7)] == [
        15, 7, 3, 1, 0, 0, 0,
    ]  # fmt: skip
    top = nodes["nodes-0-6"].get_offsets()[0]
    assert tuple(top) == (199.5, 7)  # the frame's node sits at its centre, 199.5
    with pytest.raises(ValueError, match="distinct frame indices"):
        diagrams.receptive_field_tree((0, 0))


def test_effective_receptive_field_overlay():
    paths = receptive.path_counts()
    grad = torch.rand(400, generator=torch.Generator().manual_seed(0))
    fig = plotting.plot_effective_receptive_field(grad, paths)
    (ax,) = fig.axes  # one axis: both profiles relative to their own means
    (step,) = ax.lines
    assert list(step.get_xdata()) == list(range(400))  # a real sample axis: offsets 0..399
    assert step.get_ydata() == pytest.approx((paths / paths.mean()).tolist())
    assert "mean" in ax.get_ylabel() and "sample" in ax.get_xlabel()
    correlation = np.corrcoef(grad.abs().numpy(), paths.numpy())[0, 1]
    assert [t.get_text() for t in ax.texts] == [f"correlation {correlation:.2f}"]
    shaded = [p.get_width() for p in ax.patches if p.get_label() != "mean |gradient|"]
    assert [round(w) for w in shaded if 70 < w < 90] == [80, 80]  # the two 80-sample overlaps
    fig.canvas.draw()
    with pytest.raises(ValueError, match=r"shape \[400\]"):
        plotting.plot_effective_receptive_field(grad[:300], paths)
