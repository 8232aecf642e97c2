"""Weights for an extractor: seeded random (the offline default), a torchaudio bundle, or a checkpoint.

Pretrained weights need a download (torchaudio.pipelines) or a local file; nothing here ever
pretends random weights are pretrained: :class:`LoadedExtractor` says which you have.
"""

import os
import urllib.error
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import torch
from torch import Tensor, nn

from .components import FeatureExtractor, get_feature_extractor
from .presets import PRESETS, get_preset

PREFIX = "feature_extractor."


class LoadedExtractor(NamedTuple):
    extractor: FeatureExtractor
    preset: str
    source: str  # human-readable: where the weights came from
    pretrained: bool


def random_extractor(preset: str = "wav2vec2_base", seed: int = 0) -> FeatureExtractor:
    """The preset's extractor, initialised the way these models are initialised for pre-training,
    drawn from ``seed``: NOT pretrained.

    Every conv weight is drawn with ``torch.nn.init.kaiming_normal_``, as fairseq's
    ``ConvFeatureExtractionModel`` (``fairseq/models/wav2vec/wav2vec2.py``) and torchaudio's own
    pre-training init (``torchaudio.models.wav2vec2.model._init_hubert_pretrain_model``) do; conv
    biases and norm parameters keep PyTorch's defaults (norms: weight 1, bias 0). PyTorch's default
    conv init alone shrinks a group_norm model's conv outputs layer by layer (from layer 1 to 6 by
    331x for seed 0 on the bundled clip, printed in notebook 7); kaiming's keeps them near 1.

    Does not disturb the global random state.
    """
    p = get_preset(preset)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        extractor = get_feature_extractor(p.norm_mode, list(p.shapes), p.bias)
        for block in extractor.conv_layers:
            nn.init.kaiming_normal_(block.conv.weight)
    return extractor.eval()


