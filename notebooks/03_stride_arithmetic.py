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
#     summary: floor((L - k) / s) + 1, 49 frames per second, lengths in a padded batch,
#       the inverse, exact frame times
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 3. Stride arithmetic
#
# How many frames come out of `L` samples, which samples are lost, how many samples you need for
# `N` frames, and *when* a frame is. Everything here is integer arithmetic on the layer config, and
# every formula is checked against the real model.
#
# **You will learn** `floor((L - k) / s) + 1` per layer and for the whole stack, why 1 s gives 49
# frames, how `length` works in a padded batch, the inverse (400 samples for one frame, 720 for
# two), the exact time of a frame, and five off-by-one pitfalls.
#
# **What to know first:** notebooks 1 and 2.

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar

# %% slideshow={"slide_type": "skip"} tags=["setup", "parameters"]
WEIGHTS = "random"  # or a torchaudio bundle name such as "WAV2VEC2_BASE", or the path of a checkpoint
SEED = 0  # the seed of random weights

# %% slideshow={"slide_type": "skip"} tags=["setup", "depends-on-weights"]
# NBVAL_CHECK_OUTPUT
weights = w2v.WeightChoice(WEIGHTS, SEED)
print(weights.banner())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## One layer
#
# An unpadded conv with kernel `k` and stride `s` places its window at `0, s, 2s, ...` as long as
# the whole window fits: the last start is at most `L - k`, so there are `floor((L - k) / s) + 1`
# windows (and none if `L < k`).

# %%
# NBVAL_CHECK_OUTPUT
for L in [9, 10, 14, 15, 16_000]:
    print(f"L={L:>5}: {ar.conv_output_length(L, kernel_size=10, stride=5)} outputs")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Seven layers, one second
#
# Applying it layer by layer to 16 000 samples. `unused` counts the trailing inputs of that layer
# that no output sees: without padding, the end of the signal that does not fill a whole window is
# dropped.

# %%
# NBVAL_CHECK_OUTPUT
print("layer  k  s  length in  length out  unused")
for r in ar.length_table(16_000):
    print(f"{r.layer:>5} {r.kernel_size:>2} {r.stride:>2} {r.length_in:>10} {r.length_out:>11} {r.unused:>7}")

# %% [markdown]
# So one second gives **49** frames, not 50. Counted in input samples, the last frame ends at
# sample `48 * 320 + 400 = 15 760`: the final 240 samples (15 ms) are seen by no frame.

# %%
# NBVAL_CHECK_OUTPUT
last_start, last_end = ar.frame_span(ar.num_frames(16_000) - 1)
print(
    f"last frame sees samples [{last_start}, {last_end}); unseen tail: {16_000 - last_end} samples "
    f"= {ar.samples_to_ms(16_000 - last_end)} ms"
)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The whole stack is one big conv
#
# The per-layer floors compose exactly: the stack behaves, for lengths, like a single conv with
# kernel 400 (the receptive field) and stride 320 (the hop):
# `frames = floor((L - 400) / 320) + 1`, clamped at 0. The assert checks every `L` up to 20 s.

