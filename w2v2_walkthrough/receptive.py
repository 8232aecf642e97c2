"""Measuring the receptive field instead of asserting it.

* :func:`input_gradient`: ``d features[frame] / d waveform`` by autograd; its non-zero support
  is the set of samples the frame really depends on.
* :func:`path_counts`: how many conv paths lead from each input sample to one output frame (the
  gradient of an all-ones linear stack). Samples near the centre of the window are reached by
  more paths: the *effective* receptive field is peaked, not flat.
"""

from collections.abc import Sequence

import torch
from torch import Tensor, nn

from . import arithmetic as ar
from .presets import Shape


def input_gradient(extractor: nn.Module, waveform: Tensor, frames: int | Sequence[int]) -> Tensor:
    """``d sum(features[0, frame, :]) / d waveform`` for a ``[time]`` waveform, computed in float64.

    ``frames`` is one frame index (returns ``[time]``) or several (returns ``[len(frames), time]``;
    one forward pass is shared). The extractor is copied to float64 so no gradient underflows to
    an exact zero.
    """
    import copy

    single = isinstance(frames, int)
    frames = [frames] if single else list(frames)
    model = copy.deepcopy(extractor).double()
    x = waveform.detach().double().reshape(1, -1).requires_grad_(True)
    features, _ = model(x, None)
    grads = []
    for i, frame in enumerate(frames):
        if not 0 <= frame < features.shape[1]:
            raise ValueError(f"frame must be in [0, {features.shape[1]}), got {frame}")
        (grad,) = torch.autograd.grad(features[0, frame].sum(), x, retain_graph=i + 1 < len(frames))
        grads.append(grad[0])
    return grads[0] if single else torch.stack(grads)


def nonzero_span(grad: Tensor) -> tuple[int, int]:
    """``[first, last + 1)`` of the non-zero entries of a 1-D gradient."""
    hits = torch.nonzero(grad).flatten()
    if hits.numel() == 0:
        raise ValueError("the gradient is zero everywhere")
    return int(hits.min()), int(hits.max()) + 1


def path_counts(shapes: Sequence[Shape] | None = None) -> Tensor:
    """Number of conv paths from each of the ``receptive_field`` input samples to one output frame.

    Equals the gradient of a stack of single-channel convs with all-ones kernels (no norm, no
    nonlinearity). Shape ``[receptive_field]``; the total is the product of the kernel sizes.
    """
    config = list(ar.DEFAULT_SHAPES if shapes is None else shapes)
    x = torch.zeros(1, 1, ar.receptive_field(config), dtype=torch.float64, requires_grad=True)
    h = x
    for _, kernel_size, stride in config:
        h = nn.functional.conv1d(h, torch.ones(1, 1, kernel_size, dtype=torch.float64), stride=stride)
    h.sum().backward()
    return x.grad[0, 0]
