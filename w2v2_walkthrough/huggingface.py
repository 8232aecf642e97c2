"""The same extractor in Hugging Face transformers: ``Wav2Vec2FeatureEncoder`` under other names.

transformers builds wav2vec2's conv stack from five config fields; torchaudio's
``_get_feature_extractor`` takes three arguments. They map one to one (torchaudio's own converter,
``torchaudio/models/wav2vec2/utils/import_huggingface.py``, ``_get_config``, maps them the same way):

* ``feat_extract_norm`` ``"group"`` / ``"layer"``  <->  ``norm_mode`` ``"group_norm"`` / ``"layer_norm"``
* ``conv_dim``, ``conv_kernel``, ``conv_stride``   <->  ``shapes = zip(conv_dim, conv_kernel, conv_stride)``
* ``conv_bias``                                    <->  ``bias``

Both libraries name the modules alike (``conv_layers.N.conv``, ``conv_layers.N.layer_norm``, the
GroupNorm included), so a state dict loads from one into the other with ``strict=True``, and with
the same weights the outputs are bit-identical (tests/test_huggingface.py). HF's encoder returns
``[batch, feature, frame]`` (``Wav2Vec2Model`` transposes it) and takes no lengths.

transformers is optional: ``pip install transformers`` (requirements.txt pins the tested version;
it is also the package's ``huggingface`` extra). It is imported on first use, never at import time.
Everything here builds models from configs: nothing is downloaded.
"""

import ast
import functools
import importlib
import inspect
import json
import tempfile
import textwrap
import types
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from .components import conv_config, get_feature_extractor
from .presets import PRESETS, SAMPLE_RATE, ConvSpec, get_preset
from .source import SourceCode
from .validation import check_waveform
from .weights import key_mismatch

#: transformers' model families whose feature encoder is wav2vec2's, and their class-name prefixes.
FAMILIES = {"wav2vec2": "Wav2Vec2", "hubert": "Hubert", "wavlm": "WavLM"}

#: ``feat_extract_norm`` for each torchaudio ``norm_mode``.
NORM_NAMES = {"group_norm": "group", "layer_norm": "layer"}

#: The config fields that decide the feature encoder.
CONFIG_FIELDS = ("feat_extract_norm", "conv_dim", "conv_kernel", "conv_stride", "conv_bias")

#: The classes that make up a feature encoder (prefixed by the family's class-name prefix).
ENCODER_CLASSES = ("FeatureEncoder", "GroupNormConvLayer", "LayerNormConvLayer", "NoLayerNormConvLayer")

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


def _check_family(family: str) -> str:
    if family not in FAMILIES:
        raise ValueError(f"Unknown model family {family!r}. Choose one of: {', '.join(FAMILIES)}.")
    return family


def modeling(family: str = "wav2vec2") -> types.ModuleType:
    """transformers' modeling module of a family (``transformers.models.wav2vec2.modeling_wav2vec2`` ...)."""
    require_transformers()
    _check_family(family)
    return importlib.import_module(f"transformers.models.{family}.modeling_{family}")


def family_of(preset: str) -> str:
    """The transformers family of a preset: ``"wav2vec2"``, ``"hubert"`` or ``"wavlm"``."""
    get_preset(preset)
    return preset.split("_")[0]


def show(obj, start: str | None = None, stop: str | None = None) -> SourceCode:
    """transformers' source of ``obj`` as installed here, docstrings dropped, headed by its file, the
    line numbers shown (so a notebook can cite them) and its name; a line longer than ``WIDTH`` is
    broken inside its brackets (a comment between words), layout only. ``start`` / ``stop`` cut a
    slide-sized part: from the first line that contains ``start`` up to, not including, the first later
    line that contains ``stop``. A marker that is not there raises ``ValueError``, so a changed
    transformers cannot silently show other lines."""
    obj = inspect.unwrap(obj)  # layers' forwards are wrapped for gradient checkpointing
    numbered = _numbered_lines(obj)
    lines = [line for _, line in numbered]
    first = 0 if start is None else _line_with(lines, start, 0, obj)
    end = len(lines) if stop is None else _line_with(lines, stop, first + 1, obj)
    shown = numbered[first:end]
    while shown and not shown[-1][1].strip():  # no trailing blank lines
        shown.pop()
    part = _fold_all(textwrap.dedent("\n".join(line for _, line in shown)))
    (a, _), (b, _) = shown[0], shown[-1]
    where = f"# {Path(inspect.getsourcefile(obj)).name}, " + (f"line {a}:" if a == b else f"lines {a}-{b}:")
    name = obj.__qualname__
    header = f"{where} {name}" if len(where) + 1 + len(name) <= WIDTH else f"{where}\n# {name}"
    return SourceCode(f"{header}\n{part}")


