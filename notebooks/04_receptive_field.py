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
#     summary: 400 samples (25 ms) and a 320-sample hop (20 ms), derived layer by layer,
#       proved by structure and gradient; inside the span, rippled conv path counts, a trapezoid on average
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 4. Receptive field
#
# Each output frame's convolutions read **400** consecutive samples (25 ms at 16 kHz), and
# consecutive frames are **320** samples (20 ms) apart. This notebook derives both numbers layer by
# layer, proves the span (which samples *cannot* matter, from the structure; which *do*, from the
# gradient), then looks inside the 400 samples: they do not all count equally.
#
# **You will learn** the receptive-field recurrence $r_l = r_{l-1} + (k_l - 1)\, j_{l-1}$, the
# tree it describes, why a zero gradient proves nothing while a missing path does, how consecutive
# frames overlap, and the shape of the effective receptive field: conv path counts that ripple
# sample by sample and form a trapezoid on average, reshaped by the weights at a given input.
#
# **What to know first:** notebook 3 (frame spans).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import diagrams, plotting, receptive, source

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
# ## Layer by layer
#
# Two numbers per layer $l$. [Araujo et al., 2019](references.md#araujo2019) derive both for
# single-path CNNs such as this stack (top-down; they call the jump the *effective stride*); the
# bottom-up recurrence below is equivalent. The **jump** $j_l$ is the distance, in input samples, between
# neighbouring positions of that layer: the product of the strides so far. The **receptive field**
# $r_l$ is how many input samples one position sees. A kernel of $k_l$ taps spans $k_l - 1$ gaps
# between positions of the layer below, each $j_{l-1}$ samples wide:
# $$j_l = j_{l-1}\, s_l, \qquad r_l = r_{l-1} + (k_l - 1)\, j_{l-1}, \qquad j_{-1} = r_{-1} = 1.$$

# %%
# NBVAL_CHECK_OUTPUT
source.show(ar.receptive_field_table)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture"]
# ### wav2vec2's seven layers
#
# Run on the config every torchaudio preset uses:

# %% tags=["lecture", "run-live"]
# NBVAL_CHECK_OUTPUT
print("layer   k  s   jump  receptive field")
for r in ar.receptive_field_table():
    rf = f"{r.receptive_field:>6} samples = {ar.samples_to_ms(r.receptive_field):6.3f} ms"
    print(f"{r.layer:>5} {r.kernel_size:>3} {r.stride:>2} {r.jump:>6} {rf}")

# %% [markdown]
# The last row: receptive field **400** samples = **25 ms**, jump (the hop) **320** samples =
# **20 ms**. Layer 0 alone sees 10 samples (0.625 ms); each kernel-2 layer adds one jump of the
# layer below and doubles the jump.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The tree behind the table
#
# The same recurrence, drawn: the taps of frame 0, walked down to the input. Each bracket spans
# what one position of its row sees; the right axis reads the receptive field and the jump off the
# drawing, and they are the table's.

# %%
diagrams.receptive_field_tree((0,))

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Which samples cannot matter: the structure
#
# In a `layer_norm` model, LayerNorm and GELU act on one position at a time: only the convolutions
# connect different times. If no chain of conv taps leads from sample $t$ to frame $i$, then
# $\partial\,\text{frame}_i / \partial\,\text{sample}_t = 0$ (all 512 entries) for **any** weights.
# `receptive.path_counts` counts those chains in time, the **spatial** paths: the gradient of a
# one-channel stack with every weight 1.

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
source.show(receptive.path_counts)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### No path outside the span
#
# Over half a second of input (24 frames), the samples with at least one path to frame $i$ are
# exactly the computed span, for every frame. (With 512 channels each spatial path branches
# through a channel at every layer, the same number of ways for every sample: the counts scale by
# one factor, which `tests/package/test_receptive_lessons.py` checks, and the spans stay the same.)

# %%
# NBVAL_CHECK_OUTPUT
n = 8_000  # 0.5 s
for frame in range(ar.num_frames(n)):
    paths = receptive.path_counts(num_samples=n, frame=frame)  # (8000,)
    assert receptive.nonzero_span(paths) == ar.frame_span(frame)  # no path outside
    assert int(torch.count_nonzero(paths)) == 400  # and a path from every sample in it
print(f"all {ar.num_frames(n)} frames: paths only from their span [320 i, 320 i + 400)")

