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
#     summary: torchaudio's components.py read line by line, beside a mirror that matches
#       it bit for bit
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 2. Reading the source
#
# torchaudio's whole feature extractor is four short objects in `torchaudio/models/wav2vec2/components.py`.
# This notebook prints them **from the torchaudio installed in this environment** and reads them top
# down: the builder `_get_feature_extractor`, one `ConvLayerBlock`, the `FeatureExtractor` that
# chains them, and the small transpose `LayerNorm`.
#
# **You will learn** exactly what happens to a tensor in each line (conv → norm → GELU, the
# `unsqueeze(1)`, the final transpose, the `length` update), and how the package's mirror is
# checked to be the same code.
#
# **What to know first:** notebook 1; `nn.Module.forward`.

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch
from torchaudio.models.wav2vec2 import components as ta_components

import w2v2_walkthrough as w2v
from w2v2_walkthrough import source

# %% slideshow={"slide_type": "skip"} tags=["setup", "parameters"]
WEIGHTS = "random"  # or a torchaudio bundle name such as "WAV2VEC2_BASE", or the path of a checkpoint
SEED = 0  # the seed of random weights

# %% slideshow={"slide_type": "skip"} tags=["setup", "depends-on-weights"]
# NBVAL_CHECK_OUTPUT
weights = w2v.WeightChoice(WEIGHTS, SEED)
print(weights.banner())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The builder: `_get_feature_extractor`
#
# It takes the norm mode, the layer config and whether the convs have a bias, and returns a
# `FeatureExtractor`. (Docstrings are left out here; comments are kept.)

# %%
print(source.upstream_source("_get_feature_extractor"))

# %% [markdown]
# Three things to notice:
#
# 1. `in_channels` starts at **1**: the waveform is a single channel; every later layer reads the
#    512 channels of the one before.
# 2. In `group_norm` mode only layer `i == 0` gets a norm, a `GroupNorm` with as many groups as
#    channels. In `layer_norm` mode every layer gets the transpose `LayerNorm`.
# 3. The norm is passed to `ConvLayerBlock` under the name `layer_norm` even when it is a
#    `GroupNorm`. That is why checkpoint keys say `conv_layers.0.layer_norm.weight` in both modes.

# %%
# NBVAL_CHECK_OUTPUT
extractor = w2v.random_extractor("wav2vec2_base")
for i, block in enumerate(extractor.conv_layers):
    print(i, block.conv, "->", block.layer_norm)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## One layer: `ConvLayerBlock`

# %%
print(source.upstream_source("ConvLayerBlock"))

# %% [markdown]
# `forward` is four steps: the conv, the optional norm, GELU, and the **length update**. The length
# update is the formula of notebook 3 applied to a tensor of per-item lengths, so a padded batch
# knows how many of its frames are real. Run layer 0 on 400 samples:

# %%
# NBVAL_CHECK_OUTPUT
block = extractor.conv_layers[0]
y, length = block(torch.randn(1, 1, 400), torch.tensor([400]))
print("output", list(y.shape), "length", length.tolist())

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why `rounding_mode="floor"` and the clamp
#
# For inputs shorter than the kernel, `length - kernel_size` is negative. `torch.div(...,
# rounding_mode="floor")` rounds towards minus infinity (Python's `//`), not towards zero, so the
# count can come out negative, and the next line clamps it at 0.

# %%
# NBVAL_CHECK_OUTPUT
for n in [0, 5, 6, 9, 10, 15]:
    raw = torch.div(torch.tensor(n) - 10, 5, rounding_mode="floor") + 1
    trunc = torch.div(torch.tensor(n) - 10, 5, rounding_mode="trunc") + 1
    print(f"L={n:>2}: floor -> {int(raw):>2}, trunc would give {int(trunc):>2}, clamped -> {max(0, int(raw))}")

# %% [markdown] slideshow={"slide_type": "notes"}
# With truncation, lengths 6..9 would claim one frame where the conv produces none. Floor plus the
# clamp gives the right count for every length; notebook 3 checks that for all lengths 0..20 000.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The stack: `FeatureExtractor`

# %%
print(source.upstream_source("FeatureExtractor"))

# %% [markdown]
# `forward` refuses anything but `(batch, time)`, inserts the channel axis with `unsqueeze(1)`
# (`Conv1d` wants `[batch, channels, time]`), runs the blocks, and transposes to
# `[batch, frame, feature]`, the layout Transformers expect.

