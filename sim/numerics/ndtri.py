"""The inverse of the standard normal CDF, compiled: Cephes ``ndtri`` (Moshier 1989), as in ``scipy.special``.

A line-by-line port of the algorithm SciPy ships (``xsf/cephes/ndtri.h``): the same rational approximations,
coefficients and order of operations. The tails take the model's own ``log`` (``elementary.log``) where SciPy calls
the C library's, whose last bits depend on the processor: the result is SciPy's bit for bit in the central region
and within 6 ulps in the tails (the tests check both over millions of inputs), and the same on every machine.

``ndtri`` is the definition; ``ndtri_array`` computes it for a whole array of draws at once (the streams' normals and
the event kernel's noise), the same doubles two to three times faster: the formulas are written once (``_central``,
``_tail``) and called by both.

For ``y`` within ``exp(-2)`` of 0 or 1, ``z = sqrt(-2 log y)`` and ``x = z - log(z)/z - (1/z) P(1/z)/Q(1/z)``
(two rational functions: ``z < 8`` and ``8 <= z <= 64``); otherwise, with ``w = y - 0.5``,
``x / sqrt(2π) = w + w³ R(w²)/S(w²)``. Relative error below 7.2e-16 on [0.125, 1], 4.6e-16 on [3e-308, 0.135].
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from sim.numerics.elementary import _bits, _double, log, log_main

# approximation for 0 <= |y - 0.5| <= 3/8
_P0 = (
    -5.99633501014107895267e1,
    9.80010754185999661536e1,
    -5.66762857469070293439e1,
    1.39312609387279679503e1,
    -1.23916583867381258016e0,
)
_Q0 = (
    1.95448858338141759834e0,
    4.67627912898881538453e0,
    8.63602421390890590575e1,
    -2.25462687854119370527e2,
    2.00260212380060660359e2,
    -8.20372256168333339912e1,
    1.59056225126211695515e1,
    -1.18331621121330003142e0,
)
# z = sqrt(-2 log y) between 2 and 8, i.e. y between exp(-2) = .135 and exp(-32) = 1.27e-14
_P1 = (
    4.05544892305962419923e0,
    3.15251094599893866154e1,
    5.71628192246421288162e1,
    4.40805073893200834700e1,
    1.46849561928858024014e1,
    2.18663306850790267539e0,
    -1.40256079171354495875e-1,
    -3.50424626827848203418e-2,
    -8.57456785154685413611e-4,
)
_Q1 = (
    1.57799883256466749731e1,
    4.53907635128879210584e1,
    4.13172038254672030440e1,
    1.50425385692907503408e1,
    2.50464946208309415979e0,
    -1.42182922854787788574e-1,
    -3.80806407691578277194e-2,
    -9.33259480895457427372e-4,
)
# z between 8 and 64, i.e. y between exp(-32) and exp(-2048)
_P2 = (
    3.23774891776946035970e0,
    6.91522889068984211695e0,
    3.93881025292474443415e0,
    1.33303460815807542389e0,
    2.01485389549179081538e-1,
    1.23716634817820021358e-2,
    3.01581553508235416007e-4,
    2.65806974686737550832e-6,
    6.23974539184983293730e-9,
)
_Q2 = (
    6.02427039364742014255e0,
    3.67983563856160859403e0,
    1.37702099489081330271e0,
    2.16236993594496635890e-1,
    1.34204006088543189037e-2,
    3.28014464682127739104e-4,
    2.89247864745380683936e-6,
    6.79019408009981274425e-9,
)
_SQRT2PI = 2.50662827463100050242e0
_EXP_M2 = 0.13533528323661269189  # exp(-2)


# The coefficients are tuples, so that each Horner loop is unrolled with its constants in the code (35-40% faster
# than a loop over an array, the same operations in the same order).


@njit(cache=True, inline="always")
def _polevl(x: float, coef: tuple[float, ...]) -> float:
    """``coef[0]·x^N + ... + coef[N]`` by Horner's rule (Cephes ``polevl``)."""
    ans = coef[0]
    for k in range(1, len(coef)):
        ans = ans * x + coef[k]
    return ans


@njit(cache=True, inline="always")
def _p1evl(x: float, coef: tuple[float, ...]) -> float:
    """``x^N + coef[0]·x^(N-1) + ... + coef[N-1]``: ``polevl`` with a leading coefficient 1 (Cephes ``p1evl``)."""
    ans = x + coef[0]
    for k in range(1, len(coef)):
        ans = ans * x + coef[k]
    return ans


@njit(cache=True, inline="always", error_model="numpy")
def _central(y0: float) -> float:
    """``x = sqrt(2π)·(w + w³ R(w²)/S(w²))``, ``w = y0 - 0.5``: the central region, ``exp(-2) < y0 <= 1 - exp(-2)``."""
    y = y0 - 0.5
    y2 = y * y
    x = y + y * (y2 * _polevl(y2, _P0) / _p1evl(y2, _Q0))
    return x * _SQRT2PI


