"""Test-only reference: the vectorised numpy implementation of event generation and random numbers that the
compiled kernel replaced (as of commit 7c60d2f), kept verbatim in its arithmetic so that tests can require
the compiled path to give the same bits. Not imported by ``sim``; never used to compute results.

Its exponentials, logarithms and inverse normal CDF are the model's own (``sim.numerics``), applied elementwise:
numpy's and SciPy's give other last bits on some processors, and these references check the arithmetic around
them (``tests/test_numerics.py`` checks the functions themselves).
"""

from __future__ import annotations

import numpy as np

from sim import cameo
from sim.numerics import elementary
from sim.numerics.ndtri import ndtri as _ndtri
from sim.rng import STREAMS

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TO_UNIT = 1.0 / float(1 << 53)
_STREAM_ID = {name: i for i, name in enumerate(STREAMS)}
SLOT_STRIDE = 1 << 12


def mix(x: np.ndarray) -> np.ndarray:
    x = x.copy()
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def run_keys(seed: int, runs: np.ndarray) -> np.ndarray:
    seed_word = mix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64) + _GAMMA)
    return mix(seed_word + mix(np.asarray(runs, dtype=np.uint64) + np.uint64(1)))


class Streams:
    def __init__(self, seed: int, runs: np.ndarray):
        self.keys = run_keys(seed, runs)[:, None]

    def _bits(self, stream, step, elements):
        counter = (np.uint64(step) << np.uint64(40)) | (np.uint64(_STREAM_ID[stream]) << np.uint64(32))
        return mix(self.keys + mix((elements | counter) * _GAMMA)[None, :])

    def _flat_bits(self, stream, step, runs, elements):
        counter = (np.uint64(step) << np.uint64(40)) | (np.uint64(_STREAM_ID[stream]) << np.uint64(32))
        return mix(self.keys[runs, 0] + mix((elements | counter) * _GAMMA))

    def uniform(self, stream, step, shape, offset=0):
        elements = np.arange(offset, offset + int(np.prod(shape)), dtype=np.uint64)
        return _unit(self._bits(stream, step, elements)).reshape((len(self.keys), *shape))

    def normal(self, stream, step, shape, offset=0):
        elements = np.arange(offset, offset + int(np.prod(shape)), dtype=np.uint64)
        return ndtri(_open_unit(self._bits(stream, step, elements))).reshape((len(self.keys), *shape))

    def uniform_flat(self, stream, step, runs, elements):
        return _unit(self._flat_bits(stream, step, runs, np.asarray(elements, dtype=np.uint64)))

    def normal_flat(self, stream, step, runs, elements):
        return ndtri(_open_unit(self._flat_bits(stream, step, runs, np.asarray(elements, dtype=np.uint64))))


def ndtri(y):
    return np.vectorize(_ndtri, otypes=[float])(y)


def _unit(bits):
    return (bits >> _S11).astype(np.float64) * _TO_UNIT


def _open_unit(bits):
    return ((bits >> _S11).astype(np.float64) + 0.5) * _TO_UNIT


def poisson_inverse(u, lam, cap):
    lam = np.broadcast_to(lam, u.shape)
    # the model's exp: numpy's SIMD exp can differ in the last bit (np.exp(-2.0625) is one ulp below the C
    # library's), which moves a draw that falls exactly on F(0)
    p = elementary.exp_array(-lam)
    cdf = p.copy()
    k = np.zeros(u.shape, dtype=np.int64)
    for m in range(1, cap + 1):
        above = u >= cdf
        if not above.any():
            break
        k += above
        p = p * lam / m
        cdf = cdf + p
    return k


def map_unbiased(value, u):
    ladder, _ = cameo.root_ladder()
    inverse_gap = 1.0 / np.diff(ladder)
    lo = cameo._rung_below()[np.clip(((value - ladder[0]) * 10.0).astype(np.int64), 0, None)]
    p_hi = (value - ladder[lo]) * inverse_gap[lo]
    upper = u < p_hi
    second = u >= 0.5 * (p_hi + 1.0 - upper)
    return lo + upper, second.astype(np.int64)


