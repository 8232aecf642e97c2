"""The checkers accept right answers (derived independently here), reject wrong ones, and do not
crash on an unanswered exercise."""

import math

import pytest

from w2v2_walkthrough import exercises as ex

RIGHT = [
    (ex.check_tail_prediction, (0, 1)),  # the last frame's span ends at 48 * 320 + 400 = 16000 - 240
    (ex.check_loading_keys, (0, 7 + 6 * 2)),  # Base lacks every conv bias and the norms of layers 1-6
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
    cases = [(n,) for n in (9, -7, 5, -3, 0, 2, 1)]
    assert ex.check_function(lambda n: n**2, cases, reference, "square it").correct is True
    wrong = ex.check_function(lambda n: 2 * n, cases, reference, "square it")  # right at 0 and 2 only
    assert wrong.correct is False and "your function(1) returned 2" in repr(wrong)  # the smallest wrong input
    crash = ex.check_function(lambda n: n * n if n else 1 // n, cases, reference, "square it")
    assert crash.correct is False and "ZeroDivisionError" in repr(crash)
    positive = ex.Property("a square is never negative", lambda args, got: got >= 0)
    named = ex.check_function(lambda n: n * abs(n), cases, reference, "square it", properties=[positive])
    assert "your function(-3) returned -9, the smallest input it gets wrong. Fails: a square is never negative" in repr(
        named
    )

    def stub(n):
        """Square n."""
        ...

    def forgot_return(n):
        n * n

    def square(n):
        return n * n

    assert ex.check_function(stub, cases, reference, "square it").correct is None
    assert ex.check_function(..., cases, reference, "square it").correct is None
    assert ex.check_function(42, cases, reference, "square it").correct is False
    none = ex.check_function(forgot_return, cases, reference, "square it")  # a real function: wrong
    assert none.correct is False and "forgot_return(0) returned None" in repr(none) and "return" in repr(none)
    kind = ex.check_function(lambda n: str(n * n), cases, reference, "square it")
    assert kind.correct is False and "a string (a str)" in repr(kind) and "a whole number (an int)" in repr(kind)
    assert ex.check_function(square, cases, reference, "square it").correct is True
    assert ex.check_function(lambda n: float(n * n), cases, reference, "square it").correct is True  # 4.0 is 4


def test_messages_are_short_and_never_dump_a_tensor():
    import torch

    from w2v2_walkthrough.exercises._core import MAX_MESSAGE

    huge = torch.randn(300, 512)
    cases = [(torch.zeros(2, 3, 50),), (huge,)]
    verdicts = [
        ex.check_function(lambda x: huge, cases, lambda x: x, "h" * 200),
        ex.check_function(lambda x: [huge] * 9, cases, lambda x: x, "h"),
        ex.check_function(lambda x: list(range(10**5)), [(1,)], lambda x: [x], "h"),
        ex.check_function(lambda x: 1 / 0 if x.numel() else x, [(huge,)], lambda x: x, "h"),
        ex.check_function(lambda x: (_ for _ in ()).throw(ValueError(str(huge))), [(1,)], lambda x: x, "h"),
        ex.check_value(list(range(10**5)), [1], "h"),
        ex.check_value(huge, [1], "h"),
        ex.check_valid_stats(lambda mean, var, lengths, total: (huge, huge)),
        ex.check_frames_changed_by_edit(huge),
    ]
    for verdict in verdicts:
        assert verdict.correct is False and len(repr(verdict)) <= MAX_MESSAGE, repr(verdict)
    for verdict in verdicts[:4] + verdicts[5:]:  # the fifth quotes the error's own first line
        assert "tensor(" not in repr(verdict) and "0000" not in repr(verdict), repr(verdict)
    assert "a Tensor of shape [300, 512]" in repr(verdicts[0])


def test_value_answers_of_the_wrong_type_are_told_the_type():
    int_for_list = ex.check_frames_changed_by_edit(48)
    assert int_for_list.correct is False and "an int" in repr(int_for_list) and "a list" in repr(int_for_list)
    import torch

    clip = 0.1 * torch.randn(2000, generator=torch.Generator().manual_seed(0))
    base = __import__("w2v2_walkthrough.weights", fromlist=["random_extractor"]).random_extractor("wav2vec2_base")
    text_for_bool = ex.check_quiet_input("True", base, clip)
    assert text_for_bool.correct is False and "a str" in repr(text_for_bool) and "a bool" in repr(text_for_bool)
    assert "a bool" in repr(ex.check_cli_frames(True))  # True is not the number 1
    assert ex.check_cli_frames(123.0).correct is False and ex.check_cli_frames(124.0).correct is True


def test_frames_for_checker():
    """Right: the whole stack as one conv of kernel 400, stride 320 (notebook 3), clamped at 0."""
    assert ex.check_frames_for(lambda n: max(0, (n - 400) // 320 + 1)).correct is True
    no_clamp = ex.check_frames_for(lambda n: (n - 400) // 320 + 1)
    assert "your function(0) returned -1, the smallest" in repr(no_clamp)
    assert "Fails: a frame count is a whole number, never negative" in repr(no_clamp)
    wrong = (
        lambda n: max(0, -(-(n - 400) // 320) + 1),  # ceil
        lambda n: max(0, (n - 400) // 320),  # off by one
        lambda n: n // 320,  # samples / hop
        lambda n: 49,  # hard-coded: right for the notebook's second only
        lambda n: 49 if n == 16_000 else max(0, (n - 400) // 320),  # right on the printed example only
    )
    for function in wrong:
        assert ex.check_frames_for(function).correct is False
    from w2v2_walkthrough import arithmetic

    calls_the_package = ex.check_frames_for(lambda n: arithmetic.num_frames(n))
    assert calls_the_package.correct is False and "uses num_frames" in repr(calls_the_package)

    def per_layer(n):
        for _, k, s in [(512, 10, 5)] + [(512, 3, 2)] * 4 + [(512, 2, 2)] * 2:
            n = arithmetic.conv_output_length(n, k, s)
        return n

    def search(n):
        return max((f for f in range(n // 320 + 2) if arithmetic.min_samples_for_frames(f) <= n), default=0)

    assert "uses conv_output_length" in repr(ex.check_frames_for(per_layer))
    assert "uses min_samples_for_frames" in repr(ex.check_frames_for(search))


def test_tail_prediction_checker_rejects_the_group_norm_answer():
    for wrong in ((49, 49), (0, 0), (1, 2), (1, 1), 1):  # group_norm, no frame, off by one, a number
        assert ex.check_tail_prediction(wrong).correct is False
    for unordered_or_bools in ({0, 1}, {1, 0}, (False, True)):  # a set has no order; False is not 0
        assert ex.check_tail_prediction(unordered_or_bools).correct is False
    assert "a set" in repr(ex.check_tail_prediction({0, 1}))


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

    def in_is_out(norm_mode, shapes, bias):  # every conv taken as out x out x kernel (layer 0 too)
        return sum(o * o * k + o * bias for o, k, _ in shapes) + 2 * shapes[0][0] * (
            1 if norm_mode == "group_norm" else len(shapes)
        )

    assert ex.check_param_count(torchaudio_count).correct is True
    assert ex.check_param_count(norms_everywhere).correct is False
    assert ex.check_param_count(lambda m, shapes, bias: torchaudio_count(m, shapes, False)).correct is False
    assert ex.check_param_count(in_is_out).correct is False
    assert ex.check_param_count(lambda m, shapes, bias: 4_200_448).correct is False  # Base's count, hard-coded


def test_loading_keys_checker():
    for wrong in ((19, 0), (0, 7 + 7 * 2), (0, 7), (0, 6 * 2), 19, {19, 0}):  # ..., a set (no order)
        assert ex.check_loading_keys(wrong).correct is False


def test_rate_range_checker():
    """Right: every whole rate, tried one by one, with frames = floor((L - 400) / 320) + 1."""

    def frames(samples):
        return max(0, (samples - 400) // 320 + 1)

    def first_rate(at_least, seconds):  # bisection: frames grow with the rate
        low, high = 0, 10**7
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if frames(middle * seconds) >= at_least else (middle, high)
        return high

    def brute_force(num_frames, seconds):
        return first_rate(num_frames, seconds), first_rate(num_frames + 1, seconds) - 1

    def floor_low(num_frames, seconds):  # rounds the lowest rate down: too few samples
        return (400 + 320 * (num_frames - 1)) // seconds, brute_force(num_frames, seconds)[1]

    def no_minus_one(num_frames, seconds):  # the highest rate one too high
        return brute_force(num_frames, seconds)[0], -(-(400 + 320 * num_frames) // seconds)

    assert brute_force(49, 1) == (15_760, 16_079)
    assert ex.check_rate_range(brute_force).correct is True
    assert ex.check_rate_range(lambda n, s: list(brute_force(n, s))).correct is True  # a list is fine
    verdict = ex.check_rate_range(floor_low)
    assert "1 Hz below" not in repr(verdict) and "lowest rate the file gives" in repr(verdict)
    for wrong in (floor_low, no_minus_one, lambda n, s: (16_000, 16_000), lambda n, s: brute_force(n, s)[::-1]):
        assert ex.check_rate_range(wrong).correct is False
    from w2v2_walkthrough import arithmetic as ar

    def package_search(num_frames, seconds):  # "no search over rates", and the package counts
        rates = [r for r in range(1, 200_000) if ar.num_frames(r * seconds) == num_frames]
        return rates[0], rates[-1]

    def package_inverse(num_frames, seconds):
        fewest, too_many = ar.min_samples_for_frames(num_frames), ar.min_samples_for_frames(num_frames + 1)
        return -(-fewest // seconds), -(-too_many // seconds) - 1

    assert "uses num_frames" in repr(ex.check_rate_range(package_search))
    assert "uses min_samples_for_frames" in repr(ex.check_rate_range(package_inverse))


def test_frames_changed_by_edit_checker():
    # samples [15600, 16000) of 1 s: frame 48, the last (1 s gives 49), sees [15360, 15760); frame 47's
    # span [15040, 15440) ends before 15600
    assert ex.check_frames_changed_by_edit([48]).correct is True
    assert ex.check_frames_changed_by_edit((48,)).correct is True
    for wrong in ([47, 48], [48, 49], [49], [], list(range(49)), 48, [48, "48"], {"48"}):
        assert ex.check_frames_changed_by_edit(wrong).correct is False  # mixed kinds: told, no crash
    assert ex.check_frames_changed_by_edit({48}).correct is True  # a set of frames: their order does not matter
    assert ex.check_frames_changed_by_edit(...).correct is None


def test_frames_reading_checker():
    """Right: each frame's span found by walking the stack backwards from one output, and the
    frame count by running the lengths forwards; then every frame tried."""

    def walk_back(i, shapes):
        hop, needed = 1, 1
        for _, _, s in shapes:
            hop *= s
        for _, k, s in reversed(shapes):
            needed = (needed - 1) * s + k
        return i * hop, i * hop + needed

    def count(num_samples, shapes):
        for _, k, s in shapes:
            num_samples = max(0, (num_samples - k) // s + 1)
        return num_samples

    def right(t, num_samples, shapes, close=lambda start, end, t: start <= t < end, clip=True):
        frames = count(num_samples, shapes) if clip else num_samples
        return [i for i in range(frames) if close(*walk_back(i, shapes), t)]

    assert ex.check_frames_reading(right).correct is True
    assert ex.check_frames_reading(lambda t, n, shapes: right(t, n, shapes)[::-1]).correct is True  # any order
    wrong = (
        lambda t, n, shapes: right(t, n, shapes, close=lambda a, b, t: a <= t <= b),  # off by one: end included
        lambda t, n, shapes: right(t, n, shapes, clip=False),  # frames past the clip's last
        lambda t, n, shapes: [i for i in range(count(n, shapes)) if 320 * i <= t < 320 * i + 400],  # wav2vec2 only
        lambda t, n, shapes: [t // 320],  # one frame, hard-coded hop
    )
    for function in wrong:
        assert ex.check_frames_reading(function).correct is False
    halves = ex.check_frames_reading(lambda t, n, shapes: [i + 0.5 for i in right(t, n, shapes)])
    assert halves.correct is False and "a number (a float), 0.5" in repr(halves)  # 0.5 is not frame 0

    def pops(t, n, shapes):  # changes its input: the checker's later cases must not see that
        shapes.pop(0)
        return []

    assert ex.check_frames_reading(pops).correct is False and ex.check_frames_reading(right).correct is True
    from w2v2_walkthrough import arithmetic as ar

    def by_the_package(t, n, shapes):
        return [i for i in range(ar.conv_output_length(n, shapes[0][1], shapes[0][2])) if i == t]

    assert "uses conv_output_length" in repr(ex.check_frames_reading(by_the_package))


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
    # one layer of kernel 400, stride 160 is right; these write it with values that are not whole numbers
    assert ex.check_stack_with_10ms_hop([(512, 400, 160)]).correct is True
    for not_whole in ([(512, 400.7, 160)], [(512, "400", 160)], [(True, 400, 160)], {(512, 400, 160)}):
        assert ex.check_stack_with_10ms_hop(not_whole).correct is False, not_whole
    assert ex.check_stack_with_10ms_hop(...).correct is None


def test_receptive_field_wider_first_layer_checker():
    for wrong in (400, 410, 799, 1600):  # unchanged, layer 0 alone, off by one, every jump doubled twice
        assert ex.check_receptive_field_wider_first_layer(wrong).correct is False


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
    assert ex.check_alias(lambda f, rate: abs(f - rate) if f > rate / 2 else f).correct is False  # one fold only
    assert ex.check_alias(lambda f, rate: 1600.0).correct is False  # the chirp's example, hard-coded
    half_floored = lambda f, rate: f % rate if f % rate <= rate // 2 else rate - f % rate  # wrong at odd rates
    assert ex.check_alias(half_floored).correct is False
    from w2v2_walkthrough import filters

    assert "uses alias" in repr(ex.check_alias(lambda f, r: filters.alias(f, r)))
    wrong = ex.check_alias(lambda f, rate: f)
    assert wrong.correct is False and "Hint:" in repr(wrong) and "lies in [0, rate_hz / 2]" in repr(wrong)

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
    for not_ints in ([9.5, 10], ["9", "10"]):
        assert ex.check_click_frames(not_ints, positions=(3_210, 15_900)).correct is False
    assert ex.check_click_frames([9, 10, 48, 49], positions=(3_210, 15_900)).correct is False  # a frame past the end
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
    for not_int in ("0", 0.9, False):  # int() would make each of them 0
        verdict = ex.check_batch_neighbour(dict.fromkeys(right, not_int))
        assert verdict.correct is False and "a whole number (an int)" in repr(verdict), not_int
    assert ex.check_batch_neighbour(...).correct is None


def test_valid_stats_checker():
    """Right: back to the sums (a mean over T positions is sum / T, and the zeros add nothing),
    then to the valid positions' moments."""
    import torch

    def from_sums(mean, var, lengths, total, count=lambda n: n):
        n = torch.tensor([[count(k)] for k in lengths], dtype=mean.dtype)  # (B, 1)
        total_sum, total_square = mean * total, (var + mean**2) * total  # sums over every position
        valid_mean = total_sum / n
        return valid_mean, total_square / n - valid_mean**2

    def mean_only(mean, var, lengths, total):  # rescales the mean, keeps the padded variance
        return from_sums(mean, var, lengths, total)[0], var

    assert ex.check_valid_stats(from_sums).correct is True
    wrong = (
        lambda mean, var, lengths, total: (mean, var),  # ignores the padding
        mean_only,
        lambda mean, var, lengths, total: from_sums(mean, var, lengths, total, lambda n: n - 1),  # off by one
        lambda mean, var, lengths, total: from_sums(mean, var, lengths, total)[::-1],  # (var, mean)
        lambda mean, var, lengths, total: from_sums(mean, var, [total] * len(lengths), total),  # no padding
    )
    for function in wrong:
        verdict = ex.check_valid_stats(function)
        assert verdict.correct is False and "Hint:" in repr(verdict)
    kept = ex.check_valid_stats(wrong[2])
    assert "an item without padding keeps its statistics" in repr(kept)
    assert "Fails: the variance is right" in repr(ex.check_valid_stats(mean_only))
    float32 = lambda mean, var, lengths, total: tuple(s.float() for s in from_sums(mean, var, lengths, total))
    assert ex.check_valid_stats(float32).correct is True
    arrays = ex.check_valid_stats(lambda *args: tuple(s.numpy() for s in from_sums(*args)))
    assert arrays.correct is False and "ndarray" in repr(arrays) and "a tensor" in repr(arrays)
    mean_alone = ex.check_valid_stats(lambda *args: from_sums(*args)[0])
    assert mean_alone.correct is False and "a list (or tuple)" in repr(mean_alone)

    def stub(mean, var, lengths, total): ...

    assert ex.check_valid_stats(stub).correct is None and ex.check_valid_stats(...).correct is None


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
    assert ex.check_quiet_input(int(right), base, clip).correct is False  # 1 is not True
    import numpy as np

    assert ex.check_quiet_input(np.bool_(right), base, clip).correct is True
    assert ex.check_quiet_input(torch.tensor(right), base, clip).correct is True
    assert ex.check_quiet_input(..., base, clip).correct is None


# --- notebook 9: the same extractor in Hugging Face transformers ---


@pytest.mark.slow
def test_torchaudio_args_checker_runs_the_mirror_against_hf():
    """Right: read the state dict as torchaudio's own converter (import_huggingface) would build it:
    conv weights [out, in, kernel], a bias key when conv_bias, a norm in every layer for "layer"."""

    def layers(state_dict):
        return sorted({int(k.split(".")[1]) for k in state_dict})

    def right(state_dict, conv_stride, norm_layer=1, in_channels=False, bias_key="conv_layers.0.conv.bias"):
        shapes = []
        for i, stride in zip(layers(state_dict), conv_stride, strict=True):
            out, inp, kernel = state_dict[f"conv_layers.{i}.conv.weight"].shape
            shapes.append((inp if in_channels else out, kernel, stride))
        layer_norm = any(k.startswith(f"conv_layers.{norm_layer}.layer_norm") for k in state_dict)
        return ("layer_norm" if layer_norm else "group_norm"), shapes, bias_key in state_dict

    def stub(state_dict, conv_stride): ...

    from w2v2_walkthrough import DEFAULT_SHAPES

    assert ex.check_torchaudio_args(right).correct is True
    wrong = {
        "norm read from layer 0": lambda sd, strides: right(sd, strides, norm_layer=0),  # every model has one
        "in channels for out": lambda sd, strides: right(sd, strides, in_channels=True),
        "bias of the norm": lambda sd, strides: right(sd, strides, bias_key="conv_layers.0.layer_norm.bias"),
        "Base, hard-coded": lambda sd, strides: ("group_norm", list(DEFAULT_SHAPES), False),
    }
    for name, function in wrong.items():
        verdict = ex.check_torchaudio_args(function)
        assert verdict.correct is False and "Hint:" in repr(verdict), name

    def bias_count(sd, strides):  # 7 or 0 biases: a number, not True or False
        norm, shapes, _ = right(sd, strides)
        return norm, shapes, sum(k.endswith("conv.bias") for k in sd)

    assert "Fails: bias is True or False" in repr(ex.check_torchaudio_args(bias_count))

    def pops(sd, strides):  # takes the weights out of its input: later checks must still have them
        answer = right(sd, strides)
        sd.pop("conv_layers.0.conv.weight")
        return answer

    assert ex.check_torchaudio_args(pops).correct is True and ex.check_torchaudio_args(right).correct is True
    assert ex.check_torchaudio_args(stub).correct is None and ex.check_torchaudio_args(...).correct is None


def test_every_checkpoint_tells_its_norm_apart():
    """A one-layer stack's GroupNorm(C, C) and LayerNorm(C) have the same names and shapes: no state
    dict could tell them apart, so every config of the exercise has two layers or more, and in each
    the two norm modes leave different keys."""
    from w2v2_walkthrough import get_feature_extractor
    from w2v2_walkthrough.exercises import nb09

    for config in nb09.CONFIGS:
        shapes = list(zip(*config[1:4], strict=True))
        group, layer = (
            set(get_feature_extractor(m, shapes, config[4]).state_dict()) for m in ("group_norm", "layer_norm")
        )
        assert len(shapes) >= 2 and group != layer, config


def test_hf_short_lengths_prediction_checker():
    # By hand, layer by layer with floor((L - k) / s) + 1 and no clamp: 0 samples -> (0 - 10) // 5 + 1
    # = -1, and every later layer maps -1 to -1 ((-1 - 3) // 2 + 1 = (-1 - 2) // 2 + 1 = -1);
    # 100 -> 19, 9, 4, 1, 0, 0, 0; 399 -> 78, 38, 18, 8, 3, 1, 0.
    assert ex.check_hf_short_lengths([-1, 0, 0]).correct is True
    assert ex.check_hf_short_lengths((-1, 0, 0)).correct is True
    for wrong in ([0, 0, 0], [-1, -1, -1], [-1, 0, 1], [-2, 0, 0], -1, [-1, False, 0]):  # ..., a bool for 0
        assert ex.check_hf_short_lengths(wrong).correct is False
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

    def loop(num_samples, chunk_length_s, stride_length_s, to_hops=round, strides=2, more=lambda end, n: end < n):
        chunk = to_hops(chunk_length_s * 50) * 320
        stride = to_hops(stride_length_s * 50) * 320
        if chunk <= strides * stride:
            raise ValueError("the chunks do not advance")  # ties rounded up: 0.5 s chunks, 0.25 s strides
        starts = [0]
        while more(starts[-1] + chunk, num_samples):
            starts.append(starts[-1] + chunk - strides * stride)
        return starts

    def stub(num_samples, chunk_length_s, stride_length_s): ...

    assert ex.check_chunk_starts(right).correct is True
    assert ex.check_chunk_starts(loop).correct is True
    wrong = {
        "no rounding to the hop": unaligned,
        "truncation": lambda *args: loop(*args, to_hops=int),
        "ties rounded up": lambda *args: loop(*args, to_hops=lambda x: int(x + 0.5)),
        "one stride": lambda *args: loop(*args, strides=1),
        "one chunk too many": lambda *args: loop(*args, more=lambda end, n: end <= n),
        "every start before the end": lambda n, c, s: list(
            range(0, n, loop(n, c, s)[1] if len(loop(n, c, s)) > 1 else n)
        ),
    }
    for name, function in wrong.items():
        verdict = ex.check_chunk_starts(function)
        assert verdict.correct is False and "Hint:" in repr(verdict), name

    def half_up(*args):  # ties up, and no chunk when they leave none: the message points at rounding
        try:
            return loop(*args, to_hops=lambda x: math.floor(x + 0.5))
        except ValueError:
            return []

    assert "Python's round" in repr(ex.check_chunk_starts(half_up))
    assert ex.check_chunk_starts(stub).correct is None


def test_short_clip_mask_prediction_checker():
    # HF's unclamped count for 300 samples is 0; the mask sets index 0 - 1 = -1 (the last of 49
    # frames) and fills leftwards: all 49 marked valid.
    assert ex.check_short_clip_mask(49).correct is True
    for wrong in (0, 1, 48, "49"):  # the count, off by one, all but the last, a string
        assert ex.check_short_clip_mask(wrong).correct is False
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
    import w2v2_walkthrough as w2v

    def by_the_package(budget):  # "not the package": its functions count the positions
        fits = lambda f: w2v.arithmetic.conv_output_length(w2v.arithmetic.min_samples_for_frames(f), 10, 5) * 2048
        return max((f for f in range(1, 10_000) if fits(f) <= budget), default=0)

    assert "uses arithmetic, conv_output_length" in repr(ex.check_max_chunk_frames(by_the_package))
    assert ex.check_max_chunk_frames(stub).correct is None and ex.check_max_chunk_frames(...).correct is None


def test_cli_frames_checker_rejects_the_44k_count():
    assert ex.check_cli_frames((110_250 - 400) // 320 + 1).correct is False  # 44.1 kHz samples read as 16 kHz
    assert ex.check_cli_frames(125).correct is False  # 2.5 s * 50 frames per second
    assert ex.check_cli_frames(123).correct is False  # off by one: no + 1
    assert ex.check_cli_frames(2 * 124).correct is False  # both channels' samples one after the other


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
    import torch

    def float32(lengths, means, variances, padded_length):  # the right formula in float32 torch
        n, m, v = (torch.tensor(x, dtype=torch.float32) for x in (lengths, means, variances))
        total = len(lengths) * padded_length
        mean = (n * m).sum() / total
        return mean, (n * (v + m * m)).sum() / total - mean * mean

    assert ex.check_batch_statistics(float32).correct is True
    close = ex.check_batch_statistics(lambda *args: tuple(x * (1 + 1e-5) for x in right(*args)))
    assert close.correct is False and "float32" in repr(close)
    assert "Fails: the variance is right" in repr(ex.check_batch_statistics(no_spread))
    from w2v2_walkthrough import input_norm

    calls = ex.check_batch_statistics(lambda *args: input_norm.batch_statistics(*args))
    assert calls.correct is False and "uses batch_statistics" in repr(calls)

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
