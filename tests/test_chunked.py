"""Chunked extraction equals the full-utterance pass, for both norm modes."""

import copy

import numpy as np
import pytest
import soundfile as sf
import torch
from conftest import torchaudio_pair

from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough.chunked import NpyWriter, TensorSource, extract_chunked, layer0_statistics, plan_chunks

CHUNK_SECONDS = 0.2  # 10 frames = 3200 samples a chunk, so many chunks stay cheap
CHUNK = 3200
TOL = {"wav2vec2_base": 1e-4, "wav2vec2_large_lv60k": 1e-5, "hubert_large": 1e-5}
BOUNDARY_OFFSETS = [-320, -80, -79, -1, 0, 1, 79, 80, 320]
LENGTHS = sorted(
    {400, 401, 719, 720, 3000}  # tiny, and one chunk
    | {k * CHUNK + 80 + d for k in (1, 3) for d in BOUNDARY_OFFSETS}  # around chunk boundaries
    | {10 * CHUNK + 137}
)  # many chunks
MEASURED = {}


def signal(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, generator=g) * 0.1 + torch.linspace(-0.05, 0.2, n)).float()  # a drift, so stats matter


@pytest.mark.parametrize("name", sorted(TOL))
def test_chunked_equals_full_pass_of_mirror_and_torchaudio(name):
    ta, mirror = torchaudio_pair(name, seed=21)
    worst = 0.0
    for n in LENGTHS:
        x = signal(n, seed=n)
        with torch.no_grad():
            full_ta = ta(x[None], torch.tensor([n]))
            full_mirror = mirror(x[None], None)[0][0]
        for extractor in (mirror, ta):
            got = extract_chunked(extractor, x, chunk_seconds=CHUNK_SECONDS, progress=False)
            assert got.shape == full_mirror.shape == (ar.num_frames(n), 512), n
            assert got.shape[0] == int(full_ta[1])
            worst = max(worst, (got - full_ta[0][0]).abs().max().item(), (got - full_mirror).abs().max().item())
    MEASURED[name] = worst
    print(f"{name}: max abs difference chunked vs full pass = {worst:.3g}")
    assert worst <= TOL[name]


def test_plan_is_derived_from_the_arithmetic():
    plan = list(plan_chunks(3 * CHUNK + 80 + 1, 10))
    assert [(c.first_frame, c.end_frame) for c in plan] == [(0, 10), (10, 20), (20, 30)]
    assert [c.start for c in plan] == [0, 3200, 6400]
    assert all(c.stop - c.start == 9 * 320 + 400 for c in plan)
    assert plan[0].stop - plan[1].start == ar.receptive_field() - ar.hop_length() == 80
    assert list(plan_chunks(399, 10)) == []
    with pytest.raises(ValueError, match="chunk_frames must be >= 1"):
        list(plan_chunks(1000, 0))


def test_group_norm_statistics_equal_the_whole_utterance():
    x = signal(50_000)
    for name in ("wav2vec2_base", "wav2vec2_large_lv60k"):  # without and with conv bias
        _, mirror = torchaudio_pair(name, seed=3)
        mean, var = layer0_statistics(mirror, TensorSource(x), chunk_frames=7)
        with torch.no_grad():  # the reference: layer 0's conv output itself, all in float64
            y = copy.deepcopy(mirror.conv_layers[0].conv).double()(x.double()[None, None])[0]
        assert torch.allclose(mean, y.mean(dim=1), rtol=1e-9, atol=1e-12)
        assert torch.allclose(var, y.var(dim=1, unbiased=False), rtol=1e-9, atol=1e-12)


def test_file_source_with_memmap_and_npy_writer_output(tmp_path):
    _, mirror = torchaudio_pair("wav2vec2_base", seed=4)
    x = signal(40_000)
    sf.write(tmp_path / "long.wav", x.numpy(), 16000, subtype="FLOAT")
    shape = (ar.num_frames(40_000), 512)
    with torch.no_grad():
        full = mirror(x[None], None)[0][0].numpy()
    memmap = np.lib.format.open_memmap(tmp_path / "m.npy", mode="w+", dtype=np.float32, shape=shape)
    extract_chunked(mirror, tmp_path / "long.wav", chunk_seconds=CHUNK_SECONDS, out=memmap, progress=False)
    with NpyWriter(tmp_path / "w.npy", shape) as writer:
        extract_chunked(mirror, tmp_path / "long.wav", chunk_seconds=CHUNK_SECONDS, out=writer, progress=False)
    for name in ("m.npy", "w.npy"):
        assert np.abs(np.load(tmp_path / name) - full).max() <= 1e-4


def test_npy_writer_refuses_gaps_and_short_files(tmp_path):
    with pytest.raises(ValueError, match="in order"), NpyWriter(tmp_path / "a.npy", (4, 2)) as w:
        w[1:2] = np.zeros((1, 2))
    w = NpyWriter(tmp_path / "b.npy", (4, 2))
    w[0:2] = np.ones((2, 2))
    with pytest.raises(ValueError, match="does not fit"):
        w[2:4] = np.ones((3, 2))
    with pytest.raises(ValueError, match="after 2 of 4 rows"):
        w.close()


def test_file_source_rejects_other_rates_and_stereo(tmp_path):
    _, mirror = torchaudio_pair("wav2vec2_base")
    sf.write(tmp_path / "44k.wav", np.zeros(44100, np.float32), 44100)
    with pytest.raises(ValueError, match=r"44100 Hz.*sox.*-r 16000"):
        extract_chunked(mirror, tmp_path / "44k.wav")
    sf.write(tmp_path / "st.wav", np.zeros((16000, 2), np.float32), 16000)
    with pytest.raises(ValueError, match=r"2 channels.*multichannel='mean'"):
        extract_chunked(mirror, tmp_path / "st.wav")
    assert extract_chunked(mirror, tmp_path / "st.wav", multichannel="mean", progress=False).shape == (49, 512)


def test_bad_inputs():
    _, mirror = torchaudio_pair("wav2vec2_base")
    with pytest.raises(ValueError, match="receptive field"):
        extract_chunked(mirror, torch.zeros(300))
    with pytest.raises(ValueError, match="batch of 2"):
        extract_chunked(mirror, torch.zeros(2, 1000))
    with pytest.raises(ValueError, match="shorter than one hop"):
        extract_chunked(mirror, torch.zeros(1000), chunk_seconds=0.01)
    with pytest.raises(ValueError, match="out has shape"):
        extract_chunked(mirror, torch.zeros(1000), out=np.zeros((5, 512), np.float32))


def test_progress_bar_counts_frames(capsys):
    _, mirror = torchaudio_pair("wav2vec2_large_lv60k")
    extract_chunked(mirror, signal(20_000), chunk_seconds=CHUNK_SECONDS, progress=True)
    err = capsys.readouterr().err
    assert "extracting" in err and f"{ar.num_frames(20_000)}/{ar.num_frames(20_000)}" in err
