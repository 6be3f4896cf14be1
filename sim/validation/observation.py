"""The observation model's one parameter, its salience power ω, chosen on data the validation does not score.

The observed series is a news timeline: the few events a historian dated in a quarter, not all events. The fit
(``sim.validation.fit``) scores each run's quarter as the same kind of record: ``n`` of its events, drawn without
replacement with weights ``w = |g|^ω`` (``sim.signals.salience_weight``): ω = 0 records any event alike,
ω = 1 in proportion to its intensity, a large ω the quarter's most intense events (its headlines). How strongly a
timeline prefers intense events is a property of the record, not of the dynamics, and nothing in the sources fixes
it; so it is estimated, like any parameter of a measurement model, on the in-sample quarters only:

- the candidates ``validation.observation.powers`` are scored on the runs of ``validation.observation.seeds``
  (tuning seeds, never validation seeds);
- each is scored on the quarters up to ``validation.split``, with deviations from the in-sample mean (the profile
  reads no later observation);
- the chosen ω has the largest pooled in-sample skill (the smallest ω on a tie).

The dynamics are the same for every ω: the draws have their own random stream, so a profile changes only what is
recorded.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from sim.validation.fit import SALIENT_EVENTS, fit_scores
from sim.validation.protocol import Protocol, pool, run_seed

COLUMNS = ["salience_power", "dyad_quarters", "coverage_50", "coverage_90", "skill"]


def profile(cfg: dict[str, Any], protocol: Protocol, observed: pd.DataFrame) -> pd.DataFrame:
    """In-sample coverage and skill of each candidate power, the tuning seeds' runs pooled; one row per power,
    with a column of in-sample skill per seed (``skill_seed_<s>``) to show how stable the choice is."""
    plan = protocol.observation
    rows = []
    for power in plan.powers:
        per_seed = [
            run_seed(cfg, s, plan.runs, record=("nci",), salient=SALIENT_EVENTS, salience_power=power)
            for s in plan.seeds
        ]
        row = in_sample(pool(per_seed), observed, protocol.split)
        row["salience_power"] = power
        for s, ens in zip(plan.seeds, per_seed, strict=True):
            row[f"skill_seed_{s}"] = in_sample(ens, observed, protocol.split)["skill"]
        rows.append(row)
    table = pd.DataFrame(rows).astype({"dyad_quarters": int})
    return table[COLUMNS + [c for c in table.columns if c not in COLUMNS]]


def in_sample(ens, observed: pd.DataFrame, split: str) -> dict[str, float]:
    """Coverage and skill over the quarters up to ``split``, deviations from their own mean (no later quarter)."""
    scores = fit_scores(ens, observed, split=split, last=split, observation="salient").scores
    row = scores[scores["scope"] == "in-sample"].iloc[0]
    return {k: float(row[k]) for k in ("dyad_quarters", "coverage_50", "coverage_90", "skill")}


def choose(table: pd.DataFrame) -> float:
    """The power of largest pooled in-sample skill; the smallest such power on a tie."""
    best = table["skill"].max()
    return float(table.loc[np.isclose(table["skill"], best, rtol=0, atol=1e-12), "salience_power"].min())
