"""Benchmark: mirror vs torchaudio, chunked vs torchaudio's full pass, per-layer profile, chunk
sizes, peak memory, GFLOP/s against the machine's matmul rate.

    make benchmark            # or: .venv/bin/python benchmarks/benchmark.py [--quick] [--part ...]

Writes the table to stdout and to benchmarks/results.md. Timings come from back-to-back pairs
with alternating order (see ``paired_times``): medians, and the median of per-pair ratios with
their range; every comparison has an A/A control (torchaudio against itself) that shows how far
two runs of identical code differ on the machine. FLOPs are counted by PyTorch's
``FlopCounterMode`` (convolutions). Every peak-memory figure is the peak RSS (VmHWM) of a fresh
subprocess that extracts from a WAV file with the package's command line (or, for the full pass,
loads the file whole and runs the extractor once), in MB (10^6 bytes; /proc reports KiB, converted),
and includes the process's baseline: Python, torch, the weights and, for the full pass, the audio.
For the full pass the baseline is measured too (the same process without the forward pass), and
the table gives the ratio of what the forward pass adds to the size of layer 0's output.

Chunk size (``--part chunks``, which chose ``chunked.DEFAULT_CHUNK_SECONDS``): on a quiet 2-core
machine chunks of 1 to 2 s were the fastest, faster than a full pass; under load (other jobs on
the same cores) they were slower. Why small chunks are faster was not measured (that a small
chunk's early activations stay in the CPU's cache is a hypothesis).
"""

import argparse
import functools
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
from torch.utils.flop_counter import FlopCounterMode
from torchaudio.models.wav2vec2 import components as ta_components