def month_events(streams: Streams, t, i, level, events_per_month, event_noise, slots):
    """The event part of ``Country.act`` before the kernel: (total, counts, costly, first-run events)."""
    runs, n = level.shape
    others = np.arange(n) != i
    counts = (
        1 + poisson_inverse(streams.uniform("event_count", t, (n,), offset=i * n), events_per_month, slots - 1)
    ) * others
    flat = counts.reshape(-1)
    group = np.repeat(np.arange(flat.size), flat)
    starts = np.cumsum(flat) - flat
    k = np.arange(group.size) - np.repeat(starts, flat)
    run, target = np.divmod(group, n)
    elements = (i * n + target) * SLOT_STRIDE + k
    noise = np.broadcast_to(event_noise, (runs, 1))[run, 0]
    value = level[run, target] + noise * streams.normal_flat("event_noise", t, run, elements)
    ladder, _ = cameo.root_ladder()
    rung, tie = map_unbiased(
        np.clip(value, ladder[0], ladder[-1]), streams.uniform_flat("event_code", t, run, elements)
    )
    total = np.bincount(group, weights=ladder[rung], minlength=runs * n)
    costly = np.bincount(group, weights=cameo.costly_rungs()[rung, tie], minlength=runs * n) > 0
    first = run == 0
    return total.reshape(runs, n), counts, costly.reshape(runs, n), (target[first], k[first], rung[first], tie[first])


# The third-party terms as vectorised numpy code (sim/mechanisms/structure.py before they were compiled, commit
# d5566d7), verbatim in their arithmetic.


def _off_pair_mask(n: int) -> np.ndarray:
    idx = np.arange(n)
    return (idx[:, None, None] != idx[None, None, :]) & (idx[None, :, None] != idx[None, None, :])


def balance_pressure(x: np.ndarray) -> np.ndarray:
    n = x.shape[-1]
    mask = _off_pair_mask(n)
    products = x[..., :, None, :] * np.swapaxes(x, -1, -2)[..., None, :, :]  # [i, j, k] = x_ik * x_kj
    count = max(n - 2, 1)
    return (products * mask).sum(axis=-1) / count


def wedge_incentive(x: np.ndarray) -> np.ndarray:
    n = x.shape[-1]
    mask = _off_pair_mask(n)
    hostile = np.maximum(0.0, -x)[..., :, None, :]  # [i, ., k]
    friendly = np.maximum(0.0, x)[..., None, :, :]  # [., j, k]
    return (hostile * friendly * mask).sum(axis=-1)


# The S4 decision stage as vectorised numpy code (sim/mechanisms/target.py, reciprocity.py and Country.decide
# before they were compiled, commit b915a4f), verbatim in its arithmetic.


def generous_reciprocity(perceived, generosity):
    return np.where(perceived >= 0.0, perceived, (1.0 - generosity) * perceived)


def damp_conflict(target, interdependence, damping):
    return np.where(target < 0.0, target / (1.0 + damping * interdependence), target)


def richardson_step(intended, target, speed):
    return np.clip((1.0 - speed) * intended + speed * target, -10.0, 10.0)


def target_terms(
    *,
    affinity,
    perceived,
    reciprocity,
    generosity,
    trust,
    trust_weight,
    rapport,
    rapport_weight,
    balance,
    balance_weight,
    wedge,
    wedge_weight,
    penalty,
    sanctions_received,
    resentment,
    threat,
    threat_weight,
    stress,
    stress_outreach,
    partner_invests,
    investment_flow,
    investment_baseline,
    investment_signal,
    interdependence,
    damping,
):
    ratio = np.divide(
        investment_flow,
        investment_baseline,
        out=np.zeros(np.broadcast_shapes(np.shape(investment_flow), np.shape(investment_baseline))),
        where=investment_baseline > 0,
    )
    terms = {
        "affinity": affinity,
        "reciprocity": reciprocity * generous_reciprocity(perceived, generosity),
        "trust": trust_weight * (2.0 * trust - 1.0),
        "rapport": rapport_weight * rapport,
        "balance": balance_weight * balance,
        "wedge": wedge_weight * wedge,
        "alliance_pressure": -penalty,
        "sanctions_resentment": -resentment * sanctions_received,
        "shared_threat": threat_weight * threat,
        "economic_stress": stress_outreach * stress * partner_invests,
        "investment": investment_signal * elementary.log1p_array(ratio),
    }
    raw = sum(terms.values())
    terms["interdependence"] = damp_conflict(raw, interdependence, damping) - raw
    return terms


