"""Helpers of the compiled loops: broadcast inputs, and numpy's elementwise semantics for scalars."""

from __future__ import annotations

import numpy as np
from numba import njit

# Types of the compiled loops' declared signatures: a 2-D float or bool input in "any layout", so that one compiled
# version serves contiguous (1, N) rows and strided slices of (R, N, N) arrays alike.
ROW = "float64[:, :]"
MASK = "boolean[:, :]"


@njit(cache=True)
def at(a: np.ndarray, r: int, j: int) -> float:
    """``a[r, j]`` of a 2-D input whose run axis (0) or partner axis (1) may have size 1 (broadcast)."""
    return a[r if a.shape[0] > 1 else 0, j if a.shape[1] > 1 else 0]


@njit(cache=True)
def maximum(a: float, b: float) -> float:
    """``np.maximum(a, b)`` for two doubles: ``a`` when ``a > b``, else ``b`` (so ``b`` on a tie of signed zeros, as
    numpy's loops give), NaN from either side."""
    return a if (a > b or a != a) else b