# %% [markdown]
# This is the proof of independence, and it needs no weights. It fails for a `group_norm` model:
# layer 0's GroupNorm averages each channel over **all** layer-0 positions of the clip, so every
# frame depends on every sample layer 0 reads (notebook 3 measures it; the unread tail,
# $(L - 10) \bmod 5$ samples: notebook 1).

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Which samples do matter: the gradient
#
# A path can still carry nothing: weights can cancel. A frame is 512 numbers, so
# `receptive.input_gradient` differentiates one scalar per frame, the sum of its 512 values:
# $\partial \sum_c \text{frame}_{i,c} / \partial\,\text{sample}_t$, by autograd in float64 so that
# nothing underflows. A **non-zero** entry proves that frame $i$ depends on sample $t$, for the
# weights at hand. On the `layer_norm` model `wav2vec2_large_lv60k`:

# %% tags=["depends-on-weights", "lecture", "run-live"]
# NBVAL_CHECK_OUTPUT
extractor = weights.extractor("wav2vec2_large_lv60k")  # layer_norm: local in time
wave = w2v.load_speech_clip(AUDIO)[0][:n]  # 0.5 s of speech
frames = [0, 1, 12, 23]
grads = receptive.input_gradient(extractor, wave, frames)  # (4, 8000), one row per frame
for frame, grad in zip(frames, grads, strict=True):
    start, end = ar.frame_span(frame)
    assert not grad[:start].any() and not grad[end:].any()  # no path, no gradient
    inside = int(torch.count_nonzero(grad[start:end]))
    print(f"frame {frame:>2}: gradient non-zero on {inside} of the 400 in [{start}, {end})")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A zero gradient alone proves nothing
#
# The converse fails: a gradient can vanish where the output still depends on the input. GELU, the
# nonlinearity after every conv, has a minimum near $x = -0.75$, where its derivative is zero (on
# a grid, the nearest point's derivative is below $10^{-6}$):

# %%
# NBVAL_CHECK_OUTPUT
gelu = torch.nn.functional.gelu
x = torch.linspace(-1.0, -0.5, 50_001, dtype=torch.float64, requires_grad=True)
(slope,) = torch.autograd.grad(gelu(x).sum(), x)  # GELU'(x) on the grid
at = int(slope.abs().argmin())  # GELU's minimum on this grid
x0 = x[at].detach()
step = float(gelu(x0 + 0.1) - gelu(x0))
print(f"GELU'({float(x0):.4f}) = {float(slope[at]):.0e}")
assert abs(float(slope[at])) < 1e-6
print(f"yet GELU(x + 0.1) - GELU(x) = {step:+.4f} there: GELU still depends on x")

# %% [markdown]
# So the proof has two halves: the **structure** shows that no sample outside the span can matter,
# for any weights; the **gradient** shows that, with these weights, for the frames tested at this
# input, the samples of the span do
# (the first gradient cell prints how many). A zero inside the span would not have shown
# independence.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The gradient of frame 12
#
# Its $|\text{gradient}|$ (of the sum of its 512 values) against the sample index, over its span
# and a margin either side, with the computed span marked:

