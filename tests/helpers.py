"""What several test modules share: seeded random weights, torchaudio/mirror pairs, checkpoint
layouts. Importable as ``helpers`` (pyproject's pytest ``pythonpath`` puts tests/ on the path)."""

import contextlib
from pathlib import Path

import numpy as np
import torch
import torchaudio
from torchaudio.models.wav2vec2 import components as ta_components
from torchaudio.pipelines._wav2vec2.utils import _get_model

from w2v2_walkthrough import get_feature_extractor
from w2v2_walkthrough.presets import DEFAULT_SHAPES, PRESETS

BASE, LV60K, HUBERT_LARGE = "wav2vec2_base", "wav2vec2_large_lv60k", "hubert_large"  # one preset per architecture
BUNDLE = "WAV2VEC2_BASE"


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


def architecture_pair(norm_mode: str, bias: bool, seed: int = 0, shapes=DEFAULT_SHAPES):
    """torchaudio's extractor of one architecture with random weights, and the mirror loaded from it
    (strict). ``shapes`` defaults to the full-size conv stack."""
    ta = randomize_(ta_components._get_feature_extractor(norm_mode, list(shapes), bias), seed).eval()
    mirror = get_feature_extractor(norm_mode, list(shapes), bias).eval()
    mirror.load_state_dict(ta.state_dict(), strict=True)
    return ta, mirror


def torchaudio_pair(preset_name: str, seed: int = 0):
    """:func:`architecture_pair` of a preset."""
    p = PRESETS[preset_name]
    assert list(p.shapes) == list(DEFAULT_SHAPES)
    return architecture_pair(p.norm_mode, p.bias, seed)


def torchaudio_extractor(preset: str, seed: int, bias: bool | None = None) -> torch.nn.Module:
    """torchaudio's own extractor of the preset's shape, every parameter seeded random (the reference)."""
    p = PRESETS[preset]
    extractor = ta_components._get_feature_extractor(p.norm_mode, list(p.shapes), p.bias if bias is None else bias)
    return randomize_(extractor, seed).eval()


def torchaudio_layout(extractor) -> dict:
    """A torchaudio model's key names (``torchaudio.models.Wav2Vec2Model.feature_extractor``)."""
    return {"feature_extractor." + k: v.clone() for k, v in extractor.state_dict().items()}


def hugging_face_layout(extractor) -> dict:
    """transformers' ``Wav2Vec2ForCTC`` names: ``wav2vec2.`` prefix, next to keys that are not the extractor's."""
    state = {"wav2vec2.feature_extractor." + k: v.clone() for k, v in extractor.state_dict().items()}
    state["wav2vec2.masked_spec_embed"] = torch.zeros(768)
    state["lm_head.weight"], state["lm_head.bias"] = torch.zeros(32, 768), torch.zeros(32)
    return state


def place_bundle_file(torch_home: Path, extractor, bundle: str = BUNDLE) -> Path:
    """The file torch hub would download for ``bundle``, in ``$TORCH_HOME/hub/checkpoints/``: a whole
    model's state dict, of the shapes the bundle's ``get_model()`` builds, holding ``extractor``'s weights."""
    found = getattr(torchaudio.pipelines, bundle)
    with torch.device("meta"):
        shapes = {k: v.shape for k, v in _get_model(found._model_type, found._params).state_dict().items()}
    shared = torch.zeros(max(s.numel() for s in shapes.values()))
    state = {k: shared[: s.numel()].view(s) for k, s in shapes.items()}
    state.update(torchaudio_layout(extractor))
    path = torch_home / "hub" / "checkpoints" / Path(found._path).name
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)
    return path


# ---------------------------------------------------------------------------------------------------------
# The series' second execution: the student edition, from its own folder, with a second set of weights
# and a second clip
# ---------------------------------------------------------------------------------------------------------

SECOND_SEED = 1
SECOND_WEIGHTS = "hann_cosine_layer0.pt"
SECOND_CLIP = "second_clip_22k_stereo.wav"
SECOND_CLIP_RATE = 22_050


