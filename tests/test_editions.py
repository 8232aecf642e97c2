"""Editions with other weights (``make series WEIGHTS=... SEED=...``), and the check that the checked
statements which claim to hold for any weights do.

* Three editions of one short notebook each, through ``build_series.main`` (what ``make series
  WEIGHTS=...`` runs): from a torchaudio-layout checkpoint, a Hugging Face-layout checkpoint, and
  WAV2VEC2_BASE pre-placed in torch hub's cache. The banner names the weights; the committed
  notebooks and the default build are untouched.
* Bad weights fail before any notebook runs, with a message that says what to do.
* One execution of the whole series, as the STUDENT edition (solutions stubbed), with a second set of
  weights: Base weights whose layer 0 is Hann-windowed cosines, and SEED=1 for every other preset.
  Every checker must say "Not answered yet" (the student edition runs), and every checked cell not
  tagged ``depends-on-weights`` must print what the committed notebook shows, compared as nbval does.
"""

import copy
import hashlib
import re
import subprocess
import urllib.error
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import build_series
import nbformat
import pytest
import torch
import torchaudio
from nbclient.exceptions import CellExecutionError
from nbval.plugin import coalesce_streams, get_sanitize_patterns, transform_streams_for_comparison
from series import editions, npm, sources
from series.sources import NBVAL_MARKER
from series.student import SOLUTION_TAG, student_copy
from test_weight_choice import BASE, hugging_face_layout, place_bundle_file, torchaudio_extractor, torchaudio_layout

from w2v2_walkthrough import random_extractor

ROOT = sources.ROOT
ONE_NOTEBOOK = "02"  # the quickest one: the layout tests only need its banner
WEIGHT_TAG = "depends-on-weights"
CHECKER = "w2v.exercises.check_"


# ---------------------------------------------------------------------------------------------------------
# Editions from each kind of weights
# ---------------------------------------------------------------------------------------------------------


def snapshot() -> dict:
    """Every committed notebook's bytes and mtime, and every default-build file's size and mtime."""
    state = {
        p: (p.stat().st_mtime_ns, hashlib.sha1(p.read_bytes()).hexdigest())
        for p in sources.NOTEBOOKS.iterdir()
        if p.is_file()
    }
    build = sources.BUILD
    if build.exists():
        for p in build.rglob("*"):
            if p.is_file() and not p.is_relative_to(build / "editions"):
                state[p] = (p.stat().st_mtime_ns, p.stat().st_size)
    return state


def stand_in_npm_install(name, version, integrity, dest, keep, marker) -> Path:
    """``series.npm.install`` without the npm registry (reveal.js, KaTeX): only the marker file."""
    (dest / marker).parent.mkdir(parents=True, exist_ok=True)
    (dest / marker).write_text(f"// stand-in for {name} {version}\n")
    return dest


@pytest.fixture
def editions_dir(tmp_path, monkeypatch):
    """Editions go to a temporary folder."""
    monkeypatch.setattr(editions, "EDITIONS", tmp_path / "editions")
    return tmp_path / "editions"


def banner_of(nb) -> str:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "weights.banner()" in c.source]
    return "".join(o.get("text", "") for o in cell.outputs)


#: (WEIGHTS, SEED or None, the edition folder it must get) per layout; paths relative to a temp folder.
LAYOUTS = {
    "torchaudio": ("my_base.pt", 2, "my_base-seed2"),
    "hugging_face": ("wav2vec2-base/model.bin", None, "wav2vec2-base-model"),  # relative: made absolute
    "bundle": ("WAV2VEC2_BASE", None, "wav2vec2_base"),
}


