"""Investment flows and stocks under sanctions (S5)."""

from __future__ import annotations

import numpy as np


def effective_friction(own_sanctions: np.ndarray, exposure: np.ndarray, sender_sanctions: np.ndarray) -> np.ndarray:
    """``S_eff_ij = max(S_ij, χ_i·S_Uj)``: an investor is held back by its own sanctions or, through its
    exposure ``χ_i`` to secondary sanctions, by the secondary-sanctions sender's (Preble & Early 2018; CAATSA).
    """
    return np.maximum(own_sanctions, exposure * sender_sanctions)


def investment_flow(
    baseline,
    *,
    busting,
    sender_sanctions,
    exposure,
    channel_push,
    openness,
    trust,
    rapport,
    host_stress,
    friction,
    effective_sanctions,
) -> np.ndarray:
    """``I_ij = I0_ij·push_ij·(1 + 0.5(τ_ij - 0.5) + 0.5·Rap_ij)·(1 + E_j)·(1 - φ_S·S_eff_ij)``.

    ``push = 1 + busting·S_Uj·(1 - χ_i) + channel_push·max(0, O_ij - 0.5)``: third parties step in where
    the sender's firms leave (sanctions busting, Early 2015, "Busted Sanctions"; Chinese policy banks and
    Yamal LNG, 2016), and an open channel carries a government's push (Japan's 8-point plan, 2016).
    """
    push = 1.0 + busting * sender_sanctions * (1.0 - exposure) + channel_push * np.maximum(0.0, openness - 0.5)
    climate = np.maximum(0.0, 1.0 + 0.5 * (trust - 0.5) + 0.5 * rapport)
    return baseline * push * climate * (1.0 + host_stress) * np.maximum(0.0, 1.0 - friction * effective_sanctions)


def accumulate(stock: np.ndarray, flow: np.ndarray, depreciation) -> np.ndarray:
    """``K <- (1 - δ)·K + I``."""
    return (1.0 - depreciation) * stock + flow
