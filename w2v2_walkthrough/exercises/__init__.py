"""Checkers for the notebooks' exercises, one module per notebook (``nb01`` ... ).

Each ``check_...(answer)`` returns a :class:`Verdict` that Jupyter shows as "Right!", "Not quite"
with a hint, or "Not answered yet". Every checker is also available here, as
``w2v.exercises.check_...``.
"""

import importlib
import pkgutil

from ._core import Verdict, check_function, check_value, close_to, is_unanswered

__all__ = ["Verdict", "check_function", "check_value", "close_to", "is_unanswered"]

for _info in pkgutil.iter_modules(__path__):
    if _info.name.startswith("nb"):
        _module = importlib.import_module(f"{__name__}.{_info.name}")
        for _name, _value in vars(_module).items():
            if _name.startswith("check_"):
                globals()[_name] = _value
                __all__.append(_name)
