"""Build everything a reader, an instructor and a student need from the notebook series.

    python scripts/build_series.py build                 # make series: execute the sources, write build/ (below)
    python scripts/build_series.py edition --weights WAV2VEC2_BASE [--seed 1] [--audio talk.flac]
                                                         # make series WEIGHTS=... SEED=... AUDIO=...: an edition
                                                         # with other weights and/or another clip, in
                                                         # build/editions/<weights>[-audio-<clip>]/ (series/editions.py)
    python scripts/build_series.py student               # make student: only the student edition, from the
                                                         # committed notebooks
    python scripts/build_series.py refresh [--only 03]   # make refresh-notebooks: authors rebuild
                                                         # notebooks/*.ipynb from their .py sources
    python scripts/build_series.py zh                    # make zh: only build/zh/, from the committed notebooks
    python scripts/build_series.py stale [--brief]       # make zh-stale: the Chinese texts missing or stale
    python scripts/build_series.py update-catalogs       # make zh-update: merge the catalogs with the English

Writes, under build/:
  notebooks/  executed copies (run top to bottom in a fresh kernel, notebooks/ as working dir)
  site/       the reading site (Sphinx, MyST-NB, sphinx-book-theme; series/site.py): index.html, one
              page per notebook in a sidebar, offline search, the lesson plan (docs/lesson_plan.md
              and its quiz), the formula sheet (formula_sheet_a4.html prints on one A4 page), the
              references; every number computed by the package; KaTeX renders the maths, offline.
              Serve it with `python -m http.server -d build/site`, or host the folder as it is
  slides/     the lecture deck (lecture.slides.html, the 90-minute class: series/lecture.py) and
              reveal.js decks per notebook; reveal.js itself is installed from the npm registry
              into slides/reveal.js and KaTeX into slides/katex (each checked against its published
              sha512), so the decks open without a network; every slide is 1280x720
  student/    the student edition: solution cells replaced by a stub, outputs cleared
  zh/         the Chinese edition of all of the above (series/zh.py; catalogs in translations/zh_CN/)
"""

import argparse
import sys
import time

import nbformat

from series import editions, zh
from series import sources as src
from series import translation as tl
from series.lecture import LECTURE, with_lecture
from series.site import SiteBuild
from series.slides import render_slides
from series.student import write_student_edition

BUILD = src.BUILD


def execute(paths: list, in_place: bool = False) -> dict:
    """Execute every source (``in_place``: and write each one's .ipynb next to it)."""
    notebooks, start = {}, time.perf_counter()
    for path in paths:
        t0 = time.perf_counter()
        notebooks[path.stem] = src.execute(src.read_source(path))
        print(f"executed {path.name} in {time.perf_counter() - t0:.1f} s", flush=True)
        if in_place:
            nbformat.write(notebooks[path.stem], src.ipynb_of(path))
    print(f"series executed in {time.perf_counter() - start:.1f} s")
    return notebooks


def build(paths: list) -> int:
    """``make series``: execute the sources and write everything under build/."""
    notebooks = execute(paths)
    (BUILD / "notebooks").mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, BUILD / "notebooks" / f"{name}.ipynb")
    building = SiteBuild(notebooks, BUILD / "site")  # Sphinx runs while the slides and student edition render
    render_slides(with_lecture(notebooks), BUILD / "slides")
    write_student_edition(notebooks, BUILD / "student")
    site = building.wait()
    zh.build(notebooks)
    print(f"notebooks, executed: {BUILD / 'notebooks'}/")
    print(f"reading site:       {site}  (offline; serve it: python -m http.server -d {BUILD / 'site'})")
    print(f"lesson plan:        {site.parent / 'lesson_plan.html'}  (90 minutes, with the quiz and its answers)")
    print(f"formula sheet:      {site.parent / 'formula_sheet_a4.html'}  (prints on one A4 page)")
    print(f"lecture deck:       {BUILD / 'slides' / LECTURE}.slides.html  (the 90-minute class; S: speaker notes)")
    print(f"slides per notebook: {BUILD / 'slides'}/  (offline; open NN_*.slides.html, press S for speaker notes)")
    print(f"student edition:    {BUILD / 'student'}/  (solutions removed)")
    print(f"Chinese edition:    {zh.ZH}/  (notebooks/, site/, slides/, student/)")
    print("work through the notebooks interactively with: make lab")
    return 0


