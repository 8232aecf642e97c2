"""Chunked extraction equals the full-utterance pass, for both norm modes."""

import copy

import numpy as np
import pytest
import soundfile as sf
import soxr
import torch

from helpers import torchaudio_pair
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import compare, diagrams
from w2v2_walkthrough.chunked import (
    FrozenGroupNorm,
    TensorSource,
    extract_chunked,
    layer0_statistics,
    plan_chunks,
    with_frozen_statistics,
)
from w2v2_walkthrough.npy import NpyWriter

CHUNK_SECONDS = 0.04  # 2 frames = 640 samples a chunk, so many chunks stay cheap
CHUNK = 640
#: layer_norm without conv bias, group_norm, layer_norm with conv bias
PRESETS = ["hubert_large", "wav2vec2_base", "wav2vec2_large_lv60k"]
#: Chunked and full pass agree to float32 rounding: the largest difference, as a fraction of the largest
#: |feature|, for every preset and norm mode (measured: at most about 2e-6).
REL = 1e-5
BOUNDARY_OFFSETS = [-320, -80, -79, -1, 0, 1, 79, 80, 320]
LENGTHS = sorted(
    {400, 401, 719, 720, 1100}  # tiny, and one chunk
    | {CHUNK + 80 + d for d in BOUNDARY_OFFSETS}  # around the first chunk boundary
    | {10 * CHUNK + 137}  # many chunks
)


def signal(n, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(n, generator=g) * 0.1 + torch.linspace(-0.05, 0.2, n)).float()  # a drift, so stats matter


def full_pass(extractor, x):
    with torch.no_grad():
        return extractor(x[None], None)[0][0]


def close(got, full):
    return got.shape == full.shape and float((got - full).abs().max()) <= REL * float(full.abs().max())


@pytest.mark.parametrize("name", PRESETS)
def test_chunked_equals_full_pass_of_mirror_and_torchaudio(name):
    ta, mirror = torchaudio_pair(name, seed=21)
    for n in LENGTHS:
        x = signal(n, seed=n)
        with torch.no_grad():
            full, frames = ta(x[None], torch.tensor([n]))
        for extractor in (mirror, ta):
            got = extract_chunked(extractor, x, chunk_seconds=CHUNK_SECONDS, progress=False)
            assert got.shape == (int(frames[0]), 512), n
            assert close(got, full[0]), n


def test_the_extractor_is_left_as_it_was():
    _, mirror = torchaudio_pair("wav2vec2_base", seed=5)
    before = copy.deepcopy(mirror.state_dict())
    extract_chunked(mirror, signal(8000), chunk_seconds=CHUNK_SECONDS, progress=False)
    assert type(mirror.conv_layers[0].layer_norm) is torch.nn.GroupNorm
    assert all(torch.equal(before[k], v) for k, v in mirror.state_dict().items())


def test_plan_is_derived_from_the_arithmetic():
    plan = list(plan_chunks(3 * 3200 + 80 + 1, 10))
    assert [(c.first_frame, c.end_frame) for c in plan] == [(0, 10), (10, 20), (20, 30)]
    assert [c.start for c in plan] == [0, 3200, 6400]
    assert all(c.stop - c.start == 9 * 320 + 400 for c in plan)
    assert plan[0].stop - plan[1].start == 80
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


def test_frozen_group_norm_with_the_signals_own_statistics_is_the_group_norm():
    _, mirror = torchaudio_pair("wav2vec2_base", seed=6)
    block, x = mirror.conv_layers[0], signal(9000)[None, None]
    with torch.no_grad():
        conv = block.conv(x).double()  # (1, C, T)
        frozen = with_frozen_statistics(block, conv.mean(dim=(0, 2)), conv.var(dim=(0, 2), unbiased=False))
        assert isinstance(frozen.layer_norm, FrozenGroupNorm) and frozen.conv is not block.conv
        assert close(frozen(x, None)[0], block(x, None)[0])


def test_file_source_with_memmap_and_npy_writer_output(tmp_path):
    _, mirror = torchaudio_pair("wav2vec2_base", seed=4)
    x = signal(12_000)
    sf.write(tmp_path / "long.wav", x.numpy(), 16000, subtype="FLOAT")
    shape = (ar.num_frames(12_000), 512)
    full = full_pass(mirror, x).numpy()
    memmap = np.lib.format.open_memmap(tmp_path / "m.npy", mode="w+", dtype=np.float32, shape=shape)
    extract_chunked(mirror, tmp_path / "long.wav", chunk_seconds=CHUNK_SECONDS, out=memmap, progress=False)
    with NpyWriter(tmp_path / "w.npy", shape) as writer:
        extract_chunked(mirror, tmp_path / "long.wav", chunk_seconds=CHUNK_SECONDS, out=writer, progress=False)
    for name in ("m.npy", "w.npy"):
        assert close(torch.from_numpy(np.load(tmp_path / name)), torch.from_numpy(full))


