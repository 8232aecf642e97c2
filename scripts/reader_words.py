"""Words a reader sees in executed notebooks: markdown prose, speaker notes, printed text.

    python scripts/reader_words.py notebooks/07_*.ipynb notebooks/08_*.ipynb
    python scripts/reader_words.py --base main notebooks/07_*.ipynb   # before (at a git rev) and after

Prose is every markdown cell except those whose slide type is ``notes``; speaker notes are those;
printed text is the stdout of code cells (stream outputs), what the reader sees under a cell. A
word is a whitespace-separated token. Code cells' sources and images are not counted.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path


def reader_words(notebook: dict) -> dict[str, int]:
    """``{"prose": n, "notes": n, "printed": n}`` for one executed notebook (nbformat 4 dict)."""
    counts = {"prose": 0, "notes": 0, "printed": 0}
    for cell in notebook["cells"]:
        if cell["cell_type"] == "markdown":
            notes = cell.get("metadata", {}).get("slideshow", {}).get("slide_type") == "notes"
            counts["notes" if notes else "prose"] += len("".join(cell["source"]).split())
        elif cell["cell_type"] == "code":
            for out in cell.get("outputs", []):
                if out.get("output_type") == "stream" and out.get("name") == "stdout":
                    counts["printed"] += len("".join(out["text"]).split())
    return counts


def _at(rev: str, path: Path) -> dict | None:
    """The notebook at a git revision, or ``None`` where it did not exist."""
    shown = subprocess.run(["git", "show", f"{rev}:{path.as_posix()}"], capture_output=True, text=True)
    return json.loads(shown.stdout) if shown.returncode == 0 else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--base", help="a git revision to compare with (same paths)")
    args = parser.parse_args(argv)
    kinds = ("prose", "notes", "printed")
    print(f"{'notebook':<40}" + "".join(f"{k:>16}" for k in kinds))
    for path in args.notebooks:
        after = reader_words(json.loads(path.read_text(encoding="utf-8")))
        before = reader_words(nb) if args.base and (nb := _at(args.base, path)) else None
        cells = [f"{before[k]} -> {after[k]}" if before else str(after[k]) for k in kinds]
        print(f"{path.name:<40}" + "".join(f"{c:>16}" for c in cells))
    return 0


if __name__ == "__main__":
    sys.exit(main())
