"""The checkers accept right answers (derived independently here), reject wrong ones, and do not
crash on an unanswered exercise."""

import pytest

from w2v2_walkthrough import exercises as ex

RIGHT = [
    (ex.check_frames_for_two_seconds, (32000 - 400) // 320 + 1),
    (ex.check_batch_feature_shape, (3, 49, 512)),
    (ex.check_parameter_count, 512 * 10 + 2 * 512 + 4 * 512 * 512 * 3 + 2 * 512 * 512 * 2),
    (ex.check_normalized_blocks, [0]),
    (ex.check_samples_for_ten_frames, 400 + 9 * 320),
    (ex.check_centre_of_frame_ten_ms, (3200 + 199.5) / 16),
    (ex.check_receptive_field_wider_first_layer, 20 + 2 * (10 + 20 + 40 + 80) + 160 + 320),
    (ex.check_hop_ms_at_8khz, 40),
    (ex.check_group_norm_axis, "time"),
    (ex.check_layer_norm_without_bias, ["hubert_large", "hubert_xlarge", "wavlm_large"]),
    (ex.check_layer_two_receptive_field_ms, 2.5),
    (ex.check_chunk_overlap, 80),
    (ex.check_layer0_gigabytes_ten_minutes, ((9_600_000 - 10) // 5 + 1) * 512 * 4 / 1e9),
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


def test_layer_output_frames_checker():
    assert ex.check_layer_output_frames(((8000 - 10) // 5 + 1 - 3) // 2 + 1, 8000, layer=1).correct is True
    assert ex.check_layer_output_frames(5, 8000, layer=1).correct is False


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
