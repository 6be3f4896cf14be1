"""What a task is: the fields ``sim.tasks.launch`` needs to run it from a command line, and
``sim.tasks.reproduce`` to run it again from a folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig

from sim.config import to_container, validate


@dataclass(frozen=True)
class Context:
    """How a task runs, beside its config: the command line's overrides (recorded in the manifest), worker
    processes (0: the config's ``workers``, else one per core), whether to show progress, and the options a
    task takes off the command line before Hydra reads it (``bench.py --runs``)."""

    overrides: list[str] = field(default_factory=list)
    workers: int = 0
    progress: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    multirun: bool = False


def validated(cfg: DictConfig) -> dict[str, Any]:
    """The composed config as checked plain data (the model's schema and rules, ``sim.config.validate``)."""
    return validate(to_container(cfg))


def no_check(cfg: dict[str, Any], options: dict[str, Any]) -> None:
    """A task with no checks beyond the schema's."""


def no_options(argv: list[str]) -> tuple[dict[str, Any], list[str]]:
    """A task that takes no options of its own: the whole command line is Hydra's."""
    return {}, list(argv)


def exit_zero(result: Any) -> int:
    return 0


@dataclass(frozen=True)
class Task:
    """One kind of job. Every callable is a module-level function, so a Hydra launcher can pickle the task
    into another process (joblib, SLURM).

    - ``name``: what the manifest records as ``task`` (``run``, ``sweep``, ``comparison``, ...);
    - ``script``: ``experiments/<script>``, the command that runs it;
    - ``config``: its primary config, ``conf/<config>.yaml`` (defaults, output folder, job name);
    - ``files``: the result files and folders it writes (besides ``report.html`` and ``manifest.json``);
    - ``run(cfg, out_dir, context)``: does the work into ``out_dir``, returns what ``headline`` reports;
    - ``headline(cfg, result)``: the lines the script prints before ``output: <folder>``;
    - ``check(cfg, options)``: its own checks of the validated config, run by the preflight for every job
      before anything is written (``ConfigError`` to refuse);
    - ``load(cfg)``: the composed config as plain data (default: validated against the model's schema);
    - ``options(argv)``: splits its own options off the command line (default: none);
    - ``preflight(task, argv, options)``: checks every job before Hydra writes (default:
      ``sim.tasks.launch.preflight``); returns True when there is nothing to run (a finished sweep);
    - ``after(argv)``: runs when the command ends, however it ends (a multirun's report);
    - ``exit_status(result)``: the script's exit status after a run (validation: 1 when a goal fails);
    - ``shared_folder``: a multirun's jobs all write into ``hydra.sweep.dir`` (a sweep's shards);
    - ``reproducible``: its folder has a manifest, and ``experiments/reproduce.py`` can re-run it.
    """

    name: str
    script: str
    config: str
    files: tuple[str, ...]
    run: Callable[[dict[str, Any], Path, Context], Any]
    headline: Callable[[dict[str, Any], Any], str]
    check: Callable[[dict[str, Any], dict[str, Any]], object] = no_check
    load: Callable[[DictConfig], dict[str, Any]] = validated
    options: Callable[[list[str]], tuple[dict[str, Any], list[str]]] = no_options
    preflight: Callable[[Task, list[str], dict[str, Any]], bool] | None = None
    after: Callable[[list[str]], None] | None = None
    exit_status: Callable[[Any], int] = exit_zero
    shared_folder: bool = False
    reproducible: bool = True
