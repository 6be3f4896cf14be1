"""Bayesian trust (Kydd 2000, 2005): log-odds that the other side is a security seeker who reciprocates."""

from __future__ import annotations

import numpy as np


def logistic(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def logit(p: np.ndarray) -> np.ndarray:
    return np.log(p) - np.log1p(-p)


def mutual_trust(log_odds: np.ndarray, i: int, j: int) -> np.ndarray:
    """``τ̄_ij = (τ_ij + τ_ji)/2``: how far a pair trusts each other, (R,) from log-odds (R, N, N)."""
    return 0.5 * (logistic(log_odds[:, i, j]) + logistic(log_odds[:, j, i]))


def signal_noise(
    costly: np.ndarray, cost: np.ndarray, *, cheap_signal_noise, costly_signal_noise, cost_sensitivity
) -> np.ndarray:
    """``σ_eff = σ_{costly or cheap}/(1 + κ_c·cost)``: costly signals are more diagnostic.

    Reassurance works through costly signals: a security seeker is more willing to take risks for
    cooperation than a greedy type (Kydd 2000, International Organization 54(2)).
    """
    base = np.where(costly, costly_signal_noise, cheap_signal_noise)
    return base / (1.0 + cost_sensitivity * cost)


def bayes_update(
    log_odds: np.ndarray, perceived: np.ndarray, baseline: np.ndarray, sigma: np.ndarray, *, signal_separation
) -> np.ndarray:
    """``ℓ' = ℓ + (Δμ/σ²)·(ĝ - m̄)``.

    Bayes' rule in log-odds with Gaussian signal likelihoods ``N(μ_SS, σ²)`` and ``N(μ_G, σ²)``, ``Δμ =
    μ_SS - μ_G``, centred on the dyad's normal level ``m̄`` (the burn-in mean): deviations from normal
    relations are informative, the raw level is not (Kydd 2005 ch. 1; MODEL-NOTES §4a, S6).
    """
    return log_odds + signal_separation / sigma**2 * (perceived - baseline)


def revert(log_odds: np.ndarray, prior: np.ndarray, reversion) -> np.ndarray:
    """``ℓ <- (1 - λ)·ℓ + λ·ℓ(0)``: forgetting, so beliefs stay responsive (pure Bayes would freeze)."""
    return (1.0 - reversion) * log_odds + reversion * prior
