"""The comparison task behind ``experiments/compare.py``: run both arms and write the comparison's folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sim.compare.arms import arm_configs, differences
from sim.folder import ResultFolder
from sim.manifest import config_hash

TIMESERIES, WINDOWS, MILESTONES, MONTHLY = (
    "timeseries.parquet",
    "window_effects.csv",
    "milestone_effects.csv",
    "monthly_bands.csv",
)
SUMMARY, FIGURES = "summary.json", "figures"
RESULTS = (TIMESERIES, WINDOWS, MILESTONES, MONTHLY, SUMMARY, FIGURES)


def run_comparison(cfg: dict[str, Any], out_dir: Path, overrides: list[str] | None = None) -> dict[str, Any]:
    """Run the comparison ``cfg`` (resolved plain dict with a ``compare`` section) into ``out_dir``.

    Writes both arms' per-run series, the window and milestone effect tables, the monthly bands, the
    figures, the summary and, last, the manifest with every file's sha256. Refuses a folder that already
    holds results.
    """
    # imported here, not at the top: the model (mesa), the tables (pandas, scipy) and the figures (matplotlib)
    # take seconds to import, and a command the preflight refuses imports this module for its file names only
    import pyarrow.parquet as pq

    from sim.compare.arms import run_arms
    from sim.compare.figures import write_comparison_figures
    from sim.compare.tables import milestone_effects, monthly_bands, paired_timeseries, window_effects

    arms = arm_configs(cfg)
    spec = cfg["compare"]
    folder = ResultFolder.open(out_dir, task="comparison", cfg=cfg, overrides=overrides, names=RESULTS)
    started = time.perf_counter()
    pair = run_arms(arms, spec["variables"])
    simulated = time.perf_counter() - started

    windows = window_effects(pair, spec["windows"], spec["variables"])
    milestones = milestone_effects(pair, spec["milestone_dates"])
    table = paired_timeseries(pair)
    folder.write(TIMESERIES, lambda tmp: pq.write_table(table, tmp, compression="zstd"))
    folder.write_csv(WINDOWS, windows)
    folder.write_csv(MILESTONES, milestones)
    folder.write_csv(MONTHLY, monthly_bands(pair, spec["variables"]))
    names = {arm: arms[arm]["scenario"]["name"] for arm in arms}
    scenario = arms["scenario"]["scenario"]
    summary = {
        "experiment": spec["name"],
        "description": spec["description"],
        "baseline": names["baseline"],
        "scenario": names["scenario"],
        "rationale": scenario["rationale"],
        "changes": scenario["changes"],
        "differences": differences(arms["baseline"]["scenario"], scenario),
        "mode": cfg["mode"],
        "seed": cfg["seed"],
        "runs": len(pair.baseline.runs),
        "first_run": cfg["first_run"],
        "windows": _window_summary(windows, spec["dyads"]),
        "milestones": _milestone_summary(milestones),
    }
    folder.write_json(SUMMARY, summary)
    if cfg["report"]["figures"]:
        folder.add(
            write_comparison_figures(
                pair,
                out_dir / FIGURES,
                title=f"{names['scenario']} vs {names['baseline']}",
                arm_names=names,
                variables=spec["variables"],
                dyads=spec["dyads"],
                markers=scenario["markers"],
            )
        )
    folder.finish(
        compare={
            "experiment": spec["name"],
            "runs": summary["runs"],
            **{arm: {"scenario": names[arm], "config_hash": config_hash(arms[arm])} for arm in arms},
            "differences": summary["differences"],
        }
    )
    summary["seconds"] = {"simulation": round(simulated, 3), "total": round(time.perf_counter() - started, 3)}
    return summary


def _window_summary(windows, dyads: list[str]) -> dict[str, Any]:
    """Per window, for the experiment's dyads and variables: arm medians and the paired difference."""
    out: dict[str, Any] = {}
    keys = (
        "baseline_median",
        "scenario_median",
        "difference_median",
        "difference_mean",
        "difference_q05",
        "difference_q95",
    )
    for row in windows.to_dict("records"):
        dyad = f"{row['source']}->{row['target']}"
        if dyad in dyads:
            entry = out.setdefault(row["window"], {"from": row["from"], "to": row["to"], "dyads": {}})
            entry["dyads"].setdefault(dyad, {})[row["variable"]] = {key: row[key] for key in keys}
    return out


def _milestone_summary(milestones) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for row in milestones.to_dict("records"):
        out.setdefault(row["channel"], {}).setdefault(row["milestone"], {})[row["by"]] = {
            "baseline": row["baseline_probability"],
            "scenario": row["scenario_probability"],
            "change": row["change"],
            "change_low": row["change_low"],
            "change_high": row["change_high"],
        }
    return out


def headline(summary: dict[str, Any], dyad: str, variable: str) -> str:
    """One line per window for ``dyad`` and ``variable``, then one per milestone at the last date."""
    lines = []
    for name, window in summary["windows"].items():
        stats = window["dyads"].get(dyad, {}).get(variable)
        if stats:
            lines.append(
                f"  {dyad} {variable} {name} ({window['from']}..{window['to']}): "
                f"{stats['baseline_median']:+.2f} -> {stats['scenario_median']:+.2f}; paired difference "
                f"median {stats['difference_median']:+.2f} [90%: {stats['difference_q05']:+.2f}, "
                f"{stats['difference_q95']:+.2f}]"
            )
    for channel, kinds in summary["milestones"].items():
        for kind, by_date in kinds.items():
            date, p = list(by_date.items())[-1]
            lines.append(
                f"  {channel} {kind} by {date}: {p['baseline']:.2f} -> {p['scenario']:.2f} "
                f"({p['change']:+.2f} [90%: {p['change_low']:+.2f}, {p['change_high']:+.2f}])"
            )
    return "\n".join(lines)
