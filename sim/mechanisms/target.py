"""The cooperation target of S4 as a sum of named terms, so every run can say why it did what it did.

``target_terms_at`` is the equation, for one directed dyad of one run; ``decide_row`` is the decision stage's
compiled loop over runs and partners that calls it and takes the Richardson step; ``target_terms`` evaluates it
over arrays (tests, attribution checks). The one transcendental input, ``ln(1 + I/I0)`` (``growth_at``), is
computed for a whole row (``investment_growth``) and passed in; the results are those of the numpy code the loop
replaced, bit for bit (``tests/test_compiled.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.mechanisms.elementwise import ROW
from sim.mechanisms.elementwise import at as _at
from sim.mechanisms.reciprocity import damp_conflict, generous_reciprocity, richardson_step
from sim.numerics.elementary import binary_array, log1p

# Each term of the target, declared once with the label figures give it (``sim.attribution``). A new term added
# here is recorded (``target_<term>``), tabulated and drawn with its label; ``target_terms_at`` must return it.
TERM_LABELS = {
    "affinity": "affinity G",
    "reciprocity": "reciprocity",
    "trust": "trust",
    "rapport": "leaders' rapport",
    "balance": "structural balance",
    "wedge": "wedge (vs CHN–RUS)",
    "alliance_pressure": "alliance pressure",
    "sanctions_resentment": "sanctions resentment",
    "shared_threat": "shared threat",
    "economic_stress": "economic stress",
    "investment": "investment signal",
    "interdependence": "interdependence damping",
}
TERMS = tuple(TERM_LABELS)
N_TERMS = len(TERMS)

# The inputs of ``target_terms_at``, in its order: ``target_terms`` takes them by name.
INPUTS = (
    "affinity",
    "perceived",
    "reciprocity",
    "generosity",
    "trust",
    "trust_weight",
    "rapport",
    "rapport_weight",
    "balance",
    "balance_weight",
    "wedge",
    "wedge_weight",
    "penalty",
    "sanctions_received",
    "resentment",
    "threat",
    "threat_weight",
    "stress",
    "stress_outreach",
    "partner_invests",
    "investment_growth",
    "investment_signal",
    "interdependence",
    "damping",
)


@njit(cache=True, error_model="numpy")
def target_terms_at(
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
    investment_growth,
    investment_signal,
    interdependence,
    damping,
) -> tuple[float, ...]:
    """Terms of ``target_ij`` (MODEL-NOTES S4) in the order of ``TERMS``, then their sum, the target.

    ``G_ij + k·rec + γ_τ(2τ_ij - 1) + ρ·Rap_ij + β·B_ij + ω·W_ij - Pen_ij - γ_S·S_ji + h_ij·N(t)
    + e·E_i·[j invests in i] + ψ·ln(1 + I_ij/I0_ij)``, then negative targets are damped by
    interdependence; the ``interdependence`` term is that damping (damped minus undamped sum), so the
    terms add up to the target. ``investment_growth`` is ``ln(1 + I_ij/I0_ij)`` (``investment_growth``). Sources:
    Richardson (affinity), Nowak & Sigmund (reciprocity), Kydd (trust), Heider (balance), Crawford (wedge),
    Snyder (alliance pressure), Hufbauer et al. and Putin's Dec-2016 remarks (resentment), Kydd's costly signals
    (investment), Oneal & Russett (interdependence).
    """
    t0 = affinity
    t1 = reciprocity * generous_reciprocity(perceived, generosity)
    t2 = trust_weight * (2.0 * trust - 1.0)
    t3 = rapport_weight * rapport
    t4 = balance_weight * balance
    t5 = wedge_weight * wedge
    t6 = -penalty
    t7 = -resentment * sanctions_received
    t8 = threat_weight * threat
    t9 = stress_outreach * stress * partner_invests
    t10 = investment_signal * investment_growth
    # summed from +0.0 in term order, as Python's sum() over the terms was
    raw = 0.0 + t0 + t1 + t2 + t3 + t4 + t5 + t6 + t7 + t8 + t9 + t10
    t11 = damp_conflict(raw, interdependence, damping) - raw
    return (t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, raw + t11)


@njit(cache=True, error_model="numpy")
def growth_at(flow: float, baseline: float) -> float:
    """``ln(1 + I_ij/I0_ij)``, 0 where there is no baseline flow ``I0_ij`` (``elementary.log1p``: the same doubles on
    every machine)."""
    return log1p(flow / baseline) if baseline > 0.0 else 0.0


@njit(cache=True, error_model="numpy")
def _growth(flow: np.ndarray, baseline: np.ndarray, out: np.ndarray) -> None:
    for k in range(out.size):
        out[k] = growth_at(flow[k], baseline[k])


def investment_growth(flow: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """``growth_at`` elementwise over ``flow`` and ``baseline`` broadcast against each other."""
    return binary_array(_growth, flow, baseline)


@njit(cache=True, error_model="numpy")
def _terms_of_columns(columns: np.ndarray, out: np.ndarray) -> None:
    for m in range(columns.shape[1]):
        c = columns[:, m]
        terms = target_terms_at(
            c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[12], c[13], c[14],
            c[15], c[16], c[17], c[18], c[19], c[20], c[21], c[22], c[23],
        )  # fmt: skip
        for k in range(N_TERMS):
            out[k, m] = terms[k]


def target_terms(*, investment_flow, investment_baseline, **inputs) -> dict[str, np.ndarray]:
    """The terms of ``target_terms_at`` over broadcast arrays, as ``{term: array}`` (their sum is the target).

    Takes every input of ``target_terms_at`` by name except ``investment_growth``, which it computes from
    ``investment_flow`` and ``investment_baseline``.
    """
    inputs["investment_growth"] = investment_growth(investment_flow, investment_baseline)
    missing = set(INPUTS) - set(inputs)
    if missing:
        raise TypeError(f"target_terms() missing {sorted(missing)}")
    arrays = np.broadcast_arrays(*(np.asarray(inputs[name], dtype=float) for name in INPUTS))
    shape = arrays[0].shape
    columns = np.stack([a.reshape(-1) for a in arrays])
    out = np.empty((N_TERMS, columns.shape[1]))
    _terms_of_columns(columns, out)
    return {name: out[k].reshape(shape) for k, name in enumerate(TERMS)}


_DECIDE = f"void(int64, {', '.join([ROW] * 28)}, float64[:, :, :], {ROW}, {ROW})"  # one version for any batch


@njit(_DECIDE, cache=True, error_model="numpy")
def decide_row(
    i,
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
    investment_growth,
    investment_signal,
    stock_out,
    stock_in,
    interdependence_reference,
    damping,
    intended,
    speed,
    terms_out,
    target_out,
    intended_out,
) -> None:
    """Country ``i``'s S4 decision toward every partner in every run: the target (``target_terms_at``) and the
    Richardson step (``richardson_step``). Inputs are 2-D (runs or 1, partners or 1); ``D_ij = (K_ij + K_ji)/D0``
    from the stocks ``stock_out`` (K_i·) and ``stock_in`` (K_·i). Writes the terms into ``terms_out`` (terms,
    runs, partners; size 0 to skip), the target into ``target_out`` and ``c*_ij`` into ``intended_out``, with 0
    toward itself."""
    runs, n = intended_out.shape
    keep = terms_out.shape[0] > 0
    for r in range(runs):
        for j in range(n):
            if j == i:
                if keep:
                    for k in range(N_TERMS):
                        terms_out[k, r, j] = 0.0
                target_out[r, j] = 0.0
                intended_out[r, j] = 0.0
                continue
            interdependence = (stock_out[r, j] + stock_in[r, j]) / _at(interdependence_reference, r, 0)
            terms = target_terms_at(
                _at(affinity, r, j),
                _at(perceived, r, j),
                _at(reciprocity, r, j),
                _at(generosity, r, j),
                _at(trust, r, j),
                _at(trust_weight, r, j),
                _at(rapport, r, j),
                _at(rapport_weight, r, j),
                _at(balance, r, j),
                _at(balance_weight, r, j),
                _at(wedge, r, j),
                _at(wedge_weight, r, j),
                _at(penalty, r, j),
                _at(sanctions_received, r, j),
                _at(resentment, r, j),
                _at(threat, r, j),
                _at(threat_weight, r, j),
                _at(stress, r, j),
                _at(stress_outreach, r, j),
                _at(partner_invests, r, j),
                _at(investment_growth, r, j),
                _at(investment_signal, r, j),
                interdependence,
                _at(damping, r, j),
            )
            if keep:
                for k in range(N_TERMS):
                    terms_out[k, r, j] = terms[k]
            target_out[r, j] = terms[N_TERMS]
            intended_out[r, j] = richardson_step(intended[r, j], terms[N_TERMS], _at(speed, r, j))
