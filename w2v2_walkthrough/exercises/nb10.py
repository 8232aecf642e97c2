"""Exercises of notebook 10, Questions people ask."""

import itertools

import torch

from .. import huggingface as hf
from ._core import Verdict, check_function, check_value

#: HF's ASR pipeline rounds to a whole number of this many samples; ties of Python's round are left out.
RATIO = 320


def _no_ties(seconds: float) -> bool:
    return abs((seconds * 16_000 / RATIO) % 1 - 0.5) > 1e-9


#: (num_samples, chunk_length_s, stride_length_s) the code exercise is checked on.
CASES = [
    (n, c, s)
    for n, c, s in itertools.product(
        (16_000, 16_001, 47_999, 48_000, 100_000, 160_000), (0.5, 1.0, 2.5, 3.33, 10.0), (0.1, 0.2, 0.41, 1.0)
    )
    if c > 2 * s and _no_ties(c) and _no_ties(s)
]


def pipeline_starts(num_samples: int, chunk_length_s: float, stride_length_s: float) -> list[int]:
    """The first sample of each chunk transformers' ASR pipeline cuts (its own code, run on zeros)."""
    chunks = hf.pipeline_chunks(torch.zeros(num_samples), chunk_length_s, stride_length_s)
    return [chunk.start for chunk, _ in chunks]


def check_chunk_starts(function) -> Verdict:
    """``chunk_starts(num_samples, chunk_length_s, stride_length_s)``: where HF's pipeline cuts."""
    return check_function(
        function,
        CASES,
        pipeline_starts,
        "the pipeline rounds the chunk and the stride to whole multiples of inputs_to_logits_ratio = "
        "320 samples (Python's round), steps by chunk - 2 x stride, and stops after the first chunk "
        "that reaches the end of the audio.",
    )


def check_short_clip_mask(prediction) -> Verdict:
    """How many of the 49 frames does HF's frame mask mark valid for a 300-sample clip padded to 1 s?"""
    attention = (torch.arange(16_000) < torch.tensor([16_000, 300])[:, None]).long()
    mask = hf.feature_vector_mask(hf.preset_config("wav2vec2_base"), attention, 49)
    return check_value(
        prediction,
        int(mask[1].sum()),
        "HF's frame count for 300 samples is not clamped (notebook 9). The mask code writes a 1 at "
        "index count - 1 of the row, then marks everything left of it valid. Which index is -1?",
    )
