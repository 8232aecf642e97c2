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
# # 8. An hour of audio, exactly
#
# A full-utterance pass keeps layer 0's output in memory: 512 channels × one value every 5 samples.
# For an hour of audio that does not fit a laptop. Cutting the audio into chunks is easy; getting
# **the same frames** as the full pass is not, unless you use the arithmetic of notebooks 3 and 4.
# This notebook builds chunked extraction for both norm modes that computes every frame from
# exactly the samples it sees in the full pass, so that the two differ only by float32 rounding.
# Exact means: the frames of the conv feature extractor, on the waveform it is given. A model whose
# bundle normalizes its waveform needs that done over the whole file first, and the transformer
# after the extractor is not made chunk-exact by any of this (both at the end).
#
# **You will learn** how much memory a full pass needs, how to cut audio so that every frame is
# computed from exactly the samples it sees in the full pass, why group norm needs two passes and
# how the first one gets the whole signal's statistics in float64 (exact up to float64 rounding)
# without running the 512-channel conv, and how to run it all from the command line on a file at
# any sample rate.
#
# **What to know first:** notebooks 3, 4 and 5.

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import contextlib
import io
import tempfile
import timeit
from pathlib import Path

import numpy as np
import soundfile as sf
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import audio, benchmark_results, chunked, compare, diagrams, source
from w2v2_walkthrough.__main__ import main as cli

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
# ## The memory arithmetic
#
# Layer 0's output has $\lfloor (L - 10)/5 \rfloor + 1$ positions of 512 float32 values:

# %%
# NBVAL_CHECK_OUTPUT
for label, seconds in [("1 s", 1), ("30 s", 30), ("1 min", 60), ("10 min", 600), ("1 h", 3600)]:
    size = chunked.peak_layer0_bytes(seconds * 16_000)
    print(f"{label:>6}: layer 0 output = {size / 1e6:10.2f} MB = {size / 1e9:7.3f} GB")

# %% [markdown]
# About 6.55 MB per second of audio, 23.6 GB per hour, for that one activation (MB and GB are
# $10^6$ and $10^9$ bytes throughout).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A lower bound on a full pass
#
# Each step of a block (conv, norm, GELU) is out of place: while it runs, its input and its
# output are both in memory. At layer 0's norm both are the size of layer 0's output, so a full
# pass needs at least twice that:

# %%
# NBVAL_CHECK_OUTPUT
for label, seconds in [("10 min", 600), ("1 h", 3600)]:
    bound = 2 * chunked.peak_layer0_bytes(seconds * 16_000)  # the norm's input and output
    print(f"{label:>6}: a full pass needs at least {bound / 1e9:5.1f} GB")

# %% [markdown]
# What comes on top (the conv's workspace, the copies around a `layer_norm` model's LayerNorm,
# Python, torch and the weights) can only be measured. The project's benchmark
# (`benchmarks/benchmark.py`; results in `benchmarks/results.json`, `benchmarks/results.md` and the README's "Benchmark"
# section) runs one full pass over a 10-minute file in a fresh process and measures its peak
# resident memory, then the same script in a fresh process without the forward pass: the baseline (Python, torch,
# the weights, the audio). It does so for one preset of each norm mode.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What a full pass measured
#
# This cell reads those rows: peak = baseline + ratio × layer 0's output. It extrapolates an hour
# at each ratio (an hour's full pass is not run). The ratio depends on the preset: take yours.

