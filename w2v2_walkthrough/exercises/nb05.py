"""Exercises of notebook 5, Group norm vs layer norm."""

import functools

import torch

from .. import norms
from ..i18n import translate as _
from ._core import Property, Verdict, check_function, check_value, is_unanswered, wrong

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
    hint = _(
        "give a dict with a count for each of {models}. Look at the axes the two norms "
        "measure: does either statistic ever include the batch axis?"
    ).format(models=", ".join(MODELS))
    return check_value(prediction, expected, hint)


@functools.cache
def _padded_batches(seed: int = 0, count: int = 6) -> list[tuple[torch.Tensor, list[int]]]:
    """``(x, lengths)``: float64 ``[batch, C, T]`` batches whose positions past ``lengths[b]`` are 0."""
    g = torch.Generator().manual_seed(seed)
    cases = []
    for n in range(count):
        batch, channels, positions = 1 + (n + 1) % 3, 3 + 2 * n, 7 + 5 * n
        x = torch.randn(batch, channels, positions, generator=g, dtype=torch.float64) * (1 + 3 * n) + n
        lengths = torch.randint(2, positions + 1, (batch,), generator=g)
        lengths[-1] = positions  # one item fills the batch (the last: a full first item is no shortcut)
        x = x * (torch.arange(positions) < lengths[:, None])[:, None]  # (B, C, T): zeros past each length
        cases.append((x, lengths.tolist()))
    return cases


def padded_stats_cases() -> list[tuple]:
    """``(mean, var, lengths, total)``: the statistics over every position of each padded batch."""
    return [(x.mean(dim=2), x.var(dim=2, unbiased=False), lengths, x.shape[2]) for x, lengths in _padded_batches()]


def _valid_stats(mean, var, lengths, total):
    """The reference: the statistics of the valid positions, measured on the batch itself."""
    x = {x.shape[2]: x for x, _ in _padded_batches()}[total]  # every case has its own total
    valid = [x[b, :, :n] for b, n in enumerate(lengths)]  # (C, n) each
    return torch.stack([v.mean(dim=1) for v in valid]), torch.stack([v.var(dim=1, unbiased=False) for v in valid])


def _same_tensor(a, e) -> bool:
    """Equal to a relative 1e-4 (float rounding), in whatever float dtype ``a`` was computed."""
    return (
        isinstance(a, torch.Tensor)
        and a.shape == e.shape
        and torch.allclose(a.double(), e.double(), rtol=1e-4, atol=1e-4)
    )


def _same_tensors(a, e) -> bool:
    return len(a) == len(e) and all(_same_tensor(x, y) for x, y in zip(a, e, strict=True))


def _full_items_kept(args, got) -> bool:
    mean, var, lengths, total = args
    full = [b for b, n in enumerate(lengths) if n == total]
    return all(_same_tensor(got[0][b], mean[b]) and _same_tensor(got[1][b], var[b]) for b in full)


#: What every right ``valid_stats`` does, whatever the batch: the last two say which of the
#: two statistics is wrong.
STATS_PROPERTIES = (
    Property("an item without padding keeps its statistics", _full_items_kept),
    Property("no variance is negative", lambda args, got: bool((got[1] >= -1e-9).all())),
    Property("the mean is right", lambda args, got: _same_tensor(got[0], _valid_stats(*args)[0])),
    Property("the variance is right", lambda args, got: _same_tensor(got[1], _valid_stats(*args)[1])),
)


@functools.cache
def _base():
    from ..weights import random_extractor

    return random_extractor("wav2vec2_base")


def norm_from_stats(valid_stats):
    """``instance_norm(x, lengths, eps)`` for :func:`norms.batched_features` built on a student's
    ``valid_stats``: zero the positions past each length, measure every position, correct."""

    def instance_norm(x, lengths, eps=1e-5):
        mask = (torch.arange(x.shape[2]) < torch.as_tensor(lengths)[:, None])[:, None]  # (B, 1, T)
        zeroed = (x * mask).double()  # (B, C, T)
        mean, var = valid_stats(zeroed.mean(dim=2), zeroed.var(dim=2, unbiased=False), list(lengths), x.shape[2])
        normed = (zeroed - mean[..., None]) / torch.sqrt(var[..., None] + eps)  # (B, C, T)
        return (normed * mask).to(x.dtype)

    return instance_norm


def check_valid_stats(function) -> Verdict:
    """``function(mean, var, lengths, total)``: from each (item, channel)'s mean and biased variance
    over all ``total`` positions of a batch that is 0 past ``lengths[b]`` (``[batch, C]`` each), the
    mean and variance over the valid positions alone, ``(mean, var)``. Checked on random batches,
    then inside a whole Base extractor: a batch of clips of different lengths normalized with these
    statistics must give each clip its features alone (to a relative 1e-4: float rounding)."""
    hint = "a 0 adds nothing to a sum. What are the sum and the sum of squares of the valid positions?"
    cases = padded_stats_cases()
    verdict = check_function(function, cases, _valid_stats, hint, _same_tensors, STATS_PROPERTIES)
    if not verdict.correct:
        return verdict
    from ..extraction import extract_features

    extractor = _base()
    g = torch.Generator().manual_seed(1)
    clips = [0.1 * torch.randn(n, generator=g) for n in (560, 880, 400)]  # the longest clip is not first
    batched = norms.batched_features(extractor, clips, instance_norm=norm_from_stats(function))
    alone = [extract_features(extractor, c)[0][0] for c in clips]
    if _same_tensors(batched, alone):
        right = _("Right! On random batches, and in a Base extractor: each clip's own features (to 1e-4).")
        return Verdict(True, right)
    return wrong(
        _(
            "right on the random batches, but in a Base extractor clips of 560, 880 and 400 samples "
            "batched together do not get their features alone."
        ),
        hint,
    )


def check_quiet_input(prediction, extractor, clip) -> Verdict:
    """Prediction: True if a 60 dB quieter copy (``0.001 * clip``) changes ``extractor``'s
    features by more than 10 %, False otherwise."""
    if is_unanswered(prediction):
        return check_value(prediction, None, "")
    change = norms.sensitivity(extractor, clip, {"quiet": lambda x: 1e-3 * x})["quiet"]
    hint = (
        "which of the numbers printed in 'Where eps shows' does a gain of 0.001 change, by how much, "
        "and what is it compared with?"
    )
    return check_value(prediction, change > 0.10, hint)
