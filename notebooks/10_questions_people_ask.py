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
#     summary: eleven questions from public issue trackers, each answered by a computation
#       with the package
# ---

# %% [markdown] slideshow={"slide_type": "slide"}
# # 10. Questions people ask
#
# Eleven questions asked on public issue trackers about wav2vec2's feature extractor, each cited as
# `owner/repo#number` (a GitHub issue or pull request), quoted briefly, and answered by a
# computation with the package. Each answer says only what its cell shows.
#
# **You will learn** why one second gives 49 frames; where each frame is in time; what a wrong
# sample rate does to the frame count; how short an input can be; why padded batches change
# group_norm features; whether the ASR pipeline's chunking gives the same features; how to get a
# frame-level mask; what torchaudio's `lengths` is; and what skipping the input normalisation
# changes.
#
# **What to know first:** notebooks 3 (lengths), 5 (the two norm modes) and 9 (the Hugging Face
# names).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import torch
import torchaudio

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import compare, questions, source
from w2v2_walkthrough import huggingface as hf

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
# ## 1. How much time does one vector cover?
#
# > "How much time does each vector correspond to in the pretrained wav2vec 2.0 models? And what
# > is the vector dimension?" (facebookresearch/fairseq#2556)

# %%
# NBVAL_CHECK_OUTPUT
speech, _ = w2v.load_speech_clip(AUDIO)  # (T,) at 16 kHz
features, _ = w2v.extract_features(weights.extractor("wav2vec2_base"), speech[:16_000])
print("1 s of audio ->", list(features.shape), "= [batch, frame, feature]")
window, hop = ar.samples_to_ms(ar.receptive_field()), ar.samples_to_ms(ar.hop_length())
print(f"each frame sees {window} ms; a new frame starts every {hop} ms")
base, large = (questions.bundle_params(b) for b in ("WAV2VEC2_BASE", "WAV2VEC2_LARGE"))
print(f"transformer width: Base {base['encoder_embed_dim']}, Large {large['encoder_embed_dim']}")
kernel = base["encoder_pos_conv_kernel"]  # frames
print(f"its positional conv: {kernel} frames = {kernel * hop / 1000:g} s; attention: all frames")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 1
#
# Each vector of the conv feature extractor sees a 25 ms window (400 samples at 16 kHz), a new one
# starts every 20 ms (320 samples), so neighbouring windows overlap by 5 ms; each extractor vector
# has 512 dimensions. The same asker's later issues are about these extractor vectors: "400 audio
# samples corresponds to a 512-dimensional vector" (facebookresearch/fairseq#2790, question 6).
# The model's output vectors, those of the transformer encoder after the extractor, have 768
# dimensions in Base and 1024 in Large, as torchaudio's builders configure them
# (`encoder_embed_dim`).
#
# Those output vectors sit on the same 20 ms grid, one per frame, but none of them covers 25 ms:
# each depends on the whole utterance. Self-attention mixes every frame, and the convolutional
# positional embedding before it alone spans 128 frames, 2.56 s (printed above). "Time per vector"
# is the grid step; where a trained model's evidence for a vector sits is learned.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 2. Why 49 per second, and 999 for 20 s?
#
# > The answer in facebookresearch/fairseq#2556: "for each 1 second of audio, you get about 49
# > timesteps". In mkunes/w2v2_audioFrameClassification#4 a maintainer sees "only 999 values for
# > 20s of speech" and guesses "the actual audio context is larger (25ms?)".

# %%
# NBVAL_CHECK_OUTPUT
for seconds in [1, 20]:
    n = seconds * 16_000
    print(f"{seconds:>2} s: n // 320 = {n // 320:>4}, frames = {ar.num_frames(n)}")
print("samples for 50 frames:", ar.min_samples_for_frames(50))
print("samples for 1000 frames:", ar.min_samples_for_frames(1000))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 2
#
# The guess is right: the last window must fit whole, so frames $= \lfloor (n - 400)/320 \rfloor
# + 1$, which for $n$ a multiple of 320 is $n/320 - 1$: always one short of $n / 320$. 50 frames
# need 16 080 samples, 1000 need 320 080.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 3. Is the first frame centred at 10 ms?
#
# > "I know the hop-size is 20ms, but is the first embedding centered at 10ms? … 31439 samples =>
# > 97 embeddings … 31440 samples => 98 embeddings" (speechbrain/speechbrain#966)

