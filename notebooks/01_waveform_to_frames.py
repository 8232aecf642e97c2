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
#     summary: 'the whole journey: (batch, time) samples in, (batch, frame, 512) features
#       out'
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 1. From waveform to frames
#
# wav2vec2 never looks at a spectrogram. Its first stage is a stack of seven 1-D convolutions that
# turns raw 16 kHz samples into one 512-dimensional **feature frame** every 20 ms. This series reads
# torchaudio's implementation of that stage line by line; this first notebook is the whole journey
# in one pass.
#
# **You will learn** what goes in (`(batch, time)` samples), what comes out (`(batch, frame, 512)`),
# the conv layer config that gets from one to the other, the shape after every layer, and where the
# extractor sits inside wav2vec2.
#
# **What to know first:** PyTorch tensors and `nn.Conv1d` (kernel size and stride). Nothing about
# wav2vec2.

# %% [markdown] slideshow={"slide_type": "notes"}
# Every number in these notebooks is printed by a cell and checked by `nbval` in CI: if a claim
# stops being true, the build fails. The code comes from the companion package `w2v2_walkthrough`,
# whose modules mirror torchaudio's bit for bit (notebook 2 proves it).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import plotting

# %% slideshow={"slide_type": "skip"} tags=["setup", "parameters"]
WEIGHTS = "random"  # or a torchaudio bundle name such as "WAV2VEC2_BASE", or the path of a checkpoint
SEED = 0  # the seed of random weights

# %% slideshow={"slide_type": "skip"} tags=["setup", "depends-on-weights"]
# NBVAL_CHECK_OUTPUT
weights = w2v.WeightChoice(WEIGHTS, SEED)
print(weights.banner())

# %% [markdown] slideshow={"slide_type": "slide"}
# ## A clip of speech
#
# The package ships a short clip it made itself with the espeak-ng speech synthesizer (CC0), so the
# series runs offline. `load_speech_clip` returns a mono float32 tensor of shape `[time]` and the
# sample rate, always 16 kHz: the rate every wav2vec2 model was trained on.

# %%
# NBVAL_CHECK_OUTPUT
wave, sample_rate = w2v.load_speech_clip()
print(w2v.audio.SPEECH_CLIP_TEXT)
print(f"shape {list(wave.shape)}, {sample_rate} Hz, {wave.numel() / sample_rate:.2f} s, dtype {wave.dtype}")

# %% [markdown]
# The waveform, with a grey line at the first sample of every output frame (one every 20 ms) and a
# tick at each frame's centre. The rest of the series explains where those lines come from.

# %% slideshow={"slide_type": "subslide"}
plotting.plot_waveform(wave, title="The bundled clip and its frame grid")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The extractor
#
# `load_extractor` builds the extractor of a torchaudio model family. Pretrained weights need a
# download (or a local checkpoint) that these notebooks cannot assume, so by default the weights are
# **random**, drawn from a fixed seed. Shapes, lengths and timing, the subject of this series, do
# not depend on the weights; notebook 6 says what pretrained weights would change.

