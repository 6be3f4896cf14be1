"""Theory behaviour of each mechanism (MODEL-NOTES §4, §5.7, §5.10), then the same theory in the full model.

The first part calls the pure array functions of ``sim.mechanisms`` and ``sim.cameo`` directly; the second
builds small ensembles of the real ``RelationsModel`` (40-200 runs, well under a few seconds each).
"""

from __future__ import annotations

import copy
import csv
import json
from functools import cache
from importlib import resources

import mesa.agentset
import numpy as np
import pytest
from omegaconf import OmegaConf

from sim import cameo
from sim.config import compose_config, to_container
from sim.config import load as config_load
from sim.mechanisms import diplomacy, events, perception, reciprocity, sanctions, structure, trust
from sim.model import DYAD_VARIABLES, RelationsModel
from sim.rng import Streams

SEED = 20161215  # conf/config.yaml's seed, passed explicitly: rng=None would give each model a fresh seed

# ``${run_id:}`` names Hydra output folders; keep the project's own resolver where it has one (a constant
# would make every in-process run of the session share one folder name).
OmegaConf.register_new_resolver("run_id", getattr(config_load, "run_id", lambda: "test"), replace=True)

LADDER, _ = cameo.root_ladder()

# The S4 mechanisms are scalar compiled functions (one dyad of one run); these apply them elementwise to arrays.
richardson_step = np.vectorize(reciprocity.richardson_step)
generous_reciprocity = np.vectorize(reciprocity.generous_reciprocity)
damp_conflict = np.vectorize(reciprocity.damp_conflict)
net_cooperation = np.vectorize(events.net_cooperation)
signal_noise = np.vectorize(trust.signal_noise)
bayes_update = np.vectorize(trust.bayes_update)
revert = np.vectorize(trust.revert)
perceive = np.vectorize(perception.perceive)


@cache
def _composed() -> dict:
    return to_container(compose_config(["mode=endogenous"]))


def base_config() -> dict:
    """The default replay (endogenous mode) as a fresh plain dict."""
    return copy.deepcopy(_composed())


# --------------------------------------------------------------------------------------------------------
# Richardson partial adjustment (MODEL-NOTES §4f, S4)
# --------------------------------------------------------------------------------------------------------


def _iterate_pair(
    g: tuple[float, float],
    k: tuple[float, float],
    speed: float = 0.3,
    steps: int = 2000,
    start: tuple[float, float] = (0.0, 0.0),
) -> np.ndarray:
    """Iterate ``c_ij <- (1-a)c_ij + a(G_ij + k_ij c_ji)`` for one pair, both sides simultaneously."""
    g_arr, k_arr = np.asarray(g, float), np.asarray(k, float)
    c = np.asarray(start, float)
    for _ in range(steps):
        c = richardson_step(c, g_arr + k_arr * c[::-1], speed)
    return c


@pytest.mark.parametrize(
    ("g", "k"),
    [
        ((1.0, 2.0), (0.5, 0.5)),
        ((-1.5, 0.5), (0.8, 0.6)),
        ((2.5, -0.2), (0.2, 0.9)),
        ((0.2, 0.1), (0.95, 1.0)),  # k_ij k_ji = 0.95 < 1: slow but stable (fixed point ~6)
    ],
)
def test_richardson_converges_to_fixed_point_when_kk_below_one(g, k):
    c = _iterate_pair(g, k, steps=5000)
    expected = np.array([(g[0] + k[0] * g[1]) / (1 - k[0] * k[1]), (g[1] + k[1] * g[0]) / (1 - k[0] * k[1])])
    assert np.all(np.abs(expected) < 10), "test case must have an interior fixed point"
    np.testing.assert_allclose(c, expected, rtol=1e-9, atol=1e-9)


def test_richardson_fixed_point_does_not_depend_on_start():
    a = _iterate_pair((1.0, -0.5), (0.6, 0.7), start=(9.0, -9.0))
    b = _iterate_pair((1.0, -0.5), (0.6, 0.7), start=(-9.0, 9.0))
    np.testing.assert_allclose(a, b, atol=1e-9)


@pytest.mark.parametrize("k", [(1.1, 1.1), (1.0, 1.0), (2.0, 0.6)])
def test_richardson_runs_away_to_the_clip_when_kk_at_least_one(k):
    """``k_ij k_ji >= 1`` with positive grievances: no interior equilibrium, c* climbs to the bound."""
    g = (0.5, 0.3)
    trajectory = []
    c = np.zeros(2)
    for _ in range(400):
        c = richardson_step(c, np.asarray(g) + np.asarray(k) * c[::-1], 0.3)
        trajectory.append(c.copy())
    path = np.array(trajectory)
    assert np.all(np.diff(path, axis=0) >= 0), "monotone growth"
    assert path[-1].max() == 10.0, "held only by the Goldstein bound"
    # once one side sits at the bound the other settles at its target G + k*10 (or the bound too)
    np.testing.assert_allclose(path[-1], np.minimum(10.0, np.asarray(g) + np.asarray(k) * path[-1][::-1]))
    if k[0] == k[1]:
        np.testing.assert_array_equal(path[-1], [10.0, 10.0])
    # the unclipped formula gives no meaningful (positive) equilibrium for these values
    if k[0] * k[1] > 1:
        assert (g[0] + k[0] * g[1]) / (1 - k[0] * k[1]) < 0


def test_richardson_step_moves_share_a_of_the_gap():
    out = richardson_step(np.array([2.0]), np.array([6.0]), 0.25)
    np.testing.assert_allclose(out, [3.0])


# --------------------------------------------------------------------------------------------------------
# Generous reciprocity and interdependence damping (MODEL-NOTES §4c, §4e)
# --------------------------------------------------------------------------------------------------------


def test_generous_reciprocity_returns_cooperation_in_full():
    x = np.array([0.0, 0.5, 3.0, 7.0])
    np.testing.assert_array_equal(generous_reciprocity(x, 1 / 3), x)


def test_generous_reciprocity_forgives_share_q_of_conflict():
    x = np.array([-0.5, -3.0, -7.2])
    for q in (0.0, 1 / 3, 0.5, 1.0):
        np.testing.assert_allclose(generous_reciprocity(x, q), (1 - q) * x)


def test_generous_reciprocity_generosity_per_run_broadcasts():
    x = np.array([[-3.0, 3.0], [-3.0, 3.0]])
    q = np.array([[0.0], [0.5]])
    np.testing.assert_allclose(generous_reciprocity(x, q), [[-3.0, 3.0], [-1.5, 3.0]])


def test_damp_conflict_shrinks_negative_targets_with_interdependence():
    target = np.full(4, -4.0)
    d = np.array([0.0, 0.5, 1.0, 3.0])
    out = damp_conflict(target, d, 1.0)
    np.testing.assert_allclose(out, -4.0 / (1 + d))
    assert np.all(np.diff(np.abs(out)) < 0), "more interdependence, milder conflict"
    assert np.all(out < 0), "damping never turns conflict into cooperation"


def test_damp_conflict_leaves_positive_targets_untouched():
    target = np.array([0.0, 0.1, 2.0, 9.0])
    np.testing.assert_array_equal(damp_conflict(target, np.full(4, 5.0), 3.0), target)


# --------------------------------------------------------------------------------------------------------
# Bayesian trust (Kydd; MODEL-NOTES §4a, S6)
# --------------------------------------------------------------------------------------------------------

_NOISE = {"cheap_signal_noise": 6.0, "costly_signal_noise": 3.0, "cost_sensitivity": 0.5}


