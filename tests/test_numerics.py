"""The model's own exp, log and inverse normal CDF (``sim.numerics``): accurate, and the same bits on every machine.

Accuracy is checked against 60-digit decimal arithmetic (Python's ``decimal``); machine independence by running the
model in fresh processes with numpy's SIMD loops, the C library's FMA variants and Numba's target processor changed,
which before ``sim.numerics`` changed the model's results in their last bits.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from decimal import Decimal, localcontext
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.numerics import elementary as E  # noqa: N812 (E.exp, E.log read as the functions they are)
from sim.numerics.ndtri import ndtri, ndtri_of

ROOT = Path(__file__).resolve().parents[1]


def _ulps(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Distance in units in the last place between doubles of one sign (0 for equal bits)."""
    ia, ib = np.asarray(a, float).view(np.int64), np.asarray(b, float).view(np.int64)
    ia = np.where(ia < 0, np.int64(-(2**63)) - ia, ia)
    ib = np.where(ib < 0, np.int64(-(2**63)) - ib, ib)
    return np.abs(ia - ib)


def _reference(f, xs: np.ndarray) -> np.ndarray:
    """``f`` of each double in 60-digit decimal arithmetic, rounded once to a double."""
    with localcontext() as ctx:
        ctx.prec, ctx.Emin, ctx.Emax = 60, -999_999, 999_999
        return np.array([float(f(Decimal(float(x)))) for x in xs])


_GEN = np.random.default_rng(20261201)


def test_exp_is_within_one_ulp_of_the_exact_value():
    x = np.concatenate(
        [
            _GEN.uniform(-745.0, 709.7, 3000),  # the whole finite range, subnormal results included
            _GEN.normal(0.0, 1.0, 3000),  # the model's log-odds and rates
            _GEN.normal(0.0, 1e-9, 300),  # |x| < 2^-28: 1 + x
            [0.5 * math.log(2), 1.5 * math.log(2), -0.5 * math.log(2), 709.78, -745.13, 1e-300],
        ]
    )
    assert _ulps(E.exp_array(x), _reference(lambda d: d.exp(), x)).max() <= 1


def test_log_is_within_one_ulp_of_the_exact_value():
    x = np.concatenate(
        [
            np.exp(_GEN.uniform(-744.0, 709.0, 3000)),  # subnormals to the largest doubles
            _GEN.uniform(0.5, 2.0, 3000),  # both sides of 1, and the branch at 1 + f near 1.4
            1.0 + _GEN.normal(0.0, 1e-7, 300),  # |f| < 2^-20
            [5e-324, 1e-310, 2.0**-1022, 1.0 + 2**-52, 1.0 - 2**-53, 2.0, 1e308],
        ]
    )
    assert _ulps(E.log_array(x), _reference(lambda d: d.ln(), x)).max() <= 1


def test_log1p_logistic_and_logit_are_within_two_ulps():
    x = np.concatenate([_GEN.uniform(-0.999, 10.0, 2000), _GEN.normal(0.0, 1e-6, 300)])
    assert _ulps(E.log1p_array(x), _reference(lambda d: (1 + d).ln(), x)).max() <= 2
    y = _GEN.normal(0.0, 10.0, 2000)
    assert _ulps(E.logistic_array(y), _reference(lambda d: 1 / (1 + (-d).exp()), y)).max() <= 2
    p = _GEN.uniform(1e-6, 1 - 1e-6, 2000)
    exact = _reference(lambda d: (d / (1 - d)).ln(), p)
    terms = np.maximum(np.abs(np.log(p)), np.abs(np.log1p(-p)))  # ln p - ln(1 - p) cancels near p = 1/2
    assert np.all(np.abs(E.logit_array(p) - exact) <= 2 * np.spacing(terms))


