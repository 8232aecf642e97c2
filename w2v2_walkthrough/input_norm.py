"""The waveform going in: what each library normalizes, read from the installed libraries.

* :func:`bundle_rows`: every torchaudio wav2vec2/HuBERT/WavLM bundle, its norm mode, conv bias,
  whether ``get_model()`` normalizes the waveform, and whether its model takes ``lengths``;
  :func:`bundle_groups` folds them into rows of the same kind.
* :func:`hf_row`: what Hugging Face says for the same family and norm mode: the config class of
  the family, the preprocessor's shipped defaults, the mask its docstring prescribes for the norm
  mode. The config's ``feat_extract_norm`` and ``conv_bias`` are built from the bundle's own
  fields (transformers' names for them, not a second reading), so the table does not show them.
  Per-checkpoint preprocessor values live in each Hub repository's ``preprocessor_config.json``,
  which transformers does not ship: they are not in this table.
* :func:`bundle_frames_model`: torchaudio's own bundle wrapper (``_Wav2Vec2Model``, built by the
  ``_extend_model`` that ``get_model()`` calls) around an extractor, with the transformer left out,
  so that its output is the CNN frames. No weights are downloaded.
* :func:`batch_statistics`: the mean and variance the wrapper's ``layer_norm(waveforms,
  waveforms.shape)`` takes over a zero-padded batch, from each clip's own statistics.

Nothing here imports transformers at import time.
"""

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from .questions import bundle_params

__all__ = [
    "BundleRow",
    "FramesOnly",
    "HFRow",
    "batch_statistics",
    "bundle_frames_model",
    "bundle_groups",
    "bundle_rows",
    "hf_family",
    "hf_mask_advice",
    "hf_row",
]


@dataclass(frozen=True)
class BundleRow:
    """One torchaudio bundle, as its installed definition builds it."""

    name: str
    model_type: str  # torchaudio's factory: "Wav2Vec2" or "WavLM"
    norm_mode: str  # extractor_mode: "group_norm" or "layer_norm"
    conv_bias: bool
    normalizes: bool  # get_model() wraps the model in layer_norm(waveforms, waveforms.shape)
    takes_lengths: bool  # the model runs with lengths (its transformer masks the padded frames)

    @property
    def batch_leak(self) -> str:
        """What lets a padded batch change an item's valid frames, however ``lengths`` is given."""
        leaks = (["layer-0 GroupNorm"] if self.norm_mode == "group_norm" else []) + (
            ["waveform norm"] if self.normalizes else []
        )
        return " + ".join(leaks) or "nothing"


def _bundles() -> dict:
    import torchaudio.pipelines as pipelines

    return {
        name: bundle
        for name in sorted(dir(pipelines))
        if isinstance(bundle := getattr(pipelines, name), pipelines.Wav2Vec2Bundle)
    }


@functools.cache
def takes_lengths(model_type: str) -> bool:
    """Whether torchaudio's ``model_type`` model runs with ``lengths``: a two-item padded batch
    through a tiny model built by the bundle's own factory (``_get_model``)."""
    from torchaudio.pipelines._wav2vec2.utils import _get_model

    tiny = dict(
        extractor_mode="layer_norm",
        extractor_conv_layer_config=[(8, 10, 5), (8, 3, 2)],
        extractor_conv_bias=False,
        encoder_embed_dim=16,
        encoder_projection_dropout=0.0,
        encoder_pos_conv_kernel=4,
        encoder_pos_conv_groups=2,
        encoder_num_layers=1,
        encoder_num_heads=2,
        encoder_attention_dropout=0.0,
        encoder_ff_interm_features=16,
        encoder_ff_interm_dropout=0.0,
        encoder_dropout=0.0,
        encoder_layer_norm_first=True,
        encoder_layer_drop=0.0,
        aux_num_out=None,
    )
    if model_type == "WavLM":
        tiny.update(encoder_num_buckets=8, encoder_max_distance=16)
    model = _get_model(model_type, tiny).eval()
    try:
        with torch.no_grad():
            model(torch.randn(2, 400), torch.tensor([400, 300]))
    except AssertionError:  # WavLM's attention: assert attention_mask is None
        return False
    return True


