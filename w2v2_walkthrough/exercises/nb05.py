"""Exercises of notebook 5, Group norm vs layer norm."""

import functools

import torch

from .. import norms
from ._core import Verdict, check_function, check_value, is_unanswered

#: The two models the notebook compares: group_norm and layer_norm, neither with a conv bias.
MODELS = ("wav2vec2_base", "hubert_large")


@functools.cache
def _frames_moved_by_a_neighbour(preset: str, num_samples: int = 1200, seed: int = 0) -> int:
    """Frames of clip A that change by more than 0.001 % when A shares a batch with clip B of the
    same length (no padding), compared with A alone."""
    from ..extraction import extract_features
    from ..weights import random_extractor

    g = torch.Generator().manual_seed(seed)
    a, b = 0.1 * torch.randn(2, num_samples, generator=g)
    extractor = random_extractor(preset, seed)
    alone = extract_features(extractor, a)[0][0]
    together = extract_features(extractor, torch.stack([a, b]))[0][0]
    return int((norms.frame_changes(together, alone) > 1e-5).sum())


def check_batch_neighbour(prediction) -> Verdict:
    """Prediction: {preset: how many of clip A's frames change by more than 0.001 % when A is
    batched with another clip of the same length}, for wav2vec2_base and hubert_large."""
    if is_unanswered(prediction):
        return check_value(prediction, None, "")
    expected = {preset: _frames_moved_by_a_neighbour(preset) for preset in MODELS}
    hint = (
        "give a dict with a count for each of " + ", ".join(MODELS) + ". Look at the axes the two norms "
        "measure: does either statistic ever include the batch axis?"
    )
    same = lambda a, e: set(a) == set(e) and all(int(a[k]) == e[k] for k in e)
    return check_value(prediction, expected, hint, same)


def _random_batches(seed: int = 0, count: int = 6) -> list[tuple[torch.Tensor, list[int]]]:
    """``(x, lengths)`` cases for a ``[batch, C, T]`` norm with per-item valid lengths."""
    g = torch.Generator().manual_seed(seed)
    cases = []
    for n in range(count):
        batch, channels, positions = 1 + n % 3, 3 + 2 * n, 7 + 5 * n
        x = torch.randn(batch, channels, positions, generator=g) * (1 + 3 * n) + n
        lengths = torch.randint(2, positions + 1, (batch,), generator=g)
        lengths[0] = positions  # one item always fills the batch, as the longest clip does
        cases.append((x, lengths.tolist()))
    return cases


def _same_tensor(a, e) -> bool:
    return isinstance(a, torch.Tensor) and a.shape == e.shape and torch.allclose(a, e, rtol=1e-4, atol=1e-4)


def _same_tensors(a, e) -> bool:
    return len(a) == len(e) and all(_same_tensor(x, y) for x, y in zip(a, e, strict=True))


@functools.cache
def _base():
    from ..weights import random_extractor

    return random_extractor("wav2vec2_base")


def check_valid_instance_norm(function) -> Verdict:
    """``function(x, lengths)``: GroupNorm(C, C)'s normalization of ``x`` ``[batch, C, T]`` (no
    affine map, eps 1e-5) with each item's statistics over its first ``lengths[b]`` positions
    only, and 0 past them. Checked on random tensors, then inside a whole Base extractor: a
    batch of clips of different lengths must give each clip its features alone (to a relative
    1e-4: float rounding)."""
    hint = (
        "each (item, channel) needs its own mean and biased variance over its valid positions only "
        "(a 0/1 mask and a count per item help); positions past the length become 0."
    )
    verdict = check_function(function, _random_batches(), norms.valid_instance_norm, hint, _same_tensor)
    if not verdict.correct:
        return verdict
    from ..extraction import extract_features

    extractor = _base()
    g = torch.Generator().manual_seed(1)
    batches = [[560, 880, 400]]  # the longest clip is not first
    cases = [([0.1 * torch.randn(n, generator=g) for n in lengths],) for lengths in batches]
    batched = lambda clips: norms.batched_features(extractor, clips, instance_norm=function)
    alone = lambda clips: [extract_features(extractor, c)[0][0] for c in clips]
    verdict = check_function(batched, cases, alone, hint, _same_tensors)
    if verdict.correct:
        return Verdict(True, "Right! On random tensors, and in a Base extractor: each clip's own features (to 1e-4).")
    return verdict


def check_quiet_input(prediction, extractor, clip) -> Verdict:
    """Prediction: True if a 60 dB quieter copy (``0.001 * clip``) changes ``extractor``'s
    features by more than 10 %, False otherwise."""
    if is_unanswered(prediction):
        return check_value(prediction, None, "")
    change = norms.sensitivity(extractor, clip, {"quiet": lambda x: 1e-3 * x})["quiet"]
    hint = "the gain cancels in (x - mean) / sqrt(var + eps) only while var is large next to eps."
    return check_value(prediction, change > 0.10, hint, lambda a, e: isinstance(a, bool) and a == e)
