"""Shared fixtures: the composed default config as a plain dict, a short-horizon variant, a small replay ensemble.

Keeping the suite fast (``make test`` runs the tests not marked slow with pytest-xdist, ``-n auto --dist
loadfile``: one worker per core, each test file on one worker; budget: at most 4 minutes on 2 cores; ``make
test-slow`` runs the slow ones, and CI runs both):

- Measure first: ``.venv/bin/python -m pytest --durations=20 -q tests/test_yours.py``.
- Build an ensemble once: a ``scope="module"`` fixture for what one file needs, or the session fixture
  ``replay_ensemble`` below (the default replay, ``REPLAY_RUNS`` runs) when its size serves your claim. Never
  rebuild the same model in several tests.
- Use the smallest ensemble and horizon that still tests the claim: ``short_overrides("2013-06")`` stops the
  replay early; ``report.figures=false`` skips drawing when figures are not what is tested; a property of every
  run needs a few runs, not 200. Keep the large ensembles only where a claim is statistical (validation
  patterns at MODEL-NOTES thresholds).
- Reading a result folder (its files, its report, ``reproduce.py`` on it)? Use ``shared_folder(RUN_ARGS)`` (and
  ``SWEEP_ARGS``, ``COMPARE_ARGS``, ``VALIDATE_ARGS``, ``CALIBRATE_ARGS``): made once per session by the real script,
  shared by every worker; copy it before changing anything.
- Prefer calling a script's function in-process (``sim.cli.preflight``, a task's ``run_*``) over a subprocess:
  a refusal whose claim is its error line goes through ``script_refuses("run.py", *args)`` (the script's own
  options and preflight, 1-2 s) or, for ``reproduce.py`` and ``merge.py``, ``folder_tool(script)(argv)``; a
  subprocess pays 2-5 s of Python start-up and imports before the same line. Keep one subprocess
  (``run_script``) per script and per behaviour the real command line must show (exit status, one-line errors,
  what Hydra writes), mark it ``@pytest.mark.slow`` and keep its run tiny.
- A folder made to be compared with (a second run on other workers, a re-run): make the first one the shared
  folder when its arguments can be the shared ones (``CALIBRATE_ARGS`` is ``CALIBRATE_TINY`` on one worker;
  test_calibration reruns it on two).
- What ``make test`` leaves to ``make test-slow`` (both guard CI): determinism by repetition (the same output
  computed twice, or on other chunks or workers), a real server or browser, and every example of a class of bad
  input after its first (``first_fast``: each costs a Hydra compose, about a second).
- Be xdist-safe: write only under ``tmp_path`` / ``tmp_path_factory`` (pass ``paths.output=`` or
  ``hydra.run.dir=`` to scripts), never into the repository's ``outputs/`` or ``conf/``; no test may depend on
  another test having run first.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings

from sim.config import compose_config, to_container, validate
from sim.config.load import register_resolvers

ROOT = Path(__file__).resolve().parents[1]
register_resolvers()
# Figures that fail sim.plots.check_figure fail the tests (and the scripts the tests start) instead of warning.
os.environ.setdefault("SIM_FIGURE_GUARDS", "strict")
# No per-example deadline: the first example of a property test may compile the Numba functions it calls (a fresh
# clone has an empty cache), which takes seconds once and says nothing about the code under test.
settings.register_profile("sim", deadline=None)
settings.load_profile("sim")


@pytest.fixture(scope="session")
def base_cfg() -> dict:
    return validate(to_container(compose_config()))


REPLAY_RUNS = 12


@pytest.fixture(scope="session")
def replay_ensemble(base_cfg):
    """The default 2012-2017 replay, ``REPLAY_RUNS`` runs (seed of conf/config.yaml), built once per worker.
    Read-only: copy what you change."""
    from sim.model import RelationsModel
    from sim.results import Ensemble

    return Ensemble.from_model(RelationsModel(copy.deepcopy(base_cfg), replicates=REPLAY_RUNS).run())


@pytest.fixture
def cfg(base_cfg) -> dict:
    """A fresh copy of the default config (plain dict) that a test may edit."""
    return copy.deepcopy(base_cfg)


@functools.cache
def _composed(overrides: tuple[str, ...], config_name: str) -> dict:
    return validate(to_container(compose_config(list(overrides), config_name=config_name)))


def composed(*overrides: str, config_name: str = "config") -> dict:
    """The validated config of ``config_name`` with Hydra ``overrides``, as a fresh plain dict: each distinct
    command line is composed once per process (a composition costs about a second)."""
    return copy.deepcopy(_composed(overrides, config_name))


def first_fast(cases: list, fast: int = 1) -> list:
    """Examples of one class of input for ``pytest.mark.parametrize``: the first ``fast`` run in ``make test``, the
    others are marked slow and run in ``make test-slow`` (CI runs both, so every example stays guarded). For classes
    whose examples each cost a Hydra compose (about a second) and share one code path."""
    return [
        case if k < fast else pytest.param(*(case if isinstance(case, tuple) else (case,)), marks=pytest.mark.slow)
        for k, case in enumerate(cases)
    ]


def short_overrides(end: str = "2014-12") -> list[str]:
    """Overrides that cut the replay at ``end`` and drop report dates beyond it (fast end-to-end runs)."""
    return [
        f"stop={end}",
        "report=basic",
        f"report.milestone_dates=[{end}]",
        f"report.trust_matrix_dates=[2012-12,{end}]",
    ]


def run_script(script: str, *args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``experiments/<script>`` with this interpreter as a real subprocess."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run(
        [sys.executable, str(ROOT / "experiments" / script), *args],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=timeout,
        check=False,
    )


def folder_tool(script: str):
    """The ``main(argv) -> exit status`` of a folder tool (``experiments/reproduce.py``, ``merge.py``), loaded
    without running it: call it in-process where a test checks its exit status and one-line error."""
    import runpy

    return runpy.run_path(str(ROOT / "experiments" / script), run_name=f"experiments.{Path(script).stem}")["main"]


@pytest.fixture
def script_refuses(capsys):
    """``script_refuses("sweep.py", *args)``: the one-line error ``experiments/<script> <args>`` gives, from the
    script's own options and preflight run in-process (what the script does before Hydra starts), which must exit 2.

    For refusals whose claim is the error line; keep one real subprocess (``run_script``) per script for what the
    command line itself must show."""
    from sim.tasks import sweep
    from sim.tasks.launch import preflight
    from sim.tasks.registry import by_script

    def check(script: str, *args: str) -> str:
        task = by_script(script)
        try:
            with pytest.raises(SystemExit) as stop:
                options, argv = task.options(list(args))
                (task.preflight or preflight)(task, argv, options)
        finally:
            sweep.FOLDERS.clear()  # the sweep preflight's record of the folders it checked: per command
            sweep.COMPLETE.clear()
        err = capsys.readouterr().err
        assert stop.value.code == 2, err
        assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err, err
        return err

    return check


# --- result folders shared by the whole session -------------------------------------------------------------

# One small folder per task, made by the real script once per test session (across pytest-xdist workers: the
# first worker to ask builds it under a file lock, the others wait and reuse it). Tests that only read a folder
# (its files, its report, reproduce.py on it) share these instead of each running the task again.
RUN_ARGS = ("run.py", "replicates=4", "seed=11", *short_overrides("2014-12"))
SWEEP_ARGS = ("sweep.py", "sweep=investment_vs_exposure", "sweep.replicates=1", "workers=1")
COMPARE_ARGS = ("compare.py", "experiment=japan_never_sanctions", "replicates=3")
# The smallest calibration: two generations of one candidate per parameter (17), 3 runs each, fit to 2014-06.
CALIBRATE_TINY = (
    "calibration.last=2014-12",
    "stop=2014-12",
    "calibration.split=2014-06",
    "report=basic",
    "report.milestone_dates=[2014-12]",
    "report.trust_matrix_dates=[]",
    "calibration.replicates=3",
    "calibration.chunk_size=16",  # 4 chunks a generation: enough to spread over 2 workers; smaller costs setup
    "calibration.optimiser.popsize=1",
    "calibration.optimiser.maxiter=1",
    "calibration.score_replicates=4",
)
# workers=1: tests/test_calibration.py reruns it on 2 workers and compares the bytes
CALIBRATE_ARGS = ("calibrate.py", *CALIBRATE_TINY, "workers=1")
VALIDATE_ARGS = (
    "validate.py",
    "validation.seeds=[20180101]",
    "validation.runs=8",
    "validation.statics_runs=8",
    "validation.gradient.runs=4",
    "validation.gradient.values=[0.3,1.0]",
    "validation.lhs.points=4",
    "validation.lhs.replicates=1",
    "validation.lhs.chunk_size=2",
    "workers=1",
)


@pytest.fixture(scope="session")
def shared_folder(tmp_path_factory, worker_id):
    """``shared_folder(RUN_ARGS)``: the result folder of ``experiments/<script> <args>``, made once per session.

    Read-only: copy it (``shutil.copytree``) before changing anything. The script's exit status is not
    asserted (validate.py exits 1 when a goal is missed); the folder must hold a manifest.
    """
    from filelock import FileLock

    base = tmp_path_factory.getbasetemp()
    root = (base if worker_id == "master" else base.parent) / "shared-folders"
    root.mkdir(exist_ok=True)

    def build(args: tuple[str, ...]) -> Path:
        key = hashlib.sha256(json.dumps(list(args)).encode()).hexdigest()[:16]
        folder = root / f"{Path(args[0]).stem}-{key}"
        with FileLock(str(root / f"{folder.name}.lock")):
            if not (folder / "manifest.json").is_file():
                if folder.exists():
                    shutil.rmtree(folder)
                made = run_script(args[0], f"hydra.run.dir={folder}", *args[1:], timeout=600)
                assert (folder / "manifest.json").is_file(), made.stderr[-3000:]
        return folder

    return build


def pytest_collection_modifyitems(config, items):
    """Files with the most slow tests first. ``make test`` runs with ``--dist loadfile``: each file goes whole to
    the next free worker in collection order, so a heavy file collected last (alphabetically) would run alone at
    the end while the other core idles. Within a file the order is unchanged."""
    slow = {}
    for item in items:
        slow[item.path] = slow.get(item.path, 0) + (item.get_closest_marker("slow") is not None)
    first = {path: k for k, path in enumerate(dict.fromkeys(item.path for item in items))}
    items.sort(key=lambda item: (-slow[item.path], first[item.path]))
