"""Hugging Face's feature encoder is the same computation as torchaudio's and the mirror's: same
config under other names, same state-dict keys, bit-identical outputs, same length arithmetic."""

import ast
import inspect
import math
import sys
import textwrap
from pathlib import Path

import pytest
import torch
from torchaudio.models.wav2vec2 import components as ta_components
from torchaudio.models.wav2vec2.utils import import_huggingface as ta_import

from helpers import randomize_
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import codetext, get_feature_extractor, source
from w2v2_walkthrough import huggingface as hf
from w2v2_walkthrough.compare import difference
from w2v2_walkthrough.huggingface import code_identity
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
    assert hf.config_fields("group_norm", SMALL, False)["feat_extract_norm"] == "group"  # no import needed
    with pytest.raises(ImportError, match=r"pip install transformers"):
        hf.require_transformers()
    with pytest.raises(ImportError, match=r"pip install transformers"):
        hf.preset_config("wav2vec2_base")


# --- showing transformers' source ---


def test_show_cites_the_lines_it_shows():
    pipeline = hf.asr_pipeline()
    shown = source.library_part(pipeline.postprocess, "for item in offsets", "chunks.append")
    header, code = shown.splitlines()[0], shown.splitlines()[2:]
    first, last = (int(n) for n in header.split("lines ")[1].rstrip(":").split("-"))
    file_lines = Path(inspect.getsourcefile(type(pipeline))).read_text(encoding="utf-8").splitlines()
    assert header.startswith("# automatic_speech_recognition.py, lines ")
    assert file_lines[first - 1].strip() == code[0].strip() == "for item in offsets:"
    assert file_lines[last - 1].strip() == code[-1].strip() == "stop /= self.feature_extractor.sampling_rate"
    assert last - first + 1 == len(code)  # no docstring in between: one shown line per file line
    with pytest.raises(ValueError, match=r"contains 'no such line'"):
        source.library_part(pipeline.postprocess, "no such line")


def test_show_folds_long_lines_without_changing_the_code():
    """A shown method with lines of 100+ characters fits a slide and is still the same Python."""
    method = hf.modeling().Wav2Vec2PreTrainedModel._get_feature_vector_attention_mask
    shown = source.library_part(method)
    code = "\n".join(shown.splitlines()[2:])
    assert max(len(line) for line in shown.splitlines()) <= codetext.WIDTH
    file_text = Path(inspect.getsourcefile(method)).read_text(encoding="utf-8")
    assert max(len(line) for line in file_text.splitlines()) > codetext.WIDTH  # there was something to fold

    def code_of(text):
        return ast.dump(strip_docstring(ast.parse(textwrap.dedent(text)).body[0]))

    assert code_of(code) == code_of(inspect.getsource(method))


def strip_docstring(node):
    if ast.get_docstring(node) is not None:
        node.body = node.body[1:]
    return node


@pytest.mark.parametrize("width", [20, 40, 60, 80])
def test_fold_breaks_only_inside_brackets(width):
    line = "x = f(a_long_name, (b + c) * another_long_name, g(h, i_j_k), 'a, (string', last_one)"
    folded = codetext.fold(line, width)
    assert ast.dump(ast.parse(folded)) == ast.dump(ast.parse(line))
    assert all(len(part) <= width for part in folded.splitlines()[:-1]) or folded == line
    assert codetext.fold("# " + "word " * 30, 40).count("\n") >= 3
    assert codetext.fold("short", width) == "short"


# --- configs under other names ---


def test_preset_config_agrees_with_torchaudios_own_converter(preset_name):
    """torchaudio's import_huggingface maps an HF config back to the preset's arguments."""
    p = PRESETS[preset_name]
    config = hf.preset_config(preset_name)
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
    assert hf.extractor_args(hf.build_config(fields)) == ("layer_norm", shapes, True)
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
    encoder = hf.feature_encoder(hf.build_config(hf.config_fields(norm_mode, SMALL, bias))).state_dict()
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
    assert difference(run(encoder, batch), run(ta, batch)).max_abs == 0.0
    for n in (400, 720, 4000):
        assert difference(run(encoder, batch[-1:, :n]), run(ta, batch[-1:, :n])).max_abs == 0.0
    randomize_(encoder, seed=4)  # now HF holds weights of its own: copy them into the mirror
    mirror = hf.from_hf(encoder)
    assert hf.architecture(mirror) == (norm_mode, SMALL, bias)
    assert difference(run(mirror, batch), run(encoder, batch)).max_abs == 0.0


