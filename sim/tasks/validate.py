"""``experiments/validate.py``: the validation protocol of the 2012-2017 replay (``sim.validation``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.tasks.base import Context, Task
from sim.validation.checks import RESULT_FILES, check_validation


def check(cfg: dict[str, Any], options: dict[str, Any]) -> None:
    check_validation(cfg)


def run(cfg: dict[str, Any], out_dir: Path, context: Context) -> dict[str, Any]:
    # imported here: the patterns, statics and figures take seconds to import, and the preflight needs none
    from sim.validation.task import run_validation

    return run_validation(cfg, out_dir, overrides=context.overrides)


def lines(cfg: dict[str, Any], result: dict[str, Any]) -> str:
    from sim.validation.report import fit_lines

    out = [f"Validation, {result['runs']} runs, endogenous mode ({result['label']})\n"]
    out.append("Turning points (month of first occurrence):")
    out.append(result["turning_points"].to_markdown(index=False))
    out.append("\nFit to the observed timeline (quarterly NCI deviations from each dyad's own mean):")
    out.append(
        "  observation model, judged (each run's quarter as a timeline records it: n events, drawn with weights "
        f"|Goldstein|^ω, ω = {result['salience_power']:g}):"
    )
    out += [f"    {line}" for line in fit_lines(result["fit"], result["split"])]
    out.append(
        "    per dyad, observed quarters inside the 90% band: "
        + ", ".join(f"{r.source}→{r.target} {r.inside_90}/{r.dyad_quarters}" for r in result["fit_dyads"].itertuples())
    )
    out.append("  mean of all events, shown:")
    out += [f"    {line}" for line in fit_lines(result["fit_all_events"], result["split"])]
    patterns = result["patterns"].drop(columns=["statement", "carried by (Δ of target terms, ensemble mean)"])
    out.append("\nPatterns (MODEL-NOTES §6), share of runs with its Wilson 95% interval:")
    out.append(patterns.to_markdown(index=False, maxcolwidths=[None, 70, None, None, None, None, None, None, None]))
    share, low, high = result["joint"]
    out.append(f"\nJoint: every pattern holds in {share:.3f} of runs [{low:.3f}, {high:.3f}]")
    out.append("\nComparative statics (common random numbers; paired 95% intervals):")
    out.append(
        result["statics"][
            ["static", "quantity", "predicted", "paired difference", "low", "high", "result"]
        ].to_markdown(index=False)
    )
    out.append("\nDiscriminating or not (share of LHS runs where the pattern holds, §5.8 ranges):")
    out.append(
        result["discrimination"][
            ["pattern", "lhs_runs", "holds", "holds_low", "holds_high", "points_always", "label"]
        ].to_markdown(index=False)
    )
    failed = [name for name, ok in result["checks"].items() if not ok]
    out.append(
        f"\n{'PASS: every goal holds' if result['passed'] else 'FAIL: ' + ', '.join(failed)}"
        f" ({result['seconds']:.1f} s: {', '.join(f'{k} {v:.1f} s' for k, v in result['timings'].items())})"
    )
    return "\n".join(out)


def exit_status(result: dict[str, Any]) -> int:
    """0 when every goal holds, 1 otherwise (2, a configuration mistake, never gets this far)."""
    return 0 if result["passed"] else 1


TASK = Task(
    name="validation",
    script="validate.py",
    config="validate",
    files=tuple(RESULT_FILES),
    run=run,
    headline=lines,
    check=check,
    exit_status=exit_status,
)
