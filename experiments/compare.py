"""Run a scenario against its baseline with common random numbers and write the comparison's folder.

python experiments/compare.py experiment=japan_never_sanctions          # conf/experiment/*.yaml
python experiments/compare.py experiment=north_korea_crisis_2017 replicates=1000 seed=3
python experiments/compare.py experiment=projection_2018_2025 params.wedge_weight=2
python experiments/compare.py -m experiment=japan_never_sanctions,japan_breaks_sanctions_2017
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import DictConfig

from sim.cli import guard, preflight
from sim.compare.arms import arm_configs
from sim.compare.task import headline, run_comparison
from sim.config import to_container, validate
from sim.config.load import register_resolvers


@hydra.main(version_base="1.3", config_path="../conf", config_name="compare")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    with guard():
        data = validate(to_container(cfg))
        summary = run_comparison(data, out_dir=Path(hc.runtime.output_dir), overrides=list(hc.overrides.task))
    spec = data["compare"]
    variable = "nci" if "nci" in spec["variables"] else spec["variables"][0]
    print(
        f"{spec['name']}: {summary['scenario']} vs {summary['baseline']} ({data['mode']}): {summary['runs']} "
        f"paired runs, seed {data['seed']}, {summary['seconds']['total']:.1f} s"
    )
    print(headline(summary, spec["dyads"][0], variable))
    print(f"output: {hc.runtime.output_dir}")


if __name__ == "__main__":
    register_resolvers()
    preflight(sys.argv[1:], config_name="compare", check=arm_configs)
    main()
