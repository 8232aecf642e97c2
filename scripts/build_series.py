"""Execute the notebook series and write what a reader needs to build/.

    python scripts/build_series.py             # executed copies + HTML pages + index in build/
    python scripts/build_series.py --in-place  # authors: refresh the committed notebooks' outputs

Every notebook runs top to bottom in a fresh kernel of this Python, with notebooks/ as the
working directory, so execution counts are 1..N and outputs are current.
"""

import argparse
import html
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"


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


def execute(path: Path, timeout: int = 600):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()
    return nb


def write_html(executed: dict, out: Path) -> None:
    from nbconvert import HTMLExporter

    out.mkdir(parents=True, exist_ok=True)
    exporter = HTMLExporter(template_name="lab")
    names = list(executed)
    for i, name in enumerate(names):
        body, _ = exporter.from_notebook_node(executed[name])
        nav = ['<nav class="w2v2-nav" style="padding:1em;font-family:sans-serif"><a href="index.html">Series index</a>']
        if i > 0:
            nav.append(f' | <a href="{names[i - 1]}.html">&larr; {html.escape(title_of(executed[names[i - 1]]))}</a>')
        if i + 1 < len(names):
            nav.append(f' | <a href="{names[i + 1]}.html">{html.escape(title_of(executed[names[i + 1]]))} &rarr;</a>')
        nav.append("</nav>")
        nav_html = "".join(nav)
        body = body.replace("<body", "<body", 1)
        body = body.replace("</main>", f"</main>{nav_html}", 1) if "</main>" in body else body.replace("</body>", f"{nav_html}</body>")
        (out / f"{name}.html").write_text(body, encoding="utf-8")
    items = "\n".join(
        f'<li><a href="{name}.html">{html.escape(title_of(nb))}</a> &mdash; {html.escape(summary_of(nb))}</li>'
        for name, nb in executed.items()
    )
    (out / "index.html").write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>How wav2vec2 turns a waveform into frames</title></head>"
        "<body style='font-family:sans-serif;max-width:50em;margin:2em auto'>"
        "<h1>How wav2vec2 turns a waveform into frames</h1>"
        f"<p>An annotated walk through torchaudio's wav2vec2 feature extractor, in {len(executed)} notebooks.</p>"
        f"<ol>\n{items}\n</ol></body></html>",
        encoding="utf-8",
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--in-place", action="store_true", help="overwrite notebooks/ with freshly executed copies")
    parser.add_argument("--only", nargs="*", help="notebook name prefixes to run (default: all)")
    args = parser.parse_args(argv)
    paths = [p for p in series() if not args.only or any(p.name.startswith(o) for o in args.only)]
    executed = {}
    start = time.perf_counter()
    for path in paths:
        t0 = time.perf_counter()
        executed[path.stem] = nb = execute(path)
        print(f"executed {path.name} in {time.perf_counter() - t0:.1f} s", flush=True)
        if args.in_place:
            nbformat.write(nb, path)
    print(f"series executed in {time.perf_counter() - start:.1f} s")
    if args.in_place:
        return 0
    (BUILD / "notebooks").mkdir(parents=True, exist_ok=True)
    for name, nb in executed.items():
        nbformat.write(nb, BUILD / "notebooks" / f"{name}.ipynb")
    write_html(executed, BUILD / "html")
    print(f"executed notebooks: {BUILD / 'notebooks'}")
    print(f"reading pages:      {BUILD / 'html' / 'index.html'}")
    print("open them interactively with: make lab")
    return 0


if __name__ == "__main__":
    sys.exit(main())