# %%
# NBVAL_CHECK_OUTPUT
for n in [31_439, 31_440]:
    print(f"{n} samples -> {ar.num_frames(n)} frames")
print("400 + 320 x 97 =", 400 + 320 * 97)
start, end = ar.frame_span(0)
centre = ar.frame_center(0)  # the mean of samples 0..399
print(f"frame 0 reads samples [{start}, {end}) = [{start / 16:g}, {end / 16:g}) ms")
print(f"its centre: sample {centre} = {ar.samples_to_ms(centre):.2f} ms", end=" ")
print(f"({ar.samples_to_ms(end / 2):g} ms with each sample a 1/16 ms interval)")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 3
#
# A frame is added each time the length reaches $400 + 320k$: 31 440 is exactly $400 + 320 \cdot
# 97$, the length at which frame 97 (the 98th) fits. Sample $t$ is the instant $t / 16000$ s, so
# frame 0 reads the 25 ms starting at 0 ms, and its centre, the mean of its samples' instants, is
# sample 199.5 = 12.47 ms (12.5 ms by the other convention: notebook 3, *Start and centre*). Not
# 10 ms: frame $i$'s centre is $20 i + 12.47$ ms. That is the
# window's geometry; where a trained model's evidence sits inside the window is learned.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 4. 644 frames for 9.36 s?
#
# > "My audio: 000100126.WAV have duration: **9.36s**, sample_rate **16000**", and the output has
# > 644 frames where 20 ms frames suggest about 467. The code reads the file with
# > `librosa.load(path)`. (TencentGameMate/chinese_speech_pretrain#30)

# %%
# NBVAL_CHECK_OUTPUT
seconds = 9.36
print("9.36 s at 16 kHz ->", ar.num_frames(round(seconds * 16_000)), "frames")
for rate in [8_000, 11_025, 16_000, 22_050, 24_000, 32_000, 44_100, 48_000]:
    if ar.num_frames(round(seconds * rate)) == 644:
        print(f"644 frames <- {seconds} s at {rate} Hz read as 16 kHz: {rate / 16_000:.3f} x")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 4
#
# Of the common rates, only 22 050 Hz turns 9.36 s into 644 frames,
# $\lfloor (9.36 \cdot 22050 - 400)/320 \rfloor + 1$. `librosa.load` resamples to its default
# `sr=22050` unless told otherwise (librosa's documentation), so the model got 22.05 kHz samples
# as if they were 16 kHz: 1.378 times as many samples per second of speech, hence more frames,
# and speech slowed down by that factor. Load with `sr=16000`, or with `w2v.load_audio(path)`,
# which resamples to 16 kHz.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 5. What time does frame *i* have?
#
# > "…it would be of great help if I can get the time offsets of start and end of each word"
# > (huggingface/transformers#11307)

# %% [markdown]
# With `return_timestamps="char"` or `"word"`, the ASR pipeline's `postprocess` turns each token's
# frame offsets into seconds. Its `align_to` is the pipeline's `_align_to`, the model config's
# `inputs_to_logits_ratio`: the hop, 320 samples (notebook 9).

# %%
# NBVAL_CHECK_OUTPUT
pipeline = hf.asr_pipeline()  # offline: a tiny CTC model, Base's kernels and strides, 2 channels
source.library_part(pipeline.postprocess, "align_to = self._align_to", "chunks.append")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 5, run: the pipeline's own code
#
# A made-up greedy CTC output, one label per frame (notebook 3's): 10 frames blank, 3 frames "h",
# 5 blank, 2 frames "i". `hf.pipeline_timestamps` runs the `postprocess` above on it, with a CTC
# tokenizer over these labels and the Base config:

