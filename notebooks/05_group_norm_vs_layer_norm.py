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
#     summary: over which axes the two norms really average, measured, and what that
#       means for padding, gain and streaming
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 5. Group norm vs layer norm
#
# torchaudio builds the extractor in one of two **norm modes**. `group_norm` puts a single
# `nn.GroupNorm(512, 512)` after the first conv; `layer_norm` puts a transpose `LayerNorm` after
# every conv. Write-ups often explain them with the image formulas ("GroupNorm averages over
# (C/G)·H·W, LayerNorm over C·H·W"), which describe neither module as torchaudio uses it. Here we
# **measure** which axes each one averages over, and what that does to batching, input scaling and
# streaming.
#
# **You will learn** what each norm computes in textbook form, over which axes each one really
# averages (measured), which models use which, and the consequences for batching, input gain and
# streaming.
#
# **What to know first:** notebook 2 (where the norms sit), notebook 4 (locality).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import norms, plotting
from w2v2_walkthrough.presets import PRESETS

# %% slideshow={"slide_type": "skip"} tags=["setup", "parameters"]
WEIGHTS = "random"  # or a torchaudio bundle name such as "WAV2VEC2_BASE", or the path of a checkpoint
SEED = 0  # the seed of random weights

# %% slideshow={"slide_type": "skip"} tags=["setup", "depends-on-weights"]
# NBVAL_CHECK_OUTPUT
weights = w2v.WeightChoice(WEIGHTS, SEED)
print(weights.banner())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What `GroupNorm(512, 512)` computes
#
# A conv output is `[batch, C, T]` (channels, frames). `GroupNorm(G, C)` splits the C channels into
# G groups and normalizes each (item, group) over everything in it. With `G = C = 512` each group is
# **one channel**, so the statistics are taken over the T frames of that channel for the whole
# utterance: this is *instance norm*. Written out, it equals the module:

# %%
# NBVAL_CHECK_OUTPUT
g = torch.Generator().manual_seed(0)
x = torch.randn(2, 512, 300, generator=g) * 3 + 1
gn = torch.nn.GroupNorm(512, 512)
same = torch.allclose(gn(x), norms.instance_norm_reference(x, gn.weight, gn.bias), atol=1e-5)
print("GroupNorm(512, 512) == mean/var over time, per (item, channel):", same)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What the transpose `LayerNorm` computes
#
# Notebook 2 showed it transposes to `[batch, T, C]` and normalizes the last axis: each (item,
# frame) over its 512 channels, independently of every other frame.

# %%
# NBVAL_CHECK_OUTPUT
ln = w2v.LayerNorm(512)
same = torch.allclose(ln(x), norms.channel_layer_norm_reference(x, ln.weight, ln.bias), atol=1e-5)
print("transpose LayerNorm == mean/var over channels, per (item, frame):", same)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Measuring the axes
#
# `norms.measure_normalized_axes` feeds a module an input in which every channel and every frame has
# its own offset and scale, sets the affine parameters to the identity, and reports how far the
# output is from mean 0 / std 1 along each candidate set of axes (≈0 means normalized there). The
# third module, `GroupNorm(1, 512)`, is what the image formula "LayerNorm over C·H·W" describes.

# %%
# NBVAL_CHECK_OUTPUT
modules = {
    "GroupNorm(512, 512)": torch.nn.GroupNorm(512, 512),
    "transpose LayerNorm": w2v.LayerNorm(512),
    "GroupNorm(1, 512)": torch.nn.GroupNorm(1, 512),
}
print(f"{'':<20}" + "".join(f"{label:>34}" for label in norms.CANDIDATE_AXES))
for name, module in modules.items():
    report = norms.measure_normalized_axes(module)
    print(f"{name:<20}" + "".join(f"{'~0' if v < 1e-3 else f'{v:.2f}':>34}" for v in report.values()))

# %% [markdown]
# Normalizing over a small set of axes also normalizes the union (if every channel has mean 0, so
# does the whole item), so what identifies a module is the **finest** set that scores ≈0:

# %%
# NBVAL_CHECK_OUTPUT
for name, module in modules.items():
    print(f"{name:<20} normalizes {norms.normalized_axes(module)}")

# %% [markdown]
# The same on real speech: layer 0's output after the GroupNorm of the Base model. Per channel
# (over time) every mean is 0 and every standard deviation 1 (a little less for the quietest channels, where
# eps matters), flat lines; per frame (over channels)
# they wander with the audio, because nothing normalizes that axis.

# %% slideshow={"slide_type": "subslide"}
after_norm = w2v.trace_activations(w2v.random_extractor("wav2vec2_base"), w2v.load_speech_clip()[0]).layers[0].norm
plotting.plot_norm_statistics(after_norm, title="Layer 0 after GroupNorm(512, 512), speech clip")

# %% [markdown]
# So in torchaudio: `group_norm` mode normalizes each channel **over time** (the whole utterance),
# `layer_norm` mode normalizes each frame **over channels**. Neither averages over "C·H·W".
#
# ## Which models use which

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'preset':<22}{'norm_mode':<12}conv bias")
for p in PRESETS.values():
    print(f"{p.name:<22}{p.norm_mode:<12}{p.bias}")

