"""Padded batches that equal one-by-one runs: :func:`exact_batch`, and :func:`hf_batch_inputs` for
Hugging Face's preprocessor.

A padded batch through a wav2vec2-family model differs from running each clip alone in two places:

* **layer 0's GroupNorm** (group_norm models: Base, HuBERT Base ...) normalizes each channel over
  the whole padded row, padding included;
* **the waveform normalization** of torchaudio's normalizing bundles (``get_model()`` of LV-60k,
  XLSR, HuBERT/WavLM Large, MMS_FA ...), ``layer_norm(waveforms, waveforms.shape)``, takes one mean
  and variance over the whole ``(batch, time)`` tensor.

Everything after them is per position (layer_norm conv stacks) or masked by the lengths/attention
mask (the transformer), so :func:`exact_batch` fixes exactly these two: layer 0 gets each item's
own statistics over its valid positions (a :class:`~w2v2_walkthrough.chunked.FrozenGroupNorm` with
one row of statistics per item, computed in float64 from the item's input windows by
:func:`~w2v2_walkthrough.chunked.conv_statistics`), and the waveform is normalized per item over
its valid samples.
"""

import contextlib
from collections.abc import Iterator, Sequence

import numpy as np
import torch
from torch import Tensor, nn

from . import arithmetic as ar
from .chunked import FrozenGroupNorm, TensorSource, conv_statistics, window_moments
from .components import conv_config
from .huggingface.library import FAMILIES
from .presets import SAMPLE_RATE
from .validation import check_length

__all__ = ["ExactBatch", "exact_batch", "hf_batch_inputs", "item_layer0_statistics", "normalize_items"]

#: Hugging Face model classes whose feature encoder is wav2vec2's code (``layer_norm`` attribute
#: on every conv layer, a ``GroupNorm`` in layer 0 for ``feat_extract_norm="group"``).
HF_CLASSES = tuple(prefix + head for prefix in FAMILIES.values() for head in ("Model", "ForCTC"))

SUPPORTED = (
    "a torchaudio Wav2Vec2Model (torchaudio.models.wav2vec2_* / hubert_* builders, any preset), the "
    "get_model() of a torchaudio wav2vec2/HuBERT bundle (normalizing, log-softmax and star-column "
    f"wrappers included), or a Hugging Face {', '.join(HF_CLASSES)}"
)


def exact_batch(model: nn.Module) -> "ExactBatch":
    """Wrap ``model`` so that a padded batch gives every item what it gives alone.

    The returned module has the model's call and outputs: ``exact(waveforms, lengths)`` (and
    ``exact.extract_features(waveforms, lengths, num_layers)``) for torchaudio models,
    ``exact(input_values, attention_mask=..., **kwargs)`` for Hugging Face ones. Every item's valid
    frames (the first ``output_lengths[b]``, or those the feature-level attention mask keeps) equal
    that item's solo run up to float32 rounding (measured at most ~1e-6 of the largest value), in
    both norm modes. Frames past an item's length are padding, as in the plain batch.

    Supported: torchaudio ``Wav2Vec2Model`` (any preset; torchaudio's WavLM models cannot take
    lengths at all and are refused), a torchaudio bundle's ``get_model()`` (the wrapper
    ``torchaudio.pipelines._wav2vec2.utils._Wav2Vec2Model``: its waveform normalization is done per
    item, its log-softmax as the wrapper does, and its MMS_FA star column is appended for every item
    of the batch, where torchaudio's own wrapper fails on a batch of more than one), and Hugging
    Face ``Wav2Vec2Model``/``Wav2Vec2ForCTC`` and the HuBERT/WavLM classes with the same feature
    encoder (:data:`HF_CLASSES`). Hugging Face models need ``attention_mask``: it gives each row's
    length, and the model masks the transformer with it (also for group_norm checkpoints, whose
    processors do not return one by default). The model must be in ``eval()`` mode.

    What it relies on (checked by ``tests/package/test_batching.py``, so a library change fails loudly):
    layer 0 of the conv stack is ``model...feature_extractor.conv_layers[0]`` with attributes
    ``conv`` (a one-input-channel ``Conv1d``) and ``layer_norm`` (a ``GroupNorm(C, C)`` applied
    to the conv's output before the activation, or a per-position LayerNorm); torchaudio's bundle
    wrapper has attributes ``model``, ``normalize_waveform``, ``apply_log_softmax`` and
    ``append_star`` and runs ``layer_norm(waveforms, waveforms.shape)`` then the model, then
    log-softmax, then the star column; the transformers mask padded frames (torchaudio by
    ``lengths``, Hugging Face by ``attention_mask``).

    No lasting change to ``model``: during a call, layer 0's ``layer_norm`` attribute is replaced by
    a :class:`~w2v2_walkthrough.chunked.FrozenGroupNorm` holding each item's statistics and put back
    afterwards, also when the call raises (so hooks on that GroupNorm do not fire inside an exact
    call, and one model must not run exact calls from several threads at once). Nothing global.
    """
    _check_eval(model)
    if _torchaudio_parts(model) is not None:
        return ExactBatch(model, "torchaudio")
    if type(model).__name__ in HF_CLASSES and type(model).__module__.startswith("transformers."):
        return ExactBatch(model, "hugging_face")
    raise TypeError(f"exact_batch does not know {type(model).__qualname__}; it supports {SUPPORTED}.")


