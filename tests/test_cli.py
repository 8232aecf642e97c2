import subprocess
import sys

import numpy as np
import pytest
import soundfile as sf
import torch

from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import random_extractor
from w2v2_walkthrough.__main__ import main


@pytest.fixture
def wav(tmp_path):
    x = (torch.randn(30_000, generator=torch.Generator().manual_seed(0)) * 0.1).numpy()
    sf.write(tmp_path / "in.wav", x, 16000, subtype="FLOAT")
    return tmp_path / "in.wav", x


def test_extract_writes_features_and_times(tmp_path, wav):
    path, x = wav
    out = tmp_path / "feats.npy"
    assert (
        main(
            [
                "extract",
                str(path),
                str(out),
                "--preset",
                "wav2vec2_large_lv60k",
                "--chunk-seconds",
                "0.3",
                "--no-progress",
            ]
        )
        == 0
    )
    feats, times = np.load(out), np.load(tmp_path / "feats.times.npy")
    n = ar.num_frames(30_000)
    assert feats.shape == (n, 512) and feats.dtype == np.float32
    with torch.no_grad():
        full = random_extractor("wav2vec2_large_lv60k")(torch.from_numpy(x)[None], None)[0][0].numpy()
    assert np.abs(feats - full).max() <= 1e-5
    assert times.shape == (n, 2)
    assert times[1].tolist() == [0.02, (320 + 199.5) / 16000]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feats.npy", "feats.times.npy", "in.wav"]


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (lambda d: None, ["missing.wav", "o.npy", "--preset", "wav2vec2_base"], "not found"),
        (
            lambda d: (d / "t.wav").write_text("text"),
            ["t.wav", "o.npy", "--preset", "wav2vec2_base"],
            "not an audio file",
        ),
        (lambda d: None, ["in.wav", "nodir/o.npy", "--preset", "wav2vec2_base"], "does not exist"),
        (lambda d: None, ["in.wav", "o.txt", "--preset", "wav2vec2_base"], ".npy"),
        (
            lambda d: None,
            ["in.wav", "o.npy", "--preset", "wav2vec2_base", "--weights", "nope.pt"],
            "Checkpoint not found",
        ),
        (
            lambda d: sf.write(d / "s.wav", np.zeros(100, np.float32), 16000),
            ["s.wav", "o.npy", "--preset", "wav2vec2_base"],
            "zero frames",
        ),
    ],
)
def test_bad_input_exits_non_zero_without_output(tmp_path, wav, monkeypatch, capsys, setup, args, message):
    monkeypatch.chdir(tmp_path)
    setup(tmp_path)
    before = set(tmp_path.iterdir())
    assert main(["extract", *args, "--no-progress"]) == 2
    assert message in capsys.readouterr().err
    assert set(tmp_path.iterdir()) == before  # nothing written, not even a partial file


def test_failure_midway_leaves_no_output(tmp_path, wav, monkeypatch):
    import w2v2_walkthrough.__main__ as cli

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(cli, "extract_chunked", fail)
    assert main(["extract", str(wav[0]), str(tmp_path / "o.npy"), "--preset", "wav2vec2_base", "--no-progress"]) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.wav"]


def test_unknown_preset_and_unwritable_folder(tmp_path, wav):
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "w2v2_walkthrough",
            "extract",
            str(wav[0]),
            str(tmp_path / "o.npy"),
            "--preset",
            "wav2vec3",
        ],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and "wav2vec2_base" in r.stderr
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    import os

    if os.access(locked, os.W_OK):  # root ignores permission bits: use a path that can never be a folder
        target = tmp_path / "in.wav" / "o.npy"
        message = "does not exist"
    else:
        target, message = locked / "o.npy", "Cannot write"
    r = subprocess.run(
        [sys.executable, "-m", "w2v2_walkthrough", "extract", str(wav[0]), str(target), "--preset", "wav2vec2_base"],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 2 and message in r.stderr
