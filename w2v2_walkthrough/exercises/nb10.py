"""Exercises of notebook 10, Questions people ask."""

import functools
import itertools

import torch

from .. import huggingface as hf
from ._core import Property, Verdict, check_function, check_value

#: HF's ASR pipeline rounds chunk and stride lengths to a whole number of this many samples.
RATIO = 320

#: (num_samples, chunk_length_s, stride_length_s) the code exercise is checked on. Lengths off the
#: 320-sample grid on purpose, so that an answer that does not round, or truncates, fails: 1.234 s
#: is 61.7 hops, 0.139 s 6.95 and 3.339 s 166.95 (round and truncation differ); and exact ties, which
#: Python's round takes to the even number: 0.25 s is 12.5 hops (12), 0.75 s 37.5 (38), 1.25 s 62.5
#: (62). Clip lengths off the grid too, and 17 600 = 8 000 + 2 x 4 800, where a chunk ends exactly
#: on the last sample (0.5 s chunks, 0.1 s strides).
CASES = [
    (n, c, s)
    for n, c, s in itertools.product(
        (6_399, 17_600, 33_333, 100_017), (0.5, 0.75, 1.234, 1.25, 3.339), (0.1, 0.139, 0.25, 0.75)
    )
    if round(c * 16_000 / RATIO) > 2 * round(s * 16_000 / RATIO)  # a chunk longer than its two strides
]


@functools.cache
def pipeline_starts(num_samples: int, chunk_length_s: float, stride_length_s: float) -> list[int]:
    """The first sample of each chunk transformers' ASR pipeline cuts (its own code, run on zeros)."""
    chunks = hf.pipeline_chunks(torch.zeros(num_samples), chunk_length_s, stride_length_s)
    return [chunk.start for chunk, _ in chunks]


def _step(chunk_length_s: float, stride_length_s: float) -> int:
    """Samples from one chunk's start to the next's: the chunk less its two strides, each rounded
    to the grid by Python's ``round`` (a tie to the even number), as ``preprocess`` rounds them."""
    chunk, stride = (round(s * 16_000 / RATIO) * RATIO for s in (chunk_length_s, stride_length_s))
    return chunk - 2 * stride


#: What every right answer of ``chunk_starts`` does, whatever the lengths.
CHUNK_PROPERTIES = (
    Property(
        "there is a first chunk, at sample 0 (no chunk at all? check how preprocess rounds a tie "
        "such as 12.5 hops: Python's round gives the even 12)",
        lambda args, got: list(got)[:1] == [0],
    ),
    Property(
        "every chunk starts on the {ratio}-sample grid",
        lambda args, got: all(s % RATIO == 0 for s in got),
        values={"ratio": RATIO},
    ),
    Property(
        "the chunks step by one constant amount",
        lambda args, got: len({b - a for a, b in itertools.pairwise(got)}) <= 1,
    ),
    Property("every chunk starts inside the audio", lambda args, got: all(0 <= s < args[0] for s in got)),
    Property(
        "the step is the chunk less its two strides, each rounded to the grid as preprocess's "
        "round(...) rounds it (a tie such as 12.5 or 62.5 hops goes to the even number)",
        lambda args, got: len(got) < 2 or got[1] - got[0] == _step(*args[1:]),
    ),
)


def check_chunk_starts(function) -> Verdict:
    """``chunk_starts(num_samples, chunk_length_s, stride_length_s)``: where HF's pipeline cuts."""
    return check_function(
        function,
        CASES,
        pipeline_starts,
        "which lengths does preprocess round, to what, and with which rounding? After which chunk "
        "does chunk_iter's loop stop?",
        properties=CHUNK_PROPERTIES,
        forbidden=("pipeline_chunks", "pipeline_starts", "pipeline_features", "chunk_iter", "preprocess"),
    )


def check_short_clip_mask(prediction) -> Verdict:
    """How many of the 49 frames does HF's frame mask mark valid for a 300-sample clip padded to 1 s?"""
    attention = (torch.arange(16_000) < torch.tensor([16_000, 300])[:, None]).long()
    mask = hf.feature_vector_mask(hf.preset_config("wav2vec2_base"), attention, 49)
    return check_value(
        prediction,
        int(mask[1].sum()),
        "HF's frame count for 300 samples is not clamped (notebook 9). Where does the mask code write "
        "its 1 for that count, and which way does it fill?",
    )
