"""Exercises of notebook 9, The same extractor in Hugging Face transformers."""

import torch

from .. import arithmetic as ar
from .. import huggingface as hf
from ..components import get_feature_extractor
from ._core import Verdict, check_function, check_value

WAV2VEC2 = ([32] * 7, [10, 3, 3, 3, 3, 2, 2], [5, 2, 2, 2, 2, 2, 2])  # 32 channels keep the check quick

#: HF configs (feat_extract_norm, conv_dim, conv_kernel, conv_stride, conv_bias) the code exercise
#: is checked on: the presets' three architectures (narrower), and other stacks. In a one-layer stack the
#: GroupNorm and the LayerNorm have the same parameter names and shapes: only the outputs tell them apart.
CONFIGS = [
    ("group", *WAV2VEC2, False),
    ("layer", *WAV2VEC2, True),
    ("layer", *WAV2VEC2, False),
    ("group", [8, 16, 4], [10, 3, 2], [5, 2, 2], True),
    ("layer", [8, 16, 4], [10, 3, 2], [5, 2, 2], False),
    ("layer", [4, 4, 4, 4], [10, 3, 3, 2], [5, 2, 2, 2], True),
    ("layer", [6], [4], [2], True),
    ("group", [6], [4], [2], True),
]


def _hf_encoder(*fields):
    """HF's encoder for these config fields, with seeded random weights."""
    config = hf.build_config(dict(zip(hf.CONFIG_FIELDS, fields, strict=True)))
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        encoder = hf.feature_encoder(config)
        for p in encoder.parameters():  # norms too, so that no parameter sits at its init
            p.data.normal_(0, 1.0 / max(1, p[0].numel()) ** 0.5)
    return encoder


def _computes_the_same(answer, encoder) -> bool:
    """Build the mirror from the student's arguments, load HF's weights strictly, compare outputs."""
    norm_mode, shapes, bias = answer
    shapes = [tuple(s) for s in shapes]
    mirror = hf.copy_weights(encoder, get_feature_extractor(norm_mode, shapes, bias))
    x = torch.randn(2, ar.min_samples_for_frames(3, shapes), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return torch.equal(mirror(x, None)[0], encoder(x).transpose(1, 2))


def check_torchaudio_args(function) -> Verdict:
    """``torchaudio_args(feat_extract_norm, conv_dim, conv_kernel, conv_stride, conv_bias)`` ->
    ``(norm_mode, shapes, bias)``: the mirror built from it, loaded with HF's weights, must compute
    exactly what HF's encoder computes."""
    return check_function(
        function,
        CONFIGS,
        _hf_encoder,
        "Wav2Vec2Config spreads a layer's (channels, kernel, stride) over three lists: torchaudio wants "
        "one tuple per layer. Its norm_mode names end in '_norm', and bias is conv_bias.",
        same=_computes_the_same,
    )


def check_hf_short_lengths(prediction) -> Verdict:
    """What does HF's ``_get_feat_extract_output_lengths`` return for 0, 100 and 399 samples?"""
    expected = hf.output_lengths(hf.preset_config("wav2vec2_base"), [0, 100, 399]).tolist()
    return check_value(
        prediction,
        expected,
        "HF applies floor((L - k) / s) + 1 layer by layer, as torchaudio does, but never clamps a count "
        "at 0. Work layer 0 out by hand for 0 samples, then feed the result to layer 1.",
        same=lambda a, e: list(a) == e,
    )
