"""Third-party terms read off the relationship valences ``x`` (R, N, N) of the previous month."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _third_party_terms(x: np.ndarray, balance: np.ndarray, wedge: np.ndarray) -> None:
    """Both terms for valences ``x`` (R, N, N), written into ``balance`` and ``wedge`` (R, N, N).

    One loop over runs and pairs, with numpy's order of operations: a sum from +0.0 over the third parties ``k``
    in index order, the pair's own ``k = i, j`` adding ``0·(...)`` terms, so the doubles (the sign of a zero
    included) are those of the array form ``(x[i, k]·x[k, j]·[k ∉ {i, j}]).sum(k)`` it replaced
    (``tests/test_compiled.py`` checks it bit for bit against that form).
    """
    runs, n, _ = x.shape
    count = max(n - 2, 1)
    for r in range(runs):
        for i in range(n):
            for j in range(n):
                b = 0.0
                w = 0.0
                for k in range(n):
                    third = 1.0 if (k != i and k != j) else 0.0
                    term_b = x[r, i, k] * x[r, k, j] * third
                    hostile = 0.0 if -x[r, i, k] <= 0.0 else -x[r, i, k]  # np.maximum(0, -x): NaN passes
                    friendly = 0.0 if x[r, j, k] <= 0.0 else x[r, j, k]
                    term_w = hostile * friendly * third
                    b += term_b
                    w += term_w
                balance[r, i, j] = b / count
                wedge[r, i, j] = w


def third_party_terms(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(balance_pressure(x), wedge_incentive(x))`` in one compiled pass over runs and pairs; ``x`` is (N, N) or
    (R, N, N)."""
    runs = np.ascontiguousarray(np.asarray(x, dtype=float).reshape((-1, *np.shape(x)[-2:])))
    balance, wedge = np.empty_like(runs), np.empty_like(runs)
    _third_party_terms(runs, balance, wedge)
    return balance.reshape(np.shape(x)), wedge.reshape(np.shape(x))


def balance_pressure(x: np.ndarray) -> np.ndarray:
    """``B_ij = mean_{k≠i,j} x_ik·x_kj``: Heider balance, "the enemy of my enemy is my friend".

    Heider 1946; Cartwright & Harary 1956; continuous form of Marvel et al. 2011 / Antal, Krapivsky & Redner
    2005 (MODEL-NOTES §4d). Zero when there is no third party. ``x`` is (N, N) or (R, N, N)
    (``third_party_terms``, compiled).
    """
    return third_party_terms(x)[0]


def wedge_incentive(x: np.ndarray) -> np.ndarray:
    """``W_ij = Σ_{k≠i,j} max(0, -x_ik)·max(0, x_jk)``: reason to court j away from i's rival k.

    Wedge strategies, "selective accommodation" of a potential adversary to detach it from a hostile
    coalition (Crawford 2011, International Security 35(4)). ``x`` is (N, N) or (R, N, N)
    (``third_party_terms``, compiled).
    """
    return third_party_terms(x)[1]


def alliance_penalty(
    x: np.ndarray,
    patron: np.ndarray,
    commitment: np.ndarray,
    pressure: np.ndarray,
    scale: np.ndarray | float,
    sanctions: np.ndarray | None = None,
) -> np.ndarray:
    """``Pen_ij = a_i·π_m·H_mj·P0`` for a member ``i`` of patron ``m``, toward ``j ∉ {i, m}``.

    Snyder's alliance security dilemma (1984): courting the patron's adversary risks abandonment. The
    patron's hostility ``H_mj = max(0, -x_mj, S_mj)`` is the larger of its relationship valence and its
    sanctions on ``j``: a sanctions round is a declared stance that the patron asks its allies to join at once
    (Obama asked Abe to coordinate on 2014-03-07 [P10]; Japan froze its talks on 2014-03-18 [P15] [P17]),
    while the valence, a moving average of events, follows months later. MODEL-NOTES S2 reads ``x_mj`` only.
    ``patron`` (N,) holds -1 for countries with no patron; ``commitment``, ``pressure`` are (R1, N);
    ``sanctions`` (R, N, N), last month's levels (``None``: the valence alone).
    """
    n = x.shape[-1]
    members = np.flatnonzero(patron >= 0)
    pen = np.zeros(np.broadcast_shapes(x.shape, (commitment.shape[0], n, n)))
    for i in members:  # over allied countries (a handful), never over runs
        m = patron[i]
        pull = commitment[:, i, None] * pressure[:, m, None]
        hostility = np.maximum(0.0, -x[..., m, :])
        if sanctions is not None:
            hostility = np.maximum(hostility, sanctions[..., m, :])
        row = pull * hostility * np.asarray(scale).reshape(-1, 1)
        row[..., [i, m]] = 0.0
        pen[..., i, :] = row
    return pen


def update_valence(x: np.ndarray, realised: np.ndarray, smoothing: np.ndarray | float) -> np.ndarray:
    """``x <- (1 - α_x)·x + α_x·c/10``: an exponential moving average of realised cooperation, in [-1, 1]."""
    return (1.0 - smoothing) * x + smoothing * realised / 10.0
