"""The replay task behind ``experiments/run.py``: run an ensemble and write its result folder."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from sim.folder import ResultFolder
from sim.processes import default_workers, draw_figures

RESULT_FILES = ("timeseries.parquet", "nci_quarterly.csv", "events.csv", "summary.json")
FIGURES = "figures"


def run_replay(cfg: dict[str, Any], out_dir: Path, overrides: list[str] | None = None) -> dict[str, Any]:
    """Run ``cfg`` (validated, plain dict) as one ensemble of ``cfg['replicates']`` runs into ``out_dir``.

    Writes the tidy series, quarterly NCI, the first run's event log, the summary, the figures and, last,
    the manifest with every file's sha256. Refuses a folder that already holds results.
    """
    # imported here, not at the top: the model (mesa), figures (matplotlib) and tables (pandas) take seconds
    # to import, and a command the preflight refuses imports this module for its file names only
    from sim.attribution import attribution_jobs
    from sim.model import RelationsModel
    from sim.plots import figure_jobs
    from sim.results import Ensemble
    from sim.summary import summarise
    from sim.tables import write_events, write_quarterly, write_timeseries

    folder = ResultFolder.open(out_dir, task="run", cfg=cfg, overrides=overrides, names=[*RESULT_FILES, FIGURES])
    started = time.perf_counter()
    runs = np.arange(cfg["first_run"], cfg["first_run"] + cfg["replicates"])
    # the files come from ``history``: the DataCollector's ensemble means (7% of a 200-run replay) are not computed
    # ``cfg`` was validated when the task loaded it: the model does not check it again
    model = RelationsModel(cfg, runs=runs, collect=False, rng=cfg["seed"], validated=True).run()
    ens = Ensemble.from_model(model)
    simulated = time.perf_counter() - started
    report = cfg["report"]
    folder.add(
        [
            write_timeseries(ens, out_dir / "timeseries.parquet"),
            write_quarterly(ens, out_dir / "nci_quarterly.csv"),
            write_events(ens, out_dir / "events.csv"),
        ]
    )
    summary = {
        "scenario": cfg["scenario"]["name"],
        "mode": cfg["mode"],
        "seed": cfg["seed"],
        **summarise(ens, report["windows"], report["milestone_dates"]),
    }
    folder.write_json("summary.json", summary)
    if report["figures"]:
        markers = cfg["scenario"]["markers"]
        jobs = [  # the figures of many panels first (``draw_figures``)
            *figure_jobs(ens, out_dir / FIGURES, markers=markers, trust_matrix_dates=report["trust_matrix_dates"]),
            *attribution_jobs(ens, out_dir / FIGURES / "attribution", markers=markers),
        ]
        folder.add(draw_figures(ens, jobs, cfg["workers"] or default_workers()))
    folder.finish()
    summary["seconds"] = {"simulation": round(simulated, 3), "total": round(time.perf_counter() - started, 3)}
    return summary


def headline(summary: dict[str, Any], dyad: str = "JPN->RUS") -> str:
    """One line per summary window: the ensemble median NCI of ``dyad``."""
    lines = []
    for name, window in summary["nci_windows"].items():
        stats = window["dyads"].get(dyad)
        if stats:
            lines.append(
                f"  {dyad} NCI {name} ({window['from']}..{window['to']}): median {stats['median']:+.2f} "
                f"[90%: {stats['q05']:+.2f}, {stats['q95']:+.2f}]"
            )
    return "\n".join(lines)
