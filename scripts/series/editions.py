"""Editions of the series with other weights or another clip: ``make series WEIGHTS=WAV2VEC2_BASE
[SEED=n] [AUDIO=path/to/recording]``.

Every notebook has a cell tagged ``parameters`` (``WEIGHTS = "random"``, ``SEED = 0``,
``AUDIO = None``). An edition executes every notebook with other values injected right after it
(papermill's convention, see :func:`sources.inject_parameters`) and writes, under
``build/editions/<slug>/``::

    notebooks/  the executed notebooks
    site/       the reading site (:mod:`.site`)
    slides/     the lecture deck and one deck per notebook (reveal.js and KaTeX from the npm cache the
                default build fills)
    WEIGHTS.txt which weights each preset got, and the clip

The committed notebooks and the default build (``build/notebooks``, ``build/site`` ...) are never
written. The weights and the clip are loaded once here, before any notebook runs, so a bundle that
cannot be downloaded, a checkpoint that does not fit or a recording that cannot be read fails at
once with a message that says what to do. A recording is loaded as the command line loads it
(``w2v2_walkthrough.load_audio``, resampled to 16 kHz, several channels averaged as
``--multichannel mean`` does).
"""

import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat

from . import sources as src
from .lecture import with_lecture
from .site import SiteBuild
from .slides import render_slides

#: Where editions go; one folder per (weights, seed). Read at call time, so tests can redirect it.
EDITIONS = src.BUILD / "editions"
USAGE = (
    "WEIGHTS is a torchaudio bundle name (e.g. WAV2VEC2_BASE), the path of a torchaudio or Hugging Face "
    "checkpoint, or random; SEED (default 0) seeds the random weights of presets the weights do not fit."
)
#: Notebooks executed at a time (one kernel process each).
JOBS = max(1, min(4, os.cpu_count() or 1))
_GENERIC_STEMS = {"pytorch_model", "model", "checkpoint", "state_dict", "weights"}


AUDIO_USAGE = (
    "AUDIO is the path of a recording soundfile reads (WAV, FLAC or OGG; any sample rate, several channels are "
    "averaged), at least {seconds:g} s long: make series AUDIO=path/to/recording.wav [WEIGHTS=...]."
)


class EditionError(Exception):
    """An edition cannot be built from what it was given; the message says why and what to do."""


class WeightsError(EditionError):
    """The weights of an edition cannot be used; the message says why and what to do."""


class AudioError(EditionError):
    """The clip of an edition cannot be used; the message says why and what to do."""


def resolve(weights: str) -> str:
    """The ``WEIGHTS`` value the notebooks get: an existing file's absolute path (the notebooks run
    with notebooks/ as working directory), a bundle name or ``random`` as given."""
    weights = str(weights)
    path = Path(weights).expanduser()
    return str(path.resolve()) if weights != "random" and path.exists() else weights


def slug(weights: str, seed: int, audio: str | None = None) -> str:
    """The edition's folder name: ``wav2vec2_base``, ``my_checkpoint-seed1``, ``random-seed3``, and
    with a recording its stem after ``-audio-``: ``random-audio-talk``, ``wav2vec2_base-audio-talk`` ..."""
    from w2v2_walkthrough.weights import looks_like_bundle

    if weights == "random" or looks_like_bundle(weights):
        name = weights.lower()
    else:
        path = Path(weights)
        name = f"{path.parent.name}-{path.stem}" if path.stem in _GENERIC_STEMS else path.stem
    name = _safe(name) or "checkpoint"
    name = name if seed == 0 else f"{name}-seed{seed}"
    return name if audio is None else f"{name}-audio-{_safe(Path(audio).stem) or 'clip'}"


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.")


def edition_dir(weights: str, seed: int, audio: str | None = None) -> Path:
    return EDITIONS / slug(weights, seed, audio)


def load_clip(audio: str) -> str:
    """Load the recording once, as every notebook will (``w2v2_walkthrough.load_speech_clip``), and
    check that the series can run on it. Returns its absolute path (the notebooks run in
    notebooks/); raises :class:`AudioError` naming the fix."""
    from w2v2_walkthrough.audio import MIN_CLIP_SAMPLES, load_speech_clip
    from w2v2_walkthrough.presets import SAMPLE_RATE

    usage = AUDIO_USAGE.format(seconds=MIN_CLIP_SAMPLES / SAMPLE_RATE)
    path = Path(audio).expanduser()
    if not path.is_file():
        raise AudioError(f"AUDIO={audio}: no such file{' (it is a folder)' if path.is_dir() else ''}.\n{usage}")
    try:
        wave, _ = load_speech_clip(path)
    except (OSError, ValueError, RuntimeError) as err:
        raise AudioError(f"AUDIO={audio} cannot be loaded: {err}\n{usage}") from None
    if wave.numel() < MIN_CLIP_SAMPLES:
        raise AudioError(
            f"AUDIO={audio} is {wave.numel() / SAMPLE_RATE:.2f} s long at 16 kHz; the series needs at least "
            f"{MIN_CLIP_SAMPLES / SAMPLE_RATE:g} s.\n{usage}"
        )
    return str(path.resolve())


