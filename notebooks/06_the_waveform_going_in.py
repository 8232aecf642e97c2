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
# Each recipe trained its checkpoints on a differently normalized waveform, and the three libraries
# normalize it in three different places: fairseq per file in its data loader, Hugging Face per
# padded row in its preprocessor, torchaudio over the **whole (batch, time) tensor** in the model
# its bundles' `get_model()` returns (`forward` and `extract_features` both). So with a torchaudio
# LV-60k, XLS-R, HuBERT/WavLM Large or MMS_FA bundle (MMS_FA batches only with
# `get_model(with_star=False)`), one clip's features depend on the other clips of its batch, and
# no `lengths` fixes that.
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
from torchaudio.models.wav2vec2.wavlm_attention import WavLMSelfAttention
from torchaudio.pipelines import Wav2Vec2Bundle, Wav2Vec2FABundle
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
# Every wav2vec2-family checkpoint was trained on mono 16 kHz audio, read as floats in $[-1, 1]$
# (the normalizing recipes below then rescale each file to unit variance, so peaks reach past 1).
# `w2v.extract_features` refuses integer dtypes, other rates and soundfile's `(time, channels)`
# layout with an error that names the fix (notebooks 1 and 8 use it); it does **not** check the
# scale. The first sentence of each error, and 16-bit samples made float without `/ 32768`:

# %% slideshow={"slide_type": "subslide"}
# NBVAL_CHECK_OUTPUT
extractor = w2v.random_extractor("wav2vec2_base")
wrong = {
    "int16 samples": dict(waveform=torch.zeros(16_000, dtype=torch.int16)),
    "44.1 kHz": dict(waveform=torch.zeros(44_100), sample_rate=44_100),
    "(time, channels)": dict(waveform=torch.zeros(16_000, 2)),
    "int16 .float()": dict(waveform=torch.full((400,), 20_000, dtype=torch.int16).float()),
}
for name, kwargs in wrong.items():
    try:
        features, _ = w2v.extract_features(extractor, **kwargs)
        print(f"{name:<17} accepted (no / 32768, peak 20000.0): features {list(features.shape)}")
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
# | `examples/wav2vec/xlsr/config/finetune.yaml` (XLS-R **fine-tuning** config; it sets no extractor) | `true` | from the checkpoint (torchaudio's XLS-R bundles): layer_norm, conv bias |
# | `examples/hubert/config/pretrain/hubert_base_librispeech.yaml` | `false` ("must be consistent with extractor") | group_norm |
# | `examples/hubert/config/pretrain/hubert_large_librivox.yaml` | `true` ("must be consistent with extractor") | layer_norm |
#
# WavLM comes from `microsoft/unilm`; its README normalizes when the checkpoint's `cfg.normalize`
# is set (Large). The flag goes with the norm mode: normalized input, `layer_norm` extractor;
# raw input, `group_norm` extractor (the maintainer's answer in fairseq#4687).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### fairseq: per file, before batching
#
# `RawAudioDataset.postprocess` (`fairseq/data/audio/raw_audio_dataset.py`) runs on one file, a
# 1-D tensor, when it is read (HuBERT's `HubertDataset.postprocess`, `hubert_dataset.py`, has the
# same line):
#
# ```python
# if self.normalize:
#     with torch.no_grad():
#         feats = F.layer_norm(feats, feats.shape)
# ```
#
# Each file gets its own mean and variance; cropping and zero-padding come later, in the collater.
# Pretraining does not pad: the collater crops every file to the batch's shortest (at most
# `max_sample_size`), so the models saw crops normalized with their whole file's statistics.
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
# (`return_attention_mask`: the call's default `None` falls back to the instance's attribute, set
# by each checkpoint's `preprocessor_config.json`, `False` when built from defaults) and padding
# is on:

# %%
# NBVAL_CHECK_OUTPUT
source.library_part(Wav2Vec2FeatureExtractor.__call__, "# zero-mean", "if return_tensors")

