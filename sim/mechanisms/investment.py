"""Investment flows and stocks under sanctions (S5).

Scalar functions of one directed dyad in one run, compiled with Numba; the investment stage's compiled loop
(``invest_row``) calls them.
"""

from __future__ import annotations

from numba import njit

from sim.mechanisms.elementwise import ROW, at, maximum


@njit(cache=True, error_model="numpy")
def effective_friction(own_sanctions, exposure, sender_sanctions):
    """``S_eff_ij = max(S_ij, χ_i·S_Uj)``: an investor is held back by its own sanctions or, through its
    exposure ``χ_i`` to secondary sanctions, by the secondary-sanctions sender's (Preble & Early 2018; CAATSA).
    """
    return maximum(own_sanctions, exposure * sender_sanctions)


@njit(cache=True, error_model="numpy")
def investment_flow(
    baseline,
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
):
    """``I_ij = I0_ij·push_ij·(1 + 0.5(τ_ij - 0.5) + 0.5·Rap_ij)·(1 + E_j)·(1 - φ_S·S_eff_ij)``.

    ``push = 1 + busting·S_Uj·(1 - χ_i) + channel_push·max(0, O_ij - 0.5)``: third parties step in where
    the sender's firms leave (sanctions busting, Early 2015, "Busted Sanctions"; Chinese policy banks and
    Yamal LNG, 2016), and an open channel carries a government's push (Japan's 8-point plan, 2016). The climate
    and friction factors are floored at 0.
    """
    push = 1.0 + busting * sender_sanctions * (1.0 - exposure) + channel_push * maximum(0.0, openness - 0.5)
    climate = maximum(0.0, 1.0 + 0.5 * (trust - 0.5) + 0.5 * rapport)
    return baseline * push * climate * (1.0 + host_stress) * maximum(0.0, 1.0 - friction * effective_sanctions)


@njit(cache=True, error_model="numpy")
def accumulate(stock, flow, depreciation):
    """``K <- (1 - δ)·K + I``."""
    return (1.0 - depreciation) * stock + flow


@njit(f"void(int64, {', '.join([ROW] * 15)})", cache=True, error_model="numpy")
def invest_row(
    i,
    baseline,
    busting,
    sender_sanctions,
    exposure,
    channel_push,
    openness,
    trust,
    rapport,
    host_stress,
    friction,
    own_sanctions,
    stock,
    depreciation,
    flow_out,
    stock_out,
) -> None:
    """Country ``i``'s S5 flows into every partner ``j`` and the stocks they build, in every run. Inputs are 2-D
    (runs or 1, partners or 1); ``sender_sanctions`` is the secondary-sanctions sender's row (0 for the sender
    itself or without one), ``host_stress`` ``E_j``."""
    runs, n = flow_out.shape
    for r in range(runs):
        for j in range(n):
            sender, chi = at(sender_sanctions, r, j), at(exposure, r, j)
            flow = investment_flow(
                at(baseline, r, j),
                at(busting, r, j),
                sender,
                chi,
                at(channel_push, r, j),
                at(openness, r, j),
                at(trust, r, j),
                at(rapport, r, j),
                at(host_stress, r, j),
                at(friction, r, j),
                effective_friction(at(own_sanctions, r, j), chi, sender),
            )
            flow_out[r, j] = flow
            stock_out[r, j] = accumulate(at(stock, r, j), flow, at(depreciation, r, j))
