"""Interval estimates for milestone probabilities: one arm (Wilson) and the paired difference (Newcombe)."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import norm

LEVEL = 0.90  # the intervals of every comparison table and figure: 90%, as the 5%-95% bands of the series


def _z(level: float) -> float:
    return float(norm.ppf(0.5 + level / 2.0))


def wilson(successes: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (Wilson 1927); sensible at 0 and n successes too."""
    if n == 0:
        return 0.0, 1.0
    z, p = _z(level), successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def paired_difference(scenario: np.ndarray, baseline: np.ndarray, level: float = LEVEL) -> tuple[float, float, float]:
    """Difference of two proportions measured on the same runs, ``p_scenario - p_baseline``, with its interval.

    Newcombe (1998, *Statistics in Medicine* 17:2635-2650), method 10: the Wilson intervals of the two
    marginal proportions, combined with the correlation ``φ`` of the paired outcomes, whose positive part is
    shrunk by ``n/2`` (Newcombe's continuity correction; as in Altman et al. 2000, *Statistics with
    Confidence*, ch. 6), so that identical outcomes in both arms do not give a zero-width interval.
    Pairing (common random numbers) makes the interval much narrower than for two independent samples when
    few runs change outcome.

    Args:
        scenario, baseline: (R,) booleans, one per run, in the same run order.
        level: coverage of the interval.

    Returns:
        The difference and the interval's lower and upper ends.
    """
    x, y = np.asarray(scenario, bool), np.asarray(baseline, bool)
    n = x.size
    both, only_x, only_y = int((x & y).sum()), int((x & ~y).sum()), int((~x & y).sum())
    neither = n - both - only_x - only_y
    p1, p2 = (both + only_x) / n, (both + only_y) / n
    l1, u1 = wilson(both + only_x, n, level)
    l2, u2 = wilson(both + only_y, n, level)
    denominator = (both + only_x) * (only_y + neither) * (both + only_y) * (only_x + neither)
    association = both * neither - only_x * only_y
    corrected = max(association - n / 2, 0.0) if association > 0 else association
    phi = corrected / math.sqrt(denominator) if denominator > 0 else 0.0
    theta = p1 - p2
    below = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    above = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return theta, max(-1.0, theta - below), min(1.0, theta + above)
