"""Pattern and turning-point moments of the simulated-method-of-moments objective (fit window only).

Two moments are defined; a calibration declares which enter its objective and with what weight
(``calibration.moments``). Each is a statistic of the ensemble (the median over runs), compared with history:

- ``freeze_month``: the month in which the Japan–Russia institutional channel first falls below
  ``threshold`` openness (history: 2014-03, Japan suspended the talks within weeks of Crimea [P15]). A run
  in which it has not happened by the split counts as the month after the split (right-censored: the fit
  never looks past the split). Penalty ``weight · ((median − history) / scale)²``, ``scale`` in months.
- ``dip``: pattern 1's J→R dip, NCI_JR(2013) − NCI_JR(2014-04..split), per run. Penalty
  ``weight · (max(0, threshold − median) / threshold)²``: zero once the median dip reaches the pattern's
  threshold (1.0 Goldstein units, docs/validation.md).

Both only read simulated months up to the split and history dated up to it; the later turning points
(reopening 2016-05, joint activity 2016-12, 2+2 2017-03) are deliberately not used, so they stay out of
sample for the validation.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from sim.calendar import Calendar, format_month, parse_month
from sim.config.errors import ConfigError
from sim.sweep.spec import Outcome, number

MOMENTS: dict[str, dict[str, Any]] = {
    "freeze_month": {"weight": 1.0, "history": "2014-03", "scale": 6.0, "threshold": 0.5},
    "dip": {"weight": 1.0, "threshold": 1.0},
}
DYAD = ("JPN", "RUS")
BASE = ("2013-01", "2013-12")
FREEZE_FROM = "2014-04"


def read_moments(declared: dict[str, Any], split: str) -> dict[str, dict[str, Any]]:
    """Checked moment declarations, each filled with its defaults (``ConfigError`` naming the key)."""
    out: dict[str, dict[str, Any]] = {}
    for name, spec in declared.items():
        key = f"calibration.moments.{name}"
        if name not in MOMENTS:
            raise ConfigError(key, spec, f"allowed moments: {', '.join(MOMENTS)}")
        spec = spec or {}
        unknown = sorted(set(spec) - set(MOMENTS[name]))
        if unknown:
            raise ConfigError(f"{key}.{unknown[0]}", spec[unknown[0]], f"one of {', '.join(MOMENTS[name])}")
        merged = {**MOMENTS[name], **spec}
        for field, value in merged.items():
            if field != "history" and number(f"{key}.{field}", value) < 0:
                raise ConfigError(f"{key}.{field}", value, "a number >= 0")
        if name == "freeze_month" and not parse_month(merged["history"]) <= parse_month(split):
            raise ConfigError(
                f"{key}.history",
                merged["history"],
                f"a month up to the split {split}: a later turning point would leak the held-out window into the fit",
            )
        if name == "dip" and parse_month(split) < parse_month(FREEZE_FROM):
            raise ConfigError(key, spec, f"a split from {FREEZE_FROM} on (the dip's freeze window starts there)")
        out[name] = merged
    return out


def outcomes(moments: dict[str, dict[str, Any]], calendar: Calendar, last: str) -> list[Outcome]:
    """The sweep outcomes the declared moments need, reading simulated months up to ``last`` only."""
    source, target = DYAD
    out: list[Outcome] = []
    if "freeze_month" in moments:
        months = range(calendar.index(last) + 1)
        out += [
            Outcome(
                f"open_{calendar.label(k)}",
                "mean",
                "channel_openness",
                source,
                target,
                first=calendar.label(k),
                last=calendar.label(k),
            )
            for k in months
        ]
    if "dip" in moments:
        out += [
            Outcome("dip_base", "mean", "nci", source, target, first=BASE[0], last=BASE[1]),
            Outcome("dip_freeze", "mean", "nci", source, target, first=FREEZE_FROM, last=last),
        ]
    return out


def evaluate(
    moments: dict[str, dict[str, Any]], values: dict[str, np.ndarray], calendar: Calendar, last: str
) -> dict[str, dict[str, np.ndarray]]:
    """Each moment's simulated median and penalty per candidate, from per-run outcomes ``name -> (P, R)``."""
    out: dict[str, dict[str, np.ndarray]] = {}
    if "freeze_month" in moments:
        m = moments["freeze_month"]
        months = [f"open_{calendar.label(k)}" for k in range(calendar.index(last) + 1)]
        below = np.stack([values[name] for name in months], axis=-1) < m["threshold"]  # (P, R, months)
        first = np.where(below.any(axis=-1), below.argmax(axis=-1), len(months))  # censored after the split
        median = np.median(calendar.start + first, axis=1)  # absolute month (year·12 + month − 1)
        penalty = m["weight"] * ((median - parse_month(m["history"])) / m["scale"]) ** 2
        out["freeze_month"] = {"median": median, "penalty": penalty}
    if "dip" in moments:
        m = moments["dip"]
        median = np.median(values["dip_base"] - values["dip_freeze"], axis=1)
        penalty = m["weight"] * (np.maximum(0.0, m["threshold"] - median) / m["threshold"]) ** 2
        out["dip"] = {"median": median, "penalty": penalty}
    return out


def describe(name: str, median: float) -> str:
    """A moment's simulated median as a reader reads it (a month, or Goldstein units)."""
    return format_month(round(float(median))) if name == "freeze_month" else f"{median:+.2f}"
