"""Fit the free behavioural parameters to observed events (differential evolution over the sweep engine).

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
        result = run_calibration(data, Path(hc.runtime.output_dir), workers=data["workers"] or default_workers(),
                                 overrides=list(hc.overrides.task), progress=_progress)
    p = result["provenance"]
    print(f"calibration {p['name']} ({p['mode']} mode): {p['optimiser']['candidates']:,} candidates x "
          f"{p['replicates']} runs ({p['optimiser']['runs']:,} runs) in {result['seconds']:.1f} s")
    print(f"score (weighted MSE of quarterly NCI, {p['data']['targets']} targets): defaults {p['score']['default']:.4f}"
          f" -> calibrated {p['score']['calibrated']:.4f}; held-out noise: {p['score']['held_out_default']:.4f} -> "
          f"{p['score']['held_out_calibrated']:.4f}")
    print(result["table"].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    for path in result["installed"]:
        print(f"installed: {path}")
    print(f"output: {hc.runtime.output_dir}")


if __name__ == "__main__":
    register_resolvers()
    if not any(arg.split("=")[0].lstrip("+~") == "calibration" for arg in sys.argv[1:]):
        sys.argv.insert(1, DEFAULT)
    preflight(sys.argv[1:], check=check_calibration)
    main()
