"""``source.upstream_part`` shows slide-sized parts of torchaudio's installed code: the real lines,
in order, none lost between parts, and a clear error when a marker is not there."""

import ast
import inspect
import textwrap

import pytest
from torchaudio.models.wav2vec2 import components as upstream

from w2v2_walkthrough import source


def without_docstring(code: str) -> str:
    tree = ast.parse(textwrap.dedent(code))
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)


def stripped_lines(code: str) -> list[str]:
    """The non-blank lines of ``code``, stripped, without the lines of its docstrings."""
    code = textwrap.dedent(code)
    docstrings = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and ast.get_docstring(node) is not None:
            docstrings.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    lines = code.splitlines()
    return [line.strip() for n, line in enumerate(lines, 1) if line.strip() and n not in docstrings]


def test_a_method_part_is_that_method_of_the_installed_torchaudio():
    part = source.upstream_part("ConvLayerBlock", start="def forward")
    assert part.startswith("def forward(") and "rounding_mode" in part
    assert without_docstring(part) == without_docstring(inspect.getsource(upstream.ConvLayerBlock.forward))
    init = source.upstream_part("ConvLayerBlock", start="def __init__", stop="def forward")
    assert without_docstring(init) == without_docstring(inspect.getsource(upstream.ConvLayerBlock.__init__))


def test_parts_split_at_markers_lose_no_line():
    whole = inspect.getsource(upstream._get_feature_extractor)
    parts = [
        source.upstream_part("_get_feature_extractor", stop="for i, ("),
        source.upstream_part("_get_feature_extractor", start="for i, (", stop="blocks.append"),
        source.upstream_part("_get_feature_extractor", start="blocks.append"),
    ]
    shown = [line.strip() for part in parts for line in part.splitlines() if line.strip()]
    assert shown == stripped_lines(whole)
    assert max(len(part.splitlines()) for part in parts) <= 15  # each fits a slide


def test_a_missing_marker_is_an_error():
    with pytest.raises(ValueError, match="contains 'def backward'"):
        source.upstream_part("ConvLayerBlock", start="def backward")
    with pytest.raises(ValueError, match="no line"):
        source.upstream_part("LayerNorm", start="def forward", stop="def forward")
