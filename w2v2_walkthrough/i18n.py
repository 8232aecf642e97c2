"""The language the exercise checkers answer in: English, or a language whose catalog ships with the
package (``translations/<language>/exercises.po``, gettext PO; ``zh_CN``).

The Chinese student edition calls ``i18n.use_language("zh_CN")`` in its setup cell; every verdict
and hint then comes from that catalog (an English text the catalog does not translate stays English).
"""

import functools
from pathlib import Path

CATALOGS = Path(__file__).resolve().parent / "translations"
ENGLISH = "en"
_current = ENGLISH


def available() -> list:
    return [ENGLISH, *sorted(p.parent.name for p in CATALOGS.glob("*/exercises.po"))]


def use_language(language: str) -> None:
    """Make the checkers answer in ``language`` (``"en"`` or one of :func:`available`)."""
    global _current
    if language not in available():
        raise ValueError(f"no checker messages in {language!r}; use_language takes one of {available()}")
    _current = language


def language() -> str:
    return _current


@functools.cache
def _catalog(language: str) -> dict:
    from babel.messages.pofile import read_po

    with (CATALOGS / language / "exercises.po").open("rb") as f:
        return {m.id: m.string for m in read_po(f) if m.id and m.string and not m.fuzzy}


def translate(text: str) -> str:
    """``text`` (English) in the current language."""
    return text if _current == ENGLISH else _catalog(_current).get(text, text)
