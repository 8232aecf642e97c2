"""Exercises of notebook 8, An hour of audio, exactly."""

from .. import arithmetic as ar
from ..audio import resampled_length
from ._core import Property, Verdict, check_function, check_value

#: Memory budgets (bytes) the student's ``max_chunk_frames`` is run on: none, below one frame, one
#: frame exactly and one byte either side, two frames exactly and one byte less, about a second
#: and a 2 s chunk's worth, and large.
BUDGETS = (
    0,
    100_000,
    161_791,
    161_792,
    161_793,
    292_863,
    292_864,
    1_000_000,
    6_553_600,
    13_107_200,
    13_137_920,
    100_000_000,
    10**9,
)


#: The file of the prediction exercise: 2.5 s of stereo audio at 44.1 kHz.
CLI_FILE_RATE, CLI_FILE_SECONDS = 44_100, 2.5


def chunk_layer0_bytes(frames: int) -> int:
    """Bytes of layer 0's output for one chunk of ``frames`` frames, from the package's plan."""
    from ..chunked import peak_layer0_bytes, plan_chunks

    first = next(plan_chunks(ar.min_samples_for_frames(frames), frames))
    return peak_layer0_bytes(first.stop - first.start)


def max_chunk_frames(budget_bytes: int) -> int:
    """The most frames a chunk may hold with layer 0's output within ``budget_bytes`` (0 if none)."""
    fits = lambda frames: chunk_layer0_bytes(frames) <= budget_bytes
    low, high = 0, 1  # fits(low) (or low == 0); find a high that does not fit, then bisect
    while fits(high):
        low, high = high, 2 * high
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if fits(middle) else (low, middle)
    return low


#: What every right ``max_chunk_frames`` does, whatever the budget.
CHUNK_PROPERTIES = (
    Property("a frame count is never negative", lambda args, got: got >= 0),
    Property(
        "the chunk's layer-0 output fits the budget",
        lambda args, got: got < 1 or chunk_layer0_bytes(int(got)) <= args[0],
    ),
    Property("one frame more would not fit", lambda args, got: chunk_layer0_bytes(int(got) + 1) > args[0]),
)


def check_max_chunk_frames(function) -> Verdict:
    """``max_chunk_frames(budget_bytes)``: the largest chunk, in frames, whose layer-0 output fits."""
    return check_function(
        function,
        [(budget,) for budget in BUDGETS],
        max_chunk_frames,
        "how many samples does a chunk of f frames read (its windows overlap), and how many bytes "
        "does layer 0 make of them? And what if even one frame does not fit?",
        properties=CHUNK_PROPERTIES,
        forbidden=(
            "plan_chunks",
            "peak_layer0_bytes",
            "chunk_layer0_bytes",
            "arithmetic",
            "conv_output_length",
            "min_samples_for_frames",
            "num_frames",
            "layer_output_lengths",
        ),
    )


def cli_frames() -> int:
    """Frames the command line writes for the prediction exercise's file."""
    samples = resampled_length(round(CLI_FILE_SECONDS * CLI_FILE_RATE), CLI_FILE_RATE)
    return ar.num_frames(samples)


def check_cli_frames(prediction) -> Verdict:
    """How many frames does the command line write for 2.5 s of 44.1 kHz stereo audio?"""
    return check_value(
        prediction,
        cli_frames(),
        "what does the command line do to the file before the extractor sees a sample, and how many "
        "samples does the extractor get?",
    )
