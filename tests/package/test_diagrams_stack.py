"""The conv-stack diagram says what torchaudio's extractor really does: every label is compared with
a real forward pass of torchaudio's own modules (shapes) and with torchaudio's own builder (norms)."""

import pytest
import torch
from matplotlib.text import Text
from torchaudio.models.wav2vec2.components import _get_feature_extractor

from w2v2_walkthrough import diagrams
from w2v2_walkthrough.presets import DEFAULT_SHAPES

SMALL = [(8, 7, 3), (16, 5, 2), (4, 3, 1)]


def labels(fig):
    """{(x, y): text} of every non-empty Text artist (data coordinates of the diagram's axes)."""
    return {tuple(t.get_position()): t.get_text() for t in fig.findobj(Text) if t.get_text().strip()}


def at(found, x, y):
    return [text for (tx, ty), text in found.items() if abs(tx - x) < 1e-9 and abs(ty - y) < 1e-9]


def position_of(found, text):
    (pos,) = [p for p, t in found.items() if t == text]
    return pos


def norm_label(module):
    if module is None:
        return "—"
    if isinstance(module, torch.nn.GroupNorm):
        return f"GroupNorm({module.num_groups}, {module.num_channels})"
    return f"LayerNorm({module.normalized_shape[0]})"


def torchaudio_run(shapes, num_samples):
    """torchaudio's blocks in both modes and the real output shape of every block, and of the stack."""
    built = {mode: _get_feature_extractor(mode, shapes, False).eval() for mode in ("group_norm", "layer_norm")}
    x = torch.zeros(1, num_samples)
    per_block = []
    with torch.no_grad():
        h = x.unsqueeze(1)
        for block in built["layer_norm"].conv_layers:
            h, _ = block(h, None)
            per_block.append(tuple(h.shape))
        features, _ = built["layer_norm"](x, None)
    return built, per_block, tuple(features.shape)


@pytest.mark.parametrize(("shapes", "num_samples"), [(DEFAULT_SHAPES, 16_000), (DEFAULT_SHAPES, 12_345), (SMALL, 1000)])
def test_every_label_matches_torchaudio(shapes, num_samples):
    found = labels(diagrams.conv_stack(num_samples, shapes))
    built, per_block, (_, frames, channels) = torchaudio_run(shapes, num_samples)
    values = set(found.values())
    assert f"[B, {num_samples}]" in values and f"[B, 1, {num_samples}]" in values
    _, y_out = position_of(found, "output")
    assert f"[B, {frames}, {channels}]" in [t for (_, y), t in found.items() if y == y_out]
    x_mode = {mode: position_of(found, mode)[0] for mode in built}
    for i, shape in enumerate(per_block):
        _, y = position_of(found, f"layer {i}")
        row = [t for (_, ty), t in found.items() if ty == y]
        conv = built["layer_norm"].conv_layers[i].conv
        assert f"Conv1d({conv.in_channels} → {conv.out_channels}, k={conv.kernel_size[0]}, s={conv.stride[0]})" in row
        assert f"[B, {shape[1]}, {shape[2]}]" in row
        assert "GELU" in row
        for mode, fe in built.items():
            assert at(found, x_mode[mode], y) == [norm_label(fe.conv_layers[i].layer_norm)], (mode, i)


def test_the_default_stack_has_one_group_norm_and_seven_layer_norms():
    """Independent of any builder: fairseq's default (group_norm) mode normalizes layer 0 only."""
    values = list(labels(diagrams.conv_stack()).values())
    assert values.count("GroupNorm(512, 512)") == 1 and values.count("LayerNorm(512)") == 7
    lengths, n = [], 16_000
    for k, s in [(10, 5)] + [(3, 2)] * 4 + [(2, 2)] * 2:
        n = (n - k) // s + 1
        lengths.append(n)
    assert [f"[B, 512, {n}]" in values for n in lengths] == [True] * 7 and "[B, 49, 512]" in values


def test_too_short_a_clip_is_refused():
    with pytest.raises(ValueError, match="at least 400"):
        diagrams.conv_stack(399)