#: The longest code line :func:`show` prints: wider lines do not fit a 1280x720 slide.
WIDTH = 95


def _fold_all(source: str, width: int = WIDTH) -> str:
    """Every line of ``source`` through :func:`_fold`, each told how many brackets are open before it."""
    out, opened = [], []
    for line in source.splitlines():
        out.append(_fold(line, width, [None] * len(opened)))
        opened = _scan(line, opened)[0]
    return "\n".join(out)


def _scan(line: str, opened: list) -> tuple[list, list[tuple[int, list]]]:
    """Brackets still open after ``line`` (their columns; ``None`` for one opened on an earlier line),
    given those open before it, and the places after a ``", "`` where it may break: ``(column, the
    brackets open there)``. Strings and a trailing comment are skipped."""
    opened, quote, breaks = list(opened), None, []
    for column, char in enumerate(line):
        if quote:
            quote = None if char == quote and line[column - 1] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            break
        elif char in "([{":
            opened.append(column)
        elif char in ")]}":
            opened = opened[:-1]
        elif char == "," and line[column + 1 : column + 2] == " ":
            breaks.append((column + 1, list(opened)))
    return opened, breaks


def _fold(line: str, width: int = WIDTH, opened: list | None = None) -> str:
    """``line`` broken into lines of at most ``width`` characters where Python allows it without a
    backslash: after the outermost ``, `` inside brackets that keeps the first part short enough, the
    rest aligned after its open bracket (at the line's indent when that bracket is on an earlier line:
    ``opened`` are the brackets open before ``line``); or a comment between words. A line that cannot
    be broken stays as it is."""
    if len(line) <= width:
        return line
    indent = len(line) - len(line.lstrip())
    if line.lstrip().startswith("#"):
        prefix = " " * indent + "# "
        text = line.lstrip()[1:].strip()
        return "\n".join(textwrap.wrap(text, width, initial_indent=prefix, subsequent_indent=prefix))
    breaks = [
        (len(inside), -cut, cut, inside) for cut, inside in _scan(line, opened or [])[1] if inside and cut < width
    ]
    if not breaks:
        return line
    *_, cut, inside = min(breaks)  # the outermost, then the last
    align = indent if inside[-1] is None else inside[-1] + 1
    return line[:cut] + "\n" + _fold(" " * align + line[cut:].lstrip(), width, inside)


def _numbered_lines(obj) -> list[tuple[int, str]]:
    """``obj``'s source lines with their line numbers in its file, dedented, docstring lines dropped."""
    raw, first_line = inspect.getsourcelines(obj)
    source = textwrap.dedent("".join(raw))
    drop = set()
    for node in ast.walk(ast.parse(source)):
        defines = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        if defines and ast.get_docstring(node) is not None:
            drop.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    return [(first_line + n - 1, line) for n, line in enumerate(source.splitlines(), start=1) if n not in drop]


def _line_with(lines: list[str], marker: str, begin: int, obj) -> int:
    for n in range(begin, len(lines)):
        if marker in lines[n]:
            return n
    raise ValueError(f"no line of {obj.__qualname__} (from line {begin + 1} on) contains {marker!r}")


# --- configs -------------------------------------------------------------------------------------


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


def hf_config(preset: str) -> dict:
    """The feature-encoder fields of ``Wav2Vec2Config`` (``HubertConfig``, ``WavLMConfig``) for a preset."""
    p = get_preset(preset)
    return config_fields(p.norm_mode, p.shapes, p.bias)


def extractor_args(config) -> tuple[str, list[ConvSpec], bool]:
    """The inverse of :func:`hf_config`: torchaudio's ``(norm_mode, shapes, bias)`` for an HF config
    object or a dict of its fields."""
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


def make_config(fields: dict, family: str = "wav2vec2", **extra):
    """An HF config object (``Wav2Vec2Config``, ``HubertConfig`` or ``WavLMConfig``) with these fields."""
    cls = getattr(require_transformers(), FAMILIES[_check_family(family)] + "Config")
    return cls(**fields, **extra)


def config_for(preset: str, family: str | None = None, **extra):
    """The HF config of a preset's family (or ``family``) with the preset's feature-encoder fields."""
    return make_config(hf_config(preset), family or family_of(preset), **extra)


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
        fields = hf_config(name)
        cls = FAMILIES[family_of(name)] + "Config"
        rows.append(PresetRow(name, cls, fields["feat_extract_norm"], fields["conv_bias"], p.norm_mode, p.bias))
    return rows


