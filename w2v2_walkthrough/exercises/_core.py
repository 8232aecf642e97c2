"""What every checker shares: the :class:`Verdict`, value checks and function checks.

A checker never types its expected answer in: it computes it with the package. Three verdicts:
"Right!", "Not quite" with a hint that helps without giving the answer away, and "Not answered
yet" for the student edition's stubs (``...``, ``None``, or a function whose body does nothing).
A function that computes something but returns ``None`` is a wrong answer. A wrong answer of the
wrong type (``48`` for ``[48]``, ``"True"`` for ``True``) is told so by name; a wrong function is
shown the smallest input it gets wrong and which property fails there, in a message of at most
:data:`MAX_MESSAGE` characters (values are shortened, tensors shown by their shape).
"""

import dis
import numbers
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..i18n import translate as _

UNANSWERED = (None, Ellipsis)
NOT_ANSWERED = "Not answered yet: replace the ... with your answer and run the cell again."
NOT_WRITTEN = "Not answered yet: write the function's body and run the cell again."
#: Every message template a checker builds (the catalog translates these; ``{...}`` are filled in).
MESSAGES = (
    NOT_ANSWERED,
    NOT_WRITTEN,
    "Right! {expected}",
    "Right! Your function agrees with the package on all {count} inputs.",
    "Not quite: {detail}",
    "Hint: {hint}",
    "{value}.",
    "expected a function, got {kind}.",
    "your function uses {names}, which computes the answer: work it out yourself.",
    "your function",
    "{call} raised {error}.",
    "{call} returned None: a function without a `return` line gives None.",
    "{what} {got}, {value}; the answer is {expected}.",
    "your answer is",
    "{call} returned",
    "{call} returned {got}, the smallest input it gets wrong. Fails: {failed}.",
    "the package's answer differs",
    "a {type} of shape {shape}",
)
#: The longest message a checker gives: a sentence or two and a hint, never a dump of values.
MAX_MESSAGE = 600
#: What a value of each kind is called in a message.
KIND_NAMES = {
    "None": "None",
    "bool": "True or False (a bool)",
    "int": "a whole number (an int)",
    "float": "a number (a float)",
    "str": "a string (a str)",
    "list": "a list (or tuple)",
    "dict": "a dict",
    "tensor": "a tensor",
}
MESSAGES += tuple(KIND_NAMES.values())


@dataclass(frozen=True)
class Verdict:
    """What a checker says. Shown in Jupyter as its message; ``correct`` is True, False or None."""

    correct: bool | None
    message: str

    def __repr__(self) -> str:
        return self.message

    def __bool__(self) -> bool:
        return bool(self.correct)


@dataclass(frozen=True)
class Property:
    """Something a right answer does on an input: ``holds(args, got)``. A wrong function's
    message names the first property that fails on its smallest wrong input. ``name`` may be a
    template (``"every chunk starts on the {ratio}-sample grid"``) filled from ``values`` after
    the catalog translates it."""

    name: str
    holds: Callable[[tuple, Any], bool]
    values: Mapping[str, Any] = field(default_factory=dict)

    def text(self) -> str:
        """The name in the checkers' language, filled in."""
        return _(self.name).format(**self.values)


def is_unanswered(answer: Any) -> bool:
    return any(answer is u for u in UNANSWERED)


def is_stub(function: Any) -> bool:
    """True for a function whose body does nothing (``...``, ``pass`` or only a docstring)."""
    code = getattr(function, "__code__", None)
    if code is None:
        return False
    skipped = ("RESUME", "NOP", "CACHE", "COPY_FREE_VARS", "MAKE_CELL")
    ops = [(i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in skipped]
    return ops in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def kind(value: Any) -> str:
    """The kind of value a message names: a key of :data:`KIND_NAMES`, or the type's name."""
    if getattr(value, "ndim", None) == 0 and hasattr(value, "item"):  # a numpy or torch scalar
        value = value.item()
    if value is None:
        return "None"
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "bool"
    if isinstance(value, numbers.Integral):
        return "int"
    if isinstance(value, numbers.Real):
        return "float"
    if isinstance(value, str):
        return "str"
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, (list, tuple, set, frozenset, range)):
        return "list"
    if type(value).__name__ == "Tensor":
        return "tensor"
    return type(value).__name__


def fits_kind(answer: Any, expected: Any) -> bool:
    """Whether ``answer`` is of the kind ``expected`` is: an int may be written as a whole float
    (``125.0``), a float as an int, a list as any sequence; a bool is never a number."""
    a, e = kind(answer), kind(expected)
    if e == "int" and a == "float":
        return float(answer).is_integer()
    return a == e or (e == "float" and a == "int")


def brief(value: Any, limit: int = 80) -> str:
    """``repr(value)`` short enough for a message: tensors and arrays by their shape."""
    if getattr(value, "ndim", 0) and hasattr(value, "shape"):
        return _("a {type} of shape {shape}").format(type=type(value).__name__, shape=list(value.shape))
    if isinstance(value, (list, tuple)) and any(getattr(v, "ndim", 0) for v in value):
        inner = ", ".join(brief(v, limit) for v in value[:3]) + (", ..." if len(value) > 3 else "")
        text = f"[{inner}]" if isinstance(value, list) else f"({inner})"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def wrong(detail: str, hint: str = "") -> Verdict:
    """A "Not quite" verdict, its message cut to :data:`MAX_MESSAGE` characters."""
    tail = " " + _("Hint: {hint}").format(hint=_(hint)) if hint else ""
    head = _("Not quite: {detail}").format(detail=detail)
    room = MAX_MESSAGE - len(tail)
    return Verdict(False, (head if len(head) <= room else head[: room - 3] + "...") + tail)


