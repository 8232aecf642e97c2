"""One execution of the whole series as the STUDENT edition (solutions stubbed), written as
``make student`` writes it and executed from that folder, with a second set of weights (Base weights
whose layer 0 is Hann-windowed cosines, and SEED=1 for every other preset) and a second clip (a
2.60 s stereo recording at 22.05 kHz, loaded as ``make series AUDIO=...`` loads it; tests/helpers.py).
It runs in the background from the start of the session (tests/conftest.py).

* The student edition runs where it is delivered, and every checker says "Not answered yet".
* Every banner names the second clip.
* Every checked cell tagged neither ``depends-on-weights`` nor ``depends-on-clip`` prints what the
  committed notebook shows, compared as nbval does: the statements that claim to hold for any
  weights and any clip do.
"""

import copy
import re
from collections import defaultdict

import pytest
from nbclient.exceptions import CellExecutionError
from nbval.plugin import coalesce_streams, get_sanitize_patterns, transform_streams_for_comparison

from helpers import SECOND_CLIP, SECOND_SEED, SECOND_WEIGHTS
from series import sources
from series.sources import NBVAL_MARKER
from series.student import SOLUTION_TAG

pytestmark = pytest.mark.slow  # waits for the whole series' execution
WEIGHT_TAG, CLIP_TAG = "depends-on-weights", "depends-on-clip"
CHECKER = "w2v.exercises.check_"
COMMITTED = {p.stem: sources.read_executed(p) for p in sources.sources()}
#: What nbval leaves out of a comparison (nbval.plugin.IPyNbFile.skip_compare without --nbdime).
NBVAL_SKIPPED = (
    "metadata",
    "traceback",
    "prompt_number",
    "output_type",
    "name",
    "execution_count",
    "application/vnd.jupyter.widget-view+json",
    "image/png",
    "image/jpeg",
)
SANITIZE = get_sanitize_patterns((sources.NOTEBOOKS / "nbval_sanitize.cfg").read_text())


@pytest.fixture(scope="module")
def second_weights_run(series_second_execution) -> dict:
    """name -> executed student notebook (the injected cell removed, so cells line up with the
    committed notebook) or the error it raised."""
    runs = dict(series_second_execution)
    for name, executed in runs.items():
        if not isinstance(executed, CellExecutionError):
            executed.cells = [c for c in executed.cells if sources.INJECTED_TAG not in c.metadata.get("tags", [])]
            assert len(executed.cells) == len(COMMITTED[name].cells), name
    assert runs.keys() == COMMITTED.keys()
    return runs


def raised(runs: dict) -> list:
    """One line per notebook that raised: the cell (its first code line) and the error."""
    lines = []
    for name, err in runs.items():
        if isinstance(err, CellExecutionError):
            cell = [line for line in str(err).split("-" * 18)[1].splitlines() if line.strip()][:2]
            lines.append(f"{name} raised with the second weights in cell {cell!r}: {err.ename}: {err.evalue}")
    return lines


def test_student_edition_runs_and_every_checker_says_not_answered(second_weights_run):
    assert not raised(second_weights_run), "\n".join(raised(second_weights_run))
    for name, executed in second_weights_run.items():
        verdicts = [
            "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in c.outputs)
            for c in executed.cells
            if c.cell_type == "code" and CHECKER in c.source
        ]
        solutions = [c for c in COMMITTED[name].cells if SOLUTION_TAG in c.metadata.get("tags", [])]
        assert len(verdicts) == len(solutions), name
        assert all(v.startswith("Not answered yet") for v in verdicts), (name, verdicts)
        (banner,) = [c for c in executed.cells if c.cell_type == "code" and "clip_banner(AUDIO)" in c.source]
        assert f"Clip: {SECOND_CLIP} (22050 Hz, 2 channels averaged), 2.60 s" in banner.outputs[0]["text"], name


def sanitize(text):
    if not isinstance(text, str):
        return text
    for regex, replace in SANITIZE:
        text = re.sub(regex, replace, text)
    return text


def comparable(outputs: list) -> dict:
    """A cell's outputs as nbval compares them: streams coalesced, keyed by stream name or MIME type,
    images and metadata left out, every string sanitized."""
    flat = defaultdict(list)
    for out in transform_streams_for_comparison(coalesce_streams(copy.deepcopy(outputs))):
        for key, value in out.items():
            if key == "data":
                for mime, data in value.items():
                    if mime not in NBVAL_SKIPPED:
                        flat[mime].append(sanitize(data))
            elif key not in NBVAL_SKIPPED:
                flat[key].append(sanitize(value))
    return dict(flat)


def first_difference(committed: dict, now: dict) -> str:
    if committed.keys() != now.keys():
        return f"output kinds {sorted(committed)} became {sorted(now)}"
    for key in committed:
        if len(committed[key]) != len(now[key]):
            return f"{len(committed[key])} {key} outputs became {len(now[key])}"
        for a, b in zip(committed[key], now[key], strict=True):
            a_lines, b_lines = str(a).splitlines(), str(b).splitlines()
            for i in range(max(len(a_lines), len(b_lines))):
                x = a_lines[i] if i < len(a_lines) else "<no line>"
                y = b_lines[i] if i < len(b_lines) else "<no line>"
                if x != y:
                    return f"{key} line {i + 1}: committed {x!r}, with the second weights and clip {y!r}"
    return ""


def weight_independent_checked_cells(nb):
    """Indices of the cells nbval checks that claim to print the same for any weights and clip."""
    for i, cell in enumerate(nb.cells):
        tags = cell.metadata.get("tags", [])
        if (
            cell.cell_type == "code"
            and cell.source.splitlines()[:1] == [NBVAL_MARKER]
            and WEIGHT_TAG not in tags
            and CLIP_TAG not in tags
            and SOLUTION_TAG not in tags
            and CHECKER not in cell.source  # an exercise's verdict changes by design
        ):
            yield i


def test_checked_statements_that_claim_independence_hold_for_other_weights_and_clip(second_weights_run):
    failures, compared = raised(second_weights_run), 0
    for name, nb in COMMITTED.items():
        if isinstance(second_weights_run[name], CellExecutionError):
            continue  # reported above; the other notebooks are still compared
        for i in weight_independent_checked_cells(nb):
            compared += 1
            difference = first_difference(
                comparable(nb.cells[i].outputs), comparable(second_weights_run[name].cells[i].outputs)
            )
            if difference:
                first_code_line = nb.cells[i].source.splitlines()[1] if nb.cells[i].source.count("\n") else ""
                failures.append(f"{name}, cell {i} ({first_code_line[:60]!r}): {difference}")
    assert compared > 0
    assert not failures, (
        f"With WEIGHTS={SECOND_WEIGHTS}, SEED={SECOND_SEED}, AUDIO={SECOND_CLIP}, {len(failures)} checked cells "
        f"tagged neither {WEIGHT_TAG!r} nor {CLIP_TAG!r} print something else (tag them and print the statement "
        "from the loaded weights or clip, or make them independent of both), or raise (asserts must hold for "
        "any weights and any clip):\n" + "\n".join(failures)
    )
