"""WeightChoice, what every notebook runs with: random weights, a checkpoint (torchaudio or Hugging Face
layout) or a torchaudio bundle pre-placed in torch hub's cache; each preset gets the given weights only
when they fit its architecture, and nothing random is ever described as pretrained.

The checkpoints hold feature-extractor keys only (plus a few foreign keys for the Hugging Face layout),
except the bundle file, which ``bundle.get_model()`` loads strictly into a whole model: its other
tensors are views of one shared zero storage, so the file is ~19 MB instead of ~380 MB.
"""

import functools
import re
import urllib.error
from pathlib import Path

import pytest
import torch
import torchaudio

from helpers import (
    BASE,
    BUNDLE,
    HUBERT_LARGE,
    LV60K,
    hugging_face_layout,
    place_bundle_file,
    torchaudio_extractor,
    torchaudio_layout,
)
from w2v2_walkthrough import PRESETS, WeightChoice, random_extractor


def features(extractor, seed: int = 0) -> torch.Tensor:
    x = torch.randn(1, 4000, generator=torch.Generator().manual_seed(seed))
    with torch.no_grad():
        return extractor(x, None)[0]


def same_weights(a, b) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


@functools.cache
def seeded_random(preset: str, seed: int):
    """``random_extractor(preset, seed)``, drawn once per test session (each draw takes ~0.1 s)."""
    return random_extractor(preset, seed)


def assert_honest(choice: WeightChoice, presets=(BASE, LV60K, HUBERT_LARGE)) -> None:
    """Every preset whose extractor holds the seed's random weights is described as NOT pretrained,
    and every other one names the given weights."""
    for preset in presets:
        is_random = same_weights(choice.extractor(preset), seeded_random(preset, choice.seed))
        described = choice.describe(preset)
        assert ("NOT pretrained" in described) == is_random, described
        if not is_random:
            assert Path(choice.weights).name in described and "random" not in described, described


@pytest.fixture(scope="module")
def base_reference():
    return torchaudio_extractor(BASE, seed=21)


def test_random_weights_are_the_seeds_and_say_so():
    choice = WeightChoice("random", 3)
    assert choice.is_random and choice.architecture is None and not choice.fits(BASE)
    assert same_weights(choice.extractor(LV60K), random_extractor(LV60K, 3))
    assert not same_weights(choice.extractor(BASE), random_extractor(BASE, 0))
    assert "NOT pretrained" in choice.banner() and "seed 3" in choice.banner()
    assert all("seed 3" in choice.describe(p) for p in (BASE, LV60K))
    assert_honest(choice)


@pytest.mark.slow
def test_a_fitting_torchaudio_checkpoint_reaches_every_preset_of_its_architecture(tmp_path, base_reference):
    path = tmp_path / "ta_base.pt"
    torch.save(torchaudio_layout(base_reference), path)
    choice = WeightChoice(str(path), 2)
    assert choice.kind == "checkpoint" and choice.architecture == ("group_norm", False)
    assert [p for p in PRESETS if choice.fits(p)] == ["wav2vec2_base", "wav2vec2_large", "hubert_base", "wavlm_base"]
    assert torch.equal(features(choice.extractor(BASE)), features(base_reference))
    assert "ta_base.pt" in choice.banner() and "NOT pretrained" not in choice.banner()
    assert_honest(choice)


@pytest.mark.slow
def test_a_non_fitting_checkpoint_gives_random_weights_and_says_why(tmp_path):
    reference = torchaudio_extractor(LV60K, seed=22)  # layer_norm, conv bias
    path = tmp_path / "lv60k.pt"
    torch.save(torchaudio_layout(reference), path)
    choice = WeightChoice(str(path), 5)
    assert same_weights(choice.extractor(BASE), random_extractor(BASE, 5))
    described = choice.describe(BASE)
    assert "random weights (seed 5), NOT pretrained" in described
    assert "layer_norm" in described and "does not fit" in described and "group_norm" in described
    assert not choice.fits(HUBERT_LARGE)  # layer_norm too, but no conv bias
    assert torch.equal(features(choice.extractor(LV60K)), features(reference))
    assert_honest(choice)


def test_a_checkpoint_that_fits_no_preset_says_so_in_the_banner(tmp_path):
    reference = torchaudio_extractor(BASE, seed=23, bias=True)  # group_norm with conv bias: no such preset
    torch.save(torchaudio_layout(reference), tmp_path / "odd.pt")
    choice = WeightChoice(str(tmp_path / "odd.pt"), 4)
    assert not any(choice.fits(p) for p in PRESETS)
    assert "fits none of the presets" in choice.banner() and "NOT pretrained" in choice.banner()
    assert_honest(choice)


@pytest.mark.slow
def test_a_hugging_face_checkpoint(tmp_path, base_reference):
    (tmp_path / "facebook-wav2vec2-base").mkdir()
    path = tmp_path / "facebook-wav2vec2-base" / "pytorch_model.bin"
    torch.save(hugging_face_layout(base_reference), path)
    choice = WeightChoice(str(path))
    assert choice.fits(BASE) and not choice.fits(LV60K)
    assert torch.equal(features(choice.extractor(BASE)), features(base_reference))
    assert "pytorch_model.bin" in choice.banner()
    assert_honest(choice)


@pytest.mark.slow
def test_a_bundle_pre_placed_in_torch_hubs_cache(tmp_path, monkeypatch, base_reference):
    """The real torchaudio.pipelines path (bundle.get_model(), torch hub's cache), offline."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    place_bundle_file(tmp_path, base_reference)
    choice = WeightChoice(BUNDLE, 1)
    assert choice.kind == "bundle" and choice.fits(BASE)
    assert torch.equal(features(choice.extractor(BASE)), features(base_reference))
    assert BUNDLE in choice.banner() and "pretrained" in choice.label() and "NOT" not in choice.label()
    assert BUNDLE in choice.describe(BASE) and "NOT pretrained" in choice.describe(LV60K)


def test_errors_name_the_fix(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match=r"Checkpoint not found: .*none\.pt"):
        WeightChoice(str(tmp_path / "none.pt"))
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"could not be read as a PyTorch checkpoint(.|\n)*torch.save"):
        WeightChoice(str(tmp_path / "junk.pt"))
    torch.save({"encoder.layer.weight": torch.zeros(3)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="holds no feature-extractor weights"):
        WeightChoice(str(tmp_path / "other.pt"))
    with pytest.raises(ValueError, match=r"Unknown torchaudio bundle 'WAV2VEC9'.*WAV2VEC2_BASE"):
        WeightChoice("WAV2VEC9")

    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "empty"))
    monkeypatch.setattr(type(torchaudio.pipelines.WAV2VEC2_BASE), "get_model", offline)
    where = tmp_path / "empty" / "hub" / "checkpoints" / "wav2vec2_fairseq_base_ls960.pth"
    with pytest.raises(RuntimeError, match=r"WAV2VEC2_BASE(.|\n)*place the file at " + re.escape(str(where))):
        WeightChoice(BUNDLE)
