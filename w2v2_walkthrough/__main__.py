"""Command line: ``python -m w2v2_walkthrough extract IN.wav OUT.npy --preset NAME --weights WEIGHTS``.

Writes ``OUT.npy`` (float32 ``[frames, 512]``, written chunk by chunk as the audio streams, so
memory stays bounded) and then ``OUT.times.npy`` (float64 ``[frames, 2]``, computed from the frame
count once the features are done: each frame's start, the instant of its first sample, and its
centre, the mean of its samples' instants, in seconds; sample ``t`` is the instant ``t / 16000``
s). Neither file appears under its final name until it is complete. Audio at any sample rate is
resampled to 16 kHz while streaming (soxr, bit for bit as ``w2v2_walkthrough.load_audio``
resamples); the file must hold at least 400 samples (25 ms) after resampling.
"""

import argparse
import os
import re
import sys
from pathlib import Path

import numpy as np

from . import arithmetic as ar
from .audio import audio_info, check_channels, resampled_length
from .chunked import DEFAULT_CHUNK_SECONDS, extract_chunked
from .components import conv_config
from .npy import NpyWriter
from .presets import PRESETS, SAMPLE_RATE

#: The Python API's spelling of an option, and the command line's: errors raised by the package
#: name the Python keyword; the command line reports them in its own syntax.
CLI_SPELLING = [
    (re.compile(r"\bmultichannel='(\w+)'"), r"--multichannel \1"),
    (re.compile(r"\bweights='(\w+)'"), r"--weights \1"),
    (re.compile(r"\bchunk_seconds=(\S+)"), r"--chunk-seconds \1"),
    (re.compile(r"\bpreset='(\w+)'"), r"--preset \1"),
]

RANDOM_WARNING = (
    "WARNING: --weights random: {source}.\n"
    "  These are the features of an UNTRAINED network: fine for testing a pipeline, meaningless\n"
    "  as speech features. For real features pass a torchaudio bundle name (e.g. --weights\n"
    "  WAV2VEC2_BASE) or the path of a checkpoint."
)


def in_cli_terms(message: str) -> str:
    """Rewrite the Python keywords in an error message as the command line's flags."""
    for pattern, flag in CLI_SPELLING:
        message = pattern.sub(flag, message)
    return message


def times_path(out: Path) -> Path:
    """``feats.npy`` -> ``feats.times.npy`` (the output name always ends in .npy)."""
    return out.with_name(out.name[: -len(".npy")] + ".times.npy")


def frame_times(n_frames: int, shapes) -> np.ndarray:
    """``[n_frames, 2]`` float64, in seconds: each frame's start (the instant of its first sample,
    sample ``t`` being at ``t / 16000`` s) and centre (the mean of its samples' instants)."""
    starts = np.arange(n_frames, dtype=np.float64) * ar.hop_length(shapes)  # (n,) in samples
    centres = starts + (ar.receptive_field(shapes) - 1) / 2  # (n,) in samples
    return np.stack([starts, centres], axis=1) / SAMPLE_RATE  # (n, 2) in seconds


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial-{os.getpid()}.npy")


def _check_output(out: Path) -> None:
    if not out.name.endswith(".npy"):
        raise ValueError(f"The output must be a .npy file, got {out}.")
    if not out.parent.is_dir():
        raise ValueError(f"The output folder {out.parent} does not exist: create it first.")
    if not os.access(out.parent, os.W_OK):
        raise PermissionError(f"Cannot write to {out.parent}: choose a writable output folder.")


def _describe_input(path: str, info, num_samples: int, multichannel: str) -> str:
    channels = f"{info.channels} channels (--multichannel {multichannel})" if info.channels > 1 else "mono"
    line = f"input: {path}: {info.samplerate} Hz, {channels}, {info.frames / info.samplerate:.2f} s"
    if info.samplerate != SAMPLE_RATE:
        line += f"\n  resampled to {SAMPLE_RATE} Hz while streaming (soxr, HQ): {num_samples} samples"
    return line


def extract_command(args) -> int:
    from .weights import load_extractor

    out = Path(args.output)
    _check_output(out)
    info = audio_info(args.input)  # the header only: frames, rate, channels
    check_channels(info.channels, args.multichannel, args.input)
    num_samples = resampled_length(info.frames, info.samplerate, SAMPLE_RATE)
    loaded = load_extractor(args.preset, args.weights)
    shapes = conv_config(loaded.extractor)
    rf = ar.receptive_field(shapes)
    if num_samples < rf:
        ms = ar.samples_to_ms
        raise ValueError(
            f"{args.input} is too short: {num_samples} samples at {SAMPLE_RATE} Hz ({ms(num_samples):g} ms), "
            f"fewer than the receptive field of {rf} samples ({ms(rf):g} ms), so it gives zero frames. "
            f"Use a file of at least {ms(rf):g} ms."
        )
    weights = f"weights: {loaded.source}" if loaded.pretrained else RANDOM_WARNING.format(source=loaded.source)
    print(weights, file=sys.stderr)
    print(_describe_input(args.input, info, num_samples, args.multichannel), file=sys.stderr)
    n, channels = ar.num_frames(num_samples, shapes), shapes[-1][0]
    feats_tmp, times_tmp = _partial(out), _partial(times_path(out))
    try:
        with NpyWriter(feats_tmp, (n, channels)) as feats:
            extract_chunked(
                loaded.extractor,
                args.input,
                chunk_seconds=args.chunk_seconds,
                out=feats,
                progress=False if args.no_progress else None,
                multichannel=args.multichannel,
            )
        np.save(times_tmp, frame_times(n, shapes))
        os.replace(times_tmp, times_path(out))
        os.replace(feats_tmp, out)
    finally:
        for tmp in (feats_tmp, times_tmp):
            if tmp.exists():
                tmp.unlink()
    print(f"wrote {out} ({n} frames x {channels}, float32) and {times_path(out)}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m w2v2_walkthrough", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser(
        "extract",
        help="features of an audio file at any sample rate, 25 ms to hours long, in bounded memory: the "
        "frames of one full pass (up to float32 rounding)",
    )
    ex.add_argument("input", help="a WAV/FLAC/OGG file, any sample rate (resampled to 16 kHz while streaming)")
    ex.add_argument(
        "output",
        help="where to write the features (.npy); each frame's start and centre (the mean of its samples' "
        "instants), in seconds, go to OUT.times.npy",
    )
    ex.add_argument(
        "--preset", required=True, choices=sorted(PRESETS), metavar="NAME", help=f"one of: {', '.join(PRESETS)}"
    )
    ex.add_argument(
        "--weights",
        required=True,
        metavar="{random,BUNDLE,PATH}",
        help="a torchaudio bundle name such as WAV2VEC2_BASE (downloads on first use), the path of a "
        "checkpoint, or 'random' (seeded random weights, NOT pretrained: for testing a pipeline only)",
    )
    ex.add_argument(
        "--chunk-seconds",
        type=float,
        default=DEFAULT_CHUNK_SECONDS,
        help=f"audio per chunk (default {DEFAULT_CHUNK_SECONDS:g}; memory grows with it)",
    )
    ex.add_argument(
        "--multichannel",
        choices=["error", "mean", "first"],
        default="error",
        help="for files with several channels: average them (mean) or keep the first (first); the "
        "default, error, refuses such a file",
    )
    ex.add_argument("--no-progress", action="store_true", help="no progress bar")
    ex.set_defaults(run=extract_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, OSError, RuntimeError) as err:
        print(f"error: {in_cli_terms(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
