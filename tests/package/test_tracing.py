import pytest
import torch

from helpers import torchaudio_pair
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import trace_activations


def all_hooks(extractor):
    return sum(len(m._forward_hooks) for m in extractor.modules())


@pytest.mark.slow
@pytest.mark.parametrize("name", ["wav2vec2_base", "wav2vec2_large_lv60k"])
def test_trace_shapes_follow_the_arithmetic_and_match_torchaudio(name):
    ta, mirror = torchaudio_pair(name, seed=5)
    x = torch.randn(2, 5000, generator=torch.Generator().manual_seed(0)) * 0.1
    t_ta, t_mine = trace_activations(ta, x), trace_activations(mirror, x)
    lengths = ar.layer_output_lengths(5000)
    for layer, n in zip(t_mine.layers, lengths, strict=True):
        assert layer.conv.shape == layer.gelu.shape == (2, 512, n)
    for a, b in zip(t_ta.layers, t_mine.layers, strict=True):
        assert torch.equal(a.conv, b.conv) and torch.equal(a.gelu, b.gelu)
        assert (a.norm is None) == (b.norm is None) and (a.norm is None or torch.equal(a.norm, b.norm))
    assert torch.equal(t_mine.features, t_mine.layers[-1].gelu.transpose(1, 2))
    assert torch.equal(t_mine.layers[0].gelu, torch.nn.functional.gelu(t_mine.layers[0].norm))
    norms = [layer.norm is not None for layer in t_mine.layers]
    assert norms == ([True] + [False] * 6 if name == "wav2vec2_base" else [True] * 7)
    assert t_mine.shapes()[0] == {
        "layer": 0,
        "conv": (2, 512, lengths[0]),
        "norm": (2, 512, lengths[0]),
        "gelu": (2, 512, lengths[0]),
    }
    assert "999" in t_mine.table() and all_hooks(mirror) == 0 and all_hooks(ta) == 0


def test_hooks_are_removed_when_forward_raises(monkeypatch):
    _, mirror = torchaudio_pair("wav2vec2_base")

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(mirror.conv_layers[3].conv, "forward", boom)
    with pytest.raises(RuntimeError, match="boom"):
        trace_activations(mirror, torch.randn(1, 4000))
    assert all_hooks(mirror) == 0


def test_trace_validates_its_input():
    _, mirror = torchaudio_pair("wav2vec2_base")
    with pytest.raises(ValueError, match="receptive field"):
        trace_activations(mirror, torch.randn(1, 100))
    assert all_hooks(mirror) == 0
