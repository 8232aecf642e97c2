"""Whether transformers' HuBERT and WavLM feature encoders are wav2vec2's code, statement for statement."""

import ast
import functools
import inspect
import textwrap
from pathlib import Path

from .library import FAMILIES, check_family, modeling

#: The classes that make up a feature encoder (prefixed by the family's class-name prefix).
ENCODER_CLASSES = ("FeatureEncoder", "GroupNormConvLayer", "LayerNormConvLayer", "NoLayerNormConvLayer")


def same_code(family: str) -> dict[str, bool]:
    """Whether each encoder class of ``family`` is the same code as wav2vec2's, statement for
    statement (layout and the class-name prefix aside)."""
    prefix = FAMILIES[check_family(family)]
    ours, theirs = modeling("wav2vec2"), modeling(family)
    return {
        name: _class_code(getattr(ours, "Wav2Vec2" + name), "Wav2Vec2")
        == _class_code(getattr(theirs, prefix + name), prefix)
        for name in ENCODER_CLASSES
    }


def _class_code(cls: type, prefix: str) -> str:
    """The AST of a class's code (``ast.dump``: no positions, no layout), ``prefix`` written as ``Wav2Vec2``."""
    node = _top_level_classes(inspect.getsourcefile(cls)).get(cls.__name__)
    if node is None:  # not a top-level class of its file
        node = ast.parse(textwrap.dedent(inspect.getsource(cls))).body[0]
    return ast.dump(node).replace(prefix, "Wav2Vec2")


@functools.lru_cache(maxsize=16)
def _top_level_classes(path: str) -> dict[str, ast.ClassDef]:
    """The top-level classes of a source file, parsed once (``inspect.getsource`` parses it per class)."""
    tree = ast.parse(Path(path).read_text(encoding="utf-8"))
    return {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
