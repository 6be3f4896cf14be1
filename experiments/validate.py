"""Pattern-oriented validation of the 2012-2017 replay (MODEL-NOTES §6), in endogenous mode.

    python experiments/validate.py                        # 200 runs, the composed params (see conf/config.yaml)
    python experiments/validate.py params=default         # the uncalibrated §5.8 starting values
    python experiments/validate.py replicates=1000 seed=7

Prints the pattern table (statement, measured quantities, share of runs where it holds, pass/fail, the
terms that carry it) and the comparative statics; writes them as CSV and Markdown with figures. Exit
status 0 when every pattern and asserted static holds, 1 otherwise, 2 on a configuration mistake.
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
from sim.validation.task import RECOMMENDED_RUNS, check_validation, run_validation

RUN_DIR = "hydra.run.dir=${paths.output}/validations/${now:%Y-%m-%d_%H-%M-%S}_${run_id:}"


@hydra.main(version_base="1.3", config_path="../conf", config_name="config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    with guard():
        data = validate(to_container(cfg))
        if data["replicates"] < RECOMMENDED_RUNS:
            print(f"warning: {data['replicates']} runs; MODEL-NOTES §6 asks for at least {RECOMMENDED_RUNS}",
                  file=sys.stderr)
        result = run_validation(data, Path(hc.runtime.output_dir), overrides=list(hc.overrides.task))
    patterns = result["patterns"].drop(columns=["carried by (Δ of target terms, ensemble mean)"])
    print(f"Patterns (MODEL-NOTES §6), {result['runs']} runs, endogenous mode:")
    print(patterns.to_markdown(index=False, maxcolwidths=[None, 60, 70, None, None, None]))
    print("\nWhat carries each pattern (change of the cooperation target's terms, ensemble mean):")
    for key, text in zip(result["patterns"]["pattern"], result["patterns"].iloc[:, -1], strict=True):
        print(f"  {key}: {text}")
    print("\nComparative statics (common random numbers):")
    print(result["statics"][["static", "quantity", "predicted", "paired difference", "95% interval", "result"]]
          .to_markdown(index=False))
    print(f"\n{'PASS: every pattern and comparative static holds' if result['passed'] else 'FAIL: see the table'}"
          f" ({result['seconds']:.1f} s)")
    print(f"output: {hc.runtime.output_dir}")
    if not result["passed"]:
        raise SystemExit(1)


if __name__ == "__main__":
    register_resolvers()
    if not any(arg.startswith("hydra.run.dir=") for arg in sys.argv[1:]):
        sys.argv.insert(1, RUN_DIR)
    preflight(sys.argv[1:], check=check_validation)
    main()