def extractor_state_dict(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Take the feature-extractor weights out of a whole-model state dict.

    Accepts a torchaudio model (``feature_extractor.conv_layers...``), a Hugging Face model
    (``wav2vec2.feature_extractor...``, ``hubert.``, ``wavlm.`` or no prefix), a dict wrapping one
    under ``"state_dict"`` or ``"model"``, or an extractor's own state dict (``conv_layers...``).
    """
    for wrapper in ("state_dict", "model"):
        if wrapper in state and isinstance(state[wrapper], dict):
            state = state[wrapper]
    if not isinstance(state, dict) or not all(isinstance(k, str) for k in state):
        raise ValueError("The checkpoint is not a state dict (a mapping from parameter names to tensors).")
    picked = {}
    for key, value in state.items():
        if PREFIX in key:
            picked[key.split(PREFIX, 1)[1]] = value
    if not picked:
        picked = {k: v for k, v in state.items() if k.startswith("conv_layers.")}
    return picked


@dataclass(frozen=True)
class KeyMismatch:
    """How a state dict fails to fit a module: its keys the module lacks, the module's keys it lacks,
    and ``"key: given [shape] vs expected [shape]"`` for each key in both with another shape."""

    missing: list[str]
    unexpected: list[str]
    mis_shaped: list[str]

    def __bool__(self) -> bool:
        return bool(self.missing or self.unexpected or self.mis_shaped)

    def describe(self) -> str:
        return (
            f"\n  missing keys ({len(self.missing)}): {self.missing}"
            f"\n  unexpected keys ({len(self.unexpected)}): {self.unexpected}"
            f"\n  shape mismatches ({len(self.mis_shaped)}): {self.mis_shaped}"
        )


def key_mismatch(
    state: dict[str, Tensor], module: nn.Module, given: str = "checkpoint", target: str = "extractor"
) -> KeyMismatch:
    """What stands between ``state`` and ``module.load_state_dict(state, strict=True)``; empty
    (false) when it fits. ``given`` and ``target`` name the two sides in the shape lines."""
    own = module.state_dict()
    return KeyMismatch(
        missing=sorted(set(own) - set(state)),
        unexpected=sorted(set(state) - set(own)),
        mis_shaped=sorted(
            f"{k}: {given} {list(state[k].shape)} vs {target} {list(own[k].shape)}"
            for k in set(own) & set(state)
            if tuple(state[k].shape) != tuple(own[k].shape)
        ),
    )


def load_extractor_weights(extractor: FeatureExtractor, state: dict[str, Tensor], source: str = "checkpoint") -> None:
    """``load_state_dict(strict=True)`` with an error that lists missing, unexpected and mis-shaped keys."""
    mismatch = key_mismatch(state, extractor)
    if mismatch:
        hint = ""
        if any(".layer_norm." in k and not k.startswith("conv_layers.0.") for k in mismatch.unexpected):
            hint = " The checkpoint has a norm in every layer: try a layer_norm preset (e.g. wav2vec2_large_lv60k)."
        elif any(".layer_norm." in k for k in mismatch.missing):
            hint = " The checkpoint lacks norms the preset has: try a group_norm preset (e.g. wav2vec2_base)."
        elif any(k.endswith("conv.bias") for k in mismatch.unexpected + mismatch.missing):
            hint = " The presets differ in conv bias: pick one whose bias matches the checkpoint."
        raise ValueError(
            f"{source} does not fit this extractor.{mismatch.describe()}"
            f"\nPick the preset the checkpoint was trained with.{hint}"
        )
    extractor.load_state_dict(state, strict=True)


def random_label(seed: int) -> str:
    """What random weights are called wherever they are shown: never mistaken for pretrained ones."""
    return f"random weights (seed {seed}), NOT pretrained"


def load_extractor(preset: str = "wav2vec2_base", weights: str = "random", seed: int = 0) -> LoadedExtractor:
    """The preset's extractor with exactly the given weights (the command line's entry point):
    ``weights`` is ``"random"``, a torchaudio bundle name (an upper-case name such as
    ``"WAV2VEC2_BASE"``), or the path of a checkpoint (an existing file always counts as one).
    Weights that do not fit the preset are an error (:meth:`WeightChoice.load`)."""
    get_preset(preset)
    return WeightChoice(weights, seed).load(preset)


Architecture = tuple[str, bool]  # (norm_mode, conv bias): what decides whether weights fit a preset


def preset_architecture(preset: str) -> Architecture:
    p = get_preset(preset)
    return p.norm_mode, p.bias


def state_architecture(state: dict[str, Tensor]) -> Architecture:
    """The architecture an extractor state dict was saved from: a norm after layer 1 means
    layer_norm mode, a conv bias key means conv bias."""
    norm_mode = "layer_norm" if "conv_layers.1.layer_norm.weight" in state else "group_norm"
    return norm_mode, "conv_layers.0.conv.bias" in state


def describe_architecture(arch: Architecture) -> str:
    return f"{arch[0]}, {'with' if arch[1] else 'no'} conv bias"


class WeightChoice:
    """The weights a notebook or the command line runs with: its ``WEIGHTS`` and ``SEED`` parameters.

    ``weights`` is ``"random"``, a torchaudio bundle name (``"WAV2VEC2_BASE"``) or the path of a
    checkpoint (torchaudio or Hugging Face layout). A notebook asks for the extractor of a preset
    (:meth:`extractor`); it gets the given weights when they fit that preset's architecture (norm
    mode and conv bias), and random weights drawn from ``seed`` (:func:`random_extractor`) otherwise.
    :meth:`load` instead refuses weights that do not fit. :meth:`describe` says which, so nothing
    random is ever presented as pretrained.
    """

    def __init__(self, weights: str = "random", seed: int = 0):
        self.weights, self.seed = str(weights), int(seed)
        self._state: dict[str, Tensor] | None = None
        self.kind = "random"
        if self.weights != "random":
            self.kind = "bundle" if looks_like_bundle(self.weights) else "checkpoint"
            self._state = _bundle_state(self.weights) if self.kind == "bundle" else _checkpoint_state(self.weights)

    @property
    def is_random(self) -> bool:
        return self._state is None

    @property
    def architecture(self) -> Architecture | None:
        """``(norm_mode, bias)`` of the given weights; ``None`` for random weights."""
        return None if self._state is None else state_architecture(self._state)

    def fits(self, preset: str) -> bool:
        return self._state is not None and self.architecture == preset_architecture(preset)

    def load(self, preset: str = "wav2vec2_base") -> LoadedExtractor:
        """The preset's extractor with exactly these weights, and where they came from; weights that
        do not fit the preset raise ``ValueError`` listing the keys (random weights always fit)."""
        extractor = random_extractor(preset, self.seed)
        source = self._label(full_path=True)
        if not self.is_random:
            load_extractor_weights(extractor, self._state, source=source[0].upper() + source[1:])
        return LoadedExtractor(extractor.eval(), preset, source, not self.is_random)

    def extractor(self, preset: str = "wav2vec2_base") -> FeatureExtractor:
        """The preset's extractor: the given weights if they fit it, else random weights (``seed``)."""
        return self.load(preset).extractor if self.fits(preset) else random_extractor(preset, self.seed)

    def label(self) -> str:
        return self._label(full_path=False)

    def label_for(self, preset: str) -> str:
        """:meth:`label` of the weights :meth:`extractor` gives this preset."""
        return self.label() if self.is_random or self.fits(preset) else random_label(self.seed)

    def _label(self, full_path: bool) -> str:
        if self.kind == "bundle":
            return f"torchaudio bundle {self.weights} (pretrained)"
        if self.kind == "checkpoint":
            return f"checkpoint {self.weights if full_path else Path(self.weights).name}"
        return random_label(self.seed)

    def describe(self, preset: str) -> str:
        """One line: which weights :meth:`extractor` gives this preset, and why."""
        if self.is_random or self.fits(preset):
            return f"{preset}: {self.label()}"
        return (
            f"{preset}: {random_label(self.seed)}; {self.weights} is a "
            f"{describe_architecture(self.architecture)} model and does not fit {preset} "
            f"({describe_architecture(preset_architecture(preset))})"
        )

    def banner(self) -> str:
        """What a notebook prints first: the weights it runs with."""
        if self.is_random:
            return (
                f"Weights: {self.label()}: conv weights drawn with kaiming_normal_, as for pre-training.\n"
                "Every statement that depends on the weights is printed from them; "
                "run with WEIGHTS set to a bundle or checkpoint to see trained ones."
            )
        arch = describe_architecture(self.architecture)
        if not any(self.fits(p) for p in PRESETS):
            return (
                f"Weights: {self.label()}, a {arch} model, which fits none of the presets: every extractor "
                f"in this notebook gets {random_label(self.seed)}."
            )
        return (
            f"Weights: {self.label()}, a {arch} model.\n"
            f"Extractors of other architectures in this notebook get random weights (seed {self.seed})."
        )


