"""What every checker shares: the :class:`Verdict`, value checks and function checks.

A checker never types its expected answer in: it computes it with the package. Three verdicts:
"Right!", "Not quite" with a hint that helps without giving the answer away, and "Not answered
yet" for the student edition's stubs (``...``, ``None``, or a function whose body does nothing).
A function that computes something but returns ``None`` is a wrong answer. A wrong answer of the
wrong type (``48`` for ``[48]``, ``"True"`` for ``True``) is told so by name; a wrong function is
shown the smallest input it gets wrong and which property fails there, in a message of at most
:data:`MAX_MESSAGE` characters (values are shortened, tensors shown by their shape).
"""

import copy
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
    "your answer",
    "what {call} returned",
    "{call} returned {got}, the smallest input it gets wrong. Fails: {failed}.",
    "the package's answer differs",
    "a {type} of shape {shape}",
    "item {index} of {where}",
    "the value of {key!r} in {where}",
    "{what} is {got}, {value}; it should be {expected}.",
    "a list or tuple keeps its order: a set has none",
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
    "set": "a set",
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

    #: Checked on every output before it is compared with the package's (a property a right
    #: output must have that the comparison would not notice, such as a bool's kind).
    first: bool = False


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
    if isinstance(value, (set, frozenset)):
        return "set"
    if isinstance(value, (list, tuple, range)):
        return "list"
    if type(value).__name__ == "Tensor":
        return "tensor"
    return type(value).__name__


def fits_kind(answer: Any, expected: Any) -> bool:
    """Whether ``answer`` is of the kind ``expected`` is, item by item (see :func:`kind_mismatch`)."""
    return kind_mismatch(answer, expected) is None


def _fits_one(a: str, e: str, answer: Any) -> bool:
    """One value's kind: an int may be written as a whole float (``125.0``), a float as an int;
    a bool is never a number; numpy and torch scalars count as the Python kind they hold."""
    if e == "int" and a == "float":
        return float(answer).is_integer()
    return a == e or (e == "float" and a == "int")


def kind_mismatch(answer: Any, expected: Any, what: str | None = None) -> str | None:
    """``None`` if ``answer`` has ``expected``'s kind all the way down (every item of a list or
    tuple, every value of a dict: a set is not an ordered pair, ``'0'``, ``0.9`` or ``False`` not
    an int); else a sentence naming the first item that differs and its kind."""
    what = _("your answer") if what is None else what
    a, e = kind(answer), kind(expected)
    if not _fits_one(a, e, answer):
        detail = _("{what} is {got}, {value}; it should be {expected}.").format(
            what=what, got=_(KIND_NAMES.get(a, a)), value=brief(answer, 40), expected=_(KIND_NAMES.get(e, e))
        )
        if a == "set" and e == "list":
            detail += " " + _("a list or tuple keeps its order: a set has none") + "."
        return detail
    if e == "list" and len(expected):  # each item against the answer's item there (or its last)
        for i, x in enumerate(answer):
            y = expected[min(i, len(expected) - 1)]
            inner = kind_mismatch(x, y, _("item {index} of {where}").format(index=i, where=what))
            if inner:
                return inner
    if e == "dict":  # the values of the keys both have (which keys: a wrong value, not a wrong kind)
        for key in (k for k in expected if _has_key(answer, k)):
            where = _("the value of {key!r} in {where}").format(key=key, where=what)
            inner = kind_mismatch(answer[key], expected[key], where)
            if inner:
                return inner
    return None


def _has_key(mapping: Mapping, key: Any) -> bool:
    try:
        return key in mapping
    except TypeError:  # an unhashable key
        return False


def same_value(answer: Any, expected: Any) -> bool:
    """``answer == expected`` item by item, so that a tuple equals a list with the same items and a
    numpy or torch scalar its Python value. Call it after :func:`kind_mismatch` found none."""
    if kind(expected) == "list":
        return len(answer) == len(expected) and all(map(same_value, answer, expected))
    if kind(expected) == "dict":
        return set(answer) == set(expected) and all(same_value(answer[k], expected[k]) for k in expected)
    if getattr(answer, "ndim", None) == 0 and hasattr(answer, "item"):
        answer = answer.item()
    return bool(answer == expected)


def brief(value: Any, limit: int = 80) -> str:
    """``repr(value)`` short enough for a message: tensors and arrays by their shape."""
    if getattr(value, "ndim", 0) and hasattr(value, "shape"):
        return _("a {type} of shape {shape}").format(type=type(value).__name__, shape=list(value.shape))
    if isinstance(value, Mapping) and any(getattr(v, "ndim", 0) for v in value.values()):  # a state dict
        items = ", ".join(f"{k} {list(getattr(v, 'shape', []))}" for k, v in value.items())
        text = f"{len(value)} tensors: {items}"
    elif isinstance(value, (list, tuple)) and any(getattr(v, "ndim", 0) for v in value):
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
    """The verdict for an answer of the wrong kind (``48`` for ``[48]``, ``[9.5, 10]`` for a list
    of ints), naming the first item whose kind differs, its kind and the kind it should have."""
    return wrong(kind_mismatch(answer, expected, what) or "", hint)


def check_value(answer: Any, expected: Any, hint: str, same: Callable[[Any, Any], bool] | None = None) -> Verdict:
    """Compare a value answer with the package's; ``same(answer, expected)`` overrides ``==``.
    An answer of another kind than ``expected`` (see :func:`fits_kind`) is told so."""
    if is_unanswered(answer):
        return Verdict(None, _(NOT_ANSWERED))
    if not fits_kind(answer, expected):
        return wrong_kind(answer, expected, hint)
    try:
        ok = bool(same(copy.deepcopy(answer), expected) if same else same_value(answer, expected))
    except Exception:
        ok = False
    if ok:
        shown = "{" + ", ".join(map(repr, sorted(expected))) + "}" if kind(expected) == "set" else repr(expected)
        return Verdict(True, _("Right! {expected}").format(expected=shown))  # a set sorted: the same every run
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
        call = f"{name}({', '.join(brief(a, 60) for a in args)})"
        try:
            got = function(*copy.deepcopy(args))  # a copy: a function that changes its input cannot harm the checks
        except Exception as err:
            error = f"{type(err).__name__}: {_first_line(err)}"
            return wrong(_("{call} raised {error}.").format(call=call, error=error), hint)
        expected = reference(*args)
        if got is None:
            return wrong(
                _("{call} returned None: a function without a `return` line gives None.").format(call=call), hint
            )
        if kind(expected) in KIND_NAMES and not fits_kind(got, expected):
            return wrong_kind(got, expected, hint, _("what {call} returned").format(call=call))
        failed = next((p.text() for p in properties if p.first and not _holds(p, args, got)), None)
        try:
            ok = failed is None and bool(same(got, expected) if same else same_value(got, expected))
        except Exception:
            ok = False
        if not ok:
            failed = failed or next(
                (p.text() for p in properties if not _holds(p, args, got)), _("the package's answer differs")
            )
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
