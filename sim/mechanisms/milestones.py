"""Milestones of a channel pair (S8): 2+2 resumption, joint economic activity, the peace-treaty hazard."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.trust import logistic


def patron_veto(commitment, pressure, patron_valence, veto_slope) -> np.ndarray:
    """``v_U = min(1, s·a·π·max(0, -x_{patron, partner}))``: the patron's objection to a settlement."""
    return np.minimum(1.0, veto_slope * commitment * pressure * np.maximum(0.0, -patron_valence))


def treaty_hazard(min_trust, veto, *, treaty_base_hazard, treaty_threshold, territorial_hardness) -> np.ndarray:
    """``h = h0·σ(20(min(τ_ij, τ_ji) - θ_PT))·(1 - H_terr)·(1 - v_U)`` per month (MODEL-NOTES S8).

    A treaty needs high mutual trust and is held back by the territorial question (sovereignty, "Russian
    law", the US-base question: Dec 2016 summit, [P81] [P90] [P91]) and by the patron.
    """
    return (
        treaty_base_hazard
        * logistic(20.0 * (min_trust - treaty_threshold))
        * (1.0 - territorial_hardness)
        * (1.0 - veto)
    )
