import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=True)
# The build tooling (scripts/series) is tested too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import pytest
import torch
from torchaudio.models.wav2vec2 import components as ta_components

from w2v2_walkthrough import get_feature_extractor
from w2v2_walkthrough.presets import PRESETS

torch.set_num_threads(2)


def randomize_(module: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Give every parameter (norm affine ones too) seeded random values, so nothing is at its init."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            fan_in = p[0].numel()  # in_channels * kernel_size for a conv weight
            scale = 0.5 if p.ndim == 1 else 2.0 / fan_in**0.5  # keeps activations O(1) through GELUs
            p.copy_(torch.randn(p.shape, generator=g) * scale)
    return module


def torchaudio_pair(preset_name: str, seed: int = 0):
    """torchaudio's extractor with random weights, and the mirror loaded from it (strict)."""
    p = PRESETS[preset_name]
    ta = randomize_(ta_components._get_feature_extractor(p.norm_mode, list(p.shapes), p.bias), seed).eval()
    mirror = get_feature_extractor(p.norm_mode, list(p.shapes), p.bias).eval()
    mirror.load_state_dict(ta.state_dict(), strict=True)
    return ta, mirror


@pytest.fixture(params=sorted(PRESETS))
def preset_name(request):
    return request.param
