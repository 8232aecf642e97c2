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
# `unsqueeze(1)`, the final transpose, the `length` update and what it does not fix), where each
# norm mode puts its norms, and how the package's mirror is checked to be the same code.
#
# **What to know first:** notebook 1; `nn.Module.forward`.

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import textwrap

import torch
from torchaudio.models.wav2vec2 import components as ta_components

import w2v2_walkthrough as w2v
from w2v2_walkthrough import diagrams, source

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
# ## The map
#
# What the four objects build for one second of audio, drawn by `diagrams.conv_stack` from the
# mirror's own builder and length arithmetic.

# %%
diagrams.conv_stack(16_000)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The builder: `_get_feature_extractor`
#
# It takes the norm mode, the layer config and whether the convs have a bias, and returns a
# `FeatureExtractor`. Its first lines (docstrings are left out, comments kept):

# %%
# NBVAL_CHECK_OUTPUT
source.upstream_part("_get_feature_extractor", stop="for i, (")

# %% [markdown]
# `in_channels` starts at **1**: the waveform is a single channel. Every later layer reads the
# channels of the one before.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Which layers get a norm
#
# The loop over the layer config chooses each layer's norm, or `None`:

# %%
# NBVAL_CHECK_OUTPUT
source.upstream_part("_get_feature_extractor", start="for i, (", stop="blocks.append")

# %% [markdown]
# In `group_norm` mode only layer `i == 0` gets a norm: `GroupNorm(512, 512)`, one group per channel.
# It normalizes each channel of each item on its own, over all the positions of the clip (what
# `InstanceNorm1d` does), then scales and shifts each channel by a learned weight and bias
# (`affine=True`). In `layer_norm` mode every layer gets the transpose `LayerNorm` (below), which
# normalizes each position over its 512 channels.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Which models use which mode
#
# `group_norm` is the mode of the Base models and wav2vec2 Large (LS-960); `layer_norm` of LV-60k,
# XLS-R, HuBERT Large and X-Large, and WavLM Large. The package's presets, one per torchaudio
# builder (`tests/package/test_presets.py` checks each against the builder's own extractor):

# %%
# NBVAL_CHECK_OUTPUT
for mode in ["group_norm", "layer_norm"]:
    names = [name for name, preset in w2v.PRESETS.items() if preset.norm_mode == mode]
    print(textwrap.fill(f"{mode}: {', '.join(names)}", 90, subsequent_indent="    "))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### One block per layer
#
# The rest of the loop builds the block and passes the channel count on:

# %%
# NBVAL_CHECK_OUTPUT
source.upstream_part("_get_feature_extractor", start="blocks.append")

# %% [markdown] slideshow={"slide_type": "subslide"}
# The norm is passed to `ConvLayerBlock` under the name `layer_norm` even when it is a `GroupNorm`.
# Hugging Face's port, which came before torchaudio's, names it the same way (below), so both
# libraries' state dicts say `feature_extractor.conv_layers.0.layer_norm.weight` in both modes.
# fairseq's original checkpoints number the modules instead (`conv_layers.0.2.weight`, or
# `conv_layers.0.2.1.weight` in `layer_norm` mode); torchaudio's fairseq importer renames them.

# %%
# NBVAL_CHECK_OUTPUT
hf = "transformers.models.wav2vec2.modeling_wav2vec2"  # read from the file, not imported
source.installed_part(hf, "Wav2Vec2GroupNormConvLayer.__init__", "self.layer_norm")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What it builds for Base
#
# The `wav2vec2_base` preset is `group_norm` mode without conv bias: its first block holds the
# `GroupNorm` under the name `layer_norm`, the others hold `None` there. The printout lists a block's
# modules in the order `__init__` registers them, norm first; `forward` runs the conv first.

# %%
# NBVAL_CHECK_OUTPUT
extractor = weights.extractor("wav2vec2_base")
print(extractor.conv_layers[0])
for i, block in enumerate(extractor.conv_layers[1:], start=1):
    print(i, block.conv, "->", block.layer_norm)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## One layer: `ConvLayerBlock`
#
# `__init__` keeps the kernel size and the stride (the length update needs them) and the norm, and
# builds the conv:

# %%
# NBVAL_CHECK_OUTPUT
source.upstream_part("ConvLayerBlock", start="def __init__", stop="def forward")

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture"]
# ### `ConvLayerBlock.forward`

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
source.upstream_part("ConvLayerBlock", start="def forward")

# %% [markdown]
# Four steps: the conv, the optional norm, GELU, and the **length update**: the one-layer formula
# $\lfloor (L - k)/s \rfloor + 1$ of notebook 1, applied to a tensor of per-item lengths, so that a
# padded batch knows how many of its positions are real.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Layer 0 on 400 samples
#
# One block on its own takes `[batch, channels, time]` and a length per item:

