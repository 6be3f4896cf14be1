"""Elementary functions that give the same doubles on every machine: ``exp``, ``log`` and what the model builds on
them (``log1p``, ``power``, ``exp2``, ``logistic``, ``logit``).

Why the model does not call numpy's or the C library's. Both pick an implementation by the processor they run on:
numpy's ``tanh``, ``exp`` and ``log`` have AVX-512, AVX2 and baseline versions, and the C library (glibc) has FMA
and non-FMA versions of ``exp``, ``log``, ``pow``, ``log1p``, ``expm1`` and ``tanh``. They agree to an ulp or so,
not bit for bit (on a machine with AVX-512, numpy's ``tanh`` differs from the C library's in about a quarter of
inputs), so the same config and seed gave different result files on machines with different processors.

These are compiled from the IEEE operations (+, -, ×, ÷, exactly rounded everywhere) and from exact bit
manipulation. Numba compiles them without ``fastmath``, so nothing is reassociated or fused into an FMA; the
tests check that the results do not change when numpy's SIMD dispatch, glibc's FMA variants or Numba's target
processor change.

``exp`` and ``log`` are ports of FDLIBM's ``e_exp.c`` and ``e_log.c`` (Sun Microsystems, 1993; error below 1 ulp),
whose notice reads: "Developed at SunSoft, a Sun Microsystems, Inc. business. Permission to use, copy, modify, and
distribute this software is freely granted, provided that this notice is preserved." Each scalar function has an
array form (a compiled loop over the same scalar code) for the model's numpy stages; the equation is written once.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, types
from numba.extending import intrinsic


@intrinsic
def _bits(typingctx, x):
    """The IEEE-754 bit pattern of a double, as an int64 (a bit cast: no conversion)."""
    signature = types.int64(types.float64)

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return signature, codegen


@intrinsic
def _double(typingctx, bits):
    """The double whose IEEE-754 bit pattern is ``bits`` (int64)."""
    signature = types.float64(types.int64)

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return signature, codegen


@njit(cache=True, inline="always")
def _high(x: float) -> int:
    """FDLIBM's ``__HI(x)``: the sign, exponent and top 20 mantissa bits, as a signed 32-bit value."""
    hx = (_bits(x) >> 32) & 0xFFFFFFFF
    return hx - (1 << 32) if hx >= (1 << 31) else hx


@njit(cache=True, inline="always")
def _with_high(x: float, high: int) -> float:
    """FDLIBM's ``SET_HIGH_WORD``: ``x`` with its high 32 bits replaced."""
    return _double(((high & 0xFFFFFFFF) << 32) | (_bits(x) & 0xFFFFFFFF))


@njit(cache=True, inline="always")
def _two_to(k: int) -> float:
    """``2^k`` for a normal exponent, ``-1022 <= k <= 1023``, exactly."""
    return _double((k + 1023) << 52)


_LN2_HI = (6.93147180369123816490e-01, -6.93147180369123816490e-01)
_LN2_LO = (1.90821492927058770002e-10, -1.90821492927058770002e-10)
_LN2_HI0, _LN2_LO0 = _LN2_HI[0], _LN2_LO[0]
_HALF = (0.5, -0.5)
_INV_LN2 = 1.44269504088896338700e00
_P1 = 1.66666666666666019037e-01
_P2 = -2.77777777770155933842e-03
_P3 = 6.61375632143793436117e-05
_P4 = -1.65339022054652515390e-06
_P5 = 4.13813679705723846039e-08
_EXP_OVERFLOW = 7.09782712893383973096e02
_EXP_UNDERFLOW = -7.45133219101941108420e02
_TWO_M1000 = 9.33263618503218878990e-302  # 2^-1000


@njit(cache=True, error_model="numpy")
def exp(x: float) -> float:
    """``e^x`` (FDLIBM ``__ieee754_exp``): ``x = k·ln2 + r`` with ``|r| <= ln2/2``, ``e^r`` from a degree-5 Remez
    rational form, then scaled by ``2^k``. Error below 1 ulp; ``inf`` above 709.78, ``0`` below -745.13."""
    hx = _high(x)
    sign = (hx >> 31) & 1
    hx &= 0x7FFFFFFF
    if hx >= 0x40862E42:  # |x| >= 709.78, or NaN
        if hx >= 0x7FF00000:
            if x != x:
                return x + x
            return 0.0 if sign else x  # exp(+-inf) = inf, 0
        if x > _EXP_OVERFLOW:
            return math.inf
        if x < _EXP_UNDERFLOW:
            return 0.0
    k = 0
    hi = 0.0
    lo = 0.0
    if hx > 0x3FD62E42:  # |x| > ln2/2
        if hx < 0x3FF0A2B2:  # and < 1.5 ln2
            hi = x - _LN2_HI[sign]
            lo = _LN2_LO[sign]
            k = 1 - sign - sign
        else:
            k = int(_INV_LN2 * x + _HALF[sign])
            t = float(k)
            hi = x - t * _LN2_HI[0]
            lo = t * _LN2_LO[0]
        x = hi - lo
    elif hx < 0x3E300000:  # |x| < 2^-28
        return 1.0 + x
    t = x * x
    c = x - t * (_P1 + t * (_P2 + t * (_P3 + t * (_P4 + t * _P5))))
    if k == 0:
        return 1.0 - ((x * c) / (c - 2.0) - x)
    y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi)
    if k >= -1021:
        if k == 1024:
            return y * 2.0 * _two_to(1023)
        return y * _two_to(k)
    return y * _two_to(k + 1000) * _TWO_M1000