import w2v2_walkthrough as w2v
from w2v2_walkthrough.chunked import DEFAULT_CHUNK_SECONDS, extract_chunked

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
    if sys.argv[3] == "forward":  # "baseline": everything but the forward pass
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
    """Run ``child_code`` in a fresh Python and return its own peak RSS (VmHWM) in MB (10^6 bytes),
    baseline included. /proc/self/status gives VmHWM in kB that are KiB (1024 bytes)."""
    proc = subprocess.run(
        [sys.executable, "-c", child_code + REPORT_PEAK, *map(str, args)], capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise RuntimeError(f"child failed (exit status {proc.returncode}): {proc.stderr[-2000:]}")
    return int(proc.stdout.split("VmHWM")[-1].split()[0]) * 1024 / 1e6


def available_mb() -> float:
    """Memory available to a new process now (MemAvailable), in MB (10^6 bytes)."""
    with open("/proc/meminfo", encoding="ascii") as meminfo:
        fields = dict(line.split(":", 1) for line in meminfo)
    return int(fields["MemAvailable"].split()[0]) * 1024 / 1e6


def matmul_gflops(n: int = 2048, repeats: int = 10) -> float:
    """The machine's float32 matmul rate: the median time of ``n x n @ n x n`` (``2 n^3`` FLOPs)."""
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(n, n, generator=g), torch.randn(n, n, generator=g)
    a @ b  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2 * n**3 / statistics.median(times) / 1e9


def full_pass(extractor, x: torch.Tensor) -> torch.Tensor:
    """One pass over the whole signal, ``[time]`` -> ``[frames, C]``, as a user runs it."""
    with torch.no_grad():
        return extractor(x[None], None)[0][0]


def count_flops(extractor, x: torch.Tensor) -> int:
    """FLOPs of one full pass over ``x``, counted by PyTorch (convolutions; norms and GELU not counted)."""
    with FlopCounterMode(display=False) as counter, torch.inference_mode():
        extractor(x[None], None)
    return counter.get_total_flops()


def profile_layers(extractor, x: torch.Tensor, chunk_seconds: float | None) -> list[tuple[float, float, float]]:
    """Seconds spent in each block's conv, norm and GELU: a full pass (``chunk_seconds=None``) or
    the layer_norm-style chunks of :func:`extract_chunked` (the same work as pass 2)."""
    spans = [(0, x.numel())]
    if chunk_seconds is not None:
        frames = w2v.chunked.chunk_frames_for(chunk_seconds)
        spans = [(c.start, c.stop) for c in w2v.chunked.plan_chunks(x.numel(), frames)]
    times = [[0.0, 0.0, 0.0] for _ in extractor.conv_layers]
    with torch.inference_mode():
        for start, stop in spans:
            h = x[None, None, start:stop]  # (1, 1, T)
            for block, t in zip(extractor.conv_layers, times, strict=True):
                t0 = time.perf_counter()
                h = block.conv(h)  # (1, C, T_layer)
                t1 = time.perf_counter()
                if block.layer_norm is not None:
                    h = block.layer_norm(h)  # (1, C, T_layer)
                t2 = time.perf_counter()
                h = torch.nn.functional.gelu(h)  # (1, C, T_layer)
                t3 = time.perf_counter()
                t[0], t[1], t[2] = t[0] + t1 - t0, t[1] + t2 - t1, t[2] + t3 - t2
    return [tuple(t) for t in times]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter audio and fewer repeats (a smoke run)")
    parser.add_argument(
        "--part",
        choices=["all", "speed", "chunks", "profile", "memory"],
        default="all",
        help="speed: timings (needs a quiet machine); chunks: chunked/full-pass ratio per chunk size; "
        "profile: time per layer; memory: peak RSS. all = speed, profile and memory",
    )
    parser.add_argument(
        "--pairs", type=int, default=None, help="timing pairs per comparison (default 10; 3 with --quick)"
    )
    parser.add_argument("--out", default=str(HERE / "results.md"))
    args = parser.parse_args(argv)
    speed_s, pairs = (10.0, 3) if args.quick else (60.0, 10)
    pairs = args.pairs or pairs
    rss_minutes = [1] if args.quick else [10, 60]
    chunk_sizes = [2.0, 8.0] if args.quick else [1.0, 2.0, 4.0, 8.0, 30.0]
    parts = {"speed", "profile", "memory"} if args.part == "all" else {args.part}
    threads = torch.get_num_threads()
    rows = []

    def row(what, value, goal=""):
        rows.append((what, value, goal))
        print(f"{what:<62} {value:<28} {goal}", flush=True)

    x = signal(speed_s)
    matmul = matmul_gflops() if parts & {"speed", "chunks"} else None
    if matmul is not None:
        row("machine: float32 matmul rate (2048 x 2048)", f"{matmul:.1f} GFLOP/s", "the ceiling for the convs")

    for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"] if parts & {"speed", "chunks", "profile"} else []:
        p = w2v.get_preset(preset)
        mirror = w2v.random_extractor(preset)
        theirs = ta_components._get_feature_extractor(p.norm_mode, list(p.shapes), p.bias).eval()
        theirs.load_state_dict(mirror.state_dict(), strict=True)
        flops = count_flops(theirs, x)

        full_mirror, full_theirs = functools.partial(full_pass, mirror, x), functools.partial(full_pass, theirs, x)
        chunked = functools.partial(extract_chunked, mirror, x, chunk_seconds=DEFAULT_CHUNK_SECONDS, progress=False)

        if "speed" in parts:
            # 1. mirror vs torchaudio, same weights, same input, and the A/A control
            tm, tt, ratio, lo, hi = paired_times(full_mirror, full_theirs, pairs)
            row(
                f"{preset}: mirror / torchaudio time, {speed_s:g} s audio",
                f"{tm:.2f} s / {tt:.2f} s; ratio {ratio:.3f} (pairs {lo:.2f}-{hi:.2f})",
                "goal <= 1.02",
            )
            _, _, ratio, lo, hi = paired_times(full_theirs, full_theirs, pairs)
            row(
                f"{preset}: A/A control, torchaudio / torchaudio",
                f"ratio {ratio:.3f} (pairs {lo:.2f}-{hi:.2f})",
                "the noise floor of this machine",
            )
            row(
                f"{preset}: torchaudio full pass, throughput",
                f"{flops / tt / 1e9:.1f} GFLOP/s = {flops / tt / 1e9 / matmul:.0%} of matmul ({speed_s / tt:.0f}x RT)",
                f"{flops / speed_s / 1e9:.2f} GFLOP per audio second",
            )
            # 2. chunked (default chunk size) vs torchaudio's full pass, outputs compared
            reference, got = full_theirs(), chunked()
            diff = got - reference
            error = f"max abs diff {diff.abs().max():.1e}, relative {diff.norm() / reference.norm():.1e}"
            tf, tc, ratio, lo, hi = paired_times(full_theirs, chunked, pairs)
            row(
                f"{preset}: torchaudio full pass / chunked ({DEFAULT_CHUNK_SECONDS:g} s) time",
                f"{tf:.2f} s / {tc:.2f} s; ratio {ratio:.3f} (pairs {lo:.2f}-{hi:.2f}); {error}",
                "goal >= 1.5",
            )
            row(
                f"{preset}: chunked ({DEFAULT_CHUNK_SECONDS:g} s), throughput",
                f"{flops / tc / 1e9:.1f} GFLOP/s = {flops / tc / 1e9 / matmul:.0%} of matmul ({speed_s / tc:.0f}x RT)",
            )

        if "chunks" in parts:
            # 3. the chunk size: full-pass / chunked time for each, paired
            _, _, ratio, lo, hi = paired_times(full_theirs, full_theirs, pairs)
            row(f"{preset}: A/A control (chunk sizes)", f"ratio {ratio:.3f} (pairs {lo:.2f}-{hi:.2f})")
            for seconds in chunk_sizes:
                _, tc, ratio, lo, hi = paired_times(
                    full_theirs, functools.partial(chunked, chunk_seconds=seconds), pairs
                )
                row(
                    f"{preset}: torchaudio full pass / chunked, {seconds:g} s chunks",
                    f"ratio {ratio:.3f} (pairs {lo:.2f}-{hi:.2f}); chunked {tc:.2f} s",
                    "default" if seconds == DEFAULT_CHUNK_SECONDS else "",
                )

        if "profile" in parts:
            # 4. where the time goes: conv, norm and GELU of each layer, full pass and chunks
            for label, seconds in (("full pass", None), (f"{DEFAULT_CHUNK_SECONDS:g} s chunks", DEFAULT_CHUNK_SECONDS)):
                profile_layers(mirror, x, seconds)  # warm-up
                layers = profile_layers(mirror, x, seconds)
                cells = "; ".join(f"L{i} {c:.2f}/{n:.2f}/{g:.2f}" for i, (c, n, g) in enumerate(layers))
                total = sum(map(sum, layers))
                row(f"{preset}: profile, {label}, s conv/norm/GELU", f"{cells}; total {total:.2f} s")

    # 5. peak memory from files, fresh processes
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in rss_minutes if "memory" in parts else []:
            wav = Path(tmp) / f"{minutes}min.wav"
            write_wav(wav, minutes * 60)
            for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
                t0 = time.perf_counter()
                cli = ["extract", wav, Path(tmp) / "f.npy", "--preset", preset, "--weights", "random", "--no-progress"]
                mb = peak_rss_mb(CHILD_CLI, *cli)
                seconds = time.perf_counter() - t0
                row(
                    f"{preset}: peak RSS, chunked CLI ({DEFAULT_CHUNK_SECONDS:g} s chunks), {minutes} min file",
                    f"{mb:.0f} MB incl. process baseline ({seconds:.0f} s wall)",
                    "goal <= 2000 MB for 60 min",
                )
            layer0_mb = w2v.chunked.peak_layer0_bytes(minutes * 60 * SR) / 1e6
            for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
                needed = 4 * layer0_mb + 2000  # full passes measured 2.5x-3.5x layer 0 above the baseline
                if needed > available_mb():
                    row(
                        f"{preset}: full pass, {minutes} min file",
                        f"not run: a generous guard (4x layer 0 + 2 GB) asks {needed:.0f} MB, "
                        f"{available_mb():.0f} MB available",
                        f"layer 0 output alone: {layer0_mb:.0f} MB",
                    )
                    continue
                try:
                    peak = peak_rss_mb(CHILD_FULL, wav, preset, "forward")
                    baseline = peak_rss_mb(CHILD_FULL, wav, preset, "baseline")
                except RuntimeError as err:
                    reason = " ".join(str(err).split())[:120].replace("|", "/")
                    row(f"{preset}: full pass, {minutes} min file", f"failed: {reason}", "")
                    continue
                row(
                    f"{preset}: peak RSS, full pass, {minutes} min file",
                    f"{peak:.0f} MB incl. process baseline {baseline:.0f} MB",
                    f"(peak - baseline) / layer 0 output ({layer0_mb:.0f} MB) = {(peak - baseline) / layer0_mb:.2f}",
                )

    header = (
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.machine()}, {os.cpu_count()} cores, "
        f"{threads} torch threads, "
        f"torch {torch.__version__}, torchaudio {torchaudio.__version__}, Python {platform.python_version()}"
        f"{' (--quick)' if args.quick else ''}{'' if args.part == 'all' else f' (--part {args.part})'}."
    )
    if "memory" in parts:
        header += (
            " Memory: peak RSS (VmHWM) of a fresh process in MB (10^6 bytes), including the process's"
            " baseline (Python, torch, the weights, and for a full pass the whole audio); a full pass's"
            " baseline is that process without the forward pass."
        )
    table = ["| measurement | result | goal / note |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]
    Path(args.out).write_text(header + "\n\n" + "\n".join(table) + "\n", encoding="utf-8")
    print("\n" + header)
    print(f"table written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