# %%
# NBVAL_CHECK_OUTPUT
ctc = ["-"] * 10 + ["h"] * 3 + ["-"] * 5 + ["i"] * 2  # "-" is the CTC blank
for chunk in hf.pipeline_timestamps(ctc, hf.preset_config("wav2vec2_base")):
    text, (start_s, stop_s) = chunk["text"], chunk["timestamp"]
    first, last = ctc.index(text), len(ctc) - 1 - ctc[::-1].index(text)  # the token's run
    start_ms, end_ms = ar.frame_start(first) / 16, ar.frame_span(last)[1] / 16
    centre_ms = ar.samples_to_ms(ar.frame_center(first))
    print(f"{text!r}: pipeline ({start_s}, {stop_s}) s | frames {first}-{last} read ", end="")
    print(f"[{start_ms:g}, {end_ms:g}) ms; frame {first}'s centre {centre_ms:.2f} ms")
    assert start_s == ar.frame_start(first) / 16_000  # a frame's start, exactly


# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 5
#
# The pipeline gives a token whose run starts at frame $i$ the time
# $i \cdot$ `inputs_to_logits_ratio` / `sampling_rate` $= 20 i$ ms (`postprocess`, lines 734–740
# of `pipelines/automatic_speech_recognition.py`, shown above): the **start** of frame $i$'s window
# $[20 i, 20 i + 25)$ ms. The window's centre, the mean of its samples' instants (sample $t$ at
# $t / 16000$ s), is 12.47 ms later. The stop is the start of the frame after the run (260 ms for
# "h"), 5 ms before the run's last window ends. Arithmetic gives the windows; when a trained model's
# output for a word fires within them is learned, and nothing here shows it (random weights). For
# word boundaries, align the transcript to the emissions with
# `torchaudio.functional.forced_align` (CTC forced alignment) rather than reading greedy offsets.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 6. How short can the input be?
#
# > Pretrained Large: 400 samples give one vector; the fine-tuned 960 h model needs "around 460"
# > and raises `… Kernel size: (4). Kernel size can't be greater …` (facebookresearch/fairseq#2790)

# %%
# NBVAL_CHECK_OUTPUT
extractor = weights.extractor("wav2vec2_large")
for n in [399, 400, 720]:
    try:
        with torch.no_grad():  # the module itself, without the package's friendly input check
            print(f"{n} samples -> {extractor(torch.zeros(1, n), None)[0].shape[1]} frame(s)")
    except RuntimeError as err:
        print(f"{n} samples -> RuntimeError: {str(err).rsplit('. ', 1)[0]} ...")
one_stack = {p.shapes for p in w2v.PRESETS.values()} == {tuple(w2v.DEFAULT_SHAPES)}
print("kernels:", sorted({k for _, k, _ in w2v.DEFAULT_SHAPES}), "| in every preset:", one_stack)
pre, fine = (questions.bundle_params(b) for b in ("WAV2VEC2_LARGE", "WAV2VEC2_ASR_LARGE_960H"))
same = all(pre[k] == fine[k] for k in pre if k.startswith("extractor"))
print("torchaudio's Large, pretrained and fine-tuned on 960 h: same extractor config:", same)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 6, continued: whose kernel is 4?
#
# No layer of a wav2vec **2.0** extractor has kernel 4: with 399 samples a kernel-2 layer gets a
# single position (the message's "(1)" and "(2)"), and torchaudio's fine-tuned Large has the same
# extractor config as the pretrained one. wav2vec **1.0**'s encoder has kernel-4 layers: fairseq's
# `Wav2VecConfig.conv_feature_layers` defaults to (10, 5), (8, 4), (4, 2) × 3, then three 1 × 1
# layers (`fairseq/models/wav2vec/wav2vec.py`). `questions.wav2vec1_encoder` builds those convs
# (norm and ReLU change no length):

# %%
# NBVAL_CHECK_OUTPUT
encoder, shapes = questions.wav2vec1_encoder(), questions.WAV2VEC1_SHAPES
print("wav2vec 1.0 (kernel, stride):", [(k, s) for _, k, s in shapes])
for n in [400, 464, 465]:
    try:
        with torch.no_grad():
            print(f"{n} samples -> {encoder(torch.zeros(1, 1, n)).shape[2]} vector(s)")
    except RuntimeError as err:
        print(f"{n} samples -> RuntimeError: {str(err).rsplit('. ', 1)[0]} ...")
