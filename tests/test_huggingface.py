"""Hugging Face's feature encoder is the same computation as torchaudio's and the mirror's: same
config under other names, same state-dict keys, bit-identical outputs, same length arithmetic."""

import math
import sys

import pytest
import torch
from conftest import randomize_
from torchaudio.models.wav2vec2 import components as ta_components
from torchaudio.models.wav2vec2.utils import import_huggingface as ta_import

from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import get_feature_extractor
from w2v2_walkthrough import huggingface as hf
from w2v2_walkthrough.presets import PRESETS

NORM_AND_BIAS = [("group_norm", False), ("group_norm", True), ("layer_norm", False), ("layer_norm", True)]
SMALL = [(32, 10, 5)] + [(32, 3, 2)] * 4 + [(32, 2, 2)] * 2  # wav2vec2's kernels and strides, 32 channels
LENGTHS = [400, 401, 719, 720, 4000]


def padded_batch(lengths, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.zeros(len(lengths), max(lengths))
    for row, n in enumerate(lengths):
        x[row, :n] = torch.randn(n, generator=g) * 0.1
    return x


def run(module, x):
    """Features [batch, frame, feature] of a torchaudio/mirror extractor or an HF encoder."""
    with torch.no_grad():
        if type(module).__name__.endswith("FeatureEncoder"):  # HF returns [batch, feature, frame]
            return module(x).transpose(1, 2)
        return module(x, None)[0]


# --- the import is lazy, and a missing transformers says how to install it ---


def test_missing_transformers_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "transformers", None)  # `import transformers` now fails
    assert hf.hf_config("wav2vec2_base")["feat_extract_norm"] == "group"  # pure mapping: no import needed
    with pytest.raises(ImportError, match=r"pip install transformers"):
        hf.require_transformers()
    with pytest.raises(ImportError, match=r"pip install transformers"):
        hf.config_for("wav2vec2_base")


# --- configs under other names ---


def test_hf_config_agrees_with_torchaudios_own_converter(preset_name):
    """torchaudio's import_huggingface maps an HF config back to the preset's arguments."""
    p = PRESETS[preset_name]
    config = hf.config_for(preset_name)
    assert (
        type(config).__name__
        == {"wav2vec2": "Wav2Vec2Config", "hubert": "HubertConfig", "wavlm": "WavLMConfig"}[preset_name.split("_")[0]]
    )
    convert = ta_import._get_config_wavlm if preset_name.startswith("wavlm") else ta_import._get_config
    ta = convert(config)
    assert ta["extractor_mode"] == p.norm_mode
    assert ta["extractor_conv_layer_config"] == list(p.shapes)
    assert ta["extractor_conv_bias"] is p.bias
    assert hf.extractor_args(config) == (p.norm_mode, list(p.shapes), p.bias)
    assert preset_name in hf.presets_for(config)


def test_hf_defaults_are_the_base_extractor():
    transformers = hf.require_transformers()
    default = transformers.Wav2Vec2Config()
    assert default.feat_extract_norm == "group" and default.conv_bias is False
    assert list(default.conv_dim) == [512] * 7
    assert list(default.conv_kernel) == [10, 3, 3, 3, 3, 2, 2]
    assert list(default.conv_stride) == [5, 2, 2, 2, 2, 2, 2]
    assert hf.presets_for(default) == ["wav2vec2_base", "wav2vec2_large", "hubert_base", "wavlm_base"]


def test_mapping_round_trips_for_any_stack_and_refuses_what_torchaudio_lacks():
    shapes = [(8, 10, 5), (16, 3, 2), (4, 2, 2)]
    fields = hf.config_fields("layer_norm", shapes, True)
    assert fields == {
        "feat_extract_norm": "layer",
        "conv_dim": [8, 16, 4],
        "conv_kernel": [10, 3, 2],
        "conv_stride": [5, 2, 2],
        "conv_bias": True,
    }
    assert hf.extractor_args(hf.make_config(fields)) == ("layer_norm", shapes, True)
    assert hf.presets_for(fields) == []
    with pytest.raises(ValueError, match=r"always uses GELU"):
        hf.extractor_args(fields | {"feat_extract_activation": "relu"})
    with pytest.raises(ValueError, match=r"'group' or 'layer'"):
        hf.extractor_args(fields | {"feat_extract_norm": "batch"})
    with pytest.raises(ValueError, match=r"one entry per layer"):
        hf.extractor_args(fields | {"conv_kernel": [10, 3]})
    with pytest.raises(ValueError, match=r"norm_mode must be one of"):
        hf.config_fields("batch_norm", shapes, False)