@pytest.mark.slow
@pytest.mark.parametrize("preset", ["wav2vec2_base", "wav2vec2_large_lv60k"])
def test_full_size_presets_are_bit_identical(preset):
    p = PRESETS[preset]
    ta = randomize_(ta_components._get_feature_extractor(p.norm_mode, list(p.shapes), p.bias), seed=5).eval()
    encoder = hf.copy_weights(ta, hf.feature_encoder(hf.preset_config(preset)))
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
    layer = hf.feature_encoder(hf.build_config(hf.config_fields("layer_norm", SMALL, False)))
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
    assert difference(run(encoder, x), run(mirror, x)).max_abs == 0.0


def test_same_code_notices_a_difference(monkeypatch):
    w2v2 = hf.modeling("wav2vec2")
    fake = type(sys)("fake_hubert")  # a module whose HubertFeatureEncoder is another class's code
    for name in hf.ENCODER_CLASSES:
        setattr(fake, "Hubert" + name, getattr(w2v2, "Wav2Vec2" + name))
    fake.HubertFeatureEncoder = w2v2.Wav2Vec2NoLayerNormConvLayer
    real = hf.modeling
    patched = lambda family="wav2vec2": fake if family == "hubert" else real(family)
    monkeypatch.setattr(code_identity, "modeling", patched)  # the module same_code looks it up in
    assert hf.same_code("hubert") == {
        "FeatureEncoder": False,
        "GroupNormConvLayer": True,
        "LayerNormConvLayer": True,
        "NoLayerNormConvLayer": True,
    }


# --- lengths, hop, masks ---


@pytest.mark.slow
def test_output_lengths_equal_the_package_for_every_length_up_to_20000():
    lengths = torch.arange(0, 20_001)
    got = hf.output_lengths(hf.preset_config("wav2vec2_base"), lengths)
    closed_form = torch.clamp((lengths - 400).div(320, rounding_mode="floor") + 1, min=0)
    package = torch.tensor([ar.num_frames(int(n)) for n in lengths])
    assert torch.equal(package, closed_form)
    assert torch.equal(got[80:], closed_form[80:])
    # HF does not clamp at 0 as torchaudio does: below 80 samples some layer's count drops below 0,
    # and -1 is a fixed point of floor((L - k) / s) + 1 for the kernels 3 and 2 with stride 2.
    assert torch.equal(got[:80], torch.full((80,), -1))
    assert torch.equal(got.clamp(min=0), closed_form)


def test_unclamped_counts_go_negative_in_a_later_layer_not_the_first():
    """Notebook 9's reading of 79 samples: the counts per layer, from HF's own method on the stack's
    first 1..7 layers, are 14, 6, 2, 0, -1, -1, -1; the first conv alone goes negative only below 5."""
    shapes = list(PRESETS["wav2vec2_base"].shapes)

    def hf_counts(n_layers, lengths):
        config = hf.build_config(hf.config_fields("group_norm", shapes[:n_layers], False))
        return hf.output_lengths(config, lengths).tolist()

    assert [hf_counts(n, [79])[0] for n in range(1, 8)] == [14, 6, 2, 0, -1, -1, -1]  # by hand
    first_layer = hf_counts(1, list(range(80)))
    assert [n for n, count in enumerate(first_layer) if count < 0] == [0, 1, 2, 3, 4]
    assert all(hf_counts(7, [n])[0] == -1 for n in (0, 4, 5, 40, 79))


