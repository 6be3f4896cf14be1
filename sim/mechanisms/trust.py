"""Bayesian trust (Kydd 2000, 2005): log-odds that the other side is a security seeker who reciprocates."""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.mechanisms.elementwise import MASK, ROW
from sim.mechanisms.elementwise import at as _at
from sim.mechanisms.perception import perceive
from sim.numerics import elementary


def logistic(x: np.ndarray) -> np.ndarray:
    """``σ(ℓ) = 1/(1 + e^-ℓ)``: the trust a log-odds ``ℓ`` stands for.

    ``sim.numerics.elementary.logistic``, elementwise: the same doubles on every machine."""
    return elementary.logistic_array(x)


def logit(p: np.ndarray) -> np.ndarray:
    """``ln(p/(1 - p))``: the log-odds of a trust ``p`` (``sim.numerics.elementary.logit``, elementwise)."""
    return elementary.logit_array(p)


def mutual_trust(log_odds: np.ndarray, i: int, j: int) -> np.ndarray:
    """``τ̄_ij = (τ_ij + τ_ji)/2``: how far a pair trusts each other, (R,) from log-odds (R, N, N)."""
    return 0.5 * (logistic(log_odds[:, i, j]) + logistic(log_odds[:, j, i]))


@njit(cache=True, error_model="numpy")
def signal_noise(costly, cost, cheap_signal_noise, costly_signal_noise, cost_sensitivity):
    """``σ_eff = σ_{costly or cheap}/(1 + κ_c·cost)``: costly signals are more diagnostic.

    Reassurance works through costly signals: a security seeker is more willing to take risks for
    cooperation than a greedy type (Kydd 2000, International Organization 54(2)).
    """
    return (costly_signal_noise if costly else cheap_signal_noise) / (1.0 + cost_sensitivity * cost)


@njit(cache=True, error_model="numpy")
def bayes_update(log_odds, perceived, baseline, sigma, signal_separation):
    """``ℓ' = ℓ + (Δμ/σ²)·(ĝ - m̄)``.

    Bayes' rule in log-odds with Gaussian signal likelihoods ``N(μ_SS, σ²)`` and ``N(μ_G, σ²)``, ``Δμ =
    μ_SS - μ_G``, centred on the dyad's normal level ``m̄`` (the burn-in mean): deviations from normal
    relations are informative, the raw level is not (Kydd 2005 ch. 1; MODEL-NOTES §4a, S6).
    """
    return log_odds + signal_separation / (sigma * sigma) * (perceived - baseline)


@njit(cache=True, error_model="numpy")
def shock_update(log_odds, weighted_goldstein, weight, baseline, signal_separation, costly_signal_noise):
    """``ℓ' = ℓ + (Δμ/σ_costly²)·(Σ w·g - m̄·Σ w)``: a shock (Crimea, a missile test) read as a costly signal.

    Each shock the observer sees from the actor is a signal of Goldstein value ``g`` and weight ``w``, judged
    against the normal level ``m̄`` with the costly signals' noise (MODEL-NOTES S6, shocks).
    """
    return log_odds + signal_separation / (costly_signal_noise * costly_signal_noise) * (
        weighted_goldstein - weight * baseline
    )


@njit(cache=True, error_model="numpy")
def revert(log_odds, prior, reversion):
    """``ℓ <- (1 - λ)·ℓ + λ·ℓ(0)``: forgetting, so beliefs stay responsive (pure Bayes would freeze)."""
    return (1.0 - reversion) * log_odds + reversion * prior


_OBSERVE = f"void(int64, boolean, {', '.join([ROW] * 9)}, {MASK}, {MASK}, {', '.join([ROW] * 12)})"


@njit(_OBSERVE, cache=True, error_model="numpy")
def observe_column(
    j,
    update,
    signal,
    normal,
    observer_trust,
    rapport,
    noise,
    mistrust_bias,
    perception_noise,
    rapport_clarity,
    log_odds,
    costly,
    visit,
    penalty,
    penalty_scale,
    cheap_signal_noise,
    costly_signal_noise,
    cost_sensitivity,
    signal_separation,
    shock_weight,
    shock_weighted_goldstein,
    prior,
    reversion,
    perceived_out,
    log_odds_out,
) -> None:
    """Country ``j``'s S6 reading of every partner ``k`` in every run: ``ĝ_kj`` (``perceive``) and, if ``update``
    (after the burn-in), its trust ``ℓ_jk`` (``signal_noise``, ``bayes_update``, ``shock_update``, ``revert``).

    ``signal``, ``normal``, ``rapport``, ``noise``, ``costly``, ``visit`` and ``penalty`` are the partners' column
    (k→j); ``observer_trust``, ``log_odds``, ``prior`` and the shocks are ``j``'s row (j about k). Inputs are
    2-D (runs or 1, partners or 1). A costly visit's cost is the host's alliance penalty in units of its scale
    (S3, S7). Writes 0 toward itself.
    """
    runs, n = perceived_out.shape
    for r in range(runs):
        for k in range(n):
            if k == j:
                perceived_out[r, k] = 0.0
                if update:
                    log_odds_out[r, k] = 0.0
                continue
            m = _at(normal, r, k)
            read = perceive(
                _at(signal, r, k),
                m,
                _at(observer_trust, r, k),
                _at(rapport, r, k),
                _at(noise, r, k),
                _at(mistrust_bias, r, k),
                _at(perception_noise, r, k),
                _at(rapport_clarity, r, k),
            )
            perceived_out[r, k] = read
            if not update:
                continue
            cost = (1.0 if visit[r, k] else 0.0) * _at(penalty, r, k) / _at(penalty_scale, r, k)
            separation, costly_noise = _at(signal_separation, r, k), _at(costly_signal_noise, r, k)
            sigma = signal_noise(
                costly[r, k], cost, _at(cheap_signal_noise, r, k), costly_noise, _at(cost_sensitivity, r, k)
            )
            updated = bayes_update(_at(log_odds, r, k), read, m, sigma, separation)
            updated = shock_update(
                updated, _at(shock_weighted_goldstein, r, k), _at(shock_weight, r, k), m, separation, costly_noise
            )
            log_odds_out[r, k] = revert(updated, _at(prior, r, k), _at(reversion, r, k))
