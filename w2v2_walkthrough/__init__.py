"""w2v2_walkthrough: a readable, bit-exact mirror of torchaudio's wav2vec2 feature extractor,
with the arithmetic, tracing, audio and plotting that the notebook series uses.

Modules, one idea each:

* :mod:`.components`  the mirror (``LayerNorm``, ``ConvLayerBlock``, ``FeatureExtractor``, ``get_feature_extractor``)
* :mod:`.presets`     the conv config of every torchaudio wav2vec2-family builder
* :mod:`.arithmetic`  lengths, inverse lengths, receptive field, hop, frame spans and times
* :mod:`.receptive`   the receptive field measured: gradients and conv path counts
* :mod:`.norms`       group norm vs layer norm: reference forms, measured axes, padding and gain
* :mod:`.tracing`     every layer's activations via forward hooks
* :mod:`.audio`       soundfile loading, the bundled speech clip, synthetic signals
* :mod:`.weights`     seeded random, torchaudio bundle or local checkpoint weights (``WeightChoice``)
* :mod:`.filters`     layer 0 as a filter bank: responses, peak frequencies, bank measures, references
* :mod:`.plotting`    figures, and :mod:`.diagrams` schematic diagrams (``style`` sets their look)
* :mod:`.chunked`     exact extraction of long audio in bounded memory (:mod:`.npy` writes the output)
* :mod:`.batching`    padded batches through whole models that equal one-by-one runs (``exact_batch``)
* :mod:`.input_norm`  the waveform going in: every torchaudio bundle's normalization beside HF's fields
* :mod:`.huggingface` the same extractor in Hugging Face transformers (a package, one module per job)
* :mod:`.validation`  input checks with errors that name the fix; :mod:`.extraction` the front door
* :mod:`.drift`       fails loudly when the installed torchaudio no longer matches the mirror
* :mod:`.source`      source code shown in the notebooks (:mod:`.codetext` the text tools it and drift share)
* :mod:`.compat`      checks at import that the installed torch and torchaudio work together
* :mod:`.benchmark_results` the measured benchmark values (benchmarks/results.json), as notebook 8 reads them
* :mod:`.questions`   plumbing for notebook 10's answers (bundle arguments, wav2vec 1.0's encoder)
* :mod:`.exercises`   checkers for the notebooks' exercises; :mod:`.quiz` the lesson plan's quiz
"""

import importlib

from . import compat as compat  # first: checks that torch and torchaudio work together (one message if not)
from .arithmetic import (
    conv_output_length,
    frame_center,
    frame_span,
    frame_start,
    frame_times_ms,
    hop_length,
    layer_output_lengths,
    min_samples_for_frames,
    num_frames,
    receptive_field,
    receptive_field_table,
    samples_to_ms,
)
from .audio import load_audio, load_speech_clip, speech_clip_path
from .batching import exact_batch, hf_batch_inputs
from .components import ConvLayerBlock, FeatureExtractor, LayerNorm, conv_config, get_feature_extractor
from .extraction import extract_features
from .presets import DEFAULT_SHAPES, PRESETS, SAMPLE_RATE, get_preset
from .tracing import trace_activations
from .weights import WeightChoice, load_extractor, random_extractor

__version__ = "0.1.0"

__all__ = [
    "DEFAULT_SHAPES",
    "PRESETS",
    "SAMPLE_RATE",
    "ConvLayerBlock",
    "FeatureExtractor",
    "LayerNorm",
    "WeightChoice",
    "conv_config",
    "conv_output_length",
    "exact_batch",
    "extract_features",
    "frame_center",
    "frame_span",
    "frame_start",
    "frame_times_ms",
    "get_feature_extractor",
    "get_preset",
    "hf_batch_inputs",
    "hop_length",
    "layer_output_lengths",
    "load_audio",
    "load_extractor",
    "load_speech_clip",
    "min_samples_for_frames",
    "num_frames",
    "random_extractor",
    "receptive_field",
    "receptive_field_table",
    "samples_to_ms",
    "speech_clip_path",
    "trace_activations",
]


def __getattr__(name):
    """Submodules load on first use (``w2v.plotting``, ``w2v.chunked`` ...), so the command line
    never imports matplotlib."""
    try:
        module = importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as err:
        if err.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    globals()[name] = module
    return module