def wrong_kind(answer: Any, expected: Any, hint: str, what: str | None = None) -> Verdict:
    """The verdict for an answer of the wrong kind (``48`` for ``[48]``), naming both kinds."""
    what = _("your answer is") if what is None else what
    got = _(KIND_NAMES.get(kind(answer), kind(answer)))
    detail = _("{what} {got}, {value}; the answer is {expected}.")
    return wrong(
        detail.format(what=what, got=got, value=brief(answer, 40), expected=_(KIND_NAMES[kind(expected)])), hint
    )


def check_value(answer: Any, expected: Any, hint: str, same: Callable[[Any, Any], bool] | None = None) -> Verdict:
    """Compare a value answer with the package's; ``same(answer, expected)`` overrides ``==``.
    An answer of another kind than ``expected`` (see :func:`fits_kind`) is told so."""
    if is_unanswered(answer):
        return Verdict(None, _(NOT_ANSWERED))
    if not fits_kind(answer, expected):
        return wrong_kind(answer, expected, hint)
    try:
        ok = same(answer, expected) if same else answer == expected
    except Exception:
        ok = False
    if ok:
        return Verdict(True, _("Right! {expected}").format(expected=repr(expected)))
    return wrong(_("{value}.").format(value=brief(answer)), hint)


def close_to(rel: float) -> Callable[[Any, Any], bool]:
    """``same`` for float answers: equal within a relative tolerance."""
    return lambda a, e: abs(float(a) - e) <= rel * abs(e)


def size(value: Any) -> float:
    """How big an input is, to find the smallest one a function gets wrong: numbers count their
    magnitude, strings and sequences their items, tensors their elements."""
    if value is None or isinstance(value, (bool, str)):
        return 0
    if isinstance(value, numbers.Real):
        return abs(float(value))
    if hasattr(value, "numel"):
        return value.numel()
    if isinstance(value, Mapping):
        value = value.values()
    if isinstance(value, Iterable):
        return sum(size(v) for v in value)
    return 0


def check_function(
    function: Any,
    cases: Iterable[Sequence[Any]],
    reference: Callable[..., Any],
    hint: str,
    same: Callable[[Any, Any], bool] | None = None,
    properties: Sequence[Property] = (),
    forbidden: Sequence[str] = (),
) -> Verdict:
    """Run a student's function on many inputs and compare it with the package's ``reference``.

    The inputs run from the smallest (:func:`size`) up, so a wrong answer shows the smallest
    input the function gets wrong, what it returned there (not the expected value) and what is
    wrong with that: the wrong kind of value, ``None`` (no ``return``), the first of
    ``properties`` that fails, or else that it is not the package's answer; plus ``hint``. A
    function that uses a name in ``forbidden`` (the package function that is the answer) is told so.
    """
    if is_unanswered(function) or is_stub(function):
        return Verdict(None, _(NOT_WRITTEN if callable(function) else NOT_ANSWERED))
    if not callable(function):
        got = _(KIND_NAMES.get(kind(function), kind(function)))
        return wrong(_("expected a function, got {kind}.").format(kind=got), hint)
    used = sorted(set(forbidden) & _names_used(getattr(function, "__code__", None)))
    if used:
        detail = _("your function uses {names}, which computes the answer: work it out yourself.")
        return wrong(detail.format(names=", ".join(used)))
    name = getattr(function, "__name__", "<lambda>")
    name = _("your function") if name == "<lambda>" else name
    cases = sorted((tuple(c) for c in cases), key=size)
    for args in cases:
        call = f"{name}({', '.join(brief(a, 40) for a in args)})"
        try:
            got = function(*args)
        except Exception as err:
            error = f"{type(err).__name__}: {_first_line(err)}"
            return wrong(_("{call} raised {error}.").format(call=call, error=error), hint)
        expected = reference(*args)
        if got is None:
            return wrong(
                _("{call} returned None: a function without a `return` line gives None.").format(call=call), hint
            )
        if same is None and kind(expected) in KIND_NAMES and not fits_kind(got, expected):
            return wrong_kind(got, expected, hint, _("{call} returned").format(call=call))
        try:
            ok = same(got, expected) if same else got == expected
        except Exception:
            ok = False
        if not ok:
            failing = next((p for p in properties if not _holds(p, args, got)), None)
            failed = failing.text() if failing else _("the package's answer differs")
            detail = _("{call} returned {got}, the smallest input it gets wrong. Fails: {failed}.")
            return wrong(detail.format(call=call, got=brief(got), failed=failed), hint)
    return Verdict(
        True, _("Right! Your function agrees with the package on all {count} inputs.").format(count=len(cases))
    )


def _names_used(code) -> set[str]:
    """The global and attribute names a function's code (and the code nested in it) uses."""
    if code is None:
        return set()
    nested = [c for c in code.co_consts if hasattr(c, "co_names")]
    return set(code.co_names).union(*(_names_used(c) for c in nested))


def _first_line(err: Exception, limit: int = 120) -> str:
    text = (str(err).strip().splitlines() or [""])[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _holds(prop: Property, args: tuple, got: Any) -> bool:
    try:
        return bool(prop.holds(args, got))
    except Exception:
        return False