def load(weights: str, seed: int):
    """Load the weights once, as every notebook will (:class:`w2v2_walkthrough.WeightChoice`), and
    check that they fit at least one preset. Raises :class:`WeightsError` naming the fix."""
    from w2v2_walkthrough import PRESETS, WeightChoice

    try:
        choice = WeightChoice(weights, seed)
    except (OSError, ValueError, RuntimeError) as err:
        raise WeightsError(f"WEIGHTS={weights} cannot be loaded: {err}\n{USAGE}") from None
    if choice.is_random:
        return choice
    fitting = [p for p in PRESETS if choice.fits(p)]
    if not fitting:
        raise WeightsError(
            f"WEIGHTS={weights} holds a {choice.architecture[0]} extractor "
            f"{'with' if choice.architecture[1] else 'without'} conv bias, which fits none of the presets "
            f"({', '.join(PRESETS)}): every notebook would run on random weights.\n{USAGE}"
        )
    distinct = {(PRESETS[p].norm_mode, PRESETS[p].bias, PRESETS[p].shapes): p for p in fitting}
    for preset in distinct.values():  # load each distinct architecture once
        try:
            choice.extractor(preset)
        except ValueError as err:
            raise WeightsError(f"WEIGHTS={weights}: {err}\n{USAGE}") from None
    return choice


def parameters(weights: str, seed: int, audio: str | None = None) -> dict:
    """The values injected after every notebook's ``parameters`` cell."""
    return {"WEIGHTS": weights, "SEED": int(seed), "AUDIO": audio}


def execute_notebook(nb, weights: str, seed: int, threads: int | None = None, cwd=None, audio: str | None = None):
    """One notebook executed with these weights and clip (the injected cell tagged ``injected-parameters``)."""
    return src.execute(nb, parameters=parameters(weights, seed, audio), threads=threads, cwd=cwd)


def execute_all(
    notebooks: dict,
    weights: str,
    seed: int,
    jobs: int = JOBS,
    report=None,
    threads: int | None = None,
    cwd=None,
    audio: str | None = None,
) -> dict:
    """Execute every notebook with these weights and clip (``audio``, None: the bundled one), ``jobs``
    kernels at a time (each kernel is its own process), in ``cwd`` (default notebooks/). Returns
    name -> executed notebook, or the ``CellExecutionError`` it raised, in the given order;
    ``report(name, result, seconds)`` is called as each one finishes."""
    from nbclient.exceptions import CellExecutionError

    def run(name):
        t0 = time.perf_counter()
        try:
            result = execute_notebook(notebooks[name], weights, seed, threads, cwd, audio)
        except CellExecutionError as err:
            result = err
        if report is not None:
            report(name, result, time.perf_counter() - t0)
        return name, result

    with ThreadPoolExecutor(max(1, jobs)) as pool:
        return dict(pool.map(run, notebooks))


def build(paths: list, weights: str, seed: int = 0, audio: str | None = None) -> int:
    """``make series WEIGHTS=... SEED=... AUDIO=...``: execute ``paths`` with these weights and this
    clip and write the edition. Returns the exit status (2 when the weights or the clip cannot be
    used; nothing is executed then)."""
    weights = resolve(weights)
    try:
        audio = None if audio is None else load_clip(audio)
        choice = load(weights, seed)
    except EditionError as err:
        print(f"error: {err}\nNothing was executed; the committed notebooks and build/ are unchanged.")
        return 2
    out = edition_dir(weights, seed, audio)
    clip = "" if audio is None else f", clip {Path(audio).name}"
    print(f"edition with {choice.label()} (SEED={seed}){clip}: {out}/", flush=True)
    start = time.perf_counter()

    def report(name, result, seconds):
        print(f"{'executed' if isinstance(result, dict) else 'FAILED  '} {name} in {seconds:.1f} s", flush=True)

    notebooks = execute_all({p.stem: src.read_source(p) for p in paths}, weights, seed, report=report, audio=audio)
    print(f"series executed in {time.perf_counter() - start:.1f} s ({JOBS} at a time)")
    failed = {name: err for name, err in notebooks.items() if not isinstance(err, dict)}
    if failed:
        for name, err in failed.items():
            print(f"error: {name} failed with WEIGHTS={weights}, SEED={seed}{clip}: {err.ename}: {err.evalue}")
        print("Notebook asserts must hold for any weights and clip; nothing was written.")
        return 1
    write(notebooks, out, choice, audio)
    print(f"notebooks, executed: {out / 'notebooks'}/")
    print(f"reading site:       {out / 'site' / 'index.html'}")
    print(f"lecture slides:     {out / 'slides'}/")
    return 0


def write(notebooks: dict, out: Path, choice, audio: str | None = None) -> None:
    """The executed notebooks, their site and slides, and WEIGHTS.txt, under ``out``."""
    from w2v2_walkthrough import PRESETS, clip_banner

    (out / "notebooks").mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, out / "notebooks" / f"{name}.ipynb")
    building = SiteBuild(notebooks, out / "site")
    render_slides(with_lecture(notebooks), out / "slides")
    building.wait()
    lines = [choice.banner(), clip_banner(audio), "", "Per preset:"] + [f"  {choice.describe(p)}" for p in PRESETS]
    (out / "WEIGHTS.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