def decide(i, n, inputs, stock_out, stock_in, interdependence_reference, intended, speed):
    """Country ``i``'s row as ``Country.decide`` computed it: terms, target and intended level, (R, N) each."""
    terms = target_terms(**inputs, interdependence=(stock_out + stock_in) / interdependence_reference)
    others = np.arange(n) != i
    kept = {name: np.where(others, term, 0.0) for name, term in terms.items()}
    target = np.where(others, sum(terms.values()), 0.0)
    return kept, target, np.where(others, richardson_step(intended, target, speed), 0.0)


# The S6 observation, S5 investment and realised-NCI stages as vectorised numpy code (sim/mechanisms/perception.py,
# trust.py, investment.py, events.net_cooperation and Country.observe/invest/act before they were compiled, commit
# b915a4f), verbatim in their arithmetic.


def logistic(x):
    return elementary.logistic_array(x)


def observe(j, n, t_update, d):
    """Country ``j``'s column as ``Country.observe`` computed it: (perceived, log-odds or None in the burn-in)."""
    sources = np.arange(n) != j
    bias = d["mistrust_bias"] * (1.0 - d["observer_trust"]) * np.maximum(d["signal"] - d["normal"], 0.0)
    read = d["signal"] - bias + d["perception_noise"] * (1.0 - d["rapport_clarity"] * d["rapport"]) * d["noise"]
    read = np.where(sources, read, 0.0)
    if not t_update:
        return read, None
    baseline = d["normal"]
    cost = d["visit"] * d["penalty"] / d["penalty_scale"]
    base = np.where(d["costly"], d["costly_signal_noise"], d["cheap_signal_noise"])
    sigma = base / (1.0 + d["cost_sensitivity"] * cost)
    updated = d["log_odds"] + d["signal_separation"] / sigma**2 * (read - baseline)
    shock_w, shock_wg = d["shock_weight"], d["shock_weighted_goldstein"]
    updated = updated + d["signal_separation"] / d["costly_signal_noise"] ** 2 * (shock_wg - shock_w * baseline)
    prior = np.broadcast_to(d["prior"], updated.shape)
    reverted = (1.0 - d["reversion"]) * updated + d["reversion"] * prior
    return read, np.where(sources, reverted, 0.0)


def invest(d):
    """Country ``i``'s row as ``Country.invest`` computed it: (flow, stock)."""
    exposure, sender = d["exposure"], d["sender_sanctions"]
    effective = np.maximum(d["own_sanctions"], exposure * sender)
    push = 1.0 + d["busting"] * sender * (1.0 - exposure) + d["channel_push"] * np.maximum(0.0, d["openness"] - 0.5)
    climate = np.maximum(0.0, 1.0 + 0.5 * (d["trust"] - 0.5) + 0.5 * d["rapport"])
    flow = d["baseline"] * push * climate * (1.0 + d["host_stress"]) * np.maximum(0.0, 1.0 - d["friction"] * effective)
    return flow, (1.0 - d["depreciation"]) * d["stock"] + flow


def realise(i, n, d):
    """Country ``i``'s row as ``Country.act`` computed it after the routine events: (realised NCI, costly)."""
    others = np.arange(n) != i
    scale = d["scale"]
    injected_wg = d["injected_weighted"] + scale * d["sanction_weighted"]
    injected_w = d["injected_weight"] + scale * d["sanction_weight"]
    extra_wg = d["scheduled_weight"] * injected_wg + d["emitted_weighted"]
    extra_w = d["scheduled_weight"] * injected_w + d["emitted_weight"]
    numerator, denominator = d["total"] + extra_wg, d["count"] + extra_w
    realised = np.divide(numerator, denominator, out=np.zeros(np.shape(numerator)), where=denominator > 0)
    injected_costly = d["injected_costly"] | (d["sanction_costly"] & (scale > 0))
    costly = (d["costly"] | injected_costly | d["emitted_costly"]) & others
    return np.where(others, realised, 0.0), costly
