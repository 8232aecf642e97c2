"""Regenerate w2v2_walkthrough/data/speech.wav (needs Debian's espeak-ng; not needed to use the series).

espeak-ng writes 22050 Hz WAV only, so the clip is resampled to 16 kHz by the package's own
loader (``load_audio``: soxr, quality "HQ"), peak-normalized to 0.9 and rounded to 16-bit PCM.
Synthetic speech is digital silence between words (21 % of the dry clip's samples are exactly 0), which
no microphone records, so a noise floor is added on the 16-bit grid: white Gaussian noise at
NOISE_FLOOR_DBFS (RMS re full scale, seeded), the level of a quiet room recorded close up.

    python scripts/make_speech_clip.py               # espeak-ng, then the noise floor
    python scripts/make_speech_clip.py --from-dry D  # the noise floor on a saved dry clip D
"""

import argparse
import subprocess
import tempfile
from pathlib import Path

import torch

from w2v2_walkthrough.audio import SPEECH_CLIP_TEXT, load_audio, save_audio, speech_clip_path

VOICE, SPEED_WPM, PITCH = "en-us", 150, 50
NOISE_FLOOR_DBFS, NOISE_SEED = -60.0, 0


def synthesize_dry(path: Path) -> None:
    """espeak-ng speech at 16 kHz, peak 0.9, saved as 16-bit PCM (the clip before its noise floor)."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "espeak.wav"
        subprocess.run(
            ["espeak-ng", "-v", VOICE, "-s", str(SPEED_WPM), "-p", str(PITCH), "-w", str(raw), SPEECH_CLIP_TEXT],
            check=True,
        )
        waveform, rate = load_audio(raw)  # resamples 22050 -> 16000
    save_audio(path, 0.9 * waveform / waveform.abs().max(), rate)


def with_noise_floor(dry: torch.Tensor) -> torch.Tensor:
    """``dry`` [time] plus seeded white Gaussian noise whose RMS is NOISE_FLOOR_DBFS re full scale."""
    generator = torch.Generator().manual_seed(NOISE_SEED)
    rms = 10 ** (NOISE_FLOOR_DBFS / 20)
    return dry + rms * torch.randn(dry.shape, generator=generator)  # (T,)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from-dry", type=Path, help="a dry 16-bit clip saved by an earlier run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        dry_path = args.from_dry or Path(tmp) / "dry.wav"
        if args.from_dry is None:
            synthesize_dry(dry_path)
        dry, rate = load_audio(dry_path)  # on the 16-bit grid, as saved
    waveform = with_noise_floor(dry)
    save_audio(speech_clip_path(), waveform, rate)
    zeros = (dry == 0).float().mean().item()
    print(
        f"wrote {speech_clip_path()}: {waveform.numel()} samples at {rate} Hz ({waveform.numel() / rate:.2f} s); "
        f"dry clip {zeros:.0%} exact zeros; noise floor {NOISE_FLOOR_DBFS:.0f} dBFS RMS"
    )


if __name__ == "__main__":
    main()