@njit(cache=True, inline="always", error_model="numpy")
def _tail(x: float, log_x: float) -> float:
    """``x - log(x)/x - (1/x) P(1/x)/Q(1/x)`` at ``x = sqrt(-2 log y)`` (given with its ``log``): the lower tail's
    ``|Φ⁻¹(y)|``, ``y <= exp(-2)``; the first rational function below ``x = 8``, the second above."""
    x0 = x - log_x / x
    z = 1.0 / x
    # x < 8: y > exp(-32)
    return x0 - z * _polevl(z, _P1) / _p1evl(z, _Q1) if x < 8.0 else x0 - z * _polevl(z, _P2) / _p1evl(z, _Q2)


@njit(cache=True, error_model="numpy")
def ndtri(y0: float) -> float:
    """The ``x`` with ``Φ(x) = y0``: -inf at 0, +inf at 1, NaN outside [0, 1]."""
    if y0 == 0.0:
        return -math.inf
    if y0 == 1.0:
        return math.inf
    if y0 < 0.0 or y0 > 1.0 or y0 != y0:
        return math.nan
    negate = True
    y = y0
    if y > 1.0 - _EXP_M2:
        y = 1.0 - y
        negate = False
    if y > _EXP_M2:
        return _central(y)
    x = math.sqrt(-2.0 * log(y))
    x = _tail(x, log(x))
    return -x if negate else x


@njit(cache=True, error_model="numpy")
def _central_pass(y: np.ndarray, out: np.ndarray) -> None:
    for k in range(y.size):
        out[k] = _central(y[k])


@njit(cache=True, error_model="numpy")
def _tail_pass(y: np.ndarray, out: np.ndarray, usual: np.ndarray) -> None:
    for k in range(y.size):
        log_y, ok_y = log_main(y[k])
        x = math.sqrt(-2.0 * log_y)
        log_x, ok_x = log_main(x)
        out[k] = _tail(x, log_x)
        usual[k] = ok_y & ok_x & (x < 8.0)


@njit(cache=True, error_model="numpy")
def ndtri_array(y: np.ndarray, out: np.ndarray, work: np.ndarray, where: np.ndarray, usual: np.ndarray) -> None:
    """``out[k] = ndtri(y[k])`` for every ``k`` of the 1-D arrays: the same doubles, two to three times faster.

    A loop calling ``ndtri`` waits on each draw's chain of dependent divisions and mispredicts which region the draw
    is in. Loops without branches compile to SIMD instructions and overlap those latencies: the central formula for
    every element first, then the tails (a quarter of uniform draws) gathered and computed together, with the model's
    ``log`` in its branch-free form (``elementary.log_main``). Whatever that form flags (0, 1, NaN, subnormals, a
    mantissa within 2^-20 of a power of two, ``y < exp(-32)``) is recomputed by ``ndtri`` itself.

    Work space, so that a kernel calling this block by block allocates nothing: ``work`` at least ``2·len(y)``
    doubles, ``where`` at least ``len(y)`` int64, ``usual`` at least ``len(y)`` booleans. ``out`` must not overlap
    ``y`` (the tails are read from ``y`` after the central pass has written ``out``).
    """
    n = y.size
    _central_pass(y, out)
    # The tails are gathered and their signs set without branches on the draw: which tail a draw is in is a coin
    # toss, and a branch on it was mispredicted every other time. Each index is written, and counted only if it is a
    # tail; the upper tail's ``1 - y`` and its positive sign are chosen with bit masks (the same doubles).
    tails = 0
    upper = 1.0 - _EXP_M2
    for k in range(n):
        y0 = y[k]
        where[tails] = k
        tails += np.int64(not (y0 > _EXP_M2 and y0 <= upper))  # not where ``ndtri`` takes its central formula
    low, value = work[:tails], work[n : n + tails]
    for q in range(tails):
        y0 = y[where[q]]
        in_upper = -np.int64(y0 > upper)  # all ones in the upper tail, else 0
        low[q] = _double((_bits(1.0 - y0) & in_upper) | (_bits(y0) & ~in_upper))
    _tail_pass(low, value, usual[:tails])
    for q in range(tails):
        k = where[q]
        y0 = y[k]
        if usual[q] and y0 > 0.0 and y0 < 1.0 and low[q] <= _EXP_M2:
            out[k] = _double(_bits(value[q]) ^ (np.int64(y0 <= upper) << 63))  # -value below: its sign bit flipped
        else:
            out[k] = ndtri(y0)


def ndtri_of(y) -> np.ndarray:
    """``ndtri`` of every element of ``y`` (any shape), by ``ndtri_array``."""
    a = np.asarray(y, dtype=np.float64)
    flat = np.ascontiguousarray(a).reshape(-1)
    out = np.empty(flat.size)
    ndtri_array(flat, out, np.empty(2 * flat.size), np.empty(flat.size, np.int64), np.empty(flat.size, np.bool_))
    return out.reshape(a.shape)
