"""Benchmark: mirror vs torchaudio, chunked vs full pass, peak memory, GFLOP/s.

    make benchmark            # or: .venv/bin/python benchmarks/benchmark.py [--quick]

Writes the table to stdout and to benchmarks/results.md. Timings come from back-to-back pairs
with alternating order (see ``paired_times``): medians, and the median of per-pair ratios with
their range; every peak-memory figure is the peak RSS (VmHWM) of a
fresh subprocess that extracts from a WAV file with the package's command line (or, for the full
pass, loads the file whole and runs the extractor once).
"""

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import soundfile as sf
import torch
import torchaudio
from torchaudio.models.wav2vec2 import components as ta_components

import w2v2_walkthrough as w2v
from w2v2_walkthrough import arithmetic as ar
from w2v2_walkthrough.chunked import extract_chunked

HERE = Path(__file__).resolve().parent
SR = 16_000


def signal(seconds: float, seed: int = 0) -> torch.Tensor:
    """Speech-like test audio: the bundled clip repeated, plus a little noise."""
    clip, _ = w2v.load_speech_clip()
    n = int(seconds * SR)
    x = clip.repeat(n // clip.numel() + 1)[:n].clone()
    return x + 0.01 * torch.randn(n, generator=torch.Generator().manual_seed(seed))


def write_wav(path: Path, seconds: float) -> None:
    """Write a 16 kHz PCM-16 WAV block by block (never the whole signal in memory)."""
    block = signal(60.0).numpy()
    with sf.SoundFile(str(path), "w", SR, 1, subtype="PCM_16") as f:
        left = int(seconds * SR)
        while left > 0:
            f.write(block[: min(left, block.size)])
            left -= min(left, block.size)


def paired_times(a, b, pairs: int):
    """Time ``a`` and ``b`` back to back ``pairs`` times, alternating which goes first, so that
    drifts in machine speed and whatever the previous run left behind hit both alike.

    Returns (median time of a, median time of b, median of the per-pair ratios a/b, min and max
    of those ratios). The per-pair ratio is the robust estimate: each pair shares one moment of
    the machine.
    """
    a(), b()  # warm-up
    ta, tb = [], []
    for i in range(pairs):
        for fn, out in ((a, ta), (b, tb)) if i % 2 == 0 else ((b, tb), (a, ta)):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    ratios = sorted(x / y for x, y in zip(ta, tb, strict=True))
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios), ratios[0], ratios[-1]


CHILD_FULL = textwrap.dedent("""
    import sys, torch, w2v2_walkthrough as w2v
    wave, _ = w2v.load_audio(sys.argv[1])
    extractor = w2v.random_extractor(sys.argv[2])
    with torch.no_grad():
        extractor(wave[None], None)
""")

CHILD_CLI = textwrap.dedent("""
    import runpy, sys
    sys.argv = ["w2v2_walkthrough"] + sys.argv[1:]
    try:
        runpy.run_module("w2v2_walkthrough", run_name="__main__")
    except SystemExit as done:
        if done.code:
            raise
""")

REPORT_PEAK = '\nprint("VmHWM", open("/proc/self/status").read().split("VmHWM:")[1].split()[0])\n'


