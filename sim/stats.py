"""Intervals the validation protocol puts on every share it reports."""

from __future__ import annotations

import math

import numpy as np
from scipy.stats import binomtest

Z95 = 0.95


def wilson(successes: int, trials: int) -> tuple[float, float]:
    """Wilson score 95% interval of a binomial share (Wilson 1927; SciPy's ``binomtest``); NaNs for no trials.

    Unlike the normal approximation it stays inside [0, 1] and is not empty at 0 or n successes.
    """
    if trials == 0:
        return math.nan, math.nan
    ci = binomtest(int(successes), int(trials)).proportion_ci(confidence_level=Z95, method="wilson")
    return float(ci.low), float(ci.high)


def share(flags: np.ndarray) -> tuple[float, float, float]:
    """The share of true ``flags`` with its Wilson 95% interval: (share, low, high)."""
    flags = np.asarray(flags, dtype=bool)
    low, high = wilson(int(flags.sum()), flags.size)
    return (float(flags.mean()) if flags.size else math.nan), low, high
