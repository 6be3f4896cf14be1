"""The results of a finished ensemble, independent of the model object: what outputs and figures read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.calendar import Calendar
from sim.variables import MILESTONES

if TYPE_CHECKING:
    from sim.model import RelationsModel


@dataclass
class Ensemble:
    """Series of every run: ``series[variable]`` is (T, R, N, N) [month, run, source, target]."""

    calendar: Calendar
    countries: list[str]
    runs: np.ndarray  # (R,) run indices
    series: dict[str, np.ndarray]
    channels: list[tuple[str, str, str]]  # (name, owner, partner)
    milestones: dict[str, np.ndarray]  # name -> (R, C) step index, -1 = never
    events: list[tuple[int, int, int, str, float, str]]  # first run: (step, source, target, code, g, kind)
    salient: np.ndarray | None = None  # (T, R, N, N, K) K salient event values per dyad-month, if kept
    salient_key: np.ndarray | None = None  # (T, R, N, N, K) their salience keys (sim.mechanisms.events.salience_key)

    @classmethod
    def from_model(cls, model: RelationsModel) -> Ensemble:
        w = model.world
        return cls(
            calendar=w.calendar,
            countries=list(w.countries),
            runs=model.run_index.copy(),
            series=model.history,
            channels=[
                (name, w.countries[o], w.countries[p])
                for name, o, p in zip(w.channel_names, w.channel_owner, w.channel_partner, strict=True)
            ],
            milestones={name: getattr(model.state, name).copy() for name in MILESTONES},
            events=list(model.log.rows) if model.log is not None else [],
            salient=model.salient,
            salient_key=model.salient_key,
        )

    def dyads(self) -> list[tuple[int, int]]:
        n = len(self.countries)
        return [(i, j) for i in range(n) for j in range(n) if i != j]

    def window_mean(self, variable: str, first: str, last: str) -> np.ndarray:
        """Each run's mean of ``variable`` over the months ``first``..``last``: (R, N, N)."""
        a, b = self.calendar.index(first), self.calendar.index(last)
        window = np.moveaxis(self.series[variable][a : b + 1], 0, -1)  # (R, N, N, months), months contiguous
        return np.ascontiguousarray(window).mean(axis=-1)


class Quarters:
    """Per-run quarterly means of a variable: ``q(var, src, tgt)`` is (Q, R); labels like ``2014Q2``."""

    def __init__(self, ens: Ensemble):
        self.ens = ens
        labels = ens.calendar.labels()
        self.labels: list[str] = []
        self._slices: list[slice] = []
        for k, month in enumerate(labels):
            year, mon = int(month[:4]), int(month[5:7])
            label = f"{year}Q{(mon - 1) // 3 + 1}"
            if not self.labels or self.labels[-1] != label:
                self.labels.append(label)
                self._slices.append(slice(k, k + 1))
            else:
                self._slices[-1] = slice(self._slices[-1].start, k + 1)
        self._cache: dict[str, np.ndarray] = {}

    def all(self, variable: str) -> np.ndarray:
        """(Q, R, N, N) quarterly means of ``variable``."""
        if variable not in self._cache:
            series = self.ens.series[variable]
            self._cache[variable] = np.stack([series[s].mean(axis=0) for s in self._slices])
        return self._cache[variable]

    def span(self, first: str, last: str) -> slice:
        return slice(self.labels.index(first), self.labels.index(last) + 1)
