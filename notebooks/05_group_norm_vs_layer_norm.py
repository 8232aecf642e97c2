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
#       means for padding, gain, DC offset and streaming
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 5. Group norm vs layer norm
#
# torchaudio builds the extractor in one of two **norm modes**. `group_norm` puts a single
# `nn.GroupNorm(512, 512)` after the first conv; `layer_norm` puts a transpose `LayerNorm` after
# every conv. The image formula "GroupNorm averages over (C/G)·H·W" does describe the first: with
# G = C each group is one channel, averaged over its positions in time. The second is the one that
# departs from the image picture: it averages over the channels **at one position**, not over C·H·W.
# Here we **measure** the axes of both, then what they do to batching, input gain, DC offset and
# streaming.
#
# **You will learn** what each norm computes (formula and code), over which axes each one really
# averages (measured), which models use which, and the consequences for padded batches, gain, DC
# offset, `do_normalize` and streaming: which are architectural and which depend on the weights;
# what the next module's LayerNorm removes, and the per-item fix for padded batches (`exact_batch`).
#
# **What to know first:** notebook 2 (where the norms sit), notebook 4 (locality).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch
import torchaudio.pipelines

import w2v2_walkthrough as w2v
from w2v2_walkthrough import diagrams, norms, plotting, source
from w2v2_walkthrough.batching import exact_batch
from w2v2_walkthrough.presets import PRESETS

# %% slideshow={"slide_type": "skip"} tags=["setup", "parameters"]
WEIGHTS = "random"  # or a torchaudio bundle name such as "WAV2VEC2_BASE", or the path of a checkpoint
SEED = 0  # the seed of random weights
AUDIO = None  # the bundled clip, or the path of a recording (any rate; channels averaged)

# %% slideshow={"slide_type": "skip"} tags=["setup", "depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
weights = w2v.WeightChoice(WEIGHTS, SEED)
print(weights.banner())
print(w2v.clip_banner(AUDIO))

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Two norms, one formula, two sets of axes
#
# A conv output is $x \in \mathbb{R}^{B \times C \times T}$ (items, channels, positions in time).
# Both norms compute
#
# $$y = \frac{x - \mu}{\sqrt{\sigma^2 + \epsilon}}\,\gamma_c + \beta_c, \qquad \epsilon = 10^{-5},$$
#
# and differ only in which cells the mean $\mu$ and the biased variance $\sigma^2$ are taken over:
#
# - `GroupNorm(512, 512)`, per (item, channel) over the $T$ positions of the whole utterance
#   (*instance norm*): $\mu_{b,c} = \frac{1}{T}\sum_{t} x_{b,c,t}$,
#   $\ \sigma^2_{b,c} = \frac{1}{T}\sum_{t} (x_{b,c,t} - \mu_{b,c})^2$.
# - the transpose `LayerNorm(512)`, per (item, position) over the $C$ channels there:
#   $\mu_{b,t} = \frac{1}{C}\sum_{c} x_{b,c,t}$,
#   $\ \sigma^2_{b,t} = \frac{1}{C}\sum_{c} (x_{b,c,t} - \mu_{b,t})^2$.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### And the image formulas?
#
# On images `[N, C, H, W]`, `GroupNorm(G, C)` averages over the $(C/G) \cdot H \cdot W$ values of
# one (item, group). On a conv output $H \cdot W$ becomes $T$, and with $G = C$ that is
# $1 \cdot T$: one channel over its $T$ positions. So the image formula **does** describe
# `GroupNorm(512, 512)`.
#
# The image "LayerNorm over $C \cdot H \cdot W$" would be `GroupNorm(1, C)`: one mean per item over
# all $C \cdot T$ values. torchaudio's transpose `LayerNorm` is not that: it takes $C$ values at a
# time, one position at a time. That is the departure, and the rest of this notebook is about it.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The reference code
#
# `norms.normalize_over` is the formula above, with the axes as a parameter:

# %%
# NBVAL_CHECK_OUTPUT
source.show(norms.normalize_over)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Two one-liners
#
# The two norms only pick the axes: dim 2 (time) or dim 1 (channels) of `[B, C, T]`.

# %%
# NBVAL_CHECK_OUTPUT
print(source.show(norms.instance_norm_reference))
print(source.show(norms.channel_layer_norm_reference))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### They are the modules
#
# Both modules and both references on one random `[2, 512, 300]` input, with random affine
# parameters $\gamma, \beta$; the largest difference relative to the output's standard deviation:

