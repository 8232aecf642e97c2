import pytest

from w2v2_walkthrough import source


def test_upstream_source_is_the_installed_code_without_docstrings():
    text = source.upstream_source("ConvLayerBlock")
    assert text.startswith("class ConvLayerBlock(Module):")
    assert "Convolution unit of FeatureExtractor" not in text
    assert "# When input length is 0" in text  # comments are kept for reading
    assert '"""' not in source.upstream_source("_get_feature_extractor")
    assert "Convolution unit" in source.upstream_source("ConvLayerBlock", docstrings=True)


def test_the_mirror_differs_only_in_the_error_message():
    for name in ("LayerNorm", "ConvLayerBlock", "FeatureExtractor"):
        assert source.code_diff(name) == []
    diff = source.code_diff("_get_feature_extractor")
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("---", "+++")]
    assert len(changed) == 4 and all("norm" in line.lower() for line in changed)


def test_installed_part_reads_the_file_as_inspect_does_without_importing():
    import inspect
    import sys

    name = "transformers.models.wav2vec2.modeling_wav2vec2"
    before = {m for m in sys.modules if m.startswith("transformers")}
    shown = source.installed_part(name, "Wav2Vec2FeatureEncoder._freeze_parameters")
    assert {m for m in sys.modules if m.startswith("transformers")} == before  # nothing imported
    module = pytest.importorskip(name)
    lines, first = inspect.getsourcelines(module.Wav2Vec2FeatureEncoder._freeze_parameters)
    header = f"lines {first}-{first + len(lines) - 1}: Wav2Vec2FeatureEncoder._freeze_parameters"
    assert shown.splitlines()[0].endswith(header)
    assert shown.splitlines()[1:] == [line[4:].rstrip() for line in lines]
    with pytest.raises(ValueError, match="not defined"):
        source.installed_part(name, "Wav2Vec2FeatureEncoder.nothing")
    with pytest.raises(ModuleNotFoundError, match="not in the installed transformers"):
        source.installed_part("transformers.models.nothing", "X")


def test_unknown_name():
    with pytest.raises(ValueError, match="must be one of"):
        source.upstream_source("Encoder")
