"""Endogenous sanctions: partial alignment with an ally's sanctions, with a ratchet (S1)."""

from __future__ import annotations

import numpy as np


def alignment_target(
    reference: np.ndarray, commitment: np.ndarray, pressure: np.ndarray, relationship_value: np.ndarray
) -> np.ndarray:
    """``S* = S_ref·w/(w + V)`` with alliance pull ``w = a·π`` and the value ``V`` of the target relationship.

    The follower matches a share of the reference senders' level that grows with its alliance pull and
    shrinks with what the relationship is worth to it (Snyder 1984; Japan's 2014 packages were narrower
    than the US/EU ones: MODEL-NOTES §2.2). ``V > 0`` keeps ``S* < S_ref``.
    """
    pull = commitment * pressure
    return reference * pull / (pull + relationship_value)


def relationship_value(base, per_investment, per_trust, stock: np.ndarray, trust: np.ndarray) -> np.ndarray:
    """``V = v0 + v_K·K + v_τ·τ``: what the follower stands to lose with the target."""
    return base + per_investment * stock + per_trust * trust


def ratchet(previous: np.ndarray, target: np.ndarray, reference_falling: np.ndarray) -> np.ndarray:
    """Sanctions never fall while the reference level holds or rises; once it falls, follow the target.

    Japan's measures were never lifted in 2013-2017 despite the thaw (MODEL-NOTES §2.2, pattern 5).
    """
    return np.where(reference_falling, target, np.maximum(previous, target))