# %% [markdown] slideshow={"slide_type": "subslide"} tags=["lecture"]
# ### torchaudio: over the whole batch
#
# `get_model()` wraps the model when the bundle's `_normalize_waveform` is set, and the wrapper's
# `forward` and `extract_features` both normalize over `waveforms.shape`: **one** mean and variance
# for the whole `(batch, time)` tensor, padding included, before `lengths` is even looked at.

# %% tags=["lecture"]
# NBVAL_CHECK_OUTPUT
print(source.library_part(Wav2Vec2Bundle.get_model, "if self._normalize", "model.eval()"))
print(source.library_part(_Wav2Vec2Model.forward, "if self.normalize", "if self.apply_log"))
print(source.library_part(_Wav2Vec2Model.extract_features, "if self.normalize"))

# %% [markdown] slideshow={"slide_type": "slide"} tags=["lecture"]
# ## Every bundle, beside Hugging Face
#
# Read from the installed torchaudio (each bundle's `_params`, `_normalize_waveform`; a tiny model
# of each type run with `lengths`) and transformers (the family's config class, and "mask advised":
# whether `Wav2Vec2FeatureExtractor`'s docstring says to pass one for the norm mode):

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
# equal to solo runs. The three WavLM bundles refuse `lengths` (next slide). The table above groups
# by name family; this list by torchaudio factory (HuBERT is built by the `Wav2Vec2` one):

# %%
# NBVAL_CHECK_OUTPUT
print("\n".join(input_norm.bundle_name_lines(rows)))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### How WavLM refuses `lengths`
#
# WavLM's attention refuses a mask with a bare `assert`: an empty `AssertionError`, and no check at
# all under `python -O`:

# %%
# NBVAL_CHECK_OUTPUT
print(source.library_part(WavLMSelfAttention.forward, "assert attention_mask", "if self.rel_attn"))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### Why MMS_FA takes one clip
#
# MMS_FA's `get_model` is `Wav2Vec2FABundle`'s: the same wrapper plus a star column of batch size 1,
# so its default `with_star=True` model takes one clip at a time (`with_star=False` batches;
# `exact_batch` appends the star to every item). The wrapper, star on, Base inside:

# %%
# NBVAL_CHECK_OUTPUT
print(source.library_part(Wav2Vec2FABundle.get_model, "model = utils._extend", "model.eval()"))
print(source.library_part(_Wav2Vec2Model.forward, "if self.append_star", "return"))
star = input_norm.bundle_frames_model(extractor)  # torchaudio's wrapper, Base inside
star.append_star = True  # what Wav2Vec2FABundle.get_model(with_star=True) sets
for size in (1, 2):
    try:
        print(f"batch of {size}: output {list(star(torch.zeros(size, 400))[0].shape)}")
    except RuntimeError as err:
        print(f"batch of {size}: {str(err).split(' for tensor')[0]}")  # a RuntimeError

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### What Hugging Face's side says, and what it does not
#
# transformers' config classes call the norm mode `feat_extract_norm` ("group" or "layer") and
# hold `conv_bias`: the same two facts under other names, built here from the bundle's own fields
# (so the table does not repeat them; no checkpoint is read). The preprocessor fields are per
# checkpoint, in each Hub repository's
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
# (no padding), as cut and 10 dB louder than that (a closer microphone). The numbers depend on
# the weights (here random unless a LV-60k-shaped checkpoint is loaded) and on the clip, and hold
# for a conv-bias extractor like LV-60k's (HuBERT/WavLM Large have none: two slides on):

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
# not cancel either (notebook 5). B's level as cut, and the gain, depend only on the clip:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
level = float(20 * torch.log10(b.std(unbiased=False) / a.std(unbiased=False)))
print(f"B as cut: {level:+.1f} dB relative to A (x 3.16: {level + 10:+.1f} dB)")
for gain in (1.0, 10**0.5):
    batch = torch.stack([a, gain * b])  # (2, 4000)
    ratio = float(batch.std(unbiased=False) / a.std(unbiased=False))
    print(f"B x {gain:.2f}: batch std / A's std = {ratio:.2f}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### HuBERT and WavLM Large: no conv bias
#
# Their extractor is `layer_norm` **without** conv bias: layer 0's conv turns a gain $g$ into
# $g \cdot \mathrm{conv}(x)$, which the LayerNorm over channels removes up to $\epsilon$; an
# offset $m$ adds $m \sum_k w_{ck}$ to channel $c$, which it does not remove. So batch-mates reach A
# through the batch's mean, and through its gain only by $\epsilon$. With zero-mean clips only the
# gain is left, and with $\epsilon = 10^{-12}$ (`norms.with_eps`) nothing of it:

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
hubert = weights.extractor("hubert_large")
hubert_model = input_norm.bundle_frames_model(hubert)
tiny_eps = input_norm.bundle_frames_model(norms.with_eps(hubert, 1e-12))
a0, b0 = a - a.mean(), b - b.mean()  # zero-mean: the batch mean is 0, only the gain differs
runs = [("HuBERT Large", hubert_model, a, b), ("HuBERT Large", hubert_model, a0, b0)]
runs += [("HuBERT, eps 1e-12", tiny_eps, a0, b0)]
with torch.no_grad():
    for name, wrapper, x, y in runs:
        solo, both = wrapper(x[None])[0][0], wrapper(torch.stack([x, 10**0.5 * y]))[0][0]
        clips = "zero-mean A and B" if x is a0 else "A and B as cut"
        change = difference(both, solo).relative  # A's frames, (12, 512) each
        print(f"{name:<18} {clips:<18} B x 3.16: A's frames change by {change:.2%}")
print(weights.describe("hubert_large"))

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
# ## Hugging Face: the padded length sets every row's input
#
# Without a mask, each padded row is normalized over its full length $L$ (the longest clip's),
# zeros included: A's samples (mean near 0) grow by about $\sqrt{L/4000} - 1$, whatever the partner
# holds (white noise 10 times louder gives A's row exactly as speech does, `assert`ed). A's
# **input** (before any model), over A's samples, against A through the preprocessor alone:

# %% tags=["depends-on-clip"]
# NBVAL_CHECK_OUTPUT
fe = Wav2Vec2FeatureExtractor()  # do_normalize=True, no mask: the shipped defaults
solo = fe(a.numpy(), sampling_rate=16_000, return_tensors="pt")["input_values"][0]  # (4000,)
noise = 10 * torch.randn(32_000, generator=torch.Generator().manual_seed(0))  # other content
for seconds in (0.25, 0.5, 1.0, 2.0):
    n = int(seconds * 16_000)
    rows_in = [
        fe([a.numpy(), other[:n].numpy()], padding=True, sampling_rate=16_000, return_tensors="pt")
        for other in (speech, noise)
    ]
    mine = [r["input_values"][0, :4000] for r in rows_in]  # A's valid samples, beside each
    assert torch.equal(mine[0], mine[1])  # the partner's content does not enter, its length does
    change, formula = difference(mine[0], solo).relative, (n / 4000) ** 0.5 - 1
    print(f"L = {n:>5}: A's input changes by {change:6.1%}; sqrt(L / 4000) - 1 = {formula:6.1%}")

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### With the mask
#
# At 0.25 s the rows are not padded and A is untouched; from then on the padded length decides A's
# input (in torchaudio's wrapper the partner's content enters too, through the batch's mean and
# variance). With `return_attention_mask=True` each row is normalized over its own samples:

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
# Our reading (the thread is open, labelled "needs triage" and "question", with no maintainer
# answer): exact for a batch of one, a departure from training for more. The checkpoints never
# saw a row normalized with another file's statistics; the pull request that added the wrapper
# (pytorch/audio#2873) links fairseq's per-file `postprocess` as its model, and pytorch/audio#3070
# reports the word error rate "significantly reduced" by it: right for one clip, a bug for batched
# use (the line is torchaudio's). The asker's `shape[1:]` fixes equal-length rows only (next slide).

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### speechbrain#1247: the same line in speechbrain
#
# The asker found `F.layer_norm(wav, wav.shape)` in `speechbrain/lobes/models/huggingface_wav2vec.py`
# (a lobe; the title says recipe) and proposed `wav.shape[1:]`: per row (the issue was closed
# with the labels "bug, invalid"). That fixes rows of equal length, but a padded row is still
# normalized over its zeros.
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
# (Base), nothing. The maintainer's reply in #3277 gives a historical reason ("The normalization is
# different because originally ..."); in fairseq#4687 he gives the rule: "normalize in dataloader ->
# layer norm in feature extractor", "no normalization in dataloader -> group norm in first block of
# feature extractor + feature_grad_mult = 0.1", and "it wont have a much of an effect". Our reading
# of why Base can do without it: its layer-0 GroupNorm removes a gain and an offset up to
# $\epsilon$ (notebook 5). The same normalization moves Base's frames by (and with $\epsilon$ =
# 1e-12 by nothing):

# %% tags=["depends-on-weights", "depends-on-clip"]
# NBVAL_CHECK_OUTPUT
base = weights.extractor("wav2vec2_base")
normalize = {"normalized": lambda x: torch.nn.functional.layer_norm(x, x.shape)}
change = norms.sensitivity(base, a, normalize)
print(f"wav2vec2_base: A normalized vs raw, frames change by {change['normalized']:.2%}")
tiny = norms.sensitivity(norms.with_eps(base, 1e-12), a, normalize)["normalized"]
print(f"  the same with eps 1e-12 instead of 1e-5: {tiny:.2%}")
print(f"(the LV-60k-shaped extractor above: {difference(raw, alone).relative:.0%})")
print(weights.describe("wav2vec2_base"))

# %% [markdown] slideshow={"slide_type": "subslide"}
# ### transformers#13504: unpadded batches normalized wrongly
#
# In transformers 4.10 (from 4.9.0, says the fix's author), a batch of clips of different lengths
# with `return_attention_mask=True` and no padding came out not zero-mean unit-variance. The fix
# (PR #13512, with later code) includes the `is not PaddingStrategy.DO_NOT_PAD` test shown above:
# without padding, the mask is dropped and every clip is normalized over itself. In the installed
# version:

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
# For Hugging Face, the preprocessor's own `return_attention_mask=True` already gives each row its
# solo input (above); `w2v.hf_batch_inputs(processor, clips)` only adds a mask whatever the
# processor's setting (int64), which `exact_batch` reads as each row's length (notebook 9). For a
# fairseq-style loader, normalize each file before collating.

# %% [markdown] slideshow={"slide_type": "slide"}
# ## Summary
#
# - The package checks rate, channels and dtype, not the scale; nothing can check whether a
#   waveform is normalized the way the checkpoint was trained.
# - fairseq's `task.normalize`: false for Base and HuBERT Base (group_norm), true for LV-60k and
#   HuBERT Large (pretraining configs) and in XLS-R's fine-tuning config (layer_norm; WavLM Large
#   likewise, in its own code); fairseq normalizes **per file**, before batching.
# - Hugging Face normalizes per row **after padding**: without a mask over the padded row, so the
#   padded length (not the longest clip's content) sets every other row's input; with
#   `return_attention_mask=True`, per clip.
# - torchaudio's 14 normalizing bundles normalize over the **whole (batch, time) tensor**: a clip's
#   features depend on its batch-mates, through the batch's gain and offset in conv-bias models
#   (LV-60k, XLS-R, MMS_FA), through its mean (and $\epsilon$) in HuBERT/WavLM Large (with random
#   weights: the numbers above). MMS_FA's default `get_model()` takes one clip at a time.
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
