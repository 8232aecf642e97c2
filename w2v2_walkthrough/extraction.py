"""The checked front door: validate the input, then run an extractor without gradients."""

import torch
from torch import Tensor, nn

from .components import conv_config
from .presets import SAMPLE_RATE
from .validation import check_waveform


def extract_features(
    extractor: nn.Module,
    waveform: Tensor,
    sample_rate: int = SAMPLE_RATE,
    lengths: Tensor | None = None,
) -> tuple[Tensor, Tensor | None]:
    """Features of mono audio ``[time]`` or ``[batch, time]`` at 16 kHz.

    Returns:
        features ``[batch, frame, feature]`` and, when ``lengths`` (``[batch]``, in samples) is
        given, the valid number of frames per item.
    """
    x = check_waveform(waveform, sample_rate, conv_config(extractor))
    if lengths is not None:
        lengths = torch.as_tensor(lengths)
        if lengths.shape != (x.shape[0],):
            raise ValueError(f"lengths must have shape [batch] = [{x.shape[0]}], got {list(lengths.shape)}.")
        if int(lengths.max()) > x.shape[1] or int(lengths.min()) < 0:
            raise ValueError(f"lengths must lie in [0, {x.shape[1]}] (the padded length), got {lengths.tolist()}.")
    with torch.no_grad():
        return extractor(x, lengths)
