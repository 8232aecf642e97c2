"""The same extractor in Hugging Face transformers: ``Wav2Vec2FeatureEncoder`` under other names.

transformers builds wav2vec2's conv stack from five config fields; torchaudio's
``_get_feature_extractor`` takes three arguments. They map one to one (torchaudio's own converter,
``torchaudio/models/wav2vec2/utils/import_huggingface.py``, ``_get_config``, maps them the same way):

* ``feat_extract_norm`` ``"group"`` / ``"layer"``  <->  ``norm_mode`` ``"group_norm"`` / ``"layer_norm"``
* ``conv_dim``, ``conv_kernel``, ``conv_stride``   <->  ``shapes = zip(conv_dim, conv_kernel, conv_stride)``
* ``conv_bias``                                    <->  ``bias``

Both libraries name the modules alike (``conv_layers.N.conv``, ``conv_layers.N.layer_norm``, the
GroupNorm included), so a state dict loads from one into the other with ``strict=True``, and with
the same weights the outputs are bit-identical (tests/package/test_huggingface.py). HF's encoder returns
``[batch, feature, frame]`` (``Wav2Vec2Model`` transposes it) and takes no lengths.

transformers is optional: ``pip install transformers`` (requirements.txt pins the tested version;
it is also the package's ``huggingface`` extra). It is imported on first use, never at import time.
Everything here builds models from configs: nothing is downloaded. One module per job:

* :mod:`.library`        transformers imported on first use; its families' modeling modules
* :mod:`.configs`        config fields <-> torchaudio's arguments, config objects, the preset table
* :mod:`.encoders`       HF feature encoders, weights copied both ways, HF's length and mask methods
* :mod:`.code_identity`  whether HuBERT's and WavLM's encoder classes are wav2vec2's code
* :mod:`.pipeline`       the ASR pipeline's chunks, kept frames and timestamps

The names below are this package's API (``from w2v2_walkthrough import huggingface as hf``).
"""

from .code_identity import ENCODER_CLASSES, same_code
from .configs import (
    CONFIG_FIELDS,
    NORM_NAMES,
    PresetRow,
    build_config,
    config_fields,
    extractor_args,
    preset_config,
    preset_table,
    presets_for,
)
from .encoders import (
    architecture,
    copy_weights,
    feature_encoder,
    feature_vector_mask,
    from_hf,
    hf_features,
    output_lengths,
    tiny_model,
    to_hf,
)
from .library import FAMILIES, INSTALL_HINT, check_family, family_of, modeling, require_transformers
from .pipeline import (
    PipelineChunk,
    asr_pipeline,
    pipeline_chunks,
    pipeline_features,
    pipeline_timestamps,
    processor_input,
)

__all__ = [
    "CONFIG_FIELDS",
    "ENCODER_CLASSES",
    "FAMILIES",
    "INSTALL_HINT",
    "NORM_NAMES",
    "PipelineChunk",
    "PresetRow",
    "architecture",
    "asr_pipeline",
    "build_config",
    "check_family",
    "config_fields",
    "copy_weights",
    "extractor_args",
    "family_of",
    "feature_encoder",
    "feature_vector_mask",
    "from_hf",
    "hf_features",
    "modeling",
    "output_lengths",
    "pipeline_chunks",
    "pipeline_features",
    "pipeline_timestamps",
    "preset_config",
    "preset_table",
    "presets_for",
    "processor_input",
    "require_transformers",
    "same_code",
    "tiny_model",
    "to_hf",
]
