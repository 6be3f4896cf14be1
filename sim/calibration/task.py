"""The calibration task behind ``experiments/calibrate.py``: fit on the fit window, score every parameter row
in both windows on the scoring seed, record, install only what is better out of sample.

Writes into the run folder: ``candidates.parquet`` (every candidate of every generation with its loss, moment
medians and penalties, score), ``fit.csv`` (each target: window, observed deviation, each row's simulated
median deviation, the calibrated 5–95% range), ``calibrated.yaml`` (a ``conf/params`` file),
``calibration.json`` (provenance: data and its sha256, objective, split, moments, optimiser and why, seeds,
scores per window for every row and the flat baseline), ``figures/calibration_fit.{png,svg}`` and
``manifest.json``. With ``calibration.install=true`` it also writes ``conf/params/calibrated.yaml`` and its
provenance JSON, but only when the calibrated set's held-out skill beats the defaults'.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calibration.checks import CANDIDATES, FIGURES, FIT, PARAMS, PROVENANCE, RESULTS, calendar_of, check_calibration
from sim.calibration.evaluate import Evaluator
from sim.calibration.fit import fit
from sim.calibration.moments import describe
from sim.calibration.score import WINDOWS, deviations
from sim.calibration.spec import CalibrationSpec
from sim.config.load import PROJECT_ROOT
from sim.folder import ResultFolder
from sim.io import atomic_write, atomic_write_text, sha256
from sim.sweep.spec import leaf

WHY = (
    "scipy.optimize.differential_evolution: already a dependency; a bounded box of parameters; hands over a "
    "whole generation at once (vectorized, updating='deferred'), so each generation is one vectorised sweep on "
    "the worker processes; a population method tolerates the Monte Carlo noise left after common random "
    "numbers; seeded through rng= and run for a fixed number of generations (tol 0), so it is deterministic. "
    "Optuna (TPE/CMA-ES) would add SQLAlchemy, Alembic and colorlog for a sequential-first ask/tell loop; "
    "pyabc would add dask, distributed, redis, scikit-learn and Jupyter packages, and ABC-SMC needs far more "
    "runs than the 2-minute budget for a posterior over this many parameters (docs/calibration.md)"
)


def objective_text(spec: CalibrationSpec) -> str:
    moments = ", ".join(f"{name} {m}" for name, m in spec.moments.items()) or "none"
    return (
        f"(1 - skill on the fit window, targets up to {spec.split}) + moment penalties ({moments}) + prior "
        f"{spec.prior_weight:g} x sum of squared range-normalised distances from the defaults; skill = 1 - "
        "SSE_model/SSE_flat over directed dyad-quarters with observed events, weight n/(n+1) for n events, of "
        "the median over runs of each run's simulated quarterly NCI deviation from its dyad's fit-window "
        "mean against the observed deviation from the observed fit-window mean (sim/calibration/score.py)"
    )


def params_file(spec: CalibrationSpec, values: np.ndarray, provenance: dict[str, Any]) -> str:
    """A ``conf/params`` group file: the defaults, then the fitted values (full precision), provenance on top."""
    lines = [
        "# Calibrated behavioural parameters: params/default.yaml with the values fitted by",
        f"#   {provenance['command']}",
        f"# data: {provenance['data']['file']} (sha256 {provenance['data']['sha256'][:16]}...), "
        f"{provenance['data']['targets']} targets",
        f"# objective: {provenance['objective']}",
        f"# mode: {provenance['mode']}, split {provenance['split']}, {provenance['replicates']} runs per candidate "
        f"(common random numbers), fitting seed {provenance['seeds']['fit']}",
        f"# optimiser: scipy.optimize.differential_evolution {json.dumps(provenance['optimiser']['settings'])}, "
        f"{provenance['optimiser']['candidates']} candidates",
        f"# skill (seed {provenance['seeds']['score']}, {provenance['seeds']['score_replicates']} runs): "
        + "; ".join(
            f"{w} {', '.join(f'{r} {_signed(v, 3)}' for r, v in provenance['skill'][w].items())}" for w in WINDOWS
        ),
        "# Full provenance: calibrated.provenance.json next to this file. Use: params=calibrated",
        "defaults:",
        "  - default",
        "  - _self_",
        "",
    ]
    for path, value in zip(spec.names, values, strict=True):
        lines.append(f"{path.removeprefix('params.')}: {float(value)!r}")
    return "\n".join(lines) + "\n"


def _signed(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:+.{digits}f}"


def _with(cfg: dict[str, Any], values: dict[str, float]) -> dict[str, Any]:
    """A copy of ``cfg`` with each dotted path set to its value."""
    out = copy.deepcopy(cfg)
    for path, value in values.items():
        parent, _, last = path.rpartition(".")
        node = leaf(out, parent, path) if parent else out
        node[int(last) if isinstance(node, list) else last] = value
    return out


def parameter_rows(
    cfg: dict[str, Any], spec: CalibrationSpec, calibrated: np.ndarray
) -> dict[str, tuple[dict[str, Any], np.ndarray]]:
    """The scored rows in order: each declared baseline, the defaults, the calibrated set (config, values)."""
    rows = {}
    for name, values in spec.baselines.items():
        row_cfg = _with(cfg, values)
        rows[name] = (row_cfg, np.array([float(leaf(row_cfg, p, p)) for p in spec.names]))
    rows["default"] = (cfg, np.array([p.default for p in spec.parameters]))
    rows["calibrated"] = (cfg, np.asarray(calibrated, dtype=float))
    return rows


def fit_table(spec: CalibrationSpec, scored: dict[str, dict[str, Any]]) -> pd.DataFrame:
    """Each target with its window, observed deviation, each row's simulated median deviation and the
    calibrated row's 5–95% range over runs."""
    table = spec.targets.copy()
    table["observed_deviation"] = deviations(spec.targets, spec.targets["observed"].to_numpy(dtype=float))
    for name, row in scored.items():
        runs = deviations(spec.targets, row["runs"])  # (R, K)
        table[name] = np.median(runs, axis=0)
    runs = deviations(spec.targets, scored["calibrated"]["runs"])
    table["calibrated_p05"], table["calibrated_p95"] = np.quantile(runs, (0.05, 0.95), axis=0)
    return table


