"""``experiments/fit_observation.py``: choose the observation model's salience power ω on the in-sample quarters
of tuning seeds (``sim.validation.observation``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.tasks.base import Context, Task
from sim.validation.checks import OBSERVATION_FILES, check_validation
from sim.validation.protocol import check_observation_seeds, read_protocol


def check(cfg: dict[str, Any], options: dict[str, Any]) -> None:
    # the replay the validation scores (endogenous, 2013-2017), and no validation seed among the seeds choosing ω
    check_validation(cfg)
    check_observation_seeds(read_protocol(cfg))


def run(cfg: dict[str, Any], out_dir: Path, context: Context) -> dict[str, Any]:
    # imported here: the fit and the figure take seconds to import, and the preflight needs neither
    from sim.validation.observation_task import run_observation_fit

    return run_observation_fit(cfg, out_dir, overrides=context.overrides)


def lines(cfg: dict[str, Any], result: dict[str, Any]) -> str:
    plan = result["plan"]
    out = [
        f"Observation model: in-sample quarters (up to {result['split']}) of tuning seeds "
        f"{', '.join(map(str, plan.seeds))}, {plan.runs} runs each; weights |Goldstein|^ω",
        result["table"].to_markdown(index=False, floatfmt=("g", "g") + (".3f",) * (result["table"].shape[1] - 2)),
        f"chosen: ω = {result['chosen']:g} (largest pooled in-sample skill); "
        f"conf/validation/protocol.yaml has validation.salience_power = {result['configured']:g}"
        + ("" if result["chosen"] == result["configured"] else "  <- differs: set it to the chosen value"),
        f"({result['seconds']:.1f} s)",
    ]
    return "\n".join(out)


TASK = Task(
    name="observation",
    script="fit_observation.py",
    config="fit_observation",
    files=OBSERVATION_FILES,
    run=run,
    headline=lines,
    check=check,
)