# --- encoders and weights ------------------------------------------------------------------------


def feature_encoder(config) -> nn.Module:
    """HF's feature encoder for a config, built locally (no download), in eval mode.

    ``Wav2Vec2FeatureEncoder``, ``HubertFeatureEncoder`` or ``WavLMFeatureEncoder`` by the config's
    ``model_type``; its weights have PyTorch's default init until you copy some in.
    """
    family = _check_family(config.model_type)
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
    config = make_config(config_fields(*architecture(extractor)), family)
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


def same_code(family: str) -> dict[str, bool]:
    """Whether each encoder class of ``family`` is the same code as wav2vec2's, statement for
    statement (layout and the class-name prefix aside)."""
    prefix = FAMILIES[_check_family(family)]
    ours, theirs = modeling("wav2vec2"), modeling(family)
    return {
        name: _class_code(getattr(ours, "Wav2Vec2" + name), "Wav2Vec2")
        == _class_code(getattr(theirs, prefix + name), prefix)
        for name in ENCODER_CLASSES
    }


def _class_code(cls: type, prefix: str) -> str:
    """The AST of a class's code (``ast.dump``: no positions, no layout), ``prefix`` written as ``Wav2Vec2``."""
    node = _top_level_classes(inspect.getsourcefile(cls)).get(cls.__name__)
    if node is None:  # not a top-level class of its file
        node = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    return ast.dump(node).replace(prefix, "Wav2Vec2")


@functools.lru_cache(maxsize=16)
def _top_level_classes(path: str) -> dict[str, ast.ClassDef]:
    """The top-level classes of a source file, parsed once (``inspect.getsource`` parses it per class)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}


# --- lengths and masks ---------------------------------------------------------------------------


def tiny_model(config) -> nn.Module:
    """An HF base model (``Wav2Vec2Model``, ``HubertModel``, ``WavLMModel``) with the config's conv
    kernels and strides, 2 channels and a one-layer, 8-wide transformer: cheap to build, and it
    carries HF's own length and mask methods."""
    family = _check_family(config.model_type)
    fields = {k: getattr(config, k) for k in CONFIG_FIELDS} | {"conv_dim": [2] * len(config.conv_dim)}
    small = make_config(
        fields,
        family,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=1,
        intermediate_size=8,
        num_conv_pos_embeddings=2,
        num_conv_pos_embedding_groups=1,
    )
    return getattr(modeling(family), FAMILIES[family] + "Model")(small).eval()


def output_lengths(config, lengths) -> Tensor:
    """HF's ``_get_feat_extract_output_lengths(lengths)`` for a config (samples in, frames out)."""
    return tiny_model(config)._get_feat_extract_output_lengths(torch.as_tensor(lengths))


def feature_vector_mask(config, attention_mask: Tensor, num_frames: int) -> Tensor:
    """HF's frame-level mask ``_get_feature_vector_attention_mask(num_frames, attention_mask)``:
    ``[batch, num_frames]``, True where a frame is valid, from a sample-level ``[batch, time]`` mask."""
    return tiny_model(config)._get_feature_vector_attention_mask(num_frames, torch.as_tensor(attention_mask))


# --- the ASR pipeline's chunking -----------------------------------------------------------------


def asr_pipeline() -> types.ModuleType:
    """transformers' ASR pipeline module, ``transformers.pipelines.automatic_speech_recognition``."""
    require_transformers()
    return importlib.import_module("transformers.pipelines.automatic_speech_recognition")


def pipeline_timestamps(labels: Sequence[str], config, return_timestamps: str = "char", blank: str = "-") -> list:
    """The timestamps HF's ASR pipeline gives a greedy CTC output, one label per frame (``blank`` for
    the CTC blank, ``"|"`` between words): ``[{"text": ..., "timestamp": (start_s, stop_s)}, ...]``.

    Runs transformers' own ``AutomaticSpeechRecognitionPipeline.postprocess`` (a CTC model,
    ``return_timestamps`` ``"char"`` or ``"word"``) with a ``Wav2Vec2CTCTokenizer`` over the labels'
    vocabulary and the config's ``inputs_to_logits_ratio`` as the pipeline's ``_align_to``.
    """
    transformers = require_transformers()
    if len(labels) == 0 or not all(isinstance(label, str) and label for label in labels):
        raise ValueError(
            "labels must be a non-empty sequence of non-empty strings, one per frame, e.g. ['-', 'h', 'h']."
        )
    if return_timestamps not in ("char", "word"):
        raise ValueError(f"return_timestamps must be 'char' or 'word', got {return_timestamps!r}.")
    vocab = {token: n for n, token in enumerate(dict.fromkeys([blank, "|", "<unk>", *labels]))}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vocab.json"
        path.write_text(json.dumps(vocab), encoding="utf-8")
        tokenizer = transformers.Wav2Vec2CTCTokenizer(
            str(path), pad_token=blank, unk_token="<unk>", bos_token=None, eos_token=None
        )
    pipe = types.SimpleNamespace(
        type="ctc",
        tokenizer=tokenizer,
        feature_extractor=transformers.Wav2Vec2FeatureExtractor(sampling_rate=SAMPLE_RATE),
        _align_to=config.inputs_to_logits_ratio,
    )
    tokens = torch.tensor([[vocab[label] for label in labels]])  # (1, F): one token id per frame
    out = asr_pipeline().AutomaticSpeechRecognitionPipeline.postprocess(
        pipe, [{"tokens": tokens, "is_last": True}], return_timestamps=return_timestamps
    )
    return [{"text": c["text"], "timestamp": tuple(float(t) for t in c["timestamp"])} for c in out["chunks"]]


