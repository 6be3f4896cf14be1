"""Milestones of a channel pair (S8): 2+2 resumption, joint economic activity, the peace-treaty hazard."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.trust import logistic

FIRST_MEETING_LAG = 3  # months from the 2+2 agreement to its first meeting (Nagato Dec 2016 -> Tokyo Mar 2017)


def two_plus_two_agreed(pending, frozen, open_enough, summit, owner_trust, trust_needed) -> np.ndarray:
    """``pending ∧ frozen ∧ O > O_m ∧ summit ∧ τ_ij > τ_2+2``: the leaders agree to resume the 2+2 (S8).

    The 2+2 (foreign and defence ministers) is created and resumed by the leaders at a bilateral summit: Abe's
    Moscow visit of April 2013 created it [P1] (first held in November 2013 [P2]); Japan, which had suspended it,
    agreed at the Nagato summit of December 2016 to resume it [P81], and it met in March 2017 [P96] [P97].
    So it needs a summit of the pair this month, a channel that froze and is open again, and the owner's (the
    side that froze it) trust in the partner ``τ_ij`` above ``τ_2+2``. MODEL-NOTES S8 has no summit and uses
    ``min(τ_ij, τ_ji)``; Russia's trust in Japan stayed low through 2016 (Putin: sanctions are an obstacle [P80]).
    """
    return pending & frozen & open_enough & summit & (owner_trust > trust_needed)


def joint_activity_agreed(pending, open_and_growing, summit, rapport, rapport_needed, partner_stress, u) -> np.ndarray:
    """``pending ∧ O > O_m ∧ K growing ∧ summit ∧ Rap > Rap_ja ∧ u < E_j``: joint economic activity signed (S8).

    Signed by the leaders in person, with the rapport the summit leaves (Nagato, December 2016 [P81] [P90]),
    and offered by the partner out of economic need: Russia, in recession under sanctions [P104], presented
    joint economic activity on the islands as the basis of trust (Putin, 13 Dec 2016 [P80]); in the boom year
    2013 the Moscow summit launched talks and the 2+2 but no joint activity [P1]. A qualifying summit produces
    the agreement with probability ``E_j(t)``, the partner's economic stress (``u`` uniform on [0, 1)).
    """
    return pending & open_and_growing & summit & (rapport > rapport_needed) & (u < partner_stress)


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