def test_special_values():
    assert E.exp(0.0) == 1.0 and E.exp(math.inf) == math.inf and E.exp(-math.inf) == 0.0
    assert E.exp(710.0) == math.inf and E.exp(-746.0) == 0.0 and math.isnan(E.exp(math.nan))
    assert E.exp(-745.1) == 5e-324  # the smallest subnormal
    assert E.log(1.0) == 0.0 and E.log(0.0) == -math.inf and E.log(-0.0) == -math.inf
    assert math.isnan(E.log(-1.0)) and math.isnan(E.log(math.nan)) and E.log(math.inf) == math.inf
    assert E.log1p(-1.0) == -math.inf and E.log1p(1e-300) == 1e-300
    assert E.logistic(0.0) == 0.5 and E.logistic(-800.0) == 0.0 and E.logistic(800.0) == 1.0
    assert math.isnan(E.logistic(math.nan))
    assert E.power(3.0, 0.0) == 1.0 and E.power(0.0, 2.0) == 0.0 and E.power(0.0, -1.0) == math.inf


def test_whole_powers_are_the_rounded_products():
    assert E.power(10.0, 32.0) == 1e32 and E.power(2.0, 3.0) == 8.0 and E.power(2.0, -2.0) == 0.25
    for base in _GEN.uniform(0.0, 1.0, 200):
        assert E.power(base, 2.0) == base * base
        assert E.power(base, 3.0) == base * (base * base)
    assert E.power(2.0, 0.5) == pytest.approx(math.sqrt(2.0), rel=2e-16)
    assert E.exp2(-1.0 / 6.0) == pytest.approx(2.0 ** (-1.0 / 6.0), rel=2e-16)


@given(st.floats(-1e6, 1e6, allow_nan=False), st.floats(-1e6, 1e6, allow_nan=False))
def test_logistic_is_a_probability_and_monotone(a, b):
    lo, hi = sorted((a, b))
    assert 0.0 <= E.logistic(lo) <= E.logistic(hi) <= 1.0


@given(st.floats(1e-300, 1e300))
def test_exp_inverts_log(x):
    assert E.exp(E.log(x)) == pytest.approx(x, rel=1e-12)


def test_the_array_forms_are_the_scalar_functions():
    x = np.concatenate([_GEN.normal(0.0, 20.0, 500), [0.0, -0.0, math.inf, -math.inf, math.nan]])
    for array, scalar in ((E.exp_array, E.exp), (E.logistic_array, E.logistic)):
        assert np.array_equal(array(x), np.array([scalar(v) for v in x]), equal_nan=True)
    positive = np.abs(x)
    for array, scalar in ((E.log_array, E.log), (E.log1p_array, E.log1p), (E.exp2_array, E.exp2)):
        assert np.array_equal(array(positive), np.array([scalar(v) for v in positive]), equal_nan=True)


def _ndtri_each(y: np.ndarray) -> np.ndarray:
    return np.array([ndtri(v) for v in y])


def test_ndtri_array_is_ndtri_bit_for_bit():
    """The array form (central formula for all, then the tails together, ``log_main``) gives ``ndtri``'s doubles:
    the draws the model makes (open-unit midpoints), deep tails down to subnormals, the region boundaries, the
    inputs ``log_main`` flags and the special values; on arrays of one element up to more than a block."""
    midpoints = (np.floor(_GEN.random(400_000) * 2.0**53) + 0.5) / 2.0**53
    edge = float(np.exp(-2.0))
    special = [
        0.0,
        1.0,
        0.5,
        edge,
        np.nextafter(edge, 1.0),
        np.nextafter(edge, 0.0),
        1.0 - edge,
        np.nextafter(1.0 - edge, 0.0),
        np.nextafter(1.0 - edge, 1.0),
        5e-324,
        1e-310,
        2.0**-1022,
        math.exp(-32.0),
        np.nextafter(math.exp(-32.0), 0.0),
        0.125,
        0.25,
        0.125 * (1.0 + 2.0**-30),
        0.25 * (1.0 - 2.0**-40),
        2.0**-53,
        1.0 - 2.0**-53,
        math.nan,
        -0.0,
        -1.0,
        2.0,
        math.inf,
        -math.inf,
    ]
    y = np.concatenate(
        [
            midpoints,
            np.exp(-_GEN.uniform(0.0, 745.0, 20_000)),  # lower tail, both rational functions, subnormals
            1.0 - np.exp(-_GEN.uniform(0.0, 37.0, 20_000)),  # upper tail
            special,
        ]
    )
    expected = _ndtri_each(y)
    assert np.array_equal(ndtri_of(y).view(np.int64), expected.view(np.int64))
    for size in (1, 2, 7, 1024, 1025):
        assert np.array_equal(ndtri_of(y[-size:]).view(np.int64), expected[-size:].view(np.int64))


