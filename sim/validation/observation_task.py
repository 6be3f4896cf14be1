"""The task behind ``experiments/fit_observation.py``: the salience-power profile on tuning seeds, written as a
CSV, a summary and a figure (``sim.validation.observation`` has the method)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.folder import ResultFolder
from sim.plots import STYLE, new_figure, save_figure
from sim.validation.checks import OBSERVATION_FILES
from sim.validation.observation import choose, profile
from sim.validation.protocol import check_observation_seeds, read_protocol
from sim.validation.task import observed_quarters


def write_profile_figure(table: pd.DataFrame, chosen: float, split: str, out_dir: Path) -> list[Path]:
    """In-sample skill (pooled and per seed) and 90%-band coverage against the candidate powers, the chosen one
    marked. The powers are drawn at even spacing, labelled with their values (0 has no place on a log axis)."""
    import matplotlib.pyplot as plt

    out_dir.mkdir(parents=True, exist_ok=True)
    x = np.arange(len(table))
    labels = [f"{p:g}" for p in table["salience_power"]]
    seeds = [c for c in table.columns if c.startswith("skill_seed_")]
    with plt.style.context("default"), plt.rc_context(STYLE), new_figure(figsize=(6.4, 2.6)) as fig:
        skill_ax, cover_ax = fig.subplots(1, 2)
        for k, col in enumerate(seeds):
            skill_ax.plot(x, table[col], color="0.6", lw=0.8, marker=".", label="each tuning seed" if k == 0 else None)
        skill_ax.plot(x, table["skill"], color="C0", lw=1.6, marker="o", label="seeds pooled")
        cover_ax.plot(x, table["coverage_90"], color="C1", lw=1.6, marker="o", label="90% band")
        cover_ax.plot(x, table["coverage_50"], color="C2", lw=1.6, marker="s", label="50% band")
        k = int(np.flatnonzero(table["salience_power"].to_numpy() == chosen)[0])
        for ax in (skill_ax, cover_ax):
            ax.axvline(k, color="k", lw=0.8, ls="--")
            ax.set_xticks(x, labels)
            ax.set_xlabel("salience power ω (weights |Goldstein|^ω)")
            ax.legend(loc="best", frameon=False)
        skill_ax.set_ylabel("skill, 1 − SSE/SSE(flat)")
        skill_ax.set_title(f"In-sample skill (quarters to {split}); dashed: chosen ω = {chosen:g}")
        cover_ax.set_ylabel("share of observed dyad-quarters")
        cover_ax.set_ylim(0, 1)
        cover_ax.set_title("In-sample coverage by the simulated bands")
        return save_figure(fig, out_dir, "salience_profile", strict=True)


def run_observation_fit(cfg: dict[str, Any], out_dir: Path, overrides: list[str] | None = None) -> dict[str, Any]:
    protocol = read_protocol(cfg)
    check_observation_seeds(protocol)
    folder = ResultFolder.open(out_dir, task="observation", cfg=cfg, overrides=overrides, names=OBSERVATION_FILES)
    started = time.perf_counter()
    table = profile(cfg, protocol, observed_quarters())
    chosen = choose(table)
    folder.write_csv("salience_profile.csv", table.round(6))
    plan = protocol.observation
    folder.write_json(
        "summary.json",
        {
            "chosen_salience_power": chosen,
            "configured_salience_power": protocol.salience_power,
            "seeds": list(plan.seeds),
            "runs_per_seed": plan.runs,
            "split": protocol.split,
            "criterion": "largest pooled in-sample skill (quarters up to the split); smallest power on a tie",
            "profile": table.round(6).to_dict(orient="records"),
        },
    )
    if cfg["report"]["figures"]:
        folder.add(write_profile_figure(table, chosen, protocol.split, out_dir / "figures"))
    folder.finish()
    return {
        "table": table,
        "chosen": chosen,
        "configured": protocol.salience_power,
        "plan": plan,
        "split": protocol.split,
        "seconds": round(time.perf_counter() - started, 1),
    }
