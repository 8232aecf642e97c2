"""What every checker shares: the :class:`Verdict`, value checks and function checks.

A checker never types its expected answer in: it computes it with the package. Three verdicts:
"Right!", "Not quite" with a hint that helps without giving the answer away, and "Not answered
yet" for the student edition's stubs (``...``, ``None``, or a function whose body is ``...``).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

UNANSWERED = (None, Ellipsis)
NOT_ANSWERED = "Not answered yet: replace the ... with your answer and run the cell again."


@dataclass(frozen=True)
class Verdict:
    """What a checker says. Shown in Jupyter as its message; ``correct`` is True, False or None."""

    correct: bool | None
    message: str

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return bool(self.correct)


def is_unanswered(answer: Any) -> bool:
    return any(answer is u for u in UNANSWERED)


def check_value(answer: Any, expected: Any, hint: str, same: Callable[[Any, Any], bool] | None = None) -> Verdict:
    """Compare a value answer with the package's; ``same(answer, expected)`` overrides ``==``."""
    if is_unanswered(answer):
        return Verdict(None, NOT_ANSWERED)
    try:
        ok = same(answer, expected) if same else answer == expected
    except Exception:
        ok = False
    if ok:
        return Verdict(True, f"Right! {expected!r}")
    return Verdict(False, f"Not quite ({answer!r}). Hint: {hint}")


def close_to(rel: float) -> Callable[[Any, Any], bool]:
    """``same`` for float answers: equal within a relative tolerance."""
    return lambda a, e: abs(float(a) - e) <= rel * abs(e)


def check_function(
    function: Any,
    cases: Iterable[Sequence[Any]],
    reference: Callable[..., Any],
    hint: str,
    same: Callable[[Any, Any], bool] | None = None,
) -> Verdict:
    """Run a student's function on many inputs and compare it with the package's ``reference``.

    A wrong answer shows the first input where they differ and what the student's function
    returned there (not the expected value), plus ``hint``.
    """
    if is_unanswered(function):
        return Verdict(None, NOT_ANSWERED)
    if not callable(function):
        return Verdict(False, f"Not quite: expected a function, got {type(function).__name__}. Hint: {hint}")
    cases = [tuple(c) for c in cases]
    for n, args in enumerate(cases):
        try:
            got = function(*args)
        except Exception as err:
            return Verdict(False, f"Not quite: {_call(args)} raised {type(err).__name__}: {err}. Hint: {hint}")
        if n == 0 and is_unanswered(got):
            return Verdict(None, "Not answered yet: write the function's body and run the cell again.")
        expected = reference(*args)
        try:
            ok = same(got, expected) if same else got == expected
        except Exception:
            ok = False
        if not ok:
            return Verdict(False, f"Not quite: {_call(args)} returned {got!r}. Hint: {hint}")
    return Verdict(True, f"Right! Your function agrees with the package on all {len(cases)} inputs.")


def _call(args: Sequence[Any]) -> str:
    return f"your function({', '.join(repr(a) for a in args)})"
