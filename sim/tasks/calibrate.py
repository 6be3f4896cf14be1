"""``experiments/calibrate.py``: fit the free behavioural parameters and score them held out
(``sim.calibration``). Its primary config, ``conf/calibrate.yaml``, composes ``calibration=replay_2013_2017``
by default."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from sim.calibration.checks import RESULTS, check_calibration
from sim.tasks.base import Context, Task


def progress(generation: int, best: float) -> None:
    print(f"  generation {generation}: best score {best:.4f}", file=sys.stderr, flush=True)


def check(cfg: dict[str, Any], options: dict[str, Any]) -> None:
    check_calibration(cfg)


def run(cfg: dict[str, Any], out_dir: Path, context: Context) -> dict[str, Any]:
    # imported here: the optimiser, the sweep engine and the figure take seconds to import, and the preflight
    # needs none of them
    from sim.calibration.task import run_calibration
    from sim.processes import default_workers

    return run_calibration(
        cfg,
        out_dir,
        workers=context.workers or cfg["workers"] or default_workers(),
        overrides=context.overrides,
        progress=progress if context.progress else None,
    )


def lines(cfg: dict[str, Any], result: dict[str, Any]) -> str:
    p = result["provenance"]
    out = [
        f"calibration {p['name']} ({p['mode']} mode, split {p['split']}): {p['optimiser']['candidates']:,} "
        f"candidates x {p['replicates']} runs, seed {p['seeds']['fit']} ({p['optimiser']['runs_with_scoring']:,} "
        f"runs with scoring) in {result['seconds']:.1f} s"
    ]
    w = p["windows"]
    out.append(
        f"skill = 1 - SSE_model/SSE_flat, seed {p['seeds']['score']}, {p['seeds']['score_replicates']} runs per row:"
    )
    out.append(
        f"  {'row':<12} {'fit ' + w['fit']['first'] + '..' + w['fit']['last']:>22} "
        f"{'held out ' + str(w['held_out']['first']) + '..' + str(w['held_out']['last']):>27}  moments (median)"
    )
    for row in p["skill"]["fit"]:
        moments = ", ".join(f"{m} {v}" for m, v in p["moments"]["simulated"].get(row, {}).items())
        fit, held = ("n/a" if v is None else f"{v:.3f}" for v in (p["skill"]["fit"][row], p["skill"]["held_out"][row]))
        out.append(f"  {row:<12} {fit:>22} {held:>27}  {moments}")
    out.append(
        f"  ({w['fit']['targets']} fit targets, {w['held_out']['targets']} held-out targets; flat = each dyad's "
        "fit-window mean)"
    )
    out.append(result["table"].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if result["refused"]:
        out.append(result["refused"])
    out += [f"installed: {path}" for path in result["installed"]]
    return "\n".join(out)


TASK = Task(
    name="calibration",
    script="calibrate.py",
    config="calibrate",
    files=RESULTS,
    run=run,
    headline=lines,
    check=check,
)
