"""exact_batch: a padded batch through a whole model (torchaudio, its bundle wrappers, Hugging Face)
gives every item what it gives alone, where the plain batch does not; the model is left as it was;
bad calls get one-line errors; and the library internals it relies on are still there.

Small models (32 channels, 2 transformer layers) keep it cheap (the full Base model is measured in
benchmarks/exact_batch.py). Lengths sit at frame boundaries: 400 samples is exactly one frame, 720 two, 16 000 fifty."""

import numpy as np
import pytest
import torch
import torchaudio
import transformers as tf
from torchaudio.pipelines._wav2vec2.utils import _extend_model, _Wav2Vec2Model

from w2v2_walkthrough import exact_batch, hf_batch_inputs
from w2v2_walkthrough.batching import HF_CLASSES
from w2v2_walkthrough.chunked import FrozenGroupNorm
from w2v2_walkthrough.compare import difference

LENGTHS = [16_000, 720, 400, 11_000]
SMALL_CONV = [(32, 10, 5)] + [(32, 3, 2)] * 4 + [(32, 2, 2)] * 2  # wav2vec2's strides, 32 channels
REL = 1e-5  # float32 rounding: max |diff| over max |solo|
WRAPPERS = {  # what each bundle kind's get_model() wraps the model in (torchaudio.pipelines._wav2vec2.impl)
    "bare": None,
    "normalizing": dict(normalize_waveform=True),
    "mms_fa": dict(normalize_waveform=True, apply_log_softmax=True, append_star=True),
}


def small_torchaudio(norm_mode: str, wrapper: str | None = None, seed: int = 0) -> torch.nn.Module:
    torch.manual_seed(seed)
    model = torchaudio.models.wav2vec2_model(
        extractor_mode=norm_mode,
        extractor_conv_layer_config=SMALL_CONV,
        extractor_conv_bias=norm_mode == "layer_norm",
        encoder_embed_dim=32,
        encoder_projection_dropout=0.1,
        encoder_pos_conv_kernel=16,
        encoder_pos_conv_groups=2,
        encoder_num_layers=2,
        encoder_num_heads=2,
        encoder_attention_dropout=0.1,
        encoder_ff_interm_features=64,
        encoder_ff_interm_dropout=0.1,
        encoder_dropout=0.1,
        encoder_layer_norm_first=norm_mode == "layer_norm",
        encoder_layer_drop=0.1,
        aux_num_out=5,
    )
    if WRAPPERS[wrapper or "bare"]:
        model = _extend_model(model, **WRAPPERS[wrapper])
    return model.eval()


