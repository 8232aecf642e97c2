import math

import torch

from w2v2_walkthrough import filters
from w2v2_walkthrough.audio import tone


def test_peak_frequency_of_known_kernels():
    n = torch.arange(10, dtype=torch.float64)
    kernels = torch.stack(
        [
            torch.cos(2 * math.pi * f * n / 16000) * torch.hann_window(10, periodic=False, dtype=torch.float64)
            for f in (0.0, 4000.0, 8000.0)
        ]
    )[:, None]
    peaks = filters.peak_frequencies(kernels)
    assert peaks[0] == 0.0 and abs(peaks[1] - 4000) <= 250 and peaks[2] == 8000.0
    freqs, mag = filters.frequency_responses(kernels)
    assert freqs.shape == (257,) and mag.shape == (3, 257) and freqs[-1] == 8000.0


def test_channel_energy():
    x = torch.stack([tone(1000, 0.1), torch.zeros(1600)])  # 64 samples = 4 whole periods
    e = filters.channel_energy(x, window=64)
    assert e.shape == (2, 1600 // 32 - 1)
    assert torch.allclose(e[0], torch.full_like(e[0], 0.125), atol=0.01) and e[1].abs().max() == 0
