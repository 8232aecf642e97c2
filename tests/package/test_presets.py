"""Each preset agrees with the extractor that torchaudio's own builder makes."""

import pytest
import torch
import torchaudio

from w2v2_walkthrough import get_feature_extractor, get_preset
from w2v2_walkthrough.presets import PRESETS

EXPECTED_BUILDERS = {
    "wav2vec2_base",
    "wav2vec2_large",
    "wav2vec2_large_lv60k",
    "wav2vec2_xlsr_300m",
    "wav2vec2_xlsr_1b",
    "wav2vec2_xlsr_2b",
    "hubert_base",
    "hubert_large",
    "hubert_xlarge",
    "wavlm_base",
    "wavlm_large",
}


def describe(extractor):
    return [
        (
            b.conv.in_channels,
            b.conv.out_channels,
            b.kernel_size,
            b.stride,
            b.conv.bias is not None,
            type(b.layer_norm).__name__ if b.layer_norm is not None else None,
            getattr(b.layer_norm, "num_groups", None),
        )
        for b in extractor.conv_layers
    ]


def test_every_family_builder_has_a_preset():
    assert set(PRESETS) == EXPECTED_BUILDERS


def test_preset_matches_builder(preset_name):
    with torch.device("meta"):  # the 2B-parameter models cost nothing on the meta device
        model = getattr(torchaudio.models, preset_name)()
    p = get_preset(preset_name)
    assert describe(get_feature_extractor(p.norm_mode, list(p.shapes), p.bias)) == describe(model.feature_extractor)


def test_preset_bundle_names_exist():
    for p in PRESETS.values():
        assert hasattr(torchaudio.pipelines, p.bundle), p.bundle


def test_unknown_preset_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"Unknown preset 'wav2vec3'.*wav2vec2_base"):
        get_preset("wav2vec3")