# %% [markdown]
# Base models (and, note, `wav2vec2_large`) use `group_norm`; the LV-60k, XLS-R, and large HuBERT and
# WavLM models use `layer_norm`. `layer_norm` does **not** imply a conv bias: HuBERT and WavLM large
# have none. (The test suite checks this table against torchaudio's builders.)
#
# ## Consequence 1: padding changes group-norm features everywhere
#
# Take one second of speech. Run it alone, then as the shorter item of a batch, zero-padded to two
# seconds. The 49 valid frames should not care about padding they never see. Do they?

# %%
# NBVAL_CHECK_OUTPUT
clip = w2v.load_speech_clip()[0][8_000:24_000]  # 1 s, 49 frames
padded = torch.nn.functional.pad(clip, (0, 16_000))
change = {}
for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
    extractor = w2v.random_extractor(preset)
    alone, _ = w2v.extract_features(extractor, clip)
    in_batch, _ = w2v.extract_features(extractor, padded)
    change[preset] = (in_batch[0, :49] - alone[0]).norm(dim=1) / alone[0].norm(dim=1)  # per valid frame
    print(
        f"{preset:<22} valid frames whose features moved by more than 1%: {int((change[preset] > 0.01).sum())} of 49, "
        f"by more than 0.001%: {int((change[preset] > 1e-5).sum())} of 49"
    )

# %% [markdown]
# In the group_norm model every frame moved, by a lot: the GroupNorm statistics now include a second
# of zeros. In the layer_norm model no valid frame moved beyond float rounding: each frame only sees
# its own 400 samples, and only frames past the valid length reach into the padding. (Changes are
# relative to each frame's size: with random weights the Base model's features are small.)

# %% slideshow={"slide_type": "subslide"}
plotting.plot_frame_differences(
    change["wav2vec2_base"], ylabel="relative change", title="group_norm: every valid frame moves when padding is added"
)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What this means for batching
#
# This is why Hugging Face's `Wav2Vec2FeatureExtractor` returns no `attention_mask` for group-norm
# models: its documentation says models with `feat_extract_norm == "group"` such as wav2vec2-base
# were **not trained with an attention mask**, so inputs are simply zero-padded and their outputs
# depend slightly on the padding; layer-norm models such as wav2vec2-lv60 should get the mask in
# batched inference. For exact group-norm features, run each utterance alone (or with equal lengths).
#
# ## Consequence 2: input gain
#
# A conv without bias is linear, and GroupNorm then divides each channel by its own standard
# deviation: the group_norm Base extractor ignores the input's volume, up to the `eps = 1e-5` that
# GroupNorm adds to each channel's variance. The layer_norm LV-60k extractor has a conv bias, so its
# features change with gain:

# %%
# NBVAL_CHECK_OUTPUT
for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
    extractor = w2v.random_extractor(preset)
    normal, _ = w2v.extract_features(extractor, clip)
    loud, _ = w2v.extract_features(extractor, 10 * clip)
    change = float((loud - normal).norm() / normal.norm())
    print(f"{preset:<22} relative change of the features for a 10x (20 dB) louder input: {change:.1%}")
layer0 = w2v.trace_activations(w2v.random_extractor("wav2vec2_base"), clip).layers[0].conv[0]
print(f"median variance of a layer-0 channel for this clip: {float(layer0.var(dim=1).median()):.1e} (eps = 1e-5)")

# %% [markdown]
# What remains for Base is the eps: it is small next to this clip's channel variances, but a very
# quiet recording makes it matter more.

# %% [markdown] slideshow={"slide_type": "notes"}
# This is one reason the LV-60k and XLS-R models expect zero-mean unit-variance input
# (`do_normalize=True` in Hugging Face's preprocessor; its documentation notes that normalizing can
# significantly improve performance for models such as wav2vec2-lv60): the extractor itself does not
# remove the input's scale.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Consequence 3: streaming
#
# `layer_norm` features are local: a frame is final as soon as its 400 samples have arrived, so
# audio can be processed in chunks that overlap by 80 samples (notebook 7). A `group_norm` frame
# depends on the statistics of the **whole** utterance (notebook 4's gradient test fails for it on
# purpose: `tests/test_arithmetic.py`), so it cannot be final until the utterance ends. Notebook 7
# turns that into a two-pass exact algorithm.
#
# ### Exercise 1
#
# Over which axis of `[batch, channel, time]` does `GroupNorm(512, 512)` take its statistics?
# Answer with a word.

# %% tags=["solution"]
answer = "time"

# %%
w2v.exercises.check_group_norm_axis(answer)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2
#
# Which presets use `layer_norm` but have **no** conv bias? Answer with a list of names.

# %% tags=["solution"]
answer = [p.name for p in PRESETS.values() if p.norm_mode == "layer_norm" and not p.bias]

# %%
w2v.exercises.check_layer_norm_without_bias(answer)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - `GroupNorm(512, 512)` = instance norm: per channel, over all frames of the utterance.
# - Transpose `LayerNorm(512)`: per frame, over the 512 channels.
# - group_norm features change with padding and ignore input gain (up to eps); layer_norm features are local,
#   unaffected by padding they do not see, but sensitive to gain.
# - Batching: no attention mask for group-norm models; mask for layer-norm models. Streaming: easy
#   for layer_norm, two passes for group_norm.
#
# **Next:** notebook 6 looks inside every layer.