# %%
# NBVAL_CHECK_OUTPUT
x = torch.randn(2, 16_000)
print("input            ", list(x.shape))
print("after unsqueeze(1)", list(x.unsqueeze(1).shape))
features, lengths = extractor(x, torch.tensor([16_000, 8_000]))
print("output           ", list(features.shape), "valid frames", lengths.tolist())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The transpose `LayerNorm`

# %%
print(source.upstream_source("LayerNorm"))

# %% [markdown]
# `nn.LayerNorm(512)` normalizes the **last** axis. A conv output is `[batch, channels, frames]`,
# so the class transposes to put channels last, normalizes, and transposes back. It is exactly
# `nn.LayerNorm` applied to the transposed tensor:

# %%
# NBVAL_CHECK_OUTPUT
ln = w2v.LayerNorm(512)
h = torch.randn(2, 512, 30)
same = torch.equal(ln(h), torch.nn.LayerNorm(512)(h.transpose(1, 2)).transpose(1, 2))
print("transpose LayerNorm == nn.LayerNorm over channels:", same)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The mirror is the same code
#
# `w2v2_walkthrough.components` was written to match these lines. `source.code_diff` compares the
# two after removing docstrings and comments: the three classes are statement for statement the
# same, and the builder differs only in its friendlier error message.

# %%
# NBVAL_CHECK_OUTPUT
for name in ["LayerNorm", "ConvLayerBlock", "FeatureExtractor", "_get_feature_extractor"]:
    diff = source.code_diff(name)
    print(f"{name}: {'identical' if not diff else str(len(diff) - 3) + ' diff lines'}")
print("\n".join(source.code_diff("_get_feature_extractor")[3:]))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Same weights, same output, to the last bit
#
# Build torchaudio's extractor, load its weights into the mirror (the `state_dict` keys are the same,
# so `strict=True` works), and run both on the same padded batch.

# %%
# NBVAL_CHECK_OUTPUT
torch.manual_seed(0)
theirs = ta_components._get_feature_extractor("group_norm", w2v.DEFAULT_SHAPES, False).eval()
mine = w2v.get_feature_extractor("group_norm", w2v.DEFAULT_SHAPES, False).eval()
mine.load_state_dict(theirs.state_dict(), strict=True)
x, lengths = torch.randn(3, 16_000), torch.tensor([16_000, 12_000, 399])
with torch.no_grad():
    (a, la), (b, lb) = theirs(x, lengths), mine(x, lengths)
print("identical:", torch.equal(a, b), "| max abs difference:", (a - b).abs().max().item())
print("lengths:", la.tolist(), lb.tolist())

# %% [markdown]
# The test suite repeats this for all eleven torchaudio wav2vec2-family presets, and a drift guard
# fails loudly if a future torchaudio changes any of these four objects.
#
# The `state_dict` keys, the names under which pretrained checkpoints store these weights:

# %%
# NBVAL_CHECK_OUTPUT
for key, value in mine.state_dict().items():
    print(f"{key:<32} {list(value.shape)}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1
#
# How many parameters does the `wav2vec2_base` extractor have? (Base convs have no bias; the
# GroupNorm has a weight and a bias per channel.)

# %% tags=["solution"]
answer = 512 * 1 * 10 + 2 * 512 + 4 * (512 * 512 * 3) + 2 * (512 * 512 * 2)

# %%
w2v.exercises.check_parameter_count(answer)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2
#
# In `group_norm` mode, which block indices have a norm (`layer_norm is not None`)? Answer with a list.

# %% tags=["solution"]
answer = [0]

# %%
w2v.exercises.check_normalized_blocks(answer)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - `ConvLayerBlock.forward`: conv → optional norm → GELU, then `length = max(0, floor((length - k) / s) + 1)`.
# - `FeatureExtractor.forward`: check 2-D, `unsqueeze(1)` for one input channel, seven blocks,
#   transpose to `[batch, frame, feature]`.
# - `group_norm` mode: one `GroupNorm(512, 512)` after layer 0; `layer_norm` mode: a transpose
#   `LayerNorm` after every layer. Both are stored under the key `layer_norm`.
# - The mirror is the same code and gives identical output for identical weights.
#
# **Next:** notebook 3 works out the length arithmetic in full.