def test_costly_flag_gives_smaller_signal_noise():
    cheap = signal_noise(np.array(False), np.array(0.0), **_NOISE)
    costly = signal_noise(np.array(True), np.array(0.0), **_NOISE)
    assert costly < cheap
    np.testing.assert_allclose([cheap, costly], [6.0, 3.0])


def test_signal_noise_falls_with_cost():
    cost = np.array([0.0, 0.5, 1.0, 2.0])
    sigma = signal_noise(np.zeros(4, bool), cost, **_NOISE)
    assert np.all(np.diff(sigma) < 0)


@pytest.mark.parametrize("deviation", [-3.0, -0.4, 0.4, 3.0])
def test_costlier_signal_moves_log_odds_more_for_same_deviation(deviation):
    costly = np.array([False, True, True, True])
    cost = np.array([0.0, 0.0, 1.0, 2.0])
    sigma = signal_noise(costly, cost, **_NOISE)
    moved = bayes_update(np.zeros(4), np.full(4, 1.0 + deviation), np.full(4, 1.0), sigma, signal_separation=2.0)
    assert np.all(np.diff(np.abs(moved)) > 0)
    assert np.all(np.sign(moved) == np.sign(deviation))


def test_signal_above_baseline_raises_trust_below_lowers_it():
    baseline = np.full(3, 1.5)
    prior = np.full(3, trust.logit(np.array(0.45)))
    perceived = np.array([3.0, 1.5, -2.0])
    post = bayes_update(prior, perceived, baseline, np.full(3, 3.0), signal_separation=2.0)
    t0, t1 = trust.logistic(prior), trust.logistic(post)
    assert t1[0] > t0[0]
    assert t1[1] == t0[1]
    assert t1[2] < t0[2]


def test_bayes_update_is_linear_in_the_deviation():
    """Gaussian likelihoods: ``Δℓ = (Δμ/σ²)(ĝ - m̄)`` (MODEL-NOTES §4a)."""
    post = bayes_update(np.array([0.2]), np.array([2.0]), np.array([0.5]), np.array([2.0]), signal_separation=3.0)
    np.testing.assert_allclose(post, 0.2 + 3.0 / 4.0 * 1.5)


@pytest.mark.parametrize("start", [-4.0, -0.3, 0.0, 2.5, 6.0])
def test_reversion_pulls_log_odds_toward_the_prior(start):
    prior = np.array(0.8)
    now = np.array(start)
    for _ in range(5):
        nxt = revert(now, prior, 0.08)
        assert abs(nxt - prior) <= abs(now - prior)
        np.testing.assert_allclose(nxt - prior, 0.92 * (now - prior))
        now = nxt


def test_full_reversion_returns_the_prior():
    np.testing.assert_allclose(revert(np.array(5.0), np.array(-1.0), 1.0), -1.0)


def test_logistic_and_logit_are_inverse():
    p = np.linspace(1e-6, 1 - 1e-6, 1001)
    np.testing.assert_allclose(trust.logistic(trust.logit(p)), p, rtol=1e-9, atol=1e-12)
    x = np.linspace(-20, 20, 401)
    np.testing.assert_allclose(trust.logit(trust.logistic(x)), x, rtol=1e-6, atol=1e-6)


def test_logistic_stays_in_unit_interval_for_extreme_log_odds():
    out = trust.logistic(np.array([-1e6, -800.0, 0.0, 800.0, 1e6, np.inf, -np.inf]))
    assert np.all((out >= 0) & (out <= 1))
    assert out[2] == 0.5


# --------------------------------------------------------------------------------------------------------
# Perception (Jervis; S6)
# --------------------------------------------------------------------------------------------------------


def test_mistrust_discounts_only_cooperation_above_normal():
    signal = np.array([-3.0, 1.0, 4.0, 4.0])
    normal = np.full(4, 1.0)
    observer_trust = np.array([0.2, 0.2, 0.2, 1.0])
    out = perceive(
        signal,
        normal,
        observer_trust,
        np.zeros(4),
        np.zeros(4),
        mistrust_bias=0.3,
        perception_noise=1.5,
        rapport_clarity=0.5,
    )
    np.testing.assert_allclose(out, [-3.0, 1.0, 4.0 - 0.3 * 0.8 * 3.0, 4.0])


def test_rapport_makes_the_reading_clearer():
    noise = np.ones(3)
    out = perceive(
        np.zeros(3),
        np.zeros(3),
        np.ones(3),
        np.array([0.0, 0.5, 1.0]),
        noise,
        mistrust_bias=0.3,
        perception_noise=2.0,
        rapport_clarity=0.5,
    )
    np.testing.assert_allclose(out, [2.0, 1.5, 1.0])


# --------------------------------------------------------------------------------------------------------
# Event generation: CAMEO coding without bias (S4)
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("v", [-7.2, -7.1, -6.75, -5.5, -4.0, -3.3, -1.0, 0.0, 0.3, 2.2, 3.25, 4.5, 5.9, 6.99, 7.0])
def test_map_unbiased_mean_goldstein_equals_intended_value(v):
    n = 200_000
    stratified = (np.arange(n) + 0.5) / n  # evenly spread uniforms: the share picking g_hi is exact to 1/n
    rung, _ = cameo.map_unbiased(np.full(n, v), stratified)
    assert abs(LADDER[rung].mean() - v) < 2.5 / n + 1e-12
    random = np.random.default_rng(7).random(n)
    rung, _ = cameo.map_unbiased(np.full(n, v), random)
    assert abs(LADDER[rung].mean() - v) < 0.012  # 5 standard errors at most for gaps <= 2


def test_map_unbiased_value_on_a_rung_always_gives_that_rung():
    u = np.random.default_rng(3).random(1000)
    for k, g in enumerate(LADDER):
        rung, _ = cameo.map_unbiased(np.full(1000, g), u)
        assert np.all(rung == k)


def test_map_unbiased_picks_either_of_two_roots_sharing_a_value_evenly():
    """Roots 12 and 16 share -4.0 (so do 09 and 11 at -2.0): each is picked half the time, on both sides."""
    n = 100_000
    u = np.random.default_rng(11).random(n)
    for value in (-4.6, -3.3, -4.0):
        rung, second = cameo.map_unbiased(np.full(n, value), u)
        on_tie = LADDER[rung] == -4.0
        assert on_tie.any()
        assert abs(second[on_tie].mean() - 0.5) < 5 * np.sqrt(0.25 / on_tie.sum())


def _events(intended: float, *, implementation_noise: float, runs: int = 20_000, cap: int = 24, seed: int = 5):
    """The event pipeline of ``Country.act`` for one dyad (country 0 toward country 1) over many runs."""
    streams = Streams(seed, np.arange(runs))
    level = intended + implementation_noise * streams.normal("implementation", 0, (2,))
    total, count, costly, first = events.month_events(streams, 0, 0, level, np.array([[6.0]]), np.array([[1.0]]), cap)
    return total[:, 1], count[:, 1], costly[:, 1], first[1]


@pytest.mark.parametrize("level", [-4.5, -2.7, -1.0, 0.0, 1.7, 3.6, 4.5])
def test_events_mean_nci_equals_intended_level(level):
    total, count, *_ = _events(level, implementation_noise=0.0)
    nci = net_cooperation(total, count, 0.0, 0.0)
    assert abs(nci.mean() - level) < 0.02


def test_events_unbiased_with_implementation_noise():
    total, count, *_ = _events(1.3, implementation_noise=0.8, seed=9)
    nci = net_cooperation(total, count, 0.0, 0.0)
    assert abs(nci.mean() - 1.3) < 0.03