# %%
plotting.plot_gradient_span(grads[2], ar.frame_span(12), title="|d sum(frame 12) / d sample|")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Spans over real speech
#
# Consecutive frames overlap by $400 - 320 = 80$ samples (5 ms). Frames 0, 1 and 2, and frame 12
# from the middle of the half second, drawn over the waveform:

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
overlap = ar.receptive_field() - ar.hop_length()
print(f"overlap of consecutive frames: {overlap} samples = {ar.samples_to_ms(overlap):g} ms")
plotting.plot_frame_spans(wave, [0, 1, 2, 12], title="Sample spans of frames 0, 1, 2 and 12")

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## The effective receptive field: conv paths
#
# Samples in the span are not equal: `path_counts()` counts each one's chains of taps, the
# *effective* receptive field ([Luo et al., 2016](references.md#luo2016)) of a linear, unit-weight stack.

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
paths = receptive.path_counts()  # (400,)
assert torch.equal(paths, paths.flip(0))  # symmetric: the last 80 samples mirror the first 80
ramp, plateau = paths[:80], paths[80:320]
mean, top = float(plateau.mean()), torch.nonzero(paths == paths.max()).flatten().tolist()
print("total paths:", int(paths.sum()), "=", "10 * 3**4 * 2 * 2 =", 10 * 3**4 * 2 * 2)
peak = f"{int(ramp.max())} at offset {int(ramp.argmax())}"
print("ramp [0, 80), mirrored in [320, 400):", end=" ")
print(f"{int(ramp[0])} up to {peak}, back to {int(ramp[79])} at offset 79")
low, high = int(plateau.min()), int(plateau.max())
print(f"plateau [80, 320): {low} to {high} paths, mean {mean}", end=", ")
print(f"so {low / mean - 1:+.0%} to {high / mean - 1:+.0%}")
print(f"mean of a ramp / mean of the plateau: {float(ramp.mean()) / mean:.2f}")
print("centre samples 199 and 200:", int(paths[199]), int(paths[200]), "paths")
print(f"most paths, {int(paths.max())}: {len(top)} samples, {top[:5]} ... {top[-5:]}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Rippled; a trapezoid only on average
#
# Not a peak (Luo et al.'s Gaussian needs many layers whose kernels overlap a lot; here every
# kernel is at most twice its stride),
# and sample by sample not a clean trapezoid either. Over the first 80 samples (shared
# with the previous frame) the counts rise, with ripples, from 1 to 8 (first at offset 50), then fall back to 5, below
# the plateau's lowest count, 6; the last 80 mirror them. The plateau ripples from 6 to 13 (41 %
# below to 28 % above its mean), as much as the ramps rise. The **trapezoid** is the envelope: on
# average a ramp carries half the plateau's paths per sample (0.50). The centre (9) is not the
# maximum.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why a trapezoid, on average
#
# Layers 5 and 6 have $k = s = 2$: each combines two positions of the layer below without overlap.
# So frame 0's path count is the sum of the path counts of **4** layer-4 positions 80 samples
# apart, each seeing 160 samples (the table). Every sample of the plateau is seen by two of them;
# the first and last 80 by one, which halves the ramps' mean:

# %%
# NBVAL_CHECK_OUTPUT
layer4 = receptive.path_counts(w2v.DEFAULT_SHAPES[:5])  # (160,): paths to one layer-4 position
stacked = torch.zeros(400, dtype=torch.float64)
for q in range(4):  # the 4 layer-4 positions of frame 0, one jump (80 samples) apart
    stacked[80 * q : 80 * q + 160] += layer4
assert torch.equal(stacked, paths)
assert torch.equal(paths[80:240], paths[160:320])  # the plateau repeats every 80 samples
ramp = paths[:80] + paths[320:]  # frame i ramping out + frame i + 1 ramping in
assert torch.equal(ramp, paths[80:160])  # = one period of the plateau
print(f"4 layer-4 profiles of {layer4.numel()} samples, 80 apart, add up to the frame's paths")
print(f"mean: plateau {float(paths[80:320].mean())}, ramp in + ramp out {float(ramp.mean())}")
per_sample = float(paths.sum()) / ar.hop_length()
print(f"{int(paths.sum())} paths per {ar.hop_length()}-sample hop: {per_sample} per sample")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Neighbours fill each other's ramps
#
# The last assert is the neighbour's share: where frame $i$ ramps down, frame $i + 1$ ramps up, and
# together they give exactly one period of the plateau. Summed over all frames, every sample of a
# long clip is reached by the same rippled pattern, with the plateau's mean: the overlaps are
# neither under- nor over-counted.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## What the weights add
#
# Path counts are the structure alone (every weight 1). In a model each path carries its weights'
# product, and the gradient also depends on the input (GELU's slope and each LayerNorm's scale
# there) and on the scalar differentiated (the sum of the frame's 512 values). The mean
# $|\text{gradient}|$ over the span of every second frame of 1.5 s of speech (frames whose spans
# do not overlap, so `receptive.span_gradients` gets them all from one backward pass):

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
speech = w2v.load_speech_clip(AUDIO)[0][:24_000]  # 1.5 s: 74 frames
every_other = list(range(0, ar.num_frames(speech.numel()), 2))
span_grads = receptive.span_gradients(extractor, speech, every_other)  # (37, 400)
mean_grad = span_grads.abs().mean(dim=0)  # (400,)
ends = lambda v: torch.cat([v[:80], v[320:]])  # the two 80-sample ramps
ramps = [float(ends(v).mean() / v[80:320].mean()) for v in (mean_grad, paths)]
central = [float(v[100:300].sum() / v.sum()) for v in (mean_grad, paths)]
corr = float(torch.corrcoef(torch.stack([mean_grad, paths]))[0, 1])
share = f"{central[0]:.0%} of the mean |gradient| (paths: {central[1]:.0%})"
print(f"with these weights: central 200 samples, {share}")
print(f"mean on the ramps / on the plateau: {ramps[0]:.2f} (paths: {ramps[1]:.2f})")
print(f"correlation of mean |gradient| with the path counts: {corr:.2f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Both on one axis
#
# The mean $|\text{gradient}|$ and the path counts over the span, sample by sample, each divided by
# its own mean (their units differ; their shapes compare), with their correlation (printed above)
# in the figure. The shaded ends are the samples the neighbouring frames also see.

# %%
plotting.plot_effective_receptive_field(mean_grad, paths)

# %% [markdown]
# The 80-sample ramps are the structure; how much of the path profile survives, and how its
# ripple is reshaped, is the doing of the weights, at this input and for this choice of scalar (the
# numbers above are printed from the weights loaded; rerun with `WEIGHTS` set to a bundle to see
# trained ones).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - $j_l = j_{l-1} s_l$ and $r_l = r_{l-1} + (k_l - 1)\, j_{l-1}$: 400 samples (25 ms) and a hop
#   of 320 samples (20 ms) for wav2vec2; consecutive frames share 80 samples.
# - Independence is structural: no chain of taps from outside $[320i,\ 320i + 400)$ reaches frame
#   $i$ of a `layer_norm` model, whatever the weights. Dependence is shown by a non-zero gradient;
#   a zero gradient alone (GELU has a flat point) shows nothing.
# - The conv path counts ripple sample by sample (the plateau from 6 to 13, repeating every 80
#   samples; the ramps up to 8) and form a trapezoid on average: 80-sample ramps, exactly the
#   overlap with the neighbours, with half the plateau's mean. The centre has 9, the maximum 13
#   lies off-centre. Weights reshape it, at a given input.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: which frames read a sample, for any stack
#
# Write `frames_reading(t, num_samples, shapes)`: the indices of the frames that read sample `t`
# of a clip of `num_samples` samples, through a stack of unpadded convs
# `shapes = [(channels, kernel, stride), ...]`, as a list. Use only `shapes` and integer
# arithmetic (not the package's `ar` functions). The checker tries samples at both ends of the
# first frames, in the middle and at the end of clips of several lengths, on eight stacks.


# %% tags=["solution"]
def frames_reading(t, num_samples, shapes):
    """The frames of a num_samples clip, through the stack shapes, whose span holds sample t."""
    jump, rf, frames = 1, 1, num_samples
    for _, kernel, stride in shapes:
        rf += (kernel - 1) * jump
        jump *= stride
        frames = max(0, (frames - kernel) // stride + 1)
    first = max(0, -(-(t - rf + 1) // jump))  # the first i with i * jump + rf > t
    return list(range(first, min(t // jump + 1, frames)))


# %%
w2v.exercises.check_frames_reading(frames_reading)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: a 10 ms hop
#
# Design a conv stack with a hop of **10 ms** and a receptive field of exactly **25 ms** at 16 kHz,
# in which every kernel is at least as wide as its stride (no sample skipped). Give it as
# `answer = [(channels, kernel, stride), ...]`. The checker measures your stack's hop and
# receptive field.

# %% tags=["solution"]
answer = [(512, 10, 5), (512, 3, 2), (512, 3, 2), (512, 3, 2), (512, 3, 2), (512, 4, 2)]

# %%
w2v.exercises.check_stack_with_10ms_hop(answer)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 3: predict, then run
#
# If layer 0 were `(512, 20, 10)` instead of `(512, 10, 5)`, with the other six layers unchanged,
# how many samples would one frame see? Predict by hand, then run the table below the checker.

# %% tags=["solution"]
prediction = 20 + 2 * 10 + 2 * 20 + 2 * 40 + 2 * 80 + 1 * 160 + 1 * 320

# %%
w2v.exercises.check_receptive_field_wider_first_layer(prediction)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 3, after you answer: the table
#
# The table for that stack:

# %%
# NBVAL_CHECK_OUTPUT
wider = [(512, 20, 10), *w2v.DEFAULT_SHAPES[1:]]
for r in ar.receptive_field_table(wider):
    print(f"layer {r.layer}: jump {r.jump:>4}, receptive field {r.receptive_field:>4} samples")

# %% [markdown]
# **Next:** notebook 5, where the `group_norm` model's statistics reach across the whole clip.
