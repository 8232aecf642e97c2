"""The command line: exact features and frame times from files at any rate, the weights stated,
errors in its own syntax, and never a partial file."""

import os
import subprocess
import sys
import urllib.error

import numpy as np
import pytest
import soundfile as sf
import soxr
import torch
import torchaudio

from helpers import LV60K, place_bundle_file, torchaudio_extractor, torchaudio_layout
from w2v2_walkthrough import random_extractor
from w2v2_walkthrough.__main__ import build_parser, in_cli_terms, main


@pytest.fixture
def wav(tmp_path):
    x = (torch.randn(8_000, generator=torch.Generator().manual_seed(0)) * 0.1).numpy()
    sf.write(tmp_path / "in.wav", x, 16000, subtype="FLOAT")
    return tmp_path / "in.wav", x


def full_pass(preset, x):
    with torch.no_grad():
        return random_extractor(preset)(torch.from_numpy(x)[None], None)[0][0].numpy()


def close(got, full):
    """Equal to float32 rounding: the largest difference is at most 1e-5 of the largest |feature|."""
    return got.shape == full.shape and np.abs(got - full).max() <= 1e-5 * np.abs(full).max()


def test_extract_writes_features_and_times(tmp_path, wav, capsys):
    path, x = wav
    out = tmp_path / "feats.npy"
    args = ["extract", str(path), str(out), "--preset", "wav2vec2_large_lv60k", "--weights", "random"]
    assert main([*args, "--chunk-seconds", "0.1", "--no-progress"]) == 0
    feats, times = np.load(out), np.load(tmp_path / "feats.times.npy")
    n = (8_000 - 400) // 320 + 1
    assert feats.shape == (n, 512) and feats.dtype == np.float32
    assert close(feats, full_pass("wav2vec2_large_lv60k", x))
    expected = [[320 * i / 16000, (320 * i + 199.5) / 16000] for i in range(n)]  # frame i sees [320 i, 320 i + 400)
    assert times.dtype == np.float64 and times.tolist() == expected
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feats.npy", "feats.times.npy", "in.wav"]
    err = capsys.readouterr().err
    assert "WARNING: --weights random: random weights (seed 0), NOT pretrained" in err and "UNTRAINED" in err


