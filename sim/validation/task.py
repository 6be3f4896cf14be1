"""The validation task behind ``experiments/validate.py``: the replay in endogenous mode, every pattern and
comparative static of MODEL-NOTES §6, the attribution of each pattern, and simulated vs observed NCI."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.attribution import change, write_attribution_figures
from sim.config.errors import ConfigError
from sim.config.load import PROJECT_ROOT
from sim.io import atomic_write_text, ensure_fresh, sha256
from sim.manifest import build_manifest
from sim.model import RelationsModel
from sim.observed import TIMELINE_2013_2017, observed_nci, read_events
from sim.results import Ensemble
from sim.validation.figures import write_observed_figure
from sim.validation.patterns import BASE, FREEZE, THAW, PatternResult, evaluate_patterns
from sim.validation.report import pattern_table, statics_table, write_tables
from sim.validation.statics import INTERACTION, STATICS, Effect, Static, evaluate_static

RESULT_FILES = ["patterns.csv", "statics.csv", "attribution.csv", "validation.md", "summary.json", "figures",
                "manifest.json"]
RECOMMENDED_RUNS = 200


def check_validation(cfg: dict[str, Any]) -> None:
    """Validation replays history with only forcings injected: ``mode=endogenous``, 2013-2017 covered."""
    if cfg["mode"] != "endogenous":
        raise ConfigError("mode", cfg["mode"], "endogenous (validation injects only forcings; forced mode is "
                          "what calibration fits)")
    end = cfg["stop"] or cfg["scenario"]["end"]
    if cfg["scenario"]["start"] > "2013-01" or end < "2017-12":
        raise ConfigError("stop" if cfg["stop"] else "scenario.end", end, "a horizon covering 2013-01..2017-12")


def observed_quarters() -> Any:
    table = observed_nci(read_events(TIMELINE_2013_2017), "Q")
    return table.rename(columns={"nci_monthly_mean": "observed"})[["period", "source", "target", "observed", "events"]]


def attribution_table(ens: Ensemble) -> pd.DataFrame:
    """Every term's change of the J→R cooperation target into the freeze and into the thaw (pattern 1)."""
    j, r = ens.countries.index("JPN"), ens.countries.index("RUS")
    parts = []
    for label, before, after in (("dip: 2013 → freeze", BASE, FREEZE), ("thaw: freeze → thaw", FREEZE, THAW)):
        table = change(ens, j, r, before, after).reset_index()
        table.insert(0, "change", label)
        parts.append(table)
    return pd.concat(parts, ignore_index=True).round(4)


def validate_replay(cfg: dict[str, Any], runs: np.ndarray) -> tuple[Ensemble, list[PatternResult],
                                                                    list[tuple[Static, list[Effect], bool]]]:
    """The ensemble, its pattern results and the comparative statics (the code the tests assert with)."""
    ens = Ensemble.from_model(RelationsModel(cfg, runs=runs, record_events=False, rng=cfg["seed"]).run())
    patterns = evaluate_patterns(ens)
    # the replay itself is the baseline arm of every static (same runs, same random numbers)
    statics = [(s, evaluate_static(s, cfg, runs, ens), True) for s in STATICS]
    statics.append((INTERACTION, evaluate_static(INTERACTION, cfg, runs), False))
    return ens, patterns, statics


def run_validation(cfg: dict[str, Any], out_dir: Path, overrides: list[str] | None = None) -> dict[str, Any]:
    check_validation(cfg)
    ensure_fresh(out_dir, RESULT_FILES)
    started = time.perf_counter()
    runs = np.arange(cfg["first_run"], cfg["first_run"] + cfg["replicates"])
    ens, patterns, statics = validate_replay(cfg, runs)
    ptable, stable = pattern_table(patterns), statics_table(statics)
    passed = all(p.holds for p in patterns) and all(e.holds for _, effects, asserted in statics if asserted
                                                      for e in effects)
    header = (f"# Validation of {cfg['scenario']['name']} ({cfg['mode']} mode)\n\n{len(runs)} runs, seed {cfg['seed']}"
              f", params: {', '.join(overrides or []) or 'as composed'}. Overall: "
              f"{'every pattern and comparative static holds' if passed else 'NOT all patterns hold'}.")
    attribution = attribution_table(ens)
    written = write_tables(out_dir, ptable, stable, header, attribution)
    summary = {"passed": passed, "runs": len(runs), "seed": cfg["seed"],
               "patterns": {p.key: {"fraction": p.fraction, "required": p.threshold, "holds": p.holds,
                                    "measured": {k: float(v) for k, v in p.measured.items()}} for p in patterns},
               "statics": {s.key: {e.quantity: {"difference": e.difference, "low": e.low, "high": e.high,
                                                "holds": e.holds} for e in effects} for s, effects, _ in statics}}
    written.append(atomic_write_text(out_dir / "summary.json", json.dumps(summary, indent=2) + "\n"))
    if cfg["report"]["figures"]:
        written += write_observed_figure({"simulated (endogenous)": ens}, observed_quarters(), out_dir / "figures",
                                         "observed_vs_simulated", f"Quarterly NCI: the replay ({len(runs)} runs, "
                                         "endogenous mode) against the observed 2013-2017 timeline")
        written += write_attribution_figures(ens, out_dir / "figures" / "attribution",
                                             markers=cfg["scenario"]["markers"])
    files = {str(path.relative_to(out_dir)): sha256(path) for path in sorted(written)}
    manifest = build_manifest(root=PROJECT_ROOT, cfg=cfg, overrides=list(overrides or []), files=files,
                              task="validation")
    atomic_write_text(out_dir / "manifest.json", json.dumps(manifest, indent=2) + "\n")
    return {"passed": passed, "patterns": ptable, "statics": stable, "runs": len(runs),
            "seconds": round(time.perf_counter() - started, 1)}