# %%
# NBVAL_CHECK_OUTPUT
results = benchmark_results.load()  # benchmarks/results.json, found from the package
rows = benchmark_results.rows("peak_rss_full_pass", results)
machine = benchmark_results.machine(results, "memory")  # when and where that part ran
print(f"{machine}:" if rows else "no full-pass rows yet: run make benchmark")
for r in rows:
    peak_gb, baseline_gb = r["peak_mb"] / 1e3, r["baseline_mb"] / 1e3
    layer0_gb = chunked.peak_layer0_bytes(r["minutes"] * 60 * 16_000) / 1e9
    ratio = (peak_gb - baseline_gb) / layer0_gb  # what the forward pass adds
    hour = baseline_gb + ratio * chunked.peak_layer0_bytes(3600 * 16_000) / 1e9
    print(f"  {r['preset']} ({r['minutes']} min): {peak_gb:.1f} GB = {baseline_gb:.1f} GB", end=" ")
    print(f"+ {ratio:.2f} x layer 0; 1 h: about {hour:.0f} GB")

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Chunks for layer_norm models
#
# A `layer_norm` model is local (notebook 4): frame $i$ depends only on samples
# $[320 i, 320 i + 400)$. (A `group_norm` model is not: that comes next.) So a chunk that should
# produce frames $[f_0, f_1)$ needs samples
# $[320 f_0, 320 (f_1 - 1) + 400)$, and consecutive chunks share $400 - 320 = 80$ samples.
# `chunked.plan_chunks` is exactly that:

# %% tags=["lecture", "run-live"]
# NBVAL_CHECK_OUTPUT
source.show(chunked.plan_chunks)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture"]
# ### The plan, drawn
#
# `diagrams.chunk_plan` draws what `plan_chunks` returns for a short signal in chunks of two
# frames: each chunk's samples (wide bars), the windows of its frames (thin bars), the hop grid
# every chunk starts on (dotted), the samples two chunks both read (hatched), and the tail in no
# frame's window (grey). A `layer_norm` model never uses that tail; a `group_norm` model's layer 0
# still reads most of it into its statistics (all but its last $(L - 10) \bmod 5$ samples).

# %% tags=["lecture"]
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
# Layer $i$'s positions lie every $5, 10, 20, \dots, 320$ samples: the product of the strides up
# to it. A chunk starting at sample 320 lines up with all seven grids, so its frame $k$ is frame
# $k + 1$ of the full pass. A start at 160 lines up with layers 0 to 5 (160 is a multiple of 5,
# 10, ..., 160); only layer 6's grid, every 320 samples, is off by half a step, so its frames fall
# between the full pass's. What the start must be a multiple of is the product of all the
# strides, the hop. The cell runs both on half a second of speech (no silence in it: all-zero
# windows would give equal frames anywhere):

# %% slideshow={"slide_type": "subslide"} tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
local = weights.extractor("wav2vec2_large_lv60k")
speech = w2v.load_speech_clip(AUDIO)[0]
piece = speech[9_600:17_600]  # 0.5 s of speech
full = w2v.extract_features(local, piece)[0][0]  # (24, 512)
aligned = w2v.extract_features(local, piece[320:])[0][0]  # (23, 512)
gap = compare.difference(aligned, full[1:])
print(f"start 320: frame k = full-pass frame k + 1 for all k, within 1e-5: {gap.max_rel <= 1e-5}")
between = w2v.extract_features(local, piece[160:])[0][0]  # (24, 512)
nearest = (between[:, None] - full[None]).abs().amax(dim=2).min()  # over all pairs of frames
lv_label = weights.label_for("wav2vec2_large_lv60k")  # the weights local has
print(f"start 160, {lv_label}:")
print(f"  the closest any of its frames comes to a full-pass frame is max |diff| {nearest:.2f};")
print(f"  the full pass's features reach {full.abs().max():.2f}")

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## The same frames (layer_norm)
#
# The first 1.5 s of the speech clip, extracted in one pass and in chunks of 0.5 s (small
# chunks, so that a short signal makes several). The cell prints the largest absolute
# difference, that difference as a fraction of the largest |feature| against the test suite's
# bound for every preset, $10^{-5}$, and the relative error of the whole feature tensor,
# $\lVert \text{chunked} - \text{full} \rVert / \lVert \text{full} \rVert$:

