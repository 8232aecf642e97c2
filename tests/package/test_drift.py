"""The drift guard: the installed torchaudio still has the code the mirror follows."""

import inspect

import pytest
from torchaudio.models.wav2vec2 import components as ta_components

from w2v2_walkthrough import components, drift


def test_installed_torchaudio_matches_the_mirrored_version():
    drift.check_drift()  # raises DriftError with instructions when torchaudio changed


def test_mirror_classes_have_the_same_code_as_torchaudio():
    """Docstrings and comments aside, the three mirrored classes are statement-for-statement torchaudio's."""
    for name in ("LayerNorm", "ConvLayerBlock", "FeatureExtractor"):
        assert drift.fingerprint_source(inspect.getsource(getattr(components, name))) == drift.FINGERPRINTS[name], name


def test_fingerprint_ignores_docs_but_not_code():
    src = inspect.getsource(ta_components.ConvLayerBlock)
    reworded = src.replace('"""Convolution unit of FeatureExtractor"""', '"""Another docstring."""\n    # a comment')
    assert reworded != src
    assert drift.fingerprint_source(reworded) == drift.fingerprint_source(src)
    changed = src.replace("nn.functional.gelu(x)", "nn.functional.relu(x)")
    assert changed != src
    assert drift.fingerprint_source(changed) != drift.fingerprint_source(src)


def test_drift_error_names_the_object_and_the_fix(monkeypatch):
    monkeypatch.setitem(drift.FINGERPRINTS, "ConvLayerBlock", "0" * 64)
    assert drift.drifted() == ["ConvLayerBlock"]
    with pytest.raises(drift.DriftError, match=r"changed ConvLayerBlock since 2\.11\.0.*update the mirror"):
        drift.check_drift()