def test_event_counts_are_one_plus_poisson_within_cap():
    _, count, _, first = _events(0.0, implementation_noise=0.0)
    assert count.min() >= 1 and count.max() <= 24
    assert abs(count.mean() - 7.0) < 0.05
    logged = first[:, 0] >= 0  # the first run's events fill its first ``count`` slots, each with a ladder rung
    np.testing.assert_array_equal(np.flatnonzero(logged), np.arange(count[0]))
    assert first[logged, 0].max() < len(LADDER) and set(first[logged, 1]) <= {0, 1}


def test_month_events_give_no_events_toward_oneself():
    streams = Streams(3, np.arange(50))
    total, count, costly, first = events.month_events(
        streams, 4, 2, np.full((50, 4), 5.0), np.array([[6.0]]), np.array([[1.0]]), 20
    )
    assert (count[:, 2] == 0).all() and (total[:, 2] == 0.0).all() and not costly[:, 2].any()
    assert (first[2] == -1).all() and (count[:, [0, 1, 3]] >= 1).all()


def test_slots_cover_the_poisson_tail():
    for rate in (0.5, 2.0, 6.0, 30.0):
        assert events.slots_needed(rate) >= 1 + rate + 4 * np.sqrt(rate)


def test_events_flag_material_cooperation_as_costly():
    _, _, costly_hi, *_ = _events(6.5, implementation_noise=0.0, runs=200)
    _, _, costly_mid, *_ = _events(2.0, implementation_noise=0.0, runs=200, seed=1)
    assert costly_hi.mean() > 0.9  # roots 06-08 (material cooperation) are costly signals
    assert costly_mid.mean() < costly_hi.mean()


def test_net_cooperation_weights_injected_events():
    nci = net_cooperation(np.array([6.0]), np.array([3]), np.array([0.5 * -8.0]), np.array([0.5]))
    np.testing.assert_allclose(nci, (6.0 - 4.0) / 3.5)


@pytest.mark.parametrize("lam", [0.5, 2.0, 6.0, 20.0])
def test_poisson_inverse_mean_is_lambda(lam):
    u = np.random.default_rng(1).random(200_000)
    k = np.array([events.poisson_inverse(x, lam, 200) for x in u])
    assert abs(k.mean() - lam) < 5 * np.sqrt(lam / u.size)
    assert abs(k.var() - lam) < 0.05 * lam + 0.01


def test_poisson_inverse_caps_and_inverts_the_cdf():
    lam = 3.0
    k = [events.poisson_inverse(u, lam, 4) for u in (0.0, np.exp(-lam) - 1e-12, np.exp(-lam), 0.999999)]
    np.testing.assert_array_equal(k, [0, 0, 1, 4])


def test_poisson_cdf_is_the_cumulative_probabilities_and_counts_invert_it():
    """F(k) = e^-λ Σ λ^m/m! by hand for λ = 2; a draw just below F(1) counts 1, at F(1) counts 2, past the table
    its length (the cap)."""
    cdf = np.empty(4)
    events.poisson_cdf(2.0, cdf)
    e = np.exp(-2.0)
    np.testing.assert_allclose(cdf, [e, 3 * e, 5 * e, 19 / 3 * e], rtol=1e-15)
    below = np.nextafter(cdf[1], 0.0)
    assert [events.poisson_count(u, cdf) for u in (0.0, below, cdf[1], 0.99)] == [0, 1, 2, 4]
    assert events.event_count(below, cdf) == 2  # one event plus the Poisson count


# --------------------------------------------------------------------------------------------------------
# CAMEO table (MODEL-NOTES §3.3)
# --------------------------------------------------------------------------------------------------------


def test_cameo_codes_stay_strings():
    table = cameo.goldstein_table()
    assert all(isinstance(code, str) for code in table)
    assert "010" in table and "10" in table
    assert cameo.goldstein("010") == 0.0
    assert cameo.goldstein("10") == -5.0
    assert cameo.goldstein("010") != cameo.goldstein("10")
    assert "1" not in table  # no integer-like truncation of "01"/"010"


def test_cameo_unknown_or_non_string_code_is_rejected():
    with pytest.raises(KeyError):
        cameo.goldstein("1")
    with pytest.raises(KeyError):
        cameo.goldstein(13)  # an integer is not a CAMEO code


def test_cameo_root_values_read_from_root_rows_not_x0():
    assert cameo.goldstein("01") == 0.0
    assert cameo.goldstein("13") == -6.0
    assert cameo.goldstein("130") == -4.4
    ladder, roots = cameo.root_ladder()
    values = {root: g for g, group in zip(ladder, roots, strict=True) for root in group}
    assert values["13"] == -6.0
    assert values["01"] == 0.0


def test_cameo_all_root_values_match_the_verified_table():
    """MODEL-NOTES §3.1: the 20 root values (GDELT = ICEWS)."""
    expected = {
        "01": 0.0,
        "02": 3.0,
        "03": 4.0,
        "04": 1.0,
        "05": 3.5,
        "06": 6.0,
        "07": 7.0,
        "08": 5.0,
        "09": -2.0,
        "10": -5.0,
        "11": -2.0,
        "12": -4.0,
        "13": -6.0,
        "14": -6.5,
        "15": -7.2,
        "16": -4.0,
        "17": -7.0,
        "18": -9.0,
        "19": -10.0,
        "20": -10.0,
    }
    for root, g in expected.items():
        assert cameo.goldstein(root) == g, root
    text = resources.files("sim").joinpath("data/cameo-goldstein-root.csv").read_text()
    for row in csv.DictReader(text.splitlines()):
        assert cameo.goldstein(row["cameo_root"]) == float(row["goldstein_gdelt"])
        x0 = cameo.goldstein(row["cameo_root"] + "0")
        assert (x0 != cameo.goldstein(row["cameo_root"])) == (row["cameo_root"] == "13")


def test_cameo_ladder_is_generated_roots_only():
    ladder, roots = cameo.root_ladder()
    assert ladder[0] == -7.2 and ladder[-1] == 7.0
    assert np.all(np.diff(ladder) > 0)
    flat = sorted(r for group in roots for r in group)
    assert flat == sorted(cameo.GENERATED_ROOTS)
    assert not {"18", "19", "20"} & set(flat)


def test_cameo_costly_codes():
    assert cameo.is_costly("163") and cameo.is_costly("057") and cameo.is_costly("061")
    assert cameo.is_costly("15") and cameo.is_costly("172")
    assert not cameo.is_costly("042") and not cameo.is_costly("0311") and not cameo.is_costly("111")


# --------------------------------------------------------------------------------------------------------
# Structure: Heider balance, Crawford wedge, Snyder alliance penalty (MODEL-NOTES §4d, S2, S4)
# --------------------------------------------------------------------------------------------------------

SRC, DST, MID = 0, 1, 2


def _x3(ik: float, kj: float, ij: float = 0.0) -> np.ndarray:
    """Valences of three countries with ``x_ik``, ``x_kj`` (and ``x_ij``) set, symmetric."""
    x = np.zeros((3, 3))
    x[SRC, MID] = x[MID, SRC] = ik
    x[MID, DST] = x[DST, MID] = kj
    x[SRC, DST] = x[DST, SRC] = ij
    return x


@pytest.mark.parametrize(
    ("ik", "kj", "sign"),
    [
        (0.6, 0.5, 1),  # friend of a friend
        (-0.6, -0.5, 1),  # enemy of an enemy
        (0.6, -0.5, -1),  # enemy of a friend
        (-0.6, 0.5, -1),  # friend of an enemy
        (0.0, 0.9, 0),
    ],
)
def test_balance_pressure_sign_follows_heider(ik, kj, sign):
    b = structure.balance_pressure(_x3(ik, kj))
    assert np.sign(b[SRC, DST]) == sign
    np.testing.assert_allclose(b[SRC, DST], ik * kj)


