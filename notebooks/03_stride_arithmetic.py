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
#     summary: floor((L - k) / s) + 1, 49 frames per second, lengths in a padded batch (counts,
#       not group_norm values), the inverse, frame start and centre times and the timestamp pitfalls
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 3. Stride arithmetic
#
# How many frames come out of $L$ samples, which samples no frame sees, how many samples you need
# for $N$ frames, and *where* in time a frame sits. Everything here is integer arithmetic on the
# layer config, checked against the real model.
#
# **You will learn** $\lfloor (L - k)/s \rfloor + 1$ per layer and for the whole stack, why 1 s
# gives 49 frames, which samples no frame sees (and why that holds only for `layer_norm` models),
# how `length` works in a padded batch (and what it cannot fix), the inverse (400 samples for one
# frame, 720 for two), where a frame starts and where its centre lies in time, and the timestamp
# pitfalls of torchaudio's alignment tutorial and Hugging Face's pipeline.
#
# **What to know first:** notebooks 1 and 2. Two quantities of notebook 4, a layer's **jump** and
# the receptive-field recurrence, are defined here where they are used; notebook 4 derives them.

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
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

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## One layer
#
# An unpadded conv with kernel $k$ and stride $s$ places its window at $0, s, 2s, \dots$ as long as
# the whole window fits: the last start is at most $L - k$, so there are
# $\lfloor (L - k)/s \rfloor + 1$ windows, and none if $L < k$. The package's version of that line:

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
source.show(ar.conv_output_length)

# %% [markdown]
# Layer 0 of wav2vec2 has $k = 10$, $s = 5$:

# %%
# NBVAL_CHECK_OUTPUT
for L in [9, 10, 14, 15, 16_000]:
    print(f"L={L:>5}: {ar.conv_output_length(L, kernel_size=10, stride=5)} outputs")

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Seven layers, one second
#
# Applying it layer by layer to 16 000 samples. `unused` counts the trailing inputs of that layer
# that no output of the layer reads: without padding, an end that does not fill a whole window is
# dropped.