# %%
# NBVAL_CHECK_OUTPUT
assert all(ar.num_frames(L) == max(0, (L - 400) // 320 + 1) for L in range(0, 20 * 16_000 + 1))
print("frames = floor((L - 400) / 320) + 1 holds; e.g. 10 s ->", ar.num_frames(160_000), "frames")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Lengths in a padded batch
#
# Clips of different lengths are zero-padded to the longest. The model still computes frames over
# the padding, so it needs the real lengths: pass them as `length` and each layer updates them with
# the same formula (clamped at 0).

# %%
# NBVAL_CHECK_OUTPUT
clips = [16_000, 8_000, 5_000, 300]
batch = torch.zeros(len(clips), max(clips))
extractor = w2v.random_extractor("wav2vec2_large_lv60k")
features, frames = w2v.extract_features(extractor, batch, lengths=torch.tensor(clips))
print("features", list(features.shape), "| valid frames per clip", frames.tolist())
print("predicted", [ar.num_frames(n) for n in clips])

# %% [markdown]
# The 300-sample clip gets 0 valid frames: shorter than the 400-sample receptive field. Every row
# still has 49 frames in `features`; frames past a row's `length` are computed from padding and
# must be masked downstream.
#
# ## The inverse: samples for N frames
#
# Walking the stack backwards, `n` outputs of a conv need `(n - 1) * s + k` inputs:

# %%
# NBVAL_CHECK_OUTPUT
for n in [1, 2, 3, 49, 50]:
    print(f"{n:>2} frames need at least {ar.min_samples_for_frames(n):>5} samples")

# %% [markdown]
# One frame needs **400** samples, two need **720**, and every further frame 320 more. 50 frames
# take 16 080 samples: slightly more than a second.
#
# ## When is a frame?
#
# Frame `n` sees samples `[320 n, 320 n + 400)`. Its *start* is at `320 n` samples (`n × 20 ms`), its
# exact *centre* at `320 n + (400 - 1) / 2 = 320 n + 199.5` samples: the average position of the
# 400 samples `320 n, ..., 320 n + 399`.

# %%
# NBVAL_CHECK_OUTPUT
for n in [0, 1, 10]:
    start, end = ar.frame_span(n)
    print(
        f"frame {n:>2}: samples [{start}, {end}), start {ar.samples_to_ms(start):.3f} ms, "
        f"centre {ar.frame_center(n)} samples = {ar.samples_to_ms(ar.frame_center(n)):.5f} ms"
    )

# %% [markdown]
# So timestamps computed as `n × 20 ms` mark the **start** of each frame's window, about 12.5 ms
# (precisely 12.47 ms) before its centre:

# %%
# NBVAL_CHECK_OUTPUT
offset_ms = ar.samples_to_ms(ar.frame_center(0) - ar.frame_start(0))
print(f"centre - start = {ar.frame_center(0) - ar.frame_start(0)} samples = {offset_ms:.5f} ms")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Five off-by-one pitfalls
#
# Each line computes the tempting answer and the right one for the same question.

# %%
# NBVAL_CHECK_OUTPUT
L = 16_000
print("1. frames in 1 s as L / 320:         ", L // 320, "vs", ar.num_frames(L))
print("2. ceil instead of floor:            ", -(-(L - 400) // 320) + 1, "vs", ar.num_frames(L))
print("3. centre as n * 20 ms (frame 10):   ", 10 * 20.0, "ms vs", ar.samples_to_ms(ar.frame_center(10)), "ms")
print("4. centre with (k - 1) // 2:         ", 320 * 10 + (400 - 1) // 2, "vs", ar.frame_center(10))
print("5. frames of a padded row from its padded length:", ar.num_frames(16_000), "vs", ar.num_frames(5_000))

# %% [markdown] slideshow={"slide_type": "notes"}
# Pitfall 5 is the one that bites in practice: in a batch padded to 16 000 samples, a 5 000-sample
# clip has 15 real frames, not 49. Use the `length` output, or `ar.num_frames` of the real length.
# Pitfall 3 shifts every alignment (phone boundaries, CTC timestamps) by 12.5 ms.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1
#
# What is the fewest number of samples that gives 10 frames?

# %% tags=["solution"]
answer = 400 + 9 * 320

# %%
w2v.exercises.check_samples_for_ten_frames(answer)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2
#
# At what time, in ms, is the exact centre of frame 10?

# %% tags=["solution"]
answer = (10 * 320 + 199.5) / 16

# %%
w2v.exercises.check_centre_of_frame_ten_ms(answer)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - One layer: `floor((L - k) / s) + 1`; the whole stack: `floor((L - 400) / 320) + 1`, clamped at 0.
# - 1 s gives 49 frames; the last 240 samples are seen by no frame.
# - Padded batches carry `length`, updated by the same formula; past it, frames are padding.
# - N frames need `400 + 320 (N - 1)` samples.
# - Frame `n` spans `[320 n, 320 n + 400)`; its centre is `320 n + 199.5` samples, 12.47 ms after
#   its start.
#
# **Next:** notebook 4 derives 400 and 320 layer by layer and proves them with gradients.