# %%
# NBVAL_CHECK_OUTPUT
extractor = weights.extractor("wav2vec2_base")
print(weights.describe("wav2vec2_base"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The conv layer config
#
# Every published wav2vec2, HuBERT and WavLM model uses the same seven layers, written as
# `(out_channels, kernel_size, stride)`: `[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2`.
# The first layer reads 10 samples at a time and moves 5; the others combine 3 or 2 neighbouring
# outputs of the layer below and move 2.

# %%
# NBVAL_CHECK_OUTPUT
for i, (channels, kernel, stride) in enumerate(w2v.DEFAULT_SHAPES):
    print(f"layer {i}: Conv1d({1 if i == 0 else 512:>3} -> {channels}, kernel_size={kernel}, stride={stride})")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Run it
#
# The extractor takes `(batch, time)`. `extract_features` checks the input (mono, 16 kHz, long
# enough, no NaN) and adds the batch axis for a single clip. Out comes `(batch, frame, feature)`.

# %%
# NBVAL_CHECK_OUTPUT
features, _ = w2v.extract_features(extractor, wave)
print("in: ", list(wave.shape), "samples")
print("out:", list(features.shape), "= (batch, frame, feature)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The shape after every layer
#
# `trace_activations` runs the extractor with forward hooks and keeps every layer's output after
# the conv, after the norm (only layer 0 has one in this model) and after the GELU, each
# `[batch, channels, frames]`.

# %%
# NBVAL_CHECK_OUTPUT
trace = w2v.trace_activations(extractor, wave)
print(trace.table())

# %% [markdown]
# Each layer divides the length by its stride, roughly, and loses a little at the end because the
# convolutions have no padding. `ar.layer_output_lengths` predicts every length from the config
# alone, with `floor((L - kernel) / stride) + 1` per layer (notebook 3 derives it); the assert proves
# the prediction equals what the model produced.

# %%
# NBVAL_CHECK_OUTPUT
predicted = ar.layer_output_lengths(wave.numel())
measured = [layer.gelu.shape[-1] for layer in trace.layers]
assert predicted == measured
print(predicted)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Frames per second
#
# One frame every 320 samples means 50 frames per second of a long signal. A clip of exactly one
# second gives **49**: the first frame needs 400 samples (notebook 4), each further frame 320 more.

# %%
# NBVAL_CHECK_OUTPUT
print("frames from 1 s:", ar.num_frames(16_000))
print("frame rate of long audio:", ar.frame_rate(), "frames/s")
print("hop:", ar.hop_length(), "samples =", ar.samples_to_ms(ar.hop_length()), "ms")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The whole journey in one picture
#
# Waveform, spectrogram, then each layer's output (64 of its 512 channels), drawn at the exact time
# each output is centred on. The rows get coarser going down: layer 0 has an output every 5 samples,
# layer 6 every 320.

# %% slideshow={"slide_type": "subslide"}
plotting.plot_activations(trace, title="Waveform to frames: every layer, aligned in time")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Where the extractor sits in wav2vec2
#
# The frames feed a **feature projection** (LayerNorm, then a Linear layer from 512 to the encoder's
# width) and a Transformer **encoder**. Built on PyTorch's `meta` device, the full torchaudio model
# costs no memory, so we can look at those parts without downloading anything:

# %%
# NBVAL_CHECK_OUTPUT
import torchaudio

with torch.device("meta"):
    model = torchaudio.models.wav2vec2_base()
print(type(model.feature_extractor).__name__, "->", model.encoder.feature_projection)
print("encoder layers:", len(model.encoder.transformer.layers))

# %% [markdown] slideshow={"slide_type": "notes"}
# The extractor's 512-dim frames are what the rest of the model sees: the projection maps them to
# 768 dims (Base), a convolutional positional embedding is added, and 12 Transformer layers
# contextualize them. Pretraining masks spans of these frames; CTC fine-tuning predicts one
# character per frame. So the 20 ms frame grid is also the time resolution of every wav2vec2 output.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1
#
# How many frames does a 2-second clip at 16 kHz give? Replace the `...` and run both cells.

# %% tags=["solution"]
answer = (2 * 16_000 - 400) // 320 + 1

# %%
w2v.exercises.check_frames_for_two_seconds(answer)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2
#
# A batch of three one-second clips goes through the extractor. What is the shape of the features,
# as a tuple?

# %% tags=["solution"]
answer = (3, 49, 512)

# %%
w2v.exercises.check_batch_feature_shape(answer)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - In: mono 16 kHz samples, `(batch, time)`. Out: `(batch, frame, 512)`, one frame per 320 samples
#   (20 ms), 49 frames from one second.
# - Seven unpadded convolutions `[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2`; the length
#   after each is predictable from the config alone.
# - The frames then go to a feature projection and a Transformer encoder.
#
# **Next:** notebook 2 reads torchaudio's source of this stack, line by line.