_TWO54 = 1.80143985094819840000e16
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01


@njit(cache=True, inline="always")
def _reduce(x: float, k: int) -> tuple[int, int, float]:
    """FDLIBM's argument reduction of a positive normal finite ``x``: ``x = 2^k·(1 + f)`` with ``sqrt(2)/2 < 1 + f <
    sqrt(2)``; returns ``k`` (added to the ``k`` given), the high mantissa bits of ``x`` and ``f``."""
    hx = _high(x)
    k += (hx >> 20) - 1023
    hx &= 0x000FFFFF
    i = (hx + 0x95F64) & 0x100000
    x = _with_high(x, hx | (i ^ 0x3FF00000))  # normalise x or x/2
    k += i >> 20
    return k, hx, x - 1.0


@njit(cache=True, inline="always")
def _near_one(hx: int) -> bool:
    """Whether ``-2^-20 <= f < 2^-20`` (from the high mantissa bits): FDLIBM's short series applies."""
    return (0x000FFFFF & (2 + hx)) < 3


@njit(cache=True, inline="always", error_model="numpy")
def _log_reduced(k: int, hx: int, f: float) -> float:
    """``ln(2^k·(1 + f)) = k·ln2 + ln(1 + f)``, ``ln(1 + f) = 2s + 2s³/3 + ...`` with ``s = f/(2 + f)`` from a
    degree-14 Remez polynomial in ``s`` (FDLIBM), for ``|f| >= 2^-20``."""
    s = f / (2.0 + f)
    dk = float(k)
    z = s * s
    i = hx - 0x6147A
    w = z * z
    j = 0x6B851 - hx
    t1 = w * (_LG2 + w * (_LG4 + w * _LG6))
    t2 = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7)))
    i |= j
    r = t2 + t1
    # FDLIBM branches on i > 0 (f far from 0.4) and on k == 0; both forms are computed and one is selected, as
    # a mantissa-dependent branch is mispredicted half the time (the same doubles, a third faster on random input)
    hfsq = 0.5 * f * f
    near = hfsq - s * (hfsq + r) if i > 0 else s * (f - r)
    if k == 0:
        return f - near
    scaled = hfsq - (s * (hfsq + r) + dk * _LN2_LO0) if i > 0 else s * (f - r) - dk * _LN2_LO0
    return dk * _LN2_HI0 - (scaled - f)


@njit(cache=True, error_model="numpy")
def log(x: float) -> float:
    """``ln x`` (FDLIBM ``__ieee754_log``): ``x = 2^k·(1 + f)`` with ``sqrt(2)/2 < 1 + f < sqrt(2)``, then
    ``ln(1 + f) = 2s + 2s³/3 + ...`` with ``s = f/(2 + f)`` from a degree-14 Remez polynomial in ``s``. Error below
    1 ulp; ``-inf`` at 0, NaN below 0."""
    hx = _high(x)
    lx = _bits(x) & 0xFFFFFFFF
    k = 0
    if hx < 0x00100000:  # x < 2^-1022
        if ((hx & 0x7FFFFFFF) | lx) == 0:
            return -math.inf
        if hx < 0:
            return math.nan
        k -= 54
        x *= _TWO54  # subnormal: scale up
        hx = _high(x)
    if hx >= 0x7FF00000:
        return x + x
    k, hx, f = _reduce(x, k)
    if _near_one(hx):  # -2^-20 <= f < 2^-20
        if f == 0.0:
            if k == 0:
                return 0.0
            dk = float(k)
            return dk * _LN2_HI0 + dk * _LN2_LO0
        r = f * f * (0.5 - 0.33333333333333333 * f)
        if k == 0:
            return f - r
        dk = float(k)
        return dk * _LN2_HI0 - ((r - dk * _LN2_LO0) - f)
    return _log_reduced(k, hx, f)


@njit(cache=True, inline="always", error_model="numpy")
def log_main(x: float) -> tuple[float, bool]:
    """``(ln x, True)`` when ``x`` is a positive normal finite double whose mantissa is not within ``2^-20`` of a power
    of two, the same double ``log`` gives; ``(anything, False)`` otherwise (call ``log`` then).

    Branch-free, so that a loop over an array of it compiles to SIMD instructions (``ndtri.ndtri_array``): the special
    cases are the caller's, flagged rather than branched on."""
    hx = _high(x)
    usual = (hx >= 0x00100000) & (hx < 0x7FF00000)
    k, hm, f = _reduce(x, 0)
    return _log_reduced(k, hm, f), usual & (not _near_one(hm))


