"""The project's measured benchmark values, as notebooks read them.

``benchmarks/benchmark.py`` (``make benchmark``) writes them to ``benchmarks/results.json`` in the
checkout this package is installed from (``make setup`` installs it in editable mode), and renders
``benchmarks/results.md`` and the README's tables from that file. The file holds one entry per
benchmark part (``speed``, ``chunks``, ``profile``, ``memory``): the machine it ran on and a list
of rows, each a dict with a ``kind`` (``"peak_rss_full_pass"``, ``"aa_control"`` ...) and its
values (``preset``, ``peak_mb``, ``ratio`` ...). The path is found from the package, not from the
working directory, so a notebook reads it from any folder (an edition, the student edition).
"""

import json
from pathlib import Path

#: Where ``benchmarks/benchmark.py`` writes the results: the checkout holding this package.
RESULTS_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "results.json"


def load(path: str | Path | None = None) -> dict:
    """The whole results file (default :data:`RESULTS_PATH`)."""
    path = Path(path) if path is not None else RESULTS_PATH
    if not path.is_file():
        raise FileNotFoundError(
            f"No benchmark results at {path}: they live in the repository's benchmarks/results.json; "
            "install the package from a checkout of the repository with `make setup` (editable), "
            "or run `make benchmark` there to measure them."
        )
    return json.loads(path.read_text(encoding="utf-8"))


def rows(kind: str, results: dict | None = None) -> list:
    """Every measured row of one ``kind``, in the order of the parts and of their rows."""
    results = load() if results is None else results
    return [row for part in results["parts"].values() for row in part["rows"] if row["kind"] == kind]


def machine(results: dict | None = None, part: str = "speed") -> str:
    """Where and when a part ran: ``Measured 2026-11-25 on x86_64, 2 cores, 2 torch threads``."""
    results = load() if results is None else results
    env = results["parts"][part]["environment"]
    return f"Measured {env['date']} on {env['machine']}, {env['cores']} cores, {env['torch_threads']} torch threads"
