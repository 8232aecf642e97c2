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
#       norm modes, from files at any sample rate
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 7. An hour of audio, exactly
#
# A full-utterance pass keeps layer 0's output in memory: 512 channels × one value every 5 samples.
# For an hour of audio that does not fit a laptop. Cutting the audio into chunks is easy; getting
# **the same frames** as the full pass is not, unless you use the arithmetic of notebooks 3 and 4.
# This notebook builds exact chunked extraction for both norm modes.
#
# **You will learn** how much memory a full pass needs, how to cut audio so that every frame is
# computed from exactly the samples it sees in the full pass, why group norm needs two passes and
# how the first one gets exact float64 statistics without running the 512-channel conv, and how to
# run it all from the command line on a file at any sample rate.
#
# **What to know first:** notebooks 3, 4 and 5.

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import contextlib
import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from torch.utils.flop_counter import FlopCounterMode

import w2v2_walkthrough as w2v
from w2v2_walkthrough import audio, chunked, diagrams, source
from w2v2_walkthrough.__main__ import main as cli

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
# Layer 0's output has $\lfloor (L - 10)/5 \rfloor + 1$ positions of 512 float32 values:

# %%
# NBVAL_CHECK_OUTPUT
for label, seconds in [("1 s", 1), ("30 s", 30), ("1 min", 60), ("10 min", 600), ("1 h", 3600)]:
    size = chunked.peak_layer0_bytes(seconds * 16_000)
    print(f"{label:>6}: layer 0 output = {size / 1e6:10.2f} MB = {size / 1e9:7.3f} GB")

# %% [markdown]
# About 6.55 MB per second of audio, 23.6 GB per hour, for that one activation. That is a lower
# bound on a full pass, not its peak.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What a full pass really takes
#
# Each step of a block (conv, norm, GELU) is out of place: it holds its input and its output at
# once. The project's benchmark (`benchmarks/results.md`, measured 2026-11-25 on a 2-core x86_64
# machine) ran one full pass of `wav2vec2_base` over a 10-minute file in a fresh process and
# measured its peak resident memory. Its ratio to the layer-0 activation, and an hour at that ratio:

# %%
# NBVAL_CHECK_OUTPUT
measured_peak_gb = 9.987  # benchmarks/results.md: peak RSS, full pass, wav2vec2_base, 10 min
layer0_gb = chunked.peak_layer0_bytes(600 * 16_000) / 1e9
ratio = measured_peak_gb / layer0_gb
print(f"10 min: peak {measured_peak_gb:.2f} GB = {ratio:.2f} x the layer-0 activation")
print(f"1 h at that ratio: about {ratio * chunked.peak_layer0_bytes(3600 * 16_000) / 1e9:.0f} GB")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Chunks for layer_norm models
#
# A `layer_norm` model is local (notebook 4): frame $i$ depends only on samples
# $[320 i, 320 i + 400)$. (In a `group_norm` model every frame also depends on the whole signal
# through layer 0's statistics; that comes next.) So a chunk that should produce frames
# $[f_0, f_1)$ needs samples $[320 f_0, 320 (f_1 - 1) + 400)$, and consecutive chunks share
# $400 - 320 = 80$ samples. `chunked.plan_chunks` is exactly that:

# %%
# NBVAL_CHECK_OUTPUT
source.show(chunked.plan_chunks)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The plan, drawn
#
# `diagrams.chunk_plan` draws what `plan_chunks` returns for a short signal in chunks of two
# frames: each chunk's samples (wide bars), the windows of its frames (thin bars), the hop grid
# every chunk starts on (dotted), the samples two chunks both read (hatched), and the tail that no
# frame's window covers (grey).

# %%
diagrams.chunk_plan(num_samples=2_100, chunk_frames=2)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A real plan
#
# 2.2 s of audio in chunks of 1 s (50 frames):

