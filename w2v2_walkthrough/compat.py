"""One clear message when the installed torch and torchaudio cannot work together.

``pip install .`` leaves an existing torch alone (pyproject asks only for ``torch>=2.4``,
``torchaudio>=2.4``), so Colab's or conda's torch stays. A pair that cannot work together fails
here, at import, with the tested pair and the command that installs it, instead of deep inside
torchaudio's extension loader.
"""

import re

#: The pair the package and the series are tested with (requirements.txt pins it).
TESTED_TORCH, TESTED_TORCHAUDIO = "2.14.1", "2.11.0"
INSTALL = f"pip install torch=={TESTED_TORCH} torchaudio=={TESTED_TORCHAUDIO}"

#: Up to 2.8, each torchaudio release was built for the torch release of the same minor version.
LAST_LOCKSTEP_MINOR = 8


def _major_minor(version: str) -> tuple[int, int]:
    major, minor = re.match(r"(\d+)\.(\d+)", version).groups()
    return int(major), int(minor)


def pair_problem(torch_version: str, torchaudio_version: str) -> str | None:
    """Why this torch / torchaudio pair is known not to work together, or ``None``."""
    torch_mm, audio_mm = _major_minor(torch_version), _major_minor(torchaudio_version)
    if audio_mm[0] == 2 and audio_mm[1] <= LAST_LOCKSTEP_MINOR and audio_mm != torch_mm:
        return (
            f"torchaudio {torchaudio_version} was built for torch {audio_mm[0]}.{audio_mm[1]}, "
            f"but torch {torch_version} is installed"
        )
    return None


def _message(problem: str) -> str:
    return (
        f"w2v2_walkthrough cannot use this PyTorch: {problem}. It is tested with torch {TESTED_TORCH} and "
        f"torchaudio {TESTED_TORCHAUDIO}; install that pair with `{INSTALL}` "
        f"(or a torchaudio release built for your torch)."
    )


def check_torch_pair() -> None:
    """Import torch and torchaudio, or raise one ``ImportError`` that names the tested pair and how to get it."""
    try:
        import torch
    except Exception as err:  # a broken torch fails with OSError or RuntimeError as often as ImportError
        raise ImportError(_message(f"torch does not import ({type(err).__name__}: {err})")) from None
    try:
        import torchaudio
    except Exception as err:  # an extension built for another torch: OSError "undefined symbol", ...
        problem = f"torchaudio does not import with torch {torch.__version__} ({type(err).__name__}: {err})"
        raise ImportError(_message(problem)) from None
    problem = pair_problem(torch.__version__, torchaudio.__version__)
    if problem:
        raise ImportError(_message(problem))


check_torch_pair()  # on import: the package's __init__ imports this module first
