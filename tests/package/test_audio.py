import numpy as np
import pytest
import soundfile as sf
import soxr
import torch

from w2v2_walkthrough import audio


def write(path, data, rate):
    sf.write(str(path), np.asarray(data, dtype=np.float32), rate)
    return path


def test_resamples_to_16k(tmp_path):
    x = np.sin(2 * np.pi * 440 * np.arange(22050) / 22050) * 0.5
    wav, rate = audio.load_audio(write(tmp_path / "a.wav", x, 22050))
    assert rate == 16000 and wav.dtype == torch.float32 and wav.shape == (16000,)
    spectrum = torch.fft.rfft(wav).abs()
    assert abs(int(spectrum.argmax()) - 440) <= 1  # 1 s at 16 kHz: bin index == Hz


def test_multichannel_policies(tmp_path):
    left, right = np.full(1600, 0.2), np.full(1600, 0.6)
    path = write(tmp_path / "stereo.wav", np.stack([left, right], axis=1), 16000)
    with pytest.raises(ValueError, match=r"2 channels.*multichannel='mean'"):
        audio.load_audio(path)
    mean, _ = audio.load_audio(path, multichannel="mean")
    first, _ = audio.load_audio(path, multichannel="first")
    assert torch.allclose(mean, torch.full((1600,), 0.4), atol=1e-4)
    assert torch.allclose(first, torch.full((1600,), 0.2), atol=1e-4)
    with pytest.raises(ValueError, match="multichannel must be one of"):
        audio.load_audio(path, multichannel="left")


def test_missing_non_audio_and_empty_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        audio.load_audio(tmp_path / "nope.wav")
    text = tmp_path / "notes.wav"
    text.write_text("this is not audio")
    with pytest.raises(ValueError, match=r"not an audio file.*ffmpeg"):
        audio.load_audio(text)
    with pytest.raises(IsADirectoryError):
        audio.load_audio(tmp_path)
    with pytest.raises(ValueError, match="no samples"):
        audio.load_audio(write(tmp_path / "empty.wav", np.zeros(0), 16000))


def test_bundled_speech_clip():
    path = audio.speech_clip_path()
    assert path.stat().st_size < 300_000
    info = sf.info(str(path))
    assert (info.samplerate, info.channels) == (16000, 1)
    wav, rate = audio.load_speech_clip()
    assert rate == 16000 and 2.0 < wav.numel() / rate < 5.0
    assert 0.8 < float(wav.abs().max()) <= 0.91
    # speech has pauses and loud parts: the frame energy varies a lot
    frames = wav[: wav.numel() // 320 * 320].reshape(-1, 320).square().mean(dim=1)
    assert frames.max() > 100 * frames.min()


def test_a_notebooks_audio_is_loaded_as_the_command_line_loads_it(tmp_path):
    """``load_speech_clip(AUDIO)``: the bundled clip for None; else the file's channels averaged
    (``--multichannel mean``), resampled to 16 kHz; the banner names the file, its rate and channels."""
    t = np.arange(11_025) / 22_050
    left, right = 0.5 * np.sin(2 * np.pi * 300 * t), 0.1 * np.sin(2 * np.pi * 1000 * t)
    path = write(tmp_path / "take 2.wav", np.stack([left, right], axis=1), 22_050)
    wav, rate = audio.load_speech_clip(path)
    by_hand = soxr.resample(((left.astype(np.float32) + right.astype(np.float32)) / 2), 22_050, 16_000, quality="HQ")
    assert rate == 16_000 and wav.shape == (8_000,) and np.allclose(wav.numpy(), by_hand, atol=1e-4)  # 16-bit PCM
    assert torch.equal(audio.load_speech_clip(None)[0], audio.load_speech_clip()[0])
    assert audio.clip_banner(path).startswith("Clip: take 2.wav (22050 Hz, 2 channels averaged), 0.50 s at 16 kHz.")
    assert audio.clip_banner(None).startswith("Clip: the bundled speech clip")


def test_save_load_round_trip(tmp_path):
    x = audio.tone(300, 0.1)
    audio.save_audio(tmp_path / "t.wav", x)
    y, _ = audio.load_audio(tmp_path / "t.wav")
    assert (x - y).abs().max() < 1e-4


def dominant_hz(x, rate=16000):
    return float(torch.fft.rfftfreq(x.numel(), 1 / rate)[torch.fft.rfft(x).abs().argmax()])


def test_synthetic_signals():
    imp = audio.impulse(1000, 123)
    assert imp.sum() == 1 and imp[123] == 1
    assert audio.impulse(1001)[500] == 1
    assert abs(dominant_hz(audio.tone(1000, 0.5)) - 1000) < 3
    c = audio.chirp(200, 4000, 1.0)
    assert abs(dominant_hz(c[:1600]) - 390) < 150 and abs(dominant_hz(c[-1600:]) - 3810) < 150
    v = audio.vowel(f0_hz=100, formants_hz=(700, 1200), duration_s=1.0)
    spectrum = torch.fft.rfft(v).abs()
    assert spectrum[700] > 5 * spectrum[450] and spectrum[1200] > 5 * spectrum[950]  # peaks at formants
    assert float(v.abs().max()) == pytest.approx(0.5)


@pytest.mark.parametrize("rate", [8000, 22050, 32000, 44100, 48000])
def test_resampled_length_is_what_soxr_makes(rate):
    for n in [1, 2, 3, 7, 399, 1000, 4411, 44101]:
        assert audio.resampled_length(n, rate) == len(soxr.resample(np.zeros(n, np.float32), rate, 16000)), n


@pytest.mark.parametrize(("rate", "channels", "policy"), [(44100, 2, "mean"), (48000, 1, "error"), (16000, 2, "first")])
def test_file_source_streams_exactly_what_load_audio_loads(tmp_path, monkeypatch, rate, channels, policy):
    monkeypatch.setattr(audio, "READ_BLOCK", 1000)  # many blocks, so block edges fall inside reads
    g = np.random.default_rng(rate)
    path = write(tmp_path / "x.wav", 0.3 * g.standard_normal((rate + 123, channels)), rate)
    whole, _ = audio.load_audio(path, multichannel=policy)
    with audio.FileSource(path, multichannel=policy) as source:
        assert source.num_samples == whole.numel()
        spans = [(0, 3000), (2900, 7000), (6920, whole.numel())]  # front to back, overlapping
        spans += [(0, 400), (395, 1000)]  # a second pass rewinds the file
        for start, stop in spans:
            assert torch.equal(source.read(start, stop), whole[start:stop]), (start, stop)
        with pytest.raises(ValueError, match="outside"):
            source.read(0, whole.numel() + 1)


def test_file_source_reports_non_finite_samples(tmp_path):
    x = np.zeros(4000, np.float32)
    x[2500] = np.nan
    sf.write(tmp_path / "nan.wav", x, 16000, subtype="FLOAT")
    with audio.FileSource(tmp_path / "nan.wav") as source:
        assert torch.equal(source.read(0, 2000), torch.zeros(2000))
        with pytest.raises(ValueError, match=r"NaN or infinite samples between samples 2000 and 4000"):
            source.read(2000, 4000)
