"""Input checks with errors that say what went wrong and how to fix it.

The mirrored modules stay identical to torchaudio's, so they do not call these; the package's
front doors (:func:`~w2v2_walkthrough.extract_features`, tracing, chunked extraction, the CLI) do.
"""

from collections.abc import Sequence

import torch
from torch import Tensor

from .arithmetic import min_samples_for_frames, receptive_field
from .presets import SAMPLE_RATE, ConvSpec


def check_sample_rate(sample_rate: int, expected: int = SAMPLE_RATE) -> None:
    """wav2vec2 models were trained on 16 kHz audio; anything else must be resampled first."""
    if sample_rate != expected:
        raise ValueError(
            f"Audio is at {sample_rate} Hz but the extractor expects {expected} Hz. Load the file with "
            f"w2v2_walkthrough.load_audio(path), which resamples it with soxr, or resample a tensor with "
            f"w2v2_walkthrough.audio.resample(waveform, {sample_rate}, {expected})."
        )


def check_length(
    num_samples: int,
    sample_rate: int = SAMPLE_RATE,
    shapes: Sequence[ConvSpec] | None = None,
    what: str = "The waveform",
    fix: str | None = None,
) -> None:
    """Refuse a signal shorter than the receptive field: it gives zero frames. ``what`` names the
    signal and ``fix`` replaces the Python fix (the command line names a file and its own fix)."""
    rf = receptive_field(shapes)
    if num_samples < rf:
        fix = fix or (
            f"Pad it to at least {min_samples_for_frames(1, shapes)} samples "
            f"(torch.nn.functional.pad(waveform, (0, {rf} - waveform.shape[-1]))) or use a longer clip."
        )
        raise ValueError(
            f"{what} has {num_samples} samples ({1000 * num_samples / sample_rate:g} ms at {sample_rate} Hz), "
            f"fewer than the receptive field of {rf} samples ({1000 * rf / sample_rate:g} ms): it gives zero "
            f"frames, and the first conv would fail. {fix}"
        )


def check_not_time_by_channels(shape: Sequence[int], shapes: Sequence[ConvSpec] | None = None) -> None:
    """Refuse a 2-D ``(time, channels)`` array (soundfile's layout), which would otherwise be read
    as a batch of ``time`` waveforms of ``channels`` samples each."""
    batch, time = shape
    if time < receptive_field(shapes) <= batch:
        fix = (
            "take the one channel with waveform[:, 0]"
            if time == 1
            else "mix down with waveform.mean(dim=1) or keep one channel with waveform[:, 0]"
        )
        raise ValueError(
            f"Got shape {list(shape)}, which looks like (time, channels) audio, soundfile's layout: "
            f"{batch} samples of {time} channel{'s' if time > 1 else ''}. As (batch, time) it would be "
            f"{batch} waveforms of {time} sample{'s' if time > 1 else ''} each. The extractor takes mono "
            f"(time,) or (batch, time) audio: {fix}, or load the file with "
            f"w2v2_walkthrough.load_audio(path, multichannel='mean')."
        )


def check_waveform(
    waveform,
    sample_rate: int = SAMPLE_RATE,
    shapes: Sequence[ConvSpec] | None = None,
) -> Tensor:
    """Validate mono audio for the extractor and return it as a float32 ``[batch, time]`` tensor.

    Accepts ``[time]`` (one clip) or ``[batch, time]``. Raises ``ValueError`` naming the fix for:
    a non-tensor, an integer dtype, the wrong rank, ``(time, channels)`` audio, the wrong sample
    rate, an empty input, an input shorter than the receptive field, NaN or infinite samples.
    """
    if not isinstance(waveform, Tensor):
        try:
            waveform = torch.as_tensor(waveform)
        except Exception:
            raise TypeError(
                f"Expected the waveform as a torch.Tensor or numpy array, got {type(waveform).__name__}."
            ) from None
    if not waveform.is_floating_point():
        raise ValueError(
            f"Expected floating-point samples in [-1, 1], got dtype {waveform.dtype}. "
            f"For 16-bit PCM use waveform.float() / 32768, or load the file with w2v2_walkthrough.load_audio(path)."
        )
    check_sample_rate(sample_rate)
    if waveform.ndim == 1:
        waveform = waveform.unsqueeze(0)
    elif waveform.ndim == 2:
        check_not_time_by_channels(waveform.shape, shapes)
    else:
        raise ValueError(
            f"Expected mono audio of shape (time,) or (batch, time), got {waveform.ndim}-D shape "
            f"{list(waveform.shape)}. For (batch, channels, time) audio mix down with waveform.mean(dim=1); "
            f"for a single (1, 1, time) clip use waveform.reshape(1, -1)."
        )
    if waveform.shape[-1] == 0 or waveform.shape[0] == 0:
        raise ValueError(f"The waveform is empty (shape {list(waveform.shape)}): there is no audio to extract from.")
    check_length(waveform.shape[-1], sample_rate, shapes)
    bad = ~torch.isfinite(waveform)
    if bad.any():
        n_nan = int(torch.isnan(waveform).sum())
        raise ValueError(
            f"The waveform contains {n_nan} NaN and {int(bad.sum()) - n_nan} infinite samples; every "
            f"frame that sees one would be NaN. Find where they come from (a division by zero in "
            f"normalization?), or replace them with torch.nan_to_num(waveform, nan=0.0, posinf=1.0, neginf=-1.0)."
        )
    return waveform.to(torch.float32)
