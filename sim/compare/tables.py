"""Tidy tables of a comparison: window effects per dyad, milestone probabilities, monthly bands, the series.

Every effect is a per-run paired difference, scenario minus baseline, summarised across runs: its
quantiles describe how differently runs respond, ``difference_se`` how precisely the mean effect is known.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.compare.arms import ARMS, Pair
from sim.compare.intervals import paired_difference, wilson
from sim.tables import QUANTILES, timeseries_table

_Q = ("q05", "q25", "median", "q75", "q95")


def _round(values: np.ndarray) -> np.ndarray:
    return np.round(values, 6) + 0.0  # + 0.0 turns -0.0 into 0.0


def window_effects(pair: Pair, windows: Mapping[str, list[str]], variables: list[str]) -> pd.DataFrame:
    """One row per window, variable and directed dyad: each arm's run means over the window (median and
    90% band across runs) and their paired difference (mean, its standard error, quantiles, shares of runs
    in which the scenario is higher or lower)."""
    rows = []
    countries = pair.countries
    for name, (first, last) in windows.items():
        for variable in variables:
            base = pair.baseline.window_mean(variable, first, last)
            scen = pair.scenario.window_mean(variable, first, last)
            diff = scen - base
            n = diff.shape[0]
            stats = {
                "baseline": np.quantile(base, (0.5, 0.05, 0.95), axis=0),
                "scenario": np.quantile(scen, (0.5, 0.05, 0.95), axis=0),
                "difference": np.quantile(diff, QUANTILES, axis=0),
            }
            mean, sd = diff.mean(axis=0), diff.std(axis=0, ddof=1) if n > 1 else np.zeros(diff.shape[1:])
            higher, lower = (diff > 0).mean(axis=0), (diff < 0).mean(axis=0)
            for i, j in pair.baseline.dyads():
                rows.append(
                    [
                        name,
                        first,
                        last,
                        variable,
                        countries[i],
                        countries[j],
                        *_round(stats["baseline"][:, i, j]),
                        *_round(stats["scenario"][:, i, j]),
                        *_round(np.array([mean[i, j], sd[i, j] / np.sqrt(n)])),
                        *_round(stats["difference"][:, i, j]),
                        *_round(np.array([higher[i, j], lower[i, j]])),
                    ]
                )
    columns = [
        "window",
        "from",
        "to",
        "variable",
        "source",
        "target",
        "baseline_median",
        "baseline_q05",
        "baseline_q95",
        "scenario_median",
        "scenario_q05",
        "scenario_q95",
        "difference_mean",
        "difference_se",
        *(f"difference_{q}" for q in _Q),
        "share_higher",
        "share_lower",
    ]
    return pd.DataFrame(rows, columns=columns)


def milestone_happened(pair: Pair, arm: str, date: str) -> dict[str, np.ndarray]:
    """Per milestone, (R, C) booleans: did it happen in each run and channel by ``date``?"""
    step = pair.calendar.index(date)
    return {kind: (steps >= 0) & (steps <= step) for kind, steps in pair.arm(arm).milestones.items()}


def milestone_effects(pair: Pair, dates: list[str]) -> pd.DataFrame:
    """One row per channel, milestone and date: each arm's probability that the milestone happened by that
    date with its 90% Wilson interval, and the paired change with its 90% Newcombe interval (runs that gain
    or lose the milestone are counted)."""
    rows = []
    n = len(pair.baseline.runs)
    for date in dates:
        base, scen = milestone_happened(pair, "baseline", date), milestone_happened(pair, "scenario", date)
        for c, (channel, owner, partner) in enumerate(pair.baseline.channels):
            for kind in base:
                b, s = base[kind][:, c], scen[kind][:, c]
                change, low, high = paired_difference(s, b)
                rows.append(
                    [
                        channel,
                        owner,
                        partner,
                        kind,
                        date,
                        *_round(
                            np.array(
                                [
                                    b.mean(),
                                    *wilson(int(b.sum()), n),
                                    s.mean(),
                                    *wilson(int(s.sum()), n),
                                    change,
                                    low,
                                    high,
                                ]
                            )
                        ),
                        int((s & ~b).sum()),
                        int((b & ~s).sum()),
                    ]
                )
    columns = [
        "channel",
        "owner",
        "partner",
        "milestone",
        "by",
        "baseline_probability",
        "baseline_low",
        "baseline_high",
        "scenario_probability",
        "scenario_low",
        "scenario_high",
        "change",
        "change_low",
        "change_high",
        "runs_gained",
        "runs_lost",
    ]
    return pd.DataFrame(rows, columns=columns)


def monthly_bands(pair: Pair, variables: list[str]) -> pd.DataFrame:
    """Per month, variable, dyad and series (``baseline``, ``scenario``, ``difference``): the 5/25/50/75/95%
    quantiles across runs, the numbers the figures draw."""
    labels = np.array(pair.calendar.labels())
    dyads = pair.baseline.dyads()
    src, tgt = np.array([i for i, _ in dyads]), np.array([j for _, j in dyads])
    frames = []
    for variable in variables:
        for series, values in (
            ("baseline", pair.baseline.series[variable]),
            ("scenario", pair.scenario.series[variable]),
            ("difference", pair.difference(variable)),
        ):
            qs = _round(np.quantile(values[:, :, src, tgt], QUANTILES, axis=1))  # (5, T, D)
            frame = pd.DataFrame(
                {
                    "date": np.repeat(labels, len(dyads)),
                    "variable": variable,
                    "source": np.tile(np.array(pair.countries)[src], len(labels)),
                    "target": np.tile(np.array(pair.countries)[tgt], len(labels)),
                    "series": series,
                }
            )
            for name, q in zip(_Q, qs, strict=True):
                frame[name] = q.reshape(-1)
            frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def paired_timeseries(pair: Pair) -> pa.Table:
    """Both arms' per-run series in the long format of a run folder's ``timeseries.parquet``, with ``arm``
    first: one row per (arm, run, date, source, target, variable)."""
    tables = []
    for arm in ARMS:
        table = timeseries_table(pair.arm(arm))
        arm_column = pa.DictionaryArray.from_arrays(
            pa.array(np.full(table.num_rows, ARMS.index(arm), np.int32)), pa.array(list(ARMS))
        )
        tables.append(table.add_column(0, "arm", arm_column))
    return pa.concat_tables(tables)
