"""Exercises of notebook 3, Stride arithmetic."""

import itertools

from .. import arithmetic as ar
from ..presets import DEFAULT_SHAPES
from ._core import Property, Verdict, check_function, check_value

#: Conv configs code exercises are checked on: wav2vec2's, its prefixes, and others (a kernel
#: narrower than its stride included).
CONFIGS = [
    list(DEFAULT_SHAPES),
    list(DEFAULT_SHAPES[:1]),
    list(DEFAULT_SHAPES[:5]),
    [(512, 20, 10), *DEFAULT_SHAPES[1:]],
    [(64, 3, 1)],
    [(8, 4, 2), (8, 4, 2), (8, 4, 2)],
    [(8, 2, 3), (8, 5, 1), (8, 3, 3)],
    [(16, 7, 4), (16, 1, 1), (16, 2, 2)],
]


#: (num_frames, seconds) the code exercise is checked on: whole seconds, from one frame up.
RATE_CASES = list(itertools.product((1, 2, 49, 50, 644, 999, 1500), (1, 2, 3, 7, 9)))


def rate_range(num_frames: int, seconds: int) -> tuple[int, int]:
    """The lowest and highest whole rate (Hz) at which ``seconds`` whole seconds give ``num_frames``."""
    low = -(-ar.min_samples_for_frames(num_frames) // seconds)  # the first rate with enough samples
    high = low
    while ar.num_frames((high + 1) * seconds) == num_frames:
        high += 1
    return low, high


def _frames_at(rate, seconds) -> int:
    return ar.num_frames(max(0, int(rate) * seconds))


#: The package's functions that would do the search (or the counting) for the student.
PACKAGE_COUNTS = (
    "num_frames",
    "min_samples_for_frames",
    "conv_output_length",
    "layer_output_lengths",
    "length_table",
)


#: What every right ``rate_range`` returns, whatever the count.
RANGE_PROPERTIES = (
    Property("a pair (low, high) with low <= high", lambda args, got: len(got) == 2 and got[0] <= got[1]),
    Property("at the lowest rate the file gives num_frames frames", lambda a, got: _frames_at(got[0], a[1]) == a[0]),
    Property("at the highest rate the file gives num_frames frames", lambda a, got: _frames_at(got[1], a[1]) == a[0]),
    Property("1 Hz below the lowest rate gives fewer frames", lambda a, got: _frames_at(got[0] - 1, a[1]) < a[0]),
    Property("1 Hz above the highest rate gives more frames", lambda a, got: _frames_at(got[1] + 1, a[1]) > a[0]),
)


def check_rate_range(function) -> Verdict:
    """``rate_range(num_frames, seconds)``: the whole rates at which a file of ``seconds`` whole
    seconds gives ``num_frames`` frames, as ``(lowest, highest)``."""
    return check_function(
        function,
        RATE_CASES,
        rate_range,
        "how many samples give num_frames frames, and how many give one more? A rate is a whole "
        "number of samples per second: which way do you round?",
        properties=RANGE_PROPERTIES,
        forbidden=PACKAGE_COUNTS,
    )


def frames_that_see(first: int, end: int, num_samples: int = 16_000) -> list[int]:
    """The frames of a ``num_samples`` clip whose span meets samples ``[first, end)``."""
    return [i for i in range(ar.num_frames(num_samples)) if ar.frame_span(i)[0] < end and first < ar.frame_span(i)[1]]


#: The samples Exercise 2 of notebook 3 edits: the last 400 of the 1 s clip.
EDITED_SAMPLES = (15_600, 16_000)


def check_frames_changed_by_edit(prediction) -> Verdict:
    """Which frames of the 1 s clip change, in a layer_norm model, when its last 400 samples
    (15 600..15 999) change?"""
    expected = frames_that_see(*EDITED_SAMPLES)
    if isinstance(prediction, (set, frozenset)):  # the order of frames does not matter here
        prediction = list(prediction)
    return check_value(
        prediction,
        expected,
        "which samples does each frame read, and how many frames does 1 s give? A frame changes "
        "only if it reads an edited sample.",
        same=lambda got, exp: sorted(got) == exp,
    )
