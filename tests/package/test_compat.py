"""A torch / torchaudio pair that cannot work together gives one clear message at import, naming
the tested pair and the command that installs it."""

import subprocess
import sys
import textwrap

import pytest

from w2v2_walkthrough import compat

INSTALL = "pip install torch==2.14.1 torchaudio==2.11.0"


def test_a_torchaudio_that_fails_to_import_gives_one_message_at_import(tmp_path):
    """Simulated: a torchaudio whose extension was built for another torch (the loader's OSError)."""
    fake = tmp_path / "torchaudio"
    fake.mkdir()
    (fake / "__init__.py").write_text('raise OSError("libtorchaudio.so: undefined symbol: _ZN3c10")\n')
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        import w2v2_walkthrough
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("ImportError: ") and "undefined symbol" in last and INSTALL in last
    assert "torch 2.14.1 and torchaudio 2.11.0" in last
    assert result.stderr.count(INSTALL) == 1  # one message, not a chain of tracebacks


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
