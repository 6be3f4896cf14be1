"""Run a declared parameter sweep: design points x replicates, vectorised in chunks, on all cores.

    python experiments/sweep.py sweep=sanctions_vs_alliance
    python experiments/sweep.py sweep=sobol_behaviour sweep.points=256 workers=2
    python experiments/sweep.py sweep=investment_vs_exposure sweep.replicates=50 sweep.chunk_size=1024
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.cli import fail, guard, preflight
from sim.config import to_container, validate
from sim.config.load import register_resolvers
from sim.sweep.engine import default_workers, make_plan
from sim.sweep.task import run_sweep


def check_sweep(cfg: dict) -> None:
    if not cfg.get("sweep"):
        fail("sweep = None: choose a sweep, e.g. sweep=sanctions_vs_alliance (files in conf/sweep/)")
    make_plan(cfg)


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    with guard():
        data = validate(to_container(cfg))
        check_sweep(data)
        workers = data["workers"] or default_workers()
        result = run_sweep(data, Path(hc.runtime.output_dir), workers=workers, overrides=list(hc.overrides.task))
    print(f"{result['name']}: {result['runs']:,} runs ({result['points']:,} design points) "
          f"in {result['seconds']:.1f} s, {result['runs_per_second']:,.0f} runs/s on {result['workers']} worker(s)")
    print(f"peak memory: {result['peak_rss_mb_main']:,.0f} MB (main process), "
          f"{result['peak_rss_mb_largest_worker']:,.0f} MB (largest worker)")
    print(f"output: {hc.runtime.output_dir}")


if __name__ == "__main__":
    register_resolvers()
    preflight(sys.argv[1:], check=check_sweep)
    main()
