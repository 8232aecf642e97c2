"""What every checker shares: the :class:`Verdict`, value checks and function checks.

A checker never types its expected answer in: it computes it with the package. Three verdicts:
"Right!", "Not quite" with a hint that helps without giving the answer away, and "Not answered
yet" for the student edition's stubs (``...``, ``None``, or a function whose body is ``...``).
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..i18n import translate as _

UNANSWERED = (None, Ellipsis)
NOT_ANSWERED = "Not answered yet: replace the ... with your answer and run the cell again."
#: Every message template a checker builds (the catalog translates these; ``{...}`` are filled in).
MESSAGES = (
    NOT_ANSWERED,
    "Right! {expected}",
    "Not quite ({answer}). Hint: {hint}",
    "Not quite: expected a function, got {kind}. Hint: {hint}",
    "Not quite: {call} raised {error}. Hint: {hint}",
    "Not answered yet: write the function's body and run the cell again.",
    "Not quite: {call} returned {got}. Hint: {hint}",
    "Right! Your function agrees with the package on all {count} inputs.",
    "your function({args})",
)


@dataclass(frozen=True)
class Verdict:
    """What a checker says. Shown in Jupyter as its message; ``correct`` is True, False or None."""

    correct: bool | None
    message: str

    def __repr__(self) -> str:
        return _(self.message)  # a checker's fixed message, in the language chosen (w2v2_walkthrough.i18n)

    def __bool__(self) -> bool:
        return bool(self.correct)


def is_unanswered(answer: Any) -> bool:
    return any(answer is u for u in UNANSWERED)


def check_value(answer: Any, expected: Any, hint: str, same: Callable[[Any, Any], bool] | None = None) -> Verdict:
    """Compare a value answer with the package's; ``same(answer, expected)`` overrides ``==``."""
    if is_unanswered(answer):
        return Verdict(None, _(NOT_ANSWERED))
    try:
        ok = same(answer, expected) if same else answer == expected
    except Exception:
        ok = False
    if ok:
        return Verdict(True, _("Right! {expected}").format(expected=repr(expected)))
    return Verdict(False, _("Not quite ({answer}). Hint: {hint}").format(answer=repr(answer), hint=_(hint)))


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
        return Verdict(None, _(NOT_ANSWERED))
    hint = _(hint)
    if not callable(function):
        return Verdict(
            False,
            _("Not quite: expected a function, got {kind}. Hint: {hint}").format(
                kind=type(function).__name__, hint=hint
            ),
        )
    cases = [tuple(c) for c in cases]
    for n, args in enumerate(cases):
        try:
            got = function(*args)
        except Exception as err:
            error = f"{type(err).__name__}: {err}"
            return Verdict(
                False,
                _("Not quite: {call} raised {error}. Hint: {hint}").format(call=_call(args), error=error, hint=hint),
            )
        if n == 0 and is_unanswered(got):
            return Verdict(None, _("Not answered yet: write the function's body and run the cell again."))
        expected = reference(*args)
        try:
            ok = same(got, expected) if same else got == expected
        except Exception:
            ok = False
        if not ok:
            return Verdict(
                False,
                _("Not quite: {call} returned {got}. Hint: {hint}").format(call=_call(args), got=repr(got), hint=hint),
            )
    return Verdict(
        True, _("Right! Your function agrees with the package on all {count} inputs.").format(count=len(cases))
    )


def _call(args: Sequence[Any]) -> str:
    return _("your function({args})").format(args=", ".join(repr(a) for a in args))
