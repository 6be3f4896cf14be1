"""How much each term of the cooperation target moved between two windows, run by run: the table behind
mechanism attribution (``sim.attribution`` draws the terms) and the terms that carry each validation pattern
(``sim.patterns``).

The cooperation target of S4 is a sum of named terms (``sim.mechanisms.target.TERMS``), each recorded as
``target_<term>``, so a change of the target's window mean splits exactly into the changes of its terms:

    Δ target_ij = Σ_k Δ term_k,ij      (window means, run by run)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.mechanisms.target import TERMS
from sim.results import Ensemble


def term_variable(term: str) -> str:
    """The output variable that records ``term`` (as in ``timeseries.parquet``)."""
    return f"target_{term}"


def recorded_terms(ens: Ensemble) -> list[str]:
    """The terms ``ens`` recorded: the declared ones in their order, then any other ``target_*`` variable (a folder
    written by another version)."""
    found = [name.removeprefix("target_") for name in ens.series if name.startswith("target_")]
    return [t for t in TERMS if t in found] + sorted(t for t in found if t not in TERMS)


def window_terms(ens: Ensemble, source: int, target: int, window: tuple[str, str]) -> pd.DataFrame:
    """Each run's window mean of every recorded term for ``source → target``: (runs × terms)."""
    first, last = window
    return pd.DataFrame(
        {term: ens.window_mean(term_variable(term), first, last)[:, source, target] for term in recorded_terms(ens)},
        index=ens.runs,
    )


def change(ens: Ensemble, source: int, target: int, before: tuple[str, str], after: tuple[str, str]) -> pd.DataFrame:
    """How much each term moved the cooperation target of ``source → target`` from ``before`` to ``after``.

    Returns one row per term, sorted by the size of the mean change: ``mean`` (ensemble mean of the
    per-run change of the term's window mean), ``median``, ``q05``, ``q95`` and ``share`` (mean / mean
    total change; the shares add up to 1). A last row ``total`` is the change of the target itself.
    """
    delta = window_terms(ens, source, target, after) - window_terms(ens, source, target, before)
    total = delta.sum(axis=1)
    rows = pd.DataFrame(
        {
            "mean": delta.mean(),
            "median": delta.median(),
            "q05": delta.quantile(0.05),
            "q95": delta.quantile(0.95),
        }
    )
    denominator = total.mean()
    rows["share"] = rows["mean"] / denominator if abs(denominator) > 1e-12 else np.nan
    rows = rows.reindex(rows["mean"].abs().sort_values(ascending=False).index)
    rows.loc["total"] = [total.mean(), total.median(), total.quantile(0.05), total.quantile(0.95), 1.0]
    rows.index.name = "term"
    return rows


def carriers(table: pd.DataFrame, count: int = 3) -> str:
    """The ``count`` terms that moved most in the direction of the total, as ``"rapport +1.2, wedge +0.4"``."""
    total = table.loc["total", "mean"]
    terms = table.drop(index="total")
    sign = 1.0 if total >= 0 else -1.0
    top = terms[terms["mean"] * sign > 0].head(count)
    return ", ".join(f"{term} {value:+.2f}" for term, value in top["mean"].items()) or "none"
