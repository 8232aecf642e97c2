"""transformers itself: imported on first use, its wav2vec2-family modules found by family name."""

import importlib
import types

from ..presets import get_preset

#: transformers' model families whose feature encoder is wav2vec2's, and their class-name prefixes.
FAMILIES = {"wav2vec2": "Wav2Vec2", "hubert": "Hubert", "wavlm": "WavLM"}

INSTALL_HINT = (
    "Install it with `pip install transformers` (requirements.txt pins the version the series is "
    "tested with), or `pip install 'w2v2-walkthrough[huggingface]'`."
)


def require_transformers() -> types.ModuleType:
    """Import transformers, or fail with an error that says how to install it."""
    try:
        import transformers
    except ImportError:
        raise ImportError(f"This needs Hugging Face transformers, which is not installed. {INSTALL_HINT}") from None
    return transformers


def check_family(family: str) -> str:
    if family not in FAMILIES:
        raise ValueError(f"Unknown model family {family!r}. Choose one of: {', '.join(FAMILIES)}.")
    return family


def modeling(family: str = "wav2vec2") -> types.ModuleType:
    """transformers' modeling module of a family (``transformers.models.wav2vec2.modeling_wav2vec2`` ...)."""
    require_transformers()
    check_family(family)
    return importlib.import_module(f"transformers.models.{family}.modeling_{family}")


def family_of(preset: str) -> str:
    """The transformers family of a preset: ``"wav2vec2"``, ``"hubert"`` or ``"wavlm"``."""
    get_preset(preset)
    return preset.split("_")[0]
