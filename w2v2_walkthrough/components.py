"""A line-by-line mirror of torchaudio's wav2vec2 convolutional feature extractor.

Mirrors ``torchaudio/models/wav2vec2/components.py`` (torchaudio 2.11.0): ``LayerNorm``,
``ConvLayerBlock``, ``FeatureExtractor`` and ``_get_feature_extractor`` (public here as
``get_feature_extractor``). Class names, constructor parameters, attribute names and the order
of operations are the same, so

* ``state_dict()`` keys and shapes equal those of torchaudio's ``model.feature_extractor`` and
  weights load in both directions with ``strict=True``;
* with the same weights the outputs are bit-for-bit identical (tests/package/test_equivalence.py).

The forward passes deliberately contain nothing that torchaudio's do not. Friendly input checks
(too short, NaN, stereo, ...) live in :mod:`w2v2_walkthrough.validation` and are applied by the
package's front doors (:func:`w2v2_walkthrough.extract_features`, tracing, chunked extraction).
"""

from typing import List, Optional, Tuple

import torch
from torch import Tensor, nn
from torch.nn import Module

NORM_MODES = ("group_norm", "layer_norm")


class LayerNorm(nn.LayerNorm):
    """Layer norm with transpose.

    ``nn.LayerNorm`` normalizes the *last* axis. Conv outputs are ``[batch, channels, positions]``
    (a layer's time steps; *frames* are the whole extractor's output vectors), so the input is
    transposed to ``[batch, positions, channels]``, normalized over the channels of each position
    separately, and transposed back.

    Shape: ``[batch, channels, positions]`` in and out.
    """

    def forward(self, input: Tensor) -> Tensor:
        x = input.transpose(-2, -1)  # [batch, positions, channels]
        x = nn.functional.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        x = x.transpose(-2, -1)  # [batch, channels, positions]
        return x


class ConvLayerBlock(Module):
    """One convolution unit of :class:`FeatureExtractor`: conv -> optional norm -> GELU.

    Args:
        in_channels (int): channels of the input (1 for the first block).
        out_channels (int): channels of the output (512 in every torchaudio preset).
        kernel_size (int): conv kernel width, in input steps.
        stride (int): conv stride, in input steps.
        bias (bool): whether the conv has a bias term ("conv_bias" in fairseq).
        layer_norm (Module or None): the normalization applied after the conv, or ``None``.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        stride: int,
        bias: bool,
        layer_norm: Optional[Module],
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride
        self.layer_norm = layer_norm
        self.conv = nn.Conv1d(
            in_channels=in_channels,
            out_channels=out_channels,
            kernel_size=kernel_size,
            stride=stride,
            bias=bias,
        )

    def forward(
        self,
        x: Tensor,
        length: Optional[Tensor],
    ) -> Tuple[Tensor, Optional[Tensor]]:
        """
        Args:
            x (Tensor): Shape ``[batch, in_channels, in_positions]``.
            length (Tensor or None): valid input length of each item, shape ``[batch]``.

        Returns:
            Tensor: Shape ``[batch, out_channels, out_positions]`` with
                ``out_positions = floor((in_positions - kernel_size) / stride) + 1`` (no padding).
            Tensor or None: valid output lengths, shape ``[batch]``, clamped at zero.
        """
        x = self.conv(x)
        if self.layer_norm is not None:
            x = self.layer_norm(x)
        x = nn.functional.gelu(x)

        if length is not None:
            length = torch.div(length - self.kernel_size, self.stride, rounding_mode="floor") + 1
            # An input shorter than the kernel gives a negative count: clamp it at zero.
            length = torch.max(torch.zeros_like(length), length)
        return x, length


class FeatureExtractor(Module):
    """Turns a batch of waveforms into a sequence of feature frames.

    Args:
        conv_layers (nn.ModuleList): the :class:`ConvLayerBlock` stack.
    """

    def __init__(
        self,
        conv_layers: nn.ModuleList,
    ):
        super().__init__()
        self.conv_layers = conv_layers

    def forward(
        self,
        x: Tensor,
        length: Optional[Tensor],
    ) -> Tuple[Tensor, Optional[Tensor]]:
        """
        Args:
            x (Tensor): a batch of audio, shape ``[batch, time]``.
            length (Tensor or None): valid length of each waveform in samples, shape ``[batch]``.

        Returns:
            Tensor: the features, shape ``[batch, frame, feature]``.
            Tensor or None: valid number of frames of each item, shape ``[batch]``.
        """
        if x.ndim != 2:
            raise ValueError(f"Expected the input Tensor to be 2D (batch, time). Found: {list(x.shape)}")

        x = x.unsqueeze(1)  # [batch, channel==1, time]
        for layer in self.conv_layers:
            x, length = layer(x, length)  # [batch, channels, positions]: frames after the last layer
        x = x.transpose(1, 2)  # [batch, frame, feature]
        return x, length


def get_feature_extractor(
    norm_mode: str,
    shapes: List[Tuple[int, int, int]],
    bias: bool,
) -> FeatureExtractor:
    """Build the conv stack exactly as torchaudio's ``_get_feature_extractor`` does.

    Args:
        norm_mode (str): ``"group_norm"``: one ``GroupNorm(C, C)`` after the *first* conv only
            (fairseq's "default" extractor mode: the Base models and wav2vec2 Large). ``"layer_norm"``:
            a transpose :class:`LayerNorm` after *every* conv (LV-60k, XLS-R, HuBERT/WavLM Large).
        shapes (list of (out_channels, kernel_size, stride)): the conv layers; every torchaudio
            preset uses ``[(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2``.
        bias (bool): whether each conv has a bias term.

    Returns:
        FeatureExtractor: ``[batch, time]`` in, ``[batch, frame, shapes[-1][0]]`` out.
    """
    if norm_mode not in NORM_MODES:
        raise ValueError(
            f"Invalid norm mode {norm_mode!r}: use 'group_norm' (one GroupNorm after layer 0, as in the Base "
            f"models) or 'layer_norm' (a LayerNorm after every layer, as in LV-60k and XLS-R)."
        )
    blocks = []
    in_channels = 1
    for i, (out_channels, kernel_size, stride) in enumerate(shapes):
        normalization = None
        if norm_mode == "group_norm" and i == 0:
            normalization = nn.GroupNorm(
                num_groups=out_channels,
                num_channels=out_channels,
                affine=True,
            )
        elif norm_mode == "layer_norm":
            normalization = LayerNorm(
                normalized_shape=out_channels,
                elementwise_affine=True,
            )
        blocks.append(
            ConvLayerBlock(
                in_channels=in_channels,
                out_channels=out_channels,
                kernel_size=kernel_size,
                stride=stride,
                bias=bias,
                layer_norm=normalization,
            )
        )
        in_channels = out_channels
    return FeatureExtractor(nn.ModuleList(blocks))


# --- beside the mirror (not part of torchaudio's code) -----------------------------------------


def conv_config(extractor: Module) -> List[Tuple[int, int, int]]:
    """``[(out_channels, kernel_size, stride), ...]`` of a mirror, torchaudio or Hugging Face conv
    stack (anything with ``conv_layers[i].conv``): the ``shapes`` argument :func:`get_feature_extractor`
    was built with."""
    return [(b.conv.out_channels, b.conv.kernel_size[0], b.conv.stride[0]) for b in extractor.conv_layers]
