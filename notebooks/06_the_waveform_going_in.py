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
#     summary: what the waveform must be before the first conv (rate, channels, scale), and
#       which normalization each checkpoint was trained with, measured in a batch
# ---

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# # 6. The waveform going in
#
# Each model family was trained on a differently normalized waveform, and the three libraries
# normalize it in three different places: fairseq per file in its data loader, Hugging Face per
# padded row in its preprocessor, torchaudio over the **whole (batch, time) tensor** in its
# bundles' `get_model()`. So with a torchaudio LV-60k, XLS-R, HuBERT/WavLM Large or MMS_FA bundle,
# one clip's features depend on the other clips of its batch, and no `lengths` fixes that.
#
# **You will learn** what the package checks about rate, channels and scale; which checkpoints
# expect waveform normalization and where each library does it (their installed lines); a
# table of every torchaudio bundle beside Hugging Face's fields; how much a batch and a missing
# normalization move one clip's features (measured); the answers to four questions people ask; and
# the per-item fix.
#
# **What to know first:** notebook 5 (the two norm modes, gain and offset), notebook 3 (padding and
# `lengths`).

# %% slideshow={"slide_type": "skip"} tags=["setup"]
# %matplotlib inline
import textwrap

import torch
from torchaudio.pipelines import Wav2Vec2Bundle
from torchaudio.pipelines._wav2vec2.utils import _Wav2Vec2Model
from transformers.models.wav2vec2.feature_extraction_wav2vec2 import Wav2Vec2FeatureExtractor

import w2v2_walkthrough as w2v
from w2v2_walkthrough import input_norm, norms, source
from w2v2_walkthrough.compare import difference

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
# ## What the package already checks
#
# Every wav2vec2-family checkpoint was trained on mono 16 kHz audio as floats in $[-1, 1]$.
# `w2v.extract_features` refuses anything else with an error that names the fix (notebooks 1 and 8
# use it); the first sentence of each, for 16-bit integers, 44.1 kHz and soundfile's
# `(time, channels)` layout:

# %%
# NBVAL_CHECK_OUTPUT
extractor = w2v.random_extractor("wav2vec2_base")
wrong = {
    "int16 samples": dict(waveform=torch.zeros(16_000, dtype=torch.int16)),
    "44.1 kHz": dict(waveform=torch.zeros(44_100), sample_rate=44_100),
    "(time, channels)": dict(waveform=torch.zeros(16_000, 2)),
}
for name, kwargs in wrong.items():
    try:
        w2v.extract_features(extractor, **kwargs)
    except ValueError as err:
        first = str(err).split(". ")[0] + "."
        print(textwrap.fill(first, 95, initial_indent=f"{name:<17} ", subsequent_indent=" " * 18))

# %% [markdown]
# None of these checks can tell a *normalized* waveform from a raw one: both are valid floats.
# Which one a checkpoint expects is a fact about its training, and that is the rest of this chapter.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Which checkpoints were trained on a normalized waveform
#
# fairseq (not installed here) decides it with the task flag `normalize` in each recipe's config:
#
# | config file in `facebookresearch/fairseq` | `task.normalize` | extractor |
# |---|---|---|
# | `examples/wav2vec/config/pretraining/wav2vec2_base_librispeech.yaml` | not set: `false`, the default in `fairseq/tasks/audio_pretraining.py` | group_norm |
# | `examples/wav2vec/config/pretraining/wav2vec2_large_librivox.yaml` (LV-60k) | `true` | layer_norm, conv bias |
# | `examples/wav2vec/xlsr/config/finetune.yaml` (XLS-R) | `true` | layer_norm, conv bias |
# | `examples/hubert/config/pretrain/hubert_base_librispeech.yaml` | `false` | group_norm |
# | `examples/hubert/config/pretrain/hubert_large_librivox.yaml` | `true` ("must be consistent with extractor") | layer_norm |
#
# WavLM comes from `microsoft/unilm`; its README normalizes when the checkpoint's `cfg.normalize`
# is set (Large). The flag goes with the norm mode: normalized input, `layer_norm` extractor;
# raw input, `group_norm` extractor (the maintainer's answer in fairseq#4687).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### fairseq: per file, before batching
#
# `RawAudioDataset.postprocess` (`fairseq/data/audio/raw_audio_dataset.py`) runs on one file, a
# 1-D tensor, when it is read:
#
# ```python
# if self.normalize:
#     with torch.no_grad():
#         feats = F.layer_norm(feats, feats.shape)
# ```
#
# Each file gets its own mean and variance; cropping and zero-padding come later, in the collater.
# This is what the checkpoints saw: the reference for the two libraries below.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Hugging Face: `do_normalize`, per row
#
# `Wav2Vec2FeatureExtractor` normalizes each row of its output. With an attention mask, over the
# row's valid samples, padding set back to `padding_value`; without one, over the whole row:

