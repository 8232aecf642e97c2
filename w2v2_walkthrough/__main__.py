"""Command line: ``python -m w2v2_walkthrough extract IN.wav OUT.npy --preset NAME``.

Writes ``OUT.npy`` (float32 ``[frames, 512]``, written chunk by chunk so memory stays bounded)
and ``OUT.times.npy`` (float64 ``[frames, 2]``: each frame's start and exact centre in seconds).
Both appear under their final names only when complete.
"""

import argparse
import os
import sys
from pathlib import Path

import numpy as np

from . import arithmetic as ar
from .chunked import DEFAULT_CHUNK_SECONDS, FileSource, NpyWriter, extract_chunked
from .extraction import conv_config
from .presets import PRESETS, SAMPLE_RATE
from .validation import check_length


def times_path(out: Path) -> Path:
    """``feats.npy`` -> ``feats.times.npy`` (the output name always ends in .npy)."""
    return out.with_name(out.name[: -len(".npy")] + ".times.npy")


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.partial-{os.getpid()}.npy")


def extract_command(args) -> int:
    from .weights import load_extractor

    out = Path(args.output)
    if not out.name.endswith(".npy"):
        raise ValueError(f"The output must be a .npy file, got {out}.")
    if not out.parent.is_dir():
        raise ValueError(f"The output folder {out.parent} does not exist: create it first.")
    if not os.access(out.parent, os.W_OK):
        raise PermissionError(f"Cannot write to {out.parent}: choose a writable output folder.")
    loaded = load_extractor(args.preset, args.weights)
    print(f"{args.preset}: {loaded.source}", file=sys.stderr)
    shapes = conv_config(loaded.extractor)
    source = FileSource(args.input, args.multichannel)
    num_samples = source.num_samples
    source.close()
    check_length(num_samples, SAMPLE_RATE, shapes)
    n = ar.num_frames(num_samples, shapes)
    feats_tmp, times_tmp = _partial(out), _partial(times_path(out))
    try:
        with NpyWriter(feats_tmp, (n, shapes[-1][0])) as feats:
            extract_chunked(
                loaded.extractor,
                args.input,
                chunk_seconds=args.chunk_seconds,
                out=feats,
                progress=False if args.no_progress else None,
                multichannel=args.multichannel,
            )
        starts = np.array([ar.frame_start(i, shapes) for i in range(n)], dtype=np.float64) / SAMPLE_RATE
        centres = np.array([ar.frame_center(i, shapes) for i in range(n)], dtype=np.float64) / SAMPLE_RATE
        np.save(times_tmp, np.stack([starts, centres], axis=1))
        os.replace(times_tmp, times_path(out))
        os.replace(feats_tmp, out)
    finally:
        for tmp in (feats_tmp, times_tmp):
            if tmp.exists():
                tmp.unlink()
    print(f"wrote {out} ({n} frames x {shapes[-1][0]}) and {times_path(out)}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m w2v2_walkthrough", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("extract", help="features of a 16 kHz audio file of any length, exactly, in bounded memory")
    ex.add_argument("input", help="a 16 kHz WAV/FLAC/OGG file")
    ex.add_argument("output", help="where to write the features (.npy); frame times go to OUT.times.npy")
    ex.add_argument(
        "--preset", required=True, choices=sorted(PRESETS), metavar="NAME", help=f"one of: {', '.join(PRESETS)}"
    )
    ex.add_argument(
        "--weights",
        default="random",
        help="'random' (seeded, NOT pretrained; the default), a torchaudio bundle name such as "
        "WAV2VEC2_BASE, or a checkpoint path",
    )
    ex.add_argument(
        "--chunk-seconds", type=float, default=DEFAULT_CHUNK_SECONDS, help="audio per chunk (memory grows with it)"
    )
    ex.add_argument("--multichannel", choices=["error", "mean", "first"], default="error")
    ex.add_argument("--no-progress", action="store_true", help="no progress bar")
    ex.set_defaults(run=extract_command)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (ValueError, OSError, RuntimeError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