@given(st.lists(st.floats(-0.5, 1.5), min_size=1, max_size=40))
def test_ndtri_array_is_ndtri_on_any_input(values):
    y = np.array(values)
    assert np.array_equal(ndtri_of(y).view(np.int64), _ndtri_each(y).view(np.int64))


def test_log_main_is_log_where_it_says_so():
    """``log_main``'s value is ``log``'s double whenever it reports it usable, and it reports every case whose path
    differs: zero, negatives, subnormals, infinities, NaN and mantissas within 2^-20 of a power of two."""
    from numba import njit

    @njit
    def both(x):
        value, usual = np.empty(x.size), np.empty(x.size, np.bool_)
        for k in range(x.size):
            value[k], usual[k] = E.log_main(x[k])
        return value, usual

    x = np.concatenate([np.exp(_GEN.uniform(-700.0, 700.0, 200_000)), _GEN.random(100_000)])
    value, usual = both(x)
    assert usual.mean() > 0.999
    assert np.array_equal(value[usual].view(np.int64), E.log_array(x[usual]).view(np.int64))
    flagged = np.array(
        [0.0, -0.0, -1.0, 5e-324, 1e-310, math.inf, math.nan, 1.0, 2.0, 0.5, 1.0 + 2.0**-30, 4.0 * (1.0 - 2.0**-40)]
    )
    assert not both(flagged)[1].any()


# ---- the same bits on every machine ----------------------------------------------------------------------------

_DIGEST = """
import hashlib, json, pathlib, runpy, sys
import numpy as np
from sim.config import compose_config, to_container
from sim.model import RelationsModel
digest = hashlib.sha256()
for overrides, settings in (([], {"record_salient": 3, "salience_power": 8.0}), (["mode=forced"], {})):
    model = RelationsModel(to_container(compose_config(overrides)), replicates=6, rng=11, **settings).run()
    arrays = dict(model.history)
    if model.salient is not None:
        arrays["salient"], arrays["salient_key"] = model.salient, model.salient_key
    for name in sorted(arrays):
        digest.update(name.encode() + np.ascontiguousarray(arrays[name]).tobytes())
# a Sobol sweep through its real script, in this process (one start-up for both checks)
out = pathlib.Path(sys.argv[1])
sys.argv = ["sweep.py", "sweep=sobol_behaviour", "sweep.points=8", "sweep.replicates=1", "workers=1",
            "report.figures=false", f"paths.output={out}"]
try:
    runpy.run_path("experiments/sweep.py", run_name="__main__")
except SystemExit as stop:
    assert not stop.code, stop.code
(manifest,) = out.rglob("manifest.json")
print(json.dumps({"model": digest.hexdigest(), **json.loads(manifest.read_text())["files"]}))
"""
# numpy's tanh and the C library's exp (through Python's math) over a grid: the functions the perturbations switch
_TANH = "import hashlib, numpy as np; print(hashlib.sha256(np.tanh(np.linspace(-5, 5, 100001)).tobytes()).hexdigest())"
_EXP = (
    "import hashlib, math; "
    "print(hashlib.sha256(str([math.exp(k / 977) for k in range(-50000, 50000)]).encode()).hexdigest())"
)
_FEATURES = (
    "import numpy; f = numpy._core._multiarray_umath.__cpu_features__; print(f['X86_V3'] or f['X86_V4'], f['FMA3'])"
)
_BASELINE_NUMPY = {"NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"}
_NO_FMA = {"GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA"}


