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
#     summary: exact chunked extraction of hours of audio in bounded memory, for both
#       norm modes
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 7. An hour of audio, exactly
#
# A full-utterance pass keeps layer 0's output in memory: 512 channels × one value every 5 samples.
# For an hour of audio that does not fit a 24 GB machine, let alone a laptop. Cutting the audio into
# chunks is easy; getting **the same frames** as the full pass is not, unless you use the arithmetic
# of notebooks 3 and 4. This notebook builds exact chunked extraction for both norm modes.
#
# **You will learn** how much memory a full pass needs, how to cut audio so that every frame is
# computed from exactly the samples it sees in the full pass, why group norm needs two passes and
# how to make the first one almost free, and how to run it all from the command line.
#
# **What to know first:** notebooks 3, 4 and 5.

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import tempfile
from pathlib import Path

import numpy as np
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import audio, chunked

# %% slideshow={"slide_type": "skip"} tags=["setup", "parameters"]
WEIGHTS = "random"  # or a torchaudio bundle name such as "WAV2VEC2_BASE", or the path of a checkpoint
SEED = 0  # the seed of random weights

# %% slideshow={"slide_type": "skip"} tags=["setup", "depends-on-weights"]
# NBVAL_CHECK_OUTPUT
weights = w2v.WeightChoice(WEIGHTS, SEED)
print(weights.banner())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The memory arithmetic
#
# Layer 0's output has `floor((L - 10) / 5) + 1` frames of 512 float32 values:

# %%
# NBVAL_CHECK_OUTPUT
for label, seconds in [("1 s", 1), ("30 s", 30), ("1 min", 60), ("10 min", 600), ("1 h", 3600)]:
    size = chunked.peak_layer0_bytes(seconds * 16_000)
    print(f"{label:>6}: layer 0 output = {size / 1e6:10.2f} MB = {size / 1e9:7.3f} GB")

# %% [markdown]
# About 6.55 MB per second, so an hour needs over 23 GB for that one activation (the conv's
# workspace comes on top). A chunk of 30 s needs 0.2 GB, however long the file.
#
# ## Chunks for layer_norm models
#
# A `layer_norm` model is local (notebook 4): frame `i` depends only on samples `[320 i, 320 i + 400)`.
# So a chunk that should produce frames `[f0, f1)` needs samples `[320 f0, 320 (f1 - 1) + 400)`.
# Consecutive chunks share `400 - 320 = 80` samples. `chunked.plan_chunks` derives this from the
# package's arithmetic; for 2.2 s of audio in 1 s chunks:

# %%
# NBVAL_CHECK_OUTPUT
print("overlap:", ar.receptive_field() - ar.hop_length(), "samples")
for c in chunked.plan_chunks(35_200, chunk_frames=50):
    print(
        f"frames [{c.first_frame:>3}, {c.end_frame:>3}) <- samples [{c.start:>6}, {c.stop:>6})  ({c.stop - c.start} samples)"
    )

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why chunks must start on a multiple of the hop
#
# Each layer has its own grid (every 5, 10, 20, ..., 320 samples). A chunk starting at sample 320
# lines up with all of them, so its first frame *is* frame 1 of the full pass. A chunk starting at
# sample 160 does not: its frames fall between the full pass's frames and match none of them.

