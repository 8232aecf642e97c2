"""Config mapping: transformers' five feature-encoder config fields <-> torchaudio's three arguments.

* :func:`config_fields`: torchaudio's ``(norm_mode, shapes, bias)`` -> the fields, a dict;
  :func:`extractor_args` is its inverse (from a config object or a dict).
* :func:`build_config`: a config object from fields; :func:`preset_config`: a preset's config object.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from ..presets import PRESETS, ConvSpec, get_preset
from .library import FAMILIES, check_family, family_of, require_transformers

#: ``feat_extract_norm`` for each torchaudio ``norm_mode``.
NORM_NAMES = {"group_norm": "group", "layer_norm": "layer"}

#: The config fields that decide the feature encoder.
CONFIG_FIELDS = ("feat_extract_norm", "conv_dim", "conv_kernel", "conv_stride", "conv_bias")


def config_fields(norm_mode: str, shapes: Sequence[ConvSpec], bias: bool) -> dict:
    """The HF config fields for torchaudio's ``_get_feature_extractor(norm_mode, shapes, bias)``."""
    if norm_mode not in NORM_NAMES:
        raise ValueError(f"norm_mode must be one of {list(NORM_NAMES)}, got {norm_mode!r}")
    dims, kernels, strides = (list(column) for column in zip(*shapes, strict=True))
    return {
        "feat_extract_norm": NORM_NAMES[norm_mode],  # "group_norm" -> "group"
        "conv_dim": dims,
        "conv_kernel": kernels,
        "conv_stride": strides,
        "conv_bias": bool(bias),
    }


def extractor_args(config) -> tuple[str, list[ConvSpec], bool]:
    """The inverse of :func:`config_fields`: torchaudio's ``(norm_mode, shapes, bias)`` for an HF
    config object or a dict of its fields."""
    get = config.get if isinstance(config, dict) else lambda name, default=None: getattr(config, name, default)
    activation = get("feat_extract_activation", "gelu")
    if activation != "gelu":
        raise ValueError(
            f"feat_extract_activation is {activation!r}; torchaudio's extractor (and the mirror) always uses "
            f"GELU, so only feat_extract_activation='gelu' has a torchaudio counterpart."
        )
    norm = get("feat_extract_norm")
    if norm not in NORM_NAMES.values():
        raise ValueError(f"feat_extract_norm must be 'group' or 'layer', got {norm!r}.")
    dims, kernels, strides = get("conv_dim"), get("conv_kernel"), get("conv_stride")
    if not len(dims) == len(kernels) == len(strides):
        raise ValueError(
            f"conv_dim, conv_kernel and conv_stride must have one entry per layer, "
            f"got {len(dims)}, {len(kernels)} and {len(strides)}."
        )
    return f"{norm}_norm", [tuple(s) for s in zip(dims, kernels, strides, strict=True)], bool(get("conv_bias"))


def presets_for(config) -> list[str]:
    """The presets whose extractor an HF config (or dict of fields) describes."""
    norm_mode, shapes, bias = extractor_args(config)
    return [p.name for p in PRESETS.values() if (p.norm_mode, list(p.shapes), p.bias) == (norm_mode, shapes, bias)]


def build_config(fields: dict, family: str = "wav2vec2", **extra):
    """An HF config object (``Wav2Vec2Config``, ``HubertConfig`` or ``WavLMConfig``) with these fields."""
    cls = getattr(require_transformers(), FAMILIES[check_family(family)] + "Config")
    return cls(**fields, **extra)


def preset_config(preset: str, family: str | None = None, **extra):
    """The HF config of a preset's family (or ``family``) with the preset's feature-encoder fields."""
    p = get_preset(preset)
    return build_config(config_fields(p.norm_mode, p.shapes, p.bias), family or family_of(preset), **extra)


@dataclass(frozen=True)
class PresetRow:
    """One row of :func:`preset_table`: a preset in both libraries' terms."""

    preset: str
    config_class: str
    feat_extract_norm: str
    conv_bias: bool
    norm_mode: str
    bias: bool


def preset_table() -> list[PresetRow]:
    """Every preset: its HF config class and fields beside torchaudio's arguments."""
    rows = []
    for name, p in PRESETS.items():
        fields = config_fields(p.norm_mode, p.shapes, p.bias)
        cls = FAMILIES[family_of(name)] + "Config"
        rows.append(PresetRow(name, cls, fields["feat_extract_norm"], fields["conv_bias"], p.norm_mode, p.bias))
    return rows
