"""Build tooling for the notebook series (used by scripts/build_series.py and the tests).

One module per output: :mod:`.sources` (the py:percent sources and their executed .ipynb pairs),
:mod:`.site` (the reading site), :mod:`.slides` (offline reveal.js decks), :mod:`.student` (the
student edition), :mod:`.translation` (the gettext catalogs of the Chinese edition and their checks),
:mod:`.zh` (the Chinese edition, ``build/zh/``), :mod:`.fonts` (its bundled CJK webfont).
"""
