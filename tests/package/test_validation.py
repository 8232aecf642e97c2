"""Bad input gets an error that says what is wrong and how to fix it."""

import numpy as np
import pytest
import torch

from w2v2_walkthrough import extract_features, random_extractor
from w2v2_walkthrough.validation import check_waveform


@pytest.fixture(scope="module")
def fe():
    return random_extractor("wav2vec2_base")


def test_accepts_1d_and_2d_and_numpy(fe):
    one, _ = extract_features(fe, torch.zeros(16000))
    batch, _ = extract_features(fe, np.zeros((2, 16000), dtype=np.float32))
    assert one.shape == (1, 49, 512) and batch.shape == (2, 49, 512)


@pytest.mark.parametrize(
    ("waveform", "kwargs", "message"),
    [
        (torch.zeros(1, 1, 16000), {}, r"3-D shape \[1, 1, 16000\].*mean\(dim=1\)"),
        (torch.zeros(16000, 2), {}, r"\(time, channels\).*16000 samples of 2 channels.*mean\(dim=1\)"),
        (torch.zeros(16000, 1), {}, r"\(time, channels\).*16000 samples of 1 channel\b.*waveform\[:, 0\]"),
        (np.zeros((16000, 2), np.float32), {}, r"16000 waveforms of 2 samples each.*multichannel='mean'"),
        (torch.zeros(16000), {"sample_rate": 44100}, r"44100 Hz.*16000 Hz.*resample"),
        (torch.zeros(3, 300), {}, r"300 samples.*receptive field"),  # a batch of short clips, not (time, channels)
        (torch.zeros(0), {}, "empty"),
        (torch.zeros(3, 0), {}, "empty"),
        (torch.zeros(399), {}, r"399 samples.*receptive field of 400.*zero frames.*at least 400"),
        (torch.tensor([0.0, float("nan")] * 400), {}, r"400 NaN and 0 infinite.*nan_to_num"),
        (torch.tensor([0.0, float("inf")] * 400), {}, r"0 NaN and 400 infinite"),
        (torch.zeros(16000, dtype=torch.int16), {}, r"int16.*32768"),
    ],
)
def test_bad_waveforms(fe, waveform, kwargs, message):
    with pytest.raises(ValueError, match=message):
        extract_features(fe, waveform, **kwargs)


def test_not_a_waveform():
    with pytest.raises(TypeError, match=r"torch.Tensor or numpy"):
        check_waveform(object())


def test_bad_lengths(fe):
    with pytest.raises(ValueError, match=r"shape \[batch\]"):
        extract_features(fe, torch.zeros(2, 1000), lengths=torch.tensor([1000]))
    with pytest.raises(ValueError, match=r"\[0, 1000\]"):
        extract_features(fe, torch.zeros(2, 1000), lengths=torch.tensor([1000, 1001]))
    _, lengths = extract_features(fe, torch.zeros(2, 1000), lengths=torch.tensor([1000, 300]))
    assert lengths.tolist() == [2, 0]