class ExactBatch(nn.Module):
    """A model whose padded batches equal one-by-one runs (made by :func:`exact_batch`)."""

    def __init__(self, model: nn.Module, library: str):
        super().__init__()
        self.model, self.library = model, library

    def forward(self, *args, **kwargs):
        _check_eval(self.model)
        if self.library == "hugging_face":
            return self._hugging_face(*args, **kwargs)
        return self._torchaudio("forward", *args, **kwargs)

    def extract_features(self, waveforms: Tensor, lengths: Tensor | None = None, num_layers: int | None = None):
        """torchaudio's ``extract_features``: every transformer layer's output, ``[batch, frames, D]`` each."""
        if self.library != "torchaudio":
            raise TypeError("extract_features is torchaudio's call; for Hugging Face pass output_hidden_states=True.")
        _check_eval(self.model)
        return self._torchaudio("extract_features", waveforms, lengths, num_layers)

    def _torchaudio(self, method: str, waveforms: Tensor, lengths: Tensor | None = None, *rest):
        wrapper, inner = _torchaudio_parts(self.model)
        lengths = _check_lengths(waveforms, lengths, "lengths", "model(waveforms, lengths)")
        _check_items_have_frames(inner.feature_extractor, lengths)
        if wrapper is not None and wrapper.normalize_waveform:
            waveforms = normalize_items(waveforms, lengths)  # (B, T)
        with item_statistics_in(inner.feature_extractor.conv_layers, waveforms, lengths):
            output, output_lengths = getattr(inner, method)(waveforms, lengths, *rest)
        if wrapper is None or method == "extract_features":
            return output, output_lengths
        if wrapper.apply_log_softmax:
            output = torch.nn.functional.log_softmax(output, dim=-1)  # (B, frames, labels)
        if wrapper.append_star:
            star = output.new_zeros(output.shape[0], output.shape[1], 1)  # (B, frames, 1), one per item
            output = torch.cat((output, star), dim=-1)  # (B, frames, labels + 1)
        return output, output_lengths

    def _hugging_face(self, input_values: Tensor, attention_mask: Tensor | None = None, **kwargs):
        lengths = _check_lengths(
            input_values, attention_mask, "attention_mask", "model(input_values, attention_mask=...)"
        )
        feature_extractor = self.model.base_model.feature_extractor
        _check_items_have_frames(feature_extractor, lengths)
        with item_statistics_in(feature_extractor.conv_layers, input_values, lengths):
            return self.model(input_values, attention_mask=attention_mask, **kwargs)


def _check_eval(model: nn.Module) -> None:
    if model.training:
        raise ValueError(
            "exact_batch needs the model in eval mode: call model.eval() first (in training mode dropout "
            "and layer drop draw new random masks on every call, so no two runs, solo or batched, agree)."
        )


def _torchaudio_parts(model: nn.Module):
    """``(wrapper or None, Wav2Vec2Model)`` for a torchaudio model or bundle wrapper; ``None`` otherwise."""
    from torchaudio.models import Wav2Vec2Model
    from torchaudio.pipelines._wav2vec2.utils import _Wav2Vec2Model

    wrapper = model if isinstance(model, _Wav2Vec2Model) else None
    inner = model.model if wrapper is not None else model
    if not isinstance(inner, Wav2Vec2Model):
        return None
    if any(type(m).__name__ == "WavLMSelfAttention" for m in inner.encoder.modules()):
        raise TypeError(
            "torchaudio's WavLM models cannot take lengths (their attention asserts attention_mask is None), "
            "so no padded batch of them is meaningful: run the clips one by one, or use Hugging Face's WavLMModel."
        )
    return wrapper, inner


def _check_lengths(batch: Tensor, lengths: Tensor | None, name: str, call: str) -> Tensor:
    """Each row's valid samples, ``[batch]`` int64, from ``lengths`` or a right-padded ``attention_mask``."""
    if batch.ndim != 2:
        raise ValueError(f"exact_batch takes a padded (batch, time) tensor, got shape {list(batch.shape)}.")
    if lengths is None:
        raise ValueError(f"exact_batch needs each row's valid length: call it as {call}, else padding counts as audio.")
    lengths = torch.as_tensor(lengths)
    if name == "attention_mask":
        mask = lengths.bool()
        if mask.shape != batch.shape:
            raise ValueError(f"attention_mask has shape {list(mask.shape)}; input_values has {list(batch.shape)}.")
        lengths = mask.sum(dim=1)  # (B,)
        if not torch.equal(mask, torch.arange(batch.shape[1]) < lengths[:, None]):
            raise ValueError(
                "attention_mask must be right-padded (ones, then zeros, in every row), as the processor pads."
            )
    lengths = lengths.reshape(-1).long()
    if lengths.numel() != batch.shape[0]:
        raise ValueError(f"{name} has {lengths.numel()} entries for a batch of {batch.shape[0]}: give one per row.")
    too_long = (lengths > batch.shape[1]).nonzero().flatten().tolist()
    if too_long:
        b = too_long[0]
        raise ValueError(
            f"{name}[{b}] = {int(lengths[b])} is longer than the padded tensor's {batch.shape[1]} samples: "
            f"pass the number of real samples in each row."
        )
    return lengths


