"""Capture every layer's intermediate activations with forward hooks.

Works on the mirror and on torchaudio's extractor alike: both have ``conv_layers[i].conv``,
``conv_layers[i].layer_norm`` and the block itself (whose output is after GELU).
"""

from dataclasses import dataclass, field

import torch
from torch import Tensor, nn

from .components import conv_config
from .presets import SAMPLE_RATE, ConvSpec
from .validation import check_waveform

STAGES = ("conv", "norm", "gelu")


@dataclass
class LayerActivations:
    """Activations of one conv block, each ``[batch, channels, frames]``.

    ``norm`` is ``None`` for blocks without normalization (group_norm mode, layers 1..6).
    """

    index: int
    conv: Tensor
    norm: Tensor | None
    gelu: Tensor

    def stage(self, name: str) -> Tensor | None:
        if name not in STAGES:
            raise ValueError(f"stage must be one of {STAGES}, got {name!r}")
        return getattr(self, name)


@dataclass
class Trace:
    """What :func:`trace_activations` captured.

    Attributes:
        waveform: the input, ``[batch, time]``.
        layers: one :class:`LayerActivations` per conv block.
        features: the extractor's output, ``[batch, frame, feature]``.
        lengths: valid frames per item, ``[batch]`` (``None`` when no lengths were given).
        conv_config: the extractor's ``[(out_channels, kernel_size, stride), ...]``.
    """

    waveform: Tensor
    conv_config: list[ConvSpec] = field(default_factory=list)
    layers: list[LayerActivations] = field(default_factory=list)
    features: Tensor | None = None
    lengths: Tensor | None = None

    def shapes(self) -> list[dict[str, object]]:
        """One row per layer: index and the shape of each captured stage."""
        return [
            {
                "layer": layer.index,
                **{
                    name: None if t is None else tuple(t.shape)
                    for name, t in zip(STAGES, (layer.conv, layer.norm, layer.gelu), strict=True)
                },
            }
            for layer in self.layers
        ]

    def table(self) -> str:
        """The shapes as aligned text, one line per layer."""
        lines = [f"{'layer':>5}  {'conv':<18}{'norm':<18}{'gelu':<18}"]
        for row in self.shapes():
            cells = ["-" if row[s] is None else str(list(row[s])) for s in STAGES]
            lines.append(f"{row['layer']:>5}  " + "".join(f"{c:<18}" for c in cells))
        return "\n".join(lines)


def trace_activations(
    extractor: nn.Module,
    waveform: Tensor,
    lengths: Tensor | None = None,
    sample_rate: int = SAMPLE_RATE,
) -> Trace:
    """Run ``extractor`` on ``waveform`` and record conv, norm and GELU outputs of every block.

    Args:
        extractor: a mirror or torchaudio ``FeatureExtractor``.
        waveform: mono audio ``[time]`` or ``[batch, time]`` (validated, see ``check_waveform``).
        lengths: optional valid lengths ``[batch]`` in samples.
        sample_rate: must be 16000 (checked).

    The hooks are removed before returning, also when the forward pass raises.
    """
    shapes = conv_config(extractor)
    waveform = check_waveform(waveform, sample_rate, shapes)
    captured: dict[str, dict[int, Tensor]] = {name: {} for name in STAGES}

    def recorder(stage: str, index: int):
        def hook(module, inputs, output):
            out = output[0] if isinstance(output, tuple) else output
            captured[stage][index] = out.detach().clone()

        return hook

    handles = []
    try:
        for i, block in enumerate(extractor.conv_layers):
            handles.append(block.conv.register_forward_hook(recorder("conv", i)))
            if block.layer_norm is not None:
                handles.append(block.layer_norm.register_forward_hook(recorder("norm", i)))
            handles.append(block.register_forward_hook(recorder("gelu", i)))
        with torch.no_grad():
            features, out_lengths = extractor(waveform, lengths)
    finally:
        for handle in handles:
            handle.remove()

    layers = [
        LayerActivations(i, captured["conv"][i], captured["norm"].get(i), captured["gelu"][i])
        for i in range(len(extractor.conv_layers))
    ]
    return Trace(waveform=waveform, conv_config=shapes, layers=layers, features=features, lengths=out_lengths)
