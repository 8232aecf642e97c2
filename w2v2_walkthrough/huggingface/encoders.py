"""HF feature encoders: built from configs (no download), weights copied both ways, HF's own
length and mask methods run on a tiny model."""

import torch
from torch import Tensor, nn

from ..components import conv_config, get_feature_extractor
from ..presets import SAMPLE_RATE, ConvSpec
from ..validation import check_waveform
from ..weights import key_mismatch
from .configs import CONFIG_FIELDS, build_config, config_fields
from .library import FAMILIES, check_family, modeling


def feature_encoder(config) -> nn.Module:
    """HF's feature encoder for a config, built locally (no download), in eval mode.

    ``Wav2Vec2FeatureEncoder``, ``HubertFeatureEncoder`` or ``WavLMFeatureEncoder`` by the config's
    ``model_type``; its weights have PyTorch's default init until you copy some in.
    """
    family = check_family(config.model_type)
    cls = getattr(modeling(family), FAMILIES[family] + "FeatureEncoder")
    return cls(config).eval()


def architecture(module: nn.Module) -> tuple[str, list[ConvSpec], bool]:
    """``(norm_mode, shapes, bias)`` of a conv stack: a mirror, torchaudio or HF feature encoder."""
    layers = module.conv_layers
    norm_mode = "group_norm" if isinstance(layers[0].layer_norm, nn.GroupNorm) else "layer_norm"
    return norm_mode, conv_config(module), layers[0].conv.bias is not None


def copy_weights(source: nn.Module, target: nn.Module) -> nn.Module:
    """``target.load_state_dict(source.state_dict(), strict=True)``, with an error that names the fix."""
    state = source.state_dict()
    mismatch = key_mismatch(state, target, given="source", target="target")
    if mismatch:
        raise ValueError(
            f"The weights do not fit:{mismatch.describe()}\nBuild the target with the source's architecture "
            f"(feat_extract_norm <-> norm_mode, conv_bias <-> bias, conv_dim/conv_kernel/conv_stride <-> "
            f"shapes): hf.to_hf(extractor) and hf.from_hf(encoder) do that for you."
        )
    target.load_state_dict(state, strict=True)
    return target


def to_hf(extractor: nn.Module, family: str = "wav2vec2") -> nn.Module:
    """HF's feature encoder with a mirror (or torchaudio) extractor's architecture and weights."""
    config = build_config(config_fields(*architecture(extractor)), family)
    return copy_weights(extractor, feature_encoder(config))


def from_hf(encoder: nn.Module) -> nn.Module:
    """A mirror extractor with an HF feature encoder's architecture and weights."""
    return copy_weights(encoder, get_feature_extractor(*architecture(encoder))).eval()


def hf_features(encoder: nn.Module, waveform: Tensor) -> Tensor:
    """HF encoder features as ``[batch, frame, feature]``, like the mirror's (HF returns
    ``[batch, feature, frame]``); checked input, no gradients."""
    x = check_waveform(waveform, SAMPLE_RATE, architecture(encoder)[1])  # (B, T)
    with torch.no_grad():
        return encoder(x).transpose(1, 2)  # (B, C, F) -> (B, F, C)


def tiny_model(config, head: str = "Model", **extra) -> nn.Module:
    """An HF model (``head`` ``"Model"``: ``Wav2Vec2Model``, ``HubertModel``, ``WavLMModel``;
    ``"ForCTC"``: ``Wav2Vec2ForCTC`` ...) with the config's conv kernels and strides, 2 channels and a
    one-layer, 8-wide transformer: cheap to build, and it carries HF's own length and mask methods."""
    family = check_family(config.model_type)
    fields = {k: getattr(config, k) for k in CONFIG_FIELDS} | {"conv_dim": [2] * len(config.conv_dim)}
    small = build_config(
        fields,
        family,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=1,
        intermediate_size=8,
        num_conv_pos_embeddings=2,
        num_conv_pos_embedding_groups=1,
        **extra,
    )
    return getattr(modeling(family), FAMILIES[family] + head)(small).eval()


def output_lengths(config, lengths) -> Tensor:
    """HF's ``_get_feat_extract_output_lengths(lengths)`` for a config (samples in, frames out)."""
    return tiny_model(config)._get_feat_extract_output_lengths(torch.as_tensor(lengths))


def feature_vector_mask(config, attention_mask: Tensor, num_frames: int) -> Tensor:
    """HF's frame-level mask ``_get_feature_vector_attention_mask(num_frames, attention_mask)``:
    ``[batch, num_frames]``, True where a frame is valid, from a sample-level ``[batch, time]`` mask."""
    return tiny_model(config)._get_feature_vector_attention_mask(num_frames, torch.as_tensor(attention_mask))
