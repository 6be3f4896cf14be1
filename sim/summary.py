"""Headline outcomes of an ensemble: windowed NCI per dyad and milestone probabilities by date."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from sim.results import Ensemble


def _stats(values: np.ndarray) -> dict[str, float]:
    q05, q25, q50, q75, q95 = np.quantile(values, (0.05, 0.25, 0.5, 0.75, 0.95))
    return {
        "median": round(float(q50), 6),
        "mean": round(float(values.mean()), 6),
        "q05": round(float(q05), 6),
        "q25": round(float(q25), 6),
        "q75": round(float(q75), 6),
        "q95": round(float(q95), 6),
    }


def summarise(ens: Ensemble, windows: Mapping[str, list[str]], milestone_dates: list[str]) -> dict[str, Any]:
    """Per window, each directed dyad's NCI (run means over the window, summarised across runs); per
    channel, the share of runs in which each milestone happened by each date (and when, by median)."""
    nci = {}
    for name, (first, last) in windows.items():
        per_run = ens.window_mean("nci", first, last)
        nci[name] = {
            "from": first,
            "to": last,
            "dyads": {f"{ens.countries[i]}->{ens.countries[j]}": _stats(per_run[:, i, j]) for i, j in ens.dyads()},
        }
    milestones = {}
    labels = ens.calendar.labels()
    for c, (channel, owner, partner) in enumerate(ens.channels):
        entry = {"pair": [owner, partner]}
        for kind, steps in ens.milestones.items():
            step = steps[:, c]
            happened = step[step >= 0]
            entry[kind] = {
                "probability_by": {
                    d: round(float(((step >= 0) & (step <= ens.calendar.index(d))).mean()), 6) for d in milestone_dates
                },
                "median_date_when_it_happens": labels[int(np.median(happened))] if happened.size else None,
            }
        milestones[channel] = entry
    return {"runs": len(ens.runs), "nci_windows": nci, "milestones": milestones}