@pytest.mark.parametrize(("norm_mode", "bias"), NORM_AND_BIAS)
def test_state_dict_keys_and_shapes_are_the_same(norm_mode, bias):
    """The same names, the GroupNorm included (both call it `layer_norm`); only the order differs."""
    ta = ta_components._get_feature_extractor(norm_mode, SMALL, bias).state_dict()
    encoder = hf.feature_encoder(hf.make_config(hf.config_fields(norm_mode, SMALL, bias))).state_dict()
    assert sorted(ta) == sorted(encoder)
    assert all(ta[k].shape == encoder[k].shape for k in ta)
    assert ("conv_layers.1.layer_norm.weight" in encoder) is (norm_mode == "layer_norm")
    assert ("conv_layers.0.conv.bias" in encoder) is bias


# --- bit-identical outputs ---


@pytest.mark.parametrize(("norm_mode", "bias"), NORM_AND_BIAS)
def test_weights_copied_across_give_identical_outputs(norm_mode, bias):
    """torchaudio -> HF and HF -> mirror, a padded batch and single clips: max |diff| 0.0."""
    ta = randomize_(ta_components._get_feature_extractor(norm_mode, SMALL, bias), seed=3).eval()
    encoder = hf.to_hf(ta)
    assert type(encoder).__name__ == "Wav2Vec2FeatureEncoder"
    batch = padded_batch(LENGTHS)
    assert hf.max_abs_diff(run(encoder, batch), run(ta, batch)) == 0.0
    for n in (400, 720, 4000):
        assert hf.max_abs_diff(run(encoder, batch[-1:, :n]), run(ta, batch[-1:, :n])) == 0.0
    randomize_(encoder, seed=4)  # now HF holds weights of its own: copy them into the mirror
    mirror = hf.from_hf(encoder)
    assert hf.architecture(mirror) == (norm_mode, SMALL, bias)
    assert hf.max_abs_diff(run(mirror, batch), run(encoder, batch)) == 0.0


@pytest.mark.parametrize("preset", ["wav2vec2_base", "wav2vec2_large_lv60k"])
def test_full_size_presets_are_bit_identical(preset):
    p = PRESETS[preset]
    ta = randomize_(ta_components._get_feature_extractor(p.norm_mode, list(p.shapes), p.bias), seed=5).eval()
    encoder = hf.copy_weights(ta, hf.feature_encoder(hf.config_for(preset)))
    x = padded_batch([2000, 1200])
    assert torch.equal(hf.hf_features(encoder, x), run(ta, x))


def test_training_mode_computes_the_same_values():
    """HF's forward marks the input as requiring grad in training mode (for gradient
    checkpointing); the values stay the same."""
    encoder = hf.to_hf(randomize_(get_feature_extractor("layer_norm", SMALL, True), seed=6))
    x = padded_batch([4000])
    expected = run(encoder, x)
    encoder.train()
    out = encoder(x).transpose(1, 2)
    assert out.requires_grad and torch.equal(out.detach(), expected)


def test_copying_into_the_wrong_architecture_names_the_fix():
    group = get_feature_extractor("group_norm", SMALL, False)
    layer = hf.feature_encoder(hf.make_config(hf.config_fields("layer_norm", SMALL, False)))
    with pytest.raises(ValueError, match=r"feat_extract_norm <-> norm_mode"):
        hf.copy_weights(group, layer)


def test_hf_features_checks_its_input():
    encoder = hf.to_hf(get_feature_extractor("group_norm", SMALL, False))
    with pytest.raises(ValueError, match=r"fewer than the receptive field of 400"):
        hf.hf_features(encoder, torch.zeros(300))


# --- HuBERT and WavLM ---


@pytest.mark.parametrize("family", ["hubert", "wavlm"])
def test_hubert_and_wavlm_encoders_are_wav2vec2s_code(family):
    assert hf.same_code(family) == dict.fromkeys(hf.ENCODER_CLASSES, True)
    mirror = randomize_(get_feature_extractor("layer_norm", SMALL, False), seed=7).eval()
    encoder = hf.to_hf(mirror, family=family)
    assert type(encoder).__name__ == {"hubert": "HubertFeatureEncoder", "wavlm": "WavLMFeatureEncoder"}[family]
    x = padded_batch(LENGTHS)
    assert hf.max_abs_diff(run(encoder, x), run(mirror, x)) == 0.0


def test_same_code_notices_a_difference(monkeypatch):
    w2v2 = hf.modeling("wav2vec2")
    fake = type(sys)("fake_hubert")  # a module whose HubertFeatureEncoder is another class's code
    for name in hf.ENCODER_CLASSES:
        setattr(fake, "Hubert" + name, getattr(w2v2, "Wav2Vec2" + name))
    fake.HubertFeatureEncoder = w2v2.Wav2Vec2NoLayerNormConvLayer
    real = hf.modeling
    monkeypatch.setattr(hf, "modeling", lambda family="wav2vec2": fake if family == "hubert" else real(family))
    assert hf.same_code("hubert") == {
        "FeatureEncoder": False,
        "GroupNormConvLayer": True,
        "LayerNormConvLayer": True,
        "NoLayerNormConvLayer": True,
    }


# --- lengths, hop, masks ---