# %%
# NBVAL_CHECK_OUTPUT
for c in chunked.plan_chunks(35_200, chunk_frames=50):
    span = f"samples [{c.start:>6}, {c.stop:>6})"
    print(f"frames [{c.first_frame:>3}, {c.end_frame:>3}) <- {span}  ({c.stop - c.start} samples)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why chunks must start on a multiple of the hop
#
# Each layer has its own grid (every 5, 10, 20, ..., 320 samples). A chunk starting at sample 320
# lines up with all of them, so its first frame *is* frame 1 of the full pass. A chunk starting at
# sample 160 does not: its frames fall between the full pass's frames and match none of them.

# %%
# NBVAL_CHECK_OUTPUT
local = weights.extractor("wav2vec2_large_lv60k")
speech = w2v.load_speech_clip()[0]
full, _ = w2v.extract_features(local, speech)  # (1, frames, 512)
for offset in [320, 160]:
    part, _ = w2v.extract_features(local, speech[offset:])
    closest = (full[0] - part[0, 0]).abs().amax(dim=1).min()  # nearest full-pass frame
    print(f"chunk from sample {offset}: its first frame is a full-pass frame: {bool(closest < 1e-4)}")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exactly the same frames (layer_norm)
#
# Two copies of the speech clip (6.88 s), extracted in one pass and in 2 s chunks. The cell
# prints the largest absolute difference against the test suite's bound for `layer_norm` models,
# $10^{-5}$, and the relative error of the whole feature tensor,
# $\lVert \text{chunked} - \text{full} \rVert / \lVert \text{full} \rVert$:

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
long = speech.repeat(2)
full, _ = w2v.extract_features(local, long)  # (1, frames, 512)
pieces = chunked.extract_chunked(local, long, chunk_seconds=2.0, progress=False)  # (frames, 512)
n_chunks = len(list(chunked.plan_chunks(long.numel(), chunk_frames=100)))
print(f"{long.numel() / 16_000:.2f} s: full {list(full[0].shape)}, chunked {list(pieces.shape)}")
relative = float((pieces - full[0]).norm() / full[0].norm())
print(f"with these weights, {n_chunks} chunks: max |difference| <= 1e-5:", end=" ")
print(bool((pieces - full[0]).abs().max() <= 1e-5), "| relative error < 1e-6:", relative < 1e-6)

# %% [markdown] slideshow={"slide_type": "notes"}
# Why not exactly 0.0? The chunks are shorter than the whole signal, so PyTorch's conv may pick a
# different blocking of the same sums and round differently in the last bits. Every frame is
# computed from exactly the same samples.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Group norm needs two passes
#
# In a `group_norm` model, layer 0's GroupNorm normalizes each channel with its mean and variance
# over the **whole** utterance (notebook 5). Chunking naively gives each chunk its own statistics:

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
base = weights.extractor("wav2vec2_base")
full, _ = w2v.extract_features(base, long)  # (1, frames, 512)
plan = chunked.plan_chunks(long.numel(), chunk_frames=100)
naive = torch.cat([w2v.extract_features(base, long[c.start : c.stop])[0][0] for c in plan])
relative = float((naive - full[0]).norm() / full[0].norm())
print(f"with these weights, naive 2 s chunks: relative error {relative:.0%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Pass 1: the statistics of the whole signal
#
# Layer 0 is linear before its norm: channel $c$'s output at position $j$ is $w_c \cdot x_j$ (plus
# $b_c$ in models with conv bias), where $x_j$ is the window of 10 samples starting at $5 j$. Its
# mean is $w_c \cdot m$ and its variance $w_c^\top \Sigma\, w_c$, where $m$ and $\Sigma$ are the
# mean and covariance of all windows: a 10-vector and a 10 × 10 matrix. Pass 1 accumulates
# $\sum_j x_j$ and $\sum_j x_j x_j^\top$ in float64, one read at a time:

# %%
# NBVAL_CHECK_OUTPUT
source.show(chunked.window_moments)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### From moments to every channel's statistics
#
# Then one matrix product gives all 512 means and variances:

# %%
# NBVAL_CHECK_OUTPUT
source.show(chunked.layer0_statistics)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Pass 1 is exact
#
# Against the mean and variance of layer 0's conv output itself (computed by the model in float32,
# then averaged in float64):

# %%
# NBVAL_CHECK_OUTPUT
mean, var = chunked.layer0_statistics(base, chunked.TensorSource(long), chunk_frames=100)
with torch.no_grad():
    conv0 = base.conv_layers[0].conv(long[None, None])[0].double()  # (512, positions)
print("means match:", torch.allclose(mean, conv0.mean(dim=1), rtol=1e-5, atol=1e-7))
print("variances match:", torch.allclose(var, conv0.var(dim=1, unbiased=False), rtol=1e-5))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why pass 1 is worth it
#
# Not for speed. Running layer 0's conv instead would cost little arithmetic: counted by PyTorch's
# `FlopCounterMode` on 1 s of audio, layer 0 is a tiny share of the conv FLOPs (norms and GELU
# are not counted; in time layer 0 weighs more, because it moves a lot of memory per FLOP).

# %%
# NBVAL_CHECK_OUTPUT
with FlopCounterMode(display=False) as counter, torch.no_grad():
    base(speech[None, :16_000], None)
flops = {name: sum(ops.values()) for name, ops in counter.get_flop_counts().items()}
share = flops["FeatureExtractor.conv_layers.0"] / flops["FeatureExtractor"]
print(f"layer 0: {share:.1%} of the extractor's {flops['FeatureExtractor'] / 1e9:.2f} GFLOP")

# %% [markdown]
# Its value is accuracy and economy of thought: float64 sums of 10-vectors instead of float32 sums
# over every position of every channel, and a two-line proof (linearity) that the result is exact.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Pass 2: the block's own forward, with frozen statistics
#
# Pass 2 runs every chunk through the extractor's own blocks. Only layer 0's GroupNorm is swapped,
# in a copy of the block, for this module: the same affine map per channel, with pass 1's mean and
# variance folded (in float64) into a scale and a shift.

# %%
# NBVAL_CHECK_OUTPUT
source.show(chunked.FrozenGroupNorm)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Two passes give the full pass's frames
#
# Same signal and chunks as the naive attempt; the bound for `group_norm` models in the test suite
# is $10^{-4}$:

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
pieces = chunked.extract_chunked(base, long, chunk_seconds=2.0, progress=False)  # (frames, 512)
relative = float((pieces - full[0]).norm() / full[0].norm())
print("with these weights, two passes: same shape", list(pieces.shape) == list(full[0].shape))
print("max |difference| <= 1e-4:", bool((pieces - full[0]).abs().max() <= 1e-4), end=" ")
print("| relative error < 1e-5:", relative < 1e-5)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## From a file at any rate, in bounded memory
#
# `extract_chunked` also takes a path. `audio.FileSource` reads the file block by block with
# soundfile, mixes the channels down and resamples to 16 kHz **while streaming** (soxr's
# `ResampleStream`, the same samples bit for bit as `soxr.resample` on the whole file, which is
# what `load_audio` uses). The file never sits in memory whole. The command line does that and
# writes the features and their times to disk as it goes:
#
# ```
# python -m w2v2_walkthrough extract IN.wav OUT.npy --preset wav2vec2_base \
#     --weights {random,BUNDLE,PATH} [--multichannel mean] [--chunk-seconds S]
# ```
#
# `--weights` is required: a torchaudio bundle (`WAV2VEC2_BASE`), a checkpoint, or `random`.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A 44.1 kHz stereo file, no sox step
#
# The clip at 44.1 kHz in two channels. This cell asks for `--weights random` on purpose (the CLI
# says loudly what that means); the next compares with the same weights, `random_extractor`'s.

# %%
# NBVAL_CHECK_OUTPUT
tmp = Path(tempfile.mkdtemp())
clip44 = audio.resample(speech, 16_000, 44_100).numpy()
sf.write(tmp / "clip44.wav", np.stack([clip44, 0.5 * clip44], axis=1), 44_100, subtype="FLOAT")
args = ["extract", str(tmp / "clip44.wav"), str(tmp / "feats.npy"), "--preset", "wav2vec2_base"]
log = io.StringIO()
with contextlib.redirect_stderr(log):
    status = cli([*args, "--weights", "random", "--multichannel", "mean", "--no-progress"])
print("exit status", status)
print(log.getvalue().replace(str(tmp) + "/", ""))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What it is exact against
#
# The whole file resampled at once (`load_audio`, soxr with the same settings), then one full pass;
# and each frame's time, start and exact centre in seconds:

# %%
# NBVAL_CHECK_OUTPUT
feats, times = np.load(tmp / "feats.npy"), np.load(tmp / "feats.times.npy")
whole, _ = w2v.load_audio(tmp / "clip44.wav", multichannel="mean")
reference = w2v.extract_features(w2v.random_extractor("wav2vec2_base"), whole)[0][0].numpy()
relative = np.linalg.norm(feats - reference) / np.linalg.norm(reference)
print("features", feats.shape, feats.dtype, "| times", times.shape)
print("max |difference| <= 1e-4:", bool(np.abs(feats - reference).max() <= 1e-4), end=" ")
print("| relative error < 1e-5:", relative < 1e-5)
print("frame 1 starts at", times[1, 0], "s and is centred at", times[1, 1], "s")

# %% [markdown]
# `benchmarks/` measures speed and peak memory on 10 and 60 minutes of audio (see its
# `results.md`): the chunked extractor's memory stays flat as the audio grows, and chunks of a
# few seconds, which keep the large early activations in the CPU's cache, make it faster than a
# full pass.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A full pass holds 6.55 MB per second of audio for layer 0's output alone, and measured about
#   2.5 times that at its peak: roughly 60 GB for an hour.
# - `layer_norm` models: chunks start on multiples of the hop (320) and overlap by the receptive
#   field minus the hop (80), both from the arithmetic; the frames equal the full pass.
# - `group_norm` models: pass 1 accumulates the mean and 10 × 10 second moments of layer 0's input
#   windows in float64, which give every channel's mean and variance exactly because the conv is
#   linear; pass 2 runs the blocks' own forward with those statistics frozen into layer 0's norm.
# - Report chunked-vs-full differences as a relative error next to the absolute bound.
# - `python -m w2v2_walkthrough extract` does this for files of any length and sample rate,
#   writing features and frame times incrementally; `--weights` must be chosen.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: plan the chunks
#
# Write `chunk_spans(num_samples, chunk_frames)`: the `(start, stop)` sample span of every chunk
# of `chunk_frames` frames (the last may hold fewer), in order, using only that frame $i$ sees
# samples $[320 i, 320 i + 400)$. The checker compares it with `plan_chunks` on 72 inputs.


# %% tags=["solution"]
def chunk_spans(num_samples, chunk_frames):
    """[(start, stop), ...]: the samples each chunk of chunk_frames frames reads, in order."""
    total = max(0, (num_samples - 400) // 320 + 1)  # frames of the whole signal
    spans = []
    for f0 in range(0, total, chunk_frames):
        f1 = min(total, f0 + chunk_frames)
        spans.append((320 * f0, 320 * (f1 - 1) + 400))  # first frame's start, last frame's end
    return spans


# %%
w2v.exercises.check_chunk_spans(chunk_spans)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: predict, then run
#
# You give the command line a 2.5 s recording at 44.1 kHz in stereo. How many frames does
# `OUT.npy` get? Predict a number first.

# %% tags=["solution"]
prediction = (2.5 * 16_000 - 400) // 320 + 1

# %%
w2v.exercises.check_cli_frames(prediction)

# %% [markdown]
# Now run it:

# %%
# NBVAL_CHECK_OUTPUT
noise = 0.1 * np.random.default_rng(0).standard_normal((round(2.5 * 44_100), 2))
sf.write(tmp / "noise44.wav", noise.astype(np.float32), 44_100, subtype="FLOAT")
args = ["extract", str(tmp / "noise44.wav"), str(tmp / "noise.npy"), "--preset", "wav2vec2_base"]
with contextlib.redirect_stderr(io.StringIO()):
    cli([*args, "--weights", "random", "--multichannel", "mean", "--no-progress"])
print("frames written:", np.load(tmp / "noise.npy").shape[0])
shutil.rmtree(tmp)

# %% [markdown]
# **Next:** notebook 8 shows the same extractor in Hugging Face transformers.
