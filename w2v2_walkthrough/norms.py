"""What the two normalizations compute, in textbook form; a measurement of their axes; and what
that means for padding, input gain and DC offset.

On a conv output ``x`` of shape ``[batch, channels C, positions T]``:

* ``nn.GroupNorm(C, C)`` (group_norm mode, first layer only) has one group per channel, so it is
  **instance norm**: for every (item, channel) the mean and variance are taken over the T
  positions of the whole utterance. This is exactly the image formula "GroupNorm(G, C) averages
  over (C/G)·H·W" with G = C and H·W = T.
* the transpose :class:`~w2v2_walkthrough.components.LayerNorm` (layer_norm mode, every layer)
  takes, for every (item, position), the mean and variance over the C channels at that
  position. This is what departs from the image picture: the image "LayerNorm over C·H·W" would
  be ``GroupNorm(1, C)``, statistics over C·T per item.

:func:`measure_normalized_axes` shows what each module really does; :func:`padding_sweep`,
:func:`sensitivity` and :func:`with_eps` measure the consequences.
"""

import copy
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn

from .compare import difference
from .components import conv_config

# ----------------------------------------------------------------------------------------------
# Textbook forms (short on purpose: the notebook shows their source)


def normalize_over(
    x: Tensor,
    dims: int | tuple[int, ...],
    weight: Tensor | None = None,
    bias: Tensor | None = None,
    eps: float = 1e-5,
) -> Tensor:
    """``(x - mean) / sqrt(var + eps)`` with biased statistics over ``dims`` of ``[batch, C, T]``,
    then the per-channel affine map. The norms below differ only in ``dims``."""
    mean = x.mean(dim=dims, keepdim=True)
    var = x.var(dim=dims, unbiased=False, keepdim=True)  # biased, as the modules use
    y = (x - mean) / torch.sqrt(var + eps)
    if weight is None:
        return y
    return y * weight[None, :, None] + bias[None, :, None]  # per-channel affine