def looks_like_bundle(weights: str) -> bool:
    """An upper-case identifier that is not an existing file: a ``torchaudio.pipelines`` bundle name."""
    return not Path(weights).exists() and weights.isidentifier() and weights.isupper()


def _bundle_state(bundle_name: str) -> dict[str, Tensor]:
    import torchaudio.pipelines as pipelines

    bundle = getattr(pipelines, bundle_name, None)
    if bundle is None or not hasattr(bundle, "get_model"):
        names = [n for n in dir(pipelines) if n.isupper() and n.startswith(("WAV2VEC2", "HUBERT", "WAVLM"))]
        raise ValueError(f"Unknown torchaudio bundle {bundle_name!r}. Wav2vec2-family bundles: {', '.join(names)}.")
    try:
        model = bundle.get_model()
    except (urllib.error.URLError, OSError) as err:
        where = os.path.join(torch.hub.get_dir(), "checkpoints", os.path.basename(getattr(bundle, "_path", "")))
        raise RuntimeError(
            f"Could not download the weights of {bundle_name} ({err}). Without a network, place the "
            f"file at {where}, or pass a local checkpoint path, or use weights='random'."
        ) from None
    return extractor_state_dict(model.state_dict())


def _checkpoint_state(path: str | Path) -> dict[str, Tensor]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"Checkpoint not found: {path}. Pass the path of a .pt/.pth/.bin state dict.")
    try:
        state = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as err:
        raise ValueError(
            f"{path} could not be read as a PyTorch checkpoint with weights_only=True ({type(err).__name__}). "
            f"Save a plain state dict: torch.save(model.state_dict(), path)."
        ) from None
    picked = extractor_state_dict(state)
    if not picked:
        raise ValueError(f"{path} holds no feature-extractor weights (no key contains 'conv_layers.').")
    return picked
