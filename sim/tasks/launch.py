"""Run a ``Task`` from a command line: its options off the command line, its preflight (every job checked
before anything is written), then Hydra with the task's primary config, and the headline.

Every script is ``sim.tasks.launch.main(TASK)``; nothing edits ``sys.argv``. Hydra is started on the argument
list itself (``hydra._internal.utils._run_hydra``, what ``@hydra.main`` calls, on hydra-core 1.3.8 as pinned),
with ``conf/`` as the config folder; each primary config names its job (``hydra.job.name``) after its script.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.cli import fail, guard
from sim.cli import preflight as check_jobs
from sim.config.load import CONF_DIR, register_resolvers
from sim.tasks.base import Context, Task


def preflight(task: Task, argv: list[str], options: dict[str, Any]) -> bool:
    """The usual preflight (``sim.cli.preflight``): every job composed, validated, checked by the task, its
    memory estimated and its output folder refused if used, before Hydra writes anything."""
    check_jobs(argv, config_name=task.config, check=lambda cfg: task.check(cfg, options))
    return False


@dataclass(frozen=True)
class Job:
    """Hydra's task function for ``task``: picklable, so launchers can run it in other processes."""

    task: Task
    options: dict[str, Any]

    def __call__(self, cfg: DictConfig) -> None:
        hc = HydraConfig.get()
        multirun = hc.mode == RunMode.MULTIRUN
        out_dir = Path(hc.sweep.dir if multirun and self.task.shared_folder else hc.runtime.output_dir)
        context = Context(
            overrides=list(hc.overrides.task), progress=not multirun, options=self.options, multirun=multirun
        )
        with guard():
            data = self.task.load(cfg)
            result = self.task.run(data, out_dir, context)
        print(self.task.headline(data, result))
        print(f"output: {out_dir}")
        status = self.task.exit_status(result)
        if status:
            raise SystemExit(status)


def run_hydra(task: Task, argv: list[str], options: dict[str, Any]) -> None:
    """What ``@hydra.main(config_path="../conf", config_name=task.config)`` does, on ``argv``."""
    from hydra import version
    from hydra._internal.utils import _run_hydra, get_args_parser

    version.setbase("1.3")
    parser = get_args_parser()
    args = parser.parse_args(argv)
    if args.experimental_rerun is not None:
        fail("--experimental-rerun loads a pickle: use experiments/reproduce.py <folder> instead")
    _run_hydra(
        args=args,
        args_parser=parser,
        task_function=Job(task, options),
        config_path=str(CONF_DIR),
        config_name=task.config,
    )


def main(task: Task, argv: list[str] | None = None) -> None:
    """The whole command: options, preflight, Hydra, and ``task.after`` however it ends."""
    argv = list(sys.argv[1:] if argv is None else argv)
    register_resolvers()
    options, argv = task.options(argv)
    if (task.preflight or preflight)(task, argv, options):
        return
    try:
        run_hydra(task, argv, options)
    finally:
        if task.after is not None:
            task.after(argv)
