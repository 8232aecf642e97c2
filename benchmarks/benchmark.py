"""Benchmark: mirror vs torchaudio, chunked vs torchaudio's full pass, per-layer profile, chunk
sizes, peak memory, GFLOP/s against the machine's matmul rate.

    make benchmark            # or: .venv/bin/python benchmarks/benchmark.py [--quick] [--part ...]

Writes the measured values to benchmarks/results.json (one entry per ``--part``; a run replaces
the entries of the parts it ran), and renders them into benchmarks/results.md and the README's
tables (``--render`` re-renders them from the JSON without measuring). Timings come from back-to-back pairs
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
import json
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
from w2v2_walkthrough import benchmark_results
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


# ---------------------------------------------------------------------------------------------------------
# Results: measured values in results.json; results.md and the README's tables rendered from them
# ---------------------------------------------------------------------------------------------------------

RESULTS_JSON, RESULTS_MD, README = benchmark_results.RESULTS_PATH, HERE / "results.md", HERE.parent / "README.md"
PARTS = ("speed", "chunks", "profile", "memory")
TABLE_HEAD = ["| measurement | result | goal / note |", "|---|---|---|"]


def _pairs(row) -> str:
    return f"ratio {row['ratio']:.3f} (pairs {row['pairs'][0]:.2f}-{row['pairs'][1]:.2f})"


def _throughput(row) -> str:
    return f"{row['gflops']:.1f} GFLOP/s = {row['of_matmul']:.0%} of matmul ({row['realtime']:.0f}x RT)"


def describe(row: dict) -> tuple:
    """One measured row as the tables show it: (measurement, result, goal / note)."""
    kind, preset, chunk = row["kind"], row.get("preset"), row.get("chunk_seconds")
    if kind == "matmul":
        return "machine: float32 matmul rate (2048 x 2048)", f"{row['gflops']:.1f} GFLOP/s", "the ceiling for the convs"
    if kind == "mirror_vs_torchaudio":
        timed = f"{row['mirror_s']:.2f} s / {row['torchaudio_s']:.2f} s; {_pairs(row)}"
        return f"{preset}: mirror / torchaudio time, {row['audio_seconds']:g} s audio", timed, "goal <= 1.02"
    if kind == "aa_control":
        return f"{preset}: A/A control, torchaudio / torchaudio", _pairs(row), "the noise floor of this machine"
    if kind == "full_pass_throughput":
        note = f"{row['gflop_per_audio_second']:.2f} GFLOP per audio second"
        return f"{preset}: torchaudio full pass, throughput", _throughput(row), note
    if kind == "chunked_vs_full_pass":
        error = f"max abs diff {row['max_abs_diff']:.1e}, relative {row['relative_diff']:.1e}"
        timed = f"{row['full_pass_s']:.2f} s / {row['chunked_s']:.2f} s; {_pairs(row)}; {error}"
        return f"{preset}: torchaudio full pass / chunked ({chunk:g} s) time", timed, "goal >= 1.5"
    if kind == "chunked_throughput":
        return f"{preset}: chunked ({chunk:g} s), throughput", _throughput(row), ""
    if kind == "aa_control_chunk_sizes":
        return f"{preset}: A/A control (chunk sizes)", _pairs(row), ""
    if kind == "chunk_size":
        what = f"{preset}: torchaudio full pass / chunked, {chunk:g} s chunks"
        return what, f"{_pairs(row)}; chunked {row['chunked_s']:.2f} s", "default" if row["default"] else ""
    if kind == "profile":
        layers = row["layers_conv_norm_gelu_s"]
        cells = "; ".join(f"L{i} {c:.2f}/{n:.2f}/{g:.2f}" for i, (c, n, g) in enumerate(layers))
        label = "full pass" if chunk is None else f"{chunk:g} s chunks"
        return f"{preset}: profile, {label}, s conv/norm/GELU", f"{cells}; total {row['total_s']:.2f} s", ""
    if kind == "peak_rss_chunked_cli":
        what = f"{preset}: peak RSS, chunked CLI ({chunk:g} s chunks), {row['minutes']} min file"
        return what, f"{row['peak_mb']:.0f} MB incl. process baseline ({row['wall_s']:.0f} s wall)", GOAL_RSS
    if kind == "peak_rss_full_pass":
        ratio = f"(peak - baseline) / layer 0 output ({row['layer0_mb']:.0f} MB) = {row['ratio']:.2f}"
        result = f"{row['peak_mb']:.0f} MB incl. process baseline {row['baseline_mb']:.0f} MB"
        return f"{preset}: peak RSS, full pass, {row['minutes']} min file", result, ratio
    if kind == "full_pass_not_run":
        result = (
            f"not run: a generous guard (4x layer 0 + 2 GB) asks {row['needed_mb']:.0f} MB, "
            f"{row['available_mb']:.0f} MB available"
        )
        note = f"layer 0 output alone: {row['layer0_mb']:.0f} MB"
        return f"{preset}: full pass, {row['minutes']} min file", result, note
    if kind == "full_pass_failed":
        return f"{preset}: full pass, {row['minutes']} min file", f"failed: {row['reason']}", ""
    raise ValueError(f"unknown benchmark row kind {kind!r}")


GOAL_RSS = "goal <= 2000 MB for 60 min"


def table(rows: list) -> list:
    return TABLE_HEAD + ["| {} | {} | {} |".format(*describe(row)) for row in rows]


def environment_line(env: dict) -> str:
    return (
        f"{env['machine']}, {env['cores']} cores, {env['torch_threads']} torch threads, torch {env['torch']}, "
        f"torchaudio {env['torchaudio']}, Python {env['python']}"
    )


def render_markdown(results: dict) -> str:
    """benchmarks/results.md, from results.json."""
    parts, env = results["parts"], results["parts"]["speed"]["environment"]
    quick = " Some parts are --quick smoke runs." if any(p.get("quick") for p in parts.values()) else ""
    lines = [
        f"Measured {env['date']} on {environment_line(env)} (--part speed).{quick}",
        "",
        "Written by `benchmarks/benchmark.py` (`make benchmark`) into `benchmarks/results.json`, and rendered",
        "from it into this file and the README (`benchmarks/benchmark.py --render`); each part was run on its",
        "own (`--part`), speed, chunks and profile on a quiet machine (nothing else running), memory",
        "afterwards. Timings are medians of per-pair ratios over back-to-back runs in alternating order",
        f"({parts['speed']['pairs']} pairs); every timing comparison has an A/A control (torchaudio against",
        "itself), the noise floor of that moment.",
        "",
        "## Speed (`--part speed`)",
        "",
        *table(parts["speed"]["rows"]),
        "",
        f"## Chunk size (`--part chunks`; {parts['chunks']['environment']['machine']}, "
        f"{parts['chunks']['environment']['date']})",
        "",
        *table(parts["chunks"]["rows"]),
        "",
        "## Where the time goes (`--part profile`): seconds per layer for conv / norm / GELU, "
        f"{parts['profile']['audio_seconds']:g} s of audio",
        "",
        *table(parts["profile"]["rows"]),
        "",
        "## Memory (`--part memory`)",
        "",
        MEMORY_NOTE,
        "",
        *table(parts["memory"]["rows"]),
        "",
        "The wall times of the memory rows include other jobs that ran meanwhile (notebooks and tests): take",
        "speed from the speed table.",
        "",
        f"## Earlier measurements ({results['earlier']['date']}, while choosing the defaults)",
        "",
        "| measurement | result | decision |",
        "|---|---|---|",
        *[f"| {r['measurement']} | {_pairs(r)} | {r['decision']} |" for r in results["earlier"]["rows"]],
        "",
        *results["earlier"]["notes"],
    ]
    return "\n".join(lines) + "\n"


MEMORY_NOTE = (
    "Memory: peak RSS (VmHWM) of a fresh process in MB (10^6 bytes), including the process's baseline "
    "(Python, torch, the weights, and for a full pass the whole audio); a full pass's baseline is that "
    "process without the forward pass."
)
#: The README's generated tables: the speed part's rows and the memory part's rows.
README_TABLES = {"speed": "<!-- benchmark table: speed -->", "memory": "<!-- benchmark table: memory -->"}
README_END = "<!-- end of benchmark table -->"


def render_readme(readme: str, results: dict) -> str:
    """The README with its benchmark tables (between their marker comments) rendered from results.json."""
    for part, start in README_TABLES.items():
        before, found, rest = readme.partition(start + "\n")
        _, end, after = rest.partition(README_END)
        if not (found and end):
            raise ValueError(f"README.md lacks the markers {start} ... {README_END}")
        readme = before + start + "\n" + "\n".join(table(results["parts"][part]["rows"])) + "\n" + README_END + after
    return readme


def write_json(results: dict, path: Path = RESULTS_JSON) -> None:
    """results.json, one row per line (diffs stay readable)."""
    text = json.dumps(results, indent=1)
    for rows in [p["rows"] for p in results["parts"].values()] + [results["earlier"]["rows"]]:
        for row in rows:
            text = text.replace(json.dumps(row, indent=1).replace("\n", "\n" + " " * 4), json.dumps(row), 1)
    path.write_text(text + "\n", encoding="utf-8")


def render(results: dict) -> dict:
    """path -> text of every file rendered from the results."""
    return {RESULTS_MD: render_markdown(results), README: render_readme(README.read_text(encoding="utf-8"), results)}


# ---------------------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------------------


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter audio and fewer repeats (a smoke run)")
    parser.add_argument(
        "--part",
        choices=["all", *PARTS],
        default="all",
        help="speed: timings (needs a quiet machine); chunks: chunked/full-pass ratio per chunk size; "
        "profile: time per layer; memory: peak RSS. all = speed, profile and memory",
    )
    parser.add_argument(
        "--pairs", type=int, default=None, help="timing pairs per comparison (default 10; 3 with --quick)"
    )
    parser.add_argument(
        "--out", type=Path, default=RESULTS_JSON, help="the JSON to update (tables are rendered only from the default)"
    )
    parser.add_argument("--render", action="store_true", help="measure nothing: re-render the tables from the JSON")
    parser.add_argument("--check", action="store_true", help="with --render: fail if a rendered file differs")
    args = parser.parse_args(argv)
    results = benchmark_results.load(args.out if args.out.exists() else RESULTS_JSON)
    if args.render:
        stale = [path for path, text in render(results).items() if path.read_text(encoding="utf-8") != text]
        if args.check:
            for path in stale:
                print(f"{path.name} differs from what {RESULTS_JSON.name} renders: run {Path(__file__).name} --render")
            return 1 if stale else 0
        for path, text in render(results).items():
            path.write_text(text, encoding="utf-8")
        return 0
    parts = {"speed", "profile", "memory"} if args.part == "all" else {args.part}
    measured = measure(parts, args.quick, args.pairs)
    env = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "torchaudio": torchaudio.__version__,
        "python": platform.python_version(),
    }
    for part, entry in measured.items():
        results["parts"][part] = {"environment": env, "quick": args.quick, **entry}
    write_json(results, args.out)
    print(f"\n{environment_line(env)}\nwritten: {args.out}")
    if args.out == RESULTS_JSON:
        for path, text in render(results).items():
            path.write_text(text, encoding="utf-8")
        print(f"rendered: {RESULTS_MD} and the README's tables")
    return 0


def measure(parts: set, quick: bool, pairs: int | None) -> dict:
    """part -> {"rows": [...], and the part's settings} for each part run."""
    speed_s, default_pairs = (10.0, 3) if quick else (60.0, 10)
    pairs = pairs or default_pairs
    rss_minutes = [1] if quick else [10, 60]
    chunk_sizes = [2.0, 8.0] if quick else [1.0, 2.0, 4.0, 8.0, 30.0]
    out = {part: {"rows": []} for part in PARTS if part in parts}
    for part in ("speed", "chunks"):
        if part in out:
            out[part]["pairs"] = pairs
    if "profile" in out:
        out["profile"]["audio_seconds"] = speed_s

    def row(part, **values):
        out[part]["rows"].append(values)
        print("{:<62} {:<28} {}".format(*describe(values)), flush=True)

    x = signal(speed_s)
    matmul = matmul_gflops() if parts & {"speed", "chunks"} else None
    for part in ("speed", "chunks"):
        if part in parts:
            row(part, kind="matmul", gflops=round(matmul, 1))

    for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"] if parts & {"speed", "chunks", "profile"} else []:
        p = w2v.get_preset(preset)
        mirror = w2v.random_extractor(preset)
        theirs = ta_components._get_feature_extractor(p.norm_mode, list(p.shapes), p.bias).eval()
        theirs.load_state_dict(mirror.state_dict(), strict=True)
        flops = count_flops(theirs, x)

        full_mirror, full_theirs = functools.partial(full_pass, mirror, x), functools.partial(full_pass, theirs, x)
        chunked = functools.partial(extract_chunked, mirror, x, chunk_seconds=DEFAULT_CHUNK_SECONDS, progress=False)

        def throughput(seconds, flops=flops):
            rate = flops / seconds / 1e9
            return {  # as the table rounds them
                "gflops": round(rate, 1),
                "of_matmul": round(rate / matmul, 2),
                "realtime": round(speed_s / seconds),
            }

        if "speed" in parts:
            # 1. mirror vs torchaudio, same weights, same input, and the A/A control
            tm, tt, ratio, lo, hi = paired_times(full_mirror, full_theirs, pairs)
            row(
                "speed", kind="mirror_vs_torchaudio", preset=preset, audio_seconds=speed_s,
                mirror_s=tm, torchaudio_s=tt, ratio=ratio, pairs=[lo, hi],
            )  # fmt: skip
            _, _, ratio, lo, hi = paired_times(full_theirs, full_theirs, pairs)
            row("speed", kind="aa_control", preset=preset, ratio=ratio, pairs=[lo, hi])
            row(
                "speed", kind="full_pass_throughput", preset=preset, **throughput(tt),
                gflop_per_audio_second=round(flops / speed_s / 1e9, 2),
            )  # fmt: skip
            # 2. chunked (default chunk size) vs torchaudio's full pass, outputs compared
            reference, got = full_theirs(), chunked()
            diff = got - reference
            tf, tc, ratio, lo, hi = paired_times(full_theirs, chunked, pairs)
            row(
                "speed", kind="chunked_vs_full_pass", preset=preset, chunk_seconds=DEFAULT_CHUNK_SECONDS,
                full_pass_s=tf, chunked_s=tc, ratio=ratio, pairs=[lo, hi],
                max_abs_diff=float(diff.abs().max()), relative_diff=float(diff.norm() / reference.norm()),
            )  # fmt: skip
            at = {"preset": preset, "chunk_seconds": DEFAULT_CHUNK_SECONDS}
            row("speed", kind="chunked_throughput", **at, **throughput(tc))

        if "chunks" in parts:
            # 3. the chunk size: full-pass / chunked time for each, paired
            _, _, ratio, lo, hi = paired_times(full_theirs, full_theirs, pairs)
            row("chunks", kind="aa_control_chunk_sizes", preset=preset, ratio=ratio, pairs=[lo, hi])
            for seconds in chunk_sizes:
                _, tc, ratio, lo, hi = paired_times(
                    full_theirs, functools.partial(chunked, chunk_seconds=seconds), pairs
                )
                row(
                    "chunks", kind="chunk_size", preset=preset, chunk_seconds=seconds, ratio=ratio, pairs=[lo, hi],
                    chunked_s=tc, default=seconds == DEFAULT_CHUNK_SECONDS,
                )  # fmt: skip

        if "profile" in parts:
            # 4. where the time goes: conv, norm and GELU of each layer, full pass and chunks
            for seconds in (None, DEFAULT_CHUNK_SECONDS):
                profile_layers(mirror, x, seconds)  # warm-up
                layers = profile_layers(mirror, x, seconds)
                row(
                    "profile", kind="profile", preset=preset, chunk_seconds=seconds,
                    layers_conv_norm_gelu_s=[list(t) for t in layers], total_s=sum(map(sum, layers)),
                )  # fmt: skip

    # 5. peak memory from files, fresh processes
    with tempfile.TemporaryDirectory() as tmp:
        for minutes in rss_minutes if "memory" in parts else []:
            wav = Path(tmp) / f"{minutes}min.wav"
            write_wav(wav, minutes * 60)
            for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
                t0 = time.perf_counter()
                cli = ["extract", wav, Path(tmp) / "f.npy", "--preset", preset, "--weights", "random", "--no-progress"]
                mb = peak_rss_mb(CHILD_CLI, *cli)
                row(
                    "memory", kind="peak_rss_chunked_cli", preset=preset, chunk_seconds=DEFAULT_CHUNK_SECONDS,
                    minutes=minutes, peak_mb=round(mb), wall_s=round(time.perf_counter() - t0),
                )  # fmt: skip
            layer0_mb = w2v.chunked.peak_layer0_bytes(minutes * 60 * SR) / 1e6
            for preset in ["wav2vec2_base", "wav2vec2_large_lv60k"]:
                needed = 4 * layer0_mb + 2000  # full passes measured 2.5x-3.5x layer 0 above the baseline
                where = {"preset": preset, "minutes": minutes}
                if needed > available_mb():
                    row(
                        "memory", kind="full_pass_not_run", **where, needed_mb=round(needed),
                        available_mb=round(available_mb()), layer0_mb=round(layer0_mb),
                    )  # fmt: skip
                    continue
                try:
                    peak = peak_rss_mb(CHILD_FULL, wav, preset, "forward")
                    baseline = peak_rss_mb(CHILD_FULL, wav, preset, "baseline")
                except RuntimeError as err:
                    reason = " ".join(str(err).split())[:120].replace("|", "/")
                    row("memory", kind="full_pass_failed", **where, reason=reason)
                    continue
                row(
                    "memory", kind="peak_rss_full_pass", **where, peak_mb=round(peak), baseline_mb=round(baseline),
                    layer0_mb=round(layer0_mb), ratio=round((peak - baseline) / layer0_mb, 2),
                )  # fmt: skip
    return out


if __name__ == "__main__":
    sys.exit(main())
