"""The validation protocol of the 2012-2017 replay (issue 9; docs/validation.md), in endogenous mode.

    python experiments/validate.py                        # 5 validation seeds x 200 runs, the composed params
    python experiments/validate.py params=default         # the uncalibrated §5.8 starting values
    python experiments/validate.py validation.runs=40 validation.lhs.points=24   # a quick look

The seeds are ``validation.seeds`` (conf/validation/protocol.yaml), never a tuning seed (refused unless
``validation.allow_tuning_seeds=true``, which labels the report in-sample); the top-level ``seed`` and
``replicates`` are not used. Prints the turning points against history, the fit to the observed timeline,
each pattern with its Wilson 95% interval and all of them jointly, the comparative statics with paired
intervals, and whether each pattern discriminates across the §5.8 ranges; writes them as CSV and Markdown
with figures. Exit status 0 when every goal holds, 1 otherwise, 2 on a configuration mistake.
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
from sim.validation.report import fit_lines
from sim.validation.task import check_validation, run_validation

RUN_DIR = "hydra.run.dir=${paths.output}/validations/${now:%Y-%m-%d_%H-%M-%S}_${run_id:}"
CONFIG = "validate"


@hydra.main(version_base="1.3", config_path="../conf", config_name=CONFIG)
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    with guard():
        data = validate(to_container(cfg))
        result = run_validation(data, Path(hc.runtime.output_dir), overrides=list(hc.overrides.task))
    print(f"Validation, {result['runs']} runs, endogenous mode ({result['label']})\n")
    print("Turning points (month of first occurrence):")
    print(result["turning_points"].to_markdown(index=False))
    print("\nFit to the observed timeline (quarterly NCI deviations from each dyad's own mean):")
    print("  observation model, judged (each run's quarter as a timeline records it: n events, drawn ∝ |Goldstein|):")
    for line in fit_lines(result["fit"], result["split"]):
        print(f"    {line}")
    print("  mean of all events, shown:")
    for line in fit_lines(result["fit_all_events"], result["split"]):
        print(f"    {line}")
    patterns = result["patterns"].drop(columns=["statement", "carried by (Δ of target terms, ensemble mean)"])
    print("\nPatterns (MODEL-NOTES §6), share of runs with its Wilson 95% interval:")
    print(patterns.to_markdown(index=False, maxcolwidths=[None, 70, None, None, None, None, None, None, None]))
    share, low, high = result["joint"]
    print(f"\nJoint: every pattern holds in {share:.3f} of runs [{low:.3f}, {high:.3f}]")
    print("\nComparative statics (common random numbers; paired 95% intervals):")
    print(
        result["statics"][
            ["static", "quantity", "predicted", "paired difference", "low", "high", "result"]
        ].to_markdown(index=False)
    )
    print("\nDiscriminating or not (share of LHS runs where the pattern holds, §5.8 ranges):")
    print(
        result["discrimination"][
            ["pattern", "lhs_runs", "holds", "holds_low", "holds_high", "points_always", "label"]
        ].to_markdown(index=False)
    )
    failed = [name for name, ok in result["checks"].items() if not ok]
    print(
        f"\n{'PASS: every goal holds' if result['passed'] else 'FAIL: ' + ', '.join(failed)}"
        f" ({result['seconds']:.1f} s: {', '.join(f'{k} {v:.1f} s' for k, v in result['timings'].items())})"
    )
    print(f"output: {hc.runtime.output_dir}")
    if not result["passed"]:
        raise SystemExit(1)


if __name__ == "__main__":
    register_resolvers()
    if not any(arg.startswith("hydra.run.dir=") for arg in sys.argv[1:]):
        sys.argv.insert(1, RUN_DIR)
    preflight(sys.argv[1:], config_name=CONFIG, check=check_validation)
    main()
