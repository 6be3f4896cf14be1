"""The statistics a sweep outcome can ask for (``stat:``), each declared once.

A ``Statistic`` says which keys of the outcome it requires and which it allows, what its number means and in what
unit (the table of README's "Parameter sweeps" is generated from these lines by ``python -m sim.docs --write``),
how it is computed from a finished model (one value per run, shape ``(R,)``), and how figures show it.
``sim.sweep.spec`` validates outcomes against ``STATISTICS``, ``sim.sweep.outcomes`` computes them, and
``sim.sweep.figures`` labels them; none of them names a statistic. To add one: one ``Statistic`` in
``STATISTICS`` (with a test of its value on a small hand-made case), then ``python -m sim.docs --write``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.variables import MILESTONES, Quantity

if TYPE_CHECKING:
    from sim.model import RelationsModel
    from sim.sweep.spec import Outcome

PATTERNS = ("1", "2", "3", "4", "5", "6", "joint")  # sim.patterns: one pattern, or all at once

# the keys an outcome may carry besides ``stat``, and what each holds (sim.sweep.spec checks each)
FIELDS = {
    "variable": "a recorded dyad variable (`nci`, `trust`, ...)",
    "dyad": "a directed dyad `SRC->DST`",
    "from": "first month of the window, `YYYY-MM`",
    "to": "last month of the window, `YYYY-MM`",
    "date": "a month, `YYYY-MM`",
    "milestone": "one of " + ", ".join(f"`{m}`" for m in MILESTONES),
    "channel": "a configured channel (`JPN_RUS`)",
    "pattern": "a validation pattern, one of " + ", ".join(f"`{k}`" for k in PATTERNS) + " (`joint`: all of them)",
}
Shared = dict[str, Any]  # what several outcomes of one model need, computed once (e.g. the pattern flags)


@dataclass(frozen=True)
class Statistic:
    """One ``stat`` of a sweep outcome.

    ``compute(model, outcome, shared)`` gives each run's value, ``(R,)`` float; ``requires`` and ``allows`` are
    the outcome's keys (of ``FIELDS``); ``meaning`` and ``unit`` are its line in the documentation;
    ``describe(outcome)`` is a few words for a figure title. Figures: ``quantity`` is the axis label and scale
    (None: the quantity of the outcome's variable); ``over`` says how a design point's value is formed from its
    replicates; ``cell`` is the format of a heatmap cell ("" for the variable's own digits); ``binomial``: a 0/1
    per run shown as a probability with Wilson 95% intervals; ``conditional``: NaN in runs where it did not
    happen, summarised over the runs with a value and shown with their count.
    """

    name: str
    compute: Callable[[RelationsModel, Outcome, Shared], np.ndarray]
    requires: tuple[str, ...]
    allows: tuple[str, ...]
    meaning: str
    unit: str
    describe: Callable[[Outcome], str]
    quantity: Quantity | None = None
    over: str = "mean"
    cell: str = ""
    binomial: bool = False
    conditional: bool = False
    records: Callable[[], tuple[str, ...]] = tuple  # variables it reads besides the outcome's own ``variable``

    @property
    def keys(self) -> tuple[str, ...]:
        return self.requires + self.allows


# --- values ---------------------------------------------------------------------------------------------


def _series(model: RelationsModel, outcome: Outcome) -> np.ndarray:
    """(T, R): the outcome's variable on its dyad, every month."""
    w = model.world
    return model.history[outcome.variable][:, :, w.index(outcome.source), w.index(outcome.target)]


def _last(model: RelationsModel, outcome: Outcome) -> int:
    cal = model.world.calendar
    return cal.index(outcome.last) if outcome.last else cal.n_steps - 1


def _mean(model: RelationsModel, outcome: Outcome, shared: Shared) -> np.ndarray:
    """Each run's mean over months ``first..last``: ``(1/n) Σ_t x_t``."""
    first = model.world.calendar.index(outcome.first) if outcome.first else 0
    window = _series(model, outcome)[first : _last(model, outcome) + 1]
    # sum each run's months along a contiguous axis: the same additions in the same order for a run
    # alone or in any batch (numpy sums a strided axis differently when there is one run)
    return np.ascontiguousarray(window.T).mean(axis=1)


def _final(model: RelationsModel, outcome: Outcome, shared: Shared) -> np.ndarray:
    return _series(model, outcome)[_last(model, outcome)].copy()


def _step(model: RelationsModel, outcome: Outcome) -> np.ndarray:
    """(R,): the step at which the outcome's milestone happened on its channel, -1 if never."""
    return model.milestone_steps()[outcome.milestone][:, model.world.channel_names.index(outcome.channel)]


def _month(model: RelationsModel, outcome: Outcome, shared: Shared) -> np.ndarray:
    """Decimal year of the month it happened, ``(start + step) / 12``: 2017.167 is 2017-03."""
    step = _step(model, outcome)
    return np.where(step >= 0, (model.world.calendar.start + step) / 12.0, np.nan)


def _by(model: RelationsModel, outcome: Outcome, shared: Shared) -> np.ndarray:
    step = _step(model, outcome)
    return ((step >= 0) & (step <= model.world.calendar.index(outcome.last))).astype(float)


def _pattern(model: RelationsModel, outcome: Outcome, shared: Shared) -> np.ndarray:
    """``sim.patterns``' per-run test of the pattern, computed once per model for all its pattern outcomes."""
    if "pattern_flags" not in shared:
        from sim.patterns import pattern_flags
        from sim.results import Ensemble

        shared["pattern_flags"] = pattern_flags(Ensemble.from_model(model))
    return shared["pattern_flags"][outcome.pattern].astype(float)


def _pattern_variables() -> tuple[str, ...]:
    from sim.patterns import VARIABLES

    return tuple(VARIABLES)


# --- figure titles --------------------------------------------------------------------------------------


def _describe_mean(o: Outcome) -> str:
    span = f", {o.first or 'start'} to {o.last or 'end'}" if o.first or o.last else ""
    return f"mean {o.variable} {o.source} → {o.target}{span}"


def _describe_final(o: Outcome) -> str:
    return f"{o.variable} {o.source} → {o.target} in {o.last or 'the last month'}"


_PROBABILITY = Quantity("probability [0, 1]", 1.0)  # sim.plots.QUANTITIES["probability"]

STATISTICS: dict[str, Statistic] = {
    s.name: s
    for s in (
        Statistic(
            "mean",
            _mean,
            requires=("variable", "dyad"),
            allows=("from", "to"),
            meaning="mean of `variable` on `dyad` over the months `from`..`to` (the whole run by default)",
            unit="the variable's",
            describe=_describe_mean,
        ),
        Statistic(
            "final",
            _final,
            requires=("variable", "dyad"),
            allows=("date",),
            meaning="value of `variable` on `dyad` in month `date` (the last month by default)",
            unit="the variable's",
            describe=_describe_final,
        ),
        Statistic(
            "month",
            _month,
            requires=("milestone", "channel"),
            allows=(),
            meaning="decimal year of the month `milestone` of `channel` happened (2017.167 is 2017-03); "
            "NaN in runs where it never did",
            unit="year",
            describe=lambda o: f"year of {o.milestone} ({o.channel}), runs where it happened",
            quantity=Quantity("year (runs where it happened)", 1.0),
            over="mean of the runs with a value",
            cell=".1f",
            conditional=True,
        ),
        Statistic(
            "by",
            _by,
            requires=("milestone", "channel", "date"),
            allows=(),
            meaning="1 if `milestone` of `channel` happened by month `date`, else 0 (over runs: a probability)",
            unit="0/1",
            describe=lambda o: f"probability of {o.milestone} ({o.channel}) by {o.last}",
            quantity=_PROBABILITY,
            over="probability",
            cell=".2f",
            binomial=True,
        ),
        Statistic(
            "pattern",
            _pattern,
            requires=("pattern",),
            allows=(),
            meaning="1 if validation `pattern` holds in the run (the per-run test of `sim.patterns`), else 0",
            unit="0/1",
            describe=lambda o: f"share of runs where validation pattern {o.pattern} holds",
            quantity=Quantity("share of runs where the pattern holds", 1.0),
            over="share",
            cell=".2f",
            records=_pattern_variables,
        ),
    )
}


def statistic(outcome: Outcome) -> Statistic:
    return STATISTICS[outcome.stat]
