"""``experiments/bench.py``: the sweep engine against Mesa's batch_run and the bare loop (``sim.benchmark``).

``--runs``, ``--mesa-runs``, ``--replay-runs`` and ``--workers`` are the task's own options, split off the
command line before Hydra reads the rest. Writes ``bench.json`` (no manifest: a timing is not a result that
repeats); its folder, ``outputs/bench/<sweep>/...``, is set by ``conf/bench.yaml``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sim import benchmark
from sim.cli import fail
from sim.io import atomic_write_text
from sim.processes import default_workers
from sim.sweep import engine
from sim.tasks.base import Context, Task

OPTIONS = {
    "--runs": 20_000,
    "--mesa-runs": 200,
    "--replay-runs": 200,
    "--workers": 0,
}  # --workers 0: the config's, else one per core
RESULT = "bench.json"


def take_options(argv: list[str]) -> tuple[dict[str, int], list[str]]:
    """Split ``--runs N`` / ``--runs=N`` (and the other ``OPTIONS``) off ``argv``; the rest is for Hydra."""
    options, rest = dict(OPTIONS), []
    args = iter(argv)
    for arg in args:
        name, sep, value = arg.partition("=")
        if name not in OPTIONS:
            rest.append(arg)
            continue
        if not sep:
            value = next(args, "")
        try:
            options[name] = int(value)
        except ValueError:
            fail(f"{name} needs a whole number, got {value!r}")
        if options[name] < (0 if name == "--workers" else 1):
            fail(f"{name} must be {'>= 0' if name == '--workers' else '>= 1'}, got {options[name]}")
    return options, rest


def check(cfg: dict[str, Any], options: dict[str, Any]) -> None:
    """Preflight: a sweep is chosen and, raised to ``--runs`` runs, still a valid plan."""
    if not cfg.get("sweep"):
        fail("sweep = None: choose a sweep, e.g. sweep=sanctions_vs_alliance (files in conf/sweep/)")
    engine.make_plan(benchmark.sized(cfg, options["--runs"]))


def run(cfg: dict[str, Any], out_dir: Path, context: Context) -> dict[str, Any]:
    options = {**OPTIONS, **context.options}
    check(cfg, options)
    workers = options["--workers"] or context.workers or cfg["workers"] or default_workers()
    result = benchmark.benchmark(
        cfg, options["--runs"], options["--mesa-runs"], options["--replay-runs"], workers, out_dir
    )
    atomic_write_text(out_dir / RESULT, json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return result


def lines(cfg: dict[str, Any], result: dict[str, Any]) -> str:
    return (
        f"{result['sweep']}: {result['design_points']:,} design points, {result['months']} months, "
        f"chunks of {result['chunk_size']:,}, {result['workers']} worker(s)\n{benchmark.table(result)}"
    )


def exit_status(result: dict[str, Any]) -> int:
    """1 when the timings compare different computations: not a benchmark."""
    return 0 if result["check"]["engine_outcomes_equal"] and result["check"]["bare_loop_state_equal"] else 1


TASK = Task(
    name="bench",
    script="bench.py",
    config="bench",
    files=(RESULT,),
    run=run,
    headline=lines,
    check=check,
    options=take_options,
    exit_status=exit_status,
    reproducible=False,
)
