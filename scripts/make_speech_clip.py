"""Regenerate w2v2_walkthrough/data/speech.wav (needs Debian's espeak-ng; not needed to use the series).

espeak-ng writes 22050 Hz WAV only, so the clip is resampled to 16 kHz by the package's own
loader (``load_audio``: soxr, quality "HQ"), peak-normalized to 0.9 and saved as 16-bit PCM mono.

    python scripts/make_speech_clip.py
"""

import subprocess
import tempfile
from pathlib import Path

from w2v2_walkthrough.audio import SPEECH_CLIP_TEXT, load_audio, save_audio, speech_clip_path

VOICE, SPEED_WPM, PITCH = "en-us", 150, 50


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "espeak.wav"
        subprocess.run(
            ["espeak-ng", "-v", VOICE, "-s", str(SPEED_WPM), "-p", str(PITCH), "-w", str(raw), SPEECH_CLIP_TEXT],
            check=True,
        )
        waveform, rate = load_audio(raw)  # resamples 22050 -> 16000
    waveform = 0.9 * waveform / waveform.abs().max()
    save_audio(speech_clip_path(), waveform, rate)
    print(f"wrote {speech_clip_path()}: {waveform.numel()} samples at {rate} Hz ({waveform.numel() / rate:.2f} s)")


if __name__ == "__main__":
    main()
