"""Sobol' sensitivity indices of sweep outcomes (SALib), with bootstrap confidence intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from SALib.analyze import sobol

from sim.sweep.spec import Sweep


def point_means(outcomes: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """Each design point's mean over its replicates (NaN-aware), in point order."""
    return outcomes.groupby("point", sort=True)[names].mean()


def sobol_indices(sweep: Sweep, outcomes: pd.DataFrame, seed: int) -> pd.DataFrame:
    """First-order (S1) and total (ST) indices, with 95% intervals, of each outcome's point means.

    The design must be ``sobol`` (Saltelli layout, ``calc_second_order=False``). Outcomes with undefined
    values at some point (a milestone month that never happens) are left out: SALib needs a value everywhere.
    """
    names = [o.name for o in sweep.outcomes]
    means = point_means(outcomes, names)
    rows = []
    for name in names:
        y = means[name].to_numpy()
        if not np.isfinite(y).all():
            continue
        result = sobol.analyze(sweep.salib_problem(), y, calc_second_order=False, seed=seed)
        for k, parameter in enumerate(sweep.names):
            rows.append({"outcome": name, "parameter": parameter, "S1": result["S1"][k],
                         "S1_conf": result["S1_conf"][k], "ST": result["ST"][k], "ST_conf": result["ST_conf"][k]})
    return pd.DataFrame(rows, columns=["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"])
