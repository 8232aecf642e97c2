"""Audio in and out: file loading with soundfile, streaming reads with resampling, the bundled
speech clip, synthetic signals.

Every function returns mono float32 tensors. Files at other rates are resampled to 16 kHz with
soxr (quality ``"HQ"``), whole (:func:`load_audio`) or while streaming (:class:`FileSource`); the
two give the same samples bit for bit.
"""

import math
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr
import torch
from torch import Tensor

from .presets import SAMPLE_RATE

MULTICHANNEL_POLICIES = ("error", "mean", "first")

#: soxr's quality setting for every resampling in the package (its default, "high quality").
SOXR_QUALITY = "HQ"

#: Input frames a :class:`FileSource` reads from the file at a time.
READ_BLOCK = 1 << 16

#: The bundled clip: espeak-ng speech, made by scripts/make_speech_clip.py (see data/README.md).
SPEECH_CLIP_TEXT = "The quick brown fox jumps over the lazy dog."


def _check_path(path: Path) -> None:
    if not path.exists():
        raise FileNotFoundError(f"Audio file not found: {path}. Check the path (relative to {Path.cwd()}).")
    if path.is_dir():
        raise IsADirectoryError(f"{path} is a folder; pass the path of an audio file inside it.")


def _not_audio(path: Path, err: Exception) -> ValueError:
    return ValueError(
        f"{path} is not an audio file soundfile can read ({err}). Use WAV, FLAC or OGG; convert "
        f"other formats first, e.g. `ffmpeg -i {path.name} -ac 1 -ar 16000 out.wav`."
    )


def open_audio(path: str | Path) -> sf.SoundFile:
    """Open an audio file with soundfile, with clear errors for missing and non-audio files."""
    path = Path(path)
    _check_path(path)
    try:
        return sf.SoundFile(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        raise _not_audio(path, err) from None


def audio_info(path: str | Path):
    """``soundfile.info(path)`` (frames, samplerate, channels, ...: the header only), with the
    errors of :func:`open_audio`."""
    path = Path(path)
    _check_path(path)
    try:
        return sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError, TypeError) as err:
        raise _not_audio(path, err) from None


def check_channels(channels: int, multichannel: str, source: str = "audio") -> None:
    """Validate the multichannel policy, and refuse several channels under ``"error"``."""
    if multichannel not in MULTICHANNEL_POLICIES:
        raise ValueError(f"multichannel must be one of {MULTICHANNEL_POLICIES}, got {multichannel!r}")
    if channels > 1 and multichannel == "error":
        raise ValueError(
            f"{source} has {channels} channels but the extractor needs mono. "
            f"Pass multichannel='mean' to average the channels or multichannel='first' to keep the first."
        )


def to_mono(samples: np.ndarray, multichannel: str, source: str = "audio") -> np.ndarray:
    """Reduce soundfile's ``(frames, channels)`` array to mono with the chosen policy.

    ``"error"`` refuses several channels, ``"mean"`` averages them, ``"first"`` keeps channel 0.
    """
    check_channels(1 if samples.ndim == 1 else samples.shape[1], multichannel, source)
    if samples.ndim == 1:
        return samples
    if samples.shape[1] == 1:
        return samples[:, 0]
    if multichannel == "mean":
        return samples.mean(axis=1)
    return samples[:, 0]


def resampled_length(num_samples: int, orig_rate: int, new_rate: int = SAMPLE_RATE) -> int:
    """Samples soxr makes of ``num_samples`` at ``orig_rate``: ``num_samples * new / orig``,
    rounded half up (exact integer arithmetic)."""
    return (2 * num_samples * new_rate + orig_rate) // (2 * orig_rate)


def resample(waveform: Tensor, orig_rate: int, new_rate: int = SAMPLE_RATE) -> Tensor:
    """Band-limited resampling of a ``[time]`` tensor with soxr (``SOXR_QUALITY``), float32;
    a no-op when the rates match. :class:`FileSource` streams the same computation."""
    if orig_rate == new_rate:
        return waveform
    samples = waveform.detach().cpu().numpy().astype(np.float32)
    return torch.from_numpy(soxr.resample(samples, orig_rate, new_rate, quality=SOXR_QUALITY))


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE, multichannel: str = "error") -> tuple[Tensor, int]:
    """Load a file as a mono float32 tensor of shape ``[time]`` at ``sample_rate``.

    Args:
        path: a WAV/FLAC/OGG file.
        sample_rate: the rate to return (resampled with soxr when the file's rate differs).
        multichannel: ``"error"`` (default), ``"mean"`` or ``"first"``; see :func:`to_mono`.

    Returns:
        (waveform, sample_rate)
    """
    with open_audio(path) as f:
        samples = f.read(dtype="float32", always_2d=True)
        file_rate = f.samplerate
    if samples.shape[0] == 0:
        raise ValueError(f"{path} contains no samples.")
    mono = to_mono(samples, multichannel, source=str(path))
    waveform = torch.from_numpy(np.ascontiguousarray(mono, dtype=np.float32))
    return resample(waveform, file_rate, sample_rate), sample_rate


