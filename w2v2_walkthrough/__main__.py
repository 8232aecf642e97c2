"""Command line: ``python -m w2v2_walkthrough extract IN.wav OUT.npy --preset NAME --weights WEIGHTS``.

Writes ``OUT.npy`` (float32 ``[frames, 512]``, written chunk by chunk as the audio streams, so
memory stays bounded) and then ``OUT.times.npy`` (float64 ``[frames, 2]``, computed from the frame
count once the features are done: each frame's start, the instant of its first sample, and its
centre, the mean of its samples' instants, in seconds; sample ``t`` is the instant ``t / 16000``
s). Neither file appears under its final name until it is complete. Audio at any sample rate is
resampled to 16 kHz while streaming (soxr, bit for bit as ``w2v2_walkthrough.load_audio``
resamples); the file must hold at least 400 samples (25 ms) after resampling.

``--normalize`` normalizes the whole file's waveform first (zero mean, unit variance, as the
``get_model()`` of torchaudio's normalizing bundles does): a pass of its own sums the file's mean
and variance in float64 before the first chunk; ``auto`` follows a bundle's own choice.

The features are exactly those of the conv feature extractor (up to float32 rounding), not the
transformer's: a transformer run on segments of a long file gives outputs that depend on the cuts.
"""

import argparse
import math
import os
import re
import sys
from pathlib import Path

import numpy as np

from . import arithmetic as ar
from .audio import MULTICHANNEL_POLICIES, audio_info, check_channels, resampled_length
from .chunked import DEFAULT_CHUNK_SECONDS, extract_chunked
from .components import conv_config
from .npy import NpyWriter
from .presets import PRESETS, SAMPLE_RATE
from .validation import check_length

#: fairseq's pre-training crop for its normalizing models: ``max_sample_size: 320000`` (20 s) in
#: ``examples/wav2vec/config/pretraining/wav2vec2_large_librivox.yaml`` (Base: 250000, not normalized).
#: The command line warns when a normalized file is more than twice as long.
PRETRAINING_CROP_SAMPLES = 320_000

RANDOM_WARNING = (
    "WARNING: --weights random: {source}.\n"
    "  These are the features of an UNTRAINED network: fine for testing a pipeline, meaningless\n"
    "  as speech features. For real features pass a torchaudio bundle name (e.g. --weights\n"
    "  WAV2VEC2_BASE) or the path of a checkpoint."
)


def in_cli_terms(message: str, flags: dict[str, str]) -> str:
    """Errors from the package name a Python keyword (``weights='random'``); say it as the flag the
    parser defined for that keyword (``flags``: ``dest -> --flag``, from the parser's own actions).
    The checks the command line runs itself already speak its terms; this covers deeper ones (a
    bundle that cannot be downloaded)."""
    for dest, flag in flags.items():
        message = re.sub(rf"\b{dest}='?([\w.]+)'?", rf"{flag} \1", message)
    return message


def times_path(out: Path) -> Path:
    """``feats.npy`` -> ``feats.times.npy`` (the output name always ends in .npy)."""
    return out.with_name(out.name[: -len(".npy")] + ".times.npy")


def frame_times(n_frames: int, shapes) -> np.ndarray:
    """``[n_frames, 2]`` float64, in seconds: each frame's start and centre (``arithmetic.frame_start``
    and ``frame_center``), sample ``t`` being at ``t / 16000`` s."""
    frames = np.arange(n_frames, dtype=np.float64)  # (n,)
    return np.stack([ar.frame_start(frames, shapes), ar.frame_center(frames, shapes)], axis=1) / SAMPLE_RATE  # (n, 2)


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


def choose_normalize(choice: str, weights: str, pretrained: bool) -> tuple[bool, str]:
    """``--normalize auto`` follows a torchaudio bundle's own flag; for a checkpoint or random weights
    it is off, and the banner line says so and how to change it."""
    from .weights import looks_like_bundle

    if choice != "auto":
        return choice == "on", f"normalize: {choice} (--normalize {choice})"
    if pretrained and looks_like_bundle(weights):
        import torchaudio.pipelines

        on = bool(getattr(torchaudio.pipelines, weights)._normalize_waveform)
        does = "normalizes" if on else "does not normalize"
        return on, (
            f"normalize: {'on' if on else 'off'} (--normalize auto: bundle {weights}'s get_model() {does} the "
            f"waveform; --normalize {'off' if on else 'on'} to change it)"
        )
    kind = "a checkpoint" if pretrained else "random weights"
    return False, (
        f"normalize: off (--normalize auto cannot tell whether {kind} expect a normalized waveform);\n"
        f"  pass --normalize on for models trained on one (LV-60k, XLS-R, HuBERT/WavLM Large)"
    )


