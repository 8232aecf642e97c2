import urllib.error

import pytest
import torch
import torchaudio
from torchaudio.models.wav2vec2.components import _get_feature_extractor

from helpers import place_bundle_file, randomize_
from w2v2_walkthrough import load_extractor, random_extractor
from w2v2_walkthrough.presets import PRESETS


def test_random_weights_are_seeded_and_leave_global_rng_alone():
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a, b, c = random_extractor(seed=0), random_extractor(seed=0), random_extractor(seed=1)
    assert torch.equal(torch.rand(1), before)
    wa, wb, wc = (m.conv_layers[0].conv.weight for m in (a, b, c))
    assert torch.equal(wa, wb) and not torch.equal(wa, wc)
    loaded = load_extractor("wav2vec2_base")
    assert not loaded.pretrained and "NOT pretrained" in loaded.source


@pytest.fixture(scope="module")
def base_extractor():
    """torchaudio's Base feature extractor with every parameter away from its init."""
    p = PRESETS["wav2vec2_base"]
    return randomize_(_get_feature_extractor(p.norm_mode, list(p.shapes), p.bias), seed=11).eval()


def whole_model_checkpoint(extractor, prefix="feature_extractor."):
    """What a whole-model checkpoint looks like to the loader: the extractor's keys under the
    model's prefix, next to keys of other parts (the loader must pick out the extractor's)."""
    state = {prefix + k: v for k, v in extractor.state_dict().items()}
    state[prefix.replace("feature_extractor.", "") + "encoder.feature_projection.projection.weight"] = torch.ones(4, 4)
    return state


def features(extractor, seed=0):
    x = torch.randn(1, 8000, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return extractor(x, None)[0]


def test_torchaudio_checkpoint_round_trip(tmp_path, base_extractor):
    path = tmp_path / "model.pt"
    torch.save(whole_model_checkpoint(base_extractor), path)
    loaded = load_extractor("wav2vec2_base", weights=str(path))
    assert loaded.pretrained and str(path) in loaded.source
    assert torch.equal(features(loaded.extractor), features(base_extractor))


def test_an_existing_upper_case_file_is_a_checkpoint_not_a_bundle(tmp_path, base_extractor, monkeypatch):
    monkeypatch.chdir(tmp_path)
    torch.save(whole_model_checkpoint(base_extractor), tmp_path / "MODEL")
    loaded = load_extractor("wav2vec2_base", weights="MODEL")
    assert loaded.source == "checkpoint MODEL"


def test_hugging_face_style_checkpoint(tmp_path, base_extractor):
    """Hugging Face names the same tensors with a `wav2vec2.` prefix, next to other model keys."""
    state = whole_model_checkpoint(base_extractor, prefix="wav2vec2.feature_extractor.")
    state["lm_head.weight"] = torch.zeros(32, 768)
    torch.save(state, tmp_path / "pytorch_model.bin")
    loaded = load_extractor("wav2vec2_base", weights=str(tmp_path / "pytorch_model.bin"))
    assert torch.equal(features(loaded.extractor), features(base_extractor))


def test_mismatched_checkpoint_lists_keys(tmp_path):
    large = torchaudio.models.wav2vec2.components._get_feature_extractor(
        "layer_norm", [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2, True
    )
    torch.save({"feature_extractor." + k: v for k, v in large.state_dict().items()}, tmp_path / "large.pt")
    with pytest.raises(
        ValueError,
        match=r"does not fit(.|\n)*unexpected keys \(19\)(.|\n)*conv_layers.1.layer_norm.weight"
        r"(.|\n)*layer_norm preset",
    ):
        load_extractor("wav2vec2_base", weights=str(tmp_path / "large.pt"))
    torch.save({"feature_extractor.conv_layers.0.conv.weight": torch.zeros(256, 1, 10)}, tmp_path / "odd.pt")
    with pytest.raises(
        ValueError, match=r"missing keys \(8\)(.|\n)*checkpoint \[256, 1, 10\] vs extractor \[512, 1, 10\]"
    ):
        load_extractor("wav2vec2_base", weights=str(tmp_path / "odd.pt"))


def test_unreadable_and_missing_checkpoints(tmp_path):
    with pytest.raises(FileNotFoundError, match="Checkpoint not found"):
        load_extractor("wav2vec2_base", weights=str(tmp_path / "none.pt"))
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match="weights_only=True"):
        load_extractor("wav2vec2_base", weights=str(tmp_path / "junk.pt"))
    with pytest.raises(ValueError, match="Unknown preset"):
        load_extractor("nope")


def test_bundle_offline_error_says_where_to_put_the_file(monkeypatch):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(torchaudio.pipelines.WAV2VEC2_BASE.__class__, "get_model", offline)
    with pytest.raises(
        RuntimeError, match=r"WAV2VEC2_BASE(.|\n)*checkpoints.*wav2vec2_fairseq_base_ls960.pth(.|\n)*weights='random'"
    ):
        load_extractor("wav2vec2_base", weights="WAV2VEC2_BASE")
    with pytest.raises(ValueError, match=r"Unknown torchaudio bundle 'WAV2VEC9'.*WAV2VEC2_BASE"):
        load_extractor("wav2vec2_base", weights="WAV2VEC9")


@pytest.mark.slow
def test_bundle_loads_offline_from_a_pre_placed_file(tmp_path, monkeypatch, base_extractor):
    """The real torchaudio pipelines path, offline: a whole-model file already in torch hub's
    checkpoints folder (torchaudio's loader fills the whole model from it)."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    place_bundle_file(tmp_path, base_extractor)
    loaded = load_extractor("wav2vec2_base", weights="WAV2VEC2_BASE")
    assert loaded.pretrained and "WAV2VEC2_BASE" in loaded.source
    assert torch.equal(features(loaded.extractor), features(base_extractor))
