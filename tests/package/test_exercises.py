"""The checkers accept right answers (derived independently here), reject wrong ones, and do not
crash on an unanswered exercise."""

import pytest

from w2v2_walkthrough import exercises as ex

RIGHT = [
    (ex.check_tail_prediction, (0, 1)),  # the last frame's span ends at 48 * 320 + 400 = 16000 - 240
    (ex.check_state_dict_entries, 7 * 2 + 7 * 2),  # per block: conv weight and bias, norm weight and bias
    (ex.check_receptive_field_wider_first_layer, 20 + 2 * (10 + 20 + 40 + 80) + 160 + 320),
    (ex.check_cli_frames, (40_000 - 400) // 320 + 1),  # 2.5 s at 44.1 kHz -> 40,000 samples at 16 kHz
]


@pytest.mark.parametrize(("checker", "answer"), RIGHT, ids=[c.__name__ for c, _ in RIGHT])
def test_right_wrong_and_unanswered(checker, answer):
    right = checker(answer)
    assert right.correct is True and repr(right).startswith("Right!") and right
    wrong = (
        "wrong" if isinstance(answer, str) else [answer, answer] if isinstance(answer, (list, tuple)) else answer + 1
    )
    verdict = checker(wrong)
    assert verdict.correct is False and "Hint:" in repr(verdict) and not verdict
    for unanswered in (..., None):
        verdict = checker(unanswered)
        assert verdict.correct is None and "Not answered yet" in repr(verdict)


def test_function_checker_runs_the_student_function_on_every_case():
    reference = lambda n: n * n
    cases = [(n,) for n in range(-3, 10)]
    assert ex.check_function(lambda n: n**2, cases, reference, "square it").correct is True
    wrong = ex.check_function(lambda n: 2 * n, cases, reference, "square it")
    assert wrong.correct is False and "your function(-3) returned -6" in repr(wrong)  # first differing input
    crash = ex.check_function(lambda n: n * n if n else 1 // n, cases, reference, "square it")
    assert crash.correct is False and "ZeroDivisionError" in repr(crash)

    def stub(n): ...

    assert ex.check_function(stub, cases, reference, "square it").correct is None
    assert ex.check_function(..., cases, reference, "square it").correct is None
    assert ex.check_function(42, cases, reference, "square it").correct is False


def test_frames_for_checker():
    """Right: the whole stack as one conv of kernel 400, stride 320 (notebook 3), clamped at 0."""
    assert ex.check_frames_for(lambda n: max(0, (n - 400) // 320 + 1)).correct is True
    assert ex.check_frames_for(lambda n: (n - 400) // 320 + 1).correct is False  # no clamp
    assert ex.check_frames_for(lambda n: max(0, -(-(n - 400) // 320) + 1)).correct is False  # ceil
    assert ex.check_frames_for(lambda n: n // 320).correct is False


def test_tail_prediction_checker_rejects_the_group_norm_answer():
    assert ex.check_tail_prediction((49, 49)).correct is False and ex.check_tail_prediction((0, 0)).correct is False


def test_param_count_checker():
    """Right: count the parameters torchaudio's own builder creates."""
    import torch
    from torchaudio.models.wav2vec2.components import _get_feature_extractor

    def torchaudio_count(norm_mode, shapes, bias):
        with torch.device("meta"):
            return sum(p.numel() for p in _get_feature_extractor(norm_mode, shapes, bias).parameters())

    def norms_everywhere(norm_mode, shapes, bias):  # forgets that group_norm normalizes layer 0 only
        channels = [1] + [c for c, _, _ in shapes]
        return sum(o * i * k + o * bias + 2 * o for (o, k, _), i in zip(shapes, channels, strict=False))

    assert ex.check_param_count(torchaudio_count).correct is True
    assert ex.check_param_count(norms_everywhere).correct is False
    assert ex.check_param_count(lambda m, shapes, bias: torchaudio_count(m, shapes, False)).correct is False


def test_sample_rate_checker():
    """Right: the rate whose sample count gives that many frames, with frames = floor((L - 400) / 320) + 1."""

    def brute_force(num_frames, seconds, rates=(8000, 11025, 16000, 22050, 24000, 32000, 44100, 48000)):
        return next(r for r in rates if max(0, (round(r * seconds) - 400) // 320 + 1) == num_frames)

    assert brute_force(644, 9.36) == 22050  # TencentGameMate/chinese_speech_pretrain#30
    assert ex.check_sample_rate_from(brute_force).correct is True
    assert ex.check_sample_rate_from(lambda n, s: 16000).correct is False
    assert ex.check_sample_rate_from(lambda n, s: round(n * 320 / s)).correct is False  # not a common rate


def test_frames_changed_by_edit_checker():
    # samples [15600, 16000) of 1 s: frame 48, the last (1 s gives 49), sees [15360, 15760); frame 47's
    # span [15040, 15440) ends before 15600
    assert ex.check_frames_changed_by_edit([48]).correct is True
    assert ex.check_frames_changed_by_edit((48,)).correct is True
    for wrong in ([47, 48], [48, 49], [49], [], list(range(49)), 48):
        assert ex.check_frames_changed_by_edit(wrong).correct is False
    assert ex.check_frames_changed_by_edit(...).correct is None


def test_span_checker():
    """Right: start = i * product of strides; width = the fewest samples that give one output,
    found by walking the stack backwards from one output."""

    def walk_back(i, shapes):
        hop, needed = 1, 1
        for _, _, s in shapes:
            hop *= s
        for _, k, s in reversed(shapes):
            needed = (needed - 1) * s + k
        return i * hop, i * hop + needed

    assert ex.check_span(walk_back).correct is True
    assert ex.check_span(lambda i, shapes: [*walk_back(i, shapes)]).correct is True  # a list is fine
    assert ex.check_span(lambda i, shapes: (320 * i, 320 * i + 400)).correct is False  # wav2vec2 only
    assert ex.check_span(lambda i, shapes: (walk_back(i, shapes)[0], walk_back(i, shapes)[1] - 1)).correct is False


def test_stack_with_10ms_hop_checker():
    # hop 5 * 2**5 = 160 samples = 10 ms; rf 10 + 2 * (5 + 10 + 20 + 40) + 3 * 80 = 400 samples = 25 ms
    right = [(512, 10, 5), (512, 3, 2), (512, 3, 2), (512, 3, 2), (512, 3, 2), (512, 4, 2)]
    assert ex.check_stack_with_10ms_hop(right).correct is True
    wav2vec2 = [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2  # hop 320
    verdict = ex.check_stack_with_10ms_hop(wav2vec2)
    assert verdict.correct is False and "hop of 320" in repr(verdict)
    assert ex.check_stack_with_10ms_hop(wav2vec2[:6]).correct is False  # hop 160 but rf 240
    gap = ex.check_stack_with_10ms_hop([(1, 400, 1), (1, 1, 160)])  # hop 160, rf 400, but skips samples
    assert gap.correct is False and "skip" in repr(gap)
    for malformed in ("abc", [(1, 2)], [], [(1, 0, 1)]):
        assert ex.check_stack_with_10ms_hop(malformed).correct is False
    assert ex.check_stack_with_10ms_hop(...).correct is None


# --- notebook 7 -------------------------------------------------------------------------------


def test_alias_checker():
    def fold(freq_hz, rate_hz):  # folding written with a loop, independently of the package
        f = abs(freq_hz)
        while f > rate_hz / 2:
            f = abs(f - rate_hz)
        return f

    assert ex.check_alias(fold).correct is True
    assert ex.check_alias(lambda f, rate: f % rate).correct is False  # no folding above rate / 2
    assert ex.check_alias(lambda f, rate: f % (rate / 2)).correct is False  # folds the wrong way
    wrong = ex.check_alias(lambda f, rate: f)
    assert wrong.correct is False and "Hint:" in repr(wrong)

    def stub(freq_hz, rate_hz): ...

    assert ex.check_alias(stub).correct is None and ex.check_alias(...).correct is None


def test_click_frames_checker():
    # frame i sees [320 i, 320 i + 400); 1 s = 49 frames, the last sees [15360, 15760)
    assert ex.check_click_frames([9, 10], positions=(3_210, 15_900)).correct is True  # 3210 in frames 9, 10
    assert ex.check_click_frames((10, 9), positions=(3_210, 15_900)).correct is True  # any order
    assert ex.check_click_frames([9, 10, 49], positions=(3_210, 15_900)).correct is False
    assert ex.check_click_frames([10], positions=(3_210, 15_900)).correct is False
    assert ex.check_click_frames([38], positions=(12_345,)).correct is True  # 12345 - 12160 < 400; 11840 + 400 < 12345
    assert ex.check_click_frames(10, positions=(3_210,)).correct is False  # not a list
    assert ex.check_click_frames(..., positions=(3_210,)).correct is None


# --- notebook 5 -------------------------------------------------------------------------------


def test_batch_neighbour_checker():
    """Right: count A's moved frames with torchaudio's own modules (random weights), A alone vs
    next to another clip of the same length."""
    import torch
    from torchaudio.models.wav2vec2.components import _get_feature_extractor

    from w2v2_walkthrough.weights import random_extractor

    shapes = [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2
    g = torch.Generator().manual_seed(7)
    a, b = torch.randn(2, 1000, generator=g)
    right = {}
    for preset, mode in (("wav2vec2_base", "group_norm"), ("hubert_large", "layer_norm")):
        with torch.device("meta"):
            model = _get_feature_extractor(mode, shapes, False).eval()
        model.load_state_dict(random_extractor(preset, seed=7).state_dict(), assign=True)
        with torch.no_grad():
            alone, together = model(a[None], None)[0][0], model(torch.stack([a, b]), None)[0][0]
        right[preset] = int(((together - alone).norm(dim=-1) > 1e-5 * alone.norm(dim=-1)).sum())
    assert ex.check_batch_neighbour(right).correct is True
    for wrong in ({"wav2vec2_base": 3, "hubert_large": 0}, {"wav2vec2_base": 0}, {"wav2vec2_base": 0, "x": 0}, 0):
        assert ex.check_batch_neighbour(wrong).correct is False
    assert ex.check_batch_neighbour(...).correct is None


def test_valid_instance_norm_checker():
    """Right: GroupNorm itself on each item's valid slice, zeros after (written independently)."""
    import torch

    def per_slice(x, lengths, eps=1e-5):
        out = torch.zeros_like(x)
        for b, n in enumerate(lengths):
            out[b, :, :n] = torch.nn.functional.group_norm(x[b : b + 1, :, :n], x.shape[1], eps=eps)[0]
        return out

    def ignores_lengths(x, lengths, eps=1e-5):
        return torch.nn.functional.group_norm(x, x.shape[1], eps=eps)

    def no_zeros_after(x, lengths, eps=1e-5):
        out = ignores_lengths(x, lengths, eps)
        for b, n in enumerate(lengths):
            out[b, :, :n] = per_slice(x[b : b + 1], [n], eps)[0, :, :n]
        return out

    def unbiased(x, lengths, eps=1e-5):
        out = torch.zeros_like(x)
        for b, n in enumerate(lengths):
            v = x[b, :, :n]
            out[b, :, :n] = (v - v.mean(dim=1, keepdim=True)) / torch.sqrt(v.var(dim=1, keepdim=True) + eps)
        return out

    def first_is_longest(x, lengths, eps=1e-5):  # right on the tensor cases, whose first item is full
        return per_slice(x[:, :, : lengths[0]], lengths, eps)

    assert ex.check_valid_instance_norm(per_slice).correct is True
    for wrong in (ignores_lengths, no_zeros_after, unbiased, lambda x, lengths: x, first_is_longest):
        verdict = ex.check_valid_instance_norm(wrong)
        assert verdict.correct is False and "Hint:" in repr(verdict)

    def stub(x, lengths, eps=1e-5): ...

    assert ex.check_valid_instance_norm(stub).correct is None and ex.check_valid_instance_norm(...).correct is None


def test_quiet_input_checker_follows_the_weights():
    """Right: measured with torchaudio's module holding the same weights; with eps ~ 0 the same
    quiet input changes nothing, and the checker's answer flips with it."""
    import torch
    from torchaudio.models.wav2vec2.components import _get_feature_extractor

    from w2v2_walkthrough import norms
    from w2v2_walkthrough.weights import random_extractor

    clip = 0.1 * torch.randn(2000, generator=torch.Generator().manual_seed(0))
    base = random_extractor("wav2vec2_base")
    with torch.device("meta"):
        upstream = _get_feature_extractor("group_norm", [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2, False)
    upstream.load_state_dict(base.state_dict(), assign=True)
    with torch.no_grad():
        loud, quiet = upstream(torch.stack([clip, 1e-3 * clip]), None)[0]
    right = bool((quiet - loud).norm() / loud.norm() > 0.10)
    assert ex.check_quiet_input(right, base, clip).correct is True
    assert ex.check_quiet_input(not right, base, clip).correct is False
    exact = norms.with_eps(base, 1e-30)
    assert ex.check_quiet_input(False, exact, clip).correct is True
    assert ex.check_quiet_input("yes", base, clip).correct is False
    assert ex.check_quiet_input(..., base, clip).correct is None


# --- notebook 9: the same extractor in Hugging Face transformers ---


@pytest.mark.slow
def test_torchaudio_args_checker_runs_the_mirror_against_hf():
    """Right: torchaudio's own converter (import_huggingface._get_config) builds the extractor as
    f"{feat_extract_norm}_norm", zip(conv_dim, conv_kernel, conv_stride) and conv_bias."""

    def right(feat_extract_norm, conv_dim, conv_kernel, conv_stride, conv_bias):
        return f"{feat_extract_norm}_norm", list(zip(conv_dim, conv_kernel, conv_stride, strict=True)), conv_bias

    def norms_swapped(feat_extract_norm, conv_dim, conv_kernel, conv_stride, conv_bias):
        other = {"group": "layer_norm", "layer": "group_norm"}[feat_extract_norm]
        return other, list(zip(conv_dim, conv_kernel, conv_stride, strict=True)), conv_bias

    def no_bias(feat_extract_norm, conv_dim, conv_kernel, conv_stride, conv_bias):
        return f"{feat_extract_norm}_norm", list(zip(conv_dim, conv_kernel, conv_stride, strict=True)), False

    def kernel_first(feat_extract_norm, conv_dim, conv_kernel, conv_stride, conv_bias):
        return f"{feat_extract_norm}_norm", list(zip(conv_kernel, conv_dim, conv_stride, strict=True)), conv_bias

    def stub(feat_extract_norm, conv_dim, conv_kernel, conv_stride, conv_bias): ...

    assert ex.check_torchaudio_args(right).correct is True
    for wrong in (norms_swapped, no_bias, kernel_first):
        verdict = ex.check_torchaudio_args(wrong)
        assert verdict.correct is False and "Hint:" in repr(verdict), wrong.__name__
    assert ex.check_torchaudio_args(stub).correct is None and ex.check_torchaudio_args(...).correct is None


def test_one_layer_norm_swap_is_caught_by_the_outputs_alone():
    """In a one-layer stack GroupNorm(C, C) and LayerNorm(C) have the same parameter names and
    shapes: only the computed outputs can reject the swap."""
    from w2v2_walkthrough import get_feature_extractor
    from w2v2_walkthrough.exercises import nb09

    one_layer = [c for c in nb09.CONFIGS if len(c[1]) == 1]
    assert {c[0] for c in one_layer} == {"group", "layer"}
    for config in one_layer:
        swapped = "layer_norm" if config[0] == "group" else "group_norm"
        shapes = list(zip(*config[1:4], strict=True))
        group, layer = (get_feature_extractor(m, shapes, config[4]).state_dict() for m in ("group_norm", "layer_norm"))
        assert {k: v.shape for k, v in group.items()} == {k: v.shape for k, v in layer.items()}
        assert nb09._computes_the_same((swapped, shapes, config[4]), nb09._hf_encoder(*config)) is False


def test_hf_short_lengths_prediction_checker():
    # By hand, layer by layer with floor((L - k) / s) + 1 and no clamp: 0 samples -> (0 - 10) // 5 + 1
    # = -1, and every later layer maps -1 to -1 ((-1 - 3) // 2 + 1 = (-1 - 2) // 2 + 1 = -1);
    # 100 -> 19, 9, 4, 1, 0, 0, 0; 399 -> 78, 38, 18, 8, 3, 1, 0.
    assert ex.check_hf_short_lengths([-1, 0, 0]).correct is True
    assert ex.check_hf_short_lengths((-1, 0, 0)).correct is True
    assert ex.check_hf_short_lengths([0, 0, 0]).correct is False
    assert ex.check_hf_short_lengths(-1).correct is False
    assert ex.check_hf_short_lengths(...).correct is None


# --- notebook 10: questions people ask ---


def test_chunk_starts_checker():
    """Right: transformers' chunk_iter steps by chunk_len - stride_left - stride_right from 0 and stops
    after the first chunk that reaches the end; preprocess rounds every length to a multiple of
    inputs_to_logits_ratio = 320 samples with Python's round."""

    def right(num_samples, chunk_length_s, stride_length_s):  # in closed form, not the notebook's loop
        chunk = 320 * round(chunk_length_s * 16_000 / 320)
        step = chunk - 2 * 320 * round(stride_length_s * 16_000 / 320)
        last = max(0, -(-(num_samples - chunk) // step))  # the first k with k * step + chunk >= num_samples
        return [k * step for k in range(last + 1)]

    def unaligned(num_samples, chunk_length_s, stride_length_s):
        chunk, stride = int(chunk_length_s * 16_000), int(stride_length_s * 16_000)
        return list(range(0, max(1, num_samples - stride), chunk - 2 * stride))

    def one_stride(num_samples, chunk_length_s, stride_length_s):
        chunk = round(chunk_length_s * 50) * 320
        stride = round(stride_length_s * 50) * 320
        starts = [0]
        while starts[-1] + chunk < num_samples:
            starts.append(starts[-1] + chunk - stride)
        return starts

    def stub(num_samples, chunk_length_s, stride_length_s): ...

    assert ex.check_chunk_starts(right).correct is True
    for wrong in (unaligned, one_stride):
        verdict = ex.check_chunk_starts(wrong)
        assert verdict.correct is False and "Hint:" in repr(verdict), wrong.__name__
    assert ex.check_chunk_starts(stub).correct is None


def test_short_clip_mask_prediction_checker():
    # HF's unclamped count for 300 samples is 0; the mask sets index 0 - 1 = -1 (the last of 49
    # frames) and fills leftwards: all 49 marked valid.
    assert ex.check_short_clip_mask(49).correct is True
    assert ex.check_short_clip_mask(0).correct is False
    assert ex.check_short_clip_mask(None).correct is None


# --- notebook 8: an hour of audio, exactly ---


def test_max_chunk_frames_checker():
    """Right: by counting, frame by frame, the bytes of layer 0's output for a chunk (a chunk of f
    frames is 320 (f - 1) + 400 samples; layer 0 gives floor((L - 10) / 5) + 1 positions x 512 x 4 B)."""

    def layer0_bytes(frames):
        return ((320 * (frames - 1) + 400 - 10) // 5 + 1) * 512 * 4

    def right(budget):
        frames = 0
        while layer0_bytes(frames + 1) <= budget:
            frames += 1
        return frames

    def no_overlap(budget):  # a chunk of f frames taken as 320 f samples, 64 f positions
        return budget // (64 * 512 * 4)

    def values_not_bytes(budget):
        return right(4 * budget)

    def stub(budget): ...

    assert [right(b) for b in (161_791, 161_792, 292_863, 292_864, 13_137_920)] == [0, 1, 1, 2, 100]
    assert ex.check_max_chunk_frames(right).correct is True
    assert ex.check_max_chunk_frames(lambda b: float(right(b))).correct is True  # 99.0 is 99
    for wrong in (no_overlap, values_not_bytes, lambda b: right(b) + 1, lambda b: max(1, right(b)), lambda b: True):
        verdict = ex.check_max_chunk_frames(wrong)
        assert verdict.correct is False and "Hint:" in repr(verdict)
    assert ex.check_max_chunk_frames(stub).correct is None and ex.check_max_chunk_frames(...).correct is None


def test_cli_frames_checker_rejects_the_44k_count():
    assert ex.check_cli_frames((110_250 - 400) // 320 + 1).correct is False  # 44.1 kHz samples read as 16 kHz
    assert ex.check_cli_frames(125).correct is False  # 2.5 s * 50 frames per second


def test_every_notebooks_checker_is_exported():
    """The package imports its checkers by name: one a notebook module adds must be listed too."""
    import importlib
    import pkgutil

    for info in pkgutil.iter_modules(ex.__path__, prefix=f"{ex.__name__}."):
        module = importlib.import_module(info.name)
        for name in [n for n in vars(module) if n.startswith("check_") and not info.name.endswith("_core")]:
            assert name in ex.__all__ and getattr(ex, name) is getattr(module, name), (info.name, name)


# --- notebook 6: the waveform going in -------------------------------------------------------


def test_batch_statistics_checker():
    """Right: the law of total variance over the clips and the padding's zeros (written
    independently of the package's E[x^2] form). Wrong: the kinds of mistake a student makes."""

    def right(lengths, means, variances, padded_length):
        total = len(lengths) * padded_length
        mean = sum(n * m for n, m in zip(lengths, means, strict=True)) / total
        within = sum(n * (v + (m - mean) ** 2) for n, m, v in zip(lengths, means, variances, strict=True))
        return mean, (within + (total - sum(lengths)) * mean**2) / total

    def ignores_padding(lengths, means, variances, padded_length):  # divides by the real samples only
        return (
            right(lengths, means, variances, max(lengths))
            if len(set(lengths)) == 1
            else right([1] * len(lengths), means, variances, 1)
        )

    def per_item_average(lengths, means, variances, padded_length):  # wrong axis: mean of the items' stats
        return sum(means) / len(means), sum(variances) / len(variances)

    def no_spread(lengths, means, variances, padded_length):  # forgets the means' spread and the zeros
        total = len(lengths) * padded_length
        mean = sum(n * m for n, m in zip(lengths, means, strict=True)) / total
        return mean, sum(n * v for n, v in zip(lengths, variances, strict=True)) / total

    def unbiased(lengths, means, variances, padded_length):  # off by one: N - 1
        mean, var = right(lengths, means, variances, padded_length)
        total = len(lengths) * padded_length
        return mean, var * total / (total - 1)

    def first_item(lengths, means, variances, padded_length):  # right on the printed one-clip case only
        return means[0], variances[0]

    def hard_coded(lengths, means, variances, padded_length):
        return 0.0025, 0.076

    assert ex.check_batch_statistics(right).correct is True
    for wrong in (ignores_padding, per_item_average, no_spread, unbiased, first_item, hard_coded):
        verdict = ex.check_batch_statistics(wrong)
        assert verdict.correct is False and "Hint:" in repr(verdict), wrong.__name__
    verdict = ex.check_batch_statistics(lambda *args: right(*args)[1])  # a float, not a tuple
    assert verdict.correct is False and "tuple" in repr(verdict)

    def stub(lengths, means, variances, padded_length): ...

    assert ex.check_batch_statistics(stub).correct is None and ex.check_batch_statistics(...).correct is None


def test_unchanged_batches_checker():
    """Right: a batch leaves A alone iff its mean and variance over all samples equal A's
    (computed here from the partners' statistics, not by running the model)."""
    import torch

    from w2v2_walkthrough import input_norm, random_extractor
    from w2v2_walkthrough.exercises import nb06

    g = torch.Generator().manual_seed(3)
    a, b = 0.1 * torch.randn(400, generator=g) + 0.02, 0.3 * torch.randn(400, generator=g)
    model = input_norm.bundle_frames_model(random_extractor("wav2vec2_large_lv60k", seed=3))
    right = set()
    for letter in nb06.PARTNERS:
        batch = torch.stack([a, nb06.partner(letter, a, b)]).double()  # (2, 400)
        if (
            abs(batch.mean() - a.double().mean()) < 1e-6
            and abs(batch.var(unbiased=False) / a.double().var(unbiased=False) - 1) < 1e-5
        ):
            right.add(letter)
    assert right == {"a", "b", "d"}
    assert ex.check_unchanged_batches(right, model, a, b).correct is True
    for wrong in ({"a"}, {"a", "b"}, set("abcde"), set(), {"a", "b", "d", "e"}):
        verdict = ex.check_unchanged_batches(wrong, model, a, b)
        assert verdict.correct is False and "Hint:" in repr(verdict), wrong
    for wrong_type in ("abd", ["a", "b", "d"]):
        verdict = ex.check_unchanged_batches(wrong_type, model, a, b)
        assert verdict.correct is False and "set of letters" in repr(verdict)
    assert ex.check_unchanged_batches(..., model, a, b).correct is None
