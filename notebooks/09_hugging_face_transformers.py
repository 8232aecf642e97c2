# ---
# jupyter:
#   jupytext:
#     cell_metadata_filter: tags,slideshow,-all
#     notebook_metadata_filter: kernelspec,w2v2,-jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
#   w2v2:
#     summary: transformers' Wav2Vec2FeatureEncoder is the same computation under other names,
#       config fields, state-dict keys, bit-identical outputs, the same length arithmetic
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 9. The same extractor in Hugging Face transformers
#
# Most readers meet wav2vec2 through 🤗 transformers (`Wav2Vec2Model`, `HubertModel`, `WavLMModel`).
# Their conv stack is `Wav2Vec2FeatureEncoder`: the extractor of notebooks 1–8 under other names.
# This notebook builds it from configs only (nothing is downloaded) and checks it against the
# mirror number for number.
#
# **You will learn** how the config fields `feat_extract_norm`, `conv_dim`, `conv_kernel`,
# `conv_stride` and `conv_bias` map to torchaudio's `norm_mode`, `shapes` and `bias` and to every
# preset; that the state-dict keys are the same names, so weights copy across with `strict=True`
# and give max |diff| 0.0 in both directions, and why; that HuBERT's and WavLM's encoders are the
# same code; and what `_get_feat_extract_output_lengths` and `inputs_to_logits_ratio` compute.
#
# **What to know first:** notebooks 2 (the source), 3 (lengths) and 5 (the two norm modes).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import inspect

import torch
import transformers

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import compare, source
from w2v2_walkthrough import huggingface as hf

# %% slideshow={"slide_type": "skip"} tags=["setup", "parameters"]
WEIGHTS = "random"  # or a torchaudio bundle name such as "WAV2VEC2_BASE", or the path of a checkpoint
SEED = 0  # the seed of random weights
AUDIO = None  # the bundled clip, or the path of a recording (any rate; channels averaged)

# %% slideshow={"slide_type": "skip"} tags=["setup", "depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
weights = w2v.WeightChoice(WEIGHTS, SEED)
print(weights.banner())
print(w2v.clip_banner(AUDIO))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Where the encoder lives
#
# `transformers/models/wav2vec2/modeling_wav2vec2.py`, printed from the transformers installed
# here. The encoder's `forward`:

# %%
source.library_part(hf.modeling().Wav2Vec2FeatureEncoder.forward)

# %% [markdown]
# The loop is torchaudio's `FeatureExtractor.forward` (notebook 2) with three differences: it
# takes no `length` (and returns none), it returns `[batch, feature, frame]` (its caller,
# `Wav2Vec2Model.forward`, transposes), and in training mode, unless the encoder was frozen
# (`_freeze_parameters()`), it marks the input as requiring grad, for gradient checkpointing;
# that changes no value (tests/package/test_huggingface.py checks).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### One layer
#
# With `feat_extract_norm="layer"`, every layer is a `Wav2Vec2LayerNormConvLayer`:

# %%
source.library_part(hf.modeling().Wav2Vec2LayerNormConvLayer.forward)

# %% [markdown]
# Conv, transpose, `nn.LayerNorm` over the channels, transpose back, activation: the mirror's
# `ConvLayerBlock` with its transpose `LayerNorm` written inline. With `"group"`, layer 0 is a
# `Wav2Vec2GroupNormConvLayer` (conv, `GroupNorm(512, 512)`, activation) and layers 1–6 are
# `Wav2Vec2NoLayerNormConvLayer` (conv, activation).

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Config fields ↔ torchaudio's arguments
#
# Six fields of `Wav2Vec2Config` decide the encoder. Five carry what torchaudio's
# `_get_feature_extractor` takes as three arguments; the sixth, `feat_extract_activation`, picks the
# activation, which torchaudio fixes to GELU (so the package refuses any other value). The
# package's mapping of the five:

# %% tags=["lecture"]
source.show(hf.config_fields)

