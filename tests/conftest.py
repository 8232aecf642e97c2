import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import matplotlib

matplotlib.use("Agg", force=True)

import pytest
import torch

from helpers import run_student_edition_with_second_weights
from w2v2_walkthrough.presets import PRESETS

# The kernels this session starts (nbval's and the second execution's) run beside each other and the
# background builds on a 2-core machine: one intra-op thread each, so that no OpenMP pool spins
# against another (a kernel inherits this environment).
os.environ.setdefault("OMP_NUM_THREADS", "1")
torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))

#: The fixture that owns the series' second execution (tests/notebooks/test_second_weights.py).
SECOND_EXECUTION = "series_second_execution"


def _needs_second_execution(item) -> bool:
    return SECOND_EXECUTION in getattr(item, "fixturenames", ())


def pytest_collection_modifyitems(session, config, items):
    """The tests of the series' second execution run last, and the browser tests just before them:
    the second execution, Sphinx and the slide walks run in the background meanwhile."""
    late = [item for item in items if _needs_second_execution(item)]
    waits = (SERVED, BACKGROUND)
    browser = [item for item in items if set(waits) & set(getattr(item, "fixturenames", ())) and item not in late]
    items[:] = [item for item in items if item not in late and item not in browser] + browser + late


def _behind(process):
    """Lower a background process's priority (its children inherit it): the second execution's
    kernels and the main thread, which the suite waits on, go first; Sphinx and the slide walks
    fill the gaps."""
    os.setpriority(os.PRIO_PROCESS, process.pid, 10)
    return process


@pytest.fixture(scope="session", autouse=True)
def _second_execution_started(request, tmp_path_factory):
    """Starts the series' second execution in a background thread when the session starts, if a
    selected test needs it, so that it overlaps with every other test instead of adding to them."""
    if not any(_needs_second_execution(item) for item in request.session.items):
        yield None
        return
    # what the thread and nbval would otherwise import and set up at the same time (an import of a
    # partly initialized IPython module, traitlets' defaults): here, once, before the thread starts
    import IPython.core.interactiveshell  # noqa: F401
    import nbclient  # noqa: F401
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    KernelManager(kernel_spec_manager=KernelSpecManager()).kernel_spec_manager.kernel_dirs  # noqa: B018
    pool = ThreadPoolExecutor(1, thread_name_prefix="second-weights")
    yield pool.submit(run_student_edition_with_second_weights, tmp_path_factory.mktemp("second-weights"))
    pool.shutdown(wait=True, cancel_futures=True)


@pytest.fixture(scope="session")
def series_second_execution(_second_execution_started) -> dict:
    """The student edition executed from its own folder with a second set of weights and a second clip (see
    :func:`helpers.run_student_edition_with_second_weights`): name -> executed notebook, or the
    error it raised. Waits for the background run."""
    return _second_execution_started.result()


#: The fixture that serves the reading site and the decks (tests/scripts/test_browser.py).
SERVED = "served"


@pytest.fixture(scope="session", autouse=True)
def _site_build_started(request):
    """Starts Sphinx on the committed notebooks when the session starts, if a selected test serves
    the site: it runs in its own process (``series.site.SiteBuild``) while the package tests run,
    and ``served`` waits for it. Yields ``(notebooks, build, walks)`` or ``None``."""
    if not any(SERVED in getattr(item, "fixturenames", ()) for item in request.session.items):
        yield None
        return
    from series import sources
    from series.site import SiteBuild

    notebooks = {p.stem: sources.read_executed(p) for p in sources.sources()}
    # the decks (English, the lecture deck, Chinese) rendered and walked slide by slide in Chromium,
    # meanwhile, in a process of their own (tests/scripts/slide_walks.py); None without Chromium
    walks = None
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(sources.ROOT / d) for d in ("tests", "scripts"))}
        walker = sources.ROOT / "tests" / "scripts" / "slide_walks.py"
        walks = _behind(subprocess.Popen([sys.executable, str(walker)], cwd=sources.ROOT, env=env))
    building = SiteBuild(notebooks, sources.BUILD / "site")
    _behind(building.process)
    yield notebooks, building, walks


#: Waits for what the session started in the background to write into build/ (tests that snapshot
#: build/ use it, and run after the others).
BACKGROUND = "background_built"


@pytest.fixture(scope="session")
def background_built(_site_build_started):
    """Sphinx's site and the slide walks, finished: ``(notebooks, site index, walks' exit status)``,
    or ``None`` when the session started neither."""
    if _site_build_started is None:
        return None
    notebooks, building, walks = _site_build_started
    return notebooks, building.wait(), None if walks is None else walks.wait()


@pytest.fixture(params=sorted(PRESETS))
def preset_name(request):
    return request.param
