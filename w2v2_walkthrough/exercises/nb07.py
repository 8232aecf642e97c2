"""Exercises of notebook 7, An hour of audio, exactly."""

import itertools

from .. import arithmetic as ar
from ..audio import resampled_length
from ._core import Verdict, check_function, check_value

#: Signal lengths and chunk sizes the student's ``chunk_spans`` is run on: too short for a frame,
#: exactly one frame, around chunk boundaries, and long.
SPAN_LENGTHS = (0, 399, 400, 401, 719, 720, 1039, 1040, 3_201, 16_000, 35_200, 100_037)
SPAN_CHUNK_FRAMES = (1, 2, 3, 10, 50, 1_000)

#: The file of the prediction exercise: 2.5 s of stereo audio at 44.1 kHz.
CLI_FILE_RATE, CLI_FILE_SECONDS = 44_100, 2.5


def _spans(answer):
    return [tuple(int(v) for v in span) for span in answer]


def check_chunk_spans(function) -> Verdict:
    """``chunk_spans(num_samples, chunk_frames)``: the ``(start, stop)`` samples of every chunk."""
    from ..chunked import plan_chunks

    return check_function(
        function,
        itertools.product(SPAN_LENGTHS, SPAN_CHUNK_FRAMES),
        lambda n, frames: [(c.start, c.stop) for c in plan_chunks(n, frames)],
        "a chunk of frames [f0, f1) starts where frame f0's window starts and stops where frame "
        "f1 - 1's window ends; the last chunk may hold fewer frames, and a signal too short for "
        "one frame has no chunk.",
        lambda got, expected: _spans(got) == expected,
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
