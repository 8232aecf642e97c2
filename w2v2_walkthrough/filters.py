"""The first layer as a filter bank: frequency responses of its kernels and where they respond.

Layer 0 is ``Conv1d(1, 512, kernel_size=10, stride=5)``: 512 FIR filters of 10 taps (0.625 ms).
"""

import torch
from torch import Tensor

from .presets import SAMPLE_RATE


def frequency_responses(weight: Tensor, sample_rate: int = SAMPLE_RATE, n_fft: int = 512) -> tuple[Tensor, Tensor]:
    """Magnitude responses of ``[out, 1, k]`` conv kernels: ``(freqs [n_fft//2+1] in Hz, |H| [out, n_fft//2+1])``."""
    kernels = weight.detach()[:, 0].double()
    return torch.fft.rfftfreq(n_fft, 1 / sample_rate), torch.fft.rfft(kernels, n=n_fft).abs()


def peak_frequencies(weight: Tensor, sample_rate: int = SAMPLE_RATE, n_fft: int = 512) -> Tensor:
    """The frequency (Hz) at which each kernel's magnitude response is largest, ``[out]``."""
    freqs, magnitude = frequency_responses(weight, sample_rate, n_fft)
    return freqs[magnitude.argmax(dim=1)]


def channel_energy(activation: Tensor, window: int = 64) -> Tensor:
    """Smoothed energy of each channel over time: ``[channels, frames]`` -> ``[channels, frames // (window // 2)]``
    (mean of squares over windows of ``window`` frames, half overlapping)."""
    return torch.nn.functional.avg_pool1d(activation.detach().square()[None], window, window // 2)[0]
