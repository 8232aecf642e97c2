"""A torch / torchaudio pair that cannot work together gives one clear message at import, naming
the tested pair and the command that installs it."""

import ast
import sys
from pathlib import Path

import pytest

from w2v2_walkthrough import compat

INSTALL = "pip install torch==2.14.1 torchaudio==2.11.0"


def test_a_torchaudio_that_fails_to_import_gives_one_message(tmp_path, monkeypatch):
    """Simulated: a torchaudio whose extension was built for another torch (the loader's OSError)."""
    fake = tmp_path / "torchaudio"
    fake.mkdir()
    (fake / "__init__.py").write_text('raise OSError("libtorchaudio.so: undefined symbol: _ZN3c10")\n')
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "torchaudio")  # restored afterwards; the fake is imported instead
    with pytest.raises(ImportError) as raised:
        compat.check_torch_pair()
    message = str(raised.value)
    assert "undefined symbol" in message and INSTALL in message and "torch 2.14.1 and torchaudio 2.11.0" in message
    assert raised.value.__suppress_context__ and raised.value.__cause__ is None  # one message, no chain


def test_the_check_runs_first_when_the_package_is_imported():
    """``import w2v2_walkthrough`` runs the check before anything imports torchaudio."""
    tree = ast.parse((Path(compat.__file__).parent / "__init__.py").read_text(encoding="utf-8"))
    first = next(node for node in tree.body if isinstance(node, ast.ImportFrom) and node.level)  # of the package
    assert [a.name for a in first.names] == ["compat"] and first.module is None
    assert "check_torch_pair()" in Path(compat.__file__).read_text(encoding="utf-8").splitlines()[-1]


@pytest.mark.parametrize(
    ("torch_version", "torchaudio_version", "works"),
    [
        ("2.14.1+cu130", "2.11.0+cu130", True),  # the tested pair
        ("2.5.1", "2.5.0", True),  # a lockstep release with its own torch
        ("2.14.1", "2.4.0", False),  # torchaudio 2.4 was built for torch 2.4
        ("2.4.1", "2.8.0", False),
    ],
)
def test_known_incompatible_pairs(torch_version, torchaudio_version, works):
    assert (compat.pair_problem(torch_version, torchaudio_version) is None) == works


def test_a_known_incompatible_pair_fails_the_check(monkeypatch):
    import torchaudio

    monkeypatch.setattr(torchaudio, "__version__", "2.4.0")
    with pytest.raises(
        ImportError, match=r"torchaudio 2\.4\.0 was built for torch 2\.4.*" + INSTALL.replace(".", r"\.")
    ):
        compat.check_torch_pair()
