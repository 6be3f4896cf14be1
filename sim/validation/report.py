"""The validation report: the protocol's tables as CSV, and ``validation.md`` with all of them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.io import atomic_write, atomic_write_text
from sim.patterns import PatternResult
from sim.validation.statics import QUANTITIES, Effect, Gradient, Static


def _number(value: float) -> str:
    return f"{value:+.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:+.2g}"


def _shown(name: str, value: float) -> str:
    return f"{value:.3f}" if name.startswith(("share", "P(")) else _number(value)


def interval(low: float, high: float, digits: int = 3) -> str:
    return f"[{low:.{digits}f}, {high:.{digits}f}]"


def pattern_table(
    results: list[PatternResult], joint: tuple[float, float, float], joint_goal: float, runs: int
) -> pd.DataFrame:
    """One row per pattern and a last row for all of them at once (``joint``: share, low, high)."""
    table = pd.DataFrame(
        {
            "pattern": [r.key for r in results] + ["joint"],
            "statement": [r.statement for r in results] + ["every pattern holds in the same run"],
            "measured (ensemble medians)": [
                "; ".join(f"{k} {_shown(k, v)}" for k, v in r.measured.items()) for r in results
            ]
            + [""],
            "runs": [runs] * (len(results) + 1),
            "runs where it holds": [round(r.fraction, 4) for r in results] + [round(joint[0], 4)],
            "low": [round(r.low, 4) for r in results] + [round(joint[1], 4)],
            "high": [round(r.high, 4) for r in results] + [round(joint[2], 4)],
            "required (lower bound ≥)": [r.threshold for r in results] + [joint_goal],
            "result": ["pass" if r.holds else "FAIL" for r in results] + ["pass" if joint[1] >= joint_goal else "FAIL"],
            "carried by (Δ of target terms, ensemble mean)": [r.carried_by for r in results] + [""],
        }
    )
    return table


def statics_table(rows: list[tuple[Static, list[Effect], bool]], gradient: Gradient | None = None) -> pd.DataFrame:
    records = []
    for static, effects, asserted in rows:
        for e in effects:
            records.append(
                {
                    "static": static.key,
                    "statement": static.statement,
                    "quantity": QUANTITIES[e.quantity][0],
                    "predicted": "↑" if e.sign > 0 else "↓",
                    "baseline": round(e.baseline, 4),
                    "perturbed": round(e.perturbed, 4),
                    "paired difference": round(e.difference, 4),
                    "low": round(e.low, 4),
                    "high": round(e.high, 4),
                    "result": ("pass" if e.holds else "FAIL")
                    if asserted
                    else ("as predicted" if e.as_predicted else "flips"),
                }
            )
    if gradient is not None:
        statement = "CS1 across a_J: US sanction steps ×1.3; the cut in NCI_JR grows with a_J·π_U"
        for a, e in zip(gradient.values, gradient.effects, strict=True):
            records.append(
                {
                    "static": "CS1-gradient",
                    "statement": statement,
                    "quantity": f"Δ mean J→R NCI at a_J = {a:g}",
                    "predicted": "↓",
                    "baseline": round(e.baseline, 4),
                    "perturbed": round(e.perturbed, 4),
                    "paired difference": round(e.difference, 4),
                    "low": round(e.low, 4),
                    "high": round(e.high, 4),
                    "result": "shown",
                }
            )
        s = gradient.slope
        records.append(
            {
                "static": "CS1-gradient",
                "statement": statement,
                "quantity": "slope of the per-run effect on a_J ("
                + ("monotone" if gradient.monotone else "not monotone")
                + ")",
                "predicted": "↓",
                "baseline": 0.0,
                "perturbed": round(s.difference, 4),
                "paired difference": round(s.difference, 4),
                "low": round(s.low, 4),
                "high": round(s.high, 4),
                "result": "pass" if s.holds else "FAIL",
            }
        )
    return pd.DataFrame(records)


def turning_point_markdown(table: pd.DataFrame) -> pd.DataFrame:
    """The turning-point table as printed: history, median [IQR], never, on time, each share with its interval."""
    shown = []
    for _, r in table.iterrows():
        if r["turning_point"] == "treaty":
            simulated = f"P(treaty by 2017-12) {r['p_treaty']:.3f} {interval(r['p_treaty_low'], r['p_treaty_high'])}"
            shown.append(
                {
                    "turning point": r["label"],
                    "history": r["history"],
                    "sources": r["sources"],
                    "simulated median [IQR]": simulated,
                    "never": f"{r['never']:.3f}",
                    "within 6 months [95%]": "",
                    "result": r["result"],
                }
            )
            continue
        median = f"{r['median']} [{r['q25']} – {r['q75']}]" if r["median"] else "never happens"
        shown.append(
            {
                "turning point": r["label"],
                "history": r["history"],
                "sources": r["sources"],
                "simulated median [IQR]": median,
                "never": f"{r['never']:.3f} {interval(r['never_low'], r['never_high'])}",
                "within 6 months [95%]": f"{r['on_time']:.3f} {interval(r['on_time_low'], r['on_time_high'])}",
                "result": r["result"],
            }
        )
    return pd.DataFrame(shown)


def fit_lines(scores: pd.DataFrame, split: str) -> list[str]:
    lines = []
    for _, r in scores.iterrows():
        where = {"in-sample": f"quarters ≤ {split}", "out-of-sample": f"quarters after {split}", "all": "all quarters"}[
            r["scope"]
        ]
        lines.append(
            f"{r['scope']} ({where}, {r['dyad_quarters']} dyad-quarters): coverage 50% band "
            f"{r['coverage_50']:.2f}, 90% band {r['coverage_90']:.2f}; skill vs flat line {r['skill']:+.3f}"
        )
    return lines


def write_csv(out_dir: Path, name: str, table: pd.DataFrame) -> Path:
    return atomic_write(out_dir / name, lambda tmp: table.to_csv(tmp, index=False, lineterminator="\n"))


def write_markdown(out_dir: Path, sections: list[tuple[str, str]], header: str) -> Path:
    text = "\n\n".join([header, *(f"## {title}\n\n{body}" for title, body in sections)])
    return atomic_write_text(out_dir / "validation.md", text + "\n")
