"""Length and receptive-field arithmetic, checked against torchaudio and against gradients."""

import pytest
import torch
from torch.utils.flop_counter import FlopCounterMode
from torchaudio.models.wav2vec2.components import _get_feature_extractor

from helpers import one_thread
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough import get_feature_extractor, get_preset, receptive
from w2v2_walkthrough.presets import DEFAULT_SHAPES

# Channel counts do not change lengths, so thin copies of the configs keep the checks fast.
THIN_DEFAULT = [(2, k, s) for _, k, s in DEFAULT_SHAPES]
OTHER_CONFIGS = [
    [(2, 7, 3), (2, 5, 2), (2, 3, 3)],
    [(2, 2, 1), (2, 4, 4), (2, 3, 1), (2, 2, 2)],
]


def torchaudio_lengths_per_layer(shapes, max_len):
    """torchaudio's `length` after every layer for every L in 0..max_len, in one batched call."""
    fe = _get_feature_extractor("layer_norm", shapes, False)
    lengths = torch.arange(max_len + 1)
    x = torch.zeros(len(lengths), 1, ar.receptive_field(shapes))  # content and size do not affect `length`
    per_layer = []
    with torch.no_grad():
        for block in fe.conv_layers:
            x, lengths = block(x, lengths)
            per_layer.append(lengths)
    return torch.stack(per_layer, dim=1)  # [L, layer]


@pytest.mark.parametrize(("shapes", "max_len"), [(THIN_DEFAULT, 20_000)] + [(c, 3_000) for c in OTHER_CONFIGS])
def test_lengths_equal_torchaudio_length_for_every_input_length(shapes, max_len):
    want = torchaudio_lengths_per_layer(shapes, max_len)
    got = torch.tensor([ar.layer_output_lengths(n, shapes) for n in range(max_len + 1)])
    assert torch.equal(got, want)


def real_block_lengths(block, max_len):
    """The output length of a real forward of ``block``'s conv for every input length 0..max_len (the
    block's norm and GELU keep the conv's length: the whole-stack test below runs whole blocks, at
    every frame boundary; a conv alone is 5x faster than the block)."""
    lengths = []
    for n in range(max_len + 1):
        try:
            lengths.append(block.conv(torch.zeros(1, block.conv.in_channels, n)).shape[-1])
        except RuntimeError:  # the conv meets an input shorter than its kernel
            assert n < block.kernel_size, f"a block failed on {n} >= kernel {block.kernel_size} inputs"
            lengths.append(0)
    return lengths


@pytest.mark.slow
@pytest.mark.parametrize(("shapes", "max_len"), [(THIN_DEFAULT, 20_000)] + [(c, 3_000) for c in OTHER_CONFIGS])
def test_lengths_equal_real_output_shapes(shapes, max_len):
    """Real forwards of every block's conv at every input length it can receive, composed over the stack:
    the frames out of every input length 0..max_len equal num_frames. (A block's output length
    depends only on its input length, so composing the measured per-block tables is exactly the
    stack's; it costs ~28 000 one-block forwards instead of 20 001 seven-block ones.)"""
    fe = _get_feature_extractor("layer_norm", [(1, k, s) for _, k, s in shapes], False).eval()
    lengths, bound = list(range(max_len + 1)), max_len
    with torch.inference_mode(), one_thread():
        for layer, block in enumerate(fe.conv_layers):
            table = real_block_lengths(block, bound)
            lengths, bound = [table[n] for n in lengths], max(table)
            assert lengths == [ar.layer_output_lengths(n, shapes)[layer] for n in range(max_len + 1)], layer
    assert lengths == [ar.num_frames(n, shapes) for n in range(max_len + 1)]


def test_whole_stack_forward_at_every_frame_boundary():
    """The literal check, where the answer changes: a real seven-block forward (group_norm, as
    Base) just below and at the fewest samples for 1..62 frames, and on every length up to 800."""
    fe = _get_feature_extractor("group_norm", THIN_DEFAULT, False).eval()
    boundaries = {n for f in range(1, 63) for n in (ar.min_samples_for_frames(f) - 1, ar.min_samples_for_frames(f))}
    with torch.inference_mode(), one_thread():
        for n in sorted(boundaries | set(range(801))):
            try:
                frames = fe(torch.zeros(1, n), None)[0].shape[1]
            except (RuntimeError, ValueError):
                # a conv meets an input shorter than its kernel (RuntimeError), or GroupNorm meets a
                # single position (ValueError): both only where no frame can come out
                frames = 0
            assert frames == ar.num_frames(n), n


def test_default_config_numbers():
    assert ar.receptive_field() == 400 and ar.hop_length() == 320
    assert ar.samples_to_ms(ar.receptive_field()) == 25.0 and ar.samples_to_ms(ar.hop_length()) == 20.0
    assert ar.num_frames(16_000) == 49
    assert ar.frame_rate() == 50.0
    assert [r.receptive_field for r in ar.receptive_field_table()] == [10, 20, 40, 80, 160, 240, 400]
    assert [r.jump for r in ar.receptive_field_table()] == [5, 10, 20, 40, 80, 160, 320]


