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
#     summary: 400 samples (25 ms) and a 320-sample hop (20 ms), derived layer by layer
#       and proved with gradients
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 4. Receptive field
#
# Each output frame depends on **400** consecutive samples (25 ms at 16 kHz), and consecutive frames
# are **320** samples (20 ms) apart. This notebook derives both numbers layer by layer, then proves
# them with autograd: the samples with a non-zero gradient for frame `i` are exactly the computed
# span. Finally it looks *inside* the 400 samples: not all of them count equally.
#
# **You will learn** the receptive-field recurrence, how to confirm it with gradients, how
# consecutive frames overlap, and why the centre of each window counts more than its edges.
#
# **What to know first:** notebook 3 (frame spans).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import plotting, receptive

# %% slideshow={"slide_type": "skip"} tags=["setup", "parameters"]
WEIGHTS = "random"  # or a torchaudio bundle name such as "WAV2VEC2_BASE", or the path of a checkpoint
SEED = 0  # the seed of random weights

# %% slideshow={"slide_type": "skip"} tags=["setup", "depends-on-weights"]
# NBVAL_CHECK_OUTPUT
weights = w2v.WeightChoice(WEIGHTS, SEED)
print(weights.banner())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Layer by layer
#
# Two numbers per layer. The **jump** is the distance, in input samples, between neighbouring
# outputs of that layer: the product of the strides so far. The **receptive field** grows by
# `(k - 1) × jump of the layer below` at each layer, because a kernel of `k` taps spans `k - 1` gaps
# between outputs of the layer below.

# %%
# NBVAL_CHECK_OUTPUT
print("layer   k  s   jump  receptive field")
for r in ar.receptive_field_table():
    print(
        f"{r.layer:>5} {r.kernel_size:>3} {r.stride:>2} {r.jump:>6} {r.receptive_field:>6} samples"
        f" = {ar.samples_to_ms(r.receptive_field):6.3f} ms"
    )

# %% [markdown]
# The last row: receptive field **400** samples = **25 ms**, jump (the hop) **320** samples = **20 ms**.
# The first layer alone sees 10 samples (0.625 ms); layers with kernel 2 add only one jump each but
# double the jump.
#
# ## Proof by gradient
#
# If frame `i` depends on sample `t`, then `d frame_i / d sample_t` is non-zero; if it does not, it
# is exactly zero. `receptive.input_gradient` asks autograd for that gradient (in float64, so nothing
# underflows). We use a `layer_norm` model: its computation is local in time (notebook 5 explains
# why the `group_norm` model is not).

# %%
# NBVAL_CHECK_OUTPUT
extractor = w2v.random_extractor("wav2vec2_large_lv60k")
wave = w2v.load_speech_clip()[0][:24_000]  # the first 1.5 s: 74 frames
frames = [0, 1, 50, 73]
grads = receptive.input_gradient(extractor, wave, frames)  # [4, 24000], one row per frame
for frame, grad in zip(frames, grads, strict=True):
    measured, computed = receptive.nonzero_span(grad), ar.frame_span(frame)
    assert measured == computed and int(torch.count_nonzero(grad)) == 400
    print(f"frame {frame:>2}: non-zero gradient on samples {measured}, computed span {computed}")

# %% [markdown]
# Every one of the 400 samples in the span has a non-zero gradient, and none outside it. The same
# proof runs in the test suite for two other layer configs.
#
# The gradient of frame 50, over the speech around it, with the computed span marked:

# %% slideshow={"slide_type": "subslide"}
plotting.plot_gradient_span(
    grads[2], ar.frame_span(50), title="|d frame 50 / d sample|: exactly the 400 computed samples"
)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Spans over real speech
#
# Consecutive frames overlap by `400 - 320 = 80` samples (5 ms). Frames 0, 1 and 2 and one from the
# middle of the clip, drawn over the waveform:

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
print("overlap of consecutive frames:", ar.receptive_field() - ar.hop_length(), "samples")
plotting.plot_frame_spans(wave[:16_000], [0, 1, 2, 40], title="Sample spans of frames 0, 1, 2 and 40")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The effective receptive field
#
# Inside the span, samples are not equal. Count the conv **paths** from each input sample to the
# output frame: the first sample is reached through one chain of taps, a central one through many.
# `receptive.path_counts` computes them exactly (the gradient of the stack with all-ones kernels).

# %%
# NBVAL_CHECK_OUTPUT
paths = receptive.path_counts()
print("total paths:", int(paths.sum()), "= 10 * 3**4 * 2 * 2 =", 10 * 3**4 * 2 * 2)
print("paths to sample 0:", int(paths[0]), "| to sample 199:", int(paths[199]), "| most:", int(paths.max()))
print(f"share of paths through the central 200 samples: {float(paths[100:300].sum() / paths.sum()):.1%}")

# %% [markdown]
# With trained weights the actual gradient is shaped by the weights too, but the path structure
# already makes the window peaked: the central half carries most of the influence. Averaging
# `|gradient|` over several frames of the speech clip shows the same concentration in our random model:

# %% slideshow={"slide_type": "subslide"}
frames = list(range(5, 70, 8))
grads = receptive.input_gradient(extractor, wave, frames)
mean_grad = sum(g[ar.frame_start(f) :][:400].abs() for f, g in zip(frames, grads, strict=True)) / len(frames)
central = float(mean_grad[100:300].sum() / mean_grad.sum())
print(f"central 200 samples carry {central:.0%} of the mean |gradient| ({len(frames)} frames)")
assert central > 0.5
plotting.plot_gradient_span(
    torch.cat([torch.zeros(120), mean_grad, torch.zeros(120)]),
    (120, 520),
    title="Mean |gradient| inside the window, padded for context",
)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1
#
# If the first layer were `(512, 20, 10)` instead of `(512, 10, 5)`, with the rest unchanged, what
# would the receptive field be, in samples? (Hint: the first jump becomes 10, and every later jump
# doubles too.)

# %% tags=["solution"]
answer = 20 + 2 * 10 + 2 * 20 + 2 * 40 + 2 * 80 + 1 * 160 + 1 * 320

# %%
w2v.exercises.check_receptive_field_wider_first_layer(answer)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2
#
# The stack knows nothing about sample rates. If 8 kHz audio were fed to it unchanged, what would
# the hop be in ms?

# %% tags=["solution"]
answer = 320 / 8_000 * 1000

# %%
w2v.exercises.check_hop_ms_at_8khz(answer)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - Receptive field `rf_l = rf_(l-1) + (k_l - 1) × jump_(l-1)`, jump `= product of strides`:
#   400 samples (25 ms) and 320 samples (20 ms) for wav2vec2.
# - Autograd confirms it: frame `i` has a non-zero gradient on exactly samples `[320 i, 320 i + 400)`.
# - Consecutive frames share 80 samples.
# - The effective receptive field is peaked: more conv paths lead from the centre of the window.
#
# **Next:** notebook 5, where the `group_norm` model breaks this locality.