def extract_command(args) -> int:
    from .weights import load_extractor

    out = Path(args.output)
    _check_output(out)
    info = audio_info(args.input)  # the header only: frames, rate, channels
    check_channels(info.channels, args.multichannel, args.input)  # main() says multichannel='mean' as a flag
    num_samples = resampled_length(info.frames, info.samplerate, SAMPLE_RATE)
    loaded = load_extractor(args.preset, args.weights)
    shapes = conv_config(loaded.extractor)
    at_least = f"Use a file of at least {ar.samples_to_ms(ar.receptive_field(shapes)):g} ms."
    check_length(num_samples, SAMPLE_RATE, shapes, what=f"{args.input} (after resampling)", fix=at_least)
    normalize, normalize_line = choose_normalize(args.normalize, args.weights, loaded.pretrained)
    weights = f"weights: {loaded.source}" if loaded.pretrained else RANDOM_WARNING.format(source=loaded.source)
    print(weights, file=sys.stderr)
    print(normalize_line, file=sys.stderr)
    print(_describe_input(args.input, info, num_samples, args.multichannel), file=sys.stderr)
    if normalize and num_samples > 2 * PRETRAINING_CROP_SAMPLES:
        print(
            f"warning: the waveform is normalized over all {num_samples / SAMPLE_RATE:.0f} s, as the bundle's model "
            f"would; in pre-training fairseq normalized each file, then cropped it to "
            f"{PRETRAINING_CROP_SAMPLES // SAMPLE_RATE} s, so an hour's statistics are not what the model saw "
            f"(cut the file into utterances for that)",
            file=sys.stderr,
        )
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
                normalize=normalize,
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


def chunk_seconds(text: str) -> float:
    """``--chunk-seconds``: a finite number of seconds, at least one hop (20 ms)."""
    shortest = ar.hop_length() / SAMPLE_RATE
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < shortest:
        raise argparse.ArgumentTypeError(
            f"--chunk-seconds {text} is not a number of seconds from {shortest:g} (one hop) up; "
            f"the default is {DEFAULT_CHUNK_SECONDS:g}"
        )
    return seconds


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m w2v2_walkthrough", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser(
        "extract",
        help="conv features of an audio file at any sample rate, 25 ms to hours long, in bounded memory: the "
        "conv feature extractor's frames of one full pass (up to float32 rounding; with --normalize, of the "
        "waveform normalized over the whole file)",
    )
    ex.add_argument("input", help="a WAV/FLAC/OGG file, any sample rate (resampled to 16 kHz while streaming)")
    ex.add_argument(
        "output",
        help="where to write the features (.npy); each frame's start and centre (the mean of its samples' "
        "instants), in seconds, go to OUT.times.npy",
    )
    options = [
        ex.add_argument(
            "--preset", required=True, choices=sorted(PRESETS), metavar="NAME", help=f"one of: {', '.join(PRESETS)}"
        )
    ]
    options.append(
        ex.add_argument(
            "--weights",
            required=True,
            metavar="{random,BUNDLE,PATH}",
            help="a torchaudio bundle name such as WAV2VEC2_BASE (downloads on first use), the path of a "
            "checkpoint, or 'random' (seeded random weights, NOT pretrained: for testing a pipeline only)",
        )
    )
    options.append(
        ex.add_argument(
            "--chunk-seconds",
            type=chunk_seconds,
            default=DEFAULT_CHUNK_SECONDS,
            help=f"audio per chunk (default {DEFAULT_CHUNK_SECONDS:g}; memory grows with it)",
        )
    )
    options.append(
        ex.add_argument(
            "--multichannel",
            choices=MULTICHANNEL_POLICIES,
            default="error",
            help="for files with several channels: average them (mean) or keep the first (first); the "
            "default, error, refuses such a file",
        )
    )
    options.append(
        ex.add_argument(
            "--normalize",
            choices=["auto", "on", "off"],
            default="auto",
            help="normalize the whole file's waveform to zero mean and unit variance first, as the get_model() of "
            "torchaudio's normalizing bundles (LV-60k, XLS-R, HuBERT/WavLM Large, MMS_FA) does; auto (the default) "
            "follows a bundle, and is off for a checkpoint or random weights (the banner says so)",
        )
    )
    options.append(ex.add_argument("--no-progress", action="store_true", help="no progress bar"))
    ex.set_defaults(run=extract_command, flags={option.dest: option.option_strings[0] for option in options})
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, OSError, RuntimeError) as err:
        print(f"error: {in_cli_terms(str(err), args.flags)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: nothing written", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
