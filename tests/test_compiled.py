"""The compiled event kernel and random numbers compute exactly what the numpy implementation computed.

References: ``scipy.special.ndtri`` for the inverse normal CDF (to a few ulps: the port calls the model's own
``log``, SciPy the C library's), and the vectorised numpy code the kernel replaced (``tests/numpy_reference.py``,
test-only). Equality with the numpy code is bit for bit, so results files made before and after the kernel are
byte-identical. That compiled code is cached on disk and reused by a fresh process is checked by
``tests/test_bench.py`` (bench.py's compile probe counts the kernels each fresh process compiled and loaded).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from scipy import special

from sim import cameo, rng
from sim.mechanisms import elementwise, events, investment, structure, target, trust
from sim.numerics.ndtri import ndtri
from tests import numpy_reference as ref

FAST = {"deadline": None, "database": None}
ROOT = Path(__file__).resolve().parents[1]


@njit
def _ndtri_array(values: np.ndarray) -> np.ndarray:
    out = np.empty_like(values)
    for k in range(values.size):
        out[k] = ndtri(values[k])
    return out


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal bit for bit (NaN equal to NaN, -0.0 distinct from 0.0)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and np.array_equal(a.view(np.int64), b.view(np.int64))


# ---- the inverse normal CDF ----------------------------------------------------------------------------------


def _agrees_with_scipy(compiled: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Within 2e-15 relative (about 9 ulps; measured: 6 ulps, 8.3e-16, where the tails' ``log`` differs from the C
    library's), and identical where either is infinite, zero or NaN."""
    exact = ~np.isfinite(reference) | (reference == 0.0)
    close = np.abs(compiled - reference) <= 2e-15 * np.abs(reference)
    return np.where(exact, (compiled == reference) | (np.isnan(compiled) & np.isnan(reference)), close)


def test_ndtri_agrees_with_scipy_over_millions_of_inputs():
    """Every input the model can draw is a cell midpoint ``(m + 0.5)/2**53``; also the far tails and edges."""
    g = np.random.default_rng(2026)
    y = np.concatenate(
        [
            (g.integers(0, 2**53, 2_000_000).astype(np.float64) + 0.5) * 2.0**-53,  # the model's open-unit draws
            np.exp(-g.uniform(0.0, 745.0, 500_000)),  # lower tail, down to subnormals
            1.0 - np.exp(-g.uniform(0.0, 36.0, 500_000)),  # upper tail
            (np.arange(2**16) + 0.5) * 2.0**-53,
            1.0 - (np.arange(2**16) + 0.5) * 2.0**-53,  # the extreme cells
            [
                0.0,
                1.0,
                -0.0,
                -1e-300,
                1.0 + 2**-52,
                np.nan,
                np.inf,
                5e-324,
                0.5,
                np.exp(-2.0),
                1.0 - np.exp(-2.0),
                np.exp(-32.0),
            ],
        ]
    )
    compiled = _ndtri_array(y)
    mismatched = ~_agrees_with_scipy(compiled, special.ndtri(y))
    assert not mismatched.any(), y[mismatched][:5]
    central = np.abs(y - 0.5) < 0.5 - np.exp(-2.0)  # no log there: the same doubles as SciPy's
    assert _same(compiled[central], special.ndtri(y[central]))


@settings(max_examples=500, **FAST)
@given(y=st.floats(0.0, 1.0, allow_subnormal=True))
def test_ndtri_agrees_with_scipy_on_any_probability(y):
    assert _agrees_with_scipy(np.array([ndtri(y)]), np.array([special.ndtri(y)])).all()


# ---- counter-based draws -------------------------------------------------------------------------------------


