"""Every task by name: what ``experiments/reproduce.py`` dispatches on (a folder's manifest records its task's
name) and what the tests check every script against. A new task: a module in ``sim/tasks/`` with a ``TASK``,
listed here, a primary config ``conf/<config>.yaml`` and a two-line ``experiments/<script>``."""

from __future__ import annotations

from sim.tasks import bench, calibrate, compare, discover, observe, run, sweep, validate
from sim.tasks.base import Task

TASKS: dict[str, Task] = {
    task.name: task
    for task in (
        run.TASK,
        sweep.TASK,
        compare.TASK,
        validate.TASK,
        observe.TASK,
        calibrate.TASK,
        discover.TASK,
        bench.TASK,
    )
}
# Scripts that work on a finished folder instead of running a task of their own (argparse, no Hydra config).
FOLDER_TOOLS = {
    "reproduce.py": "re-runs a folder's task (through TASKS) and compares every file",
    "merge.py": "merges a sweep folder's chunks",
    "encode_timeline.py": "encodes the observed timeline's sources into the shipped CSV",
    "import_graph.py": "measures sim's import graph",
}


def task_of(name: str) -> Task:
    """The task a manifest names (``KeyError`` for one this project does not make)."""
    return TASKS[name]


def by_script(script: str) -> Task:
    return next(task for task in TASKS.values() if task.script == script)