print("positions per layer at 400 samples:", ar.layer_output_lengths(400, shapes)[:4], "...")
print("fewest samples for one vector:", ar.min_samples_for_frames(1, shapes))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 6
#
# The error is wav2vec 1.0's encoder's, not wav2vec 2.0's. Every wav2vec 2.0 preset, pretrained or
# fine-tuned, gives one frame from 400 samples and two from 720. The asker's message (3 positions
# into a kernel-4 layer at 400 samples) and minimum ("around 460") are exactly those of wav2vec
# 1.0's stack: at 400 samples its layers get 79, 18, 8 and then 3 positions, and it needs 465
# samples (printed above). So the asker most likely built a wav2vec 1.0-shaped encoder for the
# 960 h checkpoint, for instance with wav2vec 1.0's model class or its default config. We did not
# reproduce their setup, but the same asker's earlier issue points there: with vq-wav2vec's
# `model.feature_extractor`, wav2vec 1.0's stack, "465 frames of raw audio results in 1 feature
# vector" (facebookresearch/fairseq#2629), the minimum printed above.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## 7. Why do batched and single outputs differ?
#
# > "Wav2vec2 output is affected by zero-padding": an 11 000-sample clip in a batch padded to
# > 22 000 gives other features than alone (pytorch/audio#2242); huggingface/transformers#21534
# > reports the same for `feat_extract_norm == "group"`.

# %% tags=["depends-on-weights", "lecture", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
clip = speech[8_000:10_000]  # (T,) 0.125 s, padded to twice its length as in the issue
batch = torch.zeros(2, 4_000)  # (B, T)
batch[0, :2_000], batch[1] = clip, speech[16_000:20_000]
for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
    extractor = weights.extractor(preset)
    alone, _ = w2v.extract_features(extractor, clip)  # (1, F, C)
    padded, _ = w2v.extract_features(extractor, batch)  # (2, F', C)
    change = compare.difference(padded[0, : alone.shape[1]], alone[0]).relative
    mode = w2v.get_preset(preset).norm_mode
    print(f"{preset} ({mode}), {weights.label_for(preset)}:")
    print(f"    padding changes the clip's frames by {change:.1e} (relative)")
    assert mode == "group_norm" or change < 1e-5  # layer_norm: float rounding, for any weights

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 7
#
# In the group_norm model the clip's frames change: layer 0's GroupNorm statistics run over every
# position, padding included, and no mask reaches the conv feature encoder (notebook 9). The
# layer_norm model normalises each position over its channels alone, so frames whose windows lie
# inside the clip keep their values, up to float rounding. `lengths` (HF: `attention_mask`) fixes
# the frame *counts* for every model, not the *values* of a group_norm model's valid frames; how
# much they move depends on the weights and the amount of padding (notebook 5). HF's own policy
# for group_norm checkpoints is not to pass `attention_mask` at all: their processors set
# `return_attention_mask=False`, since those models "should never make use of `attention_mask`"
# (huggingface/transformers#10117). The fix the issue's
# asker was after, a GroupNorm whose statistics skip the padding, is `w2v.exact_batch(model)`: it
# wraps a whole torchaudio or HF model so that every item of a padded batch gets what it gets
# alone, up to float32 rounding (notebook 6).
#
# This is about the conv features only. Later in huggingface/transformers#21534 a user reports a
# different WER with and without padding for `wav2vec2-large-960h-lv60-self`, a layer_norm model:
# end to end (the transformer encoder, its mask, the processor), nothing here shows layer_norm
# models immune.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 8. Does the pipeline's chunking give the same features?
#
# > "`chunk_length_s=None` and `chunk_length_s=10` should yield the same (or similar) results"
# > (huggingface/transformers#16671)
#
# That issue, "End of transcripts missing when chunking enabled", was a bug in the pipeline's
# post-processing (huggingface/transformers#16726 locates it there). The question under it stays:
# does chunking give the same features? The pipeline chunks only when `chunk_length_s` is set;
# the stride then defaults to a sixth of it:

# %%
# NBVAL_CHECK_OUTPUT
print(source.library_part(pipeline.preprocess, "def preprocess", "if isinstance(inputs, str)"))
print(source.library_part(pipeline.preprocess, "if chunk_length_s:", "if isinstance(stride_length_s"))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 8, the chunks
#
# transformers' own chunking code cuts a 0.4 s clip, scaled down from the issue's 10 s chunks:
# 0.2 s chunks with 0.04 s strides, then (last line) with no stride:

# %%
# NBVAL_CHECK_OUTPUT
clip = speech[8_000:14_400]  # (T,) 0.4 s
lv60k = weights.extractor("wav2vec2_large_lv60k")
stitched, chunks = hf.pipeline_features(lv60k, clip, chunk_length_s=0.2, stride_length_s=0.04)
for c in chunks:
    where = f"chunk at sample {c.start:>4} = frame {c.start / 320:>4}"
    print(f"{where}: {c.num_samples} samples, keeps its frames {c.keep}")
print("frames stitched:", len(stitched), "| frames of the clip:", ar.num_frames(len(clip)))
no_stride, _ = hf.pipeline_features(lv60k, clip, chunk_length_s=0.2, stride_length_s=0)
print("stride 0: frames stitched:", len(no_stride))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 8, continued: the values
#
# Each setting's stitched frames against the whole clip's (normalised once, when the setting
# normalises); the first reuses the chunks above:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
runs = [("wav2vec2_large_lv60k", False, stitched, w2v.extract_features(lv60k, clip)[0])]
for preset, normalise in [("wav2vec2_large_lv60k", True), ("wav2vec2_base", False)]:
    extractor = weights.extractor(preset)
    chunked, _ = hf.pipeline_features(extractor, clip, 0.2, 0.04, do_normalize=normalise)
    whole, _ = w2v.extract_features(extractor, hf.processor_input(clip, normalise))
    runs.append((preset, normalise, chunked, whole))
for preset, normalise, chunked, whole in runs:
    change = compare.difference(chunked, whole[0]).relative
    print(f"{preset:<21} do_normalize={normalise!s:<5} {change:.1e}  {weights.label_for(preset)}")
    assert normalise or w2v.get_preset(preset).norm_mode == "group_norm" or change < 1e-5  # rounding

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 8
#
# After that fix, remaining differences between transcripts can come from the transformer seeing
# only its chunk: every output vector depends on the whole input (question 1), and a chunk is a
# shorter input. That is not computed here; the conv features are, and they can be made to match.
#
# The pipeline rounds chunk and stride lengths to multiples of `inputs_to_logits_ratio` = 320
# samples, so every chunk starts on the frame grid. To decide which frames of a chunk to keep, it
# converts samples to frames in `rescale_stride` by dividing by 320 and rounding, so it counts
# $n / 320$ frames in a chunk of $n$ samples. A chunk of $n$ samples has $n / 320 - 1$ frames
# (question 2): the count is one too high. With a stride of at least 320 samples this does no harm:
# every kept slice ends inside the chunk's frames, and the kept frames tile the whole clip's frames
# exactly. With a stride that rounds to 0, each kept slice runs to that non-existent last frame, and
# the frame straddling each boundary is lost: 18 of 19 frames above.
#
# For the layer_norm model without normalisation the stitched frames are the whole clip's, up to
# float rounding. With `do_normalize`, the processor runs on every chunk, so each chunk is
# normalised by its own mean and variance, and the frames change. In the group_norm model each
# chunk's GroupNorm statistics differ from the whole clip's: they change too.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 9. How do I get the frame-level mask?
#
# > "…if I want to use all Wav2Vec 2.0 outputs (last_hidden_state), I need access to the updated
# > attention mask. Currently the workaround is to call the private method
# > `._get_feature_vector_attention_mask()`" (huggingface/transformers#25307)

# %%
# NBVAL_CHECK_OUTPUT
lengths = torch.tensor([16_000, 8_000, 5_000])  # samples of each row of a batch padded to 1 s
attention_mask = (torch.arange(16_000) < lengths[:, None]).long()  # (B, T), as processors do
config = hf.preset_config("wav2vec2_base")
theirs = hf.feature_vector_mask(config, attention_mask, num_frames=49)  # the private method
counts = hf.output_lengths(config, attention_mask.sum(-1))  # _get_feat_extract_output_lengths
user = torch.arange(49) < counts[:, None]  # (B, F): the HF user's way
frames = torch.tensor([ar.num_frames(int(n)) for n in lengths])  # or torchaudio's lengths
ours = torch.arange(49) < frames[:, None]  # (B, F)
print("valid frames:", frames.tolist())
same = torch.equal(theirs, user) and torch.equal(user, ours)
print("HF's mask == the user's == arange(49) < frames:", same)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 9, the method's code
#
# It counts each row's samples (`non_padded_lengths`), turns the counts into frames with
# `self._get_feat_extract_output_lengths` (`output_lengths`, notebook 9), and builds the mask:

# %%
# NBVAL_CHECK_OUTPUT
model_class = hf.modeling().Wav2Vec2PreTrainedModel
source.library_part(model_class._get_feature_vector_attention_mask, "attention_mask = torch.zeros")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 9
#
# The method turns each row's sample count into frames with `_get_feat_extract_output_lengths`
# (notebook 9), writes a 1 at index `output_lengths - 1`, and flip, cumsum, flip
# marks every index up to that one. For rows of at least 400 samples that is notebook 3's frame
# count turned into a mask: frame $t$ is valid when $t < \lfloor (n - 400)/320 \rfloor + 1$.
# `_get_feat_extract_output_lengths` is a private method of `Wav2Vec2PreTrainedModel` too (the
# cell above calls both through `hf`). The public route: compute the counts from
# `config.conv_kernel` and `config.conv_stride` with notebook 3's floor formula, layer by layer,
# or with `ar.num_frames`, and write `mask = torch.arange(F) < frames[:, None]`; with torchaudio,
# take its `lengths` output (next question) and compare with `arange` the same way.
# Exercise 2 asks what the code does with a row
# shorter than 400 samples.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## 10. What does `lengths` mean?
#
# > "I need more in-detailed explanation about `length`. Is it a sample rate?" (pytorch/audio#1889)

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
extractor = weights.extractor("wav2vec2_base")
batch = torch.zeros(2, 2_000)  # (B, T): rows of 1 200 and 2 000 samples, zero-padded
batch[0, :1_200], batch[1] = speech[8_000:9_200], speech[16_000:18_000]
lengths = torch.tensor([1_200, 2_000])
with_lengths, frames = w2v.extract_features(extractor, batch, lengths=lengths)
without, no_frames = w2v.extract_features(extractor, batch)
print("lengths", lengths.tolist(), "(samples) -> valid frames", frames.tolist())
print("without lengths:", no_frames)
print("features identical with and without lengths:", torch.equal(with_lengths, without))
assert "transformer" in torchaudio.models.Wav2Vec2Model.extract_features.__doc__  # name clash

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 10
#
# `lengths` is how many samples of each row of a zero-padded batch are real: a count in samples,
# not a rate. The extractor turns it into valid frames with the per-layer floor formula, clamped
# at 0; the features are the same with or without it, since the convs run over the padding either
# way. So `lengths` fixes the frame counts for every model; the values of a group_norm model's
# valid frames still depend on the padding (question 7).
#
# In the whole model, `lengths` does change the outputs: the maintainer's answer in the thread
# points to where torchaudio's transformer uses the frame counts to mask the padded frames in
# attention. Mind a name clash there: torchaudio's `Wav2Vec2Model.extract_features(waveforms,
# lengths)` returns the **transformer** layers' outputs (its docstring: "the list of outputs from the
# intermediate layers of transformer block in encoder"), while this package's `w2v.extract_features`
# returns the conv extractor's frames.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## 11. Can I skip the processor's normalisation?
#
# > GPT-SoVITS runs a HuBERT Base-architecture model (TencentGameMate/chinese-hubert-base) on raw
# > samples, though the snippet on its model page calls `Wav2Vec2FeatureExtractor` first, with its
# > zero-mean, unit-variance normalisation: "So why we SKIP 'feature_extractor' here?"
# > (RVC-Boss/GPT-SoVITS#831)

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
clip = speech[8_000:10_000]  # (T,)
for preset in ["hubert_base", "hubert_large", "wav2vec2_large_lv60k"]:
    extractor, p = weights.extractor(preset), w2v.get_preset(preset)
    raw, _ = w2v.extract_features(extractor, clip)
    normalised, _ = w2v.extract_features(extractor, hf.processor_input(clip, True))
    louder, _ = w2v.extract_features(extractor, 10 * clip)
    change, x10 = (compare.difference(f, raw).relative for f in (normalised, louder))
    arch = f"({p.norm_mode}, bias={p.bias!s:<5})"
    print(f"{preset:<21} {arch} {change:.1e} x10 {x10:.1e}  {weights.label_for(preset)}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### 11, continued: filters the clip barely excites
#
# Random filters are broadband: every channel sees some of the clip. A trained layer 0 looks more
# like a filter bank. `questions.checkpoint_like` builds one on purpose: hubert_base's architecture
# with mel-spaced Hann-windowed cosines as layer 0 and a GroupNorm $\beta$ drawn with std 1 (0 at
# init). The cell counts the layer-0 channels whose variance over the clip is below
# $100\,\epsilon$, and measures what `do_normalize` and a 10× gain change, for it and for random
# filters (seed 0, whatever `WEIGHTS` says):

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
like = questions.checkpoint_like("hubert_base", beta_std=1.0)  # mel Hann cosines, beta ~ N(0, 1)
random_filters = w2v.random_extractor("hubert_base", 0)  # on purpose, whatever WEIGHTS says
models = {"random filters (seed 0)": random_filters, "checkpoint-like": like}
for name, model in models.items():
    r = questions.normalisation_changes(model, clip)
    print(f"hubert_base, {name}: {r['quiet']} of 512 layer-0 channels below 100 eps")
    print(f"    do_normalize changes the features {r['do_normalize']:.2%}, x10 {r['x10']:.2%}")
print(f"checkpoint-like: its channels below 100 eps peak at {r['quiet_from_hz']:g} Hz and above")
print(f"exact zeros in the whole speech clip: {float((speech == 0).float().mean()):.1%}")
print(f"this clip's std {float(clip.std()):.3f}: do_normalize is about a x{1 / clip.std():.1f} gain")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Answer 11
#
# Whether skipping it is right depends on how that checkpoint was pre-trained (its
# `preprocessor_config.json`, its training recipe), which this notebook cannot check offline.
# For fairseq's LibriSpeech HuBERT Base, a different model, it is: fairseq pre-trained it with
# `normalize: false` (`examples/hubert/config/pretrain/hubert_base_librispeech.yaml`, commented
# "must be consistent with extractor"), so raw samples are what it saw. Models pre-trained with
# `normalize: true` (LV-60k, HuBERT Large) need it (notebook 6).

# %% [markdown] slideshow={"slide_type": "subslide"}
# How much it would change: normalising subtracts the clip's mean and divides by its standard
# deviation. Through hubert_base's bias-free first conv that becomes a constant per channel and one
# common scale, which GroupNorm's per-channel mean and variance over time remove, except through
# its $\epsilon = 10^{-5}$: GroupNorm divides by $\sqrt{\sigma_c^2 + \epsilon}$, so a channel
# whose variance $\sigma_c^2$ over the clip is not far above $\epsilon$ still changes. The channel
# variances decide, and they scale with the gain squared: a filter the clip barely excites (here
# the mel bank's high filters, printed above, where this synthetic speech has little energy) has a
# variance small relative to the other channels at any level; whether it is small against
# $\epsilon$ depends on the level. In this model the mean shift cancels, so `do_normalize` acts as
# a gain of 1/std (printed above), which is why its column is close to the x10 one. The
# checkpoint-like layer 0 has many such channels, and
# its features move by far more than those of random filters (printed above); run the series with
# pretrained weights to see where a trained model falls (the table above). How many channels are
# near $\epsilon$ depends on the clip as much as on the weights; so does the share of exact zeros
# (this clip has a -60 dBFS noise floor, hence few).
#
# The $\epsilon$ breaks the scaling in layer_norm models too: LayerNorm divides each position by
# $\sqrt{\sigma_t^2 + \epsilon}$ over its channels, so quiet positions change with the level, bias
# or no bias (hubert_large's x10 column at the top). There the per-channel constant of the mean
# shift does not cancel either, and a conv bias breaks the scaling before any norm.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - A frame sees 25 ms and starts every 20 ms; the transformer's outputs sit on the same grid but
#   each depends on the whole utterance. $n$ samples give $\lfloor (n - 400)/320 \rfloor + 1$
#   frames (49 for 1 s, 999 for 20 s), and the 98th frame appears at 31 440 samples.
# - 644 frames for 9.36 s is what 22.05 kHz samples (librosa's default rate) read as 16 kHz give.
# - Frame $i$'s window is $[20 i, 20 i + 25)$ ms, its centre $20 i + 12.47$ ms; the ASR
#   pipeline's timestamps are window starts (offset x `inputs_to_logits_ratio` / `sampling_rate`);
#   for word boundaries use `torchaudio.functional.forced_align`.
# - Fewer than 400 samples: the length arithmetic (`ar.num_frames`, torchaudio's `lengths`) gives
#   0 frames, and the modules raise a `RuntimeError`, in every preset.
# - Padding and chunking change group_norm features and leave layer_norm conv features alone (up
#   to float rounding); per-chunk `do_normalize` changes both. With a stride of at least one hop,
#   the chunks' kept frames tile the clip's.
# - For rows of at least 400 samples HF's frame mask is `arange(F) < frames`; `lengths` is
#   samples in, valid frame counts out.
# - Skipping `do_normalize` cancels out in group_norm, bias-free models except through GroupNorm's
#   $\epsilon$: how much is left depends on the layer-0 channel variances (the weights and the
#   clip), and grows with the channels a clip barely excites; in layer_norm models it does not
#   cancel. Match the checkpoint's pre-training (fairseq's LibriSpeech HuBERT Base: `normalize: false`).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 1: where the pipeline cuts
#
# Write `chunk_starts(num_samples, chunk_length_s, stride_length_s)`: the first sample of every
# chunk HF's ASR pipeline cuts from `num_samples` samples at 16 kHz (left and right strides both
# `stride_length_s`). `preprocess` turns the seconds into samples with the lines printed first
# below (`align_to` is 320 for wav2vec2, `sampling_rate` 16 000; mind which rounding Python's `round`
# does); the loop that cuts, transformers' `chunk_iter`, follows. The checker runs transformers' own
# chunking on lengths on and off the 320-sample grid.

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
from transformers.pipelines.automatic_speech_recognition import chunk_iter

part = source.library_part
print(part(pipeline.preprocess, "align_to = self._align_to", "if chunk_len < stride_left"))
print(part(chunk_iter, "def chunk_iter", "chunk = inputs["))
print(part(chunk_iter, "is_last = chunk_end_idx", "chunk_len = chunk.shape"))
print(part(chunk_iter, "if is_last:"))

# %% [markdown] slideshow={"slide_type": "subslide"}
# The last two parts run inside the loop, after the chunk is cut. Your function:


# %% tags=["solution"]
def chunk_starts(num_samples, chunk_length_s, stride_length_s):
    """First sample of each chunk the ASR pipeline cuts (16 kHz, 320 samples per frame)."""
    chunk = round(chunk_length_s * 16_000 / 320) * 320
    stride = round(stride_length_s * 16_000 / 320) * 320
    starts = [0]
    while starts[-1] + chunk < num_samples:
        starts.append(starts[-1] + chunk - 2 * stride)
    return starts


# %%
w2v.exercises.check_chunk_starts(chunk_starts)

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: predict, then run
#
# A 300-sample clip is batched with a 1 s clip and padded to 16 000
# samples. How many of the 49 frames does HF's `_get_feature_vector_attention_mask` (its code is
# in question 9) mark valid for the short clip? (It has no frame at all: 300 < 400.)

# %% tags=["solution"]
prediction = 49

# %%
w2v.exercises.check_short_clip_mask(prediction)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 2, after you answer: run it
#
# The mask HF builds, and the package's counts:

# %%
# NBVAL_CHECK_OUTPUT
attention_mask = (torch.arange(16_000) < torch.tensor([16_000, 300])[:, None]).long()  # (B, T)
mask = hf.feature_vector_mask(hf.preset_config("wav2vec2_base"), attention_mask, num_frames=49)
print("HF marks", mask.sum(-1).tolist(), "frames valid")
print("the package counts", [ar.num_frames(n) for n in (16_000, 300)], "frames")

# %% [markdown]
# HF's count for 300 samples is 0, the right count, and the mask code writes a 1 at index
# count - 1 = -1 before marking everything left of it valid: index -1 is the last frame, so the
# whole row is marked valid. A clamp at 0 would not help: any count of 0 or less wraps around
# (under 80 samples the count is -1, index -2: all but the last frame). Drop clips shorter than
# 400 samples, or build the mask from the package's counts.
#
# **Next:** back to notebook 1 with new eyes, or to the exercises you skipped.