def test_output_lengths_follow_any_stack():
    shapes = [(4, 10, 5), (4, 3, 2), (4, 3, 2), (4, 2, 2)]  # a 10 ms hop
    config = hf.build_config(hf.config_fields("group_norm", shapes, False))
    lengths = torch.arange(0, 5000)
    got = hf.output_lengths(config, lengths).clamp(min=0)
    assert got.tolist() == [ar.num_frames(int(n), shapes) for n in lengths]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_inputs_to_logits_ratio_is_the_hop(preset):
    config = hf.preset_config(preset)
    assert config.inputs_to_logits_ratio == ar.hop_length(PRESETS[preset].shapes) == 320
    shapes = [(4, 10, 5), (4, 3, 2), (4, 3, 2), (4, 2, 2)]
    other = hf.build_config(hf.config_fields("layer_norm", shapes, True), family=hf.family_of(preset))
    assert other.inputs_to_logits_ratio == ar.hop_length(shapes) == math.prod(s for _, _, s in shapes) == 40


def test_frame_mask_matches_the_frame_counts_and_marks_too_short_clips_valid():
    config = hf.preset_config("wav2vec2_base")
    lengths = [16_000, 8_000, 5_000, 400, 300, 50]
    attention = (torch.arange(16_000) < torch.tensor(lengths)[:, None]).long()
    mask = hf.feature_vector_mask(config, attention, 49)
    valid = mask.sum(-1).tolist()
    assert valid[:4] == [(n - 400) // 320 + 1 for n in lengths[:4]] == [49, 24, 15, 1]
    assert torch.equal(mask[:4], torch.arange(49) < torch.tensor(valid[:4])[:, None])
    # A clip with no frame at all (0 or -1 from the unclamped lengths) indexes the mask at -1 or -2:
    # HF marks all 49 (or 48) frames valid. Notebook 10's exercise reveals this.
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


def test_a_stride_that_rounds_to_zero_loses_the_frame_at_each_boundary():
    """Chunks of 3200 samples without overlap: each holds 9 frames, not the 10 the pipeline counts,
    so the frame straddling each boundary (frame 9 of 0..18) is lost."""
    mirror = randomize_(get_feature_extractor("layer_norm", SMALL, True), seed=8).eval()
    x = padded_batch([6_400])[0]
    features, chunks = hf.pipeline_features(mirror, x, chunk_length_s=0.2, stride_length_s=0.004)  # 64 -> 0
    assert [(c.start, c.keep) for c in chunks] == [(0, (0, 10)), (3_200, (0, 10))]
    full = run(mirror, x[None])[0]
    assert len(full) == 19 and len(features) == 18
    assert torch.allclose(features, torch.cat([full[:9], full[10:]]), rtol=1e-4, atol=1e-6)


def test_pipeline_timestamps_are_frame_starts_from_the_pipelines_own_code():
    """One label per frame: a token whose run is frames [i, j] gets (i, j + 1) x hop / 16 000 s."""
    ctc = ["-"] * 10 + ["h"] * 3 + ["-"] * 5 + ["i"] * 2 + ["|"] + ["y"] + ["o"] * 2
    base = hf.preset_config("wav2vec2_base")
    chars = hf.pipeline_timestamps(ctc, base)
    assert chars == [
        {"text": "h", "timestamp": (10 * 0.02, 13 * 0.02)},
        {"text": "i", "timestamp": (18 * 0.02, 20 * 0.02)},
        {"text": " ", "timestamp": (20 * 0.02, 21 * 0.02)},
        {"text": "y", "timestamp": (21 * 0.02, 22 * 0.02)},
        {"text": "o", "timestamp": (22 * 0.02, 24 * 0.02)},
    ]
    words = hf.pipeline_timestamps(ctc, base, return_timestamps="word")
    assert words == [{"text": "hi", "timestamp": (0.2, 0.4)}, {"text": "yo", "timestamp": (0.42, 0.48)}]
    # another hop (strides 5, 2, 2, 2: 40 samples) scales every time: the config is what counts
    shapes = [(4, 10, 5), (4, 3, 2), (4, 3, 2), (4, 2, 2)]
    other = hf.build_config(hf.config_fields("layer_norm", shapes, True))
    assert hf.pipeline_timestamps(ctc, other)[0]["timestamp"] == (10 * 40 / 16_000, 13 * 40 / 16_000)
    with pytest.raises(ValueError, match=r"one per frame"):
        hf.pipeline_timestamps([], base)
    with pytest.raises(ValueError, match=r"'char' or 'word'"):
        hf.pipeline_timestamps(ctc, base, return_timestamps="frame")


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