class Source:
    """What chunked extraction reads from: ``num_samples`` and ``read(start, stop)`` (mono float32
    ``[stop - start]``); a context manager that closes whatever it holds."""

    num_samples: int

    def read(self, start: int, stop: int) -> Tensor:
        raise NotImplementedError

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class FileSource(Source):
    """A file's samples as mono float32 at ``sample_rate``, read front to back block by block
    with soundfile, resampled while streaming (soxr's ``ResampleStream``) when the file's rate
    differs. The file never sits in memory whole.

    ``read(start, stop)`` returns samples ``[start, stop)`` of the mono, resampled signal, bit for
    bit those of :func:`load_audio`. Reads go front to back: a read may overlap the previous one,
    and a read that starts before the previous one's start rewinds the file (a second pass).
    Use it as a context manager (``with FileSource(path) as source: ...``) or call :meth:`close`.

    Attributes:
        num_samples: length of the mono signal at ``sample_rate``.
        file_rate: the file's own sample rate.
    """

    def __init__(self, path: str | Path, multichannel: str = "error", sample_rate: int = SAMPLE_RATE):
        self.path, self.multichannel, self.sample_rate = Path(path), multichannel, sample_rate
        self._file = open_audio(self.path)
        try:
            check_channels(self._file.channels, multichannel, str(self.path))
        except ValueError:
            self._file.close()
            raise
        self.file_rate = self._file.samplerate
        self.num_samples = resampled_length(self._file.frames, self.file_rate, sample_rate)
        self._rewind()

    def _rewind(self) -> None:
        self._file.seek(0)
        self._stream = None
        if self.file_rate != self.sample_rate:
            self._stream = soxr.ResampleStream(self.file_rate, self.sample_rate, 1, "float32", SOXR_QUALITY)
        self._buffer = np.zeros(0, np.float32)  # samples [self._offset, self._offset + len)
        self._offset, self._at_end = 0, False

    def _pull(self) -> None:
        """Read one block of the file, mix it down, resample it and append it to the buffer."""
        block = self._file.read(READ_BLOCK, dtype="float32", always_2d=True)  # (frames, channels)
        self._at_end = len(block) < READ_BLOCK or self._file.tell() >= self._file.frames
        mono = np.ascontiguousarray(to_mono(block, self.multichannel, str(self.path)))  # (frames,)
        if self._stream is not None:
            mono = self._stream.resample_chunk(mono, last=self._at_end)
        self._buffer = np.concatenate([self._buffer, mono])

    def read(self, start: int, stop: int) -> Tensor:
        """Samples ``[start, stop)`` as a float32 tensor ``[stop - start]``."""
        if not 0 <= start <= stop <= self.num_samples:
            raise ValueError(f"read({start}, {stop}) outside the {self.num_samples} samples of {self.path}")
        if start < self._offset:
            self._rewind()
        while self._offset + len(self._buffer) < stop and not self._at_end:
            self._pull()
        self._buffer, self._offset = self._buffer[start - self._offset :], start  # later reads start here or later
        samples = self._buffer[: stop - start]
        if len(samples) != stop - start:
            raise RuntimeError(
                f"{self.path} ended after {self._offset + len(self._buffer)} of its {self.num_samples} samples "
                f"(its header promises more than it holds); re-encode it, e.g. with `sox` or `ffmpeg`."
            )
        if not np.isfinite(samples).all():
            raise ValueError(f"{self.path} contains NaN or infinite samples between samples {start} and {stop}.")
        return torch.from_numpy(samples.copy())

    def close(self) -> None:
        self._file.close()


def save_audio(path: str | Path, waveform: Tensor, sample_rate: int = SAMPLE_RATE) -> None:
    """Write a mono ``[time]`` tensor as 16-bit PCM WAV."""
    sf.write(str(path), waveform.detach().cpu().numpy().astype(np.float32), sample_rate, subtype="PCM_16")


