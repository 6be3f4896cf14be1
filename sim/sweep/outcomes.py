"""Scalar outcomes of each run of a finished model, as the sweep declares them."""

from __future__ import annotations

import numpy as np

from sim.model import RelationsModel
from sim.sweep.spec import Outcome, Sweep


def _measure(model: RelationsModel, outcome: Outcome) -> np.ndarray:
    cal, w = model.world.calendar, model.world
    if outcome.stat in ("mean", "final"):
        i, j = w.index(outcome.source), w.index(outcome.target)
        series = model.history[outcome.variable][:, :, i, j]  # (T, R)
        last = cal.index(outcome.last) if outcome.last else cal.n_steps - 1
        if outcome.stat == "final":
            return series[last].copy()
        first = cal.index(outcome.first) if outcome.first else 0
        # sum each run's months along a contiguous axis: the same additions in the same order for a run
        # alone or in any batch (numpy sums a strided axis differently when there is one run)
        return np.ascontiguousarray(series[first : last + 1].T).mean(axis=1)
    step = model.milestone_steps()[outcome.milestone][:, w.channel_names.index(outcome.channel)]
    if outcome.stat == "month":  # decimal year of the month it happened: 2017.167 is 2017-03
        return np.where(step >= 0, (cal.start + step) / 12.0, np.nan)
    return ((step >= 0) & (step <= cal.index(outcome.last))).astype(float)


def measure(model: RelationsModel, sweep: Sweep) -> dict[str, np.ndarray]:
    """Every declared outcome of every run of ``model``: name -> (R,)."""
    out = {o.name: _measure(model, o) for o in sweep.outcomes if o.stat != "pattern"}
    wanted = [o for o in sweep.outcomes if o.stat == "pattern"]
    if wanted:  # the validation patterns' own per-run tests, on this chunk's history
        from sim.patterns import pattern_flags
        from sim.results import Ensemble

        flags = pattern_flags(Ensemble.from_model(model))
        out.update({o.name: flags[o.pattern].astype(float) for o in wanted})
    return {o.name: out[o.name] for o in sweep.outcomes}


def series_block(model: RelationsModel, sweep: Sweep) -> np.ndarray:
    """(R, V·D, T): each run's monthly values of the requested variables on the requested dyads."""
    w = model.world
    rows = [
        model.history[v][:, :, w.index(s), w.index(t)].T for v in sweep.series_variables for s, t in sweep.series_dyads
    ]
    return np.stack(rows, axis=1)