def test_balance_pressure_is_mean_over_third_parties():
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (2, 5, 5)) * (1 - np.eye(5))
    b = structure.balance_pressure(x)
    for r in range(2):
        for i in range(5):
            for j in range(5):
                if i == j:
                    continue
                others = [k for k in range(5) if k not in (i, j)]
                expected = np.mean([x[r, i, k] * x[r, k, j] for k in others])
                np.testing.assert_allclose(b[r, i, j], expected)


def test_balance_pressure_does_not_depend_on_the_pairs_own_valence():
    """Heider: the pressure on i-j comes from the triads through third parties, not from x_ij itself."""
    base = structure.balance_pressure(_x3(0.6, -0.5, ij=0.0))[SRC, DST]
    for ij in (-0.9, 0.3, 0.9):
        assert structure.balance_pressure(_x3(0.6, -0.5, ij=ij))[SRC, DST] == base


@pytest.mark.parametrize(
    ("ik", "jk", "positive"),
    [
        (-0.5, 0.4, True),  # i hostile to k, j friendly with k: court j away from k
        (0.5, 0.4, False),
        (-0.5, -0.4, False),
        (0.5, -0.4, False),
        (0.0, 0.4, False),
    ],
)
def test_wedge_incentive_positive_only_when_i_hostile_to_k_and_j_friendly_with_k(ik, jk, positive):
    x = np.zeros((3, 3))
    x[SRC, MID] = ik
    x[DST, MID] = jk
    w = structure.wedge_incentive(x)
    assert (w[SRC, DST] > 0) == positive
    assert w[SRC, DST] >= 0
    if positive:
        np.testing.assert_allclose(w[SRC, DST], -ik * jk)


def test_wedge_incentive_ignores_the_pair_itself():
    x = np.zeros((3, 3))
    x[SRC, DST] = -0.9  # hostility to j itself is no wedge motive toward j
    x[DST, SRC] = 0.9
    assert structure.wedge_incentive(x)[SRC, DST] == 0


def _penalty(x, commitment, pressure, scale=4.0):
    patron = np.array([1, -1, -1, -1])  # country 0 is allied to patron 1
    return structure.alliance_penalty(
        x, patron, np.asarray(commitment, float), np.asarray(pressure, float), np.array([scale])
    )


def test_alliance_penalty_only_on_the_members_row():
    x = np.zeros((1, 4, 4))
    x[0, 1, 2] = -0.5  # the patron is hostile to 2
    x[0, 1, 3] = 0.4
    pen = _penalty(x, [[0.8, 0, 0, 0]], [[0, 1.0, 0, 0]])
    np.testing.assert_allclose(pen[0, 0], [0.0, 0.0, 0.8 * 1.0 * 0.5 * 4.0, 0.0])
    assert np.all(pen[0, 1:] == 0), "only the member's row"
    assert pen[0, 0, 0] == 0 and pen[0, 0, 1] == 0, "no penalty toward itself or the patron"


def test_alliance_penalty_zero_without_pressure_or_commitment():
    x = np.full((1, 4, 4), -0.8)
    assert np.all(_penalty(x, [[0.8, 0, 0, 0]], [[0, 0.0, 0, 0]]) == 0)
    assert np.all(_penalty(x, [[0.0, 0, 0, 0]], [[0, 1.0, 0, 0]]) == 0)


def test_alliance_penalty_grows_with_pull():
    x = np.zeros((3, 4, 4))
    x[:, 1, 2] = -0.5
    pen = _penalty(x, [[0.8, 0, 0, 0]], [[0, 0.4, 0, 0], [0, 0.7, 0, 0], [0, 1.0, 0, 0]])
    assert np.all(np.diff(pen[:, 0, 2]) > 0)


def test_alliance_penalty_reads_the_patrons_sanctions_before_its_valence_turns():
    """A sanctions round is the patron's declared stance: the ally feels it before the valence follows."""
    x = np.zeros((1, 4, 4))
    x[0, 1, 2] = -0.1  # the events have only begun to sour
    sanctions = np.zeros((1, 4, 4))
    sanctions[0, 1, 2] = 0.45  # the patron's sanctions on country 2
    pen = structure.alliance_penalty(
        x, np.array([1, -1, -1, -1]), np.array([[0.8, 0, 0, 0]]), np.array([[0, 1.0, 0, 0]]), np.array([4.0]), sanctions
    )
    np.testing.assert_allclose(pen[0, 0, 2], 0.8 * 1.0 * 0.45 * 4.0)
    x[0, 1, 2] = -0.7  # once the valence is the larger hostility, it rules
    pen = structure.alliance_penalty(
        x, np.array([1, -1, -1, -1]), np.array([[0.8, 0, 0, 0]]), np.array([[0, 1.0, 0, 0]]), np.array([4.0]), sanctions
    )
    np.testing.assert_allclose(pen[0, 0, 2], 0.8 * 1.0 * 0.7 * 4.0)
    sanctions[0, 3, 2] = 1.0  # a non-patron's sanctions do not pull the member
    pen2 = structure.alliance_penalty(
        x, np.array([1, -1, -1, -1]), np.array([[0.8, 0, 0, 0]]), np.array([[0, 1.0, 0, 0]]), np.array([4.0]), sanctions
    )
    np.testing.assert_array_equal(pen, pen2)


def test_update_valence_is_an_ema_of_realised_cooperation():
    out = structure.update_valence(np.array([0.1]), np.array([5.0]), 0.2)
    np.testing.assert_allclose(out, 0.8 * 0.1 + 0.2 * 0.5)


# --------------------------------------------------------------------------------------------------------
# Sanctions: partial alignment and ratchet (S1)
# --------------------------------------------------------------------------------------------------------


def test_ratchet_never_falls_while_reference_holds():
    prev = np.array([0.3, 0.3, 0.3])
    target = np.array([0.1, 0.3, 0.5])
    out = sanctions.ratchet(prev, target, np.zeros(3, bool))
    np.testing.assert_array_equal(out, [0.3, 0.3, 0.5])
    assert np.all(out >= prev)


def test_ratchet_follows_the_target_once_the_reference_falls():
    out = sanctions.ratchet(np.array([0.3, 0.3]), np.array([0.1, 0.5]), np.ones(2, bool))
    np.testing.assert_array_equal(out, [0.1, 0.5])


@pytest.mark.parametrize("value", [0.01, 0.5, 1.5, 10.0])
def test_alignment_target_strictly_below_reference_when_relationship_has_value(value):
    reference = np.array([0.2, 0.6, 1.0])
    target = sanctions.alignment_target(reference, np.full(3, 0.8), np.full(3, 1.0), np.full(3, value))
    assert np.all(target < reference)
    assert np.all(target > 0)


def test_alignment_target_rises_with_pull_and_falls_with_value():
    ref = np.full(3, 0.6)
    by_pull = sanctions.alignment_target(ref, np.full(3, 0.8), np.array([0.2, 0.6, 1.0]), np.full(3, 1.0))
    by_value = sanctions.alignment_target(ref, np.full(3, 0.8), np.full(3, 1.0), np.array([0.5, 1.0, 2.0]))
    assert np.all(np.diff(by_pull) > 0)
    assert np.all(np.diff(by_value) < 0)


def test_relationship_value_formula():
    v = sanctions.relationship_value(0.5, 0.3, 1.0, np.array([2.0]), np.array([0.4]))
    np.testing.assert_allclose(v, 0.5 + 0.6 + 0.4)


# --------------------------------------------------------------------------------------------------------
# Model-level theory tests
# --------------------------------------------------------------------------------------------------------

COUNTRIES = ("JPN", "RUS", "USA", "CHN")
JPN, RUS, USA, CHN = range(4)


