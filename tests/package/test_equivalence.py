"""The mirror equals the installed torchaudio bit for bit, for every preset."""

import pytest
import torch
from torchaudio.models.wav2vec2 import components as ta_components

from helpers import architecture_pair, randomize_
from w2v2_walkthrough import get_feature_extractor
from w2v2_walkthrough.presets import DEFAULT_SHAPES, PRESETS

LENGTHS = [0, 1, 399, 400, 401, 719, 720, 16000]


def test_state_dict_keys_and_shapes_match(preset_name):
    p = PRESETS[preset_name]
    ta = ta_components._get_feature_extractor(p.norm_mode, list(p.shapes), p.bias).state_dict()
    mine = get_feature_extractor(p.norm_mode, list(p.shapes), p.bias).state_dict()
    assert list(ta) == list(mine)
    assert [v.shape for v in ta.values()] == [v.shape for v in mine.values()]


def test_weights_load_both_ways_strict(preset_name):
    p = PRESETS[preset_name]
    mirror = randomize_(get_feature_extractor(p.norm_mode, list(p.shapes), p.bias), seed=7)
    ta = ta_components._get_feature_extractor(p.norm_mode, list(p.shapes), p.bias)
    ta.load_state_dict(mirror.state_dict(), strict=True)
    back = get_feature_extractor(p.norm_mode, list(p.shapes), p.bias)
    back.load_state_dict(ta.state_dict(), strict=True)
    for (k, a), (_, b) in zip(mirror.state_dict().items(), back.state_dict().items(), strict=True):
        assert torch.equal(a, b), k


#: The distinct architectures (norm mode x conv bias). Every preset is one of the first three (the
#: presets' structure is compared block by block in test_presets.py and above); the fourth is a
#: valid torchaudio config that no preset uses.
ARCHITECTURES = [("group_norm", False), ("layer_norm", True), ("layer_norm", False), ("group_norm", True)]


def test_the_architectures_cover_every_preset():
    assert {(p.norm_mode, p.bias) for p in PRESETS.values()} == set(ARCHITECTURES[:3])


#: The full stack's kernels and strides with 32 channels a layer: padding and lengths do not depend
#: on the channel count, and a 16× thinner stack keeps the batch cheap. Full-size clips of every
#: preset's architecture are compared below (and in test_huggingface.py).
THIN = [(32, k, s) for _, k, s in DEFAULT_SHAPES]


@pytest.mark.parametrize(("norm_mode", "bias"), ARCHITECTURES, ids=[f"{m}-bias{b}" for m, b in ARCHITECTURES])
def test_padded_batch_is_bit_identical(norm_mode, bias):
    ta, mirror = architecture_pair(norm_mode, bias, seed=1, shapes=THIN)
    g = torch.Generator().manual_seed(2)
    x = torch.zeros(len(LENGTHS), max(LENGTHS))
    for row, n in enumerate(LENGTHS):
        x[row, :n] = torch.randn(n, generator=g) * 0.1
    lengths = torch.tensor(LENGTHS)
    with torch.no_grad():
        want, want_len = ta(x, lengths)
        got, got_len = mirror(x, lengths)
    assert got.shape == want.shape == (len(LENGTHS), 49, 32)
    assert (got - want).abs().max().item() == 0.0
    assert torch.equal(got, want)
    assert torch.equal(got_len, want_len)


@pytest.mark.slow
@pytest.mark.parametrize("n", [400, 401, 719, 720, 16000])
def test_single_clips_are_bit_identical(n):
    for norm_mode, bias in ARCHITECTURES[:3]:
        ta, mirror = architecture_pair(norm_mode, bias, seed=n)
        x = torch.randn(1, n, generator=torch.Generator().manual_seed(n))
        with torch.no_grad():
            assert torch.equal(mirror(x, None)[0], ta(x, None)[0])


@pytest.mark.parametrize("n", [0, 1, 399])
def test_too_short_inputs_fail_alike(n):
    """Both raise inside the first conv (the mirror adds no check torchaudio lacks);
    the package's front door turns this into a clear error (test_validation.py)."""
    ta, mirror = architecture_pair("group_norm", False)
    for extractor in (ta, mirror):
        with pytest.raises(RuntimeError):
            extractor(torch.zeros(1, n), None)


def test_rank_and_norm_mode_checks_match_torchaudio():
    ta, mirror = architecture_pair("group_norm", False)
    for bad in (torch.zeros(16000), torch.zeros(1, 1, 16000)):
        with pytest.raises(ValueError, match="2D"):
            ta(bad, None)
        with pytest.raises(ValueError, match="2D"):
            mirror(bad, None)
    with pytest.raises(ValueError, match="Invalid norm mode"):
        ta_components._get_feature_extractor("batch_norm", [(512, 10, 5)], False)
    with pytest.raises(ValueError, match=r"group_norm.*layer_norm"):
        get_feature_extractor("batch_norm", [(512, 10, 5)], False)


def test_gradients_match_too():
    ta, mirror = architecture_pair("layer_norm", True, seed=3)
    x1 = torch.randn(2, 3000, generator=torch.Generator().manual_seed(4), requires_grad=True)
    x2 = x1.detach().clone().requires_grad_(True)
    ta(x1, None)[0].square().sum().backward()
    mirror(x2, None)[0].square().sum().backward()
    assert torch.equal(x1.grad, x2.grad)
