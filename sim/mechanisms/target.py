"""The cooperation target of S4 as a sum of named terms, so every run can say why it did what it did."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.reciprocity import damp_conflict, generous_reciprocity

# Each term of the target, declared once with the label figures give it (``sim.attribution``). A new term added
# here is recorded (``target_<term>``), tabulated and drawn with its label; ``target_terms`` must return it.
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
) -> dict[str, np.ndarray]:
    """Terms of ``target_ij`` (MODEL-NOTES S4); their sum is the target.

    ``G_ij + k·rec + γ_τ(2τ_ij - 1) + ρ·Rap_ij + β·B_ij + ω·W_ij - Pen_ij - γ_S·S_ji + h_ij·N(t)
    + e·E_i·[j invests in i] + ψ·ln(1 + I_ij/I0_ij)``, then negative targets are damped by
    interdependence; the ``interdependence`` term is that damping (damped minus undamped sum), so the
    terms add up to the target exactly. Sources: Richardson (affinity), Nowak & Sigmund (reciprocity),
    Kydd (trust), Heider (balance), Crawford (wedge), Snyder (alliance pressure), Hufbauer et al. and
    Putin's Dec-2016 remarks (resentment), Kydd's costly signals (investment), Oneal & Russett
    (interdependence).
    """
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
        "investment": investment_signal * np.log1p(ratio),
    }
    raw = sum(terms.values())
    terms["interdependence"] = damp_conflict(raw, interdependence, damping) - raw
    return terms