def _dyads_except(pair: tuple[int, int]) -> list[tuple[int, int]]:
    return [(i, j) for i in range(4) for j in range(4) if i != j and {i, j} != set(pair)]


# With balance_weight = wedge_weight = 0 and Japan's alliance commitment 0 (which zeroes the alliance
# penalty, the patron's veto and Japan's alignment sanctions), what else could carry a change from one dyad
# to another?
#   * sanctions resentment and investment read sanctions, but the US/EU levels are exogenous schedules and
#     Japan's (zero here) level reads only JPN-RUS state (trust, stock);
#   * the shared threat N(t) and Russia's stress are exogenous series;
#   * investment and interdependence are per dyad (K_ij + K_ji);
#   * random numbers are indexed by (run, step, stream, element), so each dyad draws its own;
#   * the JPN-RUS channel's openness (and the acceptance of invitations) reads the wedge
#     W_JR = Σ_k max(0, -x_Jk) max(0, x_Rk) with its own slope, not wedge_weight: JPN-RUS listens to the
#     valences x_JC, x_RC, x_JU, x_RU even when ω = 0. Perturbing USA-CHN touches none of those.
# So a change of the USA-CHN affinity may move only the USA->CHN and CHN->USA dyads.
def _decoupled(settings: dict | None = None, runs: int = 40, **params) -> RelationsModel:
    settings = {"scenario.alliances.JPN.commitment": 0.0, **(settings or {})}
    return RelationsModel(
        base_config(), replicates=runs, settings=settings, balance_weight=0.0, wedge_weight=0.0, rng=SEED, **params
    ).run()


def test_dyads_evolve_independently_without_third_party_terms():
    a = _decoupled()
    b = _decoupled({"scenario.affinity.USA.CHN": 1.5})
    assert not np.array_equal(a.history["nci"][:, :, USA, CHN], b.history["nci"][:, :, USA, CHN])
    for name in DYAD_VARIABLES:
        for i, j in _dyads_except((USA, CHN)):
            assert np.array_equal(a.history[name][:, :, i, j], b.history[name][:, :, i, j]), (
                f"{name} {COUNTRIES[i]}->{COUNTRIES[j]} moved when only USA-CHN changed"
            )
    for name in ("two_plus_two", "joint_activity", "treaty"):
        np.testing.assert_array_equal(a.milestone_steps()[name], b.milestone_steps()[name])


def test_third_party_terms_couple_dyads_when_switched_on():
    """Control: with the default balance/wedge weights the same USA-CHN change reaches JPN->RUS."""
    a = RelationsModel(base_config(), replicates=40, rng=SEED).run()
    b = RelationsModel(base_config(), replicates=40, settings={"scenario.affinity.USA.CHN": 1.5}, rng=SEED).run()
    assert not np.array_equal(a.history["nci"][:, :, JPN, RUS], b.history["nci"][:, :, JPN, RUS])


def test_channel_wedge_couples_jpn_rus_to_rus_chn_even_with_zero_wedge_weight():
    """The channel rule (S2) and invitation acceptance (S3) read the wedge with their own coefficients, so
    ω = 0 alone does not decouple JPN-RUS from RUS-CHN; switching those readings off does."""
    perturb = {"scenario.affinity.RUS.CHN": 2.0}
    a, b = _decoupled(), _decoupled(perturb)
    assert not np.array_equal(
        a.history["channel_openness"][:, :, JPN, RUS], b.history["channel_openness"][:, :, JPN, RUS]
    )
    off = {"scenario.channels.JPN_RUS.invitations": False}
    a = _decoupled(off, channel_wedge_slope=0.0)
    b = _decoupled({**off, **perturb}, channel_wedge_slope=0.0)
    assert not np.array_equal(a.history["nci"][:, :, RUS, CHN], b.history["nci"][:, :, RUS, CHN])
    for name in DYAD_VARIABLES:
        for i, j in _dyads_except((RUS, CHN)):
            assert np.array_equal(a.history[name][:, :, i, j], b.history[name][:, :, i, j]), (
                f"{name} {COUNTRIES[i]}->{COUNTRIES[j]}"
            )


# --- relabelling ----------------------------------------------------------------------------------------


def symmetric_config() -> dict:
    """A world in which JPN and CHN are interchangeable: same priors, affinities, alliance with the USA,
    alignment sanctions on Russia, investment in Russia, channel with Russia, threat weights, summits and
    shock observation. Events naming either of them are dropped."""
    cfg = base_config()
    sc, prm = cfg["scenario"], cfg["params"]
    twin = {"USA": 0.85, "RUS": 0.45}
    sc["initial_trust"] = {
        "JPN": {**twin, "CHN": 0.35},
        "CHN": {**twin, "JPN": 0.35},
        "RUS": {"JPN": 0.5, "CHN": 0.5, "USA": 0.4},
        "USA": {"JPN": 0.85, "CHN": 0.85, "RUS": 0.45},
    }
    sc["affinity"] = {
        "JPN": {"USA": 2.0, "RUS": 0.5, "CHN": -1.0},
        "CHN": {"USA": 2.0, "RUS": 0.5},
        "USA": {"RUS": 0.0},
    }
    sc["initial_rapport"] = {"JPN": {"RUS": 0.5, "USA": 0.5}, "CHN": {"RUS": 0.5, "USA": 0.5}}
    sc["alliances"] = {c: {"patron": "USA", "commitment": 0.8} for c in ("JPN", "CHN")}
    sc["sanctions"]["CHN"] = {"RUS": copy.deepcopy(sc["sanctions"]["JPN"]["RUS"])}
    inv = sc["investment"]
    inv["exposure"] = {"JPN": 0.6, "CHN": 0.6}
    flow = {"initial_stock": 1.0, "baseline_flow": 0.02, "channel_push": 1.5, "busting": 1.0}
    inv["flows"] = {"JPN": {"RUS": dict(flow)}, "CHN": {"RUS": dict(flow)}}
    sc["channels"] = {
        f"{c}_RUS": {
            "owner": c,
            "partner": "RUS",
            "initial_openness": 0.9,
            "visits": True,
            "invitations": True,
            "milestones": True,
        }
        for c in ("JPN", "CHN")
    }
    sc["summits"] = [s for s in sc["summits"] if ("JPN" in s["attendees"]) == ("CHN" in s["attendees"])]
    for shock in sc["shocks"]:
        w = shock["observers"].get("JPN", 0.0)
        shock["observers"]["JPN"] = shock["observers"]["CHN"] = w
    sc["events"] = [e for e in sc["events"] if not {e["source"], e["target"]} & {"JPN", "CHN"}]
    prm["threat_weights"] = {
        "JPN": {"USA": 1.5, "RUS": 0.5, "CHN": 0.3},
        "CHN": {"USA": 1.5, "RUS": 0.5},
        "USA": {"RUS": 0.2},
    }
    prm["reciprocity_by_dyad"] = {}
    return cfg


def swap_labels(cfg: dict, a: str, b: str) -> dict:
    """The same configuration with country codes ``a`` and ``b`` exchanged everywhere (keys, values, names)."""
    text = json.dumps(cfg)
    text = text.replace(a, "\x00").replace(b, a).replace("\x00", b)
    return json.loads(text)


SWAP = [CHN, RUS, USA, JPN]  # index permutation exchanging JPN and CHN


