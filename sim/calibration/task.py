"""The calibration task behind ``experiments/calibrate.py``: fit, check on held-out noise, record, install.

Writes into the run folder: ``candidates.parquet`` (every candidate of every generation with its score),
``fit.csv`` (each target: observed, simulated with the defaults and with the calibrated values),
``calibrated.yaml`` (a ``conf/params`` file), ``calibration.json`` (provenance: data and its sha256,
objective, optimiser, seed, scores), ``figures/calibration_fit.{png,svg}`` and ``manifest.json``. With
``calibration.install=true`` it also writes ``conf/params/calibrated.yaml`` and its provenance JSON.
"""

from __future__ import annotations

import copy
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.calendar import Calendar
from sim.calibration.evaluate import Evaluator
from sim.calibration.fit import fit
from sim.calibration.spec import CalibrationSpec, read_calibration
from sim.config.load import PROJECT_ROOT
from sim.io import atomic_write, atomic_write_text, ensure_fresh, sha256
from sim.manifest import build_manifest
from sim.model import RelationsModel
from sim.results import Ensemble
from sim.validation.figures import write_observed_figure

CANDIDATES, FIT, PARAMS, PROVENANCE = "candidates.parquet", "fit.csv", "calibrated.yaml", "calibration.json"
FIGURES, MANIFEST = "figures", "manifest.json"
HELD_OUT_FACTOR = 4  # held-out check: this many times the replicates, under seed + 1


def objective_text(spec: CalibrationSpec) -> str:
    what = ("deviations from each dyad's weighted mean" if spec.objective == "anomaly" else "raw values")
    return (f"weighted mean squared error ({what}) of the ensemble-mean simulated quarterly NCI (mean of monthly "
            "NCI) against the observed quarterly NCI (mean of the monthly means of months with events), over every "
            f"directed dyad and quarter with observed events, weight n/(n+1) for n events; plus a prior penalty "
            f"{spec.prior_weight:g} x sum of squared range-normalised distances from the defaults")


def calendar_of(cfg: dict[str, Any]) -> Calendar:
    return Calendar.from_strings(cfg["scenario"]["start"], cfg["stop"] or cfg["scenario"]["end"])


def check_calibration(cfg: dict[str, Any]) -> CalibrationSpec:
    """The checked declaration (``ConfigError`` on a mistake): the script's preflight."""
    return read_calibration(cfg, calendar_of(cfg), PROJECT_ROOT)


def params_file(spec: CalibrationSpec, values: np.ndarray, provenance: dict[str, Any]) -> str:
    """A ``conf/params`` group file: the defaults, then the fitted values (full precision), provenance on top."""
    lines = [
        "# Calibrated behavioural parameters: params/default.yaml with the values fitted by",
        f"#   {provenance['command']}",
        f"# data: {provenance['data']['file']} (sha256 {provenance['data']['sha256'][:16]}...), "
        f"{provenance['data']['targets']} targets",
        f"# objective: {provenance['objective']}",
        f"# mode: {provenance['mode']}, {provenance['replicates']} runs per candidate (common random numbers)",
        f"# optimiser: scipy.optimize.differential_evolution {json.dumps(provenance['optimiser']['settings'])}, "
        f"seed {provenance['seed']}, {provenance['optimiser']['candidates']} candidates",
        f"# score: {provenance['score']['calibrated']:.4f} (defaults {provenance['score']['default']:.4f}); "
        f"held-out noise: {provenance['score']['held_out_calibrated']:.4f} "
        f"(defaults {provenance['score']['held_out_default']:.4f})",
        "# Full provenance: calibrated.provenance.json next to this file. Use: params=calibrated",
        "defaults:",
        "  - default",
        "  - _self_",
        "",
    ]
    for path, value in zip(spec.names, values, strict=True):
        lines.append(f"{path.removeprefix('params.')}: {float(value)!r}")
    return "\n".join(lines) + "\n"


def _ensemble(cfg: dict[str, Any], spec: CalibrationSpec, values: np.ndarray, runs: int) -> Ensemble:
    settings = dict(zip(spec.names, (float(v) for v in values), strict=True))
    return Ensemble.from_model(RelationsModel(copy.deepcopy(cfg), runs=np.arange(runs), settings=settings,
                                              record_events=False, record=("nci",), rng=cfg["seed"]).run())