_LN2 = 6.93147180559945286227e-01  # ln 2, rounded


@njit(cache=True, error_model="numpy")
def log1p(x: float) -> float:
    """``ln(1 + x)``, accurate for small ``x``: ``ln(u)·x/(u - 1)`` with ``u = 1 + x`` rounded, which cancels the
    rounding of ``u`` (Goldberg 1991, Theorem 4; Kahan). A few ulps at most."""
    u = 1.0 + x
    if u == 1.0:
        return x
    if u == math.inf or u <= 0.0:
        return log(u)
    return log(u) * x / (u - 1.0)


@njit(cache=True, error_model="numpy")
def power(x: float, y: float) -> float:
    """``x^y`` for ``x >= 0`` (``x^0 = 1``; ``0^y = 0`` for ``y > 0``).

    A whole ``|y| <= 64`` by repeated squaring (at most 12 roundings: ``10^32`` and ``(1 - p)^2`` come out as the
    correctly rounded values); any other ``y`` as ``e^(y·ln x)``, whose relative error grows with ``|y·ln x|``:
    about ``|y·ln x|·2^-53``.
    """
    if y == 0.0:
        return 1.0
    if x == 0.0:
        return 0.0 if y > 0.0 else math.inf
    if y == math.floor(y) and abs(y) <= 64.0:
        n = int(abs(y))
        base = x
        result = 1.0
        while n > 0:
            if n & 1:
                result *= base
            n >>= 1
            if n > 0:
                base *= base
        return result if y > 0.0 else 1.0 / result
    return exp(y * log(x))


@njit(cache=True, error_model="numpy")
def exp2(y: float) -> float:
    """``2^y`` as ``e^(y·ln 2)``: the decay factor ``2^(-1/half-life)``."""
    return exp(y * _LN2)


@njit(cache=True, error_model="numpy")
def logistic(x: float) -> float:
    """``σ(x) = 1/(1 + e^-x)``, in [0, 1] for every ``x`` (0 below -745, 1 above 37); NaN stays NaN."""
    return 1.0 / (1.0 + exp(-x))


@njit(cache=True, error_model="numpy")
def logit(p: float) -> float:
    """``ln(p/(1 - p))``, the inverse of ``logistic`` on (0, 1): ``ln p - ln(1 - p)``."""
    return log(p) - log1p(-p)


# Array forms: one compiled loop applies the scalar function named by ``kind`` (numpy ufuncs built with
# ``numba.vectorize`` would do the same, but each costs 60-100 ms to load from the cache in every new process).
_EXP, _LOG, _LOG1P, _EXP2, _LOGISTIC, _LOGIT = range(6)


@njit(cache=True, error_model="numpy")
def _unary(x, out, kind):
    for k in range(x.size):
        v = x[k]
        if kind == _EXP:
            out[k] = exp(v)
        elif kind == _LOG:
            out[k] = log(v)
        elif kind == _LOG1P:
            out[k] = log1p(v)
        elif kind == _EXP2:
            out[k] = exp2(v)
        elif kind == _LOGISTIC:
            out[k] = logistic(v)
        else:
            out[k] = logit(v)


@njit(cache=True, error_model="numpy")
def _power(x, y, out):
    for k in range(x.size):
        out[k] = power(x[k], y[k])


def _apply(kind: int, x):
    """The scalar function ``kind`` of every element of ``x``: an array of ``x``'s shape (a scalar for a scalar)."""
    a = np.asarray(x, dtype=np.float64)
    flat = np.ascontiguousarray(a).reshape(-1)
    out = np.empty(flat.size)
    _unary(flat, out, kind)
    return out.reshape(a.shape)[()]


def exp_array(x):
    return _apply(_EXP, x)


def log_array(x):
    return _apply(_LOG, x)


def log1p_array(x):
    return _apply(_LOG1P, x)


def exp2_array(x):
    return _apply(_EXP2, x)


def logistic_array(x):
    return _apply(_LOGISTIC, x)


def logit_array(x):
    return _apply(_LOGIT, x)


def binary_array(loop, x, y):
    """A compiled elementwise loop ``loop(x_flat, y_flat, out_flat)`` over ``x`` and ``y`` broadcast against each
    other: an array of the broadcast shape (a scalar for scalars)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    shape = np.broadcast_shapes(x.shape, y.shape)
    a, b = np.broadcast_to(x, shape), np.broadcast_to(y, shape)
    out = np.empty(a.size)
    loop(np.ascontiguousarray(a).reshape(-1), np.ascontiguousarray(b).reshape(-1), out)
    return out.reshape(shape)[()]


def power_array(x, y):
    """``power`` elementwise, ``x`` and ``y`` broadcast against each other."""
    return binary_array(_power, x, y)
