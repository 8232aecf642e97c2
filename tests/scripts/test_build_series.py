"""build_series.py's subcommands: each does one job, and the command line refuses what it lacks."""

import nbformat
import pytest

import build_series
from helpers import in_this_thread
from series import sources


@pytest.fixture
def build_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(build_series, "BUILD", tmp_path / "build")
    return tmp_path / "build"


def test_student_writes_only_the_student_edition_of_the_committed_notebooks(build_dir, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("`student` executed a notebook")

    monkeypatch.setattr(sources, "execute", in_this_thread(refuse, sources.execute))
    assert build_series.main(["student", "--only", "02", "05"]) == 0
    written = sorted(p.name for p in build_dir.rglob("*") if p.is_file())
    assert written == sorted(f"{p.stem}.ipynb" for p in sources.sources() if p.name[:2] in ("02", "05"))
    nb = nbformat.read(build_dir / "student" / written[0], as_version=4)
    assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code")


def test_refresh_writes_each_source_s_notebook_in_place(monkeypatch, tmp_path):
    (source,) = [p for p in sources.sources() if p.name.startswith("02")]
    written = {}
    # executing is tested by nbval on the result
    monkeypatch.setattr(sources, "execute", in_this_thread(lambda nb: nb, sources.execute))
    write = in_this_thread(lambda nb, path: written.setdefault(path, nb), build_series.nbformat.write)
    monkeypatch.setattr(build_series.nbformat, "write", write)
    assert build_series.main(["refresh", "--only", "02"]) == 0
    assert list(written) == [sources.ipynb_of(source)]


@pytest.mark.parametrize(
    "argv",
    [[], ["--weights", "WAV2VEC2_BASE"], ["build", "--weights", "WAV2VEC2_BASE"], ["student", "--seed", "1"], ["x"]],
)
def test_what_a_command_does_not_take_is_refused(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        build_series.main(argv)
    assert exit_.value.code == 2
    assert capsys.readouterr().err.startswith("usage: build_series.py")  # argparse refused it, saying how to call
