"""Intended cooperation: generous reciprocity inside a Richardson partial-adjustment process.

Scalar functions of one directed dyad in one run, compiled with Numba: the decision stage's compiled loop
(``sim.mechanisms.target.decide_row``) calls them, and so can Python code with floats.
"""

from __future__ import annotations

from numba import njit


@njit(cache=True, error_model="numpy")
def generous_reciprocity(perceived: float, generosity: float) -> float:
    """``rec = ĉ if ĉ >= 0 else (1 - q)·ĉ``: answer cooperation in full, forgive a share ``q`` of conflict.

    Expected-value form of generous tit-for-tat (Nowak & Sigmund 1992, Nature 355; Wu & Axelrod 1995,
    JCR 39): after a defection, cooperate anyway with probability ``q``.
    """
    return perceived if perceived >= 0.0 else (1.0 - generosity) * perceived


@njit(cache=True, error_model="numpy")
def damp_conflict(target: float, interdependence: float, damping: float) -> float:
    """``T <- T / (1 + γ_D·D)`` when ``T < 0``: interdependence raises the cost of conflict.

    Liberal peace (Oneal, Oneal, Maoz & Russett 1996; Oneal & Russett 1999). MODEL-NOTES S4 divides the
    intended level each month, which compounds; dividing the target damps conflict by the same factor at
    the fixed point without compounding (documented in docs/ODD.md).
    """
    return target / (1.0 + damping * interdependence) if target < 0.0 else target


@njit(cache=True, error_model="numpy")
def richardson_step(intended: float, target: float, speed: float) -> float:
    """``c* <- (1 - a)·c* + a·T``, clipped to the Goldstein range [-10, 10].

    Discrete Richardson process (Richardson 1960; MODEL-NOTES §4f): with ``T = G + k·c_other`` a pair is
    stable iff ``k_ij·k_ji < 1`` and converges to ``c_ij = (G_ij + k_ij·G_ji)/(1 - k_ij·k_ji)``.
    """
    return min(max((1.0 - speed) * intended + speed * target, -10.0), 10.0)