def peak_rss_mb(child_code: str, *args) -> float:
    """Run ``child_code`` in a fresh Python and return its own peak RSS (VmHWM) in MB."""
    proc = subprocess.run(
        [sys.executable, "-c", child_code + REPORT_PEAK, *map(str, args)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child failed: {proc.stderr[-2000:]}")
    return int(proc.stdout.split("VmHWM")[-1].split()[0]) / 1024.0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter audio and fewer repeats (a smoke run)")
    parser.add_argument(
        "--part",
        choices=["all", "speed", "memory"],
        default="all",
        help="speed: timings only (needs a quiet machine); memory: peak RSS only",
    )
    parser.add_argument(
        "--pairs", type=int, default=None, help="timing pairs per comparison (default 10; 3 with --quick)"
    )
    parser.add_argument("--out", default=str(HERE / "results.md"))
    args = parser.parse_args(argv)
    speed_s, pairs = (10.0, 3) if args.quick else (60.0, 10)
    pairs = args.pairs or pairs
    rss_minutes = [1] if args.quick else [10, 60]
    threads = torch.get_num_threads()
    rows = []

    def row(what, value, goal=""):
        rows.append((what, value, goal))
        print(f"{what:<62} {value:<28} {goal}", flush=True)

    x = signal(speed_s)
    flops = ar.flops_per_second() * speed_s

    # 1. mirror vs torchaudio, same weights, same input; plus an A/A control (torchaudio against
    #    itself) that shows how much two runs of identical code differ on this machine
    for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"] if args.part in ("all", "speed") else []:
        p = w2v.get_preset(preset)
        mirror = w2v.random_extractor(preset)
        theirs = ta_components._get_feature_extractor(p.norm_mode, list(p.shapes), p.bias).eval()
        theirs.load_state_dict(mirror.state_dict(), strict=True)

        def run(m):
            with torch.no_grad():
                return m(x[None], None)

        tm, tt, ratio, lo, hi = paired_times(lambda m=mirror: run(m), lambda t=theirs: run(t), pairs)
        row(
            f"{preset}: mirror / torchaudio time, {speed_s:g} s audio",
            f"{tm:.2f} s / {tt:.2f} s; ratio {ratio:.3f} (pairs {lo:.2f}-{hi:.2f})",
            "goal <= 1.02",
        )
        _, _, ratio, lo, hi = paired_times(lambda t=theirs: run(t), lambda t=theirs: run(t), pairs)
        row(
            f"{preset}: A/A control, torchaudio / torchaudio",
            f"ratio {ratio:.3f} (pairs {lo:.2f}-{hi:.2f})",
            "the noise floor of this machine",
        )
        row(
            f"{preset}: throughput of the full pass",
            f"{flops / tm / 1e9:.1f} GFLOP/s ({speed_s / tm:.0f}x real time)",
            f"{ar.flops_per_second() / 1e9:.2f} GFLOP per audio second",
        )

        # 2. chunked vs full pass (30 s chunks)
        tc, tf, ratio, lo, hi = paired_times(
            lambda m=mirror: extract_chunked(m, x, chunk_seconds=30.0, progress=False), lambda m=mirror: run(m), pairs
        )
        row(
            f"{preset}: chunked (30 s) / full-pass throughput",
            f"{tf:.2f} s / {tc:.2f} s; ratio {1 / ratio:.3f} (pairs {1 / hi:.2f}-{1 / lo:.2f})",
            "goal >= 0.9",
        )

    # 3. peak memory from files, fresh processes
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in rss_minutes if args.part in ("all", "memory") else []:
            wav = Path(tmp) / f"{minutes}min.wav"
            write_wav(wav, minutes * 60)
            for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
                t0 = time.perf_counter()
                mb = peak_rss_mb(
                    CHILD_CLI,
                    "extract",
                    wav,
                    Path(tmp) / "f.npy",
                    "--preset",
                    preset,
                    "--chunk-seconds",
                    "30",
                    "--no-progress",
                )
                seconds = time.perf_counter() - t0
                row(
                    f"{preset}: peak RSS, chunked CLI, {minutes} min file",
                    f"{mb:.0f} MB ({seconds:.0f} s wall)",
                    "goal <= 2 GB for 60 min",
                )
            layer0_gb = w2v.chunked.peak_layer0_bytes(minutes * 60 * SR) / 1e9
            if 3 * layer0_gb < 20:  # conv output, norm output and the next layer's input can coexist
                row(
                    f"wav2vec2_base: peak RSS, full pass, {minutes} min file",
                    f"{peak_rss_mb(CHILD_FULL, wav, 'wav2vec2_base'):.0f} MB",
                )
            else:
                row(
                    f"wav2vec2_base: full pass, {minutes} min file",
                    "not run: does not fit in 24 GB",
                    f"layer 0 output alone: {layer0_gb:.1f} GB",
                )

    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{threads} torch threads, "
        f"torch {torch.__version__}, torchaudio {torchaudio.__version__}, Python {platform.python_version()}"
        f"{' (--quick)' if args.quick else ''}{'' if args.part == 'all' else f' (--part {args.part})'}."
    )
    table = ["| measurement | result | goal / note |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    Path(args.out).write_text(header + "\n\n" + "\n".join(table) + "\n", encoding="utf-8")
    print("\n" + header)
    print(f"table written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
