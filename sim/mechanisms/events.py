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
        k += u >= cdf
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


def generate_events(intended: np.ndarray, implementation: np.ndarray, u_count: np.ndarray,
                    noise: np.ndarray, u_code: np.ndarray, *, implementation_noise, events_per_month,
                    event_noise, max_events: int):
    """The month's events of each dyad in a row, from its intended level ``c*``.

    Implemented level ``c* + σ_a·ε`` (implementation noise, Wu & Axelrod 1995); ``n = 1 + Poisson(λ)``
    events (capped at ``max_events``); each event's level ``v = c* + σ_a·ε + σ_e·η`` is clipped to the
    generated roots' range [-7.2, 7.0] and coded as one of the two neighbouring root values, the upper
    with probability ``(v - g_lo)/(g_hi - g_lo)``, so ``E[g] = v`` (MODEL-NOTES S4). Shapes: ``intended``,
    ``implementation``, ``u_count`` (R, N); ``noise``, ``u_code`` (R, N, M).

    Returns (goldstein sum, count, costly flag, rung (R, N, M), tie pick (R, N, M), active (R, N, M)).
    """
    ladder, _ = cameo.root_ladder()
    costly_table = cameo.costly_rungs()
    level = intended + implementation_noise * implementation
    count = 1 + poisson_inverse(u_count, events_per_month, max_events - 1)
    active = np.arange(noise.shape[-1]) < count[..., None]
    value = np.clip(level[..., None] + event_noise * noise, ladder[0], ladder[-1])
    rung, u_rest = cameo.map_unbiased(value, u_code)
    tie = (u_rest >= 0.5).astype(np.int64)
    g = ladder[rung]
    total = np.where(active, g, 0.0).sum(axis=-1)
    costly = (active & costly_table[rung, tie]).any(axis=-1)
    return total, count, costly, rung, tie, active


def net_cooperation(total: np.ndarray, count: np.ndarray, extra_weighted: np.ndarray,
                    extra_weight: np.ndarray) -> np.ndarray:
    """Monthly NCI: mean Goldstein value of the month's events, injected ones counted with their weight.

    Event-data practice (Goldstein & Freeman 1991; Brandt-Colaresi-Freeman monthly Goldstein means).
    """
    return (total + extra_weighted) / (count + extra_weight)