# %% [markdown]
# torchaudio's own converter (`torchaudio/models/wav2vec2/utils/import_huggingface.py`,
# `_get_config`) maps the other way, the same way; the tests check both against each other.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### …and the presets
#
# Every preset, in both libraries' terms. The config class follows the model family; the
# kernels and strides are the same for all eleven.

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'preset':<21}{'HF config':<16}{'feat_extract_norm':<19}{'conv_bias':<11}torchaudio")
for r in hf.preset_table():
    hf_side = f"{r.config_class:<16}{r.feat_extract_norm!r:<19}{r.conv_bias!s:<11}"
    print(f"{r.preset:<21}{hf_side}{r.norm_mode}, bias={r.bias}")
assert {p.shapes for p in w2v.PRESETS.values()} == {tuple(w2v.DEFAULT_SHAPES)}  # one stack

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The defaults are Base
#
# A bare `Wav2Vec2Config()` describes the group_norm, bias-free stack of the Base models:

# %%
# NBVAL_CHECK_OUTPUT
default = transformers.Wav2Vec2Config()
for field in hf.CONFIG_FIELDS:
    print(f"{field:<18}{getattr(default, field)}")
print("describes the presets:", hf.presets_for(default))
print(f"and the sixth field, feat_extract_activation: {default.feat_extract_activation!r}")
assert all(hf.preset_config(p).feat_extract_activation == "gelu" for p in w2v.PRESETS)
assert "(10, 3, 3, 3, 3, 3, 3)" in transformers.Wav2Vec2Config.__doc__

# %% [markdown]
# One trap: the class's docstring gives `conv_kernel`'s default as `(10, 3, 3, 3, 3, 3, 3)` (the
# assert finds it there); the code's default, printed above, is `(10, 3, 3, 3, 3, 2, 2)`, the
# kernels every preset uses. Trust the printed config.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Building the encoder from a config
#
# `hf.preset_config(preset)` makes the family's config with the preset's fields;
# `hf.feature_encoder(config)` instantiates HF's class from it. No hub, no download.

