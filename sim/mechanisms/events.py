"""Realised behaviour: implementation noise and CAMEO-coded events, giving the monthly NCI."""

from __future__ import annotations

import numpy as np

from sim import cameo


def poisson_inverse(u: np.ndarray, lam: np.ndarray | float, cap: int) -> np.ndarray:
    """Poisson(λ) draws by inverting the CDF at uniforms ``u``, capped at ``cap`` (vectorised)."""
    lam = np.broadcast_to(lam, u.shape)
    p = np.exp(-lam)
    cdf = p.copy()
    k = np.zeros(u.shape, dtype=np.int64)
    for m in range(1, cap + 1):
        above = u >= cdf
        if not above.any():  # every draw is placed: further terms add nothing (exact, whatever the batch)
            break
        k += above
        p = p * lam / m
        cdf = cdf + p
    return k


# Random-number elements reserved per dyad-month for its events: a dyad's event k always draws element
# ``dyad * SLOT_STRIDE + k``, so a run's events do not depend on how many slots its batch needs.
SLOT_STRIDE = 1 << 12


def slots_needed(rate: float) -> int:
    """Event slots per dyad-month for ``1 + Poisson(rate)`` events: the mean plus 4.5 standard deviations,
    so that a capped count differs from an uncapped one with probability below 1e-4."""
    slots = int(np.ceil(2.0 + rate + 4.5 * np.sqrt(rate)))
    if slots > SLOT_STRIDE:
        raise ValueError(f"an event rate of {rate} needs {slots} event slots; at most {SLOT_STRIDE} are supported")
    return slots


def event_counts(u_count: np.ndarray, events_per_month, slots: int) -> np.ndarray:
    """``n = 1 + Poisson(λ)`` events per dyad-month, capped at ``slots`` (MODEL-NOTES S4)."""
    return 1 + poisson_inverse(u_count, events_per_month, slots - 1)


def flatten(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For ``counts`` (G,) events per group: each event's group and its number within the group, (E,) each.

    Events are laid out flat, so the work scales with the events that happen, not with the slots.
    """
    group = np.repeat(np.arange(counts.size), counts)
    starts = np.cumsum(counts) - counts
    return group, np.arange(group.size) - np.repeat(starts, counts)


def code_events(value: np.ndarray, u_code: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CAMEO roots of events with intended levels ``value``: clipped to the generated roots' range
    [-7.2, 7.0] (no war regime) and coded unbiasedly, ``E[g] = v`` (MODEL-NOTES S4).

    Returns each event's rung on the Goldstein ladder and which of two roots sharing a value it is.
    """
    ladder, _ = cameo.root_ladder()
    return cameo.map_unbiased(np.clip(value, ladder[0], ladder[-1]), u_code)


def month_totals(group: np.ndarray, rung: np.ndarray, tie: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group: the sum of the events' Goldstein values and whether any was a costly signal (Kydd 2000)."""
    ladder, _ = cameo.root_ladder()
    total = np.bincount(group, weights=ladder[rung], minlength=n_groups)
    costly = np.bincount(group, weights=cameo.costly_rungs()[rung, tie], minlength=n_groups) > 0
    return total, costly


def net_cooperation(total: np.ndarray, count: np.ndarray, extra_weighted: np.ndarray,
                    extra_weight: np.ndarray) -> np.ndarray:
    """Monthly NCI: mean Goldstein value of the month's events, injected ones counted with their weight.

    Event-data practice (Goldstein & Freeman 1991; Brandt-Colaresi-Freeman monthly Goldstein means).
    """
    numerator, denominator = total + extra_weighted, count + extra_weight
    return np.divide(numerator, denominator, out=np.zeros(np.shape(numerator)), where=denominator > 0)
