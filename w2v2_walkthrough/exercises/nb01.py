"""Exercises of notebook 1, From waveform to frames."""

import random

from .. import arithmetic as ar
from ..presets import SAMPLE_RATE
from ._core import Property, Verdict, check_function, check_value

TAILS = (240, 241)  # trailing samples replaced in exercise 2


def _lengths() -> list[int]:
    """Clip lengths to try a function on: every length up to 2 frames, edges, and a seeded spread to 20 s."""
    edges = [n + d for f in (1, 2, 3, 49, 50) for n in [ar.min_samples_for_frames(f)] for d in (-1, 0, 1)]
    spread = random.Random(0).sample(range(20 * SAMPLE_RATE), 200)
    return sorted(set(range(ar.min_samples_for_frames(2) + 2)) | set(edges) | set(spread))


def check_frames_for(function) -> Verdict:
    """``frames_for(num_samples)``: the frames the extractor gives for ``num_samples`` samples."""
    return check_function(
        function,
        [(n,) for n in _lengths()],
        ar.num_frames,
        "each layer's output length is the next layer's input length. What does a layer give for an "
        "input shorter than its kernel?",
        properties=(
            Property("a frame count is a whole number, never negative", lambda args, got: got >= 0),
            Property("a clip shorter than one frame's 400 samples has none", lambda a, got: a[0] >= 400 or got == 0),
        ),
        forbidden=(
            "num_frames",
            "layer_output_lengths",
            "length_table",
            "conv_output_length",
            "min_samples_for_frames",
        ),
    )


def frames_reaching_tail(num_samples: int, tail: int) -> int:
    """How many frames' spans contain at least one of the last ``tail`` samples of the clip."""
    return sum(ar.frame_span(i)[1] > num_samples - tail for i in range(ar.num_frames(num_samples)))


def check_tail_prediction(prediction) -> Verdict:
    """Frames of a layer_norm model that change when the last 240 (241) samples of 1 s change?"""
    expected = tuple(frames_reaching_tail(SAMPLE_RATE, tail) for tail in TAILS)
    return check_value(
        prediction,
        expected,
        "in a layer_norm model a frame changes only if its span [320 n, 320 n + 400) holds a changed "
        "sample: where does the last frame's span end?",
    )