def padded(lengths=LENGTHS, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """Clips with a DC offset (so that padding with zeros is a step), zero-padded to the longest."""
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(len(lengths), max(lengths), generator=g) * 0.1 + 0.05  # (B, T)
    for b, n in enumerate(lengths):
        x[b, n:] = 0
    return x, torch.tensor(lengths)


def worst_item(batched, solos) -> float:
    """The largest max |diff| / max |solo| over the items' valid frames."""
    return max(difference(batched[b, : solo.shape[0]], solo).max_rel for b, solo in enumerate(solos))


def torchaudio_solos(model, x, lengths):
    with torch.no_grad():
        return [model(x[b : b + 1, :n])[0][0] for b, n in enumerate(lengths.tolist())]  # (frames_b, D) each


@pytest.mark.parametrize("wrapper", list(WRAPPERS))
@pytest.mark.parametrize("norm_mode", ["group_norm", "layer_norm"])
def test_torchaudio_batch_equals_solo_runs_where_the_plain_batch_does_not(norm_mode, wrapper):
    model = small_torchaudio(norm_mode, wrapper)
    x, lengths = padded()
    solos = torchaudio_solos(model, x, lengths)
    exact = exact_batch(model)
    with torch.no_grad():
        got, out_lengths = exact(x, lengths)
        features, _ = exact.extract_features(x, lengths, num_layers=1)
    assert out_lengths.tolist() == [s.shape[0] for s in solos] == [49, 2, 1, 34]
    assert worst_item(got, solos) <= REL
    inner = model.model if wrapper != "bare" else model
    with torch.no_grad():  # extract_features too: the first transformer layer of each item alone
        x_in = [
            torch.nn.functional.layer_norm(x[b, :n], (n,)) if wrapper != "bare" else x[b, :n]
            for b, n in enumerate(LENGTHS)
        ]
        layer1 = [inner.extract_features(xi[None], num_layers=1)[0][0][0] for xi in x_in]
    assert worst_item(features[0], layer1) <= REL
    if wrapper == "mms_fa":  # torchaudio's own wrapper appends a star column for one item only
        with pytest.raises(RuntimeError, match="Sizes of tensors must match"), torch.no_grad():
            model(x, lengths)
        assert got.shape[-1] == 6 and (got[..., -1] == 0).all()
        return
    with torch.no_grad():
        plain, _ = model(x, lengths)
    if norm_mode == "layer_norm" and wrapper == "bare":
        # Nothing to fix: a layer_norm conv stack is per position and the transformer masks by lengths,
        # so exact_batch leaves the call as it is: the same numbers as the plain batch.
        assert torch.equal(got, plain)
    else:
        assert worst_item(plain, solos) > 0.05  # the plain batch is far from the solo runs


def snapshot(model) -> dict:
    """What must not change: every tensor of the state dict, the module tree, and every hook."""
    return {
        "state": {k: v.clone() for k, v in model.state_dict().items()},
        "tree": [(name, type(m), id(m)) for name, m in model.named_modules()],
        "hooks": [(id(m), dict(m._forward_hooks), dict(m._forward_pre_hooks)) for m in model.modules()],
        "training": [m.training for m in model.modules()],
    }


def same(a: dict, b: dict) -> bool:
    return (
        a["state"].keys() == b["state"].keys()
        and all(torch.equal(a["state"][k], b["state"][k]) for k in a["state"])
        and a["tree"] == b["tree"]
        and a["hooks"] == b["hooks"]
        and a["training"] == b["training"]
    )


def test_the_model_is_left_exactly_as_it_was_after_a_call_and_after_an_exception():
    model = small_torchaudio("group_norm", "normalizing")
    x, lengths = padded()

    def fail(module, args, output):
        assert isinstance(model.model.feature_extractor.conv_layers[0].layer_norm, FrozenGroupNorm)  # swapped in
        raise RuntimeError("failure inside the model")

    handle = model.model.encoder.register_forward_hook(fail)
    before = snapshot(model)
    with pytest.raises(RuntimeError, match="failure inside"), torch.no_grad():
        exact_batch(model)(x, lengths)
    assert same(snapshot(model), before)
    handle.remove()
    before = snapshot(model)
    with torch.no_grad():
        exact_batch(model)(x, lengths)
    assert same(snapshot(model), before)
    assert isinstance(model.model.feature_extractor.conv_layers[0].layer_norm, torch.nn.GroupNorm)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ex, x, n: ex(x), r"call it as model\(waveforms, lengths\)"),
        (
            lambda ex, x, n: ex(x, torch.tensor([16_000, 17_000, 400, 10])),
            r"lengths\[1\] = 17000 is longer than .* 16000 samples",
        ),
        (
            lambda ex, x, n: ex(x, torch.tensor([16_000, 720, 399, 400])),
            r"Item 2 has 399 samples .*fewer than the receptive field of 400 samples.*Drop it, or pad it",
        ),
        (lambda ex, x, n: ex(x, torch.tensor([16_000, 720])), "2 entries for a batch of 4"),
    ],
)
def test_bad_calls_get_one_line_errors_naming_the_fix(call, message):
    model = small_torchaudio("group_norm")
    x, lengths = padded()
    with pytest.raises(ValueError, match=message) as err, torch.no_grad():
        call(exact_batch(model), x, lengths)
    assert "\n" not in str(err.value)


def test_unknown_models_and_training_mode_are_refused():
    with pytest.raises(TypeError, match="does not know Linear; it supports a torchaudio Wav2Vec2Model") as err:
        exact_batch(torch.nn.Linear(2, 2).eval())
    assert "Hugging Face Wav2Vec2Model" in str(err.value)
    with pytest.raises(TypeError, match="torchaudio's WavLM models cannot take lengths"):
        exact_batch(
            torchaudio.models.wavlm_model(
                **{**small_params("layer_norm"), "encoder_num_buckets": 8, "encoder_max_distance": 16}
            ).eval()
        )
    model = small_torchaudio("group_norm").train()
    with pytest.raises(ValueError, match=r"call model.eval\(\) first \(in training mode dropout"):
        exact_batch(model)
    exact = exact_batch(model.eval())
    model.train()
    with pytest.raises(ValueError, match=r"model.eval\(\)"):
        exact(*padded())


def small_params(norm_mode):
    return dict(
        extractor_mode=norm_mode,
        extractor_conv_layer_config=SMALL_CONV,
        extractor_conv_bias=False,
        encoder_embed_dim=32,
        encoder_projection_dropout=0.0,
        encoder_pos_conv_kernel=16,
        encoder_pos_conv_groups=2,
        encoder_num_layers=1,
        encoder_num_heads=2,
        encoder_attention_dropout=0.0,
        encoder_ff_interm_features=64,
        encoder_ff_interm_dropout=0.0,
        encoder_dropout=0.0,
        encoder_layer_norm_first=False,
        encoder_layer_drop=0.0,
        aux_num_out=None,
    )


