"""Scalar outcomes of each run of a finished model, as the sweep declares them (each ``stat`` is computed by
its entry in ``sim.sweep.statistics``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.sweep.spec import Sweep
from sim.sweep.statistics import Shared, statistic

if TYPE_CHECKING:  # only a type here: importing the model (mesa) would slow every refusal that reads sweeps
    from sim.model import RelationsModel


def measure(model: RelationsModel, sweep: Sweep) -> dict[str, np.ndarray]:
    """Every declared outcome of every run of ``model``: name -> (R,)."""
    shared: Shared = {}
    return {o.name: statistic(o).compute(model, o, shared) for o in sweep.outcomes}


def series_block(model: RelationsModel, sweep: Sweep) -> np.ndarray:
    """(R, V·D, T): each run's monthly values of the requested variables on the requested dyads."""
    w = model.world
    rows = [
        model.history[v][:, :, w.index(s), w.index(t)].T for v in sweep.series_variables for s, t in sweep.series_dyads
    ]
    return np.stack(rows, axis=1)