# %%
# NBVAL_CHECK_OUTPUT
g = torch.Generator().manual_seed(0)
x = torch.randn(2, 512, 300, generator=g) * 3 + 1  # (B, C, T)
pairs = {
    "GroupNorm(512, 512)": (torch.nn.GroupNorm(512, 512), norms.instance_norm_reference),
    "transpose LayerNorm": (w2v.LayerNorm(512), norms.channel_layer_norm_reference),
}
for name, (module, reference) in pairs.items():
    with torch.no_grad():
        module.weight.normal_(generator=g)
        module.bias.normal_(generator=g)
        y = module(x)  # (B, C, T)
        error = float((y - reference(x, module.weight, module.bias)).abs().max() / y.std())
    assert error < 1e-5
    print(f"{name:<20} vs its reference: max |difference| / std {error:.1e} (< 1e-5)")

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Measuring the axes
#
# `norms.measure_normalized_axes` feeds a module an input whose every channel and position has its
# own offset and scale, sets $\gamma = 1, \beta = 0$, and reports the worst deviation of the output
# from mean 0 / std 1 along each set of axes (≈0: normalized there). GN = `GroupNorm`, LN = the
# transpose `LayerNorm`; `GroupNorm(1, 512)` is the image "LayerNorm".

# %% tags=["lecture", "run-live"]
# NBVAL_CHECK_OUTPUT
modules = {
    "GN(512, 512)": torch.nn.GroupNorm(512, 512),
    "LN(512)": w2v.LayerNorm(512),
    "GN(1, 512)": torch.nn.GroupNorm(1, 512),
}
reports = {name: norms.measure_normalized_axes(module) for name, module in modules.items()}
print(f"{'statistics':<37}" + "".join(f"{name:>14}" for name in modules))
for axes in norms.CANDIDATE_AXES:
    cells = ["~0" if r[axes] < 1e-3 else f"{r[axes]:.2f}" for r in reports.values()]
    row = "".join(f"{cell:>14}" for cell in cells)
    print(f"{axes:<37}{row}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The finest set
#
# Normalizing a small set of axes also normalizes the union (if every channel has mean 0, so does
# the whole item), so what identifies a module is the **finest** set that scores ≈0:

# %%
# NBVAL_CHECK_OUTPUT
for name, report in reports.items():
    print(f"{name:<13} normalizes {norms.finest_axes(report)}")

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture"]
# ### The picture
#
# `diagrams.normalized_axes` measures each module the same way and colours the cells of a small
# `[2, C, T]` block that share one mean and variance (a test checks the colours against which
# outputs move when one input cell moves).

# %% tags=["lecture"]
diagrams.normalized_axes()

# %% [markdown] slideshow={"slide_type": "slide"}
# ## On real speech
#
# A quarter second of speech (`clip`, used from here on) through Base's layer 0 (`norms.run_layer0`),
# **before** the GroupNorm's affine step $\gamma_c, \beta_c$. Per channel, over time: mean 0 and std
# (nearly) 1, flat lines. Per position, over channels: the std wanders with the audio (the mean,
# with these weights, stays near 0); nothing normalizes that axis in `group_norm` mode.

# %%
speech = w2v.load_speech_clip(AUDIO)[0]
clip = speech[28_000:32_000]  # 0.25 s of speech, 12 frames, no digital silence
base = weights.extractor("wav2vec2_base")
conv0, normalized = norms.run_layer0(base, clip, affine=False)  # (1, 512, T) each, before γ, β
title = f"Layer 0, GroupNorm before γ, β, 0.25 s; {weights.label_for('wav2vec2_base')}"
plotting.plot_norm_statistics(normalized, title=title)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Where eps shows
#
# GroupNorm divides by $\sqrt{\sigma^2 + \epsilon}$, so before the affine step a channel's std is
# $\sigma / \sqrt{\sigma^2 + \epsilon}$: close to 1 only where the channel's variance over the clip
# is large next to $\epsilon = 10^{-5}$. The module's output, after it, has mean $\beta_c$ and std
# $|\gamma_c|\,\sigma / \sqrt{\sigma^2 + \epsilon}$: the same as before it only at initialisation
# ($\gamma = 1, \beta = 0$). Both follow from the formula for any weights and are asserted here on
# the weights loaded; the variances depend on the weights and the clip:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
gn = base.conv_layers[0].layer_norm  # GroupNorm(512, 512)
gamma, beta = gn.weight.detach(), gn.bias.detach()  # (C,) each: the affine step
var = conv0[0].var(dim=1, unbiased=False)  # (C,): each channel's variance over time
std = normalized[0].std(dim=1, unbiased=False)  # (C,): the same channel, normalized
assert torch.allclose(std, torch.sqrt(var / (var + gn.eps)), rtol=1e-4, atol=1e-6)
output = norms.run_layer0(base, clip)[1][0]  # (C, T): the module's output, after γ, β
assert torch.allclose(output.mean(dim=1), beta, atol=1e-4 * float(gamma.abs().max()))
assert torch.allclose(output.std(dim=1, unbiased=False), gamma.abs() * std, rtol=1e-3, atol=1e-6)
print(weights.describe("wav2vec2_base"))
print(f"  layer-0 channel variance over time: median {float(var.median()):.1e}", end="")
print(f", smallest {float(var.min()):.1e}")
print(f"  std per channel before the affine step: {std.min():.4f} to {std.max():.4f}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Which models use which

# %%
# NBVAL_CHECK_OUTPUT
print(f"{'preset':<22}{'norm_mode':<12}conv bias")
for p in PRESETS.values():
    print(f"{p.name:<22}{p.norm_mode:<12}{p.bias}")

# %% [markdown]
# Base models (and, note, `wav2vec2_large`) use `group_norm`; LV-60k, XLS-R, and large HuBERT
# ([Hsu et al., 2021](references.md#hsu2021)) and WavLM ([Chen et al., 2022](references.md#chen2022))
# use `layer_norm`. The split by model is in the released checkpoints and their training configs
# (fairseq's `extractor_mode`), which torchaudio's builders encode, not in the papers. `layer_norm` does **not** imply a conv bias: HuBERT and WavLM large have
# none (the tests check this table against torchaudio's builders).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Three extractors for the rest
#
# `wav2vec2_base` for `group_norm`; `hubert_large` for `layer_norm` without a conv bias (only the
# norms differ from Base); `wav2vec2_large_lv60k` for `layer_norm` with a conv bias:

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
hubert, lv60k = weights.extractor("hubert_large"), weights.extractor("wav2vec2_large_lv60k")
extractors = {"wav2vec2_base": base, "hubert_large": hubert, "wav2vec2_large_lv60k": lv60k}
for preset in extractors:
    print(weights.describe(preset))

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Consequence 1: padding moves group-norm frames
#
# A batch zero-pads its shorter clips. Pad the quarter second of speech (12 frames) by 1 % … 100 %
# of its length; `norms.padding_sweep` gives each valid frame's change
# $\lVert f' - f \rVert / \lVert f \rVert$ against the clip alone.

# %% tags=["depends-on-weights", "lecture", "run-live", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
fractions = [0.01, 0.1, 0.3, 1.0]
sweep = {}
for preset in ["wav2vec2_base", "hubert_large"]:
    sweep[preset] = norms.padding_sweep(extractors[preset], clip, fractions)  # (4, 12)
assert sweep["hubert_large"].max() < 1e-4  # layer_norm: valid frames never see the padding
print("with these weights   wav2vec2_base            hubert_large")
print("padding             median   worst frame     worst frame")
for f, gn, ln in zip(fractions, sweep["wav2vec2_base"], sweep["hubert_large"], strict=True):
    print(f"{f:>7.0%}   {gn.median():>14.2%}   {gn.max():>10.2%}   {ln.max():>13.4%}")

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture"]
# ### The sweep, drawn
#
# `group_norm`: every valid frame moves, more with more padding, because the statistics average
# over the padded positions too. `layer_norm`: no valid frame moves beyond float rounding, because
# a frame sees only its own 400 samples (a structural fact; the assert above checks it on the
# weights loaded). Relative changes below $10^{-6}$ ($10^{-4}$ % on the axis), float32 rounding
# (a longer input takes another summation order) and zeros, are drawn on the dotted floor.

# %% tags=["lecture"]
curves = {"Base (group_norm)": sweep["wav2vec2_base"]}
curves["hubert_large (layer_norm)"] = sweep["hubert_large"]
plotting.plot_padding_sweep(fractions, curves, floor=1e-6)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### How slight is "slightly"?
#
# transformers 4.x warned that models whose processor has `return_attention_mask == False`, such as
# wav2vec2-base (in practice the group-norm ones), "yield slightly different results depending on
# whether `input_values` is padded or not". How slightly? Base has no conv bias: padding gives 0 at
# layer 0 (but for the one or two positions straddling the clip's end), so the channel sums barely
# change but are divided by about $(1 + f)\,T$ instead of $T$. The statistics, and the frames, move
# about in proportion to the padding fraction $f$ while it is small:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
median = sweep["wav2vec2_base"].median(dim=1).values  # (fractions,)
ratios = [float(m) / f for f, m in zip(fractions, median, strict=True)]
small = [f"{f:.0%}" for f, m in zip(fractions, median, strict=True) if m < 0.05]
print("wav2vec2_base, with these weights:")
print("  median change / padding fraction: " + ", ".join(f"{r:.2f}" for r in ratios))
print(f"  median change below 5 % for padding of: {', '.join(small) or 'none of these'}")

# %% [markdown]
# The change exists only because of group norm, but its size depends on the padding fraction and
# on the weights (the lines above, for the weights loaded). Sorting clips by length before batching
# keeps the fraction small.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What the next module sees
#
# These changes are measured on the extractor's raw 512-d frames. The next module, the feature
# projection, starts with a `LayerNorm(512)` over each frame's channels (torchaudio's
# `FeatureProjection`, Hugging Face's `Wav2Vec2FeatureProjection`): a gain of the whole frame is
# gone right there. `norms.gain_share` splits each frame's squared change into that gain and the
# rest; `norms.feature_projection_norm` is torchaudio's module, at its init ($\gamma = 1, \beta = 0$):

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
projection_norm = norms.feature_projection_norm()  # LayerNorm(512) over each frame
after = norms.padding_sweep(base, clip, fractions, after=projection_norm).median(dim=1).values
share = norms.padding_sweep(base, clip, fractions, measure=norms.gain_share).median(dim=1).values
print("wav2vec2_base, with these weights; median over the valid frames")
print("padding   change of raw frames   after the LayerNorm   share that is a frame gain")
for f, raw, ln, g in zip(fractions, median, after, share, strict=True):
    print(f"{f:>7.0%}   {raw:>18.2%}   {ln:>19.2%}   {g:>26.0%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# With these weights most of the raw change is a per-frame gain that the model removes at once, so
# "slightly" is closer to the third column than to the second. Both depend on the weights (a
# pretrained edition prints its own); the projection's trained $\gamma, \beta$ act per channel
# after the frame's gain is gone, so they change the third column, not what the LayerNorm removes.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What a mask can and cannot do
#
# The conv **feature encoder** never sees a mask. In Hugging Face transformers,
# `Wav2Vec2Model.forward` calls `self.feature_extractor(input_values)` and only then shortens
# `attention_mask` to frames for the Transformer encoder (`tests/package/test_norms.py` checks both). The
# feature encoder takes nothing else (`source.installed_part` reads the installed file without
# importing transformers):

# %%
# NBVAL_CHECK_OUTPUT
modeling = "transformers.models.wav2vec2.modeling_wav2vec2"
source.installed_part(modeling, "Wav2Vec2FeatureEncoder.forward")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### torchaudio's `lengths`
#
# torchaudio's extractor takes `lengths`, but only to compute each item's number of valid frames:
# the features are bit for bit the same with and without it. So `lengths` fixes the frame *counts*
# for every model, while the *values* of a `group_norm` model's valid frames still depend on the
# padding (the sweep above).

# %%
# NBVAL_CHECK_OUTPUT
padded = torch.nn.functional.pad(clip, (0, 4000))  # 0.25 s of speech + 0.25 s of zeros
without, _ = w2v.extract_features(base, padded)
with_lengths, frames = w2v.extract_features(base, padded, lengths=torch.tensor([4000]))
assert torch.equal(without, with_lengths)
print(f"with and without lengths: max |difference| {(without - with_lengths).abs().max():.1e}")
print(f"frames of the padded input: {without.shape[1]}; valid per lengths: {frames.tolist()}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### So why no mask for group-norm models?
#
# Hugging Face's stated reason (the `return_attention_mask` docs of `Wav2Vec2FeatureExtractor`):
# group-norm models such as wav2vec2-base "have **not** been trained using `attention_mask`. For
# such models, `input_values` should simply be padded with 0 and no `attention_mask` should be
# passed", while for layer-norm models such as wav2vec2-lv60 "`attention_mask` should be passed for
# batched inference" (there it masks the Transformer). A second reason: no mask passed to the model
# could undo the padding's effect anyway; it sits in the layer-0 statistics, inside the conv
# feature encoder, which no mask reaches.
#
# (The 4.x docstring's first line, "Mask to avoid performing convolution and attention on padding
# token indices", is about the Transformer encoder: `Wav2Vec2Encoder.forward` zeroes the padded
# frames before its convolutional positional embedding, `pos_conv_embed`. The conv feature encoder
# never sees the mask.) For exact `group_norm` features: run each clip alone, or take the statistics
# over each item's valid positions only (exercise 2).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The per-item fix: `exact_batch`
#
# The package's `exact_batch(model)` wraps a torchaudio or Hugging Face model so that layer 0's
# GroupNorm takes each item's statistics over its valid positions only. To show the call, the Base
# extractor goes into a small torchaudio model: one narrow transformer layer on top (random, seed
# `SEED`; dropout off):

# %%
torch.manual_seed(SEED)
model = torchaudio.models.wav2vec2_model(
    extractor_mode="group_norm", extractor_conv_layer_config=None, extractor_conv_bias=False,
    encoder_embed_dim=64, encoder_projection_dropout=0.0, encoder_pos_conv_kernel=16,
    encoder_pos_conv_groups=4, encoder_num_layers=1, encoder_num_heads=4,
    encoder_attention_dropout=0.0, encoder_ff_interm_features=128, encoder_ff_interm_dropout=0.0,
    encoder_dropout=0.0, encoder_layer_norm_first=False, encoder_layer_drop=0.0, aux_num_out=None,
)  # fmt: skip
model.feature_extractor = base  # the extractor used so far
model = model.eval()

# %% [markdown] slideshow={"slide_type": "subslide"}
# The clip in one batch with half a second of speech (so padded by 100 %), against the clip alone:
# the plain batch moves its outputs, `exact_batch` gives them back up to float rounding (asserted,
# for these weights; the package's tests check it for both norm modes):

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
batch = torch.nn.utils.rnn.pad_sequence([clip, speech[:8000]], batch_first=True)  # (2, 8000)
lengths = torch.tensor([clip.numel(), 8000])
with torch.no_grad():
    alone = model(clip[None])[0][0]  # (12, 64)
    plain = model(batch, lengths)[0][0, : len(alone)]  # the clip's row, valid frames
    exact = exact_batch(model)(batch, lengths)[0][0, : len(alone)]
plain_change = w2v.compare.difference(plain, alone).relative
exact_change = w2v.compare.difference(exact, alone).relative
assert exact_change < 1e-4
print(f"the clip's outputs in the padded batch vs alone: plain {plain_change:.1%}, ", end="")
print(f"exact_batch {exact_change:.1e} (< 1e-4)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Consequence 2: gain, DC offset and `do_normalize`
#
# Three changes of the input: 10× louder (+20 dB), a DC offset of +0.05, and Hugging Face's
# `do_normalize` (`norms.zero_mean_unit_var`: zero mean and unit variance per utterance, on by
# default in `Wav2Vec2FeatureExtractor`). The relative change of the whole feature tensor:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
inputs = {"x10": lambda x: 10 * x, "+0.05 DC": lambda x: x + 0.05}
inputs["do_normalize"] = norms.zero_mean_unit_var  # (x - mean) / sqrt(var + 1e-7)
models = ["wav2vec2_base", "hubert_large", "wav2vec2_large_lv60k"]
table = {p: norms.sensitivity(extractors[p], clip, inputs) for p in models}
print(f"{'with these weights':<22}" + "".join(f"{name:>14}" for name in inputs))
for preset, row in table.items():
    print(f"{preset:<22}" + "".join(f"{change:>14.2%}" for change in row.values()))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why: the conv first
#
# A conv without bias is linear. For a gain $a$ and a DC offset $d$,
# $W * (a\,x + d) = a\,(W * x) + d\,s_c$ at every position, where $s_c = \sum_k w_{c,k}$ is channel
# $c$'s DC gain: a gain scales the conv output, an offset adds one constant per channel, the same at
# every position. Checked on layer 0 (the identity holds for any weights, with or without bias):

# %%
# NBVAL_CHECK_OUTPUT
conv = lv60k.conv_layers[0].conv  # has a bias
with torch.no_grad():
    shift = conv((clip + 0.05)[None, None]) - conv(clip[None, None])  # (1, C, T)
    dc_gain = conv.weight.sum(dim=-1)  # (C, 1): s_c
error = float((shift[0] - 0.05 * dc_gain).abs().max() / shift.abs().max())
assert error < 1e-4  # the same constant at every position of a channel
print(f"a +0.05 offset adds 0.05 * s_c at every position: max |difference| / max |shift| {error:.1e}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why: then the norm
#
# - **GroupNorm** (per channel, over time) subtracts each channel's mean, so in an **unpadded**
#   clip (padding turns the offset into a step: two slides on) the constant $d\,s_c$ goes
#   exactly; it divides by $\sqrt{a^2\sigma^2 + \epsilon}$, so the gain cancels up to $\epsilon$. Base
#   ignores DC, and gain up to $\epsilon$, hence also `do_normalize`.
# - The per-position **LayerNorm** subtracts the mean over channels: only $d\,\bar{s}$ goes, the
#   pattern $d\,(s_c - \bar{s})$ stays, added to every position. The gain cancels up to $\epsilon$,
#   but here $\epsilon$ is added to $\sigma^2_t$, the variance over the 512 channels at **one
#   position** $t$: 512 filter outputs of the same 10 input samples (0.6 ms). Where those 10
#   samples are quiet, $\sigma^2_t$ is small next to $\epsilon$.
# - With a conv **bias** $b_c$ in `layer_norm` mode: $a\,(W * x) + b_c$ is not a scaled copy of
#   $W * x + b_c$, and the LayerNorm removes only the bias's mean over channels, so a gain survives,
#   $\epsilon$ or not, unless $b_c$ is the same in every channel. (In `group_norm` mode a conv bias
#   is a constant per channel, removed with the mean like an offset.)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Take eps away
#
# `norms.with_eps` copies an extractor with $\epsilon = 10^{-30}$ in every norm. If the reasoning
# is right, Base no longer changes at all (gain, offset, `do_normalize`), and `hubert_large` no
# longer changes with gain. That holds for any weights, so it is asserted:

# %%
# NBVAL_CHECK_OUTPUT
base_changes = norms.sensitivity(norms.with_eps(base, 1e-30), clip, inputs)
ln_changes = norms.sensitivity(norms.with_eps(hubert, 1e-30), clip, inputs)
assert max(base_changes.values()) < 1e-4 and ln_changes["x10"] < 1e-4
print(f"eps -> 0: wav2vec2_base, largest change {max(base_changes.values()):.1e} (all three inputs)")
print(f"eps -> 0: hubert_large, change for x10 {ln_changes['x10']:.1e} (both < 1e-4)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Padding turns an offset into a step
#
# In a batch the clip is followed by zeros, so $x + d$ becomes a step from $d$ to 0 at the clip's
# end: no longer one constant per channel, and every frame moves. A gain still scales the zeros
# too. `norms.sensitivity(..., padding=f)` pads every input after the change; with $\epsilon \to
# 0$ the gain still cancels for any weights (asserted), the step is printed:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
two = {name: inputs[name] for name in ["x10", "+0.05 DC"]}
changes = {0.0: table["wav2vec2_base"]}  # unpadded: the table above
changes |= {f: norms.sensitivity(base, clip, two, padding=f) for f in [0.1, 1.0]}
exact = norms.sensitivity(norms.with_eps(base, 1e-30), clip, {"x10": two["x10"]}, padding=1.0)
assert exact["x10"] < 1e-4  # padded or not, gain cancels up to eps
print("wav2vec2_base, with these weights; change of the clip's own frames")
print("padding        x10   +0.05 DC")
for f, row in changes.items():
    print(f"{f:>7.0%}   {row['x10']:>8.2%}   {row['+0.05 DC']:>8.2%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What is left for `hubert_large`
#
# With $\epsilon \to 0$, what is left is the offset's pattern
# $d\,(s_c - \bar{s})$, next to the spread of a typical position. How much either matters depends
# on the weights: the pattern is as large as the DC gains $s_c$. These are random filters drawn
# like pre-training's init (kaiming), which pass 0 Hz about as well as any frequency (the ratio
# printed); a filter with no response at 0 Hz ($s_c = 0$) adds no offset. So the DC column
# of the table above is as much these random filters' doing as `layer_norm`'s: a pretrained
# edition prints its own.

# %% slideshow={"slide_type": "subslide"} tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
conv0_ln, _ = norms.run_layer0(hubert, clip)  # (1, C, T)
per_position = conv0_ln[0].var(dim=0, unbiased=False)  # (T,): over channels
per_channel = conv0_ln[0].var(dim=1, unbiased=False)  # (C,): over time
s = hubert.conv_layers[0].conv.weight.detach().sum(dim=-1).flatten()  # (C,): the DC gains
print("hubert_large, with these weights:")
print(f"  with eps -> 0, +0.05 DC still changes the features by {ln_changes['+0.05 DC']:.1%}")
print(f"  std of 0.05 * (s_c - mean s) over channels: {0.05 * s.std(unbiased=False):.1e}")
w0 = hubert.conv_layers[0].conv.weight.detach().flatten(1)  # (C, 10)
print(f"  |s_c| / |w_c| (DC gain / filter norm), median: {(s.abs() / w0.norm(dim=1)).median():.2f}")
print(f"  std of a layer-0 position over channels: median {per_position.median().sqrt():.1e}")
quiet = float((per_position < 100 * 1e-5).float().mean())
print(f"  variance below 100 eps: {quiet:.0%} of positions (over channels), ", end="")
print(f"{float((per_channel < 100 * 1e-5).float().mean()):.0%} of channels (over time)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Architectural, or these weights?
#
# | statement | holds for |
# |---|---|
# | `group_norm`, unpadded clip: a DC offset is removed, up to float rounding | any weights (asserted with $\epsilon \to 0$, above) |
# | `group_norm`, zero-padded clip: an offset moves every frame | any weights with DC gains $s_c \ne 0$ (size printed) |
# | no conv bias, either norm, padded or not: a gain cancels except through $\epsilon$ | any weights (asserted, $\epsilon \to 0$) |
# | `layer_norm`: an offset adds $d\,s_c$ to layer 0's conv output, $d\,(s_c - \bar{s})$ after centring | any weights (conv identity asserted) |
# | `layer_norm`, conv bias that differs across channels: a gain matters even with $\epsilon \to 0$ | any such bias (`tests/package/test_norms.py`) |
# | `layer_norm`: padding leaves the valid frames alone | any weights (asserted) |
# | how much padding, gain, offset, `do_normalize` move features | these weights only (printed) |

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What this means for `do_normalize`
#
# `do_normalize` is a gain plus an offset. Base ignores it up to $\epsilon$, whatever its weights,
# in an unpadded clip loud enough that $\epsilon$ is small next to the channel variances
# (exercise 3 shows a quiet one, where it is not). In the `layer_norm` models the offset's pattern survives, and with a conv bias (LV-60k,
# XLS-R) the gain too, so how much it moves their features depends on their weights (the table
# above: these weights). That is why a model must get the preprocessing it was trained with; the
# docs of `Wav2Vec2FeatureExtractor` say normalizing "can help to significantly improve the
# performance for some models, *e.g.*, wav2vec2-lv60".

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Which models were trained on normalized waveforms
#
# LV-60k, XLSR-53 / XLS-R, HuBERT Large and X-Large and WavLM Large were pre-trained on waveforms
# normalized per utterance (fairseq's task flag `normalize: true`); wav2vec2 Base and Large
# (LS-960), HuBERT Base and WavLM Base were not. torchaudio's bundles encode that split, and the
# `get_model()` of a normalizing bundle normalizes the **whole** `(batch, time)` tensor, padding
# included: there one clip's features depend on the other clips of its batch. Notebook 6 reads
# those lines and measures it; here, the split in the installed torchaudio:

# %%
# NBVAL_CHECK_OUTPUT
normalized = ["WAV2VEC2_LARGE_LV60K", "WAV2VEC2_XLSR53", "WAV2VEC2_XLSR_300M", "HUBERT_LARGE"]
normalized += ["HUBERT_XLARGE", "WAVLM_LARGE"]
raw = ["WAV2VEC2_BASE", "WAV2VEC2_LARGE", "HUBERT_BASE", "WAVLM_BASE"]
assert all(getattr(torchaudio.pipelines, n)._normalize_waveform for n in normalized)
assert not any(getattr(torchaudio.pipelines, n)._normalize_waveform for n in raw)
print("get_model() normalizes the batch's waveform:")
print("  " + ", ".join(normalized[:3]) + ",\n  " + ", ".join(normalized[3:]))
print("get_model() passes the waveform as it is:\n  " + ", ".join(raw))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Consequence 3: streaming
#
# `layer_norm` features are local: a frame is final as soon as its 400 samples have arrived, so
# audio can be processed in chunks that start on the 320-sample frame grid and overlap by 80
# samples (notebook 8; a chunk starting elsewhere computes frames at other times). A `group_norm`
# frame depends on layer 0's statistics over the **whole** utterance, so on every sample layer 0 reads
# (all but at most 4 trailing ones; notebook 4's gradient test fails for it on purpose:
# `tests/package/test_arithmetic.py`), and it cannot be final until the utterance ends. Notebook 8 turns
# that into a two-pass exact algorithm.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Norms in half-precision training
#
# fairseq trains with fp16 and builds its norms as `Fp32GroupNorm` / `Fp32LayerNorm`
# (`fairseq/modules/fp32_group_norm.py`: `F.group_norm(input.float(), ...)`, then `.type_as(input)`),
# so the statistics are taken in float32. On this CPU, PyTorch's own bf16 `GroupNorm` already
# takes its statistics at float32 accuracy: on layer 0's output of the whole clip it differs from
# a float32 GroupNorm by no more than rounding the float32 result to bf16 does. A CPU shows nothing of what
# fp16 or bf16 kernels on a GPU do, nor of training with them:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
conv0_all = norms.run_layer0(base, speech)[0].bfloat16()  # (1, 512, T), rounded to bf16
groupnorm = torch.nn.GroupNorm(512, 512)  # γ = 1, β = 0
with torch.no_grad():
    reference = groupnorm(conv0_all.float())  # float32 statistics and output
    half = groupnorm.bfloat16()(conv0_all).float()  # bf16 module
bf16_error = w2v.compare.difference(half, reference).relative
rounding = w2v.compare.difference(reference.bfloat16().float(), reference).relative
assert bf16_error < 1.5 * rounding
print(f"bf16 GroupNorm vs float32: {bf16_error:.1e} relative; float32 rounded to bf16: {rounding:.1e}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - `GroupNorm(512, 512)` is instance norm: per (item, channel), over all positions of the
#   utterance; the image formula with $G = C$. The transpose `LayerNorm(512)` normalizes per
#   (item, position) over the 512 channels: not the image "LayerNorm" (`GroupNorm(1, C)`).
# - Padding moves `group_norm` frames, about in proportion to the padding fraction while it is
#   small (on the raw frames; with these weights most of it is a per-frame gain that the feature
#   projection's LayerNorm removes); no mask reaches the conv feature encoder. `layer_norm` valid
#   frames ignore padding.
# - Without a conv bias both modes cancel a gain up to $\epsilon$ (which matters for quiet input:
#   quiet positions for `layer_norm`, a quiet recording for `group_norm`), padded or not; only
#   `group_norm` removes a DC offset, and only in an unpadded clip; in `layer_norm` mode a conv
#   bias that differs across channels makes gain matter. So `do_normalize` is a no-op up to $\epsilon$ for Base on audio that is not very quiet,
#   not for the `layer_norm` models. Which models were trained on normalized waveforms, and what
#   torchaudio's bundles do with a batch: notebook 6.
# - Streaming: easy for `layer_norm`, two passes for `group_norm`.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture", "predict"]
# ### Exercise 1: predict, then run
#
# Clip A shares a batch with clip B **of the same length** (no padding). Compared with A alone, how
# many of A's frames change by more than 0.001 %, in `wav2vec2_base` and in `hubert_large`? Answer
# with a dict `{"wav2vec2_base": ..., "hubert_large": ...}` before you run the computation.

# %% tags=["solution"]
prediction = {"wav2vec2_base": 0, "hubert_large": 0}

# %%
w2v.exercises.check_batch_neighbour(prediction)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 1, after you answer: the run
#
# A is the notebook's clip (0.25 s), B another 0.25 s of speech.

# %%
# NBVAL_CHECK_OUTPUT
a, b = clip, speech[8_000:12_000]
for preset in ["wav2vec2_base", "hubert_large"]:
    extractor = extractors[preset]
    alone = w2v.extract_features(extractor, a)[0][0]  # (frames, 512)
    together = w2v.extract_features(extractor, torch.stack([a, b]))[0][0]  # A's row
    moved = int((norms.frame_changes(together, alone) > 1e-5).sum())
    assert moved == 0
    print(f"{preset:<14} frames of A moved by B: {moved} of {len(alone)}")

# %% [markdown]
# Neither statistic includes the batch axis: every item is normalized on its own. (BatchNorm in
# training mode would mix the items; in eval mode it uses running statistics. No wav2vec2 extractor
# uses it.) So for these bare extractors only **padding** makes a batch matter; the `get_model()` of a
# normalizing torchaudio bundle adds a second way (its batch-wide waveform norm, notebook 6).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: exact batches from the padded statistics
#
# `GroupNorm(C, C)` on a zero-padded batch takes each (item, channel)'s mean and biased variance
# over all `total` positions, the zeros included. Write `valid_stats(mean, var, lengths, total)`:
# from those statistics (`[B, C]` each) and each item's number of valid positions `lengths[b]`
# (every position past it is 0), the mean and biased variance over the valid positions alone, as
# a tuple `(mean, var)` of `[B, C]` tensors. You get the statistics only, not the batch. The
# checker runs it on random batches, then inside a Base extractor: it zeros layer 0's positions
# past each clip's length and normalizes with your statistics, and one padded batch of clips of
# different lengths must give every clip its features alone (to a relative 1e-4: float rounding).


# %% tags=["solution"]
def valid_stats(mean, var, lengths, total):
    """The valid positions' (mean, biased var), [B, C] each, from those over all total positions."""
    share = torch.as_tensor(lengths, dtype=mean.dtype)[:, None] / total  # (B, 1): valid part
    valid_mean = mean / share  # the zeros add nothing to the sum
    valid_square = (var + mean**2) / share  # nor to the sum of squares
    return valid_mean, valid_square - valid_mean**2


# %%
w2v.exercises.check_valid_stats(valid_stats)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 2, after you answer: the run
#
# With the package's version: the clip (a quarter second) in one batch with half a second of
# speech, against the clip alone:

# %%
# NBVAL_CHECK_OUTPUT
clips = [clip, speech[:8000]]  # 0.25 s and 0.5 s: the first is padded by 100 %
batched = norms.batched_features(base, clips)
alone = w2v.extract_features(base, clips[0])[0][0]  # (12, 512)
worst = float(norms.frame_changes(batched[0], alone).max())
assert worst < 1e-4
print(f"valid-position statistics: worst frame change vs alone < 0.01 %: {worst < 1e-4}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3: predict, then run
#
# Base cancels a gain up to $\epsilon$. Take a 60 dB quieter copy of the clip, `0.001 * clip`.
# Will Base's features change by **more than 10 %**? Answer `True` or `False`, reasoning from the
# layer-0 channel variances printed in "Where eps shows" (a gain $a$ multiplies them by $a^2$).

# %% tags=["solution"]
prediction = True

# %%
w2v.exercises.check_quiet_input(prediction, base, clip)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 3, after you answer: the run
#
# The change, and the variances that decide it:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
quiet = norms.sensitivity(base, clip, {"0.001x": lambda x: 1e-3 * x})["0.001x"]
var = norms.run_layer0(base, clip)[0][0].var(dim=1, unbiased=False)  # (C,): over time
print("wav2vec2_base, with these weights:")
median = float(var.median())
print(f"  median layer-0 channel variance {median:.1e}; x 1e-6: {median * 1e-6:.1e}; eps 1e-5")
print(f"  features of 0.001 * clip change by {quiet:.1%}")

# %% [markdown]
# Once $a^2\sigma^2$ falls below $\epsilon$, the GroupNorm stops dividing the gain out: its output
# shrinks with the input, and every later layer sees a different signal. "Gain-invariant" holds only
# for recordings loud enough that $\epsilon$ is negligible.
#
# **Next:** notebook 6, "The waveform going in", asks how a waveform is normalized before the
# extractor sees it, and what a batch does to that.