def run_calibration(cfg: dict[str, Any], out_dir: Path, *, workers: int, overrides: list[str] | None = None,
                    progress=None) -> dict[str, Any]:
    spec = check_calibration(cfg)
    ensure_fresh(out_dir, [CANDIDATES, FIT, PARAMS, PROVENANCE, FIGURES, MANIFEST])
    started = time.perf_counter()
    calendar = calendar_of(cfg)
    with Evaluator(cfg, spec, calendar, workers) as evaluator:
        result = fit(spec, evaluator, cfg["seed"], progress)
        both = np.vstack([[p.default for p in spec.parameters], result.best])
        in_sample = evaluator.simulate(both)
        default_score = float(evaluator.loss(in_sample)[0])  # the prior's penalty is 0 at the defaults
        held_cfg = {**copy.deepcopy(cfg), "seed": cfg["seed"] + 1}
        held_spec = copy.copy(evaluator.sweep)
        evaluator.sweep = type(held_spec)(**{**held_spec.__dict__, "replicates": spec.replicates * HELD_OUT_FACTOR})
        held_out = evaluator.loss(evaluator.simulate(both, held_cfg))
        evaluator.sweep = held_spec
        runs = evaluator.runs
    seconds = time.perf_counter() - started

    written = [atomic_write(out_dir / CANDIDATES, lambda tmp: result.candidates.to_parquet(tmp, index=False))]
    table = spec.targets.copy()
    table["default"], table["calibrated"] = in_sample[0], in_sample[1]
    written.append(atomic_write(out_dir / FIT, lambda tmp: table.to_csv(tmp, index=False, lineterminator="\n")))
    # the command that reproduces the result (the number of workers does not change it)
    command = "python experiments/calibrate.py " + " ".join(o for o in overrides or [] if not o.startswith("workers="))
    provenance = {
        "name": spec.name,
        "command": command.strip(),
        "data": {"file": str(spec.observed_path.relative_to(PROJECT_ROOT) if spec.observed_path.is_relative_to(
            PROJECT_ROOT) else spec.observed_path), "sha256": sha256(spec.observed_path),
            "targets": len(spec.targets), "frequency": spec.frequency},
        "objective": objective_text(spec),
        "mode": cfg["mode"],
        "scenario": cfg["scenario"]["name"],
        "seed": cfg["seed"],
        "replicates": spec.replicates,
        "optimiser": {"method": "scipy.optimize.differential_evolution", "settings": spec.optimiser,
                      "generations": result.generations, "candidates": len(result.candidates), "runs": runs,
                      "message": result.message},
        "parameters": [{"path": p.path, "low": p.low, "high": p.high, "default": p.default,
                        "calibrated": float(v)} for p, v in zip(spec.parameters, result.best, strict=True)],
        "score": {"default": default_score, "calibrated": float(result.best_fit),
                  "calibrated_with_prior": float(result.best_score),
                  "held_out_default": float(held_out[0]), "held_out_calibrated": float(held_out[1]),
                  "held_out": f"seed {cfg['seed'] + 1}, {spec.replicates * HELD_OUT_FACTOR} runs per candidate"},
    }
    text = params_file(spec, result.best, provenance)
    written.append(atomic_write_text(out_dir / PARAMS, text))
    written.append(atomic_write_text(out_dir / PROVENANCE, json.dumps(provenance, indent=2) + "\n"))
    if cfg["report"]["figures"]:
        runs_fig = max(spec.replicates, 50)
        ensembles = {"defaults": _ensemble(cfg, spec, both[0], runs_fig),
                     "calibrated": _ensemble(cfg, spec, both[1], runs_fig)}
        observed = spec.targets[["period", "source", "target", "observed", "events"]]
        written += write_observed_figure(
            ensembles, observed, out_dir / FIGURES, "calibration_fit",
            f"Calibration {spec.name} ({cfg['mode']} mode): quarterly NCI, defaults vs calibrated, {runs_fig} runs; "
            f"fit {default_score:.2f} → {result.best_fit:.2f}")
    files = {str(path.relative_to(out_dir)): sha256(path) for path in sorted(written)}
    manifest = build_manifest(root=PROJECT_ROOT, cfg=cfg, overrides=list(overrides or []), files=files,
                              task="calibration")
    atomic_write_text(out_dir / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    installed = []
    if spec.install:
        target = PROJECT_ROOT / "conf" / "params"
        installed = [atomic_write_text(target / "calibrated.yaml", text),
                     atomic_write_text(target / "calibrated.provenance.json", json.dumps(provenance, indent=2) + "\n")]
    return {"provenance": provenance, "seconds": round(seconds, 1), "installed": [str(p) for p in installed],
            "table": pd.DataFrame(provenance["parameters"])}
