"""How an observer reads another country's monthly signal (Jervis 1976).

A scalar function of one directed dyad in one run, compiled with Numba; the observation stage's compiled loop
(``sim.mechanisms.trust.observe_column``) calls it.
"""

from __future__ import annotations

from numba import njit

from sim.mechanisms.elementwise import maximum


@njit(cache=True, error_model="numpy")
def perceive(signal, normal, observer_trust, rapport, noise, mistrust_bias, perception_noise, rapport_clarity):
    """``ĝ = c - b·(1 - τ)·max(c - m̄, 0) + σ_p·(1 - ζ·Rap)·ε``.

    Mistrust discounts conciliatory moves ("each side will overestimate the hostility of the other", people
    "perceive what they expect": Jervis 1976, ch. 3); leader rapport makes the reading clearer.
    ``observer_trust`` is the observer's trust in the signal's sender and ``normal`` (m̄) the observer's
    normal reading of that sender. MODEL-NOTES S6 discounts ``max(c, 0)``, the whole cooperative level;
    that makes a close ally's routine cooperation look like a retreat whenever trust dips and tips stable
    alliances into spirals, so here only cooperation above the normal level is discounted (docs/ODD.md).
    """
    bias = mistrust_bias * (1.0 - observer_trust) * maximum(signal - normal, 0.0)
    return signal - bias + perception_noise * (1.0 - rapport_clarity * rapport) * noise