def hann_cosines(filters: int = 512, taps: int = 10, sample_rate: int = 16_000) -> torch.Tensor:
    """An ideal layer 0: cosines at evenly spaced frequencies across 0..8 kHz under a Hann window
    (sampled at the taps' centres), each with the norm a kaiming_normal_ filter has on average."""
    n = torch.arange(taps, dtype=torch.float64)
    window = torch.sin(torch.pi * (n + 0.5) / taps) ** 2  # (taps,)
    freqs = (torch.arange(filters, dtype=torch.float64) + 0.5) * (sample_rate / 2) / filters  # (filters,)
    kernels = window * torch.cos(2 * torch.pi * freqs[:, None] * n / sample_rate)  # (filters, taps)
    kernels = kernels / kernels.norm(dim=1, keepdim=True) * 2**0.5  # E|w|^2 = taps * 2 / taps
    return kernels.float().unsqueeze(1)  # (filters, 1, taps)


def write_second_weights(folder: Path) -> Path:
    """Base weights whose layer 0 is :func:`hann_cosines`, SEED=1 elsewhere, as a torchaudio checkpoint."""
    from w2v2_walkthrough import random_extractor

    extractor = random_extractor(BASE, seed=SECOND_SEED)
    with torch.no_grad():
        extractor.conv_layers[0].conv.weight.copy_(hann_cosines())
    path = folder / SECOND_WEIGHTS
    torch.save(torchaudio_layout(extractor), path)
    return path


def write_second_clip(folder: Path) -> Path:
    """Another recording, deterministic: 2.25 s of the bundled clip backwards, then its first 0.35 s
    at half the level (2.60 s in all, not 3.44: the series' second execution runs on less audio),
    resampled to 22.05 kHz, in two channels that differ (the right one quieter, with a 330 Hz hum),
    as 16-bit PCM: the loader's resampling and channel averaging run."""
    import soundfile
    import soxr

    from w2v2_walkthrough import load_speech_clip

    clip = load_speech_clip()[0].numpy()  # (T,) at 16 kHz
    mono = soxr.resample(np.concatenate([clip[::-1][:36_000], 0.5 * clip[:5_600]]), 16_000, SECOND_CLIP_RATE)  # (T',)
    hum = 0.01 * np.sin(2 * np.pi * 330 * np.arange(mono.size) / SECOND_CLIP_RATE)
    stereo = np.stack([mono, 0.8 * mono + hum], axis=1)  # (T', 2)
    path = folder / SECOND_CLIP
    soundfile.write(path, stereo, SECOND_CLIP_RATE, subtype="PCM_16")
    return path


def run_student_edition_with_second_weights(folder: Path) -> dict:
    """The student edition written as ``make student`` writes it (to ``folder/student/`` instead of
    build/student/), read back, and every notebook executed from that folder with the second
    weights and the second clip (``make series WEIGHTS=... AUDIO=...``), one single-threaded kernel
    at a time (it runs beside the rest of the suite). Returns name -> executed notebook, or the
    ``CellExecutionError`` it raised."""
    import nbformat

    from series import editions, sources
    from series.student import write_student_edition

    delivered = folder / "student"
    write_student_edition({p.stem: sources.read_executed(p) for p in sources.sources()}, delivered)
    students = {p.stem: nbformat.read(p, as_version=4) for p in sorted(delivered.glob("*.ipynb"))}
    weights, clip = str(write_second_weights(folder)), editions.load_clip(write_second_clip(folder))
    return editions.execute_all(students, weights, SECOND_SEED, jobs=1, threads=1, cwd=delivered, audio=clip)


def in_this_thread(replacement, original):
    """``replacement`` when called from the thread that made it, ``original`` from any other: a test
    that monkeypatches a module function (``series.sources.execute``) leaves the series' second
    execution, running meanwhile in its background thread (tests/conftest.py), alone."""
    import threading

    mine = threading.current_thread()
    return lambda *args, **kwargs: (replacement if threading.current_thread() is mine else original)(*args, **kwargs)
