"""One PRIM box over the cases, from the ``prim`` package (Project Platypus; the PRIM of EMA Workbench as a
stand-alone library): peeling and pasting (Friedman & Fisher 1999), quasi-p-values of each restriction (a
one-sided binomial test, Bryant & Lempert 2010). Nothing of the algorithm is written here: this module only
feeds it the cases and picks one step of its peeling trajectory.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.discovery.spec import Discovery

logging.getLogger("prim").setLevel(logging.WARNING)  # prim logs every box at INFO


@dataclass
class Box:
    trajectory: pd.DataFrame  # step, coverage, density, mass, restricted (one row per peeling/pasting step)
    chosen: int  # the step picked
    limits: pd.DataFrame  # parameter, low, high, sweep_low, sweep_high, restricted, share_of_range, qp_value
    reason: str  # why that step


def choose_step(trajectory: pd.DataFrame, min_density: float) -> tuple[int, str]:
    """The step with the highest coverage among those whose density is at least ``min_density`` (the
    analyst's usual trade-off: as much of the cases of interest as possible in a box that is mostly them);
    the densest step when none reaches it."""
    dense = trajectory.index[trajectory["density"] >= min_density - 1e-12]
    if len(dense):
        best = trajectory.loc[dense].sort_values(["coverage", "density"], ascending=False, kind="stable").index[0]
        return int(best), f"highest coverage with density >= {min_density:g}"
    best = trajectory.sort_values(["density", "coverage"], ascending=False, kind="stable").index[0]
    return int(best), f"no step reaches density {min_density:g}: the densest step"


def find_box(x: pd.DataFrame, holds: np.ndarray, discovery: Discovery) -> Box:
    import prim  # imports matplotlib widgets: only when a discovery runs

    finder = prim.Prim(
        x,
        np.asarray(holds, dtype=bool),
        threshold=None,
        peel_alpha=discovery.peel_alpha,
        paste_alpha=discovery.paste_alpha,
        mass_min=discovery.mass_min,
    )
    box = finder.find_box()
    raw = box.peeling_trajectory.reset_index(drop=True)
    trajectory = pd.DataFrame(
        {
            "step": np.arange(len(raw)),
            "coverage": raw["coverage"].astype(float),
            "density": raw["density"].astype(float),
            "mass": raw["mass"].astype(float),
            "restricted": raw["res dim"].astype(int),
        }
    )
    chosen, reason = choose_step(trajectory, discovery.min_density)
    box.select(chosen)
    qp = box.limits  # index: restricted parameters; columns min, max, qp values
    rows = []
    for name in x.columns:
        low, high = float(x[name].min()), float(x[name].max())
        restricted = name in qp.index
        box_low = float(qp.loc[name, "min"]) if restricted else low
        box_high = float(qp.loc[name, "max"]) if restricted else high
        share = (box_high - box_low) / (high - low) if high > low else 1.0
        rows.append(
            {
                "parameter": name,
                "low": box_low,
                "high": box_high,
                "sweep_low": low,
                "sweep_high": high,
                "restricted": restricted,
                "share_of_range": share,
                "qp_value": float(qp.loc[name, "qp values"]) if restricted else np.nan,
            }
        )
    limits = pd.DataFrame(rows)
    return Box(trajectory, chosen, limits, reason)


def most_restricted(limits: pd.DataFrame, k: int = 2) -> list[str]:
    """The ``k`` parameters whose box is the narrowest share of the sweep's range (then the smallest
    quasi-p-value), restricted ones first."""
    order = limits.assign(unrestricted=~limits["restricted"], qp=limits["qp_value"].fillna(1.0))
    order = order.sort_values(["unrestricted", "share_of_range", "qp"], kind="stable")
    return list(order["parameter"][:k])
