"""Third-party terms read off the relationship valences ``x`` (R, N, N) of the previous month."""

from __future__ import annotations

import numpy as np


def _off_pair_mask(n: int) -> np.ndarray:
    """(N, N, N) mask of third parties: ``mask[i, j, k]`` is True when ``k`` differs from ``i`` and ``j``."""
    idx = np.arange(n)
    return (idx[:, None, None] != idx[None, None, :]) & (idx[None, :, None] != idx[None, None, :])


def balance_pressure(x: np.ndarray) -> np.ndarray:
    """``B_ij = mean_{k≠i,j} x_ik·x_kj``: Heider balance, "the enemy of my enemy is my friend".

    Heider 1946; Cartwright & Harary 1956; continuous form of Marvel et al. 2011 / Antal, Krapivsky & Redner
    2005 (MODEL-NOTES §4d). Zero when there is no third party.
    """
    n = x.shape[-1]
    mask = _off_pair_mask(n)
    products = x[..., :, None, :] * np.swapaxes(x, -1, -2)[..., None, :, :]  # [i, j, k] = x_ik * x_kj
    count = max(n - 2, 1)
    return (products * mask).sum(axis=-1) / count


def wedge_incentive(x: np.ndarray) -> np.ndarray:
    """``W_ij = Σ_{k≠i,j} max(0, -x_ik)·max(0, x_jk)``: reason to court j away from i's rival k.

    Wedge strategies, "selective accommodation" of a potential adversary to detach it from a hostile
    coalition (Crawford 2011, International Security 35(4)).
    """
    n = x.shape[-1]
    mask = _off_pair_mask(n)
    hostile = np.maximum(0.0, -x)[..., :, None, :]  # [i, ., k]
    friendly = np.maximum(0.0, x)[..., None, :, :]  # [., j, k]
    return (hostile * friendly * mask).sum(axis=-1)


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