def test_relabelled_twin_reproduces_the_original_exactly():
    """Exchanging the labels of two interchangeable countries gives the same model index by index, so the
    swapped world's CHN (index 0) lives exactly the original JPN's history: nothing reads a country's name."""
    cfg = symmetric_config()
    swapped = swap_labels(cfg, "JPN", "CHN")
    assert swapped["scenario"]["countries"] == ["CHN", "RUS", "USA", "JPN"]
    a = RelationsModel(cfg, replicates=40, rng=cfg["seed"]).run()
    b = RelationsModel(swapped, replicates=40, rng=swapped["seed"]).run()
    for name in DYAD_VARIABLES:
        np.testing.assert_array_equal(a.history[name], b.history[name], err_msg=name)


def test_interchangeable_countries_have_exactly_mirrored_deterministic_structure():
    model = RelationsModel(symmetric_config(), replicates=4, rng=SEED)
    w = model.world
    p = np.ix_(SWAP, SWAP)
    for name in (
        "trust0",
        "rapport0",
        "reciprocity",
        "threat_weight",
        "investment_baseline",
        "investment_initial",
        "channel_push",
        "busting",
    ):
        arr = getattr(w, name)
        np.testing.assert_array_equal(arr[(slice(None), *p)], arr, err_msg=name)
    np.testing.assert_array_equal(w.affinity[(slice(None), slice(None), *p)], w.affinity)
    np.testing.assert_array_equal(w.sanctions_scheduled[(slice(None), slice(None), *p)], w.sanctions_scheduled)
    np.testing.assert_array_equal(w.alignment_reference[(slice(None), slice(None), *p)], w.alignment_reference)
    np.testing.assert_array_equal(w.commitment[:, SWAP], w.commitment)
    np.testing.assert_array_equal(w.exposure[:, SWAP], w.exposure)
    # the spin-up steady state is deterministic: it must be exactly mirrored
    for name in ("intended", "valence", "log_odds"):
        arr = getattr(model.state, name)
        np.testing.assert_array_equal(arr[(slice(None), *p)], arr, err_msg=name)
    np.testing.assert_array_equal(model.target[(slice(None), *p)], model.target)


def _run_means(model: RelationsModel, name: str, start: int = 12) -> np.ndarray:
    """Per-run time mean after the burn-in year: (R, N, N)."""
    return model.history[name][start:].mean(axis=0)


def test_interchangeable_countries_have_indistinguishable_distributions():
    """Within one world JPN and CHN draw different random numbers, but their dyads must agree in law."""
    model = RelationsModel(symmetric_config(), replicates=200, rng=SEED).run()
    for name in ("nci", "trust", "sanctions", "investment_stock"):
        x = _run_means(model, name)
        mirrored = x[:, SWAP][:, :, SWAP]
        diff = x - mirrored
        se = diff.std(axis=0, ddof=1) / np.sqrt(diff.shape[0])
        mean = diff.mean(axis=0)
        tol = 4.5 * se + 1e-12
        bad = np.argwhere(np.abs(mean) > tol)
        assert bad.size == 0, f"{name}: {[(COUNTRIES[i], COUNTRIES[j], mean[i, j]) for i, j in bad]}"


def test_country_order_in_config_does_not_change_distributions():
    """Listing the default replay's countries in another order permutes indices (and so random draws): each
    named dyad keeps its distribution, and the deterministic spin-up state is exactly permuted."""
    cfg = base_config()
    order = ["CHN", "USA", "JPN", "RUS"]
    perm = [COUNTRIES.index(c) for c in order]
    reordered = copy.deepcopy(cfg)
    reordered["scenario"]["countries"] = order
    a = RelationsModel(cfg, replicates=200, rng=cfg["seed"])
    b = RelationsModel(reordered, replicates=200, rng=reordered["seed"])
    p = np.ix_(perm, perm)
    np.testing.assert_allclose(b.state.intended, a.state.intended[(slice(None), *p)], rtol=1e-12, atol=1e-12)
    a.run()
    b.run()
    for name in ("nci", "trust", "channel_openness", "sanctions"):
        xa = _run_means(a, name)[(slice(None), *p)]
        xb = _run_means(b, name)
        se = np.sqrt(xa.var(axis=0, ddof=1) / len(xa) + xb.var(axis=0, ddof=1) / len(xb))
        gap = np.abs(xa.mean(axis=0) - xb.mean(axis=0))
        assert np.all(gap <= 4.5 * se + 1e-9), name


# --- Japan's sanctions (S1, pattern 5) ------------------------------------------------------------------


def _sanction_paths(model: RelationsModel) -> tuple[np.ndarray, np.ndarray, int]:
    s = model.history["sanctions"]
    return s[:, :, JPN, RUS], s[:, :, USA, RUS], model.world.calendar.index("2014-04")


def test_japan_sanctions_partial_and_sticky_in_default_replay():
    model = RelationsModel(base_config(), replicates=100, rng=SEED).run()
    s_j, s_u, april = _sanction_paths(model)
    assert np.all(s_j <= s_u)
    assert np.all(s_j[april:] > 0)
    assert np.all(s_j[april:] < s_u[april:])
    assert np.all(np.diff(s_j, axis=0) >= 0), "never lifted before 2018"
    assert np.all(s_j[: model.world.calendar.index("2014-03")] == 0)


def test_japan_sanctions_never_exceed_us_level_across_parameter_values():
    r = 60
    rng = np.random.default_rng(4)
    settings = {
        "scenario.alliances.JPN.commitment": rng.uniform(0.3, 1.0, r),
        "scenario.sanctions.USA.RUS.scale": rng.uniform(0.0, 1.0 / 0.75, r),
        "params.relationship_value_base": rng.uniform(0.01, 1.0, r),
        "params.relationship_value_trust": rng.uniform(0.0, 2.0, r),
    }
    model = RelationsModel(base_config(), replicates=r, settings=settings, rng=SEED).run()
    s_j, s_u, _ = _sanction_paths(model)
    assert np.all(s_j <= s_u)
    assert np.all(np.diff(s_j, axis=0) >= 0)
    assert np.all((s_j < s_u) | (s_u == 0))


# --- activation order -----------------------------------------------------------------------------------


def _ordered_do(order: str, calls: list):
    rng = np.random.default_rng(123)

    def do(self, method, *args, **kwargs):
        agents = list(self._agents)
        agents = agents[::-1] if order == "reversed" else [agents[k] for k in rng.permutation(len(agents))]
        calls.append([a.index for a in agents])
        for agent in agents:
            getattr(agent, method)(*args, **kwargs) if isinstance(method, str) else method(agent, *args, **kwargs)
        return self

    return do


@pytest.mark.parametrize("order", ["reversed", "shuffled"])
def test_results_do_not_depend_on_agent_order(order, monkeypatch):
    """Activation is staged and simultaneous (S5.3): calling the countries in another order, in the spin-up
    and in every stage of every month, must give byte-identical histories."""
    cfg = base_config()
    a = RelationsModel(cfg, replicates=30, rng=cfg["seed"]).run()
    calls: list[list[int]] = []
    with monkeypatch.context() as mp:
        mp.setattr(mesa.agentset._HardKeyAgentSet, "do", _ordered_do(order, calls))
        b = RelationsModel(cfg, replicates=30, rng=cfg["seed"]).run()
    assert calls and any(c != sorted(c) for c in calls), "the patched order was used"
    for name in DYAD_VARIABLES:
        np.testing.assert_array_equal(a.history[name], b.history[name], err_msg=name)
    for name, steps in a.milestone_steps().items():
        np.testing.assert_array_equal(steps, b.milestone_steps()[name], err_msg=name)
    assert sorted(a.log.rows) == sorted(b.log.rows)


# --------------------------------------------------------------------------------------------------------
# Channels: quick freezes, slow reopenings, the leaders' mandate (S2, S3)
# --------------------------------------------------------------------------------------------------------


