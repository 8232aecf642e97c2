"""Exercises of notebook 8, An hour of audio, exactly."""

import numbers

from .. import arithmetic as ar
from ..audio import resampled_length
from ._core import Verdict, check_function, check_value

#: Memory budgets (bytes) the student's ``max_chunk_frames`` is run on: none, below one frame, one
#: frame exactly and one byte either side, two frames exactly and one byte less, about a second
#: and a 2 s chunk's worth, and large.
BUDGETS = (
    0,
    100_000,
    161_791,
    161_792,
    161_793,
    292_863,
    292_864,
    1_000_000,
    6_553_600,
    13_107_200,
    13_137_920,
    100_000_000,
    10**9,
)


#: The file of the prediction exercise: 2.5 s of stereo audio at 44.1 kHz.
CLI_FILE_RATE, CLI_FILE_SECONDS = 44_100, 2.5


def chunk_layer0_bytes(frames: int) -> int:
    """Bytes of layer 0's output for one chunk of ``frames`` frames, from the package's plan."""
    from ..chunked import peak_layer0_bytes, plan_chunks

    first = next(plan_chunks(ar.min_samples_for_frames(frames), frames))
    return peak_layer0_bytes(first.stop - first.start)


def max_chunk_frames(budget_bytes: int) -> int:
    """The most frames a chunk may hold with layer 0's output within ``budget_bytes`` (0 if none)."""
    fits = lambda frames: chunk_layer0_bytes(frames) <= budget_bytes
    low, high = 0, 1  # fits(low) (or low == 0); find a high that does not fit, then bisect
    while fits(high):
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


def check_max_chunk_frames(function) -> Verdict:
    """``max_chunk_frames(budget_bytes)``: the largest chunk, in frames, whose layer-0 output fits."""
    return check_function(
        function,
        [(budget,) for budget in BUDGETS],
        max_chunk_frames,
        "a chunk of f frames reads 320 (f - 1) + 400 samples (its windows overlap); layer 0 turns L "
        "samples into floor((L - 10) / 5) + 1 positions of 512 float32 values, 4 bytes each. Find the "
        "largest f that fits, and 0 when even one frame does not.",
        lambda got, expected: isinstance(got, numbers.Real) and not isinstance(got, bool) and got == expected,
    )


def cli_frames() -> int:
    """Frames the command line writes for the prediction exercise's file."""
    samples = resampled_length(round(CLI_FILE_SECONDS * CLI_FILE_RATE), CLI_FILE_RATE)
    return ar.num_frames(samples)


def check_cli_frames(prediction) -> Verdict:
    """How many frames does the command line write for 2.5 s of 44.1 kHz stereo audio?"""
    return check_value(
        prediction,
        cli_frames(),
        "the command line mixes the channels down and resamples to 16 kHz before the extractor "
        "sees a sample: count the 16 kHz samples, then apply floor((L - 400) / 320) + 1.",
    )