def _python(code: str, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.slow
def test_results_do_not_depend_on_numpys_simd_loops_or_the_c_librarys_fma(tmp_path):
    """With numpy's baseline loops instead of AVX2/AVX-512 and the C library's non-FMA variants, the same bytes: the
    model's history, salient record (ω = 8) and a forced-mode run, and every result file of a Sobol sweep made by
    its script (outcomes, points, SALib's indices with their SciPy intervals, the report), what a user compares
    with ``reproduce.py``. Before ``sim.numerics`` both switches changed the history, and the sweep's outcomes,
    points, indices and report."""
    here, there = (  # the last line: the sweep script prints its own lines first
        json.loads(_python(_DIGEST, {"PYTHONHASHSEED": "0", **env}, str(tmp_path / name)).splitlines()[-1])
        for name, env in (("here", {}), ("there", {**_BASELINE_NUMPY, **_NO_FMA}))
    )
    assert len(here) >= 5
    assert {name for name in here if here[name] != there.get(name)} == set()


_NUMERICS = """
import hashlib, numpy as np
from sim.numerics import elementary as E
from sim.numerics.ndtri import ndtri, ndtri_of
x = np.linspace(-40.0, 40.0, 20001)
p = (np.arange(20000) + 0.5) / 20000
values = [E.exp_array(x), E.log_array(np.abs(x)), E.log1p_array(np.abs(x)), E.logistic_array(x), E.logit_array(p),
          E.power_array(p, 8.0), E.power_array(p, 2.5), E.exp2_array(-1.0 / (1.0 + np.abs(x))),
          np.array([ndtri(v) for v in p]), np.array([ndtri(v) for v in p ** 9]), ndtri_of(p), ndtri_of(p ** 9)]
print(hashlib.sha256(np.concatenate(values).tobytes()).hexdigest())
"""


@pytest.mark.slow
def test_the_functions_do_not_depend_on_numbas_target_processor(tmp_path):
    """Compiled for a generic x86-64 (no AVX, no FMA) instead of this processor, the functions give the same bits: Numba
    compiles them without fast-math, so no multiply-add is fused. (The model's other kernels are arithmetic alone.)"""
    generic = {"NUMBA_CPU_NAME": "generic", "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    assert _python(_NUMERICS, generic) == _python(_NUMERICS, {})


@pytest.mark.slow
def test_the_perturbations_change_what_numpy_and_the_c_library_compute():
    """The test above can fail: on a processor with AVX2 or AVX-512 and FMA (CI's), numpy's own ``tanh`` and the C
    library's ``exp`` give other bits under the same switches, as the model's results did before ``sim.numerics``."""
    simd, fma = _python(_FEATURES, {}).split()
    if simd != "True" or fma != "True":
        pytest.skip(f"this processor has no AVX2/AVX-512 (found: {simd}) or no FMA (found: {fma}): nothing to switch")
    assert _python(_TANH, {}) != _python(_TANH, _BASELINE_NUMPY)
    assert _python(_EXP, {}) != _python(_EXP, _NO_FMA)


def test_no_draws_make_empty_arrays():
    """Zero elements (or zero runs) give empty arrays of the asked shape, as numpy would, in every form."""
    from sim import rng

    streams = rng.Streams(5, np.arange(3))
    assert streams.normal("perception", 0, (0,)).shape == (3, 0)
    assert streams.uniform("perception", 0, (0,)).shape == (3, 0)
    assert streams.normal_flat("perception", 0, np.array([], int), np.array([], int)).shape == (0,)
    assert rng.Streams(5, np.arange(0)).normal("perception", 0, (4,)).shape == (0, 4)
    assert ndtri_of(np.array([])).shape == (0,)


def test_ndtri_is_the_same_function_as_the_streams_use():
    """``rng``'s normals are ``ndtri`` at the draw's open-unit midpoint (a spot check of the wiring)."""
    from sim import rng

    streams = rng.Streams(5, np.arange(3))
    normals = streams.normal("event_noise", 2, (4,))
    count = streams.counter("event_noise", 2)
    words = [[np.uint64(rng.word(key, count, np.uint64(e))) for e in range(4)] for key in streams.keys]
    expected = np.array([[ndtri(rng.open_unit(w)) for w in row] for row in words])
    assert np.array_equal(normals, expected)
