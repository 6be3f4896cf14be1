"""``experiments/compare.py``: a scenario against its baseline with common random numbers (``sim.compare``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.compare.arms import arm_configs
from sim.compare.task import RESULTS, headline, run_comparison
from sim.tasks.base import Context, Task


def check(cfg: dict[str, Any], options: dict[str, Any]) -> None:
    arm_configs(cfg)


def run(cfg: dict[str, Any], out_dir: Path, context: Context) -> dict[str, Any]:
    return run_comparison(cfg, out_dir=out_dir, overrides=context.overrides)


def lines(cfg: dict[str, Any], summary: dict[str, Any]) -> str:
    spec = cfg["compare"]
    variable = "nci" if "nci" in spec["variables"] else spec["variables"][0]
    return (
        f"{spec['name']}: {summary['scenario']} vs {summary['baseline']} ({cfg['mode']}): {summary['runs']} "
        f"paired runs, seed {cfg['seed']}, {summary['seconds']['total']:.1f} s\n"
        + headline(summary, spec["dyads"][0], variable)
    )


TASK = Task(
    name="comparison", script="compare.py", config="compare", files=RESULTS, run=run, headline=lines, check=check
)
