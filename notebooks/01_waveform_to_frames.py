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
# wav2vec2 ([Baevski et al., 2020](references.md#baevski2020)) never looks at a spectrogram. Its
# first stage is a stack of seven 1-D convolutions that turns raw 16 kHz samples into one
# 512-dimensional **feature frame** every 20 ms. This series reads torchaudio's implementation
# ([Yang et al., 2022](references.md#yang2022)) of that stage line by line; this first notebook is
# the whole journey in one pass.
#
# **You will learn** what goes in (`(batch, time)` samples), what comes out (`(batch, frame, 512)`),
# the conv layer config that gets from one to the other, the shape after every layer, which samples
# each frame sees, and where the extractor sits inside wav2vec2.
#
# **What to know first:** PyTorch tensors and `nn.Conv1d` (kernel size and stride). Nothing about
# wav2vec2.

# %% [markdown] slideshow={"slide_type": "notes"}
# Every number the prose computes from the model, its layer config or the clip is printed by a
# cell whose output `nbval` compares in CI (such cells carry a marker comment on their first line,
# hidden in these pages) or is checked by an `assert`: if such a claim stops being true, the build
# fails. Facts from outside the installed packages (fairseq's configs and key names, checked
# library versions and commits) are cited with their source, not checked. Figures and the prose
# itself are not compared. "For any weights" (every assert, and every check the banner's weights
# do not qualify) means generic weights, random or trained, not ones built to be degenerate (all
# zero); the series says this once, here. The code comes from the companion
# package `w2v2_walkthrough`; its `components` module mirrors torchaudio's feature-extractor code
# and gives bit-identical output for the same weights (notebook 2 shows both, and where the builder
# differs: its mode check and error message).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import plotting, source

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
# ## A clip of speech
#
# The package ships a short clip it made itself with the espeak-ng speech synthesizer (CC0), so the
# series runs offline. `load_speech_clip` returns a mono float32 tensor of shape `[time]` and the
# sample rate, always 16 kHz: the rate every wav2vec2-family model is trained at.

