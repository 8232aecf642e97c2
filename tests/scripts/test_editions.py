"""Editions with other weights and clips (``make series WEIGHTS=... SEED=... AUDIO=...``).

* Three editions of one short notebook each, through ``build_series.main`` (what ``make series
  WEIGHTS=...`` runs): from a torchaudio-layout checkpoint (with a stereo 22.05 kHz recording as
  AUDIO too), a Hugging Face-layout checkpoint, and WAV2VEC2_BASE pre-placed in torch hub's cache.
  The banners name the weights and the clip; the committed notebooks and the default build are
  untouched.
* Bad weights and bad recordings fail before any notebook runs, with a message that says what to do.

That the notebooks' weight-independent statements hold for other weights is checked in
tests/notebooks/test_second_weights.py.
"""

import hashlib
import subprocess
import urllib.error
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ClassVar

import jupytext
import nbformat
import pytest
import torch
import torchaudio

import build_series
from helpers import (
    BASE,
    SECOND_CLIP,
    hugging_face_layout,
    in_this_thread,
    place_bundle_file,
    torchaudio_extractor,
    torchaudio_layout,
    write_second_clip,
)
from series import editions, npm, sources

ROOT = sources.ROOT
ONE_NOTEBOOK = "02"  # its header (title, setup, parameters, banner): the layout tests need the banner only


# ---------------------------------------------------------------------------------------------------------
# Editions from each kind of weights
# ---------------------------------------------------------------------------------------------------------