def run_calibration(
    cfg: dict[str, Any], out_dir: Path, *, workers: int, overrides: list[str] | None = None, progress=None
) -> dict[str, Any]:
    from sim.calibration.figure import write_fit_figure  # matplotlib: a second to import, only when it runs

    spec = check_calibration(cfg)
    folder = ResultFolder.open(out_dir, task="calibration", cfg=cfg, overrides=overrides, names=RESULTS)
    started = time.perf_counter()
    calendar = calendar_of(cfg)
    with Evaluator(cfg, spec, calendar, workers) as evaluator:
        result = fit(spec, evaluator, spec.fit_seed, progress)
        fit_runs = evaluator.runs
        scored = evaluator.score_rows(parameter_rows(cfg, spec, result.best))
        runs = evaluator.runs
    seconds = time.perf_counter() - started

    written = [atomic_write(out_dir / CANDIDATES, lambda tmp: result.candidates.to_parquet(tmp, index=False))]
    table = fit_table(spec, scored)
    written.append(atomic_write(out_dir / FIT, lambda tmp: table.to_csv(tmp, index=False, lineterminator="\n")))
    windows = {}
    for w in WINDOWS:
        inside = spec.targets[spec.targets["window"] == w]
        first_row = next(iter(scored.values()))["windows"][w]
        windows[w] = {
            "first": inside["first"].min() if len(inside) else None,
            "last": inside["last"].max() if len(inside) else None,
            "targets": first_row["targets"],
            "sse_flat": first_row["sse_flat"],
            "sse_model": {name: float(row["windows"][w]["sse_model"]) for name, row in scored.items()},
        }
    # a window without targets (a run that stops before the split) has no skill: null, and nothing is "better"
    skill = {
        w: {
            name: (float(row["windows"][w]["skill"]) if windows[w]["targets"] else None) for name, row in scored.items()
        }
        | {"flat": 0.0 if windows[w]["targets"] else None}
        for w in WINDOWS
    }
    better = bool(windows["held_out"]["targets"]) and skill["held_out"]["calibrated"] > skill["held_out"]["default"]
    # the command that reproduces the result (the number of workers does not change it)
    command = "python experiments/calibrate.py " + " ".join(o for o in overrides or [] if not o.startswith("workers="))
    provenance = {
        "name": spec.name,
        "command": command.strip(),
        "data": {
            "file": str(
                spec.observed_path.relative_to(PROJECT_ROOT)
                if spec.observed_path.is_relative_to(PROJECT_ROOT)
                else spec.observed_path
            ),
            "sha256": sha256(spec.observed_path),
            "targets": len(spec.targets),
            "frequency": spec.frequency,
        },
        "objective": objective_text(spec),
        "mode": cfg["mode"],
        "scenario": cfg["scenario"]["name"],
        "split": spec.split,
        "windows": windows,
        "moments": {
            "declared": spec.moments,
            "not_used": "reopening (2016-05), joint activity (2016-12), 2+2 (2017-03): after the split, "
            "kept out of sample",
            "simulated": {name: {m: describe(m, v) for m, v in row["moments"].items()} for name, row in scored.items()},
        },
        "seeds": {
            "fit": spec.fit_seed,
            "score": spec.score_seed,
            "score_replicates": spec.score_replicates,
            "tuning": list(spec.tuning_seeds),
            "validation_refused": list(spec.validation_seeds),
        },
        "seed": spec.fit_seed,
        "replicates": spec.replicates,
        "optimiser": {
            "method": "scipy.optimize.differential_evolution",
            "settings": spec.optimiser,
            "why": WHY,
            "generations": result.generations,
            "candidates": len(result.candidates),
            "runs": fit_runs,
            "runs_with_scoring": runs,
            "message": result.message,
        },
        "baselines": spec.baselines,
        "parameters": [
            {"path": p.path, "low": p.low, "high": p.high, "default": p.default, "calibrated": float(v)}
            for p, v in zip(spec.parameters, result.best, strict=True)
        ],
        "skill": skill,
        "score": {
            "objective_calibrated": float(result.best_score),
            "fit_loss_calibrated": float(result.best_fit),
            "held_out_better_than_default": bool(better),
        },
    }
    text = params_file(spec, result.best, provenance)
    written.append(atomic_write_text(out_dir / PARAMS, text))
    written.append(atomic_write_text(out_dir / PROVENANCE, json.dumps(provenance, indent=2) + "\n"))
    if cfg["report"]["figures"]:
        written += write_fit_figure(
            table,
            list(scored),
            spec.split,
            out_dir / FIGURES,
            "calibration_fit",
            f"Calibration {spec.name} ({cfg['mode']} mode): quarterly NCI deviation from each dyad's fit-window "
            f"mean; fit ≤ {spec.split} | held out after (dashed line)\nskill fit / held out: "
            + "; ".join(f"{name} {_signed(skill['fit'][name])} / {_signed(skill['held_out'][name])}" for name in scored)
            + f" (seed {spec.score_seed}, {spec.score_replicates} runs)",
        )
    folder.add(written)
    folder.finish()
    installed, refused = [], ""
    if spec.install and better:
        target = PROJECT_ROOT / "conf" / "params"
        installed = [
            atomic_write_text(target / "calibrated.yaml", text),
            atomic_write_text(target / "calibrated.provenance.json", json.dumps(provenance, indent=2) + "\n"),
        ]
    elif spec.install:
        refused = (
            f"not installed: the calibrated set's held-out skill {_signed(skill['held_out']['calibrated'], 3)}"
            f" does not beat the defaults' {_signed(skill['held_out']['default'], 3)}"
        )
    return {
        "provenance": provenance,
        "seconds": round(seconds, 1),
        "installed": [str(p) for p in installed],
        "refused": refused,
        "table": pd.DataFrame(provenance["parameters"]),
    }