# %%
# NBVAL_CHECK_OUTPUT
block = extractor.conv_layers[0]
y, length = block(torch.randn(1, 1, 400), torch.tensor([400]))  # y: (1, 512, 79)
print("output", list(y.shape), "length", length.tolist())

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture"]
# ### Why `rounding_mode="floor"` and the clamp
#
# For inputs shorter than the kernel, $L - k$ is negative. `rounding_mode="floor"` rounds towards
# minus infinity (Python's `//`), truncation towards zero. For $L = 6..9$, $(L - 10)/5$ lies in
# $(-1, 0)$: floor gives a count of 0 (no window fits), truncation 1. Floor does make the count
# negative for $L < k - s$ ($L \le 4$ here), hence the clamp at 0. Layer 0 ($k = 10$, $s = 5$),
# against the number of 10-sample windows, 5 apart, that fit in $L$ samples:

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
L = torch.arange(16)  # input lengths 0 .. 15
floor = torch.div(L - 10, 5, rounding_mode="floor") + 1
trunc = torch.div(L - 10, 5, rounding_mode="trunc") + 1
fit = torch.tensor([len(range(0, n - 10 + 1, 5)) for n in L.tolist()])  # windows [5j, 5j + 10)
assert torch.equal(floor.clamp(min=0), fit)
rows = {"L": L, "floor": floor, "trunc": trunc, "clamped": floor.clamp(min=0), "fit": fit}
for name, row in rows.items():
    print(f"{name:<8}" + "".join(f"{v:>3}" for v in row.tolist()))

# %% [markdown] slideshow={"slide_type": "notes"}
# With truncation, lengths 6..9 would claim one position where the conv produces none. Floor plus the
# clamp gives the right count for every length: the test suite checks the package's arithmetic
# against torchaudio's `length` and against the real output shapes for every input length from 0 to
# 20 000 samples (`tests/package/test_arithmetic.py`, the two `test_lengths_equal_*` tests).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The stack: `FeatureExtractor`
#
# `__init__` only keeps the blocks:

# %%
# NBVAL_CHECK_OUTPUT
source.upstream_part("FeatureExtractor", stop="def forward")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### `FeatureExtractor.forward`

# %%
# NBVAL_CHECK_OUTPUT
source.upstream_part("FeatureExtractor", start="def forward")

# %% [markdown]
# It refuses anything but `(batch, time)`, inserts the channel axis with `unsqueeze(1)` (`Conv1d`
# wants `[batch, channels, time]`), runs the blocks and transposes to `[batch, frame, feature]`, the
# layout Transformers expect.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The shapes on the way
#
# A batch of two one-second rows, the second with a valid length of half a second:

# %%
# NBVAL_CHECK_OUTPUT
x = torch.randn(2, 16_000)
print("input            ", list(x.shape))
print("after unsqueeze(1)", list(x.unsqueeze(1).shape))
features, lengths = extractor(x, torch.tensor([16_000, 8_000]))  # (2, frame, 512)
print("output           ", list(features.shape), "valid frames", lengths.tolist())

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### `length` fixes the counts, not the values
#
# `length` says how many frames of each row are real, in every model. It does not make them the
# frames the clip would give alone: in a `group_norm` model, layer 0's GroupNorm statistics are taken
# over the whole row, padding included, so the valid frames move; notebook 5 measures by how much,
# and how much of it the next module's per-frame LayerNorm removes. A `layer_norm` model's valid
# frames are the clip's own: their spans lie inside the real samples.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The transpose `LayerNorm`

# %%
# NBVAL_CHECK_OUTPUT
source.upstream_part("LayerNorm")

# %% [markdown]
# `nn.LayerNorm(512)` normalizes the **last** axis. A conv output is `[batch, channels, positions]`,
# so the class transposes to put channels last, normalizes, and transposes back.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The same as `nn.LayerNorm` over channels
#
# It is exactly `nn.LayerNorm` applied to the transposed tensor:

# %%
# NBVAL_CHECK_OUTPUT
ln = w2v.LayerNorm(512)
h = torch.randn(2, 512, 30)  # (B, C, T)
same = torch.equal(ln(h), torch.nn.LayerNorm(512)(h.transpose(1, 2)).transpose(1, 2))
print("transpose LayerNorm == nn.LayerNorm over channels:", same)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The mirror is the same code
#
# `w2v2_walkthrough.components` was written to match these lines. `source.code_diff` compares the
# two after removing docstrings and comments: the three classes are statement for statement the
# same. The builder differs only in its mode check: it tests membership in the tuple `NORM_MODES`
# (the same two names) instead of a list literal, and its error message says what to pass.

# %%
# NBVAL_CHECK_OUTPUT
for name in ["LayerNorm", "ConvLayerBlock", "FeatureExtractor", "_get_feature_extractor"]:
    diff = source.code_diff(name)
    print(f"{name}: {'identical' if not diff else str(len(diff) - 3) + ' diff lines'}")