def test_help_states_the_time_convention_and_the_channel_policy(capsys):
    with pytest.raises(SystemExit):
        main(["extract", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "centre (the mean of its samples' instants)" in text and "exact centre" not in text
    assert "the default, error, refuses such a file" in text


def test_weights_must_be_chosen(tmp_path, wav, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["extract", str(wav[0]), str(tmp_path / "o.npy"), "--preset", "wav2vec2_base"])
    assert exit_.value.code == 2 and "--weights" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav"]


@pytest.mark.slow
def test_a_44k_stereo_file_needs_no_sox_and_no_matplotlib(tmp_path):
    g = np.random.default_rng(0)
    stereo = (0.1 * g.standard_normal((44100 // 2 + 5, 2)) + [0.02, -0.01]).astype(np.float32)
    sf.write(tmp_path / "st44.wav", stereo, 44100, subtype="FLOAT")
    cli = [sys.executable, "-X", "importtime", "-m", "w2v2_walkthrough", "extract", "st44.wav", "f.npy"]
    args = ["--preset", "wav2vec2_base", "--weights", "random", "--multichannel", "mean", "--chunk-seconds", "0.1"]
    r = subprocess.run([*cli, *args], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    imported = [line.split("|")[-1].strip() for line in r.stderr.splitlines() if line.startswith("import time:")]
    assert "torch" in imported and "soxr" in imported  # the import log is complete...
    assert not [m for m in imported if m.split(".")[0] == "matplotlib"]  # ...and has no matplotlib
    assert "st44.wav: 44100 Hz, 2 channels (--multichannel mean)" in r.stderr
    whole = soxr.resample(stereo.mean(axis=1), 44100, 16000, quality="HQ")  # resample all, then one full pass
    assert close(np.load(tmp_path / "f.npy"), full_pass("wav2vec2_base", whole))


def no_network(*args, **kwargs):
    raise urllib.error.URLError("no network")


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (lambda d, mp: None, ["missing.wav", "o.npy"], "not found"),
        (lambda d, mp: (d / "t.wav").write_text("text"), ["t.wav", "o.npy"], "not an audio file"),
        (lambda d, mp: None, ["in.wav", "nodir/o.npy"], "does not exist"),
        (lambda d, mp: None, ["in.wav", "o.txt"], ".npy"),
        (lambda d, mp: None, ["in.wav", "o.npy", "--weights", "nope.pt"], "Checkpoint not found"),
        (
            lambda d, mp: sf.write(d / "s.wav", np.zeros(100, np.float32), 16000),
            ["s.wav", "o.npy"],
            "s.wav (after resampling) has 100 samples (6.25 ms at 16000 Hz), fewer than the receptive field of "
            "400 samples (25 ms): it gives zero frames, and the first conv would fail. Use a file of at least 25 ms.",
        ),
        (
            lambda d, mp: sf.write(d / "st.wav", np.zeros((16000, 2), np.float32), 16000),
            ["st.wav", "o.npy"],
            "2 channels but the extractor needs mono. Pass --multichannel mean to average",
        ),
        (
            lambda d, mp: mp.setattr(type(__import__("torchaudio").pipelines.WAV2VEC2_BASE), "get_model", no_network),
            ["in.wav", "o.npy", "--weights", "WAV2VEC2_BASE"],
            "or use --weights random",
        ),
    ],
)
def test_bad_input_exits_non_zero_without_output(tmp_path, wav, monkeypatch, capsys, setup, args, message):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path, monkeypatch)
    before = set(tmp_path.iterdir())
    weights = [] if "--weights" in args else ["--weights", "random"]
    assert main(["extract", *args, "--preset", "wav2vec2_base", *weights, "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not any(keyword in err for keyword in ("multichannel=", "weights=", "chunk_seconds="))  # CLI syntax only
    assert set(tmp_path.iterdir()) == before  # nothing written, not even a partial file


def test_python_keywords_become_the_parsers_own_flags():
    flags = (
        build_parser().parse_args(["extract", "a.wav", "b.npy", "--preset", "wav2vec2_base", "--weights", "x"]).flags
    )
    message = "Pass multichannel='mean' or multichannel='first'; use weights='random'; chunk_seconds=0.5 is"
    assert in_cli_terms(message, flags) == (
        "Pass --multichannel mean or --multichannel first; use --weights random; --chunk-seconds 0.5 is"
    )


@pytest.mark.parametrize("value", ["nan", "inf", "0.01", "-1", "two"])
def test_chunk_seconds_must_be_a_finite_number_of_at_least_one_hop(tmp_path, wav, capsys, value):
    args = ["extract", str(wav[0]), str(tmp_path / "o.npy"), "--preset", "wav2vec2_base", "--weights", "random"]
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--chunk-seconds", value])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and f"--chunk-seconds {value} is not a number of seconds from 0.02 (one hop) up" in err
    assert "convert" not in err and sorted(p.name for p in tmp_path.iterdir()) == ["in.wav"]


def test_failure_midway_leaves_no_output(tmp_path, wav, monkeypatch):
    import w2v2_walkthrough.__main__ as cli

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(cli, "extract_chunked", fail)
    args = ["extract", str(wav[0]), str(tmp_path / "o.npy"), "--preset", "wav2vec2_base", "--weights", "random"]
    assert main([*args, "--no-progress"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav"]


def test_unknown_preset_and_unwritable_folder(tmp_path, wav, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["extract", str(wav[0]), str(tmp_path / "o.npy"), "--preset", "wav2vec3", "--weights", "random"])
    assert exit_.value.code == 2 and "wav2vec2_base" in capsys.readouterr().err
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.access(locked, os.W_OK):  # root ignores permission bits: use a path that can never be a folder
        target, message = tmp_path / "in.wav" / "o.npy", "does not exist"
    else:
        target, message = locked / "o.npy", "Cannot write"
    assert main(["extract", str(wav[0]), str(target), "--preset", "wav2vec2_base", "--weights", "random"]) == 2
    assert message in capsys.readouterr().err


# --- --normalize: bundle-faithful waveform normalization ------------------------------------------------


def dc_and_gain_wav(tmp_path, seconds: float = 2.0):
    """A file whose mean and scale are far from 0 and 1, so that normalizing it matters; 2 s, so that
    --chunk-seconds 0.5 cuts it into several chunks."""
    g = np.random.default_rng(1)
    x = (0.3 * g.standard_normal(int(seconds * 16_000)) + 0.2).astype(np.float32)
    sf.write(tmp_path / "dc.wav", x, 16000, subtype="FLOAT")
    return tmp_path / "dc.wav", x


def test_normalize_auto_follows_a_normalizing_bundle(tmp_path, monkeypatch, capsys):
    """WAV2VEC2_LARGE_LV60K (layer_norm, normalizing) from a file in torch hub's cache; its encoder made
    small (2 layers, 32 wide) so that get_model() is cheap: the extractor and the wrapper are the bundle's."""
    bundle = torchaudio.pipelines.WAV2VEC2_LARGE_LV60K
    small = {"encoder_embed_dim": 32, "encoder_num_layers": 2, "encoder_num_heads": 2, "encoder_pos_conv_kernel": 16}
    monkeypatch.setattr(bundle, "_params", {**bundle._params, **small, "encoder_ff_interm_features": 64})
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    place_bundle_file(tmp_path / "torch", torchaudio_extractor(LV60K, seed=3), "WAV2VEC2_LARGE_LV60K")
    path, x = dc_and_gain_wav(tmp_path)
    model = bundle.get_model()
    assert model.normalize_waveform  # the bundle's own flag, which --normalize auto follows
    seen = []
    model.model.feature_extractor.register_forward_hook(lambda module, args, out: seen.append(out[0][0]))
    with torch.no_grad():
        model(torch.from_numpy(x)[None])
    reference = seen[0].numpy()  # what the bundle's model feeds its encoder: (frames, 512)
    args = ["extract", str(path), "--preset", LV60K, "--weights", "WAV2VEC2_LARGE_LV60K", "--chunk-seconds", "0.5"]
    assert main([*args[:2], str(tmp_path / "auto.npy"), *args[2:], "--no-progress"]) == 0
    assert "normalize: on (--normalize auto: bundle WAV2VEC2_LARGE_LV60K's get_model() normalizes" in (
        capsys.readouterr().err
    )
    assert close(np.load(tmp_path / "auto.npy"), reference)
    assert main([*args[:2], str(tmp_path / "off.npy"), *args[2:], "--normalize", "off", "--no-progress"]) == 0
    off = np.load(tmp_path / "off.npy")
    # Without it the features are not the bundle's (3.7 % relative with these random weights).
    assert np.linalg.norm(off - reference) / np.linalg.norm(reference) > 0.01


def test_normalize_on_a_group_norm_model_and_auto_on_a_checkpoint(tmp_path, monkeypatch, capsys):
    import w2v2_walkthrough.__main__ as cli

    path, x = dc_and_gain_wav(tmp_path)
    monkeypatch.setattr(cli, "PRETRAINING_CROP_SAMPLES", 8_000)  # so that this 2 s file is "far longer"
    base = random_extractor("wav2vec2_base")
    torch.save(torchaudio_layout(base), tmp_path / "base.pt")
    args = ["extract", str(path), "--preset", "wav2vec2_base", "--chunk-seconds", "0.5", "--no-progress"]
    assert main([*args[:2], str(tmp_path / "on.npy"), *args[2:], "--weights", "random", "--normalize", "on"]) == 0
    err = capsys.readouterr().err
    assert "normalize: on (--normalize on)" in err and "warning: the waveform is normalized over all 2 s" in err
    with torch.no_grad():  # a full pass over the whole file normalized as torchaudio's bundle wrapper does
        normalized = torch.nn.functional.layer_norm(torch.from_numpy(x)[None], (x.size,))
        expected = base(normalized, None)[0][0].numpy()
    assert close(np.load(tmp_path / "on.npy"), expected)
    assert main([*args[:2], str(tmp_path / "ckpt.npy"), *args[2:], "--weights", str(tmp_path / "base.pt")]) == 0
    err = capsys.readouterr().err
    assert "normalize: off (--normalize auto cannot tell whether a checkpoint" in err and "--normalize on" in err
    assert "warning" not in err
    assert close(np.load(tmp_path / "ckpt.npy"), full_pass("wav2vec2_base", x))
