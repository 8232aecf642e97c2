"""The notebooks' sources: every ``notebooks/NN_*.py`` (jupytext py:percent) is the reviewed source
of truth; ``notebooks/NN_*.ipynb`` is its executed copy, committed because nbval checks its
outputs and readers open it.

Refreshing is deterministic: cell ids are derived from the cell's content, and nbclient records
no timing metadata, so re-executing unchanged code changes nothing but (at most) image bytes.
"""

import copy
import hashlib
import os
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "build"

#: The cell metadata a notebook keeps (jupytext.toml filters the rest out of the .py files).
CELL_METADATA = ("tags", "slideshow")
#: Notebook metadata that must agree between a .py source and its .ipynb.
NOTEBOOK_METADATA = ("w2v2", "kernelspec")
#: The first line of a cell whose output nbval checks; it means nothing to a reader or a student.
NBVAL_MARKER = "# NBVAL_CHECK_OUTPUT"


def sources() -> list:
    """The series' py:percent sources, in order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.py"))


def ipynb_of(source: Path) -> Path:
    return source.with_suffix(".ipynb")


def read_source(source: Path):
    """A py:percent source as a notebook without outputs, with content-derived cell ids."""
    return with_stable_ids(jupytext.read(source))


def read_executed(source: Path):
    """The committed, executed copy of a source."""
    return nbformat.read(ipynb_of(source), as_version=4)


def with_stable_ids(nb):
    """Give every cell an id derived from its type and source (``-2``, ``-3`` ... for repeats), so
    ids only change where the content does."""
    seen = Counter()
    for cell in nb.cells:
        digest = hashlib.sha1(f"{cell.cell_type}\n{cell.source}".encode()).hexdigest()[:8]
        seen[digest] += 1
        cell.id = digest if seen[digest] == 1 else f"{digest}-{seen[digest]}"
    return nb


def title_of(nb) -> str:
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def for_readers(nb):
    """A copy without the nbval marker lines (what the site, the slides and the student edition show)."""
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "code" and NBVAL_MARKER in cell.source:
            cell.source = "\n".join(line for line in cell.source.splitlines() if line.strip() != NBVAL_MARKER)
    return nb


def summary_of(nb) -> str:
    return nb.metadata.get("w2v2", {}).get("summary", "")


def execute(nb, timeout: int = 600, parameters: dict | None = None, threads: int | None = None, cwd=None):
    """Run a notebook top to bottom in a fresh python3 kernel with ``cwd`` (default notebooks/) as
    working directory.

    No timing metadata is recorded. ``parameters`` (name -> value) are injected as a cell right
    after the cell tagged ``parameters``, as papermill does. ``threads`` limits the kernel's
    intra-op threads (OMP_NUM_THREADS), for a kernel that shares the machine with others.
    """
    from nbclient import NotebookClient
    from traitlets.config import Config

    nb = copy.deepcopy(nb)
    if parameters:
        nb = inject_parameters(nb, parameters)
    # IPC transport (local socket files, absolute paths because the kernel runs in notebooks/):
    # no TCP port, so no warning about unencrypted TCP.
    sockets = tempfile.mkdtemp(prefix="w2v2-kernel-")
    config = Config()
    config.KernelManager.transport = "ipc"
    config.KernelManager.ip = os.path.join(sockets, "kernel")
    client = NotebookClient(
        nb,
        config=config,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(cwd or NOTEBOOKS)}},
    )
    env = None if threads is None else {**os.environ, "OMP_NUM_THREADS": str(threads)}
    try:
        client.execute(**({} if env is None else {"env": env}))
    finally:
        shutil.rmtree(sockets, ignore_errors=True)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = merge_streams(cell.outputs)
    return nb


def merge_streams(outputs: list) -> list:
    """Join consecutive stdout (or stderr) chunks into one output: how a kernel splits a cell's
    printing into messages depends on timing, so unmerged outputs would differ run to run."""
    merged = []
    for out in outputs:
        last = merged[-1] if merged else None
        if last is not None and out.output_type == last.output_type == "stream" and out.name == last.name:
            last.text += out.text
        else:
            merged.append(out)
    return merged


PARAMETERS_TAG = "parameters"
INJECTED_TAG = "injected-parameters"


def inject_parameters(nb, parameters: dict):
    """Insert ``name = value`` lines after the cell tagged ``parameters`` (papermill's convention)."""
    index = next((i for i, c in enumerate(nb.cells) if PARAMETERS_TAG in c.metadata.get("tags", [])), None)
    if index is None:
        raise ValueError(f"{title_of(nb)}: no cell is tagged {PARAMETERS_TAG!r}")
    lines = ["# Parameters injected by the build"] + [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": [INJECTED_TAG]})
    cell.metadata["slideshow"] = {"slide_type": "skip"}
    nb.cells.insert(index + 1, cell)
    return with_stable_ids(nb)


def _cell_signature(cell):
    meta = {k: cell.metadata[k] for k in CELL_METADATA if k in cell.metadata}
    meta.setdefault("slideshow", {"slide_type": "-"})
    return cell.cell_type, cell.source, meta


def out_of_sync(source: Path) -> list:
    """How a source and its .ipynb differ (an empty list when they are in sync)."""
    target = ipynb_of(source)
    if not target.exists():
        return [f"{target.name} is missing: run `make refresh-notebooks`"]
    a, b = read_source(source), read_executed(source)
    problems = []
    for key in NOTEBOOK_METADATA:
        if a.metadata.get(key) != b.metadata.get(key):
            problems.append(f"notebook metadata {key!r}: {a.metadata.get(key)!r} vs {b.metadata.get(key)!r}")
    sa, sb = [_cell_signature(c) for c in a.cells], [_cell_signature(c) for c in b.cells]
    if len(sa) != len(sb):
        problems.append(f"{len(sa)} cells in {source.name}, {len(sb)} in {target.name}")
    for i, (x, y) in enumerate(zip(sa, sb, strict=False)):  # lengths compared above
        if x != y:
            problems.append(f"cell {i} differs: {x[1][:60]!r} vs {y[1][:60]!r}")
            break
    if [c.id for c in b.cells] != [c.id for c in a.cells] and not problems:
        problems.append("cell ids differ from the content-derived ones: run `make refresh-notebooks`")
    return problems
