"""Build everything a reader, an instructor and a student need from the notebook series.

    python scripts/build_series.py             # execute, then write everything below to build/
    python scripts/build_series.py --in-place  # authors: refresh the committed notebooks' outputs
    python scripts/build_series.py --no-execute  # render the committed (already executed) notebooks

Writes, under build/:
  notebooks/  executed copies (run top to bottom in a fresh kernel, notebooks/ as working dir)
  html/       one reading page per notebook plus index.html, linked in order, fully offline
  slides/     reveal.js decks per notebook; reveal.js 4.0.2 itself is installed from the npm
              registry into slides/reveal.js (checked against its published sha512), so the
              decks open without a network
  student/    the student edition: solution cells replaced by a stub, outputs cleared
"""

import argparse
import base64
import copy
import hashlib
import html
import io
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"
TEMPLATES = Path(__file__).resolve().parent / "templates"

REVEAL_VERSION = "4.0.2"
REVEAL_TARBALL = f"https://registry.npmjs.org/reveal.js/-/reveal.js-{REVEAL_VERSION}.tgz"
REVEAL_SHA512 = "LWZSUenufF1gpD7npxJ7KfoQQFKgc1D6XrLTFgKlwWNP1BQ74hT48KONFWMAw+8R/QUeaScCLCLrBVHDfFIEiw=="

SOLUTION_TAG = "solution"
STUDENT_STUB = "answer = ...  # your answer here"


def series() -> list:
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def summary_of(nb) -> str:
    return nb.metadata.get("w2v2", {}).get("summary", "")


# --- execution ---------------------------------------------------------------------------------


def execute(nb, timeout: int = 600):
    """Run a notebook top to bottom in a fresh python3 kernel with notebooks/ as working directory."""
    from nbclient import NotebookClient

    nb = copy.deepcopy(nb)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}).execute()
    return nb


# --- reading pages -------------------------------------------------------------------------------

NBVAL_MARKER = "# NBVAL_CHECK_OUTPUT"


def for_readers(nb):
    """A copy without the nbval marker lines, which mean nothing to a reader."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and NBVAL_MARKER in cell.source:
            cell.source = "\n".join(line for line in cell.source.splitlines() if line.strip() != NBVAL_MARKER)
    return nb



def _nav(names, titles, i) -> str:
    parts = ['<nav class="w2v2-nav"><a href="index.html">Series index</a>']
    if i > 0:
        parts.append(f'<a href="{names[i - 1]}.html">&larr; {html.escape(titles[i - 1])}</a>')
    if i + 1 < len(names):
        parts.append(f'<a href="{names[i + 1]}.html">{html.escape(titles[i + 1])} &rarr;</a>')
    return "".join(parts) + "</nav>"


def render_pages(executed: dict, out: Path) -> list:
    """One offline HTML page per notebook (with links to its neighbours) and an index page."""
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="offline_lab", extra_template_basedirs=[str(TEMPLATES)])
    names, titles = list(executed), [title_of(nb) for nb in executed.values()]
    written = []
    for i, name in enumerate(names):
        body, _ = exporter.from_notebook_node(for_readers(executed[name]), resources={"w2v2_nav": _nav(names, titles, i)})
        (out / f"{name}.html").write_text(body, encoding="utf-8")
        written.append(out / f"{name}.html")
    items = "\n".join(
        f'<li><a href="{name}.html">{html.escape(title)}</a>: {html.escape(summary_of(nb))}</li>'
        for (name, nb), title in zip(executed.items(), titles)
    )
    (out / "index.html").write_text(
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>How wav2vec2 turns a waveform into frames</title>"
        "</head>\n<body style='font-family:sans-serif;max-width:52em;margin:2em auto;line-height:1.5'>\n"
        "<h1>How wav2vec2 turns a waveform into frames</h1>\n"
        f"<p>An annotated walk through torchaudio's wav2vec2 feature extractor, in {len(names)} notebooks. "
        "Slides for each are in <a href='../slides/'>../slides/</a>.</p>\n"
        f"<ol>\n{items}\n</ol>\n</body></html>\n",
        encoding="utf-8",
    )
    return [out / "index.html"] + written


# --- slides --------------------------------------------------------------------------------------


def install_reveal(dest: Path) -> Path:
    """Install reveal.js from the npm registry into ``dest`` (once), verifying its sha512."""
    if (dest / "dist" / "reveal.js").exists():
        return dest
    try:
        data = urllib.request.urlopen(REVEAL_TARBALL, timeout=60).read()
    except OSError as err:
        raise RuntimeError(f"Could not download reveal.js {REVEAL_VERSION} from the npm registry ({err}); "
                           f"the slides need it once, then they work offline.") from None
    digest = base64.b64encode(hashlib.sha512(data).digest()).decode()
    if digest != REVEAL_SHA512:
        raise RuntimeError(f"reveal.js tarball failed its integrity check (sha512-{digest})")
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            parts = Path(member.name).parts
            if member.isfile() and len(parts) > 1 and parts[1] in ("dist", "plugin", "LICENSE"):
                member.name = str(Path(*parts[1:]))
                tar.extract(member, dest, filter="data")
    return dest


def render_slides(executed: dict, out: Path) -> list:
    """reveal.js decks that open offline, from each notebook's slide metadata."""
    from nbconvert import SlidesExporter

    out.mkdir(parents=True, exist_ok=True)
    install_reveal(out / "reveal.js")
    exporter = SlidesExporter(template_name="offline_reveal", extra_template_basedirs=[str(TEMPLATES)],
                              reveal_url_prefix="reveal.js", reveal_theme="white")  # white: bundled fonts only
    written = []
    for name, nb in executed.items():
        body, _ = exporter.from_notebook_node(for_readers(nb))
        (out / f"{name}.slides.html").write_text(body, encoding="utf-8")
        written.append(out / f"{name}.slides.html")
    return written


