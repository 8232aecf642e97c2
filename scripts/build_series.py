"""Build everything a reader, an instructor and a student need from the notebook series.

    python scripts/build_series.py               # execute the sources, write everything below to build/
    python scripts/build_series.py --in-place    # authors: rebuild notebooks/*.ipynb from their .py sources
    python scripts/build_series.py --check-sync  # fail if a .py source and its .ipynb differ
    python scripts/build_series.py --no-execute  # render the committed (already executed) notebooks
    python scripts/build_series.py --weights WAV2VEC2_BASE [--seed 1]
                                                 # make series WEIGHTS=... SEED=...: an edition with other
                                                 # weights, in build/editions/<weights>/ (series/editions.py)

Writes, under build/:
  notebooks/  executed copies (run top to bottom in a fresh kernel, notebooks/ as working dir)
  site/       the reading site (Sphinx, MyST-NB, sphinx-book-theme; series/site.py): index.html, one
              page per notebook in a sidebar, offline search, the lesson plan (docs/lesson_plan.md
              and its quiz), the formula sheet (formula_sheet_a4.html prints on one A4 page), the
              references; every number computed by the package; KaTeX renders the maths, offline.
              Serve it with `python -m http.server -d build/site`, or host the folder as it is
  slides/     reveal.js decks per notebook; reveal.js itself is installed from the npm registry
              into slides/reveal.js and KaTeX into slides/katex (each checked against its published
              sha512), so the decks open without a network; every slide is 1280x720
  student/    the student edition: solution cells replaced by a stub, outputs cleared
"""

import argparse
import sys
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from series import editions
from series import sources as src
from series.site import SiteBuild
from series.slides import render_slides
from series.student import write_student_edition

BUILD = src.BUILD


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-place", action="store_true", help="rebuild notebooks/*.ipynb from the .py sources")
    parser.add_argument("--check-sync", action="store_true", help="fail if any .py/.ipynb pair is out of sync")
    parser.add_argument("--no-execute", action="store_true", help="render the committed notebooks as they are")
    parser.add_argument("--only", nargs="*", help="notebook name prefixes, e.g. --only 03 04 (default: all)")
    parser.add_argument("--student-only", action="store_true", help="write only the student edition")
    parser.add_argument("--weights", help="an edition with these weights: a torchaudio bundle, a checkpoint, random")
    parser.add_argument("--seed", type=int, help="the edition's SEED (seeds random weights; default 0)")
    args = parser.parse_args(argv)
    paths = [p for p in src.sources() if not args.only or any(p.name.startswith(o) for o in args.only)]

    if args.weights is not None or args.seed is not None:
        if args.in_place or args.check_sync or args.no_execute or args.student_only:
            parser.error(
                "--weights/--seed build an edition; they cannot be combined with --in-place, "
                "--check-sync, --no-execute or --student-only"
            )
        return editions.build(paths, args.weights or "random", args.seed or 0)

    if args.check_sync:
        problems = {p.name: src.out_of_sync(p) for p in paths}
        for name, found in problems.items():
            for problem in found:
                print(f"{name}: {problem}")
        return 1 if any(problems.values()) else 0

    if args.no_execute or args.student_only:
        notebooks = {p.stem: src.read_executed(p) for p in paths}
    else:
        notebooks = {}
        start = time.perf_counter()
        for path in paths:
            t0 = time.perf_counter()
            notebooks[path.stem] = src.execute(src.read_source(path))
            print(f"executed {path.name} in {time.perf_counter() - t0:.1f} s", flush=True)
            if args.in_place:
                nbformat.write(notebooks[path.stem], src.ipynb_of(path))
        print(f"series executed in {time.perf_counter() - start:.1f} s")
    if args.in_place:
        return 0
    if args.student_only:
        write_student_edition(notebooks, BUILD / "student")
        print(f"student edition:    {BUILD / 'student'}/  (solutions removed)")
        return 0

    (BUILD / "notebooks").mkdir(parents=True, exist_ok=True)
    for name, nb in notebooks.items():
        nbformat.write(nb, BUILD / "notebooks" / f"{name}.ipynb")
    building = SiteBuild(notebooks, BUILD / "site")  # Sphinx runs while the slides and student edition render
    render_slides(notebooks, BUILD / "slides")
    write_student_edition(notebooks, BUILD / "student")
    site = building.wait()
    print(f"notebooks, executed: {BUILD / 'notebooks'}/")
    print(f"reading site:       {site}  (offline; serve it: python -m http.server -d {BUILD / 'site'})")
    print(f"lesson plan:        {site.parent / 'lesson_plan.html'}  (90 minutes, with the quiz and its answers)")
    print(f"formula sheet:      {site.parent / 'formula_sheet_a4.html'}  (prints on one A4 page)")
    print(f"lecture slides:     {BUILD / 'slides'}/  (offline; open NN_*.slides.html, press S for speaker notes)")
    print(f"student edition:    {BUILD / 'student'}/  (solutions removed)")
    print("work through the notebooks interactively with: make lab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