# %% tags=["depends-on-weights", "lecture", "run-live"]
# NBVAL_CHECK_OUTPUT
clip = speech[:24_000]  # the first 1.5 s
full, _ = w2v.extract_features(local, clip)  # (1, frames, 512)
pieces = chunked.extract_chunked(local, clip, chunk_seconds=0.5, progress=False)  # (frames, 512)
n_chunks = len(list(chunked.plan_chunks(clip.numel(), chunk_frames=25)))
print(f"1.5 s, {n_chunks} chunks: full {list(full[0].shape)}, chunked {list(pieces.shape)}")
difference = compare.difference(pieces, full[0])
print(f"{lv_label}:\n  {difference}")
print("within the bound (1e-5 x max |reference|):", difference.max_rel <= 1e-5)

# %% [markdown] slideshow={"slide_type": "notes"}
# Every frame of a chunk is computed from exactly the samples it sees in the full pass, by the
# same float32 operations, so the difference is 0 or a few roundings. It need not be exactly 0:
# for a shorter input PyTorch's conv may split the same sums differently (that depends on the
# build, the thread count and the input's length), which changes the last bits. Hence a bound.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Group norm needs two passes
#
# In a `group_norm` model, layer 0's GroupNorm normalizes each channel with its mean and variance
# over the whole utterance (notebook 5): every frame depends on every sample layer 0 reads, all
# but the $(L - 10) \bmod 5$ trailing ones. Chunking naively gives each chunk its own statistics:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
base = weights.extractor("wav2vec2_base")
full, _ = w2v.extract_features(base, clip)  # (1, frames, 512)
plan = chunked.plan_chunks(clip.numel(), chunk_frames=25)
naive = torch.cat([w2v.extract_features(base, clip[c.start : c.stop])[0][0] for c in plan])
base_label = weights.label_for("wav2vec2_base")  # the weights base has
print(f"{base_label}, naive 0.5 s chunks:\n  {compare.difference(naive, full[0])}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Pass 1: the statistics of the whole signal
#
# Layer 0 is linear before its norm: channel $c$'s output at position $j$ is $w_c \cdot x_j + b_c$
# ($b_c = 0$ in models without conv bias), where $x_j$ is the window of 10 samples starting at
# $5 j$. Over all positions its mean is $w_c \cdot m + b_c$ and its variance
# $w_c^\top \Sigma\, w_c$, where $m$ is the mean of all windows and $\Sigma$ their covariance with
# $1/N$ (GroupNorm's variance is the biased one): a 10-vector and a 10 × 10 matrix. Pass 1
# accumulates $\sum_j x_j$ and $\sum_j x_j x_j^\top$ in float64, one read at a time (a read: the
# next `chunk_frames` × 320 / 5 windows, 64 per frame):

# %%
# NBVAL_CHECK_OUTPUT
source.show(chunked.window_moments)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### From moments to every channel's statistics
#
# Then one matrix product gives all 512 means and variances:

# %%
# NBVAL_CHECK_OUTPUT
source.show(chunked.conv_statistics)

# %% [markdown]
# `cov` is the one-pass formula $E[x x^\top] - m m^\top$, which loses digits when the mean is
# large against the spread. In float64, for audio in $[-1, 1]$, each read added to the sums adds
# an error of the order of $10^{-16}\,E[x^2]$; even summed over the thousands of reads of an hour,
# that stays far below GroupNorm's $\epsilon = 10^{-5}$.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Pass 1 is exact, up to float64 rounding
#
# `chunked.layer0_statistics(extractor, source, chunk_frames)` is the two together, moments then
# `conv_statistics`, over a whole source. The reference: layer 0's conv itself, run in float64 (a fresh copy of the same weights, in
# float64) over the whole signal. The cell prints the relative error of pass 1's 512 means and of its 512 variances:

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
mean, var = chunked.layer0_statistics(base, chunked.TensorSource(clip), chunk_frames=25)
conv64 = weights.extractor("wav2vec2_base").conv_layers[0].conv.double()  # the same weights
with torch.no_grad():
    y = conv64(clip.double()[None, None])[0]  # (512, positions), float64
mean_error = compare.difference(mean, y.mean(dim=1)).relative
var_error = compare.difference(var, y.var(dim=1, unbiased=False)).relative
print(f"{base_label}, relative error: means {mean_error:.1e}, variances {var_error:.1e}")
print("both below 1e-12:", mean_error < 1e-12 and var_error < 1e-12)

# %% [markdown]
# Float64 rounding: both sum the same products in a different order.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why pass 1 is worth it
#
# The alternative is to run layer 0's conv over the whole signal once more and average its 512
# channels. Layer 0 is a small share of the FLOPs, but it writes 512 values for every 5 input
# samples, more than any later layer (the benchmark's per-layer profile, in
# `benchmarks/results.md`, times it). Pass 1 needs far less, per window and per read of a 2 s
# chunk:

# %%
# NBVAL_CHECK_OUTPUT
shapes, flops = w2v.get_preset("wav2vec2_base").shapes, w2v.arithmetic.flops_per_second
share = flops(shapes=shapes[:1]) / flops(shapes=shapes)  # layer 0's conv FLOPs / all the convs
print(f"layer 0: {share:.1%} of the extractor's conv FLOPs")
k, channels, per_read = 10, 512, 100 * 320 // 5  # per_read: the windows of a 2 s chunk
print(f"multiply-adds per window: pass 1 {k + k * k}, layer 0's conv {channels * k}")
print(f"one read of {per_read} windows: pass 1 holds them in {per_read * k * 8 / 1e6:.2f} MB")
print(f"  (float64); the conv would write {per_read * channels * 4 / 1e6:.1f} MB (float32)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Timed here
#
# Pass 1 against the work it replaces, layer 0's conv, both on the 1.5 s clip, in this run (the
# best of 5). The times are not checked: they depend on the machine and what else runs on it,
# and on a busy machine either can vary many times over between runs.


# %%
def conv_alone():  # layer 0's conv, which the alternative must run before averaging
    with torch.no_grad():
        return base.conv_layers[0].conv(clip[None, None])  # (1, 512, positions)


def pass_1():
    return chunked.layer0_statistics(base, chunked.TensorSource(clip), chunk_frames=100)


t_pass_1, t_conv = (min(timeit.repeat(f, number=1, repeat=5)) for f in (pass_1, conv_alone))
print(f"this run: pass 1 {t_pass_1 * 1e3:.1f} ms, layer 0's conv alone {t_conv * 1e3:.1f} ms")

# %% [markdown]
# The sound comparison is the count: pass 1 does 110 multiply-adds per window where the conv it
# replaces does 5 120 (printed above), though layer 0 is only part of a run's time. It also keeps
# no 512-channel activation, and its statistics come in closed form, exact by linearity.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Pass 2: the block's own forward, with frozen statistics
#
# Pass 2 runs every chunk through the extractor's own blocks. Only layer 0's GroupNorm is swapped,
# in a copy of the block, for this module: the same affine map per channel, with pass 1's mean and
# variance folded (in float64) into a scale and a shift.

# %%
# NBVAL_CHECK_OUTPUT
source.show(chunked.FrozenGroupNorm)

# %% [markdown]
# `torch.addcmul(shift, x, scale)` is `shift + x * scale` in one call. PyTorch's CPU GroupNorm
# kernel applies its own statistics the same way, folded into a scale and a shift per channel.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Two passes give the full pass's frames
#
# The same signal and chunks as the naive attempt, the same bound as for `layer_norm` models:

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
pieces = chunked.extract_chunked(base, clip, chunk_seconds=0.5, progress=False)  # (frames, 512)
difference = compare.difference(pieces, full[0])
print(f"{base_label}:\n  {difference}")
print("within the bound (1e-5 x max |reference|):", difference.max_rel <= 1e-5)

# %% [markdown]
# In the `layer_norm` case, differences came only from how the conv splits its sums for a
# shorter input. Here they have a second source: the full pass computes layer 0's statistics in
# float32 inside GroupNorm, pass 1 in float64, so in general every frame differs by float32
# rounding.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Which is closer to the exact frames?
#
# The same weights in float64, run on the same signal, give the frames up to float64 rounding.
# The cell measures both float32 results against it:

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
base64 = weights.extractor("wav2vec2_base").double()  # the same weights, in float64
with torch.no_grad():
    exact = base64(clip.double()[None], None)[0][0]  # (frames, 512), float64
print(f"{base_label}, relative error against the float64 frames:")
errors = [compare.difference(got, exact).relative for got in (full[0], pieces)]
print(f"  full pass (float32)  {errors[0]:.1e}")
print(f"  two passes (float32) {errors[1]:.1e}")
print("both below 1e-5, within 4x of each other:", max(errors) < 1e-5 and max(errors) < 4 * min(errors))

# %% [markdown]
# Both are float32 computations of the same frames. With these weights their errors are of the
# same order (printed): the two passes are about as accurate as the full pass, and their
# difference is float32 rounding on both sides.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## From a file at any rate, in bounded memory
#
# `extract_chunked` also takes a path. `audio.FileSource` reads the file block by block with
# soundfile, mixes the channels down and resamples to 16 kHz **while streaming** (soxr's
# `ResampleStream`; the samples are those of `soxr.resample` on the whole file, which is what
# `load_audio` uses). The file never sits in memory whole. The command line streams the features
# into `OUT.npy`, chunk by chunk; the frame times are computed from the frame count at the end
# and saved to `OUT.times.npy`. Neither file appears under its final name until it is complete.
#
# ```
# python -m w2v2_walkthrough extract IN.wav OUT.npy --preset wav2vec2_base \
#     --weights {random,BUNDLE,PATH} [--normalize {auto,on,off}] \
#     [--multichannel mean] [--chunk-seconds S]
# ```
#
# `--weights` is required: a torchaudio bundle (`WAV2VEC2_BASE`), a checkpoint, or `random`.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A normalized waveform: faithful to the bundle, not to training
#
# Chunking is exact for the bare extractor. A bundle whose `get_model()` normalizes the waveform
# (LV-60k, XLSR, HuBERT/WavLM Large ...; all `layer_norm` models) normalizes it over the whole
# input (notebook 6), so its extractor needs the whole file's mean and variance before the first
# chunk. `--normalize auto` (the default) follows the bundle: with normalization on, a first pass
# over the file sums its mean and variance in float64, and every chunk is normalized with them;
# the extractor then sees the waveform that model's extractor sees, and the features equal its
# output up to float32 rounding
# (`tests/package/test_cli.py` checks it against a bundle's `get_model()`). For a checkpoint or random
# weights `auto` is off, and the CLI says so (pass `--normalize on` for a model trained on
# normalized audio).
#
# Faithful to the bundle is not faithful to training. fairseq normalized each training file as a
# whole, then cropped it at random to `max_sample_size` samples for pre-training: the statistics came
# from training files, the model saw crops of them, and an hour's mean and variance are statistics
# of neither. With normalization on, the CLI warns on files far longer than that crop:

# %%
# NBVAL_CHECK_OUTPUT
from w2v2_walkthrough.__main__ import PRETRAINING_CROP_SAMPLES as crop

print(f"LV-60k pre-training crop (fairseq's max_sample_size): {crop} samples = {crop / 16_000:g} s")
print(f"with normalization on, the CLI warns past {2 * crop / 16_000:g} s")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exact features, not an exact transformer
#
# What this notebook makes exact ends at the conv features. The transformer after them relates
# every frame to every other (notebook 10, question 1), and an hour holds about 180 000 frames:

# %%
# NBVAL_CHECK_OUTPUT
frames = w2v.num_frames(3600 * 16_000)
print(f"1 h at 16 kHz: {frames} frames")
gigabytes = frames**2 * 4 / 1e9  # float32 scores of one head in one layer
print(f"one attention matrix over them: {gigabytes:.0f} GB (float32, one head, one layer)")

# %% [markdown]
# So a transformer runs on segments of the hour, and each segment's outputs depend on where it was
# cut: exact conv features do not make the model's outputs chunk-exact. Cut at pauses, or give
# each segment context on both sides and keep its middle (as the ASR pipeline's strides do,
# notebook 10, question 8).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A 44.1 kHz stereo file, no sox step
#
# The 1.5 s clip at 44.1 kHz in two channels, in 0.5 s chunks, with `--weights random` on purpose
# (the CLI says loudly what that means).

# %%
# NBVAL_CHECK_OUTPUT
folder = tempfile.TemporaryDirectory()  # removed at the end of the notebook
tmp = Path(folder.name)
clip44 = audio.resample(clip, 16_000, 44_100).numpy()
sf.write(tmp / "clip44.wav", np.stack([clip44, 0.5 * clip44], axis=1), 44_100, subtype="FLOAT")
args = ["extract", str(tmp / "clip44.wav"), str(tmp / "feats.npy"), "--preset", "wav2vec2_base"]
log = io.StringIO()
with contextlib.redirect_stderr(log):
    options = ["--multichannel", "mean", "--chunk-seconds", "0.5", "--no-progress"]
    status = cli([*args, "--weights", "random", *options])
print("exit status", status)
print(log.getvalue().replace(str(tmp) + "/", ""), end="")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What it is exact against
#
# The samples `FileSource` streams, read in 0.5 s pieces, against the whole file resampled at once
# (`load_audio`, soxr with the same settings); then the features against one full pass over that
# signal with the CLI's weights (`random_extractor("wav2vec2_base")`, seed 0, not normalized; within the bound, $10^{-5}$ of the largest |feature|, and a relative error below
# $10^{-6}$):

# %%
# NBVAL_CHECK_OUTPUT
whole, _ = w2v.load_audio(tmp / "clip44.wav", multichannel="mean")
with audio.FileSource(tmp / "clip44.wav", multichannel="mean") as stream:
    n = stream.num_samples
    streamed = torch.cat([stream.read(a, min(a + 8_000, n)) for a in range(0, n, 8_000)])  # (n,)
print("streamed samples equal load_audio's, bit for bit:", torch.equal(streamed, whole))
feats = np.load(tmp / "feats.npy")  # (frames, 512)
reference = w2v.extract_features(w2v.random_extractor("wav2vec2_base"), whole)[0][0]
difference = compare.difference(feats, reference)
print(f"features {feats.shape}, the CLI's random weights:\n  {difference}")
print("  within the bound:", difference.max_rel <= 1e-5)
print("  relative error below 1e-6:", difference.relative < 1e-6)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Frame times
#
# `OUT.times.npy` holds each frame's start and centre in seconds, by the series' convention:
# sample $t$ is the instant $t / 16000$ s, so frame $n$ starts at $20 n$ ms, and its centre, the
# mean of its samples' instants, is $(320 n + 199.5) / 16000$ s $= 20 n + 12.47$ ms (notebook 3,
# *Start and centre*, has the other convention, 12.5 ms):

# %%
# NBVAL_CHECK_OUTPUT
times = np.load(tmp / "feats.times.npy")  # (frames, 2): start, centre
for n in range(3):
    start, centre = times[n] * 1e3  # ms
    print(f"frame {n}: starts at {start:5.2f} ms, centre at {centre:5.2f} ms")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Speed and memory, measured
#
# The benchmark's rows for the chunked extractor: the command line's peak memory, and a full
# pass's time over the chunked one's beside the A/A control (the noise):

# %%
# NBVAL_CHECK_OUTPUT
control = {r["preset"]: r["ratio"] for r in benchmark_results.rows("aa_control", results)}
print(f"{benchmark_results.machine(results, 'memory')}:")
for r in benchmark_results.rows("peak_rss_chunked_cli", results):
    preset, seconds, minutes, mb = r["preset"], r["chunk_seconds"], r["minutes"], r["peak_mb"]
    print(f"  {preset}, chunked CLI ({seconds:g} s chunks), {minutes:>2} min file: peak {mb} MB")
print(f"{benchmark_results.machine(results, 'speed')}:")
for r in benchmark_results.rows("chunked_vs_full_pass", results):
    preset, seconds, ratio, a_a = r["preset"], r["chunk_seconds"], r["ratio"], control[r["preset"]]
    print(f"  {preset}: full pass / chunked ({seconds:g} s) time {ratio:.3f}; A/A {a_a:.3f}")

# %% [markdown]
# The peak does not grow with the file. The speed ratio is one measurement on one machine (other
# jobs change it: time it on yours); why small chunks are faster was not measured.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A full pass holds 6.55 MB per second of audio for layer 0's output alone, and needs at least
#   twice that at its peak (a step's input and output): 47.2 GB for an hour. The benchmark
#   measures the rest per preset; an hour's full pass is an extrapolation.
# - `layer_norm` models: chunks start on multiples of the hop (320, the product of the strides)
#   and overlap by the receptive field minus the hop (80); the frames equal the full pass's up to
#   float32 rounding.
# - `group_norm` models: pass 1 accumulates the mean and 10 × 10 second moments of layer 0's input
#   windows in float64, which give every channel's mean and variance, exact up to float64
#   rounding, because the conv is linear; pass 2 runs the blocks' own forward with those
#   statistics frozen into layer 0's norm. Against float64 frames its error is of the same order
#   as the full pass's (measured here with these weights).
# - Report chunked-vs-full differences as a relative error next to the bound.
# - `python -m w2v2_walkthrough extract` does this for WAV/FLAC/OGG files at any sample rate, from
#   400 samples (25 ms at 16 kHz) to hours: it streams the features to disk and writes the frame
#   times at the end. `--weights` must be chosen, and a stereo file needs `--multichannel`; with
#   `--normalize` on, the whole file is normalized first, as a normalizing bundle's model does.
# - All of this is exact for the conv extractor only: the transformer after it, over an hour's
#   180 000 frames, runs on segments whose outputs depend on the cuts.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: a chunk for a memory budget
#
# Write `max_chunk_frames(budget_bytes)`: the most frames a chunk may hold so that layer 0's
# output for that chunk (512 float32 channels) fits in `budget_bytes`; 0 if even one frame does
# not fit. Use the arithmetic of this notebook, not the package. The checker compares it with the
# package on 13 budgets.


# %% tags=["solution"]
def max_chunk_frames(budget_bytes):
    """The most frames per chunk whose layer-0 output (512 float32 values a position) fits."""
    positions = budget_bytes // (512 * 4)  # layer-0 positions that fit
    # f frames read 320 (f - 1) + 400 samples: (320 (f - 1) + 390) // 5 + 1 = 64 (f - 1) + 79
    return max(0, (positions - 79) // 64 + 1)


# %%
w2v.exercises.check_max_chunk_frames(max_chunk_frames)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: predict, then run
#
# You give the command line a 2.5 s stereo recording at 44.1 kHz, with `--multichannel mean`
# (without it the command line refuses a file with several channels and names the flag). How many
# frames does `OUT.npy` get? Predict a number first.

# %% tags=["solution"]
prediction = (2.5 * 16_000 - 400) // 320 + 1

# %%
w2v.exercises.check_cli_frames(prediction)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 2, after you answer: run it
#
# The command line on such a file:

# %%
# NBVAL_CHECK_OUTPUT
noise = 0.1 * np.random.default_rng(0).standard_normal((round(2.5 * 44_100), 2))
sf.write(tmp / "noise44.wav", noise.astype(np.float32), 44_100, subtype="FLOAT")
args = ["extract", str(tmp / "noise44.wav"), str(tmp / "noise.npy"), "--preset", "wav2vec2_base"]
with contextlib.redirect_stderr(io.StringIO()):
    cli([*args, "--weights", "random", "--multichannel", "mean", "--no-progress"])
print("frames written:", np.load(tmp / "noise.npy").shape[0])
folder.cleanup()

# %% [markdown]
# **Next:** notebook 9 shows the same extractor in Hugging Face transformers.