def test_channel_closes_at_the_close_speed_and_opens_at_the_open_speed():
    level = np.array([0.8, 0.2])
    target = np.array([0.0, 1.0])
    out = diplomacy.adjust(level, target, 0.15, 0.5)
    np.testing.assert_allclose(out, [0.8 - 0.5 * 0.8, 0.2 + 0.15 * 0.8])


def test_a_freeze_decision_crosses_half_within_two_months_from_0_9():
    """Japan froze its talks twelve days after the first US order: with s_close = 0.5 and O* = 0.1 the
    channel is below 0.5 in the second month, where one speed of 0.15 would take five."""
    o, months = 0.9, 0
    while o >= 0.5:
        o = float(diplomacy.adjust(np.array([o]), np.array([0.1]), 0.15, 0.5)[0])
        months += 1
    assert months == 2
    o, slow = 0.9, 0
    while o >= 0.5:
        o = float(diplomacy.adjust(np.array([o]), np.array([0.1]), 0.15, 0.15)[0])
        slow += 1
    assert slow == 5


def test_summit_mandate_closes_a_share_of_the_gap_only_in_summit_months():
    mandate = np.array([0.0, 0.5, 0.5])
    out = diplomacy.summit_mandate(mandate, np.array([True, True, False]), 0.6)
    np.testing.assert_allclose(out, [0.6, 0.5 + 0.6 * 0.5, 0.5])


def test_mandate_halves_in_its_half_life():
    m = np.array([0.8])
    for _ in range(12):
        m = diplomacy.decay_mandate(m, 12.0)
    np.testing.assert_allclose(m, [0.4])


def _forced_visit_model(month: str, mandate: float):
    """One run of the replay in forced mode with a Japanese visit to Russia injected in ``month``."""
    cfg = to_container(compose_config(["replicates=1", "mode=forced", f"params.summit_mandate={mandate}"]))
    cfg["scenario"]["events"] = [e for e in cfg["scenario"]["events"] if e["cameo"] not in ("042", "043")]
    cfg["scenario"]["events"].append(
        {
            "date": month,
            "source": "JPN",
            "target": "RUS",
            "cameo": "042",
            "goldstein": 1.9,
            "role": "endogenous",
            "refs": [],
            "note": "test visit",
            "weight": 1.0,
        }
    )
    return RelationsModel(cfg, replicates=1, record_events=False, rng=cfg["seed"]).run()


def test_a_summit_lifts_a_frozen_channel_to_its_mandate_and_no_summit_leaves_it_frozen():
    with_mandate = _forced_visit_model("2015-06", 0.6)
    without = _forced_visit_model("2015-06", 0.0)
    t = with_mandate.world.calendar.index("2015-06")
    j, r = with_mandate.world.index("JPN"), with_mandate.world.index("RUS")
    o_with = with_mandate.history["channel_openness"][:, 0, j, r]
    o_without = without.history["channel_openness"][:, 0, j, r]
    assert o_without[t - 1] < 0.5, "the channel is frozen before the visit"
    assert o_with[t] >= 0.6 and o_without[t] < 0.5
    assert np.all(o_with[:t] == o_without[:t]), "nothing changes before the summit"


# ---- issue 9: milestones at summits, follow-up summits, voided mandates, declined invitations ---------------


def test_two_plus_two_needs_a_summit_a_past_freeze_an_open_channel_and_the_owners_trust():
    """Nagato (Dec 2016) agreed to resume the 2+2 Japan had suspended [P81]: every condition is needed."""
    from sim.mechanisms import milestones

    yes = np.array([True])
    no = np.array([False])
    trusting, wary = np.array([0.55]), np.array([0.45])
    assert milestones.two_plus_two_agreed(yes, yes, yes, yes, trusting, 0.5)[0]
    for args in (
        (no, yes, yes, yes, trusting),  # already agreed
        (yes, no, yes, yes, trusting),  # never frozen: nothing to resume
        (yes, yes, no, yes, trusting),  # channel not open
        (yes, yes, yes, no, trusting),  # no summit this month
        (yes, yes, yes, yes, wary),  # the owner does not trust the partner yet
    ):
        assert not milestones.two_plus_two_agreed(*args, 0.5)[0]


def test_joint_activity_is_offered_in_proportion_to_the_partners_economic_need():
    """With every other condition met, the share of qualifying summits that sign is the partner's stress E_j:
    rare in the boom year 2013 (E_R = 0.1), likely in the 2015-16 recession (0.75) [P80] [P104]."""
    from sim.mechanisms import milestones

    u = (np.arange(10_000) + 0.5) / 10_000
    ones = np.ones(u.size, bool)
    rapport = np.full(u.size, 0.7)
    for stress in (0.1, 0.75):
        signed = milestones.joint_activity_agreed(ones, ones, ones, rapport, 0.6, np.full(u.size, stress), u)
        assert signed.mean() == pytest.approx(stress, abs=1e-4)
    low_rapport = milestones.joint_activity_agreed(ones, ones, ones, np.full(u.size, 0.5), 0.6, np.ones(u.size), u)
    no_summit = milestones.joint_activity_agreed(ones, ones, ~ones, rapport, 0.6, np.ones(u.size), u)
    assert not low_rapport.any() and not no_summit.any()


def test_follow_up_summit_chance_is_rate_times_mandate():
    out = diplomacy.follow_up_probability(np.array([0.0, 0.6, 0.84]), 0.3)
    np.testing.assert_allclose(out, [0.0, 0.18, 0.252])


def test_a_round_the_owner_joins_voids_the_mandate_and_a_small_flat_or_falling_step_does_not():
    mandate = np.array([0.8, 0.8, 0.8, 0.8, 0.8])
    out = diplomacy.void_mandate(mandate, np.array([0.2, 0.03, 0.02, 0.0, -0.1]), 0.02)
    np.testing.assert_allclose(out, [0.0, 0.0, 0.8, 0.8, 0.8])


def test_alliance_penalty_lowers_the_acceptance_of_an_invitation_by_its_logit_share():
    """Snyder: taking up the partner's invitation while the patron sanctions it is deterred. Hand value:
    σ(4·(0.2 − 0.3 + 0.1 + 0.4 − 0.45 − 1.0·0.5)) = σ(−2.2)."""
    kwargs = {"acceptance_slope": 4.0, "acceptance_openness": 0.3, "visit_trust": 0.45}
    free = diplomacy.acceptance_probability(0.2, 0.1, 0.4, **kwargs)
    pressed = diplomacy.acceptance_probability(0.2, 0.1, 0.4, penalty_share=0.5, acceptance_penalty=1.0, **kwargs)
    assert float(free) == pytest.approx(1 / (1 + np.exp(0.2)))
    assert float(pressed) == pytest.approx(1 / (1 + np.exp(2.2)))


def _stepped_to(cfg: dict, month: str) -> RelationsModel:
    model = RelationsModel(cfg, replicates=1, record_events=False, rng=cfg["seed"])
    while model.t <= model.world.calendar.index(month):
        model.step()
    return model


def test_japans_first_sanctions_round_voids_a_summit_mandate_in_the_model():
    """A Japanese visit in 2014-02 (Sochi) gives a mandate; Japan's first measures of 2014-03 void it [P9] [P15]."""
    cfg = to_container(compose_config(["mode=forced"]))
    cfg["scenario"]["events"] = [e for e in cfg["scenario"]["events"] if e["cameo"] not in ("042", "043")]
    cfg["scenario"]["events"].append(
        {"date": "2014-02", "source": "JPN", "target": "RUS", "cameo": "042", "goldstein": 1.9}
        | {"role": "endogenous", "refs": [], "note": "test visit", "weight": 1.0}
    )
    february = _stepped_to(copy.deepcopy(cfg), "2014-02")
    assert float(february.state.mandate[0, 0]) == pytest.approx(0.6)
    march = _stepped_to(copy.deepcopy(cfg), "2014-03")
    assert float(march.state.mandate[0, 0]) == 0.0