def _check_items_have_frames(feature_extractor: nn.Module, lengths: Tensor) -> None:
    """Refuse an item shorter than the receptive field: alone it has no frames (its solo run fails)."""
    shapes = conv_config(feature_extractor)
    for b, n in enumerate(lengths.tolist()):
        check_length(n, SAMPLE_RATE, shapes, what=f"Item {b}", fix="Drop it, or pad it before batching.")


def item_layer0_statistics(conv: nn.Conv1d, batch: Tensor, lengths: Tensor) -> tuple[Tensor, Tensor]:
    """Each item's per-channel mean and variance of layer 0's conv output over its valid positions
    (those of its solo run), float64 ``[B, C]`` each (:func:`~w2v2_walkthrough.chunked.conv_statistics`)."""
    k, s = conv.kernel_size[0], conv.stride[0]
    stats = []
    for row, n in zip(batch.detach(), lengths.tolist(), strict=True):
        windows = ar.conv_output_length(n, k, s)  # layer 0's positions in the solo run
        stats.append(conv_statistics(conv, *window_moments(TensorSource(row[:n]), k, s, per_read=windows)))
    mean, var = zip(*stats, strict=True)
    return torch.stack(mean), torch.stack(var)  # (B, C) each


@contextlib.contextmanager
def item_statistics_in(conv_layers: nn.ModuleList, batch: Tensor, lengths: Tensor) -> Iterator[None]:
    """While inside, layer 0's GroupNorm (if it has one) normalizes each item with its own statistics."""
    block = conv_layers[0]
    norm = block.layer_norm
    if not isinstance(norm, nn.GroupNorm):  # layer_norm mode: every position on its own already
        yield
        return
    if norm.num_groups != norm.num_channels:
        raise ValueError(
            f"Layer 0's GroupNorm has {norm.num_groups} groups for {norm.num_channels} channels, "
            "not one per channel: exact_batch knows wav2vec2's group_norm mode only."
        )
    mean, var = item_layer0_statistics(block.conv, batch, lengths)
    block.layer_norm = FrozenGroupNorm(norm, mean, var).to(batch.device)
    try:
        yield
    finally:
        block.layer_norm = norm


def normalize_items(waveforms: Tensor, lengths: Tensor) -> Tensor:
    """``layer_norm`` of each item over its own valid samples, what a torchaudio normalizing bundle
    computes for the item alone; padding stays 0. ``[B, T]`` in and out."""
    out = torch.zeros_like(waveforms)  # (B, T)
    for b, n in enumerate(lengths.tolist()):
        out[b, :n] = torch.nn.functional.layer_norm(waveforms[b, :n], (n,))
    return out


def hf_batch_inputs(processor, clips: Sequence, sampling_rate: int = 16_000) -> dict[str, Tensor]:
    """``input_values`` and ``attention_mask`` for a Hugging Face model, from a list of clips, as
    ``processor`` (a ``Wav2Vec2FeatureExtractor`` or a processor holding one) would make them,
    except that each clip goes through the processor alone: with ``do_normalize`` each is normalized
    over its own samples, not over its padded row. Then the rows are padded with the processor's
    ``padding_value`` and the mask marks each clip's samples. With :func:`exact_batch`, each item's
    outputs equal that clip alone through processor and model.

    Args:
        clips: 1-D arrays or tensors (mono, at ``sampling_rate``).

    Returns:
        ``{"input_values": float32 [B, T], "attention_mask": int64 [B, T]}``, ``T`` the longest clip.
    """
    extractor = getattr(processor, "feature_extractor", processor)
    alone = [
        extractor(np.asarray(c, dtype=np.float32), sampling_rate=sampling_rate, return_tensors="pt") for c in clips
    ]
    rows = [a["input_values"][0] for a in alone]  # (T_b,) each
    longest = max(r.numel() for r in rows)
    values = torch.full((len(rows), longest), float(extractor.padding_value))  # (B, T)
    mask = torch.zeros(len(rows), longest, dtype=torch.long)  # (B, T)
    for b, r in enumerate(rows):
        values[b, : r.numel()], mask[b, : r.numel()] = r, 1
    return {"input_values": values, "attention_mask": mask}
