"""Exercises of notebook 6, The waveform going in."""

import functools
import math

import torch

from .. import input_norm, norms
from ..i18n import translate as _
from ._core import KIND_NAMES, Property, Verdict, check_function, check_value, is_unanswered, kind, wrong

#: The batches of the predict-first exercise: clip A beside ...
PARTNERS = {
    "a": "A itself",
    "b": "A played backwards",
    "c": "2 x A (6 dB louder)",
    "d": "another clip B, shifted and scaled to A's own mean and variance",
    "e": "digital silence as long as A",
}


def partner(letter: str, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The second item of batch ``letter`` (:data:`PARTNERS`), as long as ``a``."""
    b = b[: a.numel()]
    same_stats = (b - b.mean()) / b.std(unbiased=False) * a.std(unbiased=False) + a.mean()
    return {"a": a, "b": a.flip(0), "c": 2 * a, "d": same_stats, "e": torch.zeros_like(a)}[letter]


@functools.lru_cache(maxsize=4)  # by identity: the checker is run again with the same model and clips
def unchanged_batches(model, a: torch.Tensor, b: torch.Tensor, tol: float = 1e-4) -> frozenset[str]:
    """The letters whose batch ``[A, partner]`` leaves every frame of A (``model(...)[0][0]``)
    within ``tol`` (relative) of A alone."""
    with torch.no_grad():
        alone = model(a[None])[0][0]  # (frames, C)
        moved = {k: model(torch.stack([a, partner(k, a, b)]))[0][0] for k in PARTNERS}
    return frozenset(k for k, v in moved.items() if float(norms.frame_changes(v, alone).max()) < tol)


def check_unchanged_batches(prediction, model, a, b) -> Verdict:
    """Prediction: the set of letters of :data:`PARTNERS` whose batch ``[A, partner]`` through
    ``model`` (a normalizing bundle wrapper) leaves A's frames as they are alone (to 0.01 %)."""
    if is_unanswered(prediction):
        return check_value(prediction, None, "")
    if not isinstance(prediction, (set, frozenset)):
        got = _(KIND_NAMES.get(kind(prediction), kind(prediction)))
        return wrong(
            _("give a set of letters such as {example}, not {kind}.").format(example="{'a', 'c'}", kind=got),
            "which numbers about the whole batch does layer_norm(waveforms, waveforms.shape) use?",
        )
    expected = unchanged_batches(model, a, b)
    hint = (
        "the wrapper uses two numbers of the whole (batch, time) tensor. For each partner, which of "
        "them does it move away from A's own?"
    )
    same = lambda answer, letters: {str(p).lower() for p in answer} == set(letters)
    return check_value(prediction, set(expected), hint, same)


def _cases() -> list[tuple]:
    """``(lengths, means, variances, padded_length)``: equal and unequal lengths, padding past
    the longest clip (bucketing), one-item batches, means far from 0."""
    g = torch.Generator().manual_seed(6)
    cases = [([4000], [0.01], [0.0025], 4000), ([4000, 4000], [0.0, 0.0], [0.01, 0.1], 4000)]
    for n in range(10):
        batch = 1 + n % 4
        padded = 1000 + 37 * n
        lengths = torch.randint(401, padded + 1, (batch,), generator=g).tolist()
        if n % 3 == 0:
            lengths[-1] = padded  # the longest clip fills the batch
        means = (torch.randn(batch, generator=g) * (0.5 if n % 2 else 0.01)).tolist()
        variances = (torch.rand(batch, generator=g) * 0.1 + 1e-4).tolist()
        cases.append((lengths, means, variances, padded + (50 if n == 7 else 0)))
    return cases


#: How close a right ``(mean, variance)`` must be to the package's: float32's precision (about
#: 6e-8 a step) with room for a sum over a batch; float64 or Python floats are far closer.
REL_TOL = 1e-6


def _close(got, expected, rel: float = REL_TOL) -> bool:
    return math.isclose(float(got), expected, rel_tol=rel, abs_tol=1e-12)


def _same_pair(got, expected) -> bool:
    return len(got) == 2 and all(_close(g, e) for g, e in zip(got, expected, strict=True))


def _nearly(i: int):
    """Whether item ``i`` of the answer is within a relative 1e-3 of the package's."""
    return lambda args, got: _close(got[i], input_norm.batch_statistics(*args)[i], 1e-3)


#: What a right ``batch_statistics`` returns: the first two say which number is wrong, the last
#: that both are close but not within :data:`REL_TOL` (float32 rounding, or a slip in a term).
BATCH_PROPERTIES = (
    Property("the mean is right", _nearly(0)),
    Property("the variance is right", _nearly(1)),
    Property(
        "both are within 0.1 % of the package's, but not within its relative 1e-6 (float32's "
        "rounding? compute in float64 or with Python floats)",
        lambda args, got: _same_pair(got, input_norm.batch_statistics(*args)),
    ),
)


def check_batch_statistics(function) -> Verdict:
    """``batch_statistics(lengths, means, variances, padded_length)``: the ``(mean, variance)``
    that ``layer_norm(waveforms, waveforms.shape)`` takes over clips zero-padded to
    ``padded_length``, from each clip's length, mean and biased variance."""
    hint = (
        "return a tuple (mean, variance). Which values does layer_norm average over: do the padding's "
        "zeros count? And what does one clip's mean and variance tell you about the sum of its squares?"
    )
    return check_function(
        function,
        _cases(),
        input_norm.batch_statistics,
        hint,
        _same_pair,
        BATCH_PROPERTIES,
        forbidden=("batch_statistics", "input_norm"),
    )