@settings(max_examples=60, **FAST)
@given(
    seed=st.integers(0, 2**64 - 1),
    runs=st.lists(st.integers(0, 2**40), min_size=1, max_size=12),
    step=st.integers(0, 5000),
    stream=st.sampled_from(rng.STREAMS),
    size=st.integers(1, 64),
    offset=st.integers(0, 2**20),
)
def test_streams_equal_the_numpy_reference(seed, runs, step, stream, size, offset):
    runs = np.array(runs)
    compiled, reference = rng.Streams(seed, runs), ref.Streams(seed, runs)
    np.testing.assert_array_equal(compiled.keys, reference.keys[:, 0])
    assert _same(compiled.uniform(stream, step, (size,), offset), reference.uniform(stream, step, (size,), offset))
    assert _same(compiled.normal(stream, step, (size,), offset), reference.normal(stream, step, (size,), offset))
    row = np.arange(size) % runs.size
    elements = offset + np.arange(size) * 4099
    assert _same(
        compiled.uniform_flat(stream, step, row, elements), reference.uniform_flat(stream, step, row, elements)
    )
    assert _same(compiled.normal_flat(stream, step, row, elements), reference.normal_flat(stream, step, row, elements))


def test_a_million_normals_equal_the_numpy_reference():
    compiled, reference = rng.Streams(7, np.arange(1000)), ref.Streams(7, np.arange(1000))
    assert _same(compiled.normal("event_noise", 12, (1000,)), reference.normal("event_noise", 12, (1000,)))
    assert _same(compiled.uniform("event_code", 12, (1000,)), reference.uniform("event_code", 12, (1000,)))


# ---- event count and CAMEO coding ----------------------------------------------------------------------------


@settings(max_examples=200, **FAST)
@given(lam=st.floats(0.0, 1000.0), cap=st.integers(0, 300), seed=st.integers(0, 2**32))
def test_poisson_inverse_equals_the_numpy_reference(lam, cap, seed):
    u = np.random.default_rng(seed).random(200)
    u[:3] = (0.0, np.exp(-lam), np.nextafter(1.0, 0.0))
    compiled = np.array([events.poisson_inverse(x, lam, cap) for x in u])
    np.testing.assert_array_equal(compiled, ref.poisson_inverse(u, lam, cap))


@settings(max_examples=200, **FAST)
@given(values=st.lists(st.floats(-7.2, 7.0), min_size=1, max_size=50), seed=st.integers(0, 2**32))
def test_map_unbiased_equals_the_numpy_reference(values, seed):
    value = np.array(values)
    u = np.random.default_rng(seed).random(value.size)
    for compiled, reference in zip(cameo.map_unbiased(value, u), ref.map_unbiased(value, u), strict=True):
        np.testing.assert_array_equal(compiled, reference)


def test_map_unbiased_equals_the_numpy_reference_on_every_tenth_and_a_million_levels():
    g = np.random.default_rng(4)
    ladder, _ = cameo.root_ladder()
    grid = ladder[0] + np.arange(143) / 10.0  # the table's own grid, where rounding decides the rung
    value = np.concatenate([g.uniform(-7.2, 7.0, 1_000_000), grid[grid <= 7.0], ladder, np.nextafter(ladder, 0)])
    value = np.clip(value, ladder[0], ladder[-1])
    u = g.random(value.size)
    for compiled, reference in zip(cameo.map_unbiased(value, u), ref.map_unbiased(value, u), strict=True):
        np.testing.assert_array_equal(compiled, reference)


# ---- the month's events --------------------------------------------------------------------------------------


