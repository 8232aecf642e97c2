"""Measuring the receptive field instead of asserting it.

* :func:`input_gradient`: ``d features[frame] / d waveform`` by autograd; its non-zero support
  is the set of samples the frame really depends on.
* :func:`span_gradients`: the same gradient for many frames in one backward pass, each frame's
  restricted to its own span (valid for local, ``layer_norm`` models only).
* :func:`path_counts`: how many spatial conv paths lead from each input sample to one output frame
  (the gradient of a one-channel all-ones linear stack). A property of the layer config alone: for
  wav2vec2 it ripples sample by sample and is a trapezoid on average, with 80-sample ramps.

Structure and gradient prove different things. No path from sample ``t`` to frame ``i`` means
``d frame_i / d sample_t == 0`` (every channel) for *any* weights (independence) in a ``layer_norm``
model. A non-zero gradient proves dependence for the weights at hand; a zero gradient alone proves
nothing (GELU's derivative vanishes at one point, weights can cancel). The gradients here are of
one scalar per frame, the sum of its channels: another scalar gives other values inside the span.
"""

import copy
import itertools
from collections.abc import Sequence

import torch
from torch import Tensor, nn

from . import arithmetic as ar
from .presets import ConvSpec, resolve_shapes


def input_gradient(extractor: nn.Module, waveform: Tensor, frames: int | Sequence[int]) -> Tensor:
    """``d sum(features[0, frame, :]) / d waveform`` for a ``[time]`` waveform, computed in float64.

    ``frames`` is one frame index (returns ``[time]``) or several (returns ``[len(frames), time]``;
    one forward pass is shared). The extractor is copied to float64 so no gradient underflows to
    an exact zero.
    """
    single = isinstance(frames, int)
    frames = [frames] if single else list(frames)
    model = copy.deepcopy(extractor).double().requires_grad_(False)  # no weight gradients needed
    x = waveform.detach().double().reshape(1, -1).requires_grad_(True)
    features, _ = model(x, None)
    grads = []
    for i, frame in enumerate(frames):
        if not 0 <= frame < features.shape[1]:
            raise ValueError(f"frame must be in [0, {features.shape[1]}), got {frame}")
        (grad,) = torch.autograd.grad(features[0, frame].sum(), x, retain_graph=i + 1 < len(frames))
        grads.append(grad[0])
    return grads[0] if single else torch.stack(grads)


def span_gradients(
    extractor: nn.Module, waveform: Tensor, frames: Sequence[int], shapes: Sequence[ConvSpec] | None = None
) -> Tensor:
    """``d sum(features[0, frame, :]) / d waveform`` on each frame's own span, ``[len(frames), rf]``.

    One backward pass of the *sum* of the frames, in float64. On a local (``layer_norm``) model a
    frame depends on no sample outside its span, so where the spans do not overlap, the sum's
    gradient on frame ``i``'s span is frame ``i``'s own. Frames whose spans overlap, or a
    ``group_norm`` model (its statistics make every frame depend on every sample), raise
    ``ValueError``: use :func:`input_gradient` there.
    """
    frames = list(frames)
    if not frames:
        raise ValueError("frames is empty: pass at least one frame index")
    if any(isinstance(m, nn.GroupNorm) for m in extractor.modules()):
        raise ValueError(
            "span_gradients needs a layer_norm model: in a group_norm model every frame "
            "depends on every sample. Use input_gradient(extractor, waveform, frame) instead."
        )
    spans = sorted(ar.frame_span(f, shapes) for f in frames)
    if any(end > next_start for (_, end), (next_start, _) in itertools.pairwise(spans)):
        raise ValueError(
            f"the spans of frames {frames} overlap; pick frames at least "
            f"{-(-ar.receptive_field(shapes) // ar.hop_length(shapes))} apart"
        )
    model = copy.deepcopy(extractor).double().requires_grad_(False)
    x = waveform.detach().double().reshape(1, -1).requires_grad_(True)
    features, _ = model(x, None)  # (1, frames, C)
    if max(frames) >= features.shape[1] or min(frames) < 0:
        raise ValueError(f"frames must be in [0, {features.shape[1]}), got {frames}")
    (grad,) = torch.autograd.grad(features[0, frames].sum(), x)
    return torch.stack([grad[0, slice(*ar.frame_span(f, shapes))] for f in frames])


def nonzero_span(grad: Tensor) -> tuple[int, int]:
    """``[first, last + 1)`` of the non-zero entries of a 1-D gradient."""
    hits = torch.nonzero(grad).flatten()
    if hits.numel() == 0:
        raise ValueError("the gradient is zero everywhere")
    return int(hits.min()), int(hits.max()) + 1


def path_counts(
    shapes: Sequence[ConvSpec] | None = None,
    num_samples: int | None = None,
    frame: int = 0,
) -> Tensor:
    """Number of spatial conv paths from each input sample to output frame ``frame``, ``[num_samples]``.

    Equals the gradient of a stack of single-channel convs with all-ones kernels (no norm, no
    nonlinearity): it depends on the layer config alone, never on weights. With ``C`` channels per
    layer every spatial path branches into ``C ** (layers - 1)`` paths to one output channel, the
    same factor for every sample. By default the input is
    just the receptive field and the frame is 0, so entry ``t`` is the paths from the frame's
    ``t``-th sample; the total is the product of the kernel sizes.
    """
    config = resolve_shapes(shapes)
    n = ar.receptive_field(config) if num_samples is None else num_samples
    if not 0 <= frame < ar.num_frames(n, config):
        raise ValueError(f"frame {frame} is not among the frames of {n} samples")
    x = torch.zeros(1, 1, n, dtype=torch.float64, requires_grad=True)
    h = x  # (1, 1, n): the input samples
    for _, k, s in config:
        all_ones = torch.ones(1, 1, k, dtype=torch.float64)  # every tap is weight 1
        h = nn.functional.conv1d(h, all_ones, stride=s)  # no norm, no GELU: only the paths
    h[0, 0, frame].backward()  # h is (1, 1, frames)
    return x.grad[0, 0]  # (n,): d frame / d sample = the number of paths
