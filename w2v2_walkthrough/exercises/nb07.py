"""Exercises of notebook 7, Intermediate activations."""

import random
from collections.abc import Iterable

from .. import arithmetic as ar
from ..filters import alias
from ._core import Property, Verdict, check_function, check_value


def _alias_cases() -> list[tuple[float, float]]:
    """Tones at and around the special points (0, rate/2, rate, ...) and at random, for several rates."""
    rng = random.Random(6)
    cases = []
    for rate in (3200, 16000, 8000, 1000, 44100, 22051):  # an odd rate: its rate / 2 is not whole
        special = [0, rate / 4, rate / 2, rate // 2 + 0.25, rate, 1.5 * rate, 2 * rate, rate - 1, rate / 2 + 1]
        special.append(3 * rate + 7)
        cases += [(f, rate) for f in special]
        cases += [(round(rng.uniform(0, 5 * rate), 3), rate) for _ in range(12)]
    return cases


def check_alias(function) -> Verdict:
    """``alias(freq_hz, rate_hz)``: the frequency in ``[0, rate_hz / 2]`` at which a tone of
    ``freq_hz`` appears when sampled ``rate_hz`` times per second."""
    return check_function(
        function,
        _alias_cases(),
        alias,
        "which changes of f leave the samples cos(2 pi f n / rate) unchanged? Try f + rate and -f.",
        same=lambda got, expected: abs(float(got) - expected) <= 1e-6 * max(1.0, expected),
        properties=(Property("the result lies in [0, rate_hz / 2]", lambda args, got: 0 <= got <= args[1] / 2),),
        forbidden=("alias", "filters"),
    )


def changed_frames(positions: Iterable[int], num_samples: int) -> list[int]:
    """The frames a click at each of ``positions`` can change in a local (layer_norm) extractor."""
    return sorted({i for p in positions for i in ar.frames_containing(p, num_samples)})


def check_click_frames(prediction, positions: Iterable[int] = (3_210, 15_900), num_samples: int = 16_000) -> Verdict:
    """Which frames change when clicks at ``positions`` are added to ``num_samples`` of silence?"""
    expected = changed_frames(positions, num_samples)
    return check_value(
        prediction,
        expected,
        "which frames' spans hold each click? And does every click have a frame that reads it?",
        same=lambda got, exp: sorted(got) == exp,
    )
