"""Run one scenario as an ensemble and write its result folder.

python experiments/run.py                                        # the 2012-2017 replay, 200 runs
python experiments/run.py replicates=1000 seed=3 mode=forced
python experiments/run.py scenario.sanctions.USA.RUS.scale=0.5 scenario.investment.flows.JPN.RUS.baseline_flow=0.04
python experiments/run.py -m params.wedge_weight=0,2,4           # Hydra multirun, one folder per job
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.cli import guard, preflight
from sim.config import to_container, validate
from sim.config.load import register_resolvers
from sim.replay import headline, run_replay


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    with guard():
        data = validate(to_container(cfg))
        summary = run_replay(data, out_dir=Path(hc.runtime.output_dir), overrides=list(hc.overrides.task))
    print(
        f"{data['scenario']['name']} ({data['mode']}): {summary['runs']} runs, seed {data['seed']}, "
        f"{summary['seconds']['total']:.1f} s"
    )
    print(headline(summary))
    print(f"output: {hc.runtime.output_dir}")


if __name__ == "__main__":
    register_resolvers()
    preflight(sys.argv[1:])
    main()