def test_output_lengths_equal_the_package_for_every_length_up_to_20000():
    lengths = torch.arange(0, 20_001)
    got = hf.output_lengths(hf.config_for("wav2vec2_base"), lengths)
    closed_form = torch.clamp((lengths - 400).div(320, rounding_mode="floor") + 1, min=0)
    package = torch.tensor([ar.num_frames(int(n)) for n in lengths])
    assert torch.equal(package, closed_form)
    assert torch.equal(got[80:], closed_form[80:])
    # HF does not clamp at 0 as torchaudio does: below 80 samples the first conv's count goes
    # negative and stays -1 through the stack.
    assert torch.equal(got[:80], torch.full((80,), -1))
    assert torch.equal(got.clamp(min=0), closed_form)


def test_output_lengths_follow_any_stack():
    shapes = [(4, 10, 5), (4, 3, 2), (4, 3, 2), (4, 2, 2)]  # a 10 ms hop
    config = hf.make_config(hf.config_fields("group_norm", shapes, False))
    lengths = torch.arange(0, 5000)
    got = hf.output_lengths(config, lengths).clamp(min=0)
    assert got.tolist() == [ar.num_frames(int(n), shapes) for n in lengths]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_inputs_to_logits_ratio_is_the_hop(preset):
    config = hf.config_for(preset)
    assert config.inputs_to_logits_ratio == ar.hop_length(PRESETS[preset].shapes) == 320
    shapes = [(4, 10, 5), (4, 3, 2), (4, 3, 2), (4, 2, 2)]
    other = hf.make_config(hf.config_fields("layer_norm", shapes, True), family=hf.family_of(preset))
    assert other.inputs_to_logits_ratio == ar.hop_length(shapes) == math.prod(s for _, _, s in shapes) == 40


def test_frame_mask_matches_the_frame_counts_and_marks_too_short_clips_valid():
    config = hf.config_for("wav2vec2_base")
    lengths = [16_000, 8_000, 5_000, 400, 300, 50]
    attention = (torch.arange(16_000) < torch.tensor(lengths)[:, None]).long()
    mask = hf.feature_vector_mask(config, attention, 49)
    valid = mask.sum(-1).tolist()
    assert valid[:4] == [(n - 400) // 320 + 1 for n in lengths[:4]] == [49, 24, 15, 1]
    assert torch.equal(mask[:4], torch.arange(49) < torch.tensor(valid[:4])[:, None])
    # A clip with no frame at all (0 or -1 from the unclamped lengths) indexes the mask at -1 or -2:
    # HF marks all 49 (or 48) frames valid. Notebook 9's exercise reveals this.
    assert valid[4:] == [49, 48]


# --- the ASR pipeline's chunking ---


class Recorder(torch.nn.Module):
    """An extractor that remembers every input it was given."""

    def __init__(self, extractor):
        super().__init__()
        self.inner, self.conv_layers, self.inputs = extractor, extractor.conv_layers, []

    def forward(self, x, length):
        self.inputs.append(x.clone())
        return self.inner(x, length)


def test_pipeline_chunks_are_hop_aligned_and_tile_the_frames():
    mirror = Recorder(randomize_(get_feature_extractor("layer_norm", SMALL, True), seed=8).eval())
    x = padded_batch([16_000])[0]
    features, chunks = hf.pipeline_features(mirror, x, chunk_length_s=0.5, stride_length_s=0.1)
    assert [c.start for c in chunks] == [0, 4800, 9600]  # steps of 0.5 s - 2 x 0.1 s, multiples of 320
    for chunk, seen in zip(chunks, mirror.inputs, strict=True):
        assert torch.equal(seen[0], x[chunk.start : chunk.start + chunk.num_samples])
    assert features.shape[0] == ar.num_frames(16_000)
    firsts = [c.start // 320 + c.keep[0] for c in chunks]
    stops = [c.start // 320 + c.keep[1] for c in chunks]
    assert firsts[0] == 0 and firsts[1:] == stops[:-1]  # the kept frames tile the frame grid
    full = run(mirror.inner, x[None])[0]
    rel = ((features - full).norm() / full.norm()).item()
    assert rel < 1e-5  # layer_norm, no normalisation: the same frames up to float rounding


@pytest.mark.parametrize(
    ("norm_mode", "bias", "do_normalize"), [("group_norm", False, False), ("layer_norm", True, True)]
)
def test_pipeline_values_differ_for_group_norm_and_per_chunk_normalisation(norm_mode, bias, do_normalize):
    mirror = randomize_(get_feature_extractor(norm_mode, SMALL, bias), seed=9).eval()
    x = padded_batch([16_000])[0] * torch.linspace(0.05, 2.0, 16_000)  # loudness that changes, as speech does
    features, _ = hf.pipeline_features(mirror, x, 0.5, 0.1, do_normalize=do_normalize)
    full = run(mirror, hf.processor_input(x, do_normalize))[0]
    assert features.shape == full.shape
    assert ((features - full).norm() / full.norm()).item() > 1e-3