def bundle_rows() -> list[BundleRow]:
    """Every ``Wav2Vec2Bundle`` in the installed ``torchaudio.pipelines``, read from its definition."""
    rows = []
    for name, bundle in _bundles().items():
        params = bundle_params(name)  # torchaudio's private _params, read in one place
        rows.append(
            BundleRow(
                name,
                bundle._model_type,
                params["extractor_mode"],
                bool(params["extractor_conv_bias"]),
                bool(bundle._normalize_waveform),
                takes_lengths(bundle._model_type),
            )
        )
    return rows


def bundle_groups(rows: Sequence[BundleRow] | None = None) -> dict[tuple, list[str]]:
    """Bundle names by ``(model_type, norm_mode, conv_bias, normalizes, takes_lengths)``."""
    groups: dict[tuple, list[str]] = {}
    for row in bundle_rows() if rows is None else rows:
        key = (row.model_type, row.norm_mode, row.conv_bias, row.normalizes, row.takes_lengths)
        groups.setdefault(key, []).append(row.name)
    return groups


def hf_family(bundle_name: str) -> str:
    """The transformers family of a torchaudio bundle: HuBERT and WavLM by name, else wav2vec2
    (torchaudio builds HuBERT with its Wav2Vec2 factory; VoxPopuli, XLS-R and MMS are wav2vec2)."""
    return next((f for f in ("hubert", "wavlm") if bundle_name.lower().startswith(f)), "wav2vec2")


@functools.cache
def hf_mask_advice() -> dict[str, bool]:
    """``{feat_extract_norm: pass an attention_mask?}`` as the installed
    ``Wav2Vec2FeatureExtractor``'s docstring prescribes it (group: not trained with one; layer:
    pass it for batched inference). Raises if the docstring no longer says so."""
    from transformers.models.wav2vec2.feature_extraction_wav2vec2 import Wav2Vec2FeatureExtractor

    doc = " ".join(Wav2Vec2FeatureExtractor.__doc__.split())
    group = 'feat_extract_norm == "group"'
    layer = 'feat_extract_norm == "layer"'
    if not (group in doc and "**not** been trained using `attention_mask`" in doc.split(group, 1)[1][:300]):
        raise ValueError("Wav2Vec2FeatureExtractor's docstring no longer advises against a mask for group models.")
    if not (layer in doc and "`attention_mask` should be passed" in doc.split(layer, 1)[1][:300]):
        raise ValueError("Wav2Vec2FeatureExtractor's docstring no longer asks for a mask for layer models.")
    return {"group": False, "layer": True}


@dataclass(frozen=True)
class HFRow:
    """What transformers says for a family and norm mode."""

    config_class: str
    feat_extract_norm: str  # transformers' name for the bundle's norm mode, built from it
    do_normalize: bool  # Wav2Vec2FeatureExtractor's shipped default
    return_attention_mask: bool  # its shipped default
    mask_advised: bool  # what its docstring prescribes for this feat_extract_norm


def hf_row(row: BundleRow) -> HFRow:
    """The Hugging Face counterpart of a bundle: the config class transformers has for its family
    (built from the bundle's norm mode and bias, so its ``feat_extract_norm`` is that mode under
    transformers' name, not a reading of any checkpoint), the mask the preprocessor's docstring
    prescribes for that mode, and the preprocessor's shipped defaults (a checkpoint's own
    ``preprocessor_config.json`` may set others: it is on the Hub, not in transformers)."""
    from transformers.models.wav2vec2.feature_extraction_wav2vec2 import Wav2Vec2FeatureExtractor

    from .huggingface import build_config, config_fields
    from .presets import DEFAULT_SHAPES

    config = build_config(config_fields(row.norm_mode, DEFAULT_SHAPES, row.conv_bias), hf_family(row.name))
    defaults = Wav2Vec2FeatureExtractor()
    return HFRow(
        type(config).__name__,
        config.feat_extract_norm,
        bool(defaults.do_normalize),
        bool(defaults.return_attention_mask),
        hf_mask_advice()[config.feat_extract_norm],
    )