def test_a_round_the_owner_joins_suspends_talks_until_a_summit_resumes_them():
    """Deviation ad: a rise above the threshold suspends (a small, flat or falling step does not); a suspension
    stays without a summit and only a summit lifts it."""
    suspended = diplomacy.suspend_talks(np.zeros(5, bool), np.array([0.2, 0.03, 0.02, 0.0, -0.1]), 0.02)
    np.testing.assert_array_equal(suspended, [True, True, False, False, False])
    assert diplomacy.suspend_talks(np.array([True]), np.array([-0.1]), 0.02).all()  # stays suspended
    resumed = diplomacy.resume_talks(np.array([True, True, False]), np.array([True, False, True]))
    np.testing.assert_array_equal(resumed, [False, True, False])


def test_a_suspended_channel_target_is_capped_and_level_one_changes_nothing():
    target = np.array([0.0, 0.3, 0.82, 1.0, 0.6])
    suspended = np.array([True, True, True, True, False])
    np.testing.assert_array_equal(diplomacy.cap_target(target, suspended, 0.0), [0.0, 0.0, 0.0, 0.0, 0.6])
    np.testing.assert_array_equal(diplomacy.cap_target(target, suspended, 0.4), [0.0, 0.3, 0.4, 0.4, 0.6])
    assert diplomacy.cap_target(target, suspended, 1.0).tobytes() == target.tobytes()  # the default: off


def test_with_suspension_the_channel_freezes_in_the_month_of_japans_first_round_and_a_summit_reopens_it():
    """With ``suspension_level=0`` the J–R channel falls below 0.5 in the month Japan's sanctions on Russia first rise
    above the threshold (the month of its first 163 event), in every run; by default (1) it does not in most runs,
    since the target stays above 0.5 through the spring of 2014. The first bilateral summit after the suspension
    lifts it to the summit's mandate."""
    firsts = {}
    for level in (0.0, 1.0):
        cfg = to_container(compose_config([f"params.suspension_level={level}"]))
        model = RelationsModel(cfg, replicates=40, record_events=False, record=("sanctions",), rng=7)
        w = model.world
        j, r = w.index("JPN"), w.index("RUS")
        threshold = float(w.params.sanction_step_threshold[0, 0])
        openness, visits, mandate = [], [], []
        while model.running and model.t < model.n_steps:
            model.step()
            openness.append(model.state.openness[:, j, r].copy())
            visits.append(model.state.visit[:, j, r] | model.state.visit[:, r, j])
            mandate.append(model.state.mandate[:, 0].copy())
        openness, visits, mandate = np.array(openness), np.array(visits), np.array(mandate)
        rise = np.diff(model.history["sanctions"][:, :, j, r], axis=0, prepend=0.0) > threshold
        first_round = rise.argmax(axis=0)
        assert rise.any(axis=0).all()  # Japan joins a round in every run
        freeze = (openness < 0.5).argmax(axis=0)
        firsts[level] = (first_round, freeze)
        if level == 0.0:
            np.testing.assert_array_equal(freeze, first_round)
            for k in range(model.n_runs):  # the first summit after the freeze reopens the channel to its mandate
                after = np.flatnonzero(visits[freeze[k] + 1 :, k])
                if after.size:
                    t = freeze[k] + 1 + after[0]
                    assert openness[t, k] >= mandate[t, k] >= 0.6
    first_round, freeze = firsts[1.0]
    assert (freeze == first_round).mean() < 0.2  # without the suspension the freeze drifts after the first round


# ---- the observation model's record of salient events --------------------------------------------------------


def test_salience_draw_picks_events_in_proportion_to_their_absolute_goldstein_value():
    """Efraimidis-Spirakis keys: with one slot, an event of |g| = 6 beats one of |g| = 2 with probability
    6/8; an event of value 0 is never preferred."""
    rng = np.random.default_rng(0)
    wins = 0
    trials = 20_000
    for u1, u2 in rng.random((trials, 2)):
        kept, keys = np.full(1, np.nan), np.full(1, -np.inf)
        events.keep_salient(kept, keys, -2.0, events.salience_key(-2.0, u1, 1.0))
        events.keep_salient(kept, keys, 6.0, events.salience_key(6.0, u2, 1.0))
        wins += kept[0] == 6.0
    assert wins / trials == pytest.approx(0.75, abs=0.01)
    kept, keys = np.full(1, np.nan), np.full(1, -np.inf)
    events.keep_salient(kept, keys, 3.0, events.salience_key(3.0, 0.999, 1.0))
    events.keep_salient(kept, keys, 0.0, events.salience_key(0.0, 0.001, 1.0))
    assert kept[0] == 3.0


def test_vectorised_and_compiled_salient_records_agree():
    from sim.signals import keep_salient

    rng = np.random.default_rng(3)
    values = rng.choice(LADDER, size=(5, 12))
    u = rng.random((5, 12))
    kept, keys = np.full((5, 4), np.nan), np.full((5, 4), -np.inf)
    for e in range(12):
        key = np.array([events.salience_key(values[r, e], u[r, e], 1.0) for r in range(5)])
        keep_salient(kept, keys, 0.0, key, np.zeros(5, bool))  # nothing happened: nothing changes
        for r in range(5):
            events.keep_salient(kept[r], keys[r], values[r, e], key[r])
    for r in range(5):
        order = np.argsort([-events.salience_key(values[r, e], u[r, e], 1.0) for e in range(12)], kind="stable")[:4]
        np.testing.assert_array_equal(kept[r], values[r, order])
    again, again_keys = np.full((5, 4), np.nan), np.full((5, 4), -np.inf)
    for e in range(12):
        key = np.array([events.salience_key(values[r, e], u[r, e], 1.0) for r in range(5)])
        for r in range(5):
            keep_salient(again[r : r + 1], again_keys[r : r + 1], values[r, e], key[r : r + 1], np.ones(1, bool))
    np.testing.assert_array_equal(again, kept)


def test_keeping_the_salient_record_does_not_change_the_dynamics():
    cfg = copy.deepcopy(_composed())
    plain = RelationsModel(copy.deepcopy(cfg), replicates=3, record_events=False, rng=SEED).run()
    kept = RelationsModel(copy.deepcopy(cfg), replicates=3, record_events=False, record_salient=4, rng=SEED).run()
    for name in ("nci", "trust", "channel_openness"):
        np.testing.assert_array_equal(plain.history[name], kept.history[name])
    assert kept.salient.shape == (*plain.history["nci"].shape, 4)
    j, r = kept.world.index("JPN"), kept.world.index("RUS")
    month = kept.salient[:, :, j, r, :]
    assert np.isfinite(month[..., 0]).all(), "every dyad-month has at least one routine event"
    assert set(np.unique(month[np.isfinite(month)])) <= set(LADDER) | {
        cameo.goldstein(c) for c in cameo.goldstein_table()
    }


def test_the_salient_record_of_a_run_does_not_depend_on_its_batch():
    cfg = copy.deepcopy(_composed())
    whole = RelationsModel(copy.deepcopy(cfg), runs=np.arange(6), record_events=False, record_salient=4, rng=SEED)
    part = RelationsModel(copy.deepcopy(cfg), runs=np.arange(3, 6), record_events=False, record_salient=4, rng=SEED)
    whole.run(), part.run()
    np.testing.assert_array_equal(whole.salient[:, 3:], part.salient)
    np.testing.assert_array_equal(whole.salient_key[:, 3:], part.salient_key)
