"""``experiments/sweep.py``: a declared parameter sweep (``sim.sweep``), resumable, in shards.

Unlike the other tasks a sweep's folder is named after its fingerprint and may already hold this sweep: the
preflight accepts a folder that holds the same sweep (it resumes) and, when every folder the command names
holds its finished sweep, says so and stops before Hydra starts (which would rewrite the folders' ``.hydra/``).
After a multirun it reports each folder, shard by shard."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sim.cli import fail
from sim.cli import preflight as check_jobs
from sim.folder import MANIFEST
from sim.processes import default_workers
from sim.sweep import folder
from sim.sweep.engine import make_plan
from sim.sweep.task import RESULTS, check_values, run_sweep
from sim.tasks.base import Context, Task

# The sweep folders a command writes into (found by the preflight), for the report at the end of a multirun,
# and those of them that are complete already (a rerun touches nothing there, not even Hydra's .hydra/).
FOLDERS: list[Path] = []
COMPLETE: dict[Path, dict] = {}


def check(cfg: dict[str, Any], options: dict[str, Any]) -> None:
    check_sweep(cfg)


def check_sweep(cfg: dict[str, Any]) -> None:
    """A sweep is chosen, and every design point's values are valid together."""
    if not cfg.get("sweep"):
        fail("sweep = None: choose a sweep, e.g. sweep=sanctions_vs_alliance (files in conf/sweep/)")
    check_values(make_plan(cfg))


def check_folder(cfg: dict, out_dir: Path) -> None:
    """Refuse, before anything is written, a folder that holds a different sweep or other results."""
    record = folder.check(out_dir, cfg)
    if out_dir not in FOLDERS:
        FOLDERS.append(out_dir)
    if record is not None and (out_dir / MANIFEST).is_file():
        COMPLETE[out_dir] = record


def preflight(task: Task, argv: list[str], options: dict[str, Any]) -> bool:
    """Every job checked; True (nothing to run) if every folder the command would write into holds its finished
    sweep: then say so and tidy what a killed merge left, without starting Hydra."""
    check_jobs(argv, config_name=task.config, check=lambda cfg: check(cfg, options), folder_check=check_folder)
    if not FOLDERS or any(out_dir not in COMPLETE for out_dir in FOLDERS):
        return False
    for out_dir in FOLDERS:
        folder.tidy_complete(out_dir)
        record = COMPLETE[out_dir]
        print(f"{record['name']}: already complete, nothing to run (fingerprint {record['fingerprint'][:12]})")
        print(f"output: {out_dir}")
    return True


def run(cfg: dict[str, Any], out_dir: Path, context: Context) -> dict[str, Any]:
    check(cfg, context.options)
    workers = context.workers or cfg["workers"] or default_workers()
    return run_sweep(cfg, out_dir, workers=workers, overrides=context.overrides, progress=context.progress)


def describe(cfg: dict[str, Any], result: dict) -> str:
    name, state = result["name"], result["state"]
    if result["shards"] > 1:
        name = f"{name} shard {result['shard']} of {result['shards']}"
    if state == "complete" and not result["ran_runs"]:
        return f"{name}: already complete, nothing to run (fingerprint {result['fingerprint'][:12]})"
    lines = []
    if result["ran_runs"]:
        lines.append(
            f"{name}: {result['ran_runs']:,} runs in {result['simulation_seconds']:.1f} s, "
            f"{result['runs_per_second']:,.0f} runs/s on {result['workers']} worker(s)"
        )
        lines.append(
            f"peak memory: {result['peak_rss_mb_main']:,.0f} MB (main process), "
            f"{result['peak_rss_mb_largest_worker']:,.0f} MB (largest worker)"
        )
    else:
        lines.append(f"{name}: its chunks were already finished")
    if result.get("resumed"):
        lines.append(f"resumed: {result['runs'] - result['ran_runs']:,} of {result['runs']:,} runs were on disk")
    if state == "merged":
        lines.append(
            f"{result['name']}: {result['runs']:,} runs ({result['points']:,} design points) merged "
            f"in {result['seconds']:.1f} s"
        )
    elif state == "partial":
        lines.append(
            "other shards' chunks are still missing: the last shard to finish merges "
            f"(or: python experiments/merge.py {result['folder']})"
        )
    else:
        lines.append(f"{result['name']}: merged meanwhile by another process")
    return "\n".join(lines)


def report_folders(argv: list[str]) -> None:
    """After a multirun: how far each sweep folder is, shard by shard (failed shards by name)."""
    if "-m" not in argv and "--multirun" not in argv:
        return
    for out_dir in FOLDERS:
        record = folder.read_record(out_dir)
        if record is None:
            print(f"sweep folder {out_dir}: nothing was written", file=sys.stderr)
            continue
        lines, missing = folder.report(out_dir, record)
        if missing:
            lines.append("run the same command again to run only the missing chunks")
        print("\n".join(lines), file=sys.stderr if missing else sys.stdout)
        print(f"output: {out_dir}")


TASK = Task(
    name="sweep",
    script="sweep.py",
    config="sweep_config",
    files=tuple(name for name in RESULTS if name != MANIFEST),
    run=run,
    headline=describe,
    check=check,
    preflight=preflight,
    after=report_folders,
    shared_folder=True,
)