# %%
# NBVAL_CHECK_OUTPUT
for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
    encoder = hf.feature_encoder(hf.preset_config(preset))
    names = [type(layer).__name__.removeprefix("Wav2Vec2") for layer in encoder.conv_layers]
    print(f"{preset}: {type(encoder).__name__}")
    print(f"   layer 0 {names[0]}, layers 1-6 {sorted(set(names[1:]))}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The same names in the state dict
#
# Both libraries call a layer's conv `conv` and its norm `layer_norm`, the GroupNorm included
# (torchaudio's `ConvLayerBlock` takes any norm as its `layer_norm` argument; HF's
# `Wav2Vec2GroupNormConvLayer` names its `nn.GroupNorm` `self.layer_norm`).

# %%
# NBVAL_CHECK_OUTPUT
for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
    ours = weights.extractor(preset).state_dict()
    theirs = hf.feature_encoder(hf.preset_config(preset)).state_dict()
    same_shapes = all(ours[k].shape == v.shape for k, v in theirs.items())
    same = sorted(ours) == sorted(theirs) and same_shapes
    print(f"{preset}: {len(ours)} tensors, same names and shapes: {same}")
    layer0 = [k.split(".", 2)[2] for k in theirs if k.startswith("conv_layers.0.")]
    print("   layer 0:", layer0)

# %% [markdown]
# Only the order differs (torchaudio registers the norm before the conv), and
# `load_state_dict` matches by name. So no renaming is needed: `hf.copy_weights(a, b)` is
# `b.load_state_dict(a.state_dict(), strict=True)` with an error that names the fix.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## HuBERT and WavLM: the same code
#
# `HubertFeatureEncoder` and `WavLMFeatureEncoder` are classes of their own. transformers
# generates their modeling files from "modular" sources (`modular_hubert.py` says
# `class HubertFeatureEncoder(Wav2Vec2FeatureEncoder): pass`). Compared statement by statement,
# class-name prefix aside:

# %%
# NBVAL_CHECK_OUTPUT
for family in ["hubert", "wavlm"]:
    prefix = hf.FAMILIES[family]
    for name, same in hf.same_code(family).items():
        print(f"{prefix + name:<28} same statements as Wav2Vec2{name}: {same}")

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Copy the weights across: max |diff| 0.0
#
# `hf.to_hf(extractor, family)` builds HF's encoder with the extractor's architecture and loads its
# weights strictly. Both run on a zero-padded batch (two short pieces of the speech clip) for one
# preset of each architecture and family:

# %% tags=["lecture", "run-live"]
# NBVAL_CHECK_OUTPUT
speech, _ = w2v.load_speech_clip(AUDIO)
x = torch.zeros(2, 1_600)  # (B, T): a padded batch
x[0], x[1, :1_000] = speech[8_000:9_600], speech[20_000:21_000]
extractors, encoders = {}, {}  # kept for the cells below
for preset in ["wav2vec2_base", "wav2vec2_large_lv60k", "hubert_large", "wavlm_base"]:
    extractors[preset] = extractor = weights.extractor(preset)
    encoders[preset] = encoder = hf.to_hf(extractor, hf.family_of(preset))
    ours, _ = w2v.extract_features(extractor, x)  # (B, F, C)
    diff = compare.difference(ours, hf.hf_features(encoder, x)).max_abs
    print(f"{preset:<21} -> {type(encoder).__name__:<23} max |diff| = {diff}")
    assert diff == 0.0

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### And back
#
# An encoder with weights that come from HF's side (here PyTorch's default init of HF's
# modules, not `weights.extractor`) loaded into the mirror with `hf.from_hf`:

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(SEED)  # PyTorch's default init draws from torch's global generator
encoder = hf.feature_encoder(hf.preset_config("wavlm_large"))  # PyTorch's default init
mirror = hf.from_hf(encoder)
ours = w2v.extract_features(mirror, x)[0]  # (B, frames, 512)
diff = compare.difference(ours, hf.hf_features(encoder, x)).max_abs
print(f"WavLMFeatureEncoder -> mirror: max |diff| = {diff}")
assert diff == 0.0

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Why bit for bit: the same ops
#
# Exact equality needs the same operations in the same order, not just the same maths. The
# pieces of HF's layers beside the mirror's:

# %%
# NBVAL_CHECK_OUTPUT
base, lv60k = encoders["wav2vec2_base"], encoders["wav2vec2_large_lv60k"]  # HF's classes
act = base.conv_layers[0].activation
print(f"HF {type(act).__name__}.act is F.gelu: {act.act is torch.nn.functional.gelu}")
print("HF     ", base.conv_layers[0].layer_norm)
print("mirror ", extractors["wav2vec2_base"].conv_layers[0].layer_norm)
print("HF     ", lv60k.conv_layers[1].layer_norm)
print("mirror ", extractors["wav2vec2_large_lv60k"].conv_layers[1].layer_norm)

# %% [markdown]
# The activation is `F.gelu` called with its default (exact, erf-based) form, as `ConvLayerBlock`
# calls it; the norms are PyTorch's `GroupNorm` and `LayerNorm` with the same shapes and `eps`
# (both libraries transpose around the `LayerNorm` alike); the convs are the same `nn.Conv1d`.
# The same operations in the same order, on inputs of the same shape on the same backend, give
# the same floats (a different batch shape can change the last bits: notebook 10, question 7).

# %% [markdown] slideshow={"slide_type": "notes"}
# transformers decorates `GELUActivation` with `use_kernel_forward_from_hub("GeLU")`: with the
# optional `kernels` package installed and a model "kernelized", a Hub kernel could replace its
# forward (and exactness would no longer be guaranteed). Without `kernels`, as here, the decorator
# is a no-op.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Output lengths: `_get_feat_extract_output_lengths`
#
# HF computes frame counts on the model class (`Wav2Vec2PreTrainedModel`), from the config. The
# lines that count (an `add_adapter` branch follows, off for these models):

# %%
model_class = hf.modeling().Wav2Vec2PreTrainedModel
lengths_method = model_class._get_feat_extract_output_lengths
source.library_part(lengths_method, "def _conv_out_length", "if add_adapter")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Against the package
#
# The per-layer `floor((L - k) / s) + 1` of notebook 3, with the same floor division torchaudio's
# `ConvLayerBlock` uses. `hf.output_lengths` calls this very method on a tiny model with the same
# kernels and strides:

# %%
# NBVAL_CHECK_OUTPUT
lengths = torch.arange(400, 20_001)  # from one frame up to 1.25 s
theirs = hf.output_lengths(hf.preset_config("wav2vec2_base"), lengths)
ours = torch.tensor([ar.num_frames(int(n)) for n in lengths])
assert torch.equal(theirs, ours)
print(f"HF and the package agree on all {len(lengths)} lengths from 400 to 20 000 samples")

# %% [markdown]
# Below 400 samples no frame fits, and the package (like torchaudio) says 0. What HF's method
# says there is Exercise 2.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## `inputs_to_logits_ratio` is the hop
#
# HF's configs expose the hop as a property:

# %%
source.library_part(type(default).inputs_to_logits_ratio.fget)

# %% [markdown]
# The product of the strides, 320: samples per frame. The ASR pipeline aligns its chunks and
# its timestamps to it (notebook 10). There is no field for the 400-sample receptive field:

# %%
# NBVAL_CHECK_OUTPUT
config = hf.preset_config("wav2vec2_base")
print("inputs_to_logits_ratio:", config.inputs_to_logits_ratio, "| hop:", ar.hop_length())
print("receptive field (package):", ar.receptive_field(), "samples")
assert config.inputs_to_logits_ratio == ar.hop_length()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What HF's encoder does not give you
#
# No lengths in, no lengths out, and channels before frames:

# %%
# NBVAL_CHECK_OUTPUT
extractor, encoder = extractors["wav2vec2_base"], encoders["wav2vec2_base"]  # from above
with torch.no_grad():
    print("HF     forward", inspect.signature(encoder.forward), "->", list(encoder(x).shape))
features, frames = w2v.extract_features(extractor, x, lengths=torch.tensor([1_600, 1_000]))
print("mirror forward(x, length) ->", list(features.shape), "+ valid frames", frames.tolist())

# %% [markdown]
# In HF, valid frames come from `attention_mask` through `_get_feat_extract_output_lengths`
# (notebook 10), after the conv stack. No mask reaches the conv feature encoder: as in torchaudio,
# the lengths fix the frame *counts* for every model (in HF, counts for rows of at least 80
# samples, the mask for rows of at least 400: notebook 10, question 9), but the *values* of a group_norm model's
# valid frames still depend on the padding, which enters layer 0's GroupNorm statistics
# (notebook 5).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Where the mask does go
#
# The transformer encoder after the feature encoder (and its projection) zeroes the padded frames
# before its first convolution, the convolutional positional embedding `pos_conv_embed`:

# %%
encoder_class = hf.modeling().Wav2Vec2Encoder  # the transformer encoder
source.library_part(encoder_class.forward, "if attention_mask is not None", "hidden_states = hidden_")

# %% [markdown]
# So the mask reaches a convolution, but only after the conv feature encoder, at frame level.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - `feat_extract_norm` = `norm_mode` without `_norm`; `(conv_dim, conv_kernel, conv_stride)` zipped
#   = `shapes`; `conv_bias` = `bias`; `feat_extract_activation` must be `"gelu"`, torchaudio's only
#   choice. A bare `Wav2Vec2Config()` is the Base stack.
# - Same state-dict names and shapes (the GroupNorm is `layer_norm` in both): weights load
#   both ways with `strict=True`, and outputs agree with max |diff| 0.0, because the ops are the
#   same PyTorch calls in the same order.
# - HuBERT's and WavLM's encoders are the same code under other class names.
# - `_get_feat_extract_output_lengths` is the per-layer floor of notebook 3 without torchaudio's
#   clamp at 0; `inputs_to_logits_ratio` is the hop, 320.
# - HF's feature encoder takes no lengths and no mask, and returns `[batch, feature, frame]`; the
#   transformer encoder after it zeroes the padded frames before its positional convolution.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: a checkpoint without its config
#
# Someone hands you the `state_dict` of an HF feature encoder (the `conv_layers...` keys, as in
# "The same names in the state dict") and its strides, but not its config. Write
# `torchaudio_args(state_dict, conv_stride)`: the `(norm_mode, shapes, bias)` that make
# torchaudio's builder (and `w2v.get_feature_extractor`) build the stack those weights belong to.
# The checker builds the mirror from your answer for eight encoders of two to seven layers, loads
# the weights into it and compares the outputs exactly.


# %% tags=["solution"]
def torchaudio_args(state_dict, conv_stride):
    """torchaudio's (norm_mode, shapes, bias) for an HF feature encoder's state_dict."""
    shapes = []
    for i, stride in enumerate(conv_stride):
        out_channels, _, kernel = state_dict[f"conv_layers.{i}.conv.weight"].shape  # (out, in, k)
        shapes.append((out_channels, kernel, stride))
    norm_mode = "layer_norm" if "conv_layers.1.layer_norm.weight" in state_dict else "group_norm"
    return norm_mode, shapes, "conv_layers.0.conv.bias" in state_dict


# %%
w2v.exercises.check_torchaudio_args(torchaudio_args)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: predict, then run
#
# What does HF's `_get_feat_extract_output_lengths` return for inputs
# of 0, 100 and 399 samples? The package, like torchaudio, clamps every layer's count at 0 and
# says 0 for all three; HF's loop (shown above) has no clamp. Work it layer by layer and write a
# list of three integers.

# %% tags=["solution"]
prediction = [-1, 0, 0]

# %%
w2v.exercises.check_hf_short_lengths(prediction)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 2, after you answer: run it
#
# HF's counts and the package's:

# %%
# NBVAL_CHECK_OUTPUT
short = [0, 79, 80, 100, 399, 400]
print("HF:     ", hf.output_lengths(hf.preset_config("wav2vec2_base"), short).tolist())
print("package:", [ar.num_frames(n) for n in short])

# %% [markdown]
# The two agree from 80 samples on (0 frames up to 399) and differ below 80.

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 2, after you answer: layer by layer
#
# HF's `_conv_out_length` line (shown above) for 79 samples, layer by layer, beside the package's
# counts, which are clamped at 0:

# %%
# NBVAL_CHECK_OUTPUT
layers = list(zip(config.conv_kernel, config.conv_stride, strict=True))  # (kernel, stride)
counts, n = [], torch.tensor(79)
for k, s in layers:
    n = torch.div(n - k, s, rounding_mode="floor") + 1  # HF's _conv_out_length
    counts.append(int(n))
print("79 samples, HF per layer:     ", counts)
print("79 samples, package per layer:", ar.layer_output_lengths(79))
print("a count of -1 in layers 1-6 ->", [(-1 - k) // s + 1 for k, s in layers[1:]])
assert counts[-1] == hf.output_lengths(config, [79]).item()

# %% [markdown]
# Without the clamp, a count that drops below 0 in some layer (layer 4 for 79 samples) stays
# there: $\lfloor (-1 - k)/2 \rfloor + 1 = -1$ for the kernels 3 and 2 of layers 1–6, so -1
# is a fixed point, and the method returns -1 (for rows under 80 samples; 0 for 80 to 399).

# %% [markdown]
# **Next:** notebook 10 answers the questions people ask on the issue trackers, with the package.