def test_the_internals_it_relies_on_are_still_there():
    """If torchaudio or transformers move these, exact_batch's docstring (and its code) is out of date."""
    for model in (small_torchaudio("group_norm"), tiny_hf(tf.Wav2Vec2Config, tf.Wav2Vec2Model, "group")):
        encoder = getattr(model, "feature_extractor", None) or model.base_model.feature_extractor
        block = encoder.conv_layers[0]
        assert isinstance(block.conv, torch.nn.Conv1d) and block.conv.in_channels == 1
        assert isinstance(block.layer_norm, torch.nn.GroupNorm)
        assert block.layer_norm.num_groups == block.layer_norm.num_channels
    wrapper = small_torchaudio("layer_norm", "mms_fa")
    assert isinstance(wrapper, _Wav2Vec2Model)
    assert (wrapper.normalize_waveform, wrapper.apply_log_softmax, wrapper.append_star) == (True, True, True)
    # The wrapper's forward is what exact_batch re-does per item: one unpadded item gives the same numbers.
    x = padded([4_000])[0]
    with torch.no_grad():
        assert difference(exact_batch(wrapper)(x, torch.tensor([4_000]))[0], wrapper(x)[0]).max_rel <= REL
    assert {c for c in HF_CLASSES if not hasattr(tf, c)} == set()


# --- Hugging Face -----------------------------------------------------------------------------------


def tiny_hf(config_class, model_class, norm: str, seed: int = 0):
    config = config_class(
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        conv_dim=(32,) * 7,
        feat_extract_norm=norm,
        do_stable_layer_norm=norm == "layer",
        conv_bias=norm == "layer",
        num_conv_pos_embeddings=16,
        num_conv_pos_embedding_groups=2,
        vocab_size=5,
    )
    torch.manual_seed(seed)
    return model_class(config).eval()


def clips(lengths=LENGTHS, seed: int = 0) -> list[np.ndarray]:
    g = np.random.default_rng(seed)
    return [(0.1 * g.standard_normal(n) + 0.05).astype(np.float32) for n in lengths]


@pytest.mark.parametrize(
    ("config_class", "model_class", "norm"),
    [
        (tf.Wav2Vec2Config, tf.Wav2Vec2Model, "group"),
        (tf.Wav2Vec2Config, tf.Wav2Vec2ForCTC, "group"),
        (tf.Wav2Vec2Config, tf.Wav2Vec2ForCTC, "layer"),
        (tf.HubertConfig, tf.HubertModel, "group"),
        (tf.WavLMConfig, tf.WavLMModel, "group"),
    ],
)
# transformers' WavLM attention passes torch a float mask beside a bool one (its warning, not ours)
@pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask and attn_mask:UserWarning")
def test_hugging_face_batch_equals_each_clip_alone_through_processor_and_model(config_class, model_class, norm):
    model = tiny_hf(config_class, model_class, norm)
    processor = tf.Wav2Vec2FeatureExtractor(do_normalize=True, return_attention_mask=norm == "layer")
    key = "logits" if "CTC" in model_class.__name__ else "last_hidden_state"
    audio = clips()
    with torch.no_grad():
        solos = [model(**processor(c, sampling_rate=16_000, return_tensors="pt"))[key][0] for c in audio]
        inputs = hf_batch_inputs(processor, audio)
        got = exact_batch(model)(**inputs)[key]
        plain = model(**inputs)[key]  # the right inputs, the plain model
        # The processor's own batch: padded, then each row normalized over its padded length (no mask asked).
        as_processed = processor(
            audio, sampling_rate=16_000, padding=True, return_attention_mask=False, return_tensors="pt"
        )
        processed = exact_batch(model)(as_processed["input_values"], attention_mask=inputs["attention_mask"])[key]
    assert inputs["attention_mask"].sum(1).tolist() == LENGTHS
    assert worst_item(got, solos) <= REL
    if norm == "group":
        assert worst_item(plain, solos) > 0.05  # layer 0's statistics over the padded rows
        # A row normalized over its padded length is the clip times a gain plus an offset; layer 0's
        # per-item GroupNorm removes both (up to its eps), so exact_batch absorbs the processor's error.
        assert worst_item(processed, solos) <= 1e-4
    else:
        assert worst_item(plain, solos) <= REL  # layer_norm: the attention mask was all it needed
        assert worst_item(processed, solos) > 0.01  # the processor's normalization over padded rows


def test_hugging_face_errors_name_the_fix():
    model = tiny_hf(tf.Wav2Vec2Config, tf.Wav2Vec2Model, "group")
    inputs = hf_batch_inputs(tf.Wav2Vec2FeatureExtractor(), clips([800, 400]))
    with pytest.raises(ValueError, match=r"attention_mask=\.\.\.") as err:
        exact_batch(model)(inputs["input_values"])
    assert "\n" not in str(err.value)
    with pytest.raises(ValueError, match="right-padded"):
        exact_batch(model)(inputs["input_values"], attention_mask=inputs["attention_mask"].flip(1))
    with pytest.raises(TypeError, match="output_hidden_states=True"):
        exact_batch(model).extract_features(inputs["input_values"])