# %% tags=["lecture", "run-live"]
# NBVAL_CHECK_OUTPUT
print("layer  k  s  length in  length out  unused")
for r in ar.length_table(16_000):
    lengths = f"{r.length_in:>10} {r.length_out:>11} {r.unused:>7}"
    print(f"{r.layer:>5} {r.kernel_size:>2} {r.stride:>2} {lengths}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The tail no frame's span covers
#
# So one second gives **49** frames, not 50. Frame $n$'s convolutions read the samples
# $[320n,\ 320n + 400)$, its **span** (notebook 4 derives it). The last span ends before the clip
# does:

# %%
# NBVAL_CHECK_OUTPUT
last_start, last_end = ar.frame_span(ar.num_frames(16_000) - 1)
tail = 16_000 - last_end
print(f"last frame's span: samples [{last_start}, {last_end})")
print(f"after it: {tail} samples = {ar.samples_to_ms(tail)} ms")
jumps = [1] + [r.jump for r in ar.receptive_field_table()]  # samples between input positions
lost = [r.unused * j for r, j in zip(ar.length_table(16_000), jumps, strict=False)]  # per layer
assert sum(lost) == tail
print("lost per layer, in samples:", lost)

# %% [markdown]
# The tail is lost where the table says `unused`. A layer's **jump** is the number of input
# samples between two neighbouring positions of it: 1 for the waveform, 5 for layer 0 (its
# stride), and each later stride multiplies it (10, 20, 40, 80, 160, 320). Each input position a
# layer leaves unread shortens the range its outputs cover by that input's jump:
# layer 5 leaves one layer-4 position unread (layer-4 positions are 80 samples apart), layer 6 one
# layer-5 position (160 apart), and $80 + 160 = 240$.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Seen by no frame? Only in a `layer_norm` model
#
# "The last 240 samples are seen by no frame" is true of the convolutions. Whether the *features*
# ignore them depends on the norm. Replace those samples and count the frames that change, in a
# `group_norm` model (Base) and a `layer_norm` one:

# %%
# NBVAL_CHECK_OUTPUT
second = w2v.load_speech_clip(AUDIO)[0][:16_000]  # 1 s of speech
noise = 0.1 * torch.randn(tail, generator=torch.Generator().manual_seed(0))
batch = torch.stack([second, torch.cat([second[:-tail], noise])])  # (2, 16000): before, after
extractors = {p: weights.extractor(p) for p in ["wav2vec2_base", "wav2vec2_large_lv60k"]}
for preset, extractor in extractors.items():
    feats, _ = w2v.extract_features(extractor, batch)  # (2, 49, 512)
    changed = int((feats[0] != feats[1]).any(dim=-1).sum())  # frames with any new value
    mode = w2v.get_preset(preset).norm_mode
    print(f"{preset} ({mode}): {changed} of {feats.shape[1]} frames change")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why every Base frame moves
#
# In Base, layer 0's GroupNorm normalizes each channel with a mean and a variance over **all**
# layer-0 positions of the clip, and the positions that read the tail are among them: every frame
# moves. Through those statistics a `group_norm` frame depends on every sample layer 0 reads (here
# all 16 000: layer 0 leaves none `unused`). Spans describe what a frame depends on only in
# `layer_norm` models (notebook 5 measures the group-norm effect).
#
# The 0 is structural: it holds for any weights at all. The 49 holds for generic weights (notebook
# 1's rule; all-zero weights change nothing).

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## For lengths, the stack is one big conv
#
# The per-layer floors compose exactly. If layer $l$'s input has $\lfloor (L - r)/j \rfloor + 1$
# positions ($r$, $j$: receptive field and jump so far), its output has
# $$\left\lfloor \frac{\lfloor (L - r)/j \rfloor + 1 - k}{s} \right\rfloor + 1
#   = \left\lfloor \frac{L - r - (k-1)\,j}{j\,s} \right\rfloor + 1,$$
# because $\lfloor \lfloor a/b \rfloor / c \rfloor = \lfloor a/(bc) \rfloor$ for integers $a$ and
# $b, c > 0$: the same form, with $r \leftarrow r + (k - 1)\,j$ and $j \leftarrow j\,s$ (from
# $r = j = 1$ for the waveform; notebook 4 derives this recurrence). Seven layers on, only for
# the *count*, the stack is a single conv with kernel 400 (the receptive field) and stride 320 (the
# hop), clamped at 0 like each layer:
# $$\text{frames} = \max\left(0,\ \left\lfloor \frac{L - 400}{320} \right\rfloor + 1\right).$$
# The assert checks the derivation on every $L$ up to 5 s.

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
assert all(ar.num_frames(L) == max(0, (L - 400) // 320 + 1) for L in range(0, 5 * 16_000 + 1))
print("frames = floor((L - 400) / 320) + 1 holds; 10 s ->", ar.num_frames(160_000), "frames")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why 400 and 320: the tree under two frames
#
# Walk the conv taps down from frames 0 and 1 to the input. Each dot is a position of a layer, drawn
# at the centre of the samples it reads; each line a tap. The brackets show how many samples one
# position of each layer sees, the right axis names it and the jump between neighbouring positions.
# The green part is what the two frames share.

# %%
diagrams.receptive_field_tree((0, 1))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Lengths in a padded batch
#
# Clips of different lengths are zero-padded to the longest. The model computes frames over the
# padding too, so it needs the real lengths: pass them as `length`, and each layer updates them
# with the same formula. Four clips cut from the speech, padded with zeros, through both models:

# %%
# NBVAL_CHECK_OUTPUT
clips = [8_000, 4_000, 2_500, 300]
padded = torch.zeros(len(clips), max(clips))  # (4, 8000)
for row, n in enumerate(clips):
    padded[row, :n] = second[:n]  # the first n samples of the speech, then zeros
lengths = torch.tensor(clips)
batched = {p: w2v.extract_features(e, padded, lengths=lengths) for p, e in extractors.items()}
for preset, (features, frames) in batched.items():
    print(f"{preset}: features {list(features.shape)}, valid frames {frames.tolist()}")
print("predicted by ar.num_frames:", [ar.num_frames(n) for n in clips])

# %% [markdown]
# Every row has 24 frames in `features`; frames past a row's `length` are computed at least partly
# from padding and must be masked downstream. The 300-sample clip has no valid frame at all: it is shorter than
# one span. The counts are the same for both models: `length` is arithmetic.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### `length` fixes the counts, not a `group_norm` model's values
#
# Are the valid frames the ones the clip gives alone? In a `layer_norm` model, yes: no conv reaches
# from the padding into them. In Base (`group_norm`) layer 0's statistics average over the padded
# positions too, so the valid frames move, and no mask can undo it: notebook 5 measures it, as a
# function of the amount of padding.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## The inverse: samples for $N$ frames
#
# Walking the stack backwards, $n$ outputs of a conv need at least $(n - 1)\,s + k$ inputs:

# %% tags=["lecture", "run-live"]
# NBVAL_CHECK_OUTPUT
for n in [1, 2, 3, 49, 50]:
    print(f"{n:>2} frames need at least {ar.min_samples_for_frames(n):>5} samples")

# %% [markdown]
# One frame needs **400** samples, two need **720**, and every further frame 320 more. 50 frames
# take 16 080 samples: slightly more than a second.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Where is a frame in time?
#
# The series' convention: sample $t$ is the instant $t / 16000$ s. Frame $n$ reads samples
# $[320n,\ 320n + 400)$, so it covers 25 ms of audio starting at $20n$ ms, and a new frame starts
# every 20 ms. Its **centre** is the mean of its samples' instants, sample $320n + 199.5$
# (`ar.frame_center`):

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
for n in [0, 1, 10]:
    start, end = ar.frame_span(n)
    ms = f"[{ar.samples_to_ms(start):.0f}, {ar.samples_to_ms(end):.0f}) ms"
    centre = ar.samples_to_ms(ar.frame_center(n))
    print(f"frame {n:>2}: samples [{start}, {end}) = {ms}, centre {centre:.2f} ms")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Start and centre
#
# So timestamps computed as $n \times 20$ ms mark the **start** of each frame's span, about 12.5 ms
# before its centre. If each sample is taken instead as the 1/16 ms interval it stands for, the
# frame is the interval $[20n, 20n + 25)$ ms and its centre 12.5 ms in; the 0.03 ms between the two
# conventions never matters, the 12.5 ms between start and centre does:

# %%
# NBVAL_CHECK_OUTPUT
offset = ar.frame_center(0) - ar.frame_start(0)  # samples as instants
half = ar.receptive_field() / 2  # samples as intervals: the middle of [0, 400)
for name, gap in [("instants", offset), ("intervals", half)]:
    print(f"samples as {name}: centre - start = {gap} samples, {ar.samples_to_ms(gap):.2f} ms")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Geometry, not timing
#
# The centre is where the frame's *window* sits: a fact of the conv arithmetic. It is not when a
# CTC model emits a token. Which frame a token fires on is learned: nothing in the CTC loss ties
# it to the centre of the sound, and the encoder above the extractor sees far beyond one span.
# Use start or centre consistently, and calibrate against reference alignments if you need
# better than a frame.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Timestamp pitfall 1: samples ÷ frames is not the hop
#
# torchaudio's forced-alignment tutorials (`examples/tutorials/forced_alignment_tutorial.py` and
# `ctc_forced_alignment_api_tutorial.py` in pytorch/audio) turn a frame index into samples with
# `ratio = waveform.size(1) / trellis.size(0)` (or `/ emission.size(1)`): samples over frames.
# For our clip, 1 s, a worst case and an hour:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
clip = w2v.load_speech_clip(AUDIO)[0]
ratio = clip.numel() / ar.num_frames(clip.numel())  # the tutorial's samples per frame
print(f"the clip: {clip.numel()} samples, ratio {ratio:.1f}; the hop is {ar.hop_length()}")
for length in [clip.numel(), 16_000, 16_079, 3600 * 16_000]:  # the clip, 1 s, worst tail, 1 h
    n = ar.num_frames(length)
    tail = length - ar.frame_span(n - 1)[1]  # samples after the last span
    assert 320 * n + 80 + tail == length and tail < 320  # else one more frame would fit
    late = ar.samples_to_ms((n - 1) * length / n - ar.frame_start(n - 1))  # ratio's - true
    print(f"{length:>8} samples, tail {tail:>3}: last frame {late:4.1f} ms late")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Off by up to one span, not a drift
#
# A clip of $n$ frames has $320n + 80 + \text{tail}$ samples, so the ratio is
# $320 + (80 + \text{tail})/n$: it spreads the 80 samples by which a span outlasts a hop, and the
# tail, over the frames. Frame $i$ lands $i\,(80 + \text{tail})/n$ samples late: the error grows
# along the clip, but at the last frame it is $(n - 1)(80 + \text{tail})/n < 400$ samples (25 ms)
# because the tail is under one hop. It does not accumulate with duration: always under one span
# (25 ms, 1.25 hops). Still wrong: the hop is exactly 320 samples, whatever the length.
#
# (Tutorial checked at pytorch/audio commit 03bf124, 2023, where `get_trellis` has one row per
# frame; releases up to 2.0 built `num_frame + 1` rows, as at commit a8f4e97, quoted in
# pytorch/audio#3166, so there the ratio divides by frames + 1.)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Timestamp pitfall 2: Hugging Face reports frame starts
#
# In `transformers` (5.24 checked), `Wav2Vec2CTCTokenizer._compute_offsets`
# (`models/wav2vec2/tokenization_wav2vec2.py`) gives each token the index of the first frame of its
# run, and the ASR pipeline's `postprocess` (`pipelines/automatic_speech_recognition.py`, the line
# `start = item["start_offset"] * align_to`, then `/ sampling_rate`) multiplies it by
# `config.inputs_to_logits_ratio`, the product of the conv strides: the hop, 320. The same
# arithmetic on a made-up CTC output (notebook 10, question 5, runs it with transformers' config):

# %%
# NBVAL_CHECK_OUTPUT
# a greedy CTC output, one label per frame: 10 frames blank, 3 frames "h", 5 blank, 2 frames "i"
ctc = ["-"] * 10 + ["h"] * 3 + ["-"] * 5 + ["i"] * 2
for first, label in enumerate(ctc):
    if label == "-" or (first > 0 and ctc[first - 1] == label):
        continue  # keep the first frame of each run of a token, as _compute_offsets does
    hf_ms = ar.samples_to_ms(first * ar.hop_length())  # the pipeline: offset * ratio / rate
    centre_ms = ar.samples_to_ms(ar.frame_center(first))
    print(f"{label!r}: HF {hf_ms:.1f} ms = start of frame {first}; centre {centre_ms:.2f} ms")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Four tempting answers
#
# Each line computes the tempting answer and the right one for the same question: two are off by
# one frame, one by 12.47 ms, one by 34 frames.

# %%
# NBVAL_CHECK_OUTPUT
L, centre_10 = 16_000, f"{ar.samples_to_ms(ar.frame_center(10)):.2f} ms"
print("1. frames in 1 s as L / 320:      ", L // 320, "vs", ar.num_frames(L))
print("2. ceil instead of floor:         ", -(-(L - 400) // 320) + 1, "vs", ar.num_frames(L))
print("3. centre as n * 20 ms (frame 10):", 10 * 20.0, "ms vs", centre_10)
print("4. frames of a padded 5 000-sample row:", ar.num_frames(L), "vs", ar.num_frames(5_000))

# %% [markdown] slideshow={"slide_type": "notes"}
# Pitfall 4 is the one that bites in practice: in a batch padded to 16 000 samples, a 5 000-sample
# clip has 15 real frames, not 49. Use the `length` output, or `ar.num_frames` of the real length
# (the count only: see "`length` fixes the counts" above). Pitfall 3 shifts every frame's position
# by 12.47 ms; whether start or centre is closer to
# when a token is emitted is a property of the trained model, not of the arithmetic.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - One layer: $\lfloor (L - k)/s \rfloor + 1$; the whole stack: $\lfloor (L - 400)/320 \rfloor + 1$,
#   clamped at 0. One second gives 49 frames.
# - Frame $n$'s span is $[320n,\ 320n + 400)$; the last 240 samples of 1 s are in no span. Only a
#   `layer_norm` model ignores them: in Base they change all 49 frames, through GroupNorm.
# - Padded batches carry `length`, updated by the same formula; past it, frames are padding.
#   `length` fixes the counts for every model; a `group_norm` model's valid frames still depend
#   on the padding (notebook 5).
# - $N$ frames need $400 + 320\,(N - 1)$ samples.
# - Frame $n$ covers $[20n,\ 20n + 25)$ ms; its centre, sample $320n + 199.5$, lies about 12.5 ms
#   after its start: geometry, not when a CTC token fires. The hop is 320 samples exactly (samples
#   ÷ frames makes timestamps late by up to, not including, 25 ms); Hugging Face's timestamps are frame starts.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: which sample rates?
#
# The model never resamples: it counts samples, so a frame count pins a file's sample rate down
# only to a range. Write `rate_range(num_frames, seconds)`: the lowest and the highest whole sample
# rate, in Hz, at which a file of `seconds` whole seconds gives `num_frames` frames, as a tuple
# `(low, high)`. Use integer arithmetic (how many samples do $N$ frames need?): no search over
# rates, and not the package's `ar` functions. The checker tries counts from 1 to
# 1 500 frames and durations from 1 to 9 s.


# %% tags=["solution"]
def rate_range(num_frames, seconds):
    """(lowest, highest) whole sample rate at which seconds whole seconds give num_frames frames."""
    fewest = 400 + 320 * (num_frames - 1)  # the fewest samples for num_frames frames
    too_many = fewest + 320  # from here on, one frame more
    return -(-fewest // seconds), -(-too_many // seconds) - 1  # rates: whole, so round up


# %%
w2v.exercises.check_rate_range(rate_range)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: predict, then run
#
# In the `layer_norm` model, you replace the last 400 samples of the 1 s clip (samples 15 600 to
# 15 999, as many as one frame reads) with silence. Which frames change? Give a list of frame
# indices.

# %% tags=["solution"]
prediction = [48]

# %%
w2v.exercises.check_frames_changed_by_edit(prediction)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 2, after you answer: run it
#
# The edit, in the `layer_norm` model:

# %%
# NBVAL_CHECK_OUTPUT
edited = second.clone()
edited[15_600:] = 0.0
lv60k = extractors["wav2vec2_large_lv60k"]  # layer_norm
feats, _ = w2v.extract_features(lv60k, torch.stack([second, edited]))  # (2, 49, 512)
print("changed frames:", torch.nonzero((feats[0] != feats[1]).any(dim=-1)).flatten().tolist())

# %% [markdown]
# Frame 48 reads samples up to 15 759, and no frame reads past it; frames outside the edit cannot
# change (structure, any weights), and frame 48 does for generic weights, random or trained (not
# for degenerate ones such as all zeros).
#
# **Next:** notebook 4 derives 400 and 320 layer by layer, proves the span, and looks inside it.
