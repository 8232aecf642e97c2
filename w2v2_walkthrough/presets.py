"""The feature-extractor configuration of every torchaudio wav2vec2-family builder.

Each preset names the torchaudio builder (``torchaudio.models.<name>``) it mirrors. The values
are checked against the builders themselves in tests/package/test_presets.py.
"""

from dataclasses import dataclass

#: One conv layer of the stack: ``(out_channels, kernel_size, stride)``; a list of them is torchaudio's ``shapes``.
ConvSpec = tuple[int, int, int]

#: The conv stack of every torchaudio wav2vec2 / HuBERT / WavLM preset.
DEFAULT_SHAPES: list[ConvSpec] = [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2


def resolve_shapes(shapes=None) -> list[ConvSpec]:
    """``shapes`` as a list, or :data:`DEFAULT_SHAPES` when it is ``None``: the one place where a
    missing conv config becomes the default one."""
    return list(DEFAULT_SHAPES if shapes is None else shapes)


#: The sample rate all these models were trained at.
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class Preset:
    """Arguments of :func:`w2v2_walkthrough.get_feature_extractor` for one torchaudio builder."""

    name: str
    norm_mode: str
    shapes: tuple[ConvSpec, ...]
    bias: bool
    bundle: str  # a torchaudio.pipelines bundle with pretrained weights of this architecture


def _preset(name: str, norm_mode: str, bias: bool, bundle: str) -> Preset:
    return Preset(name, norm_mode, tuple(DEFAULT_SHAPES), bias, bundle)


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        _preset("wav2vec2_base", "group_norm", False, "WAV2VEC2_BASE"),
        _preset("wav2vec2_large", "group_norm", False, "WAV2VEC2_LARGE"),
        _preset("wav2vec2_large_lv60k", "layer_norm", True, "WAV2VEC2_LARGE_LV60K"),
        _preset("wav2vec2_xlsr_300m", "layer_norm", True, "WAV2VEC2_XLSR_300M"),
        _preset("wav2vec2_xlsr_1b", "layer_norm", True, "WAV2VEC2_XLSR_1B"),
        _preset("wav2vec2_xlsr_2b", "layer_norm", True, "WAV2VEC2_XLSR_2B"),
        _preset("hubert_base", "group_norm", False, "HUBERT_BASE"),
        _preset("hubert_large", "layer_norm", False, "HUBERT_LARGE"),
        _preset("hubert_xlarge", "layer_norm", False, "HUBERT_XLARGE"),
        _preset("wavlm_base", "group_norm", False, "WAVLM_BASE"),
        _preset("wavlm_large", "layer_norm", False, "WAVLM_LARGE"),
    ]
}


def get_preset(name: str) -> Preset:
    """Look a preset up by builder name, with an error that lists the valid names."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"Unknown preset {name!r}. Choose one of: {', '.join(PRESETS)}.") from None
