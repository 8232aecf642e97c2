"""HF's ASR pipeline, run through its public API on a pipeline object built offline (a tiny CTC
model from a config, a tokenizer over a given vocabulary, a ``Wav2Vec2FeatureExtractor``): the
chunks it cuts, the frames it keeps, the timestamps it gives."""

import importlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import Tensor, nn

from ..presets import SAMPLE_RATE
from .configs import build_config, config_fields, preset_config
from .encoders import architecture, tiny_model
from .library import require_transformers

BLANK, WORD_DELIMITER, UNKNOWN = "-", "|", "<unk>"


def asr_pipeline(config=None, labels: Sequence[str] = (), do_normalize: bool = False, blank: str = BLANK):
    """A transformers ``AutomaticSpeechRecognitionPipeline`` for a CTC model, built offline: a tiny
    ``...ForCTC`` with the config's conv stack (default: wav2vec2_base's), a ``Wav2Vec2CTCTokenizer``
    over ``blank``, ``"|"`` (between words), ``"<unk>"`` and ``labels``, and a
    ``Wav2Vec2FeatureExtractor`` (``do_normalize``)."""
    transformers = require_transformers()
    config = preset_config("wav2vec2_base") if config is None else config
    vocab = {token: n for n, token in enumerate(dict.fromkeys([blank, WORD_DELIMITER, UNKNOWN, *labels]))}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "vocab.json"
        path.write_text(json.dumps(vocab), encoding="utf-8")
        tokenizer = transformers.Wav2Vec2CTCTokenizer(
            str(path), pad_token=blank, unk_token=UNKNOWN, bos_token=None, eos_token=None
        )
    return transformers.pipeline(
        "automatic-speech-recognition",
        model=tiny_model(config, "ForCTC", vocab_size=len(vocab), pad_token_id=vocab[blank]),
        tokenizer=tokenizer,
        feature_extractor=transformers.Wav2Vec2FeatureExtractor(sampling_rate=SAMPLE_RATE, do_normalize=do_normalize),
    )


def pipeline_timestamps(labels: Sequence[str], config, return_timestamps: str = "char", blank: str = BLANK) -> list:
    """The timestamps HF's ASR pipeline gives a greedy CTC output, one label per frame (``blank`` for
    the CTC blank, ``"|"`` between words): ``[{"text": ..., "timestamp": (start_s, stop_s)}, ...]``.

    Runs the ``postprocess`` of :func:`asr_pipeline` (``return_timestamps`` ``"char"`` or
    ``"word"``), whose model carries the config's ``inputs_to_logits_ratio``.
    """
    if len(labels) == 0 or not all(isinstance(label, str) and label for label in labels):
        raise ValueError(
            "labels must be a non-empty sequence of non-empty strings, one per frame, e.g. ['-', 'h', 'h']."
        )
    if return_timestamps not in ("char", "word"):
        raise ValueError(f"return_timestamps must be 'char' or 'word', got {return_timestamps!r}.")
    pipe = asr_pipeline(config, labels, blank=blank)
    vocab = pipe.tokenizer.get_vocab()
    tokens = torch.tensor([[vocab[label] for label in labels]])  # (1, F): one token id per frame
    out = pipe.postprocess([{"tokens": tokens, "is_last": True}], return_timestamps=return_timestamps)
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
    config=None,
):
    """The chunks HF's ASR pipeline cuts, each with the ``[1, time]`` input it gives the model.

    Runs the ``preprocess`` of :func:`asr_pipeline` for ``config`` (default: wav2vec2_base's): chunk
    and stride lengths rounded to the model's ``inputs_to_logits_ratio`` samples, each chunk through
    ``Wav2Vec2FeatureExtractor``; a chunk keeps its frames ``[left, n - right)`` of the stride,
    rescaled to frames by the pipeline module's ``rescale_stride``, as its ``postprocess`` does.
    Yields ``(PipelineChunk, input)``.
    """
    pipe = asr_pipeline(config, do_normalize=do_normalize)
    ratio = pipe.model.config.inputs_to_logits_ratio
    rescale_stride = importlib.import_module(type(pipe).__module__).rescale_stride  # postprocess's own
    x = np.asarray(torch.as_tensor(waveform, dtype=torch.float32))
    start, previous = 0, None
    for item in pipe.preprocess(x, chunk_length_s=chunk_length_s, stride_length_s=stride_length_s):
        n, left, right = item["stride"]  # samples: chunk length, overlaps to drop on the left / right
        if previous is not None:  # the kept parts tile the waveform: this chunk's kept part starts
            start += previous[0] - previous[2] - left  # where the previous chunk's kept part stopped
        frames, left_f, right_f = rescale_stride([item["stride"]], 1 / ratio)[0]
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
    config = build_config(config_fields(*architecture(extractor)))
    kept, chunks = [], []
    for chunk, x in pipeline_chunks(waveform, chunk_length_s, stride_length_s, do_normalize, config):
        with torch.no_grad():
            features, _ = extractor(x, None)  # (1, F, C)
        kept.append(features[0, chunk.keep[0] : chunk.keep[1]])
        chunks.append(chunk)
    return torch.cat(kept), chunks
