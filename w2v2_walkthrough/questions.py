"""Plumbing for notebook 10's answers: a torchaudio bundle's builder arguments, wav2vec 1.0's conv
encoder (the one fairseq#2790's error comes from), and a checkpoint-like layer 0 for the epsilon
question. Kept here so that the notebook's cells show the lesson, not the plumbing.
"""

import torch
from torch import Tensor, nn

from . import filters
from .presets import ConvSpec
from .weights import random_extractor

#: wav2vec **1.0**'s conv encoder: the default of ``conv_feature_layers`` in fairseq's
#: ``Wav2VecConfig`` (``fairseq/models/wav2vec/wav2vec.py``). wav2vec 2.0's is
#: :data:`w2v2_walkthrough.DEFAULT_SHAPES`.
WAV2VEC1_SHAPES: list[ConvSpec] = [(512, 10, 5), (512, 8, 4)] + [(512, 4, 2)] * 3 + [(512, 1, 1)] * 3


def bundle_params(bundle: str) -> dict:
    """The builder arguments torchaudio stores for a bundle (``torchaudio.pipelines.<bundle>``),
    e.g. ``encoder_embed_dim``; torchaudio keeps them in the private ``_params``."""
    import torchaudio

    return dict(getattr(torchaudio.pipelines, bundle)._params)


def wav2vec1_encoder(shapes: list[ConvSpec] = WAV2VEC1_SHAPES) -> nn.Sequential:
    """The lengths of wav2vec 1.0's ``ConvFeatureExtractionModel``: its bias-free convs, ``[B, 1, T]``
    in, ``[B, 512, frames]`` out. Its GroupNorm(1, 512) and ReLU change no length, so they are left out."""
    layers, channels = [], 1
    for out, kernel, stride in shapes:
        layers.append(nn.Conv1d(channels, out, kernel, stride=stride, bias=False))
        channels = out
    return nn.Sequential(*layers).eval()


def checkpoint_like(preset: str = "hubert_base", beta_std: float = 1.0, seed: int = 0) -> nn.Module:
    """A group_norm extractor shaped like a trained one at layer 0: its filters are
    :func:`filters.mel_cosine_bank` (Hann-windowed cosines, mel-spaced) and its GroupNorm's beta is
    drawn with std ``beta_std`` (0 at initialisation); the other layers are ``random_extractor``'s."""
    extractor = random_extractor(preset, seed)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        extractor.conv_layers[0].conv.weight.copy_(filters.mel_cosine_bank())
        extractor.conv_layers[0].layer_norm.bias.copy_(beta_std * torch.randn(512, generator=gen))
    return extractor


def layer0_variances(extractor: nn.Module, waveform: Tensor) -> Tensor:
    """Each layer-0 channel's variance over time (biased, as GroupNorm's), ``[C]``, for ``[T]``."""
    with torch.no_grad():
        y = extractor.conv_layers[0].conv(waveform[None, None])[0]  # (C, positions)
    return y.var(dim=1, unbiased=False)


def normalisation_changes(extractor: nn.Module, clip: Tensor) -> dict:
    """For one clip ``[T]``: how many layer-0 channels have a variance over the clip below
    ``100 eps`` (``quiet``, and the lowest peak frequency among them, ``quiet_from_hz``), and the
    relative change of the features under HF's ``do_normalize`` and under a 10x gain."""
    from .norms import sensitivity, zero_mean_unit_var

    eps = extractor.conv_layers[0].layer_norm.eps
    quiet = layer0_variances(extractor, clip) < 100 * eps  # (C,)
    peaks = filters.peak_frequencies(extractor.conv_layers[0].conv.weight)[quiet]
    changed = sensitivity(extractor, clip, {"do_normalize": zero_mean_unit_var, "x10": lambda x: 10 * x})
    return {"quiet": int(quiet.sum()), "quiet_from_hz": float(peaks.min()) if len(peaks) else None, **changed}