def snapshot() -> dict:
    """Every committed notebook's bytes and mtime, and every default-build file's size and mtime."""
    state = {
        p: (p.stat().st_mtime_ns, hashlib.sha1(p.read_bytes()).hexdigest())
        for p in (ROOT / "notebooks").iterdir()
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


class StandInSite:
    """``series.site.SiteBuild`` without Sphinx: it records the notebooks it was given. The site itself
    is built with Sphinx and checked in the browser by tests/scripts/test_browser.py; here what
    matters is that an edition hands its own executed notebooks to it, and where."""

    given: ClassVar[dict] = {}  # out folder -> {name: executed notebook}

    def __init__(self, notebooks: dict, out: Path):
        self.out = out
        StandInSite.given[out] = dict(notebooks)
        out.mkdir(parents=True, exist_ok=True)
        (out / "index.html").write_text("stand-in", encoding="utf-8")

    def wait(self) -> Path:
        return self.out / "index.html"


@pytest.fixture
def editions_dir(tmp_path, monkeypatch):
    """Editions go to a temporary folder."""
    monkeypatch.setattr(editions, "EDITIONS", tmp_path / "editions")
    return tmp_path / "editions"


def banner_of(nb) -> str:
    (cell,) = [c for c in nb.cells if c.cell_type == "code" and "weights.banner()" in c.source]
    return "".join(o.get("text", "") for o in cell.outputs)


#: (WEIGHTS, SEED or None, AUDIO or None, the edition folder it must get) per layout; paths relative to
#: a temp folder.
LAYOUTS = {
    "torchaudio": ("my_base.pt", 2, SECOND_CLIP, "my_base-seed2-audio-" + SECOND_CLIP.removesuffix(".wav")),
    "hugging_face": ("wav2vec2-base/model.bin", None, None, "wav2vec2-base-model"),  # relative: made absolute
    "bundle": ("WAV2VEC2_BASE", None, None, "wav2vec2_base"),
}


def write_header_only(folder: Path) -> Path:
    """Notebook ONE_NOTEBOOK cut after its banner cell, as the only source in ``folder``."""
    (source,) = (ROOT / "notebooks").glob(f"{ONE_NOTEBOOK}_*.py")
    nb = jupytext.read(source)
    banner = next(i for i, c in enumerate(nb.cells) if "weights.banner()" in c.source)
    nb.cells = nb.cells[: banner + 1]
    folder.mkdir()
    jupytext.write(nb, folder / source.name, fmt="py:percent")
    return folder


@pytest.fixture(scope="module")
def layout_editions(tmp_path_factory, background_built):
    """``make series WEIGHTS=... [SEED=...] `` of one notebook's header for each layout, the three builds at once
    (each kernel is its own process). Returns the temp folder, what each build returned (or raised),
    and the committed or default-build files that changed meanwhile (after the session's background
    builds into build/ finished: ``background_built``)."""
    tmp = tmp_path_factory.mktemp("layouts")
    reference = torchaudio_extractor(BASE, seed=31)
    torch.save(torchaudio_layout(reference), tmp / "my_base.pt")
    (tmp / "wav2vec2-base").mkdir()
    torch.save(hugging_face_layout(reference), tmp / "wav2vec2-base" / "model.bin")
    place_bundle_file(tmp / "torch", reference)
    write_second_clip(tmp)
    patch = pytest.MonkeyPatch()
    patch.setattr(editions, "EDITIONS", tmp / "editions")
    patch.setattr(npm, "install", stand_in_npm_install)
    patch.setattr(editions, "SiteBuild", StandInSite)
    patch.setattr(sources, "NOTEBOOKS", write_header_only(tmp / "notebooks"))
    patch.setenv("TORCH_HOME", str(tmp / "torch"))  # the kernels inherit it
    patch.setenv("OMP_NUM_THREADS", "1")  # three kernels at once, beside the rest of the suite
    patch.chdir(tmp)

    def build(layout):
        weights, seed, audio, _ = LAYOUTS[layout]
        argv = ["edition", "--weights", weights, "--only", ONE_NOTEBOOK]
        argv += [] if seed is None else ["--seed", str(seed)]
        argv += [] if audio is None else ["--audio", audio]
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
    out = tmp / "editions" / LAYOUTS[layout][3]
    (notebook,) = (out / "notebooks").glob(f"{ONE_NOTEBOOK}_*.ipynb")
    (site_notebook,) = StandInSite.given[out / "site"].values()  # the site gets the edition's notebook
    assert len(list((out / "slides").glob(f"{ONE_NOTEBOOK}_*.slides.html"))) == 1
    assert (out / "site" / "index.html").exists() and (out / "slides" / "reveal.js" / "dist" / "reveal.js").exists()
    nb = nbformat.read(notebook, as_version=4)
    params = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    injected = nb.cells[params + 1]
    assert injected.metadata["tags"] == [sources.INJECTED_TAG]
    assert banner_of(site_notebook) == banner_of(nb)
    return {"tmp": tmp, "banner": banner_of(nb), "injected": injected.source, "out": out}


@pytest.mark.slow
def test_edition_from_a_torchaudio_checkpoint(layout_editions):
    built = built_edition(layout_editions, "torchaudio")
    assert f"WEIGHTS = {str(built['tmp'] / 'my_base.pt')!r}" in built["injected"] and "SEED = 2" in built["injected"]
    assert "my_base.pt" in built["banner"] and "NOT pretrained" not in built["banner"]
    assert "wav2vec2_base: checkpoint my_base.pt" in (built["out"] / "WEIGHTS.txt").read_text()
    # the recording: given relative, injected absolute; the banner and WEIGHTS.txt name it
    assert f"AUDIO = {str(built['tmp'] / SECOND_CLIP)!r}" in built["injected"]
    clip = f"Clip: {SECOND_CLIP} (22050 Hz, 2 channels averaged), 2.60 s at 16 kHz."
    assert clip in built["banner"] and clip in (built["out"] / "WEIGHTS.txt").read_text()


@pytest.mark.slow
def test_edition_from_a_hugging_face_checkpoint_given_by_a_relative_path(layout_editions):
    built = built_edition(layout_editions, "hugging_face")
    assert repr(str(built["tmp"] / "wav2vec2-base" / "model.bin")) in built["injected"]  # the kernels run elsewhere
    assert "model.bin" in built["banner"] and "NOT pretrained" not in built["banner"]


@pytest.mark.slow
def test_edition_from_a_bundle_pre_placed_in_torch_hubs_cache(layout_editions):
    built = built_edition(layout_editions, "bundle")
    assert "WEIGHTS = 'WAV2VEC2_BASE'" in built["injected"]
    assert "torchaudio bundle WAV2VEC2_BASE" in built["banner"]
    assert "AUDIO = None" in built["injected"] and "Clip: the bundled speech clip" in built["banner"]


@pytest.fixture
def no_execution(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a notebook was executed although the weights are unusable")

    monkeypatch.setattr(sources, "execute", in_this_thread(refuse, sources.execute))


def refused(capsys, option: str, expected: dict, usage: str) -> None:
    """``build_series.py edition OPTION VALUE`` exits 2 for each value before running anything, saying
    the value's message and the usage line."""
    for value, message in expected.items():
        assert build_series.main(["edition", option, value]) == 2
        said = capsys.readouterr().out
        assert message in said and "Nothing was executed" in said and usage in said, said


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
    refused(capsys, "--weights", expected, usage="WAV2VEC2_BASE")  # the usage line says what WEIGHTS may be
    assert not editions_dir.exists()


@pytest.mark.usefixtures("no_execution")
def test_unusable_recordings_fail_before_anything_runs(tmp_path, editions_dir, capsys):
    import soundfile

    soundfile.write(tmp_path / "short.wav", torch.zeros(1_000, 2).numpy(), 8_000)  # 0.125 s, stereo
    (tmp_path / "notes.wav").write_text("not audio")
    expected = {
        str(tmp_path / "none.wav"): "none.wav: no such file",
        str(tmp_path): "no such file (it is a folder)",
        str(tmp_path / "notes.wav"): "is not an audio file soundfile can read",
        str(tmp_path / "short.wav"): "short.wav is 0.12 s long at 16 kHz; the series needs at least 2 s",
    }
    refused(capsys, "--audio", expected, usage="make series AUDIO=path/to/recording.wav")  # in make's terms
    assert not editions_dir.exists()


def test_edition_folders():
    assert editions.slug("WAV2VEC2_BASE", 0) == "wav2vec2_base"
    assert editions.slug("random", 3) == "random-seed3"
    assert editions.slug("/data/hf/wav2vec2-base-960h/pytorch_model.bin", 0) == "wav2vec2-base-960h-pytorch_model"
    assert editions.slug("/data/my ckpt (v2).pt", 1) == "my-ckpt-v2-seed1"
    assert editions.edition_dir("WAV2VEC2_BASE", 0) == ROOT / "build" / "editions" / "wav2vec2_base"
    assert editions.slug("random", 0, "/rec/My talk (take 2).flac") == "random-audio-My-talk-take-2"
    assert editions.slug("WAV2VEC2_BASE", 1, "talk.wav") == "wav2vec2_base-seed1-audio-talk"


def test_make_series_passes_weights_seed_and_audio():
    def dry_run(*args):
        command = ["make", "--no-print-directory", "-n", "series", *args]  # also when run under `make test`
        out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
        return out.stdout.strip().splitlines()[-1]

    assert dry_run("WEIGHTS=WAV2VEC2_BASE", "SEED=1").endswith(
        'build_series.py edition --weights "WAV2VEC2_BASE" --seed "1"'
    )
    assert dry_run("SEED=3").endswith('build_series.py edition --weights "random" --seed "3"')
    assert dry_run("AUDIO=talk.wav").endswith('build_series.py edition --weights "random" --audio "talk.wav"')
    assert dry_run("AUDIO=a b.wav", "WEIGHTS=WAV2VEC2_BASE").endswith(
        'build_series.py edition --weights "WAV2VEC2_BASE" --audio "a b.wav"'
    )
    assert dry_run().endswith("build_series.py build")
