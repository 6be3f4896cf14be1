"""Scheduled and policy events emitted during a month, and the CAMEO event log of the first run."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim import cameo


@dataclass
class MonthSignals:
    """Events other than the routine ones, summed per directed dyad: (R, N, N) arrays."""

    weighted_goldstein: np.ndarray
    weight: np.ndarray
    costly: np.ndarray

    @classmethod
    def empty(cls, n_runs: int, n: int) -> MonthSignals:
        shape = (n_runs, n, n)
        return cls(np.zeros(shape), np.zeros(shape), np.zeros(shape, bool))


@dataclass
class EventLog:
    """The simulated events of one run (run index 0 of the batch), as rows of the events table."""

    rows: list[tuple[int, int, int, str, float, str]] = field(default_factory=list)

    def add(self, step: int, source: int, target: int, code: str, goldstein: float, kind: str) -> None:
        self.rows.append((step, source, target, code, goldstein, kind))


def emit(
    signals: MonthSignals,
    log: EventLog | None,
    step: int,
    happened: np.ndarray,
    source: int,
    target: int,
    code: str,
    weight,
) -> None:
    """Add one event ``code`` on source→target in the runs where ``happened`` (R,) is True."""
    g = cameo.goldstein(code)
    w = np.where(happened, np.broadcast_to(weight, happened.shape), 0.0)
    signals.weighted_goldstein[:, source, target] += w * g
    signals.weight[:, source, target] += w
    signals.costly[:, source, target] |= happened & cameo.is_costly(code)
    if log is not None and happened[0]:
        log.add(step, source, target, code, g, "emitted")
