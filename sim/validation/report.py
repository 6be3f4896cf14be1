"""The validation report: pattern and comparative-statics tables as CSV and Markdown."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.io import atomic_write, atomic_write_text
from sim.validation.patterns import PatternResult
from sim.validation.statics import QUANTITIES, Effect, Static


def _number(value: float) -> str:
    return f"{value:+.2f}" if abs(value) >= 0.01 or value == 0 else f"{value:+.2g}"


def _shown(name: str, value: float) -> str:
    return f"{value:.2f}" if name.startswith(("share", "P(")) else _number(value)


def pattern_table(results: list[PatternResult]) -> pd.DataFrame:
    return pd.DataFrame({
        "pattern": [r.key for r in results],
        "statement": [r.statement for r in results],
        "measured (ensemble medians)": ["; ".join(f"{k} {_shown(k, v)}" for k, v in r.measured.items())
                                        for r in results],
        "runs where it holds": [round(r.fraction, 3) for r in results],
        "required": [r.threshold for r in results],
        "result": ["pass" if r.holds else "FAIL" for r in results],
        "carried by (Δ of target terms, ensemble mean)": [r.carried_by for r in results],
    })


def statics_table(rows: list[tuple[Static, list[Effect], bool]]) -> pd.DataFrame:
    records = []
    for static, effects, asserted in rows:
        for e in effects:
            records.append({
                "static": static.key, "statement": static.statement, "quantity": QUANTITIES[e.quantity][0],
                "predicted": "↑" if e.sign > 0 else "↓", "baseline": round(e.baseline, 4),
                "perturbed": round(e.perturbed, 4), "paired difference": round(e.difference, 4),
                "95% interval": f"[{e.low:+.4f}, {e.high:+.4f}]",
                "result": ("pass" if e.holds else "FAIL") if asserted else ("as predicted" if e.holds else "flips"),
            })
    return pd.DataFrame(records)


def write_tables(out_dir: Path, patterns: pd.DataFrame, statics: pd.DataFrame, header: str,
                 attribution: pd.DataFrame) -> list[Path]:
    """``patterns.csv``, ``statics.csv``, ``attribution.csv`` and ``validation.md`` (all three with a header)."""
    written = [
        atomic_write(out_dir / "patterns.csv", lambda tmp: patterns.to_csv(tmp, index=False, lineterminator="\n")),
        atomic_write(out_dir / "statics.csv", lambda tmp: statics.to_csv(tmp, index=False, lineterminator="\n")),
        atomic_write(out_dir / "attribution.csv",
                     lambda tmp: attribution.to_csv(tmp, index=False, lineterminator="\n")),
    ]
    text = "\n\n".join([header, "## Patterns (MODEL-NOTES §6)", patterns.to_markdown(index=False),
                        "## Comparative statics (common random numbers)", statics.to_markdown(index=False),
                        "## Why J→R moved: change of each term of the cooperation target (pattern 1)",
                        "Window means per run; `mean` is the ensemble mean (the means add up to `total`), `share` "
                        "its part of the mean total change.", attribution.to_markdown(index=False)])
    written.append(atomic_write_text(out_dir / "validation.md", text + "\n"))
    return written
