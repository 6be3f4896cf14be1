"""Property tests (hypothesis): invariants of the model's state and of its mechanisms over parameter ranges.

Model-level properties run small ensembles (R = 8) over a short horizon (2012-01..2014-12: the burn-in, the
Crimea sanctions and the freeze) with parameter values drawn from the declared ranges (``sim.config.parameters``,
MODEL-NOTES §5.8's "range for SA" column).
"""

from __future__ import annotations

import copy
import math
import re
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf

from sim import cameo
from sim.calendar import parse_month
from sim.config import ConfigError, compose_config, to_container
from sim.config import load as config_load
from sim.config.parameters import PARAMETERS, Param
from sim.mechanisms import perception, reciprocity
from sim.mechanisms.target import target_terms
from sim.model import DYAD_VARIABLES, RelationsModel
from sim.rng import STREAMS, Streams

SEED = 20161215  # conf/config.yaml's seed, passed explicitly: rng=None would give each model a fresh seed

# ``${run_id:}`` names Hydra output folders; keep the project's own resolver where it has one (a constant
# would make every in-process run of the session share one folder name).
OmegaConf.register_new_resolver("run_id", getattr(config_load, "run_id", lambda: "test"), replace=True)

RUNS = 8
END = "2014-12"
LADDER, _ = cameo.root_ladder()
MODEL_SETTINGS = settings(max_examples=20, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
FAST = {"deadline": None, "database": None}


@cache
def _short_config() -> dict:
    """The default replay cut at ``END``: every dated entry after it is dropped, report dates cleared."""
    cfg = to_container(compose_config(["mode=endogenous"]))
    sc = cfg["scenario"]
    sc["end"] = END
    last = parse_month(END)

    def inside(items):
        return [x for x in items if parse_month(x["date"]) <= last]

    sc["affinity_changes"] = inside(sc["affinity_changes"])
    for key in ("pressure", "stress", "leaders"):
        sc[key] = {code: inside(steps) for code, steps in sc[key].items()}
    for row in sc["sanctions"].values():
        for sched in row.values():
            sched["steps"] = inside(sched["steps"])
    for key in ("summits", "shocks", "events"):
        sc[key] = inside(sc[key])
    sc["threat"]["shocks"] = inside(sc["threat"]["shocks"])
    cfg["report"] = {"windows": {}, "milestone_dates": [], "trust_matrix_dates": [], "figures": False}
    return cfg


def short_config() -> dict:
    return copy.deepcopy(_short_config())


def _sampled(param: Param) -> tuple[float, float]:
    """A parameter's declared range, an end its domain excludes moved in by one float (P0 > 0)."""
    low, high = param.bounds
    return (
        low if param.domain.allows(low) else math.nextafter(low, high),
        high if param.domain.allows(high) else math.nextafter(high, low),
    )


# Every behavioural parameter with a declared range (sim.config.parameters: MODEL-NOTES §5.8's "range for SA").
RANGES = {p.name: _sampled(p) for p in PARAMETERS if p.bounds is not None}
SCENARIO_RANGES = {
    "scenario.sanctions.USA.RUS.scale": (0.0, 1.0 / 0.75),  # scaled levels must stay <= 1 (max step 0.75)
    "scenario.alliances.JPN.commitment": (0.3, 1.0),
    "scenario.investment.exposure.JPN": (0.3, 0.9),
    "scenario.investment.sanction_friction": (0.5, 1.0),
}


def _floats(lo: float, hi: float):
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


@st.composite
def scalar_parameters(draw) -> tuple[dict, dict]:
    """A random subset of parameters, one value each for the whole ensemble."""
    names = draw(st.lists(st.sampled_from(sorted(RANGES)), unique=True, max_size=len(RANGES)))
    paths = draw(st.lists(st.sampled_from(sorted(SCENARIO_RANGES)), unique=True))
    return ({n: draw(_floats(*RANGES[n])) for n in names}, {p: draw(_floats(*SCENARIO_RANGES[p])) for p in paths})


@st.composite
def per_run_parameters(draw) -> dict:
    """A few parameters with a different value in every run (the vectorised override path)."""
    pool = {**{f"params.{k}": v for k, v in RANGES.items()}, **SCENARIO_RANGES}
    paths = draw(st.lists(st.sampled_from(sorted(pool)), unique=True, min_size=1, max_size=6))
    return {p: np.array(draw(st.lists(_floats(*pool[p]), min_size=RUNS, max_size=RUNS))) for p in paths}


def _run(params: dict, scenario: dict, seed: int = 1) -> RelationsModel:
    return RelationsModel(short_config(), replicates=RUNS, settings=scenario, rng=seed, **params).run()


def _check_state_invariants(model: RelationsModel) -> None:
    h = model.history
    for name in DYAD_VARIABLES:
        assert np.all(np.isfinite(h[name])), f"{name} not finite"
    for name in ("log_odds", "intended", "realised", "perceived", "valence", "baseline"):
        assert np.all(np.isfinite(getattr(model.state, name))), name
    assert np.all((h["trust"] >= 0) & (h["trust"] <= 1))
    assert np.all((h["sanctions"] >= 0) & (h["sanctions"] <= 1))
    assert np.all((h["rapport"] >= 0) & (h["rapport"] <= 1))
    assert np.all((h["channel_openness"] >= 0) & (h["channel_openness"] <= 1))
    assert np.all(h["investment_stock"] >= 0)
    assert np.all(h["investment_flow"] >= 0)
    assert np.all(np.abs(h["intended_cooperation"]) <= 10)
    assert np.all(np.abs(h["valence"]) <= 1)


@MODEL_SETTINGS
@given(drawn=scalar_parameters(), seed=st.integers(0, 2**32))
def test_trust_in_unit_interval_and_series_finite(drawn, seed):
    params, scenario = drawn
    model = _run(params, scenario, seed)
    assert np.all((model.history["trust"] >= 0) & (model.history["trust"] <= 1))
    for name in DYAD_VARIABLES:
        assert np.all(np.isfinite(model.history[name])), name


@MODEL_SETTINGS
@given(drawn=scalar_parameters())
def test_levels_stay_in_their_ranges(drawn):
    """Sanctions, rapport and channel openness in [0, 1]; investment stocks and flows >= 0."""
    params, scenario = drawn
    _check_state_invariants(_run(params, scenario))


@MODEL_SETTINGS
@given(overrides=per_run_parameters())
def test_levels_stay_in_their_ranges_with_per_run_values(overrides):
    model = RelationsModel(short_config(), replicates=RUNS, settings=overrides, rng=SEED).run()
    _check_state_invariants(model)


@MODEL_SETTINGS
@given(drawn=scalar_parameters())
def test_nobody_sanctions_itself(drawn):
    params, scenario = drawn
    model = _run(params, scenario)
    diag = np.diagonal(model.history["sanctions"], axis1=-2, axis2=-1)
    assert np.all(diag == 0)
    assert np.all(np.diagonal(model.history["nci"], axis1=-2, axis2=-1) == 0)
    assert np.all(np.diagonal(model.history["trust"], axis1=-2, axis2=-1) == 0)


@MODEL_SETTINGS
@given(scale=_floats(0.0, 1.0 / 0.75), commitment=_floats(0.0, 1.0))
def test_japan_sanctions_below_us_level_on_short_horizon(scale, commitment):
    model = _run({}, {"scenario.sanctions.USA.RUS.scale": scale, "scenario.alliances.JPN.commitment": commitment})
    s = model.history["sanctions"]
    s_j, s_u = s[:, :, 0, 1], s[:, :, 2, 1]
    assert np.all(s_j <= s_u)
    assert np.all(np.diff(s_j, axis=0) >= 0)


@settings(max_examples=6, deadline=None, database=None)
@given(runs=st.lists(st.integers(0, 500), min_size=2, max_size=6, unique=True), pick=st.integers(0, 5))
def test_model_run_is_the_same_in_any_batch(runs, pick):
    """Run k of an ensemble is the run k of a single-run model (counter-based draws, no cross-run terms)."""
    pick = min(pick, len(runs) - 1)
    batch = RelationsModel(short_config(), runs=runs, rng=SEED).run()
    alone = RelationsModel(short_config(), runs=[runs[pick]], rng=SEED).run()
    for name in DYAD_VARIABLES:
        np.testing.assert_array_equal(batch.history[name][:, pick], alone.history[name][:, 0], err_msg=name)


@settings(max_examples=6, deadline=None, database=None)
@given(overrides=per_run_parameters(), pick=st.integers(0, RUNS - 1))
def test_per_run_values_equal_separate_scalar_runs(overrides, pick):
    """A value given per run (vectorised override) acts exactly as the same value given to a lone run."""
    batch = RelationsModel(short_config(), replicates=RUNS, settings=overrides, rng=SEED).run()
    scalar = {path: float(values[pick]) for path, values in overrides.items()}
    alone = RelationsModel(short_config(), runs=[pick], settings=scalar, rng=SEED).run()
    for name in DYAD_VARIABLES:
        np.testing.assert_array_equal(batch.history[name][:, pick], alone.history[name][:, 0], err_msg=name)


# sim/world.py accepts per-run values for parameters and scenario knobs; each such leaf must act in run r
# exactly as the same value given to a lone run r. Leaves the model shares across a batch (the timeline,
# shocks, array sizes) must be refused, not silently replaced.
PER_RUN_LEAVES = {
    "params.reciprocity": [0.2, 0.8],
    "scenario.sanctions.USA.RUS.scale": [0.3, 1.2],
    "scenario.affinity.JPN.RUS": [-1.0, 2.0],
    "scenario.default_initial_rapport": [0.0, 0.9],  # pairs without an initial_rapport entry
    "params.scheduled_event_weight": [0.2, 3.0],  # weight of injected forcing events
}
SHARED_LEAVES = {
    "scenario.shocks.0.observers.USA": [0.0, 3.0],  # Crimea read by the USA
    "scenario.events.8.weight": [0.0, 2.0],  # a forcing event (CHN->JPN ADIZ, 2013-11)
    "scenario.events.0.goldstein": [1.0, 2.0],  # the coding of a timeline event
}


@pytest.mark.parametrize("path", sorted(PER_RUN_LEAVES))
def test_per_run_value_of_a_leaf_acts_like_a_lone_run(path):
    values = np.array(PER_RUN_LEAVES[path])
    batch = RelationsModel(short_config(), replicates=2, settings={path: values}, rng=SEED).run()
    alone = RelationsModel(short_config(), runs=[1], settings={path: float(values[1])}, rng=SEED).run()
    for name in DYAD_VARIABLES:
        np.testing.assert_array_equal(batch.history[name][:, 1], alone.history[name][:, 0], err_msg=name)


@pytest.mark.parametrize("path", sorted(SHARED_LEAVES))
def test_per_run_value_of_a_shared_leaf_is_refused(path):
    with pytest.raises(ConfigError, match=re.escape(path) + r".*cannot vary between the runs"):
        RelationsModel(short_config(), replicates=2, settings={path: np.array(SHARED_LEAVES[path])}, rng=SEED)


# --------------------------------------------------------------------------------------------------------
# Mechanism properties
# --------------------------------------------------------------------------------------------------------


@settings(max_examples=300, **FAST)
@given(v=_floats(-7.2, 7.0), u=_floats(0.0, 1.0).filter(lambda x: x < 1.0))
def test_map_unbiased_returns_a_neighbouring_rung(v, u):
    rung, second = cameo.map_unbiased(np.array([v]), np.array([u]))
    g = LADDER[rung[0]]
    below, above = LADDER[v >= LADDER].max(), LADDER[v <= LADDER].min()
    assert g in (below, above)
    assert second[0] in (0, 1)


@settings(max_examples=300, **FAST)
@given(intended=_floats(-10.0, 10.0), target=_floats(-1e6, 1e6), speed=_floats(0.0, 1.0))
def test_richardson_step_stays_in_goldstein_range(intended, target, speed):
    out = reciprocity.richardson_step(intended, target, speed)
    assert -10.0 <= out <= 10.0
    lo, hi = min(intended, target), max(intended, target)
    assert max(lo, -10.0) - 1e-9 <= out <= min(hi, 10.0) + 1e-9, "moves toward the target, never past it"


@settings(max_examples=300, **FAST)
@given(x=_floats(-1e6, 1e6), q=_floats(0.0, 1.0))
def test_generous_reciprocity_never_exceeds_input_magnitude(x, q):
    out = reciprocity.generous_reciprocity(x, q)
    assert abs(out) <= abs(x)
    assert np.sign(out) in (np.sign(x), 0.0)


@settings(max_examples=300, **FAST)
@given(
    signal=_floats(-10, 10),
    normal=_floats(-10, 10),
    observer_trust=_floats(0, 1),
    rapport=_floats(0, 1),
    bias=_floats(0, 1),
    sigma=_floats(0, 3),
    clarity=_floats(0, 1),
    noise=_floats(-5, 5),
)
def test_perceive_without_noise_never_increases_a_signal(
    signal, normal, observer_trust, rapport, bias, sigma, clarity, noise
):
    args = (signal, normal, observer_trust, rapport)
    zero_noise = perception.perceive(*args, noise, mistrust_bias=bias, perception_noise=0.0, rapport_clarity=clarity)
    zero_draw = perception.perceive(*args, 0.0, mistrust_bias=bias, perception_noise=sigma, rapport_clarity=clarity)
    assert zero_noise <= signal
    assert zero_draw <= signal
    if signal <= normal:
        assert zero_noise == signal, "conflict and routine levels are read as sent"


@settings(max_examples=60, **FAST)
@given(
    seed=st.integers(0, 2**63 - 1),
    others=st.lists(st.integers(0, 10**6), max_size=40),
    k=st.integers(0, 10**6),
    position=st.integers(0, 40),
    step=st.integers(0, 2000),
    stream=st.sampled_from(STREAMS),
    size=st.integers(1, 30),
)
def test_run_draws_do_not_depend_on_the_batch(seed, others, k, position, step, stream, size):
    """Counter-based RNG: run k sees the same numbers alone or at any position of any batch."""
    batch = list(others)
    position = min(position, len(batch))
    batch.insert(position, k)
    alone, together = Streams(seed, np.array([k])), Streams(seed, np.array(batch))
    np.testing.assert_array_equal(
        alone.uniform(stream, step, (size,))[0], together.uniform(stream, step, (size,))[position]
    )
    np.testing.assert_array_equal(
        alone.normal(stream, step, (size,))[0], together.normal(stream, step, (size,))[position]
    )


@settings(max_examples=60, **FAST)
@given(
    seed=st.integers(0, 2**32),
    rows=st.integers(1, 6),
    cols=st.integers(1, 8),
    step=st.integers(0, 100),
    stream=st.sampled_from(STREAMS),
)
def test_row_draws_with_offset_match_the_whole_block(seed, rows, cols, step, stream):
    """An agent drawing its own row with ``offset = row * cols`` gets the slice of the whole-block draw."""
    s = Streams(seed, np.arange(3))
    block_u, block_n = s.uniform(stream, step, (rows, cols)), s.normal(stream, step, (rows, cols))
    for r in range(rows):
        np.testing.assert_array_equal(s.uniform(stream, step, (cols,), offset=r * cols), block_u[:, r])
        np.testing.assert_array_equal(s.normal(stream, step, (cols,), offset=r * cols), block_n[:, r])


@settings(max_examples=40, **FAST)
@given(seed=st.integers(0, 2**32), step=st.integers(0, 1000))
def test_streams_are_uniform_in_unit_interval_and_distinct(seed, step):
    s = Streams(seed, np.arange(4))
    u = s.uniform("event_code", step, (500,))
    assert np.all((u >= 0) & (u < 1))
    assert len(np.unique(u)) == u.size
    assert not np.array_equal(u, s.uniform("event_count", step, (500,)))
    assert not np.array_equal(u, s.uniform("event_code", step + 1, (500,)))


@settings(max_examples=50, **FAST)
@given(
    seed=st.integers(0, 2**32),
    runs=st.integers(1, 6),
    step=st.integers(0, 100),
    elements=st.lists(st.integers(0, 2**20), min_size=1, max_size=20),
)
def test_flat_draws_equal_the_block_layout(seed, runs, step, elements):
    """A ragged draw of element e of run r is the number ``uniform``/``normal`` give at that element."""
    streams = Streams(seed, np.arange(runs))
    e = np.array(elements)
    run = np.arange(e.size) % runs
    top = int(e.max()) + 1
    np.testing.assert_array_equal(
        streams.uniform_flat("event_code", step, run, e), streams.uniform("event_code", step, (top,))[run, e]
    )
    np.testing.assert_allclose(
        streams.normal_flat("event_noise", step, run, e),
        streams.normal("event_noise", step, (top,))[run, e],
        rtol=0,
        atol=1e-12,
    )


@settings(max_examples=60, **FAST)
@given(
    raw=st.floats(-20, 20),
    interdependence=st.floats(0, 5),
    damping=st.floats(0, 3),
    resentment=st.floats(0, 8),
    sanctions=st.floats(0, 1),
)
def test_interdependence_term_is_the_damping_of_a_negative_target(raw, interdependence, damping, resentment, sanctions):
    """Issue 9 §6: the interdependence term, written out independently of the code: with every other term
    0 except affinity (``raw``) and sanctions resentment, it is ``s·(1/(1 + γ_D·D) − 1)`` for a negative sum
    ``s`` and 0 otherwise; the resentment term is ``−γ_S·S``."""
    zero = np.zeros(1)
    terms = target_terms(
        affinity=np.array([raw]),
        perceived=zero,
        reciprocity=zero,
        generosity=0.0,
        trust=zero + 0.5,
        trust_weight=1.0,
        rapport=zero,
        rapport_weight=1.0,
        balance=zero,
        balance_weight=1.0,
        wedge=zero,
        wedge_weight=1.0,
        penalty=zero,
        sanctions_received=np.array([sanctions]),
        resentment=resentment,
        threat=zero,
        threat_weight=zero,
        stress=zero,
        stress_outreach=1.0,
        partner_invests=zero,
        investment_flow=zero,
        investment_baseline=zero + 1.0,
        investment_signal=1.0,
        interdependence=np.array([interdependence]),
        damping=damping,
    )
    s = raw - resentment * sanctions
    expected = s * (1.0 / (1.0 + damping * interdependence) - 1.0) if s < 0 else 0.0
    assert float(terms["sanctions_resentment"][0]) == pytest.approx(-resentment * sanctions, abs=1e-12)
    assert float(terms["interdependence"][0]) == pytest.approx(expected, abs=1e-9)