# %%
# NBVAL_CHECK_OUTPUT
local = w2v.random_extractor("wav2vec2_large_lv60k")
speech = w2v.load_speech_clip()[0]
full, _ = w2v.extract_features(local, speech)
for offset in [320, 160]:
    part, _ = w2v.extract_features(local, speech[offset:])
    closest = (full[0] - part[0, 0]).abs().amax(dim=1).min()
    print(f"chunk starting at sample {offset}: its first frame matches a full-pass frame: {bool(closest < 1e-4)}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exactly the same frames (layer_norm)
#
# Four copies of the speech clip (13.75 s), extracted in one pass and in 2.5 s chunks:

# %%
# NBVAL_CHECK_OUTPUT
long = speech.repeat(4)
full, _ = w2v.extract_features(local, long)
pieces = chunked.extract_chunked(local, long, chunk_seconds=2.5, progress=False)
print(
    f"{long.numel() / 16_000:.2f} s: full pass {list(full[0].shape)}, chunked {list(pieces.shape)}, "
    f"{len(list(chunked.plan_chunks(long.numel(), 125)))} chunks"
)
print("max abs difference <= 1e-5:", bool((full[0] - pieces).abs().max() <= 1e-5))

# %% [markdown] slideshow={"slide_type": "notes"}
# Why not exactly 0.0? The chunks are shorter than the whole signal, so PyTorch's conv may pick a
# different blocking of the same sums and round differently in the last bits (the test suite
# measures up to a few 1e-6). Every frame is computed from exactly the same samples.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Group norm needs two passes
#
# In a `group_norm` model, layer 0's GroupNorm normalizes each channel with its mean and variance
# over the **whole** utterance (notebook 5). Chunking naively gives each chunk its own statistics:

# %%
# NBVAL_CHECK_OUTPUT
base = w2v.random_extractor("wav2vec2_base")
full, _ = w2v.extract_features(base, long)
naive = torch.cat(
    [
        w2v.extract_features(base, long[c.start : c.stop])[0][0]
        for c in chunked.plan_chunks(long.numel(), chunk_frames=125)
    ]
)
relative = float((naive - full[0]).norm() / full[0].norm())
print(f"naive chunks: same shape {list(naive.shape) == list(full[0].shape)}, relative error {relative:.0%}")

# %% [markdown]
# The fix takes two passes. **Pass 1** finds each channel's mean and variance over the whole signal.
# It does not even need to run the 512-channel conv: layer 0 is linear before its norm, so channel
# `c`'s output at position `j` is `w_c · x_j` (plus `b_c` in models with conv bias), where `x_j` is
# the window of 10 samples starting at `5 j`. Its mean is `w_c · m` and its variance `w_cᵀ Cov w_c`,
# where `m` and `Cov` are the mean and covariance of all windows: a 10-vector and a 10 × 10 matrix.
# Pass 1 accumulates `Σ x_j` and `Σ x_j x_jᵀ` in float64, chunk by chunk.

# %%
# NBVAL_CHECK_OUTPUT
windows = long.double().unfold(0, 10, 5)  # every layer-0 window: [outputs, 10]
moments = windows.T @ windows  # [10, 10]
print("layer-0 windows:", list(windows.shape), "-> statistics: a 10-vector and a", list(moments.shape), "matrix")
mean, var = chunked.layer0_statistics(base, chunked.TensorSource(long), chunk_frames=125)
conv0 = w2v.trace_activations(base, long).layers[0].conv[0].double()
means_match = torch.allclose(mean, conv0.mean(dim=1), rtol=1e-5)
print(
    "means match:", means_match, "| variances match:", torch.allclose(var, conv0.var(dim=1, unbiased=False), rtol=1e-5)
)

# %% [markdown]
# **Pass 2** extracts the chunks as for layer_norm models, but replaces layer 0's GroupNorm by the
# same affine map with the global statistics: `(y - mean) / sqrt(var + eps) * weight + bias`.

# %%
# NBVAL_CHECK_OUTPUT
pieces = chunked.extract_chunked(base, long, chunk_seconds=2.5, progress=False)
print(
    "two passes: same shape",
    list(pieces.shape) == list(full[0].shape),
    "| max abs difference <= 1e-4:",
    bool((pieces - full[0]).abs().max() <= 1e-4),
)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## From a file, in bounded memory
#
# For long recordings, `extract_chunked` also takes a path: the file is read block by block with
# soundfile and never sits in memory whole, and `out` can be a `numpy` memmap so the features go
# straight to disk. The command line does exactly that and writes the frame times beside them
# (start and exact centre, in seconds):
#
# ```
# python -m w2v2_walkthrough extract IN.wav OUT.npy --preset wav2vec2_base [--weights random|BUNDLE|PATH] [--chunk-seconds 30]
# ```

# %%
# NBVAL_CHECK_OUTPUT
import contextlib
import io

from w2v2_walkthrough.__main__ import main

tmp = tempfile.TemporaryDirectory()
wav, npy = Path(tmp.name) / "long.wav", Path(tmp.name) / "feats.npy"
audio.save_audio(wav, long)
log = io.StringIO()
with contextlib.redirect_stderr(log):
    status = main(
        ["extract", str(wav), str(npy), "--preset", "wav2vec2_base", "--chunk-seconds", "2.5", "--no-progress"]
    )
print("exit status", status, "|", log.getvalue().splitlines()[0])

# %% [markdown]
# The command says which weights it used, then writes `feats.npy` and `feats.times.npy`:

# %%
# NBVAL_CHECK_OUTPUT
feats, times = np.load(Path(tmp.name) / "feats.npy"), np.load(Path(tmp.name) / "feats.times.npy")
tmp.cleanup()
print("features", feats.shape, feats.dtype, "| times", times.shape)
print("frame 1 starts at", times[1, 0], "s and is centred at", times[1, 1], "s")
print("equal to the in-memory two-pass result:", bool(np.abs(feats - pieces.numpy()).max() <= 1e-6))

# %% [markdown]
# The benchmark in `benchmarks/` measures speed and peak memory on 10 and 60 minutes of audio (see
# the README for its table): the chunked extractor's memory stays flat as the audio grows.
#
# ### Exercise 1
#
# How many samples must two consecutive chunks of a `layer_norm` model share?

# %% tags=["solution"]
answer = 400 - 320

# %%
w2v.exercises.check_chunk_overlap(answer)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2
#
# How many GB (10⁹ bytes) would layer 0's float32 output take for 10 minutes of audio in a full pass?

# %% tags=["solution"]
answer = ((10 * 60 * 16_000 - 10) // 5 + 1) * 512 * 4 / 1e9

# %%
w2v.exercises.check_layer0_gigabytes_ten_minutes(answer)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A full pass holds ~6.55 MB per second of audio for layer 0 alone: 23.6 GB per hour.
# - layer_norm models: chunks start on multiples of the hop (320) and overlap by the receptive field
#   minus the hop (80), both from the arithmetic; the frames equal the full pass.
# - group_norm models: pass 1 accumulates the mean and 10 × 10 second moments of layer 0's input
#   windows, which give every channel's mean and variance exactly because the conv is linear;
#   pass 2 normalizes every chunk with them; the frames equal the full pass.
# - `python -m w2v2_walkthrough extract` does this for files of any length, writing features and
#   frame times incrementally.