def instance_norm_reference(x: Tensor, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """``GroupNorm(C, C)`` on ``[batch, C, T]``: per (item, channel), over time."""
    return normalize_over(x, 2, weight, bias, eps)


def channel_layer_norm_reference(x: Tensor, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """The transpose ``LayerNorm(C)`` on ``[batch, C, T]``: per (item, position), over channels."""
    return normalize_over(x, 1, weight, bias, eps)


def valid_instance_norm(x: Tensor, lengths: Sequence[int] | Tensor, eps: float = 1e-5) -> Tensor:
    """``GroupNorm(C, C)`` without affine map, with each item's statistics taken over its first
    ``lengths[b]`` positions only; positions past an item's length are set to 0.

    Args:
        x: ``[batch, C, T]``.
        lengths: valid positions per item, ``[batch]``, each in ``[1, T]``.

    Returns:
        ``[batch, C, T]``; item ``b``'s first ``lengths[b]`` positions equal
        ``instance_norm_reference(x[b:b+1, :, :lengths[b]])``.
    """
    lengths = torch.as_tensor(lengths).reshape(-1)
    valid = torch.arange(x.shape[2]) < lengths[:, None]  # (B, T)
    mask = valid[:, None, :].to(x.dtype)  # (B, 1, T)
    count = lengths.to(x.dtype)[:, None, None]  # (B, 1, 1)
    mean = (x * mask).sum(dim=2, keepdim=True) / count  # (B, C, 1)
    var = ((x - mean) ** 2 * mask).sum(dim=2, keepdim=True) / count  # (B, C, 1)
    return (x - mean) / torch.sqrt(var + eps) * mask


# ----------------------------------------------------------------------------------------------
# Measuring the axes


#: Candidate statistics axes of a ``[batch, C, T]`` tensor, by what they describe.
CANDIDATE_AXES = {
    "over time, per (item, channel)": (2,),
    "over channels, per (item, position)": (1,),
    "over channels and time, per item": (1, 2),
}


def measure_normalized_axes(norm: nn.Module, channels: int = 512, frames: int = 200, seed: int = 0) -> dict[str, float]:
    """Feed a norm module a ``[2, channels, frames]`` input whose every channel and position has its
    own offset and scale, and report, for each candidate axis set, the worst deviation of the
    output from mean 0 / standard deviation 1 along those axes.

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


def normalized_axes(norm: nn.Module, tol: float = 1e-3, channels: int | None = None) -> str:
    """The label from :data:`CANDIDATE_AXES` over which ``norm`` normalizes (measured).

    Normalizing over a set of axes also normalizes over any larger set (every channel at mean 0,
    variance 1 over time means the whole item is too), so the answer is the *finest* set that
    scores below ``tol``. ``channels`` defaults to the module's own channel count.
    """
    return finest_axes(measure_normalized_axes(norm, channels=channels or _channels_of(norm)), tol)


def finest_axes(report: dict[str, float], tol: float = 1e-3) -> str:
    """The finest label of a :func:`measure_normalized_axes` report that scores below ``tol``:
    the axes the measured module normalizes over (see :func:`normalized_axes`)."""
    hits = [label for label, dev in report.items() if dev < tol]
    hits = [h for h in hits if not any(set(CANDIDATE_AXES[o]) < set(CANDIDATE_AXES[h]) for o in hits)]
    if len(hits) != 1:
        raise RuntimeError(f"Could not identify the normalization axes: {report}")
    return hits[0]


def _channels_of(norm: nn.Module) -> int:
    if isinstance(norm, nn.GroupNorm):
        return norm.num_channels
    if isinstance(norm, nn.LayerNorm):
        return norm.normalized_shape[0]
    raise TypeError(f"Expected a GroupNorm or LayerNorm module, got {type(norm).__name__}.")


def statistics_groups(dims: Sequence[int], batch: int, channels: int, positions: int) -> Tensor:
    """Which cells of a ``[batch, channels, positions]`` block share one mean and variance when the
    statistics are taken over ``dims`` (a value of :data:`CANDIDATE_AXES`): a label per cell,
    equal labels = one group. Statistics never cross items (dim 0 is never in ``dims``)."""
    dims = set(dims)
    if not dims or not dims <= {1, 2}:
        raise ValueError(f"dims must be a non-empty subset of (1, 2) (channels, time), got {sorted(dims)}.")
    b, c, t = torch.meshgrid(torch.arange(batch), torch.arange(channels), torch.arange(positions), indexing="ij")
    cells = torch.stack([b, c * (1 not in dims), t * (2 not in dims)], dim=-1)  # pooled axes -> 0
    return torch.unique(cells.reshape(-1, 3), dim=0, return_inverse=True)[1].reshape(b.shape)


# ----------------------------------------------------------------------------------------------
# Consequences: padding, gain, DC offset


def frame_changes(new: Tensor, reference: Tensor) -> Tensor:
    """Relative change of each frame, ``|new_t - ref_t| / |ref_t|`` over the feature axis
    (``[..., frame, feature]`` -> ``[..., frame]``); 0 where both frames are all zeros (digital
    silence through a bias-free layer_norm model), ``inf`` where only the reference is."""
    diff, size = (new - reference).norm(dim=-1), reference.norm(dim=-1)
    return torch.where(diff == 0, torch.zeros_like(diff), diff / size)


def _features(extractor: nn.Module, waveform: Tensor) -> Tensor:
    from .extraction import extract_features

    return extract_features(extractor, waveform)[0]


def padding_sweep(
    extractor: nn.Module,
    clip: Tensor,
    fractions: Sequence[float],
    after: Callable[[Tensor], Tensor] | None = None,
    measure: Callable[[Tensor, Tensor], Tensor] = frame_changes,
) -> Tensor:
    """How much zero padding changes a clip's own frames.

    For each fraction ``f``, ``clip`` (``[time]``) is zero-padded at the end by ``round(f * len)``
    samples, as the shorter item of a batch would be, and each of its valid frames (those of the
    clip alone) is compared with the clip run alone: ``measure(padded, alone)``, by default
    :func:`frame_changes`. ``after`` (``[frames, C] -> [frames, C']``), if given, is applied to
    both first, e.g. the next module's per-frame LayerNorm (:func:`feature_projection_norm`).

    Returns:
        ``measure`` per valid frame, ``[len(fractions), frames]``.
    """
    after = after or (lambda frames: frames)
    alone = _features(extractor, clip)[0]  # (frames, C)
    rows = []
    with torch.no_grad():
        for f in fractions:
            padded = _features(extractor, nn.functional.pad(clip, (0, round(f * clip.numel()))))
            rows.append(measure(after(padded[0, : len(alone)]), after(alone)))
    return torch.stack(rows)


def gain_share(new: Tensor, reference: Tensor) -> Tensor:
    """Share of each frame's squared change that is a gain of the whole frame (``[..., frame,
    feature]`` -> ``[..., frame]``): with ``g_t = <new_t, ref_t> / |ref_t|^2`` (the best gain),
    ``|(g_t - 1) ref_t|^2 / |new_t - ref_t|^2``. An uncentred gain: a per-frame LayerNorm removes
    it and also a uniform shift across the frame's features, so it removes somewhat more."""
    size = (reference * reference).sum(dim=-1)
    gain = (new * reference).sum(dim=-1) / size  # (..., frame)
    return (gain - 1) ** 2 * size / ((new - reference) ** 2).sum(dim=-1)


def feature_projection_norm(channels: int = 512) -> nn.Module:
    """The module that reads the extractor's frames next: the ``LayerNorm(512)`` of torchaudio's
    ``FeatureProjection`` (Hugging Face's ``Wav2Vec2FeatureProjection`` has the same), at its
    initialisation (``gamma = 1, beta = 0``). It normalizes each frame over its 512 channels."""
    from torchaudio.models.wav2vec2.components import FeatureProjection

    return FeatureProjection(channels, 768, 0.0).layer_norm


def zero_mean_unit_var(waveform: Tensor, eps: float = 1e-7) -> Tensor:
    """Hugging Face's ``do_normalize`` (``Wav2Vec2FeatureExtractor.zero_mean_unit_var_norm``) of
    one utterance ``[time]``: ``(x - mean) / sqrt(var + 1e-7)``, biased variance."""
    return (waveform - waveform.mean()) / torch.sqrt(waveform.var(unbiased=False) + eps)


def sensitivity(
    extractor: nn.Module, clip: Tensor, transforms: dict[str, Callable[[Tensor], Tensor]], padding: float = 0.0
) -> dict:
    """Relative change of the features (:func:`~w2v2_walkthrough.compare.difference`) of ``clip`` (``[time]``) when each
    transform is applied to it first, e.g. ``{"x10": lambda x: 10 * x}``. One batched pass: the
    items of a batch of equal lengths do not affect each other. With ``padding = f``, every item
    (the clip and each transformed clip) is zero-padded by ``round(f * len)`` samples *after* the
    transform, as in a batch with a longer clip, and only the clip's own frames are compared."""
    from .arithmetic import num_frames

    batch = torch.stack([clip] + [t(clip) for t in transforms.values()])  # (1 + n, time)
    batch = nn.functional.pad(batch, (0, round(padding * clip.numel())))
    frames = num_frames(clip.numel(), conv_config(extractor))
    features = _features(extractor, batch)[:, :frames]  # (1 + n, frames, C)
    return {name: difference(f, features[0]).relative for name, f in zip(transforms, features[1:], strict=True)}


def with_eps(extractor: nn.Module, eps: float) -> nn.Module:
    """A copy of ``extractor`` whose every norm (GroupNorm or LayerNorm) uses ``eps`` instead of
    1e-5: with ``eps`` near 0, what remains of a gain's effect is not the eps's doing."""
    changed = copy.deepcopy(extractor)
    for block in changed.conv_layers:
        if block.layer_norm is not None:
            block.layer_norm.eps = eps
    return changed


def run_layer0(extractor: nn.Module, waveform: Tensor, affine: bool = True) -> tuple[Tensor, Tensor | None]:
    """Layer 0's conv output and norm output (``None`` if it has no norm), ``[batch, C, T]``,
    for mono audio ``[time]`` or ``[batch, time]``: the cheap way to look at the statistics.

    With ``affine=False`` the norm output is taken *before* the norm's affine step (its
    per-channel ``gamma = weight``, ``beta = bias``): torch's own ``group_norm`` / ``layer_norm``
    called without them. That output has mean 0 and std ``sigma / sqrt(sigma^2 + eps)`` along
    the norm's axes for any weights; the module's output has ``beta_c`` and ``|gamma_c|`` times
    those in each channel."""
    block = extractor.conv_layers[0]
    norm = block.layer_norm
    with torch.no_grad():
        conv = block.conv(waveform.reshape(-1, waveform.shape[-1])[:, None])  # (B, C, T)
        if norm is None:
            return conv, None
        if affine:
            return conv, norm(conv)
        if isinstance(norm, nn.GroupNorm):
            return conv, nn.functional.group_norm(conv, norm.num_groups, None, None, norm.eps)
        if isinstance(norm, nn.LayerNorm):  # the transpose LayerNorm: over channels
            normalized = nn.functional.layer_norm(conv.transpose(-2, -1), norm.normalized_shape, None, None, norm.eps)
            return conv, normalized.transpose(-2, -1)
        raise TypeError(f"Expected a GroupNorm or LayerNorm after layer 0's conv, got {type(norm).__name__}.")


def batched_features(
    extractor: nn.Module, clips: Sequence[Tensor], instance_norm: Callable = valid_instance_norm
) -> list[Tensor]:
    """Features of clips of different lengths from ONE zero-padded batch, as if each clip were run
    alone (up to float rounding: the sums run in another order): every GroupNorm takes its
    statistics over each item's valid positions only (``instance_norm(x, lengths, eps)``, by
    default :func:`valid_instance_norm`); a LayerNorm needs nothing, its positions are independent.

    Returns:
        one ``[frames, feature]`` tensor per clip.
    """
    from .arithmetic import layer_output_lengths, min_samples_for_frames

    shapes = conv_config(extractor)
    if not clips or any(c.ndim != 1 for c in clips):
        raise ValueError("clips must be a non-empty list of mono waveforms [time] (1-D tensors).")
    lengths = [c.numel() for c in clips]
    if min(lengths) < min_samples_for_frames(1, shapes):
        raise ValueError(
            f"Every clip needs at least {min_samples_for_frames(1, shapes)} samples (one frame); got lengths {lengths}."
        )
    for block in extractor.conv_layers:
        norm = block.layer_norm
        if isinstance(norm, nn.GroupNorm) and norm.num_groups != norm.num_channels:
            raise ValueError(f"Only GroupNorm(C, C) (group_norm mode) is supported, got {norm}.")
    per_layer = torch.tensor([layer_output_lengths(n, shapes) for n in lengths])  # (B, layers)
    x = nn.utils.rnn.pad_sequence(list(clips), batch_first=True)[:, None]  # (B, 1, time)
    with torch.no_grad():
        for i, block in enumerate(extractor.conv_layers):
            x = block.conv(x)  # (B, C, T_i)
            norm = block.layer_norm
            if isinstance(norm, nn.GroupNorm):
                x = instance_norm(x, per_layer[:, i].tolist(), norm.eps)
                x = x * norm.weight[None, :, None] + norm.bias[None, :, None]
            elif norm is not None:
                x = norm(x)
            x = nn.functional.gelu(x)
    return [x[b, :, : per_layer[b, -1]].T for b in range(len(clips))]
