"""What the two normalizations compute, in textbook form, and a measurement of their axes.

On a conv output ``x`` of shape ``[batch, channels C, frames T]``:

* ``nn.GroupNorm(C, C)`` (group_norm mode, first layer only) has one group per channel, so it is
  **instance norm**: for every (item, channel) the mean and variance are taken over the T
  frames of the whole utterance.
* the transpose :class:`~w2v2_walkthrough.components.LayerNorm` (layer_norm mode, every layer)
  takes, for every (item, frame), the mean and variance over the C channels of that frame.

The image-style formulas ("GroupNorm averages over (C/G)*H*W, LayerNorm over C*H*W") describe
neither correctly for these modules: :func:`measure_normalized_axes` shows what they really do.
"""

import torch
from torch import Tensor, nn


def normalize_over(
    x: Tensor, dim: int, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """``(x - mean) / sqrt(var + eps)`` with biased statistics over ``dim`` of ``[batch, C, T]``,
    then the per-channel affine map. The two norms below differ only in ``dim``."""
    mean = x.mean(dim=dim, keepdim=True)
    var = x.var(dim=dim, unbiased=False, keepdim=True)
    y = (x - mean) / torch.sqrt(var + eps)
    if weight is not None:
        y = y * weight[None, :, None] + bias[None, :, None]
    return y


def instance_norm_reference(
    x: Tensor, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Textbook form of ``GroupNorm(C, C)`` on ``[batch, C, T]``: statistics over time (dim 2), per channel."""
    return normalize_over(x, 2, weight, bias, eps)


def channel_layer_norm_reference(
    x: Tensor, weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5
) -> Tensor:
    """Textbook form of the transpose LayerNorm on ``[batch, C, T]``: statistics over channels (dim 1), per frame."""
    return normalize_over(x, 1, weight, bias, eps)


#: Candidate statistics axes of a ``[batch, C, T]`` tensor, by what they describe.
CANDIDATE_AXES = {
    "over time, per (item, channel)": (2,),
    "over channels, per (item, frame)": (1,),
    "over channels and time, per item": (1, 2),
}


def measure_normalized_axes(norm: nn.Module, channels: int = 512, frames: int = 200, seed: int = 0) -> dict[str, float]:
    """Feed a norm module a ``[2, channels, frames]`` input whose every channel and frame has its own
    offset and scale, and report, for each candidate axis set, the worst deviation of the output
    from mean 0 / standard deviation 1 along those axes.

    The axes a module normalizes over score ~0; the others score far from 0. Affine parameters are
    temporarily set to the identity so that only the normalization is measured.
    """
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(2, channels, frames, generator=g)
    x = x * torch.rand(1, channels, 1, generator=g) * 5 + torch.randn(1, channels, 1, generator=g) * 3
    x = x * (1 + torch.rand(1, 1, frames, generator=g) * 4) + torch.randn(1, 1, frames, generator=g) * 2
    saved = {k: v.clone() for k, v in norm.state_dict().items()}
    try:
        with torch.no_grad():
            if getattr(norm, "weight", None) is not None:
                norm.weight.fill_(1.0)
                norm.bias.fill_(0.0)
            y = norm(x)
    finally:
        norm.load_state_dict(saved)
    report = {}
    for label, dims in CANDIDATE_AXES.items():
        mean_dev = y.mean(dim=dims).abs().max()
        std_dev = (y.var(dim=dims, unbiased=False).sqrt() - 1).abs().max()
        report[label] = float(max(mean_dev, std_dev))
    return report


def normalized_axes(norm: nn.Module, tol: float = 1e-3) -> str:
    """The label from :data:`CANDIDATE_AXES` over which ``norm`` normalizes (measured).

    Normalizing over a set of axes also normalizes over any larger set (every channel at mean 0,
    variance 1 over time means the whole item is too), so the answer is the *finest* set that
    scores below ``tol``.
    """
    report = measure_normalized_axes(norm)
    hits = [label for label, dev in report.items() if dev < tol]
    hits = [h for h in hits if not any(set(CANDIDATE_AXES[o]) < set(CANDIDATE_AXES[h]) for o in hits)]
    if len(hits) != 1:
        raise RuntimeError(f"Could not identify the normalization axes: {report}")
    return hits[0]