@settings(max_examples=80, **FAST)
@given(
    seed=st.integers(0, 2**63 - 1),
    n_runs=st.integers(1, 40),
    n=st.integers(2, 6),
    data=st.data(),
    step=st.integers(0, 400),
    lam=st.floats(0.0, 40.0),
    noise=st.floats(0.0, 5.0),
    per_run=st.booleans(),
    level_scale=st.floats(0.0, 12.0),
)
def test_month_events_equal_the_numpy_reference(seed, n_runs, n, data, step, lam, noise, per_run, level_scale):
    """Random batches, countries, months, rates and noise levels (per run or shared): every output identical."""
    source = data.draw(st.integers(0, n - 1))
    g = np.random.default_rng(seed % 2**32)
    runs = g.choice(10**6, n_runs, replace=False)
    level = g.normal(0.0, level_scale, (n_runs, n))  # beyond the ladder too: clipping is part of the kernel
    rate = g.uniform(0.0, lam, (n_runs, 1)) if per_run else np.array([[lam]])
    sigma = g.uniform(0.0, noise, (n_runs, 1)) if per_run else np.array([[noise]])
    slots = events.slots_needed(float(rate.max()))
    total, count, costly, first = events.month_events(rng.Streams(seed, runs), step, source, level, rate, sigma, slots)
    r_total, r_count, r_costly, (r_target, r_k, r_rung, r_tie) = ref.month_events(
        ref.Streams(seed, runs), step, source, level, rate, sigma, slots
    )
    assert _same(total, r_total)
    np.testing.assert_array_equal(count, r_count)
    np.testing.assert_array_equal(costly, r_costly)
    logged = np.argwhere(first[..., 0] >= 0)
    np.testing.assert_array_equal(logged, np.column_stack([r_target, r_k]).reshape(-1, 2))
    np.testing.assert_array_equal(first[logged[:, 0], logged[:, 1]], np.column_stack([r_rung, r_tie]))


