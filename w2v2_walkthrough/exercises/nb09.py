"""Exercises of notebook 9, The same extractor in Hugging Face transformers."""

import functools

import torch

from .. import arithmetic as ar
from .. import huggingface as hf
from ..components import NORM_MODES, get_feature_extractor
from ._core import Property, Verdict, check_function, check_value, fits_kind, kind

WAV2VEC2 = ([32] * 7, [10, 3, 3, 3, 3, 2, 2], [5, 2, 2, 2, 2, 2, 2])  # 32 channels keep the check quick

#: HF configs (feat_extract_norm, conv_dim, conv_kernel, conv_stride, conv_bias) the code exercise
#: is checked on: the presets' three architectures (narrower), and other stacks, every one with at
#: least two layers: in a one-layer stack the GroupNorm and the LayerNorm have the same parameter
#: names and shapes, and a state dict could not tell them apart.
CONFIGS = [
    ("group", *WAV2VEC2, False),
    ("layer", *WAV2VEC2, True),
    ("layer", *WAV2VEC2, False),
    ("group", [8, 16, 4], [10, 3, 2], [5, 2, 2], True),
    ("layer", [8, 16, 4], [10, 3, 2], [5, 2, 2], False),
    ("layer", [4, 4, 4, 4], [10, 3, 3, 2], [5, 2, 2, 2], True),
    ("layer", [6, 5], [4, 3], [2, 1], True),
    ("group", [6, 5], [4, 3], [2, 1], False),
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
    norm_mode, shapes, bias = answer  # of the right kinds: ARGS_PROPERTIES are checked first
    shapes = [tuple(int(v) for v in s) for s in shapes]
    mirror = hf.copy_weights(encoder, get_feature_extractor(norm_mode, shapes, bool(bias)))
    x = torch.randn(2, ar.min_samples_for_frames(3, shapes), generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        return torch.equal(mirror(x, None)[0], encoder(x).transpose(1, 2))


@functools.cache
def _checkpoints() -> tuple[list[tuple], dict[int, torch.nn.Module]]:
    """The exercise's inputs, ``(state_dict, conv_stride)`` per config, and the encoder each
    state dict comes from (by the state dict's ``id``)."""
    cases, encoders = [], {}
    for config in CONFIGS:
        encoder = _hf_encoder(*config)
        state = encoder.state_dict()
        cases.append((state, list(config[3])))
        encoders[id(state)] = encoder
    return cases, encoders


#: What every right ``torchaudio_args`` returns, whatever the checkpoint.
ARGS_PROPERTIES = (
    Property("a triple (norm_mode, shapes, bias)", lambda args, got: kind(got) == "list" and len(got) == 3, first=True),
    Property("norm_mode is 'group_norm' or 'layer_norm'", lambda args, got: got[0] in NORM_MODES, first=True),
    Property(
        "one (channels, kernel, stride) of whole numbers per conv layer",
        lambda args, got: (
            kind(got[1]) == "list"
            and len(got[1]) == len(args[1])
            and all(fits_kind(layer, (1, 1, 1)) and len(layer) == 3 for layer in got[1])
        ),
        first=True,
    ),
    Property("bias is True or False", lambda args, got: kind(got[2]) == "bool", first=True),
)


def check_torchaudio_args(function) -> Verdict:
    """``torchaudio_args(state_dict, conv_stride)`` -> ``(norm_mode, shapes, bias)``, for the state
    dict of an HF feature encoder whose config is lost (only its strides are known): the mirror
    built from the answer, loaded with those weights, must compute exactly what HF's encoder computes."""
    cases, encoders = _checkpoints()
    return check_function(
        function,
        cases,
        lambda state, strides: encoders[id(state)],
        "which keys does each layer have, and what does a conv weight's shape [out, in, kernel] tell you? "
        "Which layers have a norm in each mode?",
        same=_computes_the_same,
        properties=ARGS_PROPERTIES,
        forbidden=("state_architecture", "architecture", "from_hf", "conv_config"),
    )


def check_hf_short_lengths(prediction) -> Verdict:
    """What does HF's ``_get_feat_extract_output_lengths`` return for 0, 100 and 399 samples?"""
    expected = hf.output_lengths(hf.preset_config("wav2vec2_base"), [0, 100, 399]).tolist()
    return check_value(
        prediction,
        expected,
        "reread HF's loop above one layer at a time: what does its line give for an input shorter "
        "than the kernel, and what does the next layer make of that?",
    )
