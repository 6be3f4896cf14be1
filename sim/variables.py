"""The recorded output variables, each declared once: its name (a ``variable`` of ``timeseries.parquet``), its
axis label with the unit, and its natural scale (the width of its range; None when it has no bound).

The model records exactly ``DYAD_VARIABLES`` (``RelationsModel._observe`` says how each is read off the state),
figures label their axes from ``LABELS`` (``sim.plots.quantity``), the preflight's memory estimate counts them
(``sim.memory``), sweep, comparison and dashboard choices are checked against them, and README's and
docs/ODD.md's lists of the recorded variables and milestones are generated from them (``sim.docs``). A new dyad
variable: one line here, its value (a ``State`` field of the same name, or a case in
``RelationsModel._observe``), then ``python -m sim.docs --write``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sim.mechanisms.target import TERMS


@dataclass(frozen=True)
class Quantity:
    """What a number is: its axis label with the unit, and its natural scale (the width of its range, or
    None when it has no bound: then the scale is the largest magnitude in the data)."""

    label: str
    scale: float | None


# name -> Quantity, in the order of timeseries.parquet's variables
DYAD: dict[str, Quantity] = {
    "nci": Quantity("NCI (Goldstein scale)", 20.0),
    "intended_cooperation": Quantity("intended cooperation (Goldstein scale)", 20.0),
    "cooperation_target": Quantity("cooperation target (Goldstein scale)", 20.0),
    "trust": Quantity("trust, probability [0, 1]", 1.0),
    "valence": Quantity("valence [−1, 1]", 2.0),
    "sanctions": Quantity("sanction level [0, 1]", 1.0),
    # docs/ODD.md, state variables: normalised units, K = 1 is Japan's ~$12bn stock in Russia [P112]
    "investment_flow": Quantity("investment flow (normalised units / month)", None),
    "investment_stock": Quantity("investment stock (normalised, 1 ≈ $12bn)", None),
    "rapport": Quantity("leaders' rapport [0, 1]", 1.0),
    "channel_openness": Quantity("channel openness [0, 1]", 1.0),
    # attribution: the named terms that add up to cooperation_target
    **{f"target_{term}": Quantity(f"{term.replace('_', ' ')} (Goldstein scale)", 20.0) for term in TERMS},
}
DYAD_VARIABLES = tuple(DYAD)
ATTRIBUTION_VARIABLES = tuple(f"target_{term}" for term in TERMS)
MILESTONES = ("two_plus_two", "joint_activity", "treaty")
