"""Guard against torchaudio changing under the mirror.

The mirror was written against torchaudio 2.11.0. :func:`check_drift` fingerprints the installed
torchaudio's source of the four mirrored objects (their AST with docstrings removed, so comments
and docstrings may change freely but any change to the code is caught) and compares.
"""

import ast
import hashlib
import inspect
import textwrap

from .codetext import strip_docstrings

WRITTEN_AGAINST = "2.11.0"

MIRRORED = ("LayerNorm", "ConvLayerBlock", "FeatureExtractor", "_get_feature_extractor")

#: Fingerprints of torchaudio 2.11.0's source; regenerate with ``python -m w2v2_walkthrough.drift``
#: only after re-reading the upstream change and updating the mirror to match.
FINGERPRINTS: dict[str, str] = {
    "LayerNorm": "affb63cb8471e84032c66022be7921015cd2a24fcdcd893953b03eb1409b3dae",
    "ConvLayerBlock": "5ca62097110d9e4a4de1cdbe38543169609b23742a7a9a6ca41b8aaa6e974471",
    "FeatureExtractor": "666ab9925b10c4e4af303d3067fd1b9bf42c69f019bab3a9938d7e0b8125c256",
    "_get_feature_extractor": "db91d4a49d28651ae778367a7c66fe03e79ad03b2d53ba231c9da3b65198aed6",
}


class DriftError(AssertionError):
    pass


def fingerprint_source(source: str) -> str:
    """sha256 of the code's AST without docstrings (comments and formatting do not count)."""
    tree = strip_docstrings(ast.parse(textwrap.dedent(source)))
    return hashlib.sha256(ast.dump(tree, annotate_fields=True, include_attributes=False).encode()).hexdigest()


def torchaudio_fingerprints() -> dict[str, str]:
    """Fingerprints of the installed torchaudio's mirrored objects."""
    from torchaudio.models.wav2vec2 import components

    return {name: fingerprint_source(inspect.getsource(getattr(components, name))) for name in MIRRORED}


def drifted() -> list[str]:
    """Names of the mirrored objects whose installed source differs from what the mirror follows."""
    now = torchaudio_fingerprints()
    return [name for name in MIRRORED if now[name] != FINGERPRINTS[name]]


def check_drift() -> None:
    """Raise :class:`DriftError` with a clear message when torchaudio's code has changed."""
    changed = drifted()
    if changed:
        import torchaudio

        raise DriftError(
            f"torchaudio {torchaudio.__version__} changed {', '.join(changed)} since {WRITTEN_AGAINST}, "
            f"the version w2v2_walkthrough.components mirrors. Compare "
            f"inspect.getsource(torchaudio.models.wav2vec2.components.<name>) with the mirror, update "
            f"the mirror (and the notebooks that read it), then update FINGERPRINTS in drift.py."
        )


if __name__ == "__main__":
    for name, digest in torchaudio_fingerprints().items():
        print(f'    "{name}": "{digest}",')
