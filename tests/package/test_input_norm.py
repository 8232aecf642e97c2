"""The chapter-6 table and helpers, checked against what the installed libraries say themselves."""

import re

import pytest
import torch

from w2v2_walkthrough import input_norm
from w2v2_walkthrough.presets import PRESETS


@pytest.fixture(scope="module")
def rows():
    return input_norm.bundle_rows()


def test_normalizing_bundles_are_those_get_model_documents(rows):
    """get_model()'s docstring lists the bundles it wraps; the forced-alignment bundle (its own
    get_model, always through the wrapper) adds MMS_FA: 14 in all."""
    from torchaudio.pipelines import Wav2Vec2Bundle

    documented = set(re.findall(r"- ([A-Z0-9_]+)", Wav2Vec2Bundle.get_model.__doc__))
    assert {r.name for r in rows if r.normalizes} == documented | {"MMS_FA"}
    assert len(rows) == 30 and sum(r.normalizes for r in rows) == 14


def test_norm_mode_and_bias_match_the_presets(rows):
    by_name = {r.name: r for r in rows}
    for preset in PRESETS.values():
        row = by_name[preset.bundle]
        assert (row.norm_mode, row.conv_bias) == (preset.norm_mode, preset.bias), preset.name


def test_only_wavlm_refuses_lengths_and_every_bundle_leaks_a_batch(rows):
    assert {r.model_type for r in rows if not r.takes_lengths} == {"WavLM"}
    assert all(r.batch_leak != "nothing" for r in rows)
    assert input_norm.BundleRow("x", "Wav2Vec2", "layer_norm", True, False, True).batch_leak == "nothing"


def test_hf_side_follows_the_norm_mode(rows, monkeypatch):
    config_class = {"HUBERT": "HubertConfig", "WAVLM": "WavLMConfig"}
    for row in rows[::5]:
        hf = input_norm.hf_row(row)
        assert hf.config_class == config_class.get(row.name.split("_")[0], "Wav2Vec2Config"), row.name
        assert hf.mask_advised == (row.norm_mode == "layer_norm")
    from transformers.models.wav2vec2.feature_extraction_wav2vec2 import Wav2Vec2FeatureExtractor

    input_norm.hf_mask_advice.cache_clear()
    monkeypatch.setattr(Wav2Vec2FeatureExtractor, "__doc__", "no tip here")
    with pytest.raises(ValueError, match="docstring"):
        input_norm.hf_mask_advice()
    input_norm.hf_mask_advice.cache_clear()


def test_table_fits_a_slide_and_names_every_bundle(rows):
    lines = input_norm.table_lines(rows)
    assert len(lines) == 1 + 6 and all(len(line) <= 95 for line in lines)
    assert sum(int(line.split()[0]) for line in lines[1:]) == 30
    names = " ".join(input_norm.bundle_name_lines(rows))
    assert all(r.name in names for r in rows)


def test_bundle_frames_model_is_torchaudios_wrapper():
    from torchaudio.pipelines._wav2vec2.utils import _Wav2Vec2Model

    from w2v2_walkthrough import random_extractor

    extractor = random_extractor("wav2vec2_large_lv60k")
    x = 0.1 * torch.randn(2, 400, generator=torch.Generator().manual_seed(0)) + 0.03  # (B, T)
    with torch.no_grad():
        wrapped = input_norm.bundle_frames_model(extractor)
        assert isinstance(wrapped, _Wav2Vec2Model)
        expected = extractor((x - x.mean()) / torch.sqrt(x.var(unbiased=False) + 1e-5), None)[0]
        assert torch.allclose(wrapped(x)[0], expected, atol=1e-5)
        assert torch.equal(input_norm.bundle_frames_model(extractor, False)(x)[0], extractor(x, None)[0])


def test_batch_statistics_equal_torch_over_the_padded_tensor():
    g = torch.Generator().manual_seed(1)
    for lengths, padded_length in (([700, 300, 1000], 1000), ([5], 9), ([40, 40], 40)):
        clips = [torch.randn(n, generator=g, dtype=torch.float64) * (1 + b) + b for b, n in enumerate(lengths)]
        batch = torch.zeros(len(clips), padded_length, dtype=torch.float64)  # (B, T)
        for b, c in enumerate(clips):
            batch[b, : len(c)] = c
        got = input_norm.batch_statistics(
            lengths, [float(c.mean()) for c in clips], [float(c.var(unbiased=False)) for c in clips], padded_length
        )
        assert got == pytest.approx((float(batch.mean()), float(batch.var(unbiased=False))), rel=1e-12)
