"""Skill of simulated against observed quarterly NCI deviations, per window: the calibration's one scorer.

For each directed dyad d and target k (a dyad-quarter with observed events, weight ``w_k = n_k/(n_k+1)``):

    observed deviation   o_k = y_k − ȳ_d,    ȳ_d = Σ_{fit k∈d} w_k y_k / Σ_{fit k∈d} w_k
    simulated deviation  s_k = median over runs r of (x_rk − x̄_rd),  x̄_rd the same weighted fit-window mean
    SSE_model = Σ_k w_k (s_k − o_k)²,   SSE_flat = Σ_k w_k o_k²,   skill = 1 − SSE_model / SSE_flat

summed over the targets of one window (``fit``: up to the split; ``held_out``: after it). The flat baseline
is a constant line per dyad at its fit-window mean (zero deviation): skill 0 is "no better than the dyad's
own mean", 1 a perfect timeline. Both deviations are taken from the **fit-window** mean, so no held-out
observation enters the objective (or the held-out baseline): a held-out score is a forecast.

``skill_by_window`` is the function to swap for a shared validation scorer with the same definition.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

WINDOWS = ("fit", "held_out")


def _design(targets: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(K, K) matrix mapping values to their dyad's weighted fit-window mean; the (K,) weights."""
    weights = targets["weight"].to_numpy(dtype=float)
    dyad = pd.factorize(targets["source"] + "->" + targets["target"], sort=True)[0]
    fit = (targets["window"] == "fit").to_numpy()
    same = dyad[:, None] == dyad[None, :]  # (K, K): target i and j share a dyad
    w = same * (weights * fit)[None, :]
    return w / w.sum(axis=1, keepdims=True), weights


def deviations(targets: pd.DataFrame, values: np.ndarray) -> np.ndarray:
    """``values`` (..., K) minus each target's dyad's weighted fit-window mean of the same values."""
    mean, _ = _design(targets)
    return values - values @ mean.T


def simulated_deviations(targets: pd.DataFrame, runs: np.ndarray) -> np.ndarray:
    """(P, K) median over runs of each run's deviations; ``runs`` is (P, R, K)."""
    return np.median(deviations(targets, runs), axis=1)


def skill_by_window(targets: pd.DataFrame, runs: np.ndarray) -> dict[str, dict[str, np.ndarray]]:
    """Per window: ``sse_model`` (P,), ``sse_flat`` (scalar), ``skill`` (P,), ``targets`` (count).

    ``targets`` needs columns source, target, observed, weight, window; ``runs`` is (P, R, K), the simulated
    quarterly NCI of every candidate's runs at every target (K in the order of ``targets``).
    """
    observed = deviations(targets, targets["observed"].to_numpy(dtype=float))
    simulated = simulated_deviations(targets, runs)
    weights = targets["weight"].to_numpy(dtype=float)
    out = {}
    for window in WINDOWS:
        inside = (targets["window"] == window).to_numpy()
        sse_model = (weights[inside] * (simulated[:, inside] - observed[inside]) ** 2).sum(axis=1)
        sse_flat = float((weights[inside] * observed[inside] ** 2).sum())
        skill = 1.0 - sse_model / sse_flat if sse_flat > 0 else np.full(len(simulated), np.nan)
        out[window] = {"sse_model": sse_model, "sse_flat": sse_flat, "skill": skill, "targets": int(inside.sum())}
    return out