# %%
# NBVAL_CHECK_OUTPUT
normalize_rows = Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm
source.library_part(normalize_rows, "if attention_mask", "return")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### ... after padding
#
# `__call__` pads first, then normalizes, and passes the mask only if it asked `pad` for one
# (`return_attention_mask`, default `False` for this class) and padding is on:

# %%
# NBVAL_CHECK_OUTPUT
source.library_part(Wav2Vec2FeatureExtractor.__call__, "# zero-mean", "if return_tensors")

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture"]
# ### torchaudio: over the whole batch
#
# `get_model()` wraps the model when the bundle's `_normalize_waveform` is set, and the wrapper's
# forward normalizes over `waveforms.shape`: **one** mean and variance for the whole `(batch, time)`
# tensor, padding included, before `lengths` is even looked at.

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
print(source.library_part(Wav2Vec2Bundle.get_model, "utils._get_model", "model.eval()"))
print(source.library_part(_Wav2Vec2Model.forward, None, "if self.apply_log_softmax"))

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Every bundle, beside Hugging Face
#
# Read from the installed torchaudio (each bundle's `_params`, `_normalize_waveform`; a tiny model
# of each type run with `lengths`) and transformers (config, and "mask": whether
# `Wav2Vec2FeatureExtractor`'s docstring says to pass one):

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
rows = input_norm.bundle_rows()
print("\n".join(input_norm.table_lines(rows)))
normalizing = [r.name for r in rows if r.normalizes]
assert len(rows) == 30 and len(normalizing) == 14 and "MMS_FA" in normalizing
exact = [r.name for r in rows if r.batch_leak == "nothing"]
print(f"{len(normalizing)} of {len(rows)} bundles normalize the waveform (MMS_FA among them);")
print(f"bundles whose padded batch gives each item its solo frames: {len(exact)}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### The 30 names
#
# Every bundle either has a `group_norm` extractor (layer 0's GroupNorm sees the padding, notebook
# 5) or normalizes the waveform over the batch: in none of them does `lengths` make a padded batch
# equal to solo runs. The three WavLM bundles do not take `lengths` at all. The groups, by name:

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(input_norm.bundle_name_lines(rows)))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What Hugging Face's side says, and what it does not
#
# `feat_extract_norm` and `conv_bias` are what transformers' config classes hold for the same
# encoder. The preprocessor fields are per checkpoint, in each Hub repository's
# `preprocessor_config.json`, which transformers does not ship and this offline series cannot
# download; the installed class ships these defaults, the same for every family:

# %%
# NBVAL_CHECK_OUTPUT
defaults = Wav2Vec2FeatureExtractor()
print(f"do_normalize={defaults.do_normalize}, ", end="")
print(f"return_attention_mask={defaults.return_attention_mask}")
print(f"mask advised by the docstring, by feat_extract_norm: {input_norm.hf_mask_advice()}")

# %% [markdown]
# So a preprocessor built from defaults normalizes every model's input, Base's too (which fairseq
# trained on raw audio: notebook 5 shows Base ignores a gain and offset up to $\epsilon$), and
# returns no mask, also for the `layer` models whose docstring asks for one.

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Measured: one clip, two batches
#
# `input_norm.bundle_frames_model` builds torchaudio's own wrapper class, as `get_model()` does,
# around an LV-60k-shaped extractor, with the transformer left out, so its output is the CNN frames.
# No weights are downloaded:

# %%
# NBVAL_CHECK_OUTPUT
source.show(input_norm.bundle_frames_model)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture"]
# ### A beside B
#
# Clip A, a quarter second of speech, alone and beside B, another quarter second of the same length
# (no padding), at the same level and 10 dB louder (a closer microphone). The numbers depend on
# the weights (here random unless a LV-60k-shaped checkpoint is loaded) and on the clip:

