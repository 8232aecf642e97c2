"""Checkers for the notebooks' exercises, one module per notebook (``nb01`` ... ).

Each ``check_...(answer)`` returns a :class:`Verdict` that Jupyter shows as "Right!", "Not quite"
with a hint, or "Not answered yet". Every checker is also available here, as
``w2v.exercises.check_...``: imported by name below (a new checker adds its line), so a reader
and a linter see where each comes from, and two checkers of one name would be a visible clash.
"""

from ._core import Property, Verdict, check_function, check_value, close_to, is_stub, is_unanswered
from .nb01 import check_frames_for, check_tail_prediction
from .nb02 import check_loading_keys, check_param_count
from .nb03 import check_frames_changed_by_edit, check_rate_range
from .nb04 import check_frames_reading, check_receptive_field_wider_first_layer, check_stack_with_10ms_hop
from .nb05 import check_batch_neighbour, check_quiet_input, check_valid_stats
from .nb06 import check_batch_statistics, check_unchanged_batches
from .nb07 import check_alias, check_click_frames
from .nb08 import check_cli_frames, check_max_chunk_frames
from .nb09 import check_hf_short_lengths, check_torchaudio_args
from .nb10 import check_chunk_starts, check_short_clip_mask

__all__ = [
    "Property",
    "Verdict",
    "check_alias",
    "check_batch_neighbour",
    "check_batch_statistics",
    "check_chunk_starts",
    "check_cli_frames",
    "check_click_frames",
    "check_frames_changed_by_edit",
    "check_frames_for",
    "check_frames_reading",
    "check_function",
    "check_hf_short_lengths",
    "check_loading_keys",
    "check_max_chunk_frames",
    "check_param_count",
    "check_quiet_input",
    "check_rate_range",
    "check_receptive_field_wider_first_layer",
    "check_short_clip_mask",
    "check_stack_with_10ms_hop",
    "check_tail_prediction",
    "check_torchaudio_args",
    "check_unchanged_batches",
    "check_valid_stats",
    "check_value",
    "close_to",
    "is_stub",
    "is_unanswered",
]
