"""Notebook 10's plumbing: wav2vec 1.0's encoder, bundle arguments, the checkpoint-like layer 0."""

import pytest
import torch

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import filters, norms, questions


def test_wav2vec1_encoder_raises_the_fairseq_2790_error_at_400_samples_and_runs_from_465():
    encoder = questions.wav2vec1_encoder()
    with torch.no_grad():
        for n in (400, 464):  # the asker's error: 3 positions reach a kernel-4 layer
            with pytest.raises(RuntimeError, match=r"input size per channel: \(3\)\. Kernel size: \(4\)"):
                encoder(torch.zeros(1, 1, n))
        assert encoder(torch.zeros(1, 1, 465)).shape == (1, 512, 1)
    assert ar.min_samples_for_frames(1, questions.WAV2VEC1_SHAPES) == 465


def test_bundle_params_are_the_builders_arguments():
    base = questions.bundle_params("WAV2VEC2_BASE")
    assert base["encoder_embed_dim"] == 768 and base["encoder_pos_conv_kernel"] == 128
    assert base["extractor_conv_layer_config"] == w2v.DEFAULT_SHAPES


def test_mel_cosine_bank_puts_most_filters_low():
    low = [
        int((filters.peak_frequencies(bank) < 2000).sum())
        for bank in (filters.mel_cosine_bank(), filters.cosine_bank())
    ]
    assert low[0] > 256 > low[1]  # mel spacing: most filters below 2 kHz; even spacing: a quarter


def test_normalisation_changes_vanish_without_eps():
    """In a bias-free group_norm model, do_normalize and a gain act only through GroupNorm's eps;
    the checkpoint-like model differs from random weights at layer 0 only."""
    clip = w2v.load_speech_clip()[0][8_000:9_000]
    like, plain = questions.checkpoint_like("hubert_base", beta_std=1.0), w2v.random_extractor("hubert_base")
    assert torch.equal(like.conv_layers[0].conv.weight, filters.mel_cosine_bank())
    assert 0.8 < float(like.conv_layers[0].layer_norm.bias.detach().std()) < 1.2
    assert all(
        torch.equal(a.conv.weight, b.conv.weight)
        for a, b in zip(like.conv_layers[1:], plain.conv_layers[1:], strict=True)
    )
    with_eps, without = (questions.normalisation_changes(m, clip) for m in (like, norms.with_eps(like, 1e-30)))
    assert with_eps["quiet"] > 0 and with_eps["do_normalize"] > 0.01 and with_eps["x10"] > 0.01
    assert without["do_normalize"] < 1e-4 and without["x10"] < 1e-4