# %% tags=["lecture", "run-live", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
wave, sample_rate = w2v.load_speech_clip(AUDIO)
seconds = wave.numel() / sample_rate
print(w2v.audio.SPEECH_CLIP_TEXT if AUDIO is None else f"your recording: {AUDIO}")
print(f"shape {list(wave.shape)}, {sample_rate} Hz, {seconds:.2f} s, dtype {wave.dtype}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The frame grid
#
# The waveform, with a grey line at the first sample of every output frame (one every 20 ms) and a
# tick at each frame's centre. The rest of the series explains where those lines come from.

# %%
plotting.plot_waveform(wave, title="The bundled clip and its frame grid")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The extractor
#
# `weights.extractor(preset)` builds the extractor of a torchaudio model family with the weights
# chosen in the parameters cell (`WEIGHTS`, `SEED`). Pretrained weights need a download (or a local
# checkpoint) that these notebooks cannot assume, so by default the weights are **random**, drawn
# from a fixed seed the way these models are initialised for pre-training: not trained. Shapes,
# lengths and timing, the subject of this series, do not depend on the weights; notebook 7 says
# what pretrained weights would change.

# %% tags=["depends-on-weights"]
# NBVAL_CHECK_OUTPUT
extractor = weights.extractor("wav2vec2_base")
print(weights.describe("wav2vec2_base"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The conv layer config
#
# Seven layers, written as `(out_channels, kernel_size, stride)`:
# `[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2`. The first layer reads 10 samples at a
# time and moves 5; the others combine 3 or 2 neighbouring outputs of the layer below and move 2.
# Every torchaudio preset (wav2vec2, HuBERT ([Hsu et al., 2021](references.md#hsu2021)) and WavLM
# ([Chen et al., 2022](references.md#chen2022)), Base to XLS-R 2B
# ([Babu et al., 2021](references.md#babu2021))) uses this config:
# `tests/package/test_presets.py` checks each preset against the extractor torchaudio's own builder makes.

# %%
# NBVAL_CHECK_OUTPUT
c_in = 1
for i, (c_out, k, s) in enumerate(w2v.DEFAULT_SHAPES):
    print(f"layer {i}: Conv1d({c_in:>3} -> {c_out}, kernel_size={k}, stride={s})")
    c_in = c_out

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Run it
#
# The extractor takes `(batch, time)`. `extract_features` adds the batch axis for a single clip and
# checks the input: it refuses integer samples, 3-D input, `(time, channels)`-looking arrays, clips
# too short for one frame and NaN. It checks the sample rate you *declare* (`sample_rate`, 16 kHz
# unless you say otherwise), not the audio's real rate, so resample first; and a `(2, time)` stereo
# tensor passes as a batch of two clips. Out comes `(batch, frame, feature)`.

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
features, _ = w2v.extract_features(extractor, wave)  # (1, frame, 512)
print("in: ", list(wave.shape), "samples")
print("out:", list(features.shape), "= (batch, frame, feature)")

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## The shape after every layer
#
# `trace_activations` runs the extractor with forward hooks and keeps every layer's output after the
# conv, after the norm (in Base only layer 0 has one; the norms come below) and after the GELU, each
# `[batch, channels, positions]`: a layer's time steps are its **positions**, and only the last
# layer's positions are frames.

# %% tags=["lecture", "run-live", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
trace = w2v.trace_activations(extractor, wave)
print(trace.table())

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Predicting every length
#
# Each layer divides the length by its stride, roughly, and loses a little at the end because the
# convolutions have no padding: a conv with kernel $k$ and stride $s$ turns $L$ positions into
# $\lfloor (L - k)/s \rfloor + 1$, or none when $L < k$ (notebook 3 derives it). In the package
# that is one line:

# %%
# NBVAL_CHECK_OUTPUT
source.show(ar.conv_output_length)

# %% [markdown]
# `ar.layer_output_lengths` applies it layer after layer, from the config alone; the assert proves
# the prediction equals what the model produced.

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
predicted = ar.layer_output_lengths(wave.numel())
measured = [layer.gelu.shape[-1] for layer in trace.layers]
assert predicted == measured
print(predicted)

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Frames per second
#
# One frame every 320 samples means 50 frames per second of a long signal. A clip of exactly one
# second gives **49**: the first frame needs 400 samples (notebook 4), each further frame 320 more.
# The paper's "an encoder output frequency of 49 hz with a stride of about 20ms between each
# sample, and a receptive field of 400 input samples or 25ms of audio"
# ([Baevski et al., 2020](references.md#baevski2020), §4.2) is the source of a common 49-vs-50
# confusion: 49 is the count from one second; the rate is 50 Hz, a hop of exactly 20 ms.

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
print("frames from 1 s:", ar.num_frames(16_000))
print("frame rate of long audio:", ar.frame_rate(), "frames/s")
print("hop:", ar.hop_length(), "samples =", ar.samples_to_ms(ar.hop_length()), "ms")

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## What a frame sees
#
# The convolutions compute frame $n$ from the samples $[320n,\ 320n + 400)$, its **span**, starting
# one hop after the previous frame's, so neighbouring spans overlap by 80 samples. Taking sample $t$
# as the instant $t / 16$ ms, frame $n$ covers 25 ms of audio starting at $20n$ ms; its **centre**,
# the mean of its samples' instants, is 12.47 ms later. Notebook 4 derives the span from the layer
# config and proves its edges from the paths through the convolutions; gradients then show how much
# each sample inside it counts (its *effective* receptive field).

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
ms = ar.samples_to_ms
for n in range(3):
    start, end = ar.frame_span(n)
    centre = ms(ar.frame_center(n))  # the mean of samples start .. end - 1, in ms
    covers = f"{ms(end - start):g} ms from {ms(start):g} ms"
    print(f"frame {n}: samples [{start}, {end}) = {covers}, centre {centre:.2f} ms")
print("neighbours share", ar.frame_span(0)[1] - ar.frame_span(1)[0], "samples")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Two norm modes
#
# torchaudio builds this stack in one of two **norm modes** (notebook 2 reads the code, notebook 5
# compares them):
#
# - `group_norm` (the Base models and wav2vec2 Large): one `GroupNorm` between layer 0's conv and its
#   GELU. It normalizes each of the 512 channels by that channel's mean and variance over **all
#   positions of the clip**, then scales and shifts it by learned weights.
# - `layer_norm` (LV-60k, XLS-R, HuBERT Large and X-Large, WavLM Large): a `LayerNorm` after every
#   conv, which normalizes each position over its 512 channels, on its own.
#
# So the span is the whole story only for `layer_norm` models. Through layer 0's clip-wide
# statistics, every frame of a `group_norm` model also depends on every sample **that layer 0
# reads**: all but the last $(L - 10) \bmod 5$ samples of an $L$-sample clip, which no window of
# layer 0 reaches (notebook 3 measures the dependence). For this clip:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
_, k0, s0 = w2v.DEFAULT_SHAPES[0]
length = wave.numel()
positions = trace.layers[0].conv.shape[-1]  # layer 0's outputs, measured
read = (positions - 1) * s0 + k0  # where its last window ends
print(f"layer 0 reads samples [0, {read}) of {length}: the last {length - read} left unread")
print("(L - 10) mod 5 =", (length - k0) % s0)

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The whole journey in one picture
#
# Waveform, spectrogram, then the first 64 of each layer's 512 channels after its GELU, on one time
# axis: every spectrogram column and every position is drawn centred on its time, and each row's
# colours clip at the 1st and 99th percentiles of its non-background values. Layer 6 has a position every 320 samples; layers 0
# to 3 have one every 5 to 40 samples, more than the figure has pixels across, so their rows show
# one position in every few, not all of them: a subsampling without averaging, so fine detail in
# those rows can alias into patterns that are not in the data.

# %%
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
# contextualize them. Pretraining masks spans of these time steps (after a projection); CTC fine-tuning predicts one token
# (or the CTC blank) per frame. So the 20 ms frame grid is also the time resolution of every
# wav2vec2 output.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### In training: a slowed, then frozen, extractor
#
# In pre-training fairseq multiplies the gradient that reaches the extractor by `feature_grad_mult`
# (0.1 in the Base configs), and fine-tuning sets it to 0, which runs the extractor without
# gradients: the conv stack is frozen (fairseq's `Wav2Vec2Model.forward`,
# `fairseq/models/wav2vec/wav2vec2.py`: `features = GradMultiply.apply(features,
# self.feature_grad_mult)`, else `with torch.no_grad()`). fairseq is not installed here; torchaudio's
# HuBERT pre-training model has the same multiplier, 0.1 by default in `hubert_pretrain_base`:

# %%
# NBVAL_CHECK_OUTPUT
from torchaudio.models.wav2vec2 import model as ta_model

print(source.library_part(ta_model.HuBERTPretrainModel.forward, "x, lengths =", "features_pen"))
print(source.library_part(ta_model.hubert_pretrain_base, "feature_grad_mult", "num_classes"))

# %% [markdown] slideshow={"slide_type": "subslide"}
# Hugging Face's fine-tuning example scripts call `model.freeze_feature_encoder()` by default
# (`--freeze_feature_encoder`, default `True`), which switches the conv
# stack's gradients off (read from the installed transformers, without importing it):

# %%
# NBVAL_CHECK_OUTPUT
hf = "transformers.models.wav2vec2.modeling_wav2vec2"
print(source.installed_part(hf, "Wav2Vec2Model.freeze_feature_encoder"))
print(source.installed_part(hf, "Wav2Vec2FeatureEncoder._freeze_parameters"))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### A naming trap in Hugging Face
#
# In transformers, `Wav2Vec2FeatureExtractor` is the **preprocessor** (padding, `do_normalize`, the
# attention mask), not this stack. The conv stack is `Wav2Vec2FeatureEncoder`, still stored under
# the attribute name `feature_extractor`, so a CTC model's extractor is
# `model.wav2vec2.feature_extractor`:

# %%
# NBVAL_CHECK_OUTPUT
print(source.installed_part(hf, "Wav2Vec2ForCTC.__init__", "self.wav2vec2", "self.dropout"))
print(source.installed_part(hf, "Wav2Vec2Model.__init__", "self.feature_extractor", "self.feature_p"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - In: mono 16 kHz samples, `(batch, time)`. Out: `(batch, frame, 512)`, one frame per 320 samples
#   (20 ms), 49 frames from one second.
# - Seven unpadded convolutions `[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2`, the same
#   in every torchaudio preset; each layer turns $L$ positions into $\lfloor (L - k)/s \rfloor + 1$.
# - The convolutions of frame $n$ see samples $[320n,\ 320n + 400)$: 25 ms of audio from $20n$ ms,
#   centred 12.47 ms later. That is all a frame of a `layer_norm` model depends on; in `group_norm`
#   models (Base) every frame also depends on every sample layer 0 reads (all but the last
#   $(L - 10) \bmod 5$), through layer 0's GroupNorm statistics.
# - The frames then go to a feature projection and a Transformer encoder. Pre-training scales the
#   extractor's gradient (`feature_grad_mult`), fine-tuning freezes it; in Hugging Face it is
#   `Wav2Vec2FeatureEncoder` (`Wav2Vec2FeatureExtractor` is the preprocessor).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: frames from a length
#
# Write `frames_for(num_samples)`: how many frames the extractor gives for a clip of `num_samples`
# samples. Use only the layer config `w2v.DEFAULT_SHAPES` and integer arithmetic: no model, and not
# the package's `ar` functions. The checker runs your function on many lengths, short and long.


# %% tags=["solution"]
def frames_for(num_samples):
    """The number of frames the extractor gives for num_samples samples (0 if too short)."""
    length = num_samples
    for _, kernel, stride in w2v.DEFAULT_SHAPES:
        length = max(0, (length - kernel) // stride + 1)
    return length


# %%
w2v.exercises.check_frames_for(frames_for)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture", "predict"]
# ### Exercise 2: predict, then run
#
# Take the first second of the clip and replace its **last 240 samples** with noise. In the
# `layer_norm` model `wav2vec2_large_lv60k`, how many frames change? And if you replace the last
# **241** samples? Predict both, as a tuple `(frames changed for 240, frames changed for 241)`,
# before you run the computation under the checker.

# %% tags=["solution"]
prediction = (0, 1)

# %%
w2v.exercises.check_tail_prediction(prediction)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture", "after-answer"]
# ### Exercise 2, after you answer: changing the tail
#
# Run it in the `layer_norm` model and in Base (`group_norm`); a frame counts as changed when any of
# its 512 values changed.

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
second = wave[:16_000]
noise = 0.1 * torch.randn(16_000, generator=torch.Generator().manual_seed(0))
tails = [240, 241]
batch = torch.stack([second] + [torch.cat([second[:-t], noise[-t:]]) for t in tails])  # (3, T)
for preset in ["wav2vec2_large_lv60k", "wav2vec2_base"]:
    feats, _ = w2v.extract_features(weights.extractor(preset), batch)  # (3, frame, 512)
    changed = (feats[1:] != feats[:1]).any(dim=-1).sum(dim=-1)  # frames with any new value
    mode = w2v.get_preset(preset).norm_mode
    for tail, n in zip(tails, changed.tolist(), strict=True):
        print(f"{preset} ({mode}), last {tail} new: {n} of {feats.shape[1]} frames change")

# %% [markdown]
# In the `layer_norm` model only frames whose span holds a changed sample change (the 0 is
# structural: no path). In Base all do: layer 0's GroupNorm statistics gather every sample layer 0
# reads. (The changes need generic weights, random or trained; all-zero weights change nothing.)
#
# **Next:** notebook 2 reads torchaudio's source of this stack, line by line.