@pytest.fixture(scope="module")
def layout_editions(tmp_path_factory):
    """``make series WEIGHTS=... [SEED=...] `` of one notebook for each layout, the three builds at once
    (each kernel is its own process). Returns the temp folder, what each build returned (or raised),
    and the committed or default-build files that changed meanwhile."""
    tmp = tmp_path_factory.mktemp("layouts")
    reference = torchaudio_extractor(BASE, seed=31)
    torch.save(torchaudio_layout(reference), tmp / "my_base.pt")
    (tmp / "wav2vec2-base").mkdir()
    torch.save(hugging_face_layout(reference), tmp / "wav2vec2-base" / "model.bin")
    place_bundle_file(tmp / "torch", reference)
    patch = pytest.MonkeyPatch()
    patch.setattr(editions, "EDITIONS", tmp / "editions")
    patch.setattr(npm, "install", stand_in_npm_install)
    patch.setenv("TORCH_HOME", str(tmp / "torch"))  # the kernels inherit it
    patch.setenv("OMP_NUM_THREADS", "1")  # three kernels at once, beside the rest of the suite
    patch.chdir(tmp)

    def build(layout):
        weights, seed, _ = LAYOUTS[layout]
        argv = ["--weights", weights, "--only", ONE_NOTEBOOK] + ([] if seed is None else ["--seed", str(seed)])
        return build_series.main(argv)

    before = snapshot()
    try:
        with ThreadPoolExecutor(len(LAYOUTS)) as pool:
            futures = {layout: pool.submit(build, layout) for layout in LAYOUTS}
            status = {layout: f.exception() or f.result() for layout, f in futures.items()}
    finally:
        patch.undo()
    after = snapshot()
    changed = sorted(str(p) for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    return tmp, status, changed


def built_edition(layout_editions, layout: str) -> dict:
    tmp, status, changed = layout_editions
    weights = LAYOUTS[layout][0]
    assert status[layout] == 0, f"make series WEIGHTS={weights} returned {status[layout]!r}: see its output above"
    assert not changed, f"the committed notebooks or the default build changed: {changed}"
    out = tmp / "editions" / LAYOUTS[layout][2]
    (notebook,) = (out / "notebooks").glob(f"{ONE_NOTEBOOK}_*.ipynb")
    (page,) = (out / "site").glob(f"{ONE_NOTEBOOK}_*.html")
    assert len(list((out / "slides").glob(f"{ONE_NOTEBOOK}_*.slides.html"))) == 1
    assert (out / "site" / "index.html").exists() and (out / "slides" / "reveal.js" / "dist" / "reveal.js").exists()
    nb = nbformat.read(notebook, as_version=4)
    params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    injected = nb.cells[params + 1]
    assert injected.metadata["tags"] == [sources.INJECTED_TAG]
    return {"tmp": tmp, "banner": banner_of(nb), "injected": injected.source, "page": page.read_text(), "out": out}


def test_edition_from_a_torchaudio_checkpoint(layout_editions):
    built = built_edition(layout_editions, "torchaudio")
    assert f"WEIGHTS = {str(built['tmp'] / 'my_base.pt')!r}" in built["injected"] and "SEED = 2" in built["injected"]
    assert "my_base.pt" in built["banner"] and "NOT pretrained" not in built["banner"]
    assert "my_base.pt" in built["page"]
    assert "wav2vec2_base: checkpoint my_base.pt" in (built["out"] / "WEIGHTS.txt").read_text()


def test_edition_from_a_hugging_face_checkpoint_given_by_a_relative_path(layout_editions):
    built = built_edition(layout_editions, "hugging_face")
    assert repr(str(built["tmp"] / "wav2vec2-base" / "model.bin")) in built["injected"]  # the kernels run elsewhere
    assert "model.bin" in built["banner"] and "NOT pretrained" not in built["banner"]


def test_edition_from_a_bundle_pre_placed_in_torch_hubs_cache(layout_editions):
    built = built_edition(layout_editions, "bundle")
    assert "WEIGHTS = 'WAV2VEC2_BASE'" in built["injected"]
    assert "torchaudio bundle WAV2VEC2_BASE" in built["banner"]


@pytest.fixture
def no_execution(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a notebook was executed although the weights are unusable")

    monkeypatch.setattr(sources, "execute", refuse)


@pytest.mark.usefixtures("no_execution")
def test_unusable_weights_fail_before_anything_runs(tmp_path, editions_dir, monkeypatch, capsys):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(type(torchaudio.pipelines.WAV2VEC2_BASE), "get_model", offline)
    torch.save(torchaudio_layout(torchaudio_extractor(BASE, seed=33, bias=True)), tmp_path / "biased.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a checkpoint")
    mis_shaped = torchaudio_layout(torchaudio_extractor(BASE, seed=34))
    mis_shaped["feature_extractor.conv_layers.0.conv.weight"] = torch.zeros(256, 1, 10)
    torch.save(mis_shaped, tmp_path / "mis_shaped.pt")
    expected = {
        "WAV2VEC2_BASE": "place the file at " + str(tmp_path / "torch" / "hub" / "checkpoints" / "wav2vec2_fair"),
        "WAV2VEC9": "Unknown torchaudio bundle 'WAV2VEC9'",
        str(tmp_path / "none.pt"): "Checkpoint not found",
        str(tmp_path / "junk.pt"): "could not be read as a PyTorch checkpoint",
        str(tmp_path / "biased.pt"): "fits none of the presets",
        str(tmp_path / "mis_shaped.pt"): "checkpoint [256, 1, 10] vs extractor [512, 1, 10]",
    }
    for weights, message in expected.items():
        assert build_series.main(["--weights", weights]) == 2
        said = capsys.readouterr().out
        assert message in said and "Nothing was executed" in said, said
        assert "WAV2VEC2_BASE" in said  # the usage line says what WEIGHTS may be
    assert not editions_dir.exists()


def test_edition_folders():
    assert editions.slug("WAV2VEC2_BASE", 0) == "wav2vec2_base"
    assert editions.slug("random", 3) == "random-seed3"
    assert editions.slug("/data/hf/wav2vec2-base-960h/pytorch_model.bin", 0) == "wav2vec2-base-960h-pytorch_model"
    assert editions.slug("/data/my ckpt (v2).pt", 1) == "my-ckpt-v2-seed1"
    assert editions.edition_dir("WAV2VEC2_BASE", 0) == ROOT / "build" / "editions" / "wav2vec2_base"


def test_make_series_passes_weights_and_seed():
    def dry_run(*args):
        command = ["make", "--no-print-directory", "-n", "series", *args]  # also when run under `make test`
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        return out.stdout.strip().splitlines()[-1]

    assert dry_run("WEIGHTS=WAV2VEC2_BASE", "SEED=1").endswith('build_series.py --weights "WAV2VEC2_BASE" --seed "1"')
    assert dry_run().endswith("build_series.py")


# ---------------------------------------------------------------------------------------------------------
# Statements that claim to hold for any weights, checked with a second set of weights
# ---------------------------------------------------------------------------------------------------------

SECOND_SEED = 1
SECOND_WEIGHTS = "hann_cosine_layer0.pt"
COMMITTED = {p.stem: sources.read_executed(p) for p in sources.sources()}
#: What nbval leaves out of a comparison (nbval.plugin.IPyNbFile.skip_compare without --nbdime).
NBVAL_SKIPPED = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)
SANITIZE = get_sanitize_patterns((ROOT / "notebooks" / "nbval_sanitize.cfg").read_text())


def hann_cosines(filters: int = 512, taps: int = 10, sample_rate: int = 16_000) -> torch.Tensor:
    """An ideal layer 0: cosines at evenly spaced frequencies across 0..8 kHz under a Hann window
    (sampled at the taps' centres), each with the norm a kaiming_normal_ filter has on average."""
    n = torch.arange(taps, dtype=torch.float64)
    window = torch.sin(torch.pi * (n + 0.5) / taps) ** 2  # (taps,)
    freqs = (torch.arange(filters, dtype=torch.float64) + 0.5) * (sample_rate / 2) / filters  # (filters,)
    kernels = window * torch.cos(2 * torch.pi * freqs[:, None] * n / sample_rate)  # (filters, taps)
    kernels = kernels / kernels.norm(dim=1, keepdim=True) * 2**0.5  # E|w|^2 = taps * 2 / taps
    return kernels.float().unsqueeze(1)  # (filters, 1, taps)


def write_second_weights(folder: Path) -> Path:
    extractor = random_extractor(BASE, seed=SECOND_SEED)
    with torch.no_grad():
        extractor.conv_layers[0].conv.weight.copy_(hann_cosines())
    path = folder / SECOND_WEIGHTS
    torch.save(torchaudio_layout(extractor), path)
    return path


def run_student_edition(folder: Path) -> dict:
    """Every notebook's student copy executed with the second weights, one single-threaded kernel at
    a time (it runs beside the rest of the suite)."""
    students = {name: student_copy(nb) for name, nb in COMMITTED.items()}
    return editions.execute_all(students, str(write_second_weights(folder)), SECOND_SEED, jobs=1, threads=1)


def start_student_run(folder: Path) -> Future:
    """Start :func:`run_student_edition` in a background thread. conftest.py calls this when the
    session collects the tests below (and runs them last), so the series' second execution overlaps
    with the rest of the suite instead of adding to it."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="second-weights")
    future = pool.submit(run_student_edition, folder)
    pool.shutdown(wait=False)
    return future


#: Set by conftest.py when the run was started in the background.
BACKGROUND: dict = {}


@pytest.fixture(scope="module")
def student_run(tmp_path_factory) -> dict:
    """Every notebook's student copy executed once with the second weights: name -> notebook (the
    injected cell removed, so cells line up with the committed notebook) or the error it raised."""
    started = BACKGROUND.get("student_run")
    runs = started.result() if started else run_student_edition(tmp_path_factory.mktemp("weights"))
    for name, executed in runs.items():
        if not isinstance(executed, CellExecutionError):
            executed.cells = [c for c in executed.cells if sources.INJECTED_TAG not in c.metadata.get("tags", [])]
            assert len(executed.cells) == len(COMMITTED[name].cells), name
    return runs


def raised(runs: dict) -> list:
    """One line per notebook that raised: the cell (its first code line) and the error."""
    lines = []
    for name, err in runs.items():
        if isinstance(err, CellExecutionError):
            cell = [line for line in str(err).split("-" * 18)[1].splitlines() if line.strip()][:2]
            lines.append(f"{name} raised with the second weights in cell {cell!r}: {err.ename}: {err.evalue}")
    return lines


def test_student_edition_runs_and_every_checker_says_not_answered(student_run):
    assert not raised(student_run), "\n".join(raised(student_run))
    for name, executed in student_run.items():
        verdicts = [
            "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in c.outputs)
            for c in executed.cells
            if c.cell_type == "code" and CHECKER in c.source
        ]
        solutions = [c for c in COMMITTED[name].cells if SOLUTION_TAG in c.metadata.get("tags", [])]
        assert len(verdicts) == len(solutions), name
        assert all(v.startswith("Not answered yet") for v in verdicts), (name, verdicts)


def sanitize(text):
    if not isinstance(text, str):
        return text
    for regex, replace in SANITIZE:
        text = re.sub(regex, replace, text)
    return text


def comparable(outputs: list) -> dict:
    """A cell's outputs as nbval compares them: streams coalesced, keyed by stream name or MIME type,
    images and metadata left out, every string sanitized."""
    flat = defaultdict(list)
    for out in transform_streams_for_comparison(coalesce_streams(copy.deepcopy(outputs))):
        for key, value in out.items():
            if key == "data":
                for mime, data in value.items():
                    if mime not in NBVAL_SKIPPED:
                        flat[mime].append(sanitize(data))
            elif key not in NBVAL_SKIPPED:
                flat[key].append(sanitize(value))
    return dict(flat)


def first_difference(committed: dict, now: dict) -> str:
    if committed.keys() != now.keys():
        return f"output kinds {sorted(committed)} became {sorted(now)}"
    for key in committed:
        if len(committed[key]) != len(now[key]):
            return f"{len(committed[key])} {key} outputs became {len(now[key])}"
        for a, b in zip(committed[key], now[key], strict=True):
            a_lines, b_lines = str(a).splitlines(), str(b).splitlines()
            for i in range(max(len(a_lines), len(b_lines))):
                x = a_lines[i] if i < len(a_lines) else "<no line>"
                y = b_lines[i] if i < len(b_lines) else "<no line>"
                if x != y:
                    return f"{key} line {i + 1}: committed {x!r}, with the second weights {y!r}"
    return ""


def weight_independent_checked_cells(nb):
    """Indices of the cells nbval checks that claim to print the same for any weights."""
    for i, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if (
            cell.cell_type == "code"
            and cell.source.splitlines()[:1] == [NBVAL_MARKER]
            and WEIGHT_TAG not in tags
            and SOLUTION_TAG not in tags
            and CHECKER not in cell.source  # an exercise's verdict changes by design
        ):
            yield i


def test_checked_statements_that_claim_weight_independence_hold_for_other_weights(student_run):
    failures, compared = raised(student_run), 0
    for name, nb in COMMITTED.items():
        if isinstance(student_run[name], CellExecutionError):
            continue  # reported above; the other notebooks are still compared
        for i in weight_independent_checked_cells(nb):
            compared += 1
            difference = first_difference(
                comparable(nb.cells[i].outputs), comparable(student_run[name].cells[i].outputs)
            )
            if difference:
                first_code_line = nb.cells[i].source.splitlines()[1] if nb.cells[i].source.count("\n") else ""
                failures.append(f"{name}, cell {i} ({first_code_line[:60]!r}): {difference}")
    assert compared > 0
    assert not failures, (
        f"With WEIGHTS={SECOND_WEIGHTS}, SEED={SECOND_SEED}, {len(failures)} checked cells not tagged "
        f"{WEIGHT_TAG!r} print something else (tag them and print the statement from the loaded weights, "
        "or make them weight-independent), or raise (asserts must hold for any weights):\n" + "\n".join(failures)
    )
