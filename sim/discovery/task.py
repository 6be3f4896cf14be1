"""The discovery task behind ``experiments/discover.py``: read a finished sweep folder, run PRIM for the
user's condition, and write a new folder (never into the sweep's): the peeling trajectory (table and
figure), the chosen box with its quasi-p-values, the box over the sweep's cases, a summary, a report and the
manifest (last), which also records the sha256 of the sweep files it read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from sim.config.errors import ConfigError
from sim.discovery.cases import load_cases
from sim.discovery.search import Box, find_box
from sim.discovery.spec import Discovery, check_discovery
from sim.folder import ResultFolder
from sim.io import sha256

TRAJECTORY, BOX, SUMMARY, FIGURES = ("peeling_trajectory.csv", "box.csv", "summary.json", "figures")
RESULTS = (TRAJECTORY, BOX, SUMMARY, FIGURES)
INPUTS = ("design.parquet", "outcomes.parquet")


def check_cases(discovery: Discovery, holds: np.ndarray) -> None:
    """PRIM needs cases where the condition holds and cases where it fails."""
    n, hits = len(holds), int(holds.sum())
    if hits == 0 or hits == n:
        raise ConfigError(
            "condition",
            str(discovery.condition),
            f"holds in {hits} of {n} cases "
            f"({discovery.cases}): nothing to tell apart; choose a threshold inside the outcome's range",
        )


def run_discovery(cfg: dict[str, Any], out_dir: Path, overrides: list[str] | None = None) -> dict[str, Any]:
    from sim.discovery.figures import write_discovery_figures  # matplotlib: only when a discovery runs

    discovery = check_discovery(cfg)
    folder = ResultFolder.open(out_dir, task="discovery", cfg=cfg, overrides=overrides, names=RESULTS)
    x, values, holds = load_cases(discovery)
    check_cases(discovery, holds)
    box = find_box(x, holds, discovery)
    summary = describe(discovery, box, holds)
    folder.write_csv(TRAJECTORY, box.trajectory)
    folder.write_csv(BOX, box.limits)
    folder.write_json(SUMMARY, summary)
    folder.add(write_discovery_figures(x, values, holds, box, discovery.condition, discovery.cases, out_dir / FIGURES))
    folder.finish(
        discovery={
            "sweep_folder": cfg["folder"],
            "sweep": discovery.sweep.get("sweep", {}).get("name"),
            "sweep_fingerprint": discovery.sweep.get("sweep", {}).get("fingerprint"),
            "inputs": {name: sha256(discovery.folder / name) for name in INPUTS},
        }
    )
    return summary


def describe(discovery: Discovery, box: Box, holds: np.ndarray) -> dict[str, Any]:
    """The headline: the condition, the cases, the chosen box and its statistics."""
    chosen = box.trajectory.loc[box.chosen]
    restricted = box.limits[box.limits["restricted"]]
    sweep = discovery.sweep.get("sweep", {})
    return {
        "condition": {
            "outcome": discovery.condition.outcome,
            "op": discovery.condition.op,
            "value": discovery.condition.value,
            "text": str(discovery.condition),
        },
        "sweep": {
            "name": sweep.get("name"),
            "fingerprint": sweep.get("fingerprint"),
            "points": sweep.get("points"),
            "replicates": sweep.get("replicates"),
        },
        "cases": discovery.cases,
        "n_cases": len(holds),
        "n_of_interest": int(holds.sum()),
        "share_of_interest": float(holds.mean()),
        "box": {
            "step": box.chosen,
            "steps": len(box.trajectory),
            "chosen_by": box.reason,
            "coverage": float(chosen["coverage"]),
            "density": float(chosen["density"]),
            "mass": float(chosen["mass"]),
            "limits": {
                row.parameter: {"low": row.low, "high": row.high, "qp_value": row.qp_value}
                for row in restricted.itertuples()
            },
        },
    }


def headline(summary: dict[str, Any]) -> str:
    b = summary["box"]
    lines = [
        f"{summary['condition']['text']}: holds in {summary['n_of_interest']:,} of {summary['n_cases']:,} "
        f"cases ({summary['cases']}); PRIM box (step {b['step']} of {b['steps']}, {b['chosen_by']}): "
        f"coverage {b['coverage']:.2f}, density {b['density']:.2f}, mass {b['mass']:.2f}"
    ]
    for name, lim in b["limits"].items():
        lines.append(f"  {lim['low']:.4g} <= {name} <= {lim['high']:.4g}  (quasi-p {lim['qp_value']:.2g})")
    if not b["limits"]:
        lines.append("  no parameter restricted: the box is the whole sweep")
    return "\n".join(lines)