def processor_input(waveform: Tensor, do_normalize: bool) -> Tensor:
    """What HF's ``Wav2Vec2FeatureExtractor`` hands the model for one clip: ``[1, time]``,
    zero-mean unit-variance when ``do_normalize``."""
    fe = require_transformers().Wav2Vec2FeatureExtractor(do_normalize=do_normalize)
    x = np.asarray(torch.as_tensor(waveform, dtype=torch.float32))
    return torch.as_tensor(fe(x, sampling_rate=SAMPLE_RATE, return_tensors="pt").input_values)


@dataclass(frozen=True)
class PipelineChunk:
    """One chunk of HF's ASR pipeline, in samples and in the chunk's own frame indices."""

    start: int  # first sample of the chunk in the whole waveform
    num_samples: int
    keep: tuple[int, int]  # the chunk's frames the pipeline keeps: [first, stop)


def pipeline_chunks(
    waveform: Tensor,
    chunk_length_s: float,
    stride_length_s: float | None = None,
    do_normalize: bool = False,
    inputs_to_logits_ratio: int = 320,
):
    """The chunks HF's ASR pipeline cuts, each with the ``[1, time]`` input it gives the model.

    Runs transformers' own code: ``AutomaticSpeechRecognitionPipeline.preprocess`` (chunk and
    stride lengths rounded to ``inputs_to_logits_ratio`` samples, each chunk through
    ``Wav2Vec2FeatureExtractor``) and ``rescale_stride``; a chunk keeps its frames
    ``[left, n - right)``, as the pipeline's ``postprocess`` does. Yields ``(PipelineChunk, input)``.
    """
    asr = asr_pipeline()
    fe = require_transformers().Wav2Vec2FeatureExtractor(do_normalize=do_normalize)
    pipe = types.SimpleNamespace(feature_extractor=fe, _align_to=inputs_to_logits_ratio, dtype=None)
    x = np.asarray(torch.as_tensor(waveform, dtype=torch.float32))
    start, previous = 0, None
    for item in asr.AutomaticSpeechRecognitionPipeline.preprocess(pipe, x, chunk_length_s, stride_length_s):
        n, left, right = item["stride"]  # samples: chunk length, overlaps to drop on the left / right
        if previous is not None:  # the kept parts tile the waveform: this chunk's kept part starts
            start += previous[0] - previous[2] - left  # where the previous chunk's kept part stopped
        frames, left_f, right_f = asr.rescale_stride([item["stride"]], 1 / inputs_to_logits_ratio)[0]
        yield PipelineChunk(start, n, (left_f, frames - right_f)), item["input_values"]
        previous = (n, left, right)


def pipeline_features(
    extractor: nn.Module,
    waveform: Tensor,
    chunk_length_s: float,
    stride_length_s: float | None = None,
    do_normalize: bool = False,
) -> tuple[Tensor, list[PipelineChunk]]:
    """The frames HF's ASR pipeline would stitch together from ``extractor``'s features of its
    chunks (:func:`pipeline_chunks`): ``[frame, feature]``, and the chunks."""
    ratio = make_config(config_fields(*architecture(extractor))).inputs_to_logits_ratio
    kept, chunks = [], []
    for chunk, x in pipeline_chunks(waveform, chunk_length_s, stride_length_s, do_normalize, ratio):
        with torch.no_grad():
            features, _ = extractor(x, None)  # (1, F, C)
        kept.append(features[0, chunk.keep[0] : chunk.keep[1]])
        chunks.append(chunk)
    return torch.cat(kept), chunks
