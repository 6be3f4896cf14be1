"""Scheduled and policy events emitted during a month, and the CAMEO event log of the first run."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit

from sim import cameo
from sim.numerics import elementary

SCHEDULED_SLOTS = 64  # salience draws per dyad-month for emitted and injected events (observation model)


@njit(cache=True)
def salience_weight(value: float, power: float) -> float:
    """``w = |g|^ω``: how much more often an event of Goldstein value ``g`` is recorded than one of value ±1.

    ω = 1 (``salience_power``): in proportion to intensity; ω = 0: every event alike; a large ω: the quarter's
    most intense events first (a timeline of headlines). ω is the observation model's one parameter, chosen on the
    in-sample quarters of tuning seeds (``experiments/fit_observation.py``). Used by
    the routine events' record (``events.salience_key``) and by the scheduled ones' (``MonthSignals.keep``).
    ``elementary.power`` gives ``|g|`` itself at ω = 1 and the rounded products at whole ω."""
    size = abs(value)
    return elementary.power(size, power)


@dataclass
class MonthSignals:
    """Events other than the routine ones, summed per directed dyad: (R, N, N) arrays.

    With ``salient`` (R, N, N, K) the month also keeps, per dyad, the K events of largest salience key
    (``events.salience_key``: a draw with probability increasing in ``|g|``), the fit's observation model;
    ``draws`` (R, N, N, SCHEDULED_SLOTS) are the uniforms of emitted and injected events, used in turn.
    """

    weighted_goldstein: np.ndarray
    weight: np.ndarray
    costly: np.ndarray
    salient: np.ndarray | None = None
    salient_key: np.ndarray | None = None
    draws: np.ndarray | None = None
    used: np.ndarray | None = None  # (N, N) draws used so far
    salience_power: float = 1.0  # ω of the salience weight |g|^ω (``salience_weight``)

    @classmethod
    def empty(
        cls, n_runs: int, n: int, salient: int = 0, streams=None, step: int = 0, salience_power: float = 1.0
    ) -> MonthSignals:
        shape = (n_runs, n, n)
        signals = cls(np.zeros(shape), np.zeros(shape), np.zeros(shape, bool))
        if salient:
            signals.salient = np.full((*shape, salient), np.nan)
            signals.salient_key = np.full((*shape, salient), -np.inf)
            signals.draws = streams.uniform("salience_scheduled", step, (n, n, SCHEDULED_SLOTS))
            signals.used = np.zeros((n, n), np.int64)
            signals.salience_power = float(salience_power)
        return signals

    def keep(self, source: int, target: int, value: float, happened: np.ndarray) -> None:
        """Offer one emitted or injected event of ``value`` on source→target, where ``happened`` (R,)."""
        if self.salient is None:
            return
        k = self.used[source, target]
        if k >= SCHEDULED_SLOTS:
            raise RuntimeError(f"more than {SCHEDULED_SLOTS} scheduled events in one dyad-month")
        self.used[source, target] += 1
        if not happened.any():
            return
        u = np.clip(self.draws[:, source, target, k], 1e-300, None)
        weight = salience_weight(value, self.salience_power)
        key = elementary.log_array(u) / weight if weight > 0 else np.full(u.shape, -np.inf)
        keep_salient(self.salient[:, source, target], self.salient_key[:, source, target], value, key, happened)


def keep_salient(kept: np.ndarray, keys: np.ndarray, value: float, key: np.ndarray, happened: np.ndarray) -> None:
    """Insert an event of ``value`` with salience ``key`` (R,) where ``happened`` into ``kept``/``keys`` (R, K),
    each run's K events of largest key in decreasing order (as ``events.keep_salient``, vectorised over runs)."""
    if not happened.any():
        return
    pool = np.concatenate([kept, np.where(happened, value, np.nan)[:, None]], axis=1)
    pool_key = np.concatenate([keys, np.where(happened, key, -np.inf)[:, None]], axis=1)
    order = np.argsort(np.where(np.isnan(pool), np.inf, -pool_key), axis=1, kind="stable")[:, : kept.shape[1]]
    kept[:] = np.take_along_axis(pool, order, axis=1)
    keys[:] = np.take_along_axis(pool_key, order, axis=1)


class EventLog:
    """The simulated events of one run (run index 0 of the batch), as rows of the events table:
    ``(step, source, target, code, goldstein, kind)``, in the order the month's stages produced them.

    The routine events arrive as each country's block of (rung, tie) codes (``add_generated``) and become rows only
    when ``rows`` is read, all blocks in one vectorised pass: turning thousands of events into tuples month by month
    cost about a tenth of a 200-run replay.
    """

    def __init__(self) -> None:
        self._items: list[tuple[int, int, int, str, float, str] | int] = []  # a row, or the index of a block
        self._blocks: list[tuple[int, int, np.ndarray]] = []  # (step, source, first)
        self._rows: list[tuple[int, int, int, str, float, str]] | None = []

    def add(self, step: int, source: int, target: int, code: str, goldstein: float, kind: str) -> None:
        self._items.append((step, source, target, code, goldstein, kind))
        self._rows = None

    def add_generated(self, step: int, source: int, first: np.ndarray) -> None:
        """The routine events of ``source`` in ``step`` (``events.month_events``' ``first``: (partners, slots, 2)
        (rung, tie), -1 for none), partner by partner and in slot order."""
        self._items.append(len(self._blocks))
        self._blocks.append((step, source, first))
        self._rows = None

    @property
    def rows(self) -> list[tuple[int, int, int, str, float, str]]:
        if self._rows is None:
            generated = self._expand()
            rows: list[tuple[int, int, int, str, float, str]] = []
            for item in self._items:
                if isinstance(item, int):
                    rows.extend(generated[item])
                else:
                    rows.append(item)
            self._rows = rows
        return self._rows

    def _expand(self) -> list[list[tuple[int, int, int, str, float, str]]]:
        """Every block's rows: its events partner by partner, in slot order (C order of ``first``)."""
        if not self._blocks:
            return []
        size = max(b[2].shape[1] for b in self._blocks)
        first = np.full((len(self._blocks), self._blocks[0][2].shape[0], size, 2), -1, np.int64)
        for k, (_, _, block) in enumerate(self._blocks):
            first[k, :, : block.shape[1]] = block
        block, partners, slots = np.nonzero(first[..., 0] >= 0)
        rungs, ties = first[block, partners, slots, 0], first[block, partners, slots, 1]
        ladder, _ = cameo.root_ladder()
        steps = np.array([b[0] for b in self._blocks])[block]
        sources = np.array([b[1] for b in self._blocks])[block]
        rows = list(
            zip(
                steps.tolist(),
                sources.tolist(),
                partners.tolist(),
                cameo.ladder_codes()[1][rungs, ties].tolist(),
                ladder[rungs].tolist(),
                ["generated"] * len(block),
                strict=True,
            )
        )
        ends = np.cumsum(np.bincount(block, minlength=len(self._blocks))).tolist()
        return [rows[a:b] for a, b in zip([0, *ends[:-1]], ends, strict=True)]


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
    if not happened.any():  # adds nothing; an observation-model record still uses up the event's draw
        signals.keep(source, target, 0.0, happened)
        return
    g = cameo.goldstein(code)
    w = np.where(happened, np.broadcast_to(weight, happened.shape), 0.0)
    signals.weighted_goldstein[:, source, target] += w * g
    signals.weight[:, source, target] += w
    signals.costly[:, source, target] |= happened & cameo.is_costly(code)
    signals.keep(source, target, g, happened & (w > 0))
    if log is not None and happened[0]:
        log.add(step, source, target, code, g, "emitted")