def test_npy_writer_refuses_gaps_and_short_files(tmp_path):
    with pytest.raises(ValueError, match="in order"), NpyWriter(tmp_path / "a.npy", (4, 2)) as w:
        w[1:2] = np.zeros((1, 2))
    w = NpyWriter(tmp_path / "b.npy", (4, 2))
    w[0:2] = np.ones((2, 2))
    with pytest.raises(ValueError, match="does not fit"):
        w[2:4] = np.ones((3, 2))
    with pytest.raises(ValueError, match="after 2 of 4 rows"):
        w.close()


@pytest.mark.parametrize("name", ["wav2vec2_base", "wav2vec2_large_lv60k"])
def test_a_44k_stereo_file_equals_soxr_on_the_whole_file_then_a_full_pass(tmp_path, name):
    """Streaming resampling is exact against soxr.resample of the whole (mixed-down) file with the
    same settings; the features then differ from a full pass only as chunking does."""
    _, mirror = torchaudio_pair(name, seed=8)
    g = np.random.default_rng(1)
    stereo = (0.1 * g.standard_normal((44100 + 17, 2)) + [0.02, -0.01]).astype(np.float32)
    sf.write(tmp_path / "st44.wav", stereo, 44100, subtype="FLOAT")
    whole = soxr.resample(stereo.mean(axis=1), 44100, 16000, quality="HQ")  # (time,) float32
    full = full_pass(mirror, torch.from_numpy(whole))
    got = extract_chunked(mirror, tmp_path / "st44.wav", chunk_seconds=CHUNK_SECONDS, multichannel="mean")
    assert got.shape == full.shape == (ar.num_frames(len(whole)), 512)
    assert close(got, full)


def test_files_of_several_channels_need_a_policy(tmp_path):
    _, mirror = torchaudio_pair("wav2vec2_base")
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
    with pytest.raises(ValueError, match="44100 Hz"):
        extract_chunked(mirror, torch.zeros(44100), sample_rate=44100)


def test_progress_bars_count_windows_and_frames(capsys):
    _, mirror = torchaudio_pair("wav2vec2_base")
    n = 6_000
    extract_chunked(mirror, signal(n), chunk_seconds=CHUNK_SECONDS, progress=True)
    err = capsys.readouterr().err
    windows, frames = (n - 10) // 5 + 1, (n - 400) // 320 + 1
    assert "pass 1/2 (GroupNorm statistics): 100%" in err and f"{windows}/{windows}" in err
    assert "pass 2/2 (features): 100%" in err and f"{frames}/{frames}" in err
    extract_chunked(mirror, signal(n), chunk_seconds=CHUNK_SECONDS, progress=False)
    assert capsys.readouterr().err == ""


def test_chunk_plan_diagram_draws_the_plan():
    fig = diagrams.chunk_plan(num_samples=2_100, chunk_frames=2)

    def x_span(gid):
        (collection,) = [c for c in fig.axes[0].collections if c.get_gid() == gid]
        xs = collection.get_paths()[0].vertices[:, 0]
        return float(xs.min()), float(xs.max())

    # 6 frames; chunk n makes frames [2n, 2n + 2): it reads from 320 * 2n to frame 2n + 1's end, 320 (2n + 1) + 400
    for n in range(3):
        assert x_span(f"chunk-{n}") == (640 * n, 640 * n + 720)
    assert [x_span(f"overlap-{n}") for n in (1, 2)] == [(640, 720), (1280, 1360)]
    assert x_span("unused") == (2000, 2100)
    (label,) = [t for t in fig.axes[0].texts if t.get_text().startswith("last 100")]
    fig.draw_without_rendering()  # lay the figure out: the tail's label sits clear of the title
    assert not label.get_window_extent().overlaps(fig.axes[0].title.get_window_extent())
    with pytest.raises(ValueError, match="no frame"):
        diagrams.chunk_plan(num_samples=399)


def test_difference_reports_absolute_scaled_and_relative_errors():
    reference = torch.tensor([[1.0, 2.0], [3.0, 5.0]])
    got = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)  # one value off by 1; the largest |reference| is 5
    d = compare.difference(got, reference)
    assert (d.max_abs, d.scale, d.max_rel) == (1.0, 5.0, 0.2)
    assert d.relative == pytest.approx(1 / 39**0.5)  # ||(0, 0, 0, 1)|| / ||(1, 2, 3, 5)||
    assert str(d) == "max |diff| 1.0e+00 = 2.0e-01 x max |reference|; relative error 1.6e-01"
    assert compare.difference(reference, reference) == (0.0, 5.0, 0.0)
    with pytest.raises(ValueError, match=r"shapes \[2, 2\] and \[4\]"):
        compare.difference(reference, reference.flatten())