def test_whole_stack_equals_one_conv_of_kernel_rf_and_stride_hop():
    """floor((L - 400) / 320) + 1, clamped: the per-layer floors compose exactly."""
    for n in range(0, 20_001):
        assert ar.num_frames(n) == max(0, (n - 400) // 320 + 1)


@pytest.mark.parametrize("shapes", [None, *OTHER_CONFIGS])
def test_inverse_is_the_fewest_samples(shapes):
    assert ar.min_samples_for_frames(0, shapes) == 0
    for n in range(1, 300):
        need = ar.min_samples_for_frames(n, shapes)
        assert ar.num_frames(need, shapes) == n
        assert ar.num_frames(need - 1, shapes) == n - 1
    with pytest.raises(ValueError, match="n_frames must be >= 0"):
        ar.min_samples_for_frames(-1)


def test_inverse_default_values():
    assert ar.min_samples_for_frames(1) == 400
    assert ar.min_samples_for_frames(2) == 720


def test_frame_times():
    for i in range(100):
        assert ar.frame_span(i) == (320 * i, 320 * i + 400)
        assert ar.frame_center(i) == 320 * i + 199.5
    assert ar.frame_times_ms(3, where="start") == [0.0, 20.0, 40.0]
    assert ar.frame_times_ms(2, where="center") == [199.5 / 16, (320 + 199.5) / 16]
    with pytest.raises(ValueError, match="'start' or 'center'"):
        ar.frame_times_ms(3, where="middle")


def nonzero_gradient_span(extractor, num_samples, frame):
    x = torch.randn(num_samples, generator=torch.Generator().manual_seed(frame))
    grad = receptive.input_gradient(extractor, x, frame)
    start, end = receptive.nonzero_span(grad)
    return start, end, int(torch.count_nonzero(grad))


@pytest.mark.parametrize(
    "shapes", [[(8, k, s) for _, k, s in DEFAULT_SHAPES]] + [[(8, k, s) for _, k, s in c] for c in OTHER_CONFIGS]
)
def test_receptive_field_is_exactly_the_samples_with_nonzero_gradient(shapes):
    torch.manual_seed(0)
    fe = _get_feature_extractor("layer_norm", shapes, True)
    n = ar.min_samples_for_frames(12, shapes)
    for frame in (0, 1, 5, 11):
        start, end = ar.frame_span(frame, shapes)
        assert nonzero_gradient_span(fe, n, frame) == (start, end, end - start)


def test_group_norm_makes_every_frame_depend_on_every_sample():
    """GroupNorm's statistics span the utterance, so the gradient leaves the 400-sample span."""
    torch.manual_seed(0)
    fe = _get_feature_extractor("group_norm", [(8, k, s) for _, k, s in DEFAULT_SHAPES], False)
    n = ar.min_samples_for_frames(12)
    start, end, count = nonzero_gradient_span(fe, n, 5)
    assert (start, end) == (0, n) and count > 0.99 * n


@pytest.mark.slow
def test_flops_per_second_equal_what_torch_counts():
    """torch's own FLOP counter, run on the real extractor (on the meta device: no compute)."""
    for preset in ("wav2vec2_base", "wav2vec2_large_lv60k"):
        p = get_preset(preset)
        with torch.device("meta"):
            fe = get_feature_extractor(p.norm_mode, list(p.shapes), p.bias)
            x = torch.zeros(1, 16_000)
        with FlopCounterMode(display=False) as counter:
            fe(x, None)
        assert counter.get_total_flops() == ar.flops_per_second(), preset


def test_length_table_accounts_for_every_input():
    rows = ar.length_table(16_000)
    assert [r.length_out for r in rows] == ar.layer_output_lengths(16_000)
    for r in rows:
        assert (r.length_out - 1) * r.stride + r.kernel_size + r.unused == r.length_in
    assert [r.unused for r in rows] == [0, 0, 0, 0, 0, 1, 1]
    assert ar.length_table(5)[0].length_out == 0 and ar.length_table(5)[0].unused == 5


def test_frames_containing():
    assert ar.frames_containing(8000, 16_000) == [24, 25]
    assert ar.frames_containing(0, 16_000) == [0]
    assert ar.frames_containing(15_900, 16_000) == []  # the tail no frame sees


def test_path_counts():
    counts = receptive.path_counts()
    assert counts.shape == (400,) and counts.sum() == 10 * 3**4 * 2 * 2
    assert counts.min() >= 1 and counts[0] == counts[-1] == 1
    assert torch.equal(counts, counts.flip(0))  # the stack is symmetric about the centre
    assert counts[190:210].mean() > 4 * counts[:20].mean()
    assert counts[100:300].sum() / counts.sum() > 0.6  # the central half of the window carries most paths
    # one conv: every tap is one path
    assert torch.equal(receptive.path_counts([(1, 5, 3)]), torch.ones(5, dtype=torch.float64))


def test_gradient_helpers_reject_bad_frames():
    fe = _get_feature_extractor("layer_norm", THIN_DEFAULT, False)
    with pytest.raises(ValueError, match="frame must be in"):
        receptive.input_gradient(fe, torch.randn(720), 2)
    x = torch.randn(2000)
    several = receptive.input_gradient(fe, x, [0, 3])
    assert several.shape == (2, 2000)
    assert torch.equal(several[1], receptive.input_gradient(fe, x, 3))
    with pytest.raises(ValueError, match="zero everywhere"):
        receptive.nonzero_span(torch.zeros(10))
