"""Count the words a reader sees in each executed notebook: markdown (slides), speaker notes
(markdown cells whose slide type is ``notes``) and text printed by code cells (stdout streams and
plain-text results; figures and source listings aside).

    .venv/bin/python scripts/reader_words.py [notebooks/NN_*.ipynb ...]

Without arguments it counts every notebook of the series. A word is a run of letters or digits
(LaTeX commands and markup characters are not words)."""

import json
import re
import sys
from pathlib import Path

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
WORD = re.compile(r"(?<!\\)\b[A-Za-z0-9][A-Za-z0-9'.-]*")


def words(text: str) -> int:
    """The number of words in ``text``."""
    return len(WORD.findall(text))


def reader_words(path: Path) -> dict[str, int]:
    """``{"markdown": n, "notes": n, "printed": n}`` for one executed notebook."""
    counts = {"markdown": 0, "notes": 0, "printed": 0}
    for cell in json.loads(Path(path).read_text())["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "markdown":
            notes = cell.get("metadata", {}).get("slideshow", {}).get("slide_type") == "notes"
            counts["notes" if notes else "markdown"] += words(source)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stdout":
                counts["printed"] += words("".join(output["text"]))
    return counts


def main(paths: list[str]) -> None:
    paths = [Path(p) for p in paths] or sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
    print(f"{'notebook':<36}{'markdown':>10}{'notes':>8}{'printed':>9}{'total':>8}")
    for path in paths:
        c = reader_words(path)
        print(f"{path.stem:<36}{c['markdown']:>10}{c['notes']:>8}{c['printed']:>9}{sum(c.values()):>8}")


if __name__ == "__main__":
    main(sys.argv[1:])
