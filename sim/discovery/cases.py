"""PRIM's cases from a sweep folder: the swept parameters (x) and whether the condition holds (y)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.discovery.spec import Discovery


def load_cases(discovery: Discovery) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``(x, values, holds)``: one row per case, the outcome's value in it and whether the condition holds.

    ``cases: points`` makes each design point one case whose value is its outcome's mean over its replicates
    (NaN-aware: a milestone month that never happened is left out; a point with no value at all fails the
    condition); for a 0/1 outcome that mean is the point's probability, so ``treaty_by_2017 >= 0.5`` asks
    where a treaty is more likely than not. ``cases: runs`` makes every run a case (its point's parameter
    values, its own outcome): PRIM's density is then a share of runs, and replicate noise stays in the data.
    """
    folder, name = discovery.folder, discovery.condition.outcome
    design = pd.read_parquet(folder / "design.parquet")
    parameters = [c for c in design.columns if c != "point"]
    outcomes = pd.read_parquet(folder / "outcomes.parquet", columns=["point", name])
    if discovery.cases == "points":
        values = outcomes.groupby("point", sort=True)[name].mean().reindex(design["point"]).to_numpy(dtype=float)
        x = design[parameters].reset_index(drop=True)
    else:
        x = design.set_index("point").loc[outcomes["point"], parameters].reset_index(drop=True)
        values = outcomes[name].to_numpy(dtype=float)
    x = x.astype(float)
    return x, values, discovery.condition.holds(values)