def speech_clip_path() -> Path:
    """Path of the bundled speech clip (16 kHz mono WAV, CC0)."""
    return Path(str(resources.files("w2v2_walkthrough") / "data" / "speech.wav"))


#: How a recording given as a notebook's ``AUDIO`` becomes mono: the command line's
#: ``--multichannel mean`` (several channels are averaged).
CLIP_MULTICHANNEL = "mean"
#: The shortest recording the series runs on: notebook 5 reads the speech from 1.75 s to 2 s.
MIN_CLIP_SAMPLES = 2 * SAMPLE_RATE


def load_speech_clip(audio: str | Path | None = None) -> tuple[Tensor, int]:
    """The series' clip, ``(waveform [time], 16000)``: the bundled one (``audio=None``), or the
    recording at ``audio`` (a notebook's ``AUDIO`` parameter), loaded as the command line loads it:
    :func:`load_audio`, resampled to 16 kHz, several channels averaged (``--multichannel mean``)."""
    return load_audio(speech_clip_path() if audio is None else audio, multichannel=CLIP_MULTICHANNEL)


def clip_banner(audio: str | Path | None = None) -> str:
    """What a notebook prints under its weights banner: the clip it runs on."""
    if audio is None:
        return (
            f"Clip: the bundled speech clip ({speech_clip_path().name}, espeak-ng, 16 kHz mono). "
            "Run with AUDIO set to a recording to see the series on yours."
        )
    info = audio_info(audio)
    channels = "mono" if info.channels == 1 else f"{info.channels} channels averaged"
    seconds = resampled_length(info.frames, info.samplerate) / SAMPLE_RATE
    return (
        f"Clip: {Path(audio).name} ({info.samplerate} Hz, {channels}), {seconds:.2f} s at 16 kHz.\n"
        "Every statement that depends on the clip is printed from it."
    )


# --- synthetic signals -------------------------------------------------------------------------


def _n(duration_s: float, sample_rate: int) -> int:
    return round(duration_s * sample_rate)


def impulse(num_samples: int, position: int | None = None) -> Tensor:
    """A single unit sample at ``position`` (default: the middle), zeros elsewhere."""
    x = torch.zeros(num_samples)
    x[num_samples // 2 if position is None else position] = 1.0
    return x


def tone(freq_hz: float, duration_s: float, sample_rate: int = SAMPLE_RATE, amplitude: float = 0.5) -> Tensor:
    """A sine at ``freq_hz``."""
    t = torch.arange(_n(duration_s, sample_rate), dtype=torch.float64) / sample_rate
    return (amplitude * torch.sin(2 * math.pi * freq_hz * t)).float()


def chirp(
    f0_hz: float, f1_hz: float, duration_s: float, sample_rate: int = SAMPLE_RATE, amplitude: float = 0.5
) -> Tensor:
    """A linear sweep from ``f0_hz`` to ``f1_hz``."""
    t = torch.arange(_n(duration_s, sample_rate), dtype=torch.float64) / sample_rate
    phase = 2 * math.pi * (f0_hz * t + (f1_hz - f0_hz) * t**2 / (2 * duration_s))
    return (amplitude * torch.sin(phase)).float()


def vowel(
    f0_hz: float = 120.0,
    formants_hz: Sequence[float] = (730.0, 1090.0, 2440.0),  # roughly /a/ of an adult male voice
    duration_s: float = 0.5,
    sample_rate: int = SAMPLE_RATE,
    bandwidth_hz: float = 90.0,
    amplitude: float = 0.5,
) -> Tensor:
    """A simple synthetic vowel: harmonics of ``f0_hz`` weighted by resonance peaks at the formants.

    Additive source-filter model: harmonic ``h * f0`` gets the amplitude of a sum of Lorentzian
    resonances centred on ``formants_hz`` (with a -6 dB/octave source tilt).
    """
    t = torch.arange(_n(duration_s, sample_rate), dtype=torch.float64) / sample_rate
    x = torch.zeros_like(t)
    for h in range(1, int((sample_rate / 2) // f0_hz)):
        f = h * f0_hz
        gain = sum(1.0 / (1.0 + ((f - fc) / bandwidth_hz) ** 2) for fc in formants_hz) / h
        x += gain * torch.sin(2 * math.pi * f * t)
    return (amplitude * x / x.abs().max()).float()
