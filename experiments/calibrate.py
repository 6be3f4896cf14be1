"""Fit the free behavioural parameters to the observed timeline up to the split, in endogenous mode, and score
them on the held-out quarters (differential evolution over the sweep engine; docs/calibration.md).

    python experiments/calibrate.py                                        # conf/calibration/replay_2013_2017.yaml
    python experiments/calibrate.py calibration.install=true               # also write conf/params/calibrated.yaml
    python experiments/calibrate.py calibration.optimiser.maxiter=3 calibration.replicates=4 workers=2
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.calibration.task import check_calibration, run_calibration
from sim.cli import guard, preflight
from sim.config import to_container, validate
from sim.config.load import register_resolvers
from sim.sweep.engine import default_workers

DEFAULT = "calibration=replay_2013_2017"


def _progress(generation: int, best: float) -> None:
    print(f"  generation {generation}: best score {best:.4f}", file=sys.stderr, flush=True)


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    with guard():
        data = validate(to_container(cfg))
        result = run_calibration(
            data,
            Path(hc.runtime.output_dir),
            workers=data["workers"] or default_workers(),
            overrides=list(hc.overrides.task),
            progress=_progress,
        )
    p = result["provenance"]
    print(
        f"calibration {p['name']} ({p['mode']} mode, split {p['split']}): {p['optimiser']['candidates']:,} "
        f"candidates x {p['replicates']} runs, seed {p['seeds']['fit']} ({p['optimiser']['runs_with_scoring']:,} "
        f"runs with scoring) in {result['seconds']:.1f} s"
    )
    w = p["windows"]
    print(f"skill = 1 - SSE_model/SSE_flat, seed {p['seeds']['score']}, {p['seeds']['score_replicates']} runs per row:")
    rows = list(p["skill"]["fit"])
    print(
        f"  {'row':<12} {'fit ' + w['fit']['first'] + '..' + w['fit']['last']:>22} "
        f"{'held out ' + str(w['held_out']['first']) + '..' + str(w['held_out']['last']):>27}  moments (median)"
    )
    for row in rows:
        moments = ", ".join(f"{m} {v}" for m, v in p["moments"]["simulated"].get(row, {}).items())
        fit, held = ("n/a" if v is None else f"{v:.3f}" for v in (p["skill"]["fit"][row], p["skill"]["held_out"][row]))
        print(f"  {row:<12} {fit:>22} {held:>27}  {moments}")
    print(
        f"  ({w['fit']['targets']} fit targets, {w['held_out']['targets']} held-out targets; flat = each dyad's "
        "fit-window mean)"
    )
    print(result["table"].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    if result["refused"]:
        print(result["refused"])
    for path in result["installed"]:
        print(f"installed: {path}")
    print(f"output: {hc.runtime.output_dir}")


if __name__ == "__main__":
    register_resolvers()
    if not any(arg.split("=")[0].lstrip("+~") == "calibration" for arg in sys.argv[1:]):
        sys.argv.insert(1, DEFAULT)
    preflight(sys.argv[1:], check=check_calibration)
    main()