def zh_only(paths: list) -> int:
    """``make zh``: only the Chinese edition, from the committed (executed) notebooks."""
    zh.build({p.stem: src.read_executed(p) for p in paths})
    return 0


def stale(paths: list, brief: bool = False, language: str = tl.LANGUAGE) -> int:
    """``make zh-stale``: every text whose translation is missing or older than its English; exit 1 if any."""
    notebooks = {p.stem: src.read_source(p) for p in paths}
    text = tl.report(tl.stale(notebooks, language), full=not brief)
    problems = [line for lines in tl.catalog_problems(notebooks, language).values() for line in lines]
    if problems:
        text += "\n== translations that fail a check (numbers, Chinese, glossary):\n" + "\n".join(problems)
    print(text or f"every text has a current {language} translation")
    return 1 if text else 0


def update_catalogs(paths: list, language: str = tl.LANGUAGE) -> int:
    """``make zh-update``: merge every catalog with the English now (old translations kept, fuzzy where
    the English changed)."""
    for path in tl.update({p.stem: src.read_source(p) for p in paths}, language):
        print(f"updated {path.relative_to(src.ROOT)}")
    return stale(paths, brief=True, language=language) and 0


def student(paths: list) -> int:
    """``make student``: only the student edition, from the committed (executed) notebooks."""
    write_student_edition({p.stem: src.read_executed(p) for p in paths}, BUILD / "student")
    print(f"student edition:    {BUILD / 'student'}/  (solutions removed)")
    return 0


def refresh(paths: list) -> int:
    """``make refresh-notebooks``: rebuild each notebooks/NN_*.ipynb from its source, executed."""
    execute(paths, in_place=True)
    return 0


def edition(paths: list, weights: str, seed: int, audio: str | None = None) -> int:
    """``make series WEIGHTS=... SEED=... AUDIO=...``: see :func:`series.editions.build`."""
    return editions.build(paths, weights, seed, audio)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="build_series.py", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    only = argparse.ArgumentParser(add_help=False)
    only.add_argument("--only", nargs="+", metavar="NN", help="notebook name prefixes, e.g. --only 03 04 (default all)")
    commands.add_parser("build", parents=[only], help="execute the series and write everything under build/")
    commands.add_parser("student", parents=[only], help="write only the student edition (build/student/)")
    commands.add_parser("refresh", parents=[only], help="rebuild notebooks/*.ipynb from the .py sources, executed")
    commands.add_parser("zh", parents=[only], help="write only the Chinese edition (build/zh/)")
    todo = commands.add_parser("stale", parents=[only], help="list the texts whose translation is missing or stale")
    todo.add_argument("--brief", action="store_true", help="one line per text, without the texts")
    todo.add_argument("--lang", default=tl.LANGUAGE, help=f"the catalogs' language (default {tl.LANGUAGE})")
    merging = commands.add_parser("update-catalogs", parents=[only], help="merge the catalogs with the English sources")
    merging.add_argument("--lang", default=tl.LANGUAGE, help=f"the catalogs' language (default {tl.LANGUAGE})")
    chosen = commands.add_parser(
        "edition", parents=[only], help="the series with other weights or another clip (build/editions/)"
    )
    chosen.add_argument("--weights", default="random", help="a torchaudio bundle, a checkpoint, or random (default)")
    chosen.add_argument("--seed", type=int, default=0, help="the edition's SEED (seeds random weights; default 0)")
    chosen.add_argument(
        "--audio", default=None, help="a recording to run the series on (any rate; channels averaged; default: bundled)"
    )
    return top


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    paths = [p for p in src.sources() if not args.only or any(p.name.startswith(o) for o in args.only)]
    if args.command == "edition":
        return edition(paths, args.weights, args.seed, args.audio)
    if args.command == "stale":
        return stale(paths, args.brief, args.lang)
    if args.command == "update-catalogs":
        return update_catalogs(paths, args.lang)
    return {"build": build, "student": student, "refresh": refresh, "zh": zh_only}[args.command](paths)


if __name__ == "__main__":
    sys.exit(main())