def test_month_events_of_a_run_do_not_depend_on_its_batch():
    """A run alone or anywhere in a batch of several blocks of runs (``events.RUN_BLOCK_DRAWS``): the same events."""
    runs, slots = 200, 20
    assert runs > 3 * (events.RUN_BLOCK_DRAWS // (4 * slots))  # the batch spans at least four blocks
    level = np.random.default_rng(1).normal(0.0, 3.0, (runs, 4))
    rate, sigma = np.array([[6.0]]), np.array([[1.0]])
    whole = events.month_events(rng.Streams(9, np.arange(runs)), 17, 2, level, rate, sigma, slots)
    for k in (0, 12, 50, 51, 52, 150, 199):
        alone = events.month_events(rng.Streams(9, np.arange(k, k + 1)), 17, 2, level[k : k + 1], rate, sigma, slots)
        for a, b in zip(whole[:3], alone[:3], strict=True):
            np.testing.assert_array_equal(a[k : k + 1], b)


# ---- compiled once, cached on disk: tests/test_bench.py (bench.py compiles every kernel the model calls in a
# fresh process with an empty cache, then loads every one of them in the next) ----------------------------------


@settings(max_examples=200, **FAST)
@given(
    runs=st.integers(1, 6),
    n=st.integers(1, 6),
    seed=st.integers(0, 2**32),
    zeros=st.floats(0.0, 0.6),
    scale=st.sampled_from([1.0, 1e-300, 1e300]),
)
def test_third_party_terms_equal_the_numpy_reference_bit_for_bit(runs, n, seed, zeros, scale):
    """Balance and wedge, compiled, give the numpy code's doubles, signed zeros included (valences of exactly 0 are
    common: a dyad with no events yet), for any number of runs and countries, and as (N, N) without a run axis."""
    gen = np.random.default_rng(seed)
    x = gen.uniform(-1.0, 1.0, (runs, n, n)) * scale
    x[gen.uniform(size=x.shape) < zeros] = 0.0
    x[gen.uniform(size=x.shape) < zeros / 4] = -0.0
    balance, wedge = structure.third_party_terms(x)
    with np.errstate(over="ignore", invalid="ignore"):  # 1e300 squared: inf, and inf·0 = NaN, in both forms
        want_balance, want_wedge = ref.balance_pressure(x), ref.wedge_incentive(x)
    for got, want in ((balance, want_balance), (wedge, want_wedge)):
        assert got.shape == want.shape
        assert got.tobytes() == want.tobytes()  # bit for bit, the sign of zero too
    assert structure.balance_pressure(x[0]).tobytes() == want_balance[0].tobytes()  # (N, N), no run axis
    assert structure.wedge_incentive(x[0]).tobytes() == want_wedge[0].tobytes()


_ROW_INPUTS = ("affinity", "perceived", "reciprocity", "trust", "rapport", "balance", "wedge", "penalty")
_ROW_INPUTS += ("sanctions_received", "threat_weight", "partner_invests", "investment_flow", "investment_baseline")
_RUN_INPUTS = ("generosity", "trust_weight", "rapport_weight", "balance_weight", "wedge_weight", "resentment")
_RUN_INPUTS += ("threat", "stress", "stress_outreach", "investment_signal", "damping")


@settings(max_examples=200, **FAST)
@given(
    runs=st.integers(1, 5),
    n=st.integers(2, 5),
    seed=st.integers(0, 2**32),
    per_run=st.sets(st.sampled_from(_RUN_INPUTS + _ROW_INPUTS + ("speed", "reference"))),
    zeros=st.floats(0.0, 0.5),
    keep=st.booleans(),
)
def test_decide_row_equals_the_numpy_reference_bit_for_bit(runs, n, seed, per_run, zeros, keep):
    """The compiled S4 decision (``target.decide_row``: the target's terms, their sum and the Richardson step) gives
    the numpy code's doubles for random inputs, each either one value per run (R, 1) or shared by all runs (1, 1)
    and (1, N) per partner, with exact zeros (a dyad without investment, a country without sanctions)."""
    gen = np.random.default_rng(seed)

    def draw(name, low, high, width):
        rows = runs if name in per_run else 1
        a = gen.uniform(low, high, (rows, width))
        a[gen.uniform(size=a.shape) < zeros] = 0.0
        return a

    inputs = {name: draw(name, -8.0, 8.0, n) for name in _ROW_INPUTS}
    inputs.update({name: draw(name, 0.0, 3.0, 1) for name in _RUN_INPUTS})
    inputs["trust"] = np.clip(np.abs(inputs["trust"]) / 8.0, 0.0, 1.0)
    inputs["investment_flow"] = np.abs(inputs["investment_flow"])
    inputs["partner_invests"] = (inputs["partner_invests"] > 0).astype(float)
    i = int(gen.integers(n))
    stock_out, stock_in = gen.uniform(0, 5, (runs, n)), gen.uniform(0, 5, (runs, n))
    reference = np.abs(draw("reference", 0.5, 10.0, 1)) + 0.5  # D0 > 0 (the config requires it)
    intended = gen.uniform(-10, 10, (runs, n))
    speed = draw("speed", 0.0, 1.0, 1)
    kept, want_target, want_intended = ref.decide(i, n, inputs, stock_out, stock_in, reference, intended, speed)

    growth = target.investment_growth(inputs.pop("investment_flow"), inputs.pop("investment_baseline"))
    args = {**inputs, "investment_growth": growth}
    terms_out = np.zeros((len(target.TERMS) if keep else 0, runs, n))
    target_out, intended_out = np.zeros((runs, n)), np.zeros((runs, n))
    order = target.INPUTS[:-2]  # the inputs before interdependence and damping
    target.decide_row(
        i,
        *(args[name] for name in order),
        stock_out,
        stock_in,
        reference,
        args["damping"],
        intended,
        speed,
        terms_out,
        target_out,
        intended_out,
    )
    shape = (runs, n)
    assert target_out.tobytes() == np.broadcast_to(want_target, shape).tobytes()
    assert intended_out.tobytes() == np.broadcast_to(want_intended, shape).tobytes()
    if keep:
        for k, name in enumerate(target.TERMS):
            assert terms_out[k].tobytes() == np.broadcast_to(kept[name], shape).tobytes(), name


def _inputs(gen, runs, n, names, per_run, zeros, low=-8.0, high=8.0, width=None):
    """Random 2-D inputs: (runs, width) where ``per_run`` names them, else (1, width); width n unless given.
    A share ``zeros`` of the values is exactly 0, and a few are -0.0."""
    out = {}
    for name in names:
        a = gen.uniform(low, high, (runs if name in per_run else 1, n if width is None else width))
        a[gen.uniform(size=a.shape) < zeros] = 0.0
        a[gen.uniform(size=a.shape) < zeros / 4] = -0.0
        out[name] = a
    return out


_OBSERVE_ROWS = ("signal", "normal", "rapport", "noise", "log_odds", "penalty", "prior")
_OBSERVE_PARAMS = ("mistrust_bias", "perception_noise", "rapport_clarity", "penalty_scale", "cheap_signal_noise")
_OBSERVE_PARAMS += ("costly_signal_noise", "cost_sensitivity", "signal_separation", "reversion")


@settings(max_examples=200, **FAST)
@given(
    runs=st.integers(1, 5),
    n=st.integers(2, 5),
    seed=st.integers(0, 2**32),
    per_run=st.sets(st.sampled_from((*_OBSERVE_PARAMS, "prior", "shock"))),
    zeros=st.floats(0.0, 0.5),
    update=st.booleans(),
)
def test_observe_column_equals_the_numpy_reference_bit_for_bit(runs, n, seed, per_run, zeros, update):
    """The compiled S6 stage (``trust.observe_column``: perception, costly signals, Bayes, shocks, reversion)
    gives the numpy code's doubles, in the burn-in (readings only) and after it."""
    gen = np.random.default_rng(seed)
    d = _inputs(gen, runs, n, _OBSERVE_ROWS, per_run | set(_OBSERVE_ROWS) - {"prior"}, zeros)
    d.update(_inputs(gen, runs, n, _OBSERVE_PARAMS, per_run, 0.0, 0.2, 3.0, width=1))
    d.update(_inputs(gen, runs, n, ("shock_weight", "shock_weighted_goldstein"), set(), zeros))
    d["observer_trust"] = gen.uniform(0, 1, (runs, n))
    d["rapport"] = np.abs(d["rapport"]) / 8.0
    d["costly"], d["visit"] = gen.uniform(size=(runs, n)) < 0.3, gen.uniform(size=(runs, n)) < 0.3
    j = int(gen.integers(n))
    want_read, want_log_odds = ref.observe(j, n, update, d)
    perceived, log_odds = np.full((runs, n), np.nan), np.full((runs, n), np.nan)
    names = ("signal", "normal", "observer_trust", "rapport", "noise", "mistrust_bias", "perception_noise")
    names += ("rapport_clarity", "log_odds", "costly", "visit", "penalty", "penalty_scale", "cheap_signal_noise")
    names += ("costly_signal_noise", "cost_sensitivity", "signal_separation", "shock_weight")
    names += ("shock_weighted_goldstein", "prior", "reversion")
    trust.observe_column(j, update, *(d[name] for name in names), perceived, log_odds)
    assert perceived.tobytes() == np.broadcast_to(want_read, (runs, n)).tobytes()
    if update:
        assert log_odds.tobytes() == np.broadcast_to(want_log_odds, (runs, n)).tobytes()
    else:
        assert np.isnan(log_odds).all(), "the burn-in leaves trust alone"


_INVEST_ROWS = ("baseline", "busting", "sender_sanctions", "channel_push", "openness", "trust", "rapport")
_INVEST_ROWS += ("host_stress", "own_sanctions", "stock")


@settings(max_examples=200, **FAST)
@given(
    runs=st.integers(1, 5),
    n=st.integers(2, 5),
    seed=st.integers(0, 2**32),
    per_run=st.sets(st.sampled_from((*_INVEST_ROWS, "exposure", "friction", "depreciation"))),
    zeros=st.floats(0.0, 0.5),
)
def test_invest_row_equals_the_numpy_reference_bit_for_bit(runs, n, seed, per_run, zeros):
    """The compiled S5 stage (``investment.invest_row``: effective friction, flow, stock) gives the numpy code's
    doubles, the floors at 0 included (friction above 1, a climate below 0)."""
    gen = np.random.default_rng(seed)
    d = _inputs(gen, runs, n, _INVEST_ROWS, per_run, zeros, -1.0, 2.5)
    d.update(_inputs(gen, runs, n, ("exposure", "friction", "depreciation"), per_run, zeros, 0.0, 1.5, width=1))
    i = int(gen.integers(n))
    want_flow, want_stock = ref.invest(d)
    flow, stock = np.zeros((runs, n)), np.zeros((runs, n))
    names = ("baseline", "busting", "sender_sanctions", "exposure", "channel_push", "openness", "trust", "rapport")
    names += ("host_stress", "friction", "own_sanctions", "stock", "depreciation")
    investment.invest_row(i, *(d[name] for name in names), flow, stock)
    assert flow.tobytes() == np.broadcast_to(want_flow, (runs, n)).tobytes()
    assert stock.tobytes() == np.broadcast_to(want_stock, (runs, n)).tobytes()


_REALISE_ROWS = ("injected_weighted", "sanction_weighted", "injected_weight", "sanction_weight", "scale")


@settings(max_examples=200, **FAST)
@given(
    runs=st.integers(1, 5),
    n=st.integers(2, 5),
    seed=st.integers(0, 2**32),
    per_run=st.sets(st.sampled_from(("scale", "scheduled_weight"))),
    zeros=st.floats(0.0, 0.9),
)
def test_realise_row_equals_the_numpy_reference_bit_for_bit(runs, n, seed, per_run, zeros):
    """The compiled realised NCI (``events.realise_row``: routine, injected and emitted events at their weights,
    0 in a month without events) and the costly flags give what the numpy code gave."""
    gen = np.random.default_rng(seed)
    d = _inputs(gen, runs, n, _REALISE_ROWS, per_run, zeros, 0.0, 3.0)
    d["injected_weighted"] = d["injected_weighted"] * gen.choice([-1.0, 1.0], d["injected_weighted"].shape)
    d.update(_inputs(gen, runs, n, ("scheduled_weight",), per_run, zeros, 0.0, 2.0, width=1))
    d.update(_inputs(gen, runs, n, ("total", "emitted_weighted", "emitted_weight"), {"total"}, zeros))
    d["emitted_weight"] = np.abs(d["emitted_weight"]) * np.ones((runs, n))
    d["emitted_weighted"] = d["emitted_weighted"] * np.ones((runs, n))
    d["count"] = gen.integers(0, 3, (runs, n)) * (gen.uniform(size=(runs, n)) > zeros)
    d["total"] = np.where(d["count"] > 0, d["total"], 0.0)
    for name in ("costly", "emitted_costly"):
        d[name] = gen.uniform(size=(runs, n)) < 0.2
    for name in ("injected_costly", "sanction_costly"):
        d[name] = gen.uniform(size=(1, n)) < 0.3
    i = int(gen.integers(n))
    want_nci, want_costly = ref.realise(i, n, d)
    nci, costly = np.full((runs, n), np.nan), np.zeros((runs, n), bool)
    names = ("total", "count", "costly", "injected_weighted", "sanction_weighted", "injected_weight")
    names += ("sanction_weight", "scale", "scheduled_weight", "emitted_weighted", "emitted_weight")
    names += ("injected_costly", "sanction_costly", "emitted_costly")
    events.realise_row(i, *(d[name] for name in names), nci, costly)
    assert nci.tobytes() == np.broadcast_to(want_nci, (runs, n)).tobytes()
    assert (costly == want_costly).all()


@settings(max_examples=300, **FAST)
@given(
    a=st.one_of(st.floats(allow_nan=True), st.sampled_from([0.0, -0.0])),
    b=st.one_of(st.floats(allow_nan=True), st.sampled_from([0.0, -0.0])),
)
def test_maximum_is_numpys_for_signed_zeros_and_nan(a, b):
    """``elementwise.maximum`` returns the double ``np.maximum`` gives over arrays (contiguous and strided, either
    operand broadcast): the second operand on a tie of signed zeros, NaN from either side."""
    got = elementwise.maximum(a, b)
    column = np.zeros((3, 4))
    column[:, 1] = a
    for want in (
        np.maximum(np.full(16, a), b)[0],
        np.maximum(a, np.full(16, b))[0],
        np.maximum(np.full(16, a), np.full(16, b))[0],
        np.maximum(column[:, 1], b)[0],
    ):
        if np.isnan(want):  # which NaN (sign, payload) is not specified
            assert np.isnan(got)
        else:
            assert np.asarray(got).tobytes() == np.asarray(want).tobytes()


def test_the_numba_cache_folder_changes_with_any_compiled_module(tmp_path):
    """Numba notices only edits of a function's own file; the cache folder's name is a digest of every module of
    ``sim`` that uses Numba, so an edit of one that others inline (``elementwise``) starts from an empty cache."""
    import numba

    import sim

    folder = Path(os.environ["NUMBA_CACHE_DIR"])
    assert folder.name.startswith("numba-") and len(folder.name) == len("numba-") + 16
    assert str(folder) == numba.config.CACHE_DIR
    copy = tmp_path / "sim"
    shutil.copytree(Path(sim.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))

    def name_in(root: Path) -> str:
        probe = "import os, sim; print(os.path.basename(os.environ['NUMBA_CACHE_DIR']))"
        env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
        env["PYTHONPATH"] = str(root)
        out = subprocess.run([sys.executable, "-c", probe], env=env, cwd=root, capture_output=True, text=True)
        return out.stdout.strip()

    assert name_in(tmp_path) == folder.name  # the same sources: the same folder
    helper = copy / "mechanisms" / "elementwise.py"
    helper.write_text(helper.read_text() + "\n# an edit\n")
    assert name_in(tmp_path) != folder.name
    unrelated = copy / "summary.py"  # no Numba in it: editing it keeps the compiled code
    assert b"numba" not in unrelated.read_bytes()
    helper.write_text(helper.read_text().removesuffix("\n# an edit\n"))
    unrelated.write_text(unrelated.read_text() + "\n# an edit\n")
    assert name_in(tmp_path) == folder.name


def test_old_numba_cache_folders_are_pruned_when_a_new_version_starts(tmp_path):
    """Each version of the compiled code has its own cache folder; when a process first uses a new version, all but
    the ``KEPT_CACHE_VERSIONS`` most recently modified older ones are deleted, and nothing else is touched."""
    import sim

    base = tmp_path / "cache"
    base.mkdir()
    old = [base / f"numba-{k:016x}" for k in range(6)]
    for age, folder in enumerate(old):
        folder.mkdir()
        (folder / "index.nbi").write_bytes(b"x")
        os.utime(folder, (1_000_000 + age, 1_000_000 + age))  # numba-...05 the newest
    current = base / f"numba-{0xABC:016x}"
    current.mkdir()
    os.utime(current, (1, 1))  # the oldest of all, but in use
    foreign = [base / "numba-not-a-digest", base / "other"]
    for folder in foreign:
        folder.mkdir()
    removed = sim.prune_numba_caches(base, current.name, keep=3)
    assert sorted(removed) == old[:3]
    assert sorted(p.name for p in base.iterdir()) == sorted(
        [current.name, "numba-not-a-digest", "other", *(p.name for p in old[3:])]
    )

    # wired at import: a copy of the package whose compiled code is new to its cache tidies that cache
    copy = tmp_path / "pkg" / "sim"
    shutil.copytree(Path(sim.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    cache = copy / "__pycache__"
    cache.mkdir()
    for k in range(5):
        (cache / f"numba-{k:016x}").mkdir()
    probe = "import os, sim; print(os.path.basename(os.environ['NUMBA_CACHE_DIR']))"
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["PYTHONPATH"] = str(copy.parent)
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=copy.parent, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len([p for p in cache.iterdir() if p.name.startswith("numba-")]) == sim.KEPT_CACHE_VERSIONS