# %% tags=["lecture", "run-live", "depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
lv60k = weights.extractor("wav2vec2_large_lv60k")
model = input_norm.bundle_frames_model(lv60k)
speech = w2v.load_speech_clip(AUDIO)[0]
a, b = speech[28_000:32_000], speech[8_000:12_000]  # 0.25 s each
with torch.no_grad():
    alone = model(a[None])[0][0]  # (12, 512)
    for gain in (1.0, 10**0.5):
        beside = model(torch.stack([a, gain * b]))[0][0]  # A's row, (12, 512)
        change = difference(beside, alone).relative
        print(f"A beside B x {gain:.2f}: A's frames change by {change:.0%}")
print(weights.describe("wav2vec2_large_lv60k"))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why: A is normalized with the batch's statistics
#
# The wrapper divides A by the standard deviation of the whole batch, not A's own, and subtracts
# the batch's mean: a gain and an offset, and an LV-60k extractor (`layer_norm`, conv bias) does
# not cancel either (notebook 5). These numbers depend only on the clip:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
for gain in (1.0, 10**0.5):
    batch = torch.stack([a, gain * b])  # (2, 4000)
    ratio = float(batch.std(unbiased=False) / a.std(unbiased=False))
    print(f"B x {gain:.2f}: batch std / A's std = {ratio:.2f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### And without the normalization
#
# Feed the same extractor A as it is, as a user who skips the wrapper (or uses the bare
# `Wav2Vec2Model`) would, and compare with what the checkpoint was trained to see (A normalized):

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
with torch.no_grad():
    raw = lv60k(a[None], None)[0][0]  # (12, 512), no normalization
print(f"A un-normalized vs normalized: frames change by {difference(raw, alone).relative:.0%}")
print(weights.describe("wav2vec2_large_lv60k"))

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Hugging Face: the longest clip sets every row's input
#
# Without a mask, each padded row is normalized over its full length, zeros included, and that
# length is the longest clip's. A's **input** (before any model) beside clips of growing length,
# compared over A's samples with A through the preprocessor alone:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
fe = Wav2Vec2FeatureExtractor()  # do_normalize=True, no mask: the shipped defaults
solo = fe(a.numpy(), sampling_rate=16_000, return_tensors="pt")["input_values"][0]  # (4000,)
for seconds in (0.25, 0.5, 1.0, 2.0):
    other = speech[: int(seconds * 16_000)].numpy()
    rows_in = fe([a.numpy(), other], padding=True, sampling_rate=16_000, return_tensors="pt")
    change = difference(rows_in["input_values"][0, :4000], solo).relative  # A's valid samples
    print(f"beside {seconds:.2f} s: A's input changes by {change:.0%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### With the mask
#
# At 0.25 s the rows are not padded and A is untouched; from then on the longest clip decides A's
# input. With `return_attention_mask=True` each row is normalized over its own samples:

# %%
# NBVAL_CHECK_OUTPUT
masked = fe(
    [a.numpy(), speech[:32_000].numpy()],
    padding=True,
    return_attention_mask=True,
    sampling_rate=16_000,
    return_tensors="pt",
)
error = difference(masked["input_values"][0, :4000], solo).relative
assert error < 1e-5 and masked["input_values"][0, 4000:].abs().max() == 0
print(f"with the mask: A's input vs alone, relative error {error:.1e} (< 1e-5)")

# %% [markdown] slideshow={"slide_type": "slide"}
# ## The questions people ask
#
# Four threads about the waveform going in, each answered by a computation: fairseq#5609,
# speechbrain#1247, fairseq#3277 and transformers#13504.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### fairseq#5609: batch-wide normalization, feature or bug?
#
# The asker read torchaudio's `layer_norm(waveforms, waveforms.shape)` and asked whether one batch
# item should influence another. After the wrapper's line, the rows of the 10 dB batch above are not
# zero-mean unit-variance each; a one-item batch is, as fairseq's per-file normalization is:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
batch = torch.stack([a, 10**0.5 * b])  # (2, 4000)
wrapped = torch.nn.functional.layer_norm(batch, batch.shape)  # the wrapper's line
for row, name in zip(wrapped, "AB", strict=True):
    mean, std = float(row.mean()), float(row.std(unbiased=False))
    print(f"row {name}: mean {mean:+.2f}, std {std:.2f}")
one = torch.nn.functional.layer_norm(a[None], a[None].shape)[0]  # (4000,): a batch of one
fairseq = torch.nn.functional.layer_norm(a, a.shape)  # (4000,): fairseq's postprocess
print(f"batch of one == fairseq's per file: {torch.allclose(one, fairseq)}")

# %% [markdown]
# The answer: exact for a batch of one, a departure from training for more. The checkpoints never
# saw a row normalized with another file's statistics; the pull request that added the wrapper
# (pytorch/audio#2873) took fairseq's per-file normalization as its model, and the wrapper's
# docstring says only "used for layer normalization at the input". A bug for batched use (the
# thread is in fairseq's tracker, the line is torchaudio's).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### speechbrain#1247: the same line in a recipe
#
# The asker found `F.layer_norm(wav, wav.shape)` in a wav2vec2 recipe and proposed `wav.shape[1:]`:
# per row. That fixes rows of equal length, but a padded row is still normalized over its zeros.
# A beside a clip 1 s long and 10 dB louder, each row's valid samples after each version:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
louder = 10**0.5 * speech[:16_000]  # 1 s, 10 dB louder
wav = torch.nn.utils.rnn.pad_sequence([a, louder], batch_first=True)  # (2, 16000)
for label, shape in (("wav.shape", wav.shape), ("wav.shape[1:]", wav.shape[1:])):
    normed = torch.nn.functional.layer_norm(wav, shape)  # (2, 16000)
    stds = [float(normed[0, :4000].std(unbiased=False)), float(normed[1].std(unbiased=False))]
    print(f"{label:<14} std of A's samples {stds[0]:.2f}, of B's {stds[1]:.2f}")

# %% [markdown]
# The batch-wide version shrinks A next to a louder clip; the per-row one inflates A by its padding.
# Only a normalization over each item's **valid** samples gives every clip std 1 (the fix below).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### fairseq#3277: how to normalize for inference, and why Base differs
#
# Do what training did: when the checkpoint's `task.normalize` is true (LV-60k, XLS-R, HuBERT
# Large), `F.layer_norm(x, x.shape)` on each 1-D file, as `postprocess` does; when it is false
# (Base), nothing. Base differs because its recipe pairs raw input with a `group_norm` extractor,
# whose layer-0 GroupNorm removes a gain and an offset up to $\epsilon$ anyway (notebook 5). With
# these weights, the same normalization moves Base's frames by:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
base = weights.extractor("wav2vec2_base")
normalize = {"normalized": lambda x: torch.nn.functional.layer_norm(x, x.shape)}
change = norms.sensitivity(base, a, normalize)
print(f"wav2vec2_base: A normalized vs raw, frames change by {change['normalized']:.2%}")
print(f"(the LV-60k-shaped extractor above: {difference(raw, alone).relative:.0%})")
print(weights.describe("wav2vec2_base"))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### transformers#13504: unpadded batches normalized wrongly
#
# In transformers 4.10, a batch of clips of different lengths with `return_attention_mask=True`
# and no padding came out not zero-mean unit-variance. The fix (PR #13512) is the
# `is not PaddingStrategy.DO_NOT_PAD` test shown above: without padding, the mask is dropped and
# every clip is normalized over itself. In the installed version:

# %%
# NBVAL_CHECK_OUTPUT
clips = [a.numpy(), speech[:16_000].numpy()]
out = fe(clips, return_attention_mask=True, sampling_rate=16_000)
for row in out["input_values"]:  # no padding: a list of two arrays of different lengths
    assert abs(float(row.mean())) < 1e-4 and abs(float(row.std()) - 1) < 1e-4
    print(f"{len(row):>6} samples: mean 0, std 1 (to 1e-4): True")

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## The fix: normalize each item over its own samples
#
# `w2v.exact_batch(model)` takes the same bundle wrapper and a `lengths` tensor: it normalizes each
# item over its valid samples (and, for `group_norm` models, gives layer 0 each item's own
# statistics). A beside a louder clip twice its length, against A alone (the plain wrapper's
# change depends on the weights and the clip; the fix's bound does not):

# %% tags=["lecture", "depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
exact = w2v.exact_batch(model)
padded = torch.nn.utils.rnn.pad_sequence([a, 10**0.5 * speech[:8000]], True)  # (2, 8000)
lengths = torch.tensor([4000, 8000])
with torch.no_grad():
    plain = model(padded)[0][0, : len(alone)]  # (12, 512): A's valid frames, plain wrapper
    fixed = exact(padded, lengths)[0][0, : len(alone)]  # (12, 512): the same, exact_batch
error = difference(fixed, alone).relative
assert error < 1e-5
print(f"plain wrapper: A's frames change by {difference(plain, alone).relative:.0%}")
print(f"exact_batch:   A's frames vs alone, relative error {error:.1e} (< 1e-5)")

# %% [markdown]
# For Hugging Face, `w2v.hf_batch_inputs(processor, clips)` runs each clip through the
# preprocessor alone, then pads and returns the mask (notebook 9 uses it with `exact_batch`); for
# a fairseq-style loader, normalize each file before collating.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - The package checks rate, channels and dtype; nothing can check whether a waveform is
#   normalized the way the checkpoint was trained.
# - fairseq's `task.normalize`: false for Base and HuBERT Base (group_norm), true for LV-60k,
#   XLS-R and HuBERT Large (layer_norm; WavLM Large likewise, in its own code); fairseq normalizes
#   **per file**, before batching.
# - Hugging Face normalizes per row **after padding**: without a mask over the padded row, so the
#   longest clip sets every other row's input; with `return_attention_mask=True`, per clip.
# - torchaudio's 14 normalizing bundles normalize over the **whole (batch, time) tensor**: a clip's
#   features depend on its batch-mates (with random LV-60k-shaped weights: the numbers above).
#   No torchaudio bundle gives a padded batch its solo frames from `lengths` alone.
# - The fix: normalize each item over its own valid samples (`exact_batch`, `hf_batch_inputs`).

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Exercises
#
# Write or predict in the cell under each question (the student edition leaves a `...` there), run
# it, then run the checker below it.

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture", "predict"]
# ### Exercise 1: predict, then run
#
# Through the normalizing wrapper `model` above, A shares a batch (no padding) with one of:
# (a) A itself, (b) A played backwards, (c) `2 * A`, (d) another clip shifted and scaled to A's own
# mean and variance, (e) digital silence as long as A. Which leave A's frames as they are alone (to
# 0.01 %)? Answer with a set of letters, e.g. `{"a", "c"}`, before you run the computation.

# %% tags=["solution"]
prediction = {"a", "b", "d"}

# %%
w2v.exercises.check_unchanged_batches(prediction, model, a, b)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 1, after you answer: the run
#
# The largest change of any of A's frames in each batch:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
partners = w2v.exercises.nb06.PARTNERS
with torch.no_grad():
    for letter, what in partners.items():
        second = w2v.exercises.nb06.partner(letter, a, b)  # (4000,)
        beside = model(torch.stack([a, second]))[0][0]  # (12, 512)
        worst = float(norms.frame_changes(beside, alone).max())
        print(f"({letter}) {what:<64} {'unchanged' if worst < 1e-4 else f'{worst:.0%}'}")

# %% [markdown]
# Only two numbers of the batch reach A: the mean and the variance over all its samples. Time order
# does not change them, and a batch-mate with A's own mean and variance leaves both as they are.

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Exercise 2: the batch's statistics
#
# Write `batch_statistics(lengths, means, variances, padded_length)`: the mean and the (biased)
# variance that `layer_norm(waveforms, waveforms.shape)` uses for clips zero-padded to
# `padded_length` samples, given only each clip's length, mean and biased variance, without the
# package's `input_norm`. Return a tuple `(mean, variance)` of floats.


# %% tags=["solution"]
def batch_statistics(lengths, means, variances, padded_length):
    """(mean, biased variance) over every value of the zero-padded batch, padding included."""
    total = len(lengths) * padded_length
    mean = sum(n * m for n, m in zip(lengths, means, strict=True)) / total
    moments = zip(lengths, means, variances, strict=True)
    square = sum(n * (v + m * m) for n, m, v in moments) / total
    return mean, square - mean * mean


# %%
w2v.exercises.check_batch_statistics(batch_statistics)

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["after-answer"]
# ### Exercise 2, after you answer: the run
#
# The fix's batch above, A padded to B's 0.5 s: the package's answer beside the statistics torch
# computes over the padded tensor, and A's own:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
items = [padded[0, :4000].double(), padded[1].double()]  # A and the louder clip, unpadded
means = [float(x.mean()) for x in items]
variances = [float(x.var(unbiased=False)) for x in items]
stats = input_norm.batch_statistics([4000, 8000], means, variances, 8000)
direct = (float(padded.double().mean()), float(padded.double().var(unbiased=False)))
assert all(abs(s - d) <= 1e-9 * abs(d) + 1e-15 for s, d in zip(stats, direct, strict=True))
print(f"batch: mean {stats[0]:+.4f}, std {stats[1] ** 0.5:.4f} (torch's own)")
print(f"A:     mean {float(a.mean()):+.4f}, std {float(a.std(unbiased=False)):.4f}")

# %% [markdown]
# The padding's zeros and the louder clip both enter the two numbers that normalize A.
#
# **Next:** notebook 7 looks inside every layer.
