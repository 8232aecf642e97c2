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
#     summary: 'every layer''s activations on speech and on synthetic signals: statistics,
#       filters, receptive field seen'
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 7. Intermediate activations
#
# Shapes and lengths are settled; now the values. We run speech, a chirp and an impulse through the
# layers and read what each one produces: the stages of layer 0, the scale of every layer, the
# first layer's 512 filters, and the receptive field made visible.
#
# **You will learn** what digital silence becomes in a GroupNorm model; how the init sets the
# scale of random activations; what ten-tap filters can and cannot do, and how to tell a learned
# filter bank from random filters; why a chirp's picture has stripes (aliasing); how an impulse shows the
# receptive field.
#
# **What to know first:** notebooks 1, 4 and 5. Two words: a **frame** is one output vector of the
# whole extractor (it covers 25 ms of audio, a new one every 20 ms); a layer's time steps are its
# **positions** (layer 0 has one every 5 samples, 3 200 per second).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import inspect

import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import audio, filters, plotting, source

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
# ## Which weights?
#
# With pretrained weights (a torchaudio bundle such as `"WAV2VEC2_BASE"`, or a checkpoint file) the
# pictures show what wav2vec2 learned. These notebooks run offline, so by default the weights are
# **random** (seeded). The cell says which you have:

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
extractor = weights.extractor("wav2vec2_base")
print(weights.describe("wav2vec2_base"))
label = weights.label_for("wav2vec2_base")  # for every title: random weights say so

# %% [markdown] slideshow={"slide_type": "notes"}
# What holds for any weights of these architectures (their convs have no bias): every shape, length
# and span, the locality of layer_norm models, the one constant per channel that digital silence
# becomes, the aliasing stripes, the
# limits of a ten-tap filter. What the weights decide:
# what each channel responds to. Where this notebook measures that, the cell prints the measurement
# from the loaded weights next to references computed on the spot; run it with pretrained weights
# to see what a model learned.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Layer 0, stage by stage
#
# `trace_activations` keeps each layer's output after the conv, the norm (only layer 0 has one in
# this `group_norm` model) and the GELU. Notebook 1 showed the GELU output of every layer; here are
# the three stages of layer 0 on the speech clip, 64 of 512 channels, each position at its exact
# time and each stage with its own color scale:

