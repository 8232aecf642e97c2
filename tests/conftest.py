import contextlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=True)
# The build tooling (scripts/series) is tested too.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import pytest
import torch
from torchaudio.models.wav2vec2 import components as ta_components

from w2v2_walkthrough import get_feature_extractor
from w2v2_walkthrough.presets import DEFAULT_SHAPES, PRESETS

torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", 2)))


def _late(items):
    return [item for item in items if "student_run" in getattr(item, "fixturenames", ())]


def pytest_collection_modifyitems(session, config, items):
    """The tests of the series' second execution (other weights, student edition) run last..."""
    late = _late(items)
    items[:] = [item for item in items if item not in late] + late


def pytest_collection_finish(session):
    """...and when they are selected, that execution starts now, in the background, so it overlaps
    with everything else instead of adding to it."""
    late = _late(session.items)
    if late:
        module = late[0].module
        folder = Path(tempfile.mkdtemp(prefix="w2v2-second-weights-"))
        module.BACKGROUND["student_run"] = module.start_student_run(folder)
        session.config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@contextlib.contextmanager
def one_thread():
    """For loops of tiny ops: a second intra-op thread only adds synchronisation (and spins when
    the machine is busy)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def randomize_(module: torch.nn.Module, seed: int) -> torch.nn.Module:
    """Give every parameter (norm affine ones too) seeded random values, so nothing is at its init."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in module.parameters():
            fan_in = p[0].numel()  # in_channels * kernel_size for a conv weight
            scale = 0.5 if p.ndim == 1 else 2.0 / fan_in**0.5  # keeps activations O(1) through GELUs
            p.copy_(torch.randn(p.shape, generator=g) * scale)
    return module


def architecture_pair(norm_mode: str, bias: bool, seed: int = 0):
    """torchaudio's extractor of one architecture with random weights, and the mirror loaded from it (strict)."""
    ta = randomize_(ta_components._get_feature_extractor(norm_mode, list(DEFAULT_SHAPES), bias), seed).eval()
    mirror = get_feature_extractor(norm_mode, list(DEFAULT_SHAPES), bias).eval()
    mirror.load_state_dict(ta.state_dict(), strict=True)
    return ta, mirror


def torchaudio_pair(preset_name: str, seed: int = 0):
    """:func:`architecture_pair` of a preset."""
    p = PRESETS[preset_name]
    assert list(p.shapes) == list(DEFAULT_SHAPES)
    return architecture_pair(p.norm_mode, p.bias, seed)


@pytest.fixture(params=sorted(PRESETS))
def preset_name(request):
    return request.param
