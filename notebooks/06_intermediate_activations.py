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
# # 6. Intermediate activations
#
# Shapes and lengths are settled; now the values. We run the speech clip through every layer and
# look at what each one produces, at per-layer statistics, at the first layer's 512 filters, and at
# synthetic signals (an impulse, a click train, a chirp) chosen to make each layer's behaviour
# visible.
#
# **You will learn** how to capture and read every layer's activations, how their scale evolves
# layer by layer, how layer 0 acts as a filter bank, and how an impulse reveals the receptive field.
#
# **What to know first:** notebooks 1, 4 and 5.

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import audio, filters, plotting

# %% slideshow={"slide_type": "skip"} tags=["setup", "parameters"]
WEIGHTS = "random"  # or a torchaudio bundle name such as "WAV2VEC2_BASE", or the path of a checkpoint
SEED = 0  # the seed of random weights

# %% slideshow={"slide_type": "skip"} tags=["setup", "depends-on-weights"]
# NBVAL_CHECK_OUTPUT
weights = w2v.WeightChoice(WEIGHTS, SEED)
print(weights.banner())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Which weights?
#
# With pretrained weights (a torchaudio bundle such as `"WAV2VEC2_BASE"`, or a checkpoint file) the
# plots show what wav2vec2 learned. These notebooks run offline, so by default the weights are
# **random** (seeded). The cell says which you have:

# %%
# NBVAL_CHECK_OUTPUT
extractor = weights.extractor("wav2vec2_base")
print(weights.describe("wav2vec2_base"))

# %% [markdown] slideshow={"slide_type": "notes"}
# What random weights can and cannot show: every shape, length, alignment, the locality of each
# layer and the filter-bank view of layer 0 are properties of the architecture and hold for any
# weights. The *content* of the channels is not: trained first-layer filters are smooth band-pass
# filters spread over the spectrum and deeper channels respond to phonetic events; random ones are
# noise. Where this notebook shows content, read it as "how to look", and run it with pretrained
# weights to see what the model learned.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The clip through every layer
#
# `trace_activations` keeps each layer's output after the conv, the norm (layer 0 only, in this
# model) and the GELU. Here are the conv outputs, before any norm or nonlinearity, each at its
# exact time next to the waveform and spectrogram:

# %% slideshow={"slide_type": "subslide"}
wave, _ = w2v.load_speech_clip()
trace = w2v.trace_activations(extractor, wave)
plotting.plot_activations(trace, stage="conv", title="Conv outputs of every layer (64 channels each)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Per-layer statistics
#
# How large are the activations, layer by layer, and how many survive the GELU (which maps
# negative values close to zero)?

# %%
# NBVAL_CHECK_OUTPUT
print("layer  conv std  gelu std  share > 0 after GELU")
for layer in trace.layers:
    print(
        f"{layer.index:>5} {float(layer.conv.std()):>9.2e} {float(layer.gelu.std()):>9.2e} "
        f"{float((layer.gelu > 0).float().mean()):>14.0%}"
    )

# %% [markdown]
# Only layer 0 is normalized in this model, and the GELU roughly halves the signal at each layer,
# so with PyTorch's default initialization the scale shrinks from layer to layer: that is why
# notebook 5's random Base features were small. Training sets these scales; the layer_norm models
# re-normalize at every layer instead.

# %% slideshow={"slide_type": "subslide"}
plotting.plot_layer_statistics(trace, title="Per-layer statistics of the speech clip (random weights)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Layer 0 is a filter bank
#
# `Conv1d(1, 512, kernel_size=10, stride=5)` is 512 FIR filters of 10 taps, each applied every 5
# samples. Their frequency responses say which frequencies each channel passes:

# %% slideshow={"slide_type": "subslide"}
plotting.plot_filters(extractor.conv_layers[0].conv.weight, title="First-layer filters (random weights)")

# %% [markdown]
# Even random 10-tap filters prefer some frequencies over others. A **chirp** makes that visible:
# sweep from 50 Hz to 7 950 Hz in two seconds, and each channel's energy should peak when the sweep
# passes its preferred frequency. Sort the channels by the peak of their frequency response and
# compare:

# %%
# NBVAL_CHECK_OUTPUT
sweep = audio.chirp(50, 7950, duration_s=2.0)
energy = filters.channel_energy(w2v.trace_activations(extractor, sweep).layers[0].conv[0])
peaks = filters.peak_frequencies(extractor.conv_layers[0].conv.weight)
inside = (peaks > 300) & (peaks < 7700)  # channels whose peak the sweep passes well inside its range
r = torch.corrcoef(torch.stack([peaks[inside], energy[inside].argmax(dim=1).double()]))[0, 1]
print(f"{int(inside.sum())} channels: correlation of preferred frequency and time of peak response = {float(r):.2f}")
assert r > 0.8

# %% [markdown]
# The picture: one row per channel, sorted from the lowest preferred frequency (bottom) to the
# highest (top), each row scaled to its own maximum. The bright diagonal is each channel lighting up
# as the sweep passes its frequency.

# %% slideshow={"slide_type": "subslide"}
order = torch.argsort(peaks)
plotting.plot_heatmap(
    (energy[order] / energy[order].amax(dim=1, keepdim=True)),
    "time (ms)",
    "channel, by preferred frequency",
    "Layer-0 energy during a 50 Hz to 7.95 kHz chirp",
    extent=[0, 2000, 0, 512],
)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## An impulse: the receptive field, seen
#
# A single click at sample 8 000 in a second of silence. In a `layer_norm` model (local, notebook 5)
# only frames whose span contains sample 8 000 can change. We take HuBERT Large's config, which has
# no conv bias, so silence maps to exactly zero at every layer and the click stands alone. `ar.frames_containing` predicts which;
# the model agrees:

# %%
# NBVAL_CHECK_OUTPUT
local = w2v.random_extractor("hubert_large")
click = audio.impulse(16_000, position=8_000)
silence, _ = w2v.extract_features(local, torch.zeros(16_000))
response, _ = w2v.extract_features(local, click)
changed = torch.nonzero((response - silence).abs().amax(dim=2)[0] > 1e-6).flatten().tolist()
print("frames that changed:", changed, "| predicted:", ar.frames_containing(8_000, 16_000))
assert changed == ar.frames_containing(8_000, 16_000)

# %% [markdown]
# Traced layer by layer, the click is a vertical line that widens as the receptive field grows
# (10 samples at layer 0, 400 at layer 6):

# %% slideshow={"slide_type": "subslide"}
impulse_trace = w2v.trace_activations(local, click[6_000:10_000])
plotting.plot_activations(
    impulse_trace, stage="gelu", title="An impulse at 125 ms through every layer (hubert_large config)"
)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A click train
#
# Clicks every 100 ms (10 Hz) give a regular pattern at every layer; the deeper layers, with their
# coarser grids, smear each click over the frames whose spans contain it.

# %% slideshow={"slide_type": "subslide"}
clicks = audio.click_train(1.0, rate_hz=10)
plotting.plot_activations(w2v.trace_activations(extractor, clicks), title="A 10 Hz click train through every layer")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1
#
# How many outputs does **layer 3** produce for the speech clip (`wave.numel()` samples)? Work it
# out from the formula, then check.

# %% tags=["solution"]
L = wave.numel()
for kernel, stride in [(10, 5), (3, 2), (3, 2), (3, 2)]:
    L = (L - kernel) // stride + 1
answer = L

# %%
w2v.exercises.check_layer_output_frames(answer, wave.numel(), layer=3)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2
#
# How long, in ms, is the receptive field of one output of **layer 2**?

# %% tags=["solution"]
answer = 40 / 16

# %%
w2v.exercises.check_layer_two_receptive_field_ms(answer)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - `trace_activations` gives every layer's conv, norm and GELU outputs; plotted at their exact
#   centres they line up with the waveform.
# - Without a norm after layer 0, the Base model's activations shrink layer by layer at
#   initialization; training (or layer_norm mode) fixes the scale.
# - Layer 0 is a bank of 512 ten-tap filters; a chirp shows each channel responding near its
#   preferred frequency.
# - An impulse changes exactly the frames whose spans contain it: the receptive field, seen.
#
# **Next:** notebook 7 uses this locality to extract hours of audio exactly, in bounded memory.