# %% slideshow={"slide_type": "subslide"}
wave, _ = w2v.load_speech_clip(AUDIO)
trace = w2v.trace_activations(extractor, wave)
plotting.plot_layer_stages(trace, layer=0, title=f"Layer 0, {label}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What digital silence becomes
#
# Digital silence, exact zeros, becomes one constant per channel at every layer, and identical
# frames. The bundled clip has none: it is a quiet recording whose pauses hold a -60 dBFS noise
# floor. Zeros are what padding and a muted input give, so this cell **appends 0.5 s of zeros on
# purpose** to show them. The conv has no bias, so zeros give 0, and GroupNorm(512, 512) turns 0
# into $\beta_c - \gamma_c\,\mu_c / \sqrt{\sigma_c^2 + \epsilon}$: one constant per channel, set by
# the channel's mean and spread over the *whole input*, the appended zeros included. Each later
# layer turns constants into constants. Checked, for any weights of this architecture:

# %% slideshow={"slide_type": "subslide"} tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
muted = torch.cat([wave, torch.zeros(8000)])  # the clip, then 0.5 s of digital silence
muted_trace = w2v.trace_activations(extractor, muted)
silent = muted.unfold(0, 10, 5).abs().amax(dim=1) == 0  # positions whose 10 samples are all 0
conv, norm = muted_trace.layers[0].conv[0], muted_trace.layers[0].norm[0]  # (512, positions)
gn = extractor.conv_layers[0].layer_norm
mu, var = conv.mean(dim=1), conv.var(dim=1, unbiased=False)  # per channel, over time
constant = gn.bias - gn.weight * mu / torch.sqrt(var + gn.eps)  # (512,)
assert (norm[:, silent] - constant[:, None]).abs().max() <= 1e-4 * norm.abs().max()
print(f"{int(silent.sum())} of {silent.numel()} positions are silent: each channel is one value there")
last_sound = int(torch.nonzero(muted).max())  # the last sample that is not 0
first = -(-(last_sound + 1) // ar.hop_length())  # the first frame whose span lies after it
frames = muted_trace.features[0, first:]  # (frames, 512)
assert (frames - frames[:1]).abs().max() <= 1e-5 * frames.abs().max()
print(f"frames {first} to {first + len(frames) - 1} lie in the final silence: all one vector")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Silence bands, or not
#
# Those constants draw horizontal **silence bands** in a heatmap (one color per channel, for as
# long as the silence lasts) only where they differ visibly from channel to channel: trained biases
# $\beta_c$ or a channel mean far from 0 relative to its spread (a DC offset, say) make them differ.
# How close the clip's own pauses (its noise floor) come to the constants depends on how much of
# that noise each filter passes, next to the channel's spread over the whole clip. With these
# weights, against the spread of layer 0's norm output:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
print(f"with these weights, the 512 silence constants of layer 0 lie in [{constant.min():.3f},", end="")
print(f" {constant.max():.3f}]; the norm output's std: {norm.std():.2f}")
pause = (muted.unfold(0, 10, 5).abs().amax(dim=1) < 0.005) & ~silent  # the clip's quiet positions
drift = (norm[:, pause] - constant[:, None]).abs().mean() / norm.std()
print(f"the clip's {int(pause.sum())} positions under 0.005 (its pauses): mean |norm - constant|")
print(f"  = {drift:.1%} of that std")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Per-layer statistics
#
# How large are the activations, layer by layer (only layer 0 is normalized in this model), and what
# share of them is positive before and after the GELU (which keeps the sign of its input,
# shrinking negative values towards zero)? For the loaded weights:

# %% slideshow={"slide_type": "subslide"} tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
print(label)
print("layer  conv std  gelu std  share > 0: conv  after GELU")
for layer in trace.layers:
    shares = [float((stage > 0).float().mean()) for stage in (layer.conv, layer.gelu)]
    stds = f"{float(layer.conv.std()):>9.2e} {float(layer.gelu.std()):>9.2e}"
    print(f"{layer.index:>5} {stds} {shares[0]:>11.0%} {shares[1]:>11.0%}")
zero = (wave.unfold(0, 10, 5) == 0).all(dim=1).float().mean()  # positions whose 10 samples are 0
print(f"layer-0 positions that read only zeros (conv exactly 0, not > 0): {zero:.1%}")
m0 = muted_trace.layers[0]  # the clip with 0.5 s of zeros appended (above)
conv_share, gelu_share = (float((stage > 0).float().mean()) for stage in (m0.conv, m0.gelu))
print(f"with 0.5 s of zeros appended, layer 0: {conv_share:.1%} conv, {gelu_share:.1%} after GELU")

# %% [markdown] slideshow={"slide_type": "subslide"}
# In layers 1 to 6 the GELU acts on the conv's output and keeps its sign, so both shares agree. In
# layer 0 it acts on the GroupNorm's output, whose sign can differ from the conv's. With random
# filters the conv shares sit near one half: a bias-free conv whose filters are as often negative
# as positive is positive about half the time, except where its input is exactly 0: there it gives
# exactly 0, which is not > 0. Digital silence lowers the conv share only: after the norm, silent
# positions carry the per-channel constants shown above, whose sign varies by channel (last line;
# this clip's noise floor leaves almost no such positions).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### With random weights, the init sets the scale
#
# `random_extractor` draws every conv weight with `kaiming_normal_` (variance
# $2/\text{fan\_in}$), as fairseq's wav2vec 2.0, torchaudio's `hubert_pretrain_model` and HF's
# `_init_weights` initialize these models for pre-training. torchaudio's `wav2vec2_base()` and the
# other builders that call `wav2vec2_model` apply no init: they keep PyTorch's *default* init,
# variance $1/(3\,\text{fan\_in})$, so a model built with them starts like the second row below.
# Where torchaudio draws kaiming:

# %%
# NBVAL_CHECK_OUTPUT
from torchaudio.models.wav2vec2 import model as ta_model

assert "apply(" not in inspect.getsource(ta_model.wav2vec2_model)  # no init of its own
source.library_part(ta_model._init_hubert_pretrain_model, stop="elif isinstance")

# %% [markdown] slideshow={"slide_type": "subslide"}
# This cell builds both inits on purpose (seed 0, whatever `WEIGHTS` says) and traces the clip:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
kaiming = w2v.random_extractor("wav2vec2_base", seed=0)  # kaiming_normal_, as for pre-training
with torch.random.fork_rng(devices=[]):
    torch.manual_seed(0)
    default = w2v.get_feature_extractor("group_norm", w2v.DEFAULT_SHAPES, False)  # default
inits = {"kaiming_normal_ (seed 0)": kaiming, "PyTorch default (seed 0)": default}
print(f"{'init':>24}  var(w)·fan_in  conv std of layers 0..6")
init_traces = {}
for name, model in inits.items():
    init_traces[name] = w2v.trace_activations(model, wave)
    w = model.conv_layers[1].conv.weight.detach()  # (512, 512, 3)
    stds = [float(layer.conv.std()) for layer in init_traces[name].layers]
    print(f"{name:>24}  {float(w.var()) * w[0].numel():13.2f}  {' '.join(f'{s:.3g}' for s in stds)}")
shrink = stds[1] / stds[6]  # layer 0's std follows the audio, layer 1's the norm: count from 1
print(f"default init, layers 1 to 6: conv std / {shrink:.0f}, / {shrink**0.2:.1f} per layer")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why kaiming keeps the scale
#
# A conv multiplies the mean square of its input by $\text{fan\_in} \cdot \text{var}(w)$: 2 with
# kaiming, 1/3 by default (printed above). GELU keeps a little less than half the mean square of
# unit-scale inputs, close to the exact half a ReLU keeps (the case kaiming was designed for), but
# only a quarter of small ones, where
# GELU$(x) \approx x/2$. So kaiming keeps the scale of the same order through all seven layers,
# while the default init divides the std by about 3 per layer (printed above, from layer 1 on). Training sets a real model's scales.
# The loaded weights against both inits:

# %%
title = f"Per-layer statistics of the clip, {label}"
plotting.plot_layer_statistics(trace, title=title, compare=init_traces)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Layer 0 is a filter bank
#
# `Conv1d(1, 512, kernel_size=10, stride=5)` is 512 FIR filters of 10 taps (0.625 ms), each applied
# at every position. Their frequency responses say which frequencies each channel passes. The first
# eight of the loaded weights:

# %% slideshow={"slide_type": "subslide"}
layer0 = extractor.conv_layers[0].conv.weight  # (512, 1, 10)
plotting.plot_filters(layer0, title=f"First-layer filters, {label}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Ten taps cannot make a narrow filter
#
# A plain 10-tap cosine's main lobe reaches its first nulls $f_s/N$ from its peak, a Hann-windowed
# one twice that, a 400-tap cosine (a frame's span) 40 times less. But two taps 9 apart (a comb,
# $|H| = |2\cos(9\pi f/f_s)|$) plus a little Hann cosine have a narrower main lobe than the plain
# cosine:

# %%
# NBVAL_CHECK_OUTPUT
n, hann = torch.arange(10), torch.hann_window(10)
cosine = lambda f, taps=n: torch.cos(2 * torch.pi * f * taps / 16_000)  # a cosine at f Hz
comb = ((n == 0) | (n == 9)).float()  # two taps, 9 apart
names = ["plain cosine", "Hann cosine", "comb + 0.1 Hann cosine"]
k = torch.stack([cosine(4000), cosine(4000) * hann, comb + 0.1 * cosine(3562) * hann])  # (3, 10)
lobe, other = filters.main_lobe_halfwidth(k), filters.largest_other_lobe(k)
print(f"{'10 taps':<24}{'main lobe ±Hz':>14}{'other lobes / peak':>20}{'energy ±500 Hz':>16}")
for name, w, o, e in zip(names, lobe, other, filters.energy_near_peak(k), strict=True):
    print(f"{name:<24}{w:>14.0f}{o:>20.2f}{e:>16.2f}")
wide = filters.main_lobe_halfwidth(cosine(4000, torch.arange(400)), n_fft=16_000)
print(f"400 taps, plain cosine: main lobe ±{float(wide):.0f} Hz")

# %% [markdown]
# The comb's grating lobes (every $f_s/9$) stand almost as high as its peak, and it keeps the
# least energy near its peak: a narrow main lobe alone makes no narrow filter.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What binds every 10-tap filter
#
# How much of its energy a filter can keep near one frequency: for any 10 taps, at most the top
# eigenvalue of Slepian's concentration problem for that band (`filters.max_energy_near`):

# %%
# NBVAL_CHECK_OUTPUT
bound = float(filters.max_energy_near(torch.arange(1000, 7001, 125)).max())
print(f"any 10-tap filter, peak in 1-7 kHz: energy within ±500 Hz at most {bound:.2f}")

# %% [markdown]
# So no layer-0 filter can be a narrow band-pass, whatever it learned. Finer frequency detail can
# only come from later layers.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Sorted by peak, random filters draw a diagonal
#
# A popular picture of a learned filter bank: play a chirp (a sweep from 50 Hz to 7 950 Hz in 2 s),
# record each channel's energy (mean square over windows of 64 positions, 20 ms), sort the channels
# by the peak of their frequency response, scale each row to its maximum. Here it is for **random**
# filters (kaiming, seed 0, on purpose whatever `WEIGHTS` says), next to the same filters'
# responses $|H|^2$ and those of a designed bank of Hann-windowed cosines:

# %% slideshow={"slide_type": "subslide"} tags=["lecture"]
random0 = w2v.random_extractor("wav2vec2_base", seed=0).conv_layers[0].conv  # on purpose
sweep = audio.chirp(50, 7950, duration_s=2.0)
with torch.no_grad():
    energy = filters.channel_energy(random0(sweep[None, None])[0])  # (512, 20 ms windows)
title = "Random filters (kaiming, seed 0), sorted by peak"
plotting.plot_sorted_by_peak(energy, random0.weight, filters.cosine_bank(), title=title)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The sorting draws the diagonal
#
# Each row's maximum lies near where the chirp passes that filter's peak (near, not exactly: a flat
# response and aliasing move it), and the rows are sorted by that peak: any bank whose peaks spread
# over the band draws a diagonal, random or trained (a bank of low-pass filters, all peaking at
# 0 Hz, would draw a bar at the sweep's start), and the middle panel draws it from
# $|H|^2$ alone, without audio. In the right panel, the cosines that peak at 0 Hz or 8 kHz (counted
# below) draw blocks at the bottom and the top instead. For these random filters, the correlation
# between a channel's peak frequency and the time of its peak energy (channels that peak well
# inside the sweep):

# %%
# NBVAL_CHECK_OUTPUT
peaks = filters.peak_frequencies(random0.weight)
inside = (peaks > 300) & (peaks < 7700)  # peaks the sweep passes well inside its range
r = torch.corrcoef(torch.stack([peaks[inside], energy[inside].argmax(dim=1).double()]))[0, 1]
print(f"random filters, {int(inside.sum())} channels: correlation = {float(r):.2f}")
assert r > 0.8

# %% [markdown]
# A diagonal is no evidence of learning. What could be is its *width* and what lies off it: the
# measures below.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The chirp's vertical stripes are aliasing
#
# The left panel has vertical **aliasing stripes**, at the same times in every row. They come from
# the stride: layer 0 keeps 3 200 positions per second, so a 3 200 Hz tone completes one whole cycle between
# positions and looks constant (it lands on 0 Hz), and a 1 600 Hz tone (the Nyquist frequency of
# 3 200 positions/s) flips sign at every position. There a window's energy depends on the tone's
# phase, not only on the filter's gain. For the loaded weights (it holds for any weights of a
# bias-free conv, as Base's is; with a bias $b_c$ the 1 600 Hz output would alternate around $b_c$):

# %%
# NBVAL_CHECK_OUTPUT
conv0 = extractor.conv_layers[0].conv
print(f"layer 0: {16_000 // conv0.stride[0]} positions per second")
with torch.no_grad():
    at_3200 = conv0(audio.tone(3200, 0.05)[None, None])[0]  # (512, positions)
    at_1600 = conv0(audio.tone(1600, 0.05)[None, None])[0]
scale = float(at_3200.abs().max() + at_1600.abs().max())
constant = (at_3200 - at_3200[:, :1]).abs().max() <= 1e-4 * scale
flips = (at_1600[:, 1:] + at_1600[:, :-1]).abs().max() <= 1e-4 * scale
print(f"3200 Hz: every channel constant over positions: {bool(constant)}")
print(f"1600 Hz: every channel flips sign at every position: {bool(flips)}")
assert constant and flips

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Where the stripes are
#
# The same filters applied at *every* sample (stride 1) have no stripes. Comparing the two energies
# window by window finds the stripes, and puts them where the chirp passes a multiple of 1 600 Hz:

# %%
# NBVAL_CHECK_OUTPUT
with torch.no_grad():
    every_sample = torch.nn.functional.conv1d(sweep[None, None], random0.weight)[0]  # stride 1
full = torch.nn.functional.avg_pool1d(every_sample.square()[None], 320, 160)[0]  # 20 ms
change = (energy / full[:, : energy.shape[1]] - 1).abs().median(dim=0).values  # (windows,)
stripes = (10 * (torch.nonzero(change > 0.2).flatten() + 1)).tolist()  # window centres, ms
crossings = [round(1000 * (f - 50) / 3950) for f in (1600, 3200, 4800, 6400)]
print("windows (ms) where stride 5 changes the energy by > 20 %:", stripes)
print("the chirp passes 1600, 3200, 4800, 6400 Hz at (ms):", crossings)
assert all(min(abs(s - c) for c in crossings) <= 15 for s in stripes)  # stripe: at a crossing
assert all(min(abs(s - c) for s in stripes) <= 15 for c in crossings)  # crossing: striped

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Measures that tell a filter bank from random filters
#
# Judge a bank with measures whose answer for random filters is known. `filters.bank_measures`
# computes three for any set of kernels: where each filter peaks; its **spectral flatness**
# (geometric over arithmetic mean of $|H|^2$: 1 for a single tap, near 0 for deep stop bands); and
# the share of its energy within ±500 Hz of its peak. Flatness measures each filter's distance from
# an all-pass filter, not whether the bank's channels divide the band among them: read it with the
# spread of the peaks (the first two columns below).

# %%
source.show(filters.bank_measures)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Two references
#
# Random filters drawn as at initialization (`kaiming_normal_`, 20 seeds of 512 filters) and 512
# Hann-windowed cosines at evenly spaced frequencies. Neither depends on `WEIGHTS`:

# %%
# NBVAL_CHECK_OUTPUT
references = {
    "random init (20 seeds)": filters.bank_measures(filters.random_init_bank(range(20))),
    "Hann-windowed cosines": filters.bank_measures(filters.cosine_bank()),
}
print(f"{'per 512 filters':>22}  peak < 2 kHz  peak at 0 or 8 kHz  flatness  near peak")
for name, m in references.items():
    s = filters.summary(m)
    counts = f"{s['below_2k']:12.1f}  {s['at_edges']:18.1f}"
    print(f"{name:>22}  {counts}  {s['flatness']:8.2f}  {s['near_peak']:9.2f}")

# %% [markdown]
# (Flatness and near peak are medians.) Peaks below 2 kHz barely separate the two (140.6 against
# 127.0 per 512). Peaks exactly at 0 Hz or 8 kHz, where every response has a turning point,
# separate them (126.9 against 74.0: random filters peak there a quarter of the time). The median flatness
# separates these two banks most clearly (0.62 against 0.04), though 512 copies of one Hann cosine
# would score as low; energy near the peak differs in the median (0.30
# against 0.41), but its histograms overlap (next figure). The cosines stay well below the 10-tap
# bound above.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The loaded weights against the references
#
# The same measures for the loaded weights, each placed among the 20 random inits ("near peak":
# the share of energy within ±500 Hz of the peak):

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
mine = filters.bank_measures(layer0)
print(f"With these weights ({label}), layer 0:")
print("\n".join(filters.compare_with_init(mine, references["random init (20 seeds)"])))

# %% [markdown]
# Read these lines, not the diagonal: a bank that learned to separate frequencies would be less
# flat and keep more energy near its peak than every random init. That is the test; run the series
# with pretrained weights to apply it. The histograms:

# %% slideshow={"slide_type": "subslide"}
title = f"Layer-0 filter measures, {label}"
plotting.plot_bank_measures({"these weights": mine, **references}, title=title)

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## An impulse: the receptive field, seen
#
# A single click at sample 8 000 in a second of silence. In a `layer_norm` model (local, notebook 5)
# only frames whose span contains sample 8 000 can change: `ar.frames_containing` predicts which.
# We take HuBERT Large's architecture (`layer_norm`, no conv bias). The assert checks that no other
# frame changed, which holds for any weights:

# %% tags=["lecture", "run-live"]
# NBVAL_CHECK_OUTPUT
local = weights.extractor("hubert_large")
click = audio.impulse(16_000, position=8_000)
silence, _ = w2v.extract_features(local, torch.zeros(16_000))  # (1, 49, 512)
response, _ = w2v.extract_features(local, click)
changed = torch.nonzero((response - silence).abs().amax(dim=2)[0] > 1e-6).flatten().tolist()
predicted = ar.frames_containing(8_000, 16_000)
print("frames that changed:", changed, "| predicted:", predicted)
centres = [f"{ar.samples_to_ms(ar.frame_center(i)):.2f}" for i in predicted]  # 20 i + 12.47 ms
print("their centres (ms, the mean of their samples' instants):", ", ".join(centres))
reads = [f"[{a / 16:g}, {b / 16:g})" for a, b in map(ar.frame_span, predicted)]  # ms
print("the samples they read (ms):", ", ".join(reads))
assert set(changed) <= set(predicted)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Silence is zero only at initialization
#
# Silence maps to exactly zero at every layer when the conv has no bias (HuBERT Large has none)
# *and* every LayerNorm bias is zero, which holds at initialization. Trained biases map silence to
# a constant vector instead; the click still changes only the frames above. For the loaded weights:

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
zero_bias = all(bool((block.layer_norm.bias == 0).all()) for block in local.conv_layers)
print(weights.describe("hubert_large"))
print(f"LayerNorm biases all zero: {zero_bias}")
print(f"silence gives features with max |value| {float(silence.abs().max()):.3g}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The click, layer by layer
#
# The whole second is traced and the axes zoom on 400 to 600 ms, so every position sits at its true
# time. The dashed line is the click (500 ms); in the layer rows the vertical line widens as the
# receptive field grows, and at layer 6 the two frames printed above, centered at 492.47 and 512.47
# ms, light up. Each heatmap column is one position drawn at its center, as wide as the spacing
# (20 ms at layer 6); the outlines on layer 6 are what those two frames read, 25 ms each: frame 24
# reads [480, 505) ms and frame 25 [500, 525) ms, so frame 25 starts at the click, its first
# sample. (The spectrogram row smears the one-sample click over its own STFT window: that width is
# the spectrogram's, not the model's.)

# %% slideshow={"slide_type": "subslide"}
impulse_trace = w2v.trace_activations(local, click)
title = "A click at 500 ms through every layer (hubert_large architecture)"
spans = dict(marks_ms=[500], frame_spans=predicted)  # the click, and the frames that contain it
plotting.plot_activations(impulse_trace, xlim_ms=(400, 600), title=title, **spans)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - `trace_activations` gives every layer's conv, norm and GELU outputs, each position at its exact
#   time. In a GroupNorm model, digital silence becomes one constant per channel, which depends on
#   the layer-0 statistics of the whole input; the constants draw horizontal silence bands where
#   they differ from channel to channel; a quiet recording's pauses come near them or not,
#   depending on how much of the noise each filter passes.
# - With random weights the init sets the scale: kaiming keeps it through the seven layers;
#   PyTorch's default init shrinks it layer by layer.
# - Layer 0 is 512 ten-tap filters: none can be a narrow band-pass (at most 0.68 of the energy
#   within ±500 Hz of a peak in 1-7 kHz; a comb narrows the main lobe but adds grating lobes almost
#   as high). Sorted by peak, random filters draw the same diagonal as a designed bank; judge a bank
#   by the spread of its peaks, flatness and energy near its peak against random-init references.
# - Stride 5 aliases: tones at multiples of 1 600 Hz draw vertical aliasing stripes.
# - An impulse changes only the frames whose spans contain it: the receptive field, seen.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: where does a tone land?
#
# Layer 0 keeps 3 200 positions per second, and the chirp showed what 1 600 Hz and 3 200 Hz become.
# Write `alias(freq_hz, rate_hz)`: the frequency, between 0 and `rate_hz / 2`, at which a tone of
# `freq_hz` appears when it is sampled `rate_hz` times per second, without the package's
# `filters.alias`. The checker runs it on many frequencies and rates.


# %% tags=["solution"]
def alias(freq_hz, rate_hz):
    """The frequency in [0, rate_hz / 2] at which a tone of freq_hz appears when it is
    sampled rate_hz times per second."""
    folded = freq_hz % rate_hz
    return min(folded, rate_hz - folded)


# %%
w2v.exercises.check_alias(alias)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: predict, then run
#
# Two clicks, at samples 3 210 and 15 900 of a second of silence, go through the same `layer_norm`
# extractor (`local`). Which frames change? Predict a list of frame indices before you run the
# computation under the checker.

# %% tags=["solution"]
prediction = [9, 10]

# %%
w2v.exercises.check_click_frames(prediction, positions=(3_210, 15_900))

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 2, after you answer: run it
#
# The two clicks, through `local`:

# %%
# NBVAL_CHECK_OUTPUT
two_clicks = audio.impulse(16_000, position=3_210) + audio.impulse(16_000, position=15_900)
response, _ = w2v.extract_features(local, two_clicks)
changed = torch.nonzero((response - silence).abs().amax(dim=2)[0] > 1e-6).flatten().tolist()
print("frames that changed:", changed, "of", response.shape[1])
print("the last sample any frame sees:", ar.frame_span(response.shape[1] - 1)[1] - 1)

# %% [markdown]
# A click changes one frame or two (consecutive spans overlap), and a click after the last sample
# any frame sees changes none.
#
# **Next:** notebook 8 uses this locality to extract hours of audio exactly, in bounded memory.
