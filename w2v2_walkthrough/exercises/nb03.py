"""Exercises of notebook 3, Stride arithmetic."""

import itertools

from .. import arithmetic as ar
from ..presets import DEFAULT_SHAPES
from ._core import Verdict, check_function, check_value

#: Sample rates audio files commonly have: the ``rates`` of the exercise's ``sample_rate_from``.
COMMON_RATES = (8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)

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


def _rate_cases():
    """(num_frames, seconds, rate) where exactly one common rate explains the frame count; the
    durations are multiples of 0.04 s, so every rate gives a whole number of samples."""
    for k, rate in itertools.product((2, 3, 10, 25, 59, 123, 234, 1500), COMMON_RATES):
        seconds = round(0.04 * k, 2)
        frames = ar.num_frames(round(rate * seconds))
        matches = [r for r in COMMON_RATES if ar.num_frames(round(r * seconds)) == frames]
        if matches == [rate]:
            yield frames, seconds, rate


def check_sample_rate_from(function) -> Verdict:
    """``sample_rate_from(num_frames, seconds)``: which common rate gives that many frames."""
    cases = list(_rate_cases())
    truth = {(n, s): rate for n, s, rate in cases}
    return check_function(
        function,
        [(n, s) for n, s, _ in cases],
        lambda n, s: truth[(n, s)],
        "n frames need at least 400 + 320 (n - 1) samples, and n + 1 frames 320 more: find the "
        "rate whose rate * seconds samples fall in that range.",
    )


def frames_that_see(first: int, end: int, num_samples: int = 16_000) -> list[int]:
    """The frames of a ``num_samples`` clip whose span meets samples ``[first, end)``."""
    return [i for i in range(ar.num_frames(num_samples)) if ar.frame_span(i)[0] < end and first < ar.frame_span(i)[1]]


#: The samples Exercise 2 of notebook 3 edits: the last 400 of the 1 s clip.
EDITED_SAMPLES = (15_600, 16_000)


def check_frames_changed_by_edit(prediction) -> Verdict:
    """Which frames of the 1 s clip change, in a layer_norm model, when its last 400 samples
    (15 600..15 999) change?"""
    return check_value(
        sorted(prediction) if isinstance(prediction, (list, tuple, set)) else prediction,
        frames_that_see(*EDITED_SAMPLES),
        "frame n sees samples [320 n, 320 n + 400), and 1 s has 49 frames: list every frame whose "
        "span shares at least one sample with [15600, 16000).",
    )
