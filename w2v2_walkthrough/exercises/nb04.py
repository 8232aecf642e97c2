"""Exercises of notebook 4, Receptive field."""

from .. import arithmetic as ar
from ..i18n import translate as _
from ..presets import DEFAULT_SHAPES
from ._core import NOT_ANSWERED, Property, Verdict, brief, check_function, check_value, fits_kind, is_unanswered, wrong
from .nb03 import CONFIGS

WIDER_FIRST_LAYER = [(512, 20, 10), *DEFAULT_SHAPES[1:]]

#: What :func:`check_stack_with_10ms_hop` asks for, in samples at 16 kHz.
TARGET_HOP, TARGET_RECEPTIVE_FIELD = 160, 400

#: The package's functions that would answer the code exercise for the student.
PACKAGE_GEOMETRY = (
    "frames_containing",
    "frame_span",
    "frame_start",
    "num_frames",
    "layer_output_lengths",
    "receptive_field",
    "receptive_field_table",
    "hop_length",
    "conv_output_length",
    "min_samples_for_frames",
)


def _reading_cases():
    """(sample, num_samples, shapes): clips of one frame, of a few frames and a sample more, and of
    some more; samples at both ends of the first frames, in the middle, and at the clip's end."""
    for shapes in CONFIGS:
        hop, rf = ar.hop_length(shapes), ar.receptive_field(shapes)
        for num_samples in (rf, ar.min_samples_for_frames(4, shapes) + 1, 2 * ar.min_samples_for_frames(8, shapes) - 1):
            for t in sorted({0, hop - 1, hop, rf - 1, rf, num_samples // 2, num_samples - 1}):
                if 0 <= t < num_samples:
                    yield t, num_samples, shapes


def _frame_count(args) -> int:
    return ar.num_frames(args[1], args[2])


#: What every right ``frames_reading`` returns, whatever the stack.
READING_PROPERTIES = (
    Property("no frame listed twice", lambda args, got: len(set(got)) == len(list(got))),
    Property("every frame is one the clip has", lambda args, got: all(0 <= i < _frame_count(args) for i in got)),
    Property(
        "the frames are consecutive",
        lambda args, got: sorted(got) == list(range(min(got), max(got) + 1)) if got else True,
    ),
)


def check_frames_reading(function) -> Verdict:
    """``frames_reading(t, num_samples, shapes)``: the frames of a ``num_samples`` clip, through
    any stack of unpadded convs, whose span holds sample ``t``."""
    return check_function(
        function,
        _reading_cases(),
        lambda t, n, shapes: ar.frames_containing(t, n, shapes),
        "three numbers of the stack decide it: how far apart two frames start, how many samples one "
        "reads, and how many frames the clip has.",
        same=lambda got, expected: sorted(got) == expected,
        properties=READING_PROPERTIES,
        forbidden=PACKAGE_GEOMETRY,
    )


def check_stack_with_10ms_hop(answer) -> Verdict:
    """A conv stack ``[(channels, kernel, stride), ...]`` with a 10 ms hop and a 25 ms receptive
    field at 16 kHz, where every kernel is at least as wide as its stride (no sample skipped)."""
    if is_unanswered(answer):
        return Verdict(None, _(NOT_ANSWERED))
    ok_shape = (
        isinstance(answer, (list, tuple))
        and bool(answer)
        and all(fits_kind(layer, (1, 1, 1)) and len(layer) == 3 and min(layer) >= 1 for layer in answer)
    )  # whole numbers, not 400.7, '400' or True; a list of layers in order, not a set
    if not ok_shape:
        detail = _("{value} is not a list of (channels, kernel, stride) of whole numbers >= 1.")
        return wrong(detail.format(value=brief(answer)))
    layers = [tuple(int(v) for v in layer) for layer in answer]
    hop, rf = ar.hop_length(layers), ar.receptive_field(layers)
    gaps = [i for i, (_, k, s) in enumerate(layers) if k < s]
    if hop == TARGET_HOP and rf == TARGET_RECEPTIVE_FIELD and not gaps:
        right = _("Right! Hop {hop} samples (10 ms), receptive field {rf} samples (25 ms).")
        return Verdict(True, right.format(hop=hop, rf=rf))
    if gaps:
        detail = _(
            "your stack has a hop of {hop} and a receptive field of {rf} samples; layers {gaps} have a "
            "kernel narrower than their stride, so they skip samples."
        )
    else:
        detail = _("your stack has a hop of {hop} and a receptive field of {rf} samples.")
    return wrong(
        detail.format(hop=hop, rf=rf, gaps=gaps),
        "which layers set the hop, and where does a wider kernel add the most receptive field?",
    )


def check_receptive_field_wider_first_layer(prediction) -> Verdict:
    """Receptive field (samples) if layer 0 were (512, 20, 10)?"""
    return check_value(
        prediction,
        ar.receptive_field(WIDER_FIRST_LAYER),
        "the table of this notebook's first section, for this stack: which jumps change?",
    )