class FramesOnly(nn.Module):
    """Stands in for the transformer in a ``Wav2Vec2Model``: returns the CNN frames
    ``[batch, frame, C]`` as they come, so a bundle wrapper's output is the extractor's."""

    def forward(self, x: Tensor, lengths: Tensor | None = None) -> Tensor:
        return x


def bundle_frames_model(extractor: nn.Module, normalize_waveform: bool = True) -> nn.Module:
    """torchaudio's bundle wrapper (``_Wav2Vec2Model``, built by ``utils._extend_model`` as
    ``get_model()`` builds it) around ``Wav2Vec2Model(extractor, FramesOnly(), None)``: the
    wrapper's forward runs as it does in a bundle, the transformer is left out, so
    ``model(waveforms)[0]`` is the CNN frames ``[batch, frame, C]``. No weights are downloaded."""
    from torchaudio.models import Wav2Vec2Model
    from torchaudio.pipelines._wav2vec2.utils import _extend_model

    model = Wav2Vec2Model(extractor, FramesOnly(), None)  # the transformer left out
    return _extend_model(model, normalize_waveform).eval()


def batch_statistics(
    lengths: Sequence[int], means: Sequence[float], variances: Sequence[float], padded_length: int
) -> tuple[float, float]:
    """The mean and (biased) variance ``layer_norm(waveforms, waveforms.shape)`` takes over a
    batch of clips zero-padded to ``padded_length`` samples, from each clip's own length, mean
    and biased variance: all ``B * padded_length`` values count, the padding's zeros too."""
    n = torch.tensor(lengths, dtype=torch.float64)  # (B,)
    m = torch.tensor(means, dtype=torch.float64)  # (B,)
    v = torch.tensor(variances, dtype=torch.float64)  # (B,)
    total = len(lengths) * padded_length
    mean = float((n * m).sum() / total)
    second_moment = float((n * (v + m**2)).sum() / total)  # E[x^2]; padding adds zeros
    return mean, second_moment - mean**2


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def table_lines(rows: Sequence[BundleRow] | None = None) -> list[str]:
    """The chapter's table: one line per (family, norm mode, conv bias) of the bundles, torchaudio's
    columns beside Hugging Face's config class and advised mask (:func:`hf_row`)."""
    rows = bundle_rows() if rows is None else rows
    groups: dict[tuple, list[BundleRow]] = {}
    for row in rows:
        groups.setdefault((hf_family(row.name), row.norm_mode, row.conv_bias), []).append(row)
    head = f"{'bundles':<17}{'norm_mode':<11}{'bias':<5}{'wave norm':<10}{'lengths':<8}"
    lines = [head + f"| {'HF config':<15}mask advised"]
    for (family, norm_mode, bias), members in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        first, hf = members[0], hf_row(members[0])
        if len({(m.normalizes, m.takes_lengths) for m in members}) != 1:
            raise ValueError(f"{family} {norm_mode} bundles differ in normalization or lengths: {members}")
        left = f"{len(members):>2} {family:<14}{norm_mode:<11}{_yes(bias):<5}{_yes(first.normalizes):<10}"
        left += f"{'masked' if first.takes_lengths else 'refused':<8}"
        lines.append(left + f"| {hf.config_class:<15}{_yes(hf.mask_advised)}")
    return lines


def bundle_name_lines(rows: Sequence[BundleRow] | None = None, width: int = 95) -> list[str]:
    """Every bundle's name, grouped as :func:`bundle_groups` groups them (first by torchaudio's
    factory, which builds HuBERT with ``Wav2Vec2``; :func:`table_lines` groups by name family),
    wrapped to ``width``."""
    import textwrap

    lines = []
    for (model_type, norm_mode, bias, normalizes, _), names in bundle_groups(rows).items():
        head = f"factory {model_type}, {norm_mode}, bias {_yes(bias)}, wave norm {_yes(normalizes)}: "
        lines += textwrap.wrap(head + ", ".join(names), width, subsequent_indent="    ")
    return lines