# --- student edition -------------------------------------------------------------------------------


def student_copy(nb):
    """The notebook with every solution cell replaced by a stub and all outputs cleared."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if SOLUTION_TAG in cell.metadata.get("tags", []):
            cell.source = STUDENT_STUB
            cell.metadata["tags"] = [t for t in cell.metadata["tags"] if t != SOLUTION_TAG] + ["exercise"]
        cell.outputs, cell.execution_count = [], None
    return nb


def write_student_edition(notebooks: dict, out: Path) -> list:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, nb in notebooks.items():
        nbformat.write(student_copy(nb), out / f"{name}.ipynb")
        written.append(out / f"{name}.ipynb")
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-place", action="store_true", help="overwrite notebooks/ with freshly executed copies")
    parser.add_argument("--no-execute", action="store_true", help="render the committed notebooks as they are")
    parser.add_argument("--only", nargs="*", help="notebook name prefixes (default: all)")
    parser.add_argument("--student-only", action="store_true", help="write only the student edition")
    args = parser.parse_args(argv)
    paths = [p for p in series() if not args.only or any(p.name.startswith(o) for o in args.only)]
    notebooks = {p.stem: nbformat.read(p, as_version=4) for p in paths}
    if args.student_only:
        write_student_edition(notebooks, BUILD / "student")
        print(f"student edition:    {BUILD / 'student'}/  (solutions removed)")
        return 0
    executed = {}
    start = time.perf_counter()
    for path in paths:
        if args.no_execute:
            executed[path.stem] = notebooks[path.stem]
            continue
        t0 = time.perf_counter()
        executed[path.stem] = execute(notebooks[path.stem])
        print(f"executed {path.name} in {time.perf_counter() - t0:.1f} s", flush=True)
        if args.in_place:
            nbformat.write(executed[path.stem], path)
    if not args.no_execute:
        print(f"series executed in {time.perf_counter() - start:.1f} s")
    if args.in_place:
        return 0
    (BUILD / "notebooks").mkdir(parents=True, exist_ok=True)
    for name, nb in executed.items():
        nbformat.write(nb, BUILD / "notebooks" / f"{name}.ipynb")
    render_pages(executed, BUILD / "html")
    render_slides(executed, BUILD / "slides")
    write_student_edition(notebooks, BUILD / "student")
    print(f"notebooks, executed: {BUILD / 'notebooks'}/")
    print(f"reading pages:      {BUILD / 'html' / 'index.html'}")
    print(f"lecture slides:     {BUILD / 'slides'}/  (offline; open NN_*.slides.html, press S for speaker notes)")
    print(f"student edition:    {BUILD / 'student'}/  (solutions removed)")
    print("work through the notebooks interactively with: make lab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