for line in source.code_diff("_get_feature_extractor")[3:]:
    print(textwrap.fill(line, 90, subsequent_indent=" " * 12))

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Same weights, same output, to the last bit
#
# Build torchaudio's own extractor (with its default init: here the point is torchaudio's object,
# whatever its weights), load its weights into the mirror (the `state_dict` keys are the same, so
# `strict=True` works), and run both on the same batch: three rows of random samples with the
# valid lengths 16 000, 12 000 and 399 (the rows are random all the way; only `lengths` says where
# each one ends).

# %% tags=["lecture", "run-live"]
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

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The checkpoint keys
#
# The test suite repeats this for every preset's architecture (norm mode × conv bias) and checks the
# keys of every preset (`tests/package/test_equivalence.py`), and a drift
# guard fails loudly if a future torchaudio changes any of these four objects. The `state_dict`
# keys, the names under which pretrained checkpoints store these weights:

# %%
# NBVAL_CHECK_OUTPUT
for key, value in mine.state_dict().items():
    print(f"{key:<32} {list(value.shape)}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - `_get_feature_extractor` builds one `ConvLayerBlock` per layer: one input channel, then 512.
#   `group_norm` mode (Base models, wav2vec2 Large) puts one `GroupNorm(512, 512)` between layer 0's
#   conv and its GELU, normalizing each channel over the clip; `layer_norm` mode (LV-60k, XLS-R,
#   HuBERT Large and X-Large, WavLM Large) a transpose `LayerNorm` between every conv and its GELU,
#   normalizing each position over the channels. Both are stored under the key `layer_norm`.
# - `ConvLayerBlock.forward`: conv → optional norm → GELU, then
#   $\text{length} = \max(0, \lfloor (\text{length} - k)/s \rfloor + 1)$. `length` fixes the frame
#   counts of a padded batch in every model; in `group_norm` models the valid frames' values still
#   depend on the padding.
# - `FeatureExtractor.forward`: check 2-D, `unsqueeze(1)` for one input channel, the blocks, then
#   transpose to `[batch, frame, feature]`.
# - The mirror is the same code and gives identical output for identical weights.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: count the parameters
#
# Write `param_count(norm_mode, shapes, bias)`: how many parameters
# `_get_feature_extractor(norm_mode, shapes, bias)` builds, from its arguments. The builder and
# `ConvLayerBlock.__init__` above say which modules exist: count from them (building the model, even
# on the meta device, and summing `numel()` passes too, but teaches nothing). The checker tries
# both norm modes, both bias settings and several layer configs.


# %% tags=["solution"]
def param_count(norm_mode, shapes, bias):
    """The number of parameters _get_feature_extractor(norm_mode, shapes, bias) builds."""
    total, in_channels = 0, 1
    for i, (out_channels, kernel_size, _) in enumerate(shapes):
        total += out_channels * in_channels * kernel_size + (out_channels if bias else 0)
        if norm_mode == "layer_norm" or i == 0:
            total += 2 * out_channels  # the norm's weight and bias
        in_channels = out_channels
    return total


# %%
w2v.exercises.check_param_count(param_count)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: predict, then run
#
# You load the `state_dict` of the `wav2vec2_large_lv60k` extractor (a `layer_norm` model with
# conv bias) into the Base extractor with `load_state_dict(state, strict=False)`. It loads every
# key the two share and reports the rest: `missing_keys`, Base's keys the `state_dict` lacks, and
# `unexpected_keys`, its keys Base has no place for. How many of each? Predict a tuple
# `(missing, unexpected)` from the builder's source, then run the cell under the checker.

# %% tags=["solution"]
prediction = (0, 7 + 6 * 2)  # Base has no conv bias, and no norm after layer 0

# %%
w2v.exercises.check_loading_keys(prediction)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 2, after you answer: the keys
#
# The two key sets, and the unexpected keys of one block:

# %%
# NBVAL_CHECK_OUTPUT
state = weights.extractor("wav2vec2_large_lv60k").state_dict()
base = weights.extractor("wav2vec2_base")  # a fresh extractor: it takes the other model's tensors
result = base.load_state_dict(state, strict=False)
print(len(state), "keys in the state_dict,", len(base.state_dict()), "in Base")
print("missing:", len(result.missing_keys), " unexpected:", len(result.unexpected_keys))
block_1 = [k for k in result.unexpected_keys if k.startswith("conv_layers.1.")]
print("unexpected in block 1:", [k.split(".", 2)[2] for k in block_1])

# %% [markdown]
# With `strict=False` nothing fails: Base takes the tensors whose names it has (the conv weights,
# and layer 0's norm parameters, a `LayerNorm`'s in a `GroupNorm`, same shapes) and drops the rest
# without a word. Keep `strict=True`
# (the default) when you load weights, so that a mismatch stops you.
#
# **Next:** notebook 3 works out the length arithmetic in full.
