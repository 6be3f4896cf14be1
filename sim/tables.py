"""Tidy tables of an ensemble: the time series (Parquet), quarterly NCI bands and the event log (CSV)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim.io import atomic_write
from sim.results import Ensemble, Quarters

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _dictionary(codes: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), pa.array(labels))


def timeseries_table(ens: Ensemble) -> pa.Table:
    """One row per (run, date, source, target, variable): the long format analysts filter and pivot.

    Directed-dyad variables cover every ordered pair; milestone indicators (0 before, 1 from the month
    it happened) cover each channel's (owner, partner) pair.
    """
    n_t, n_r = ens.calendar.n_steps, len(ens.runs)
    dyads = ens.dyads()
    src = np.array([i for i, _ in dyads])
    tgt = np.array([j for _, j in dyads])
    blocks = []
    variables = list(ens.series)
    for v, name in enumerate(variables):
        values = ens.series[name][:, :, src, tgt]  # (T, R, D)
        blocks.append((v, values.transpose(1, 0, 2), src, tgt))  # run-major
    milestone_names = list(ens.milestones)
    for c, (_, owner, partner) in enumerate(ens.channels):
        for m, name in enumerate(milestone_names):
            step = ens.milestones[name][:, c]  # (R,)
            happened = (np.arange(n_t)[None, :] >= step[:, None]) & (step[:, None] >= 0)
            blocks.append(
                (
                    len(variables) + m,
                    happened.astype(float)[:, :, None],
                    np.array([ens.countries.index(owner)]),
                    np.array([ens.countries.index(partner)]),
                )
            )
    runs, dates, sources, targets, var_codes, values = [], [], [], [], [], []
    # first day of each month as a timestamp (not a date32): pandas reads datetime64, so df.date >= "2014-04-01" works
    month_starts = ens.calendar.dates().astype("datetime64[D]").astype("datetime64[s]").astype(np.int64)
    for v, block, s, t in blocks:
        d = block.shape[2]
        runs.append(np.repeat(ens.runs, n_t * d))
        dates.append(np.tile(np.repeat(month_starts, d), n_r))
        sources.append(np.tile(s, n_r * n_t))
        targets.append(np.tile(t, n_r * n_t))
        var_codes.append(np.full(block.size, v))
        values.append(block.reshape(-1))
    return pa.table(
        {
            "run": pa.array(np.concatenate(runs).astype(np.int64)),
            "date": pa.array(np.concatenate(dates), type=pa.timestamp("s")),
            "source": _dictionary(np.concatenate(sources), ens.countries),
            "target": _dictionary(np.concatenate(targets), ens.countries),
            "variable": _dictionary(np.concatenate(var_codes), variables + milestone_names),
            "value": pa.array(np.concatenate(values)),
        }
    )


def write_timeseries(ens: Ensemble, path: Path) -> Path:
    table = timeseries_table(ens)
    return atomic_write(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def quarterly_nci(ens: Ensemble) -> pd.DataFrame:
    """Quarterly NCI (mean of the quarter's monthly NCI) per run, summarised as quantiles over runs."""
    quarters = Quarters(ens)
    rows = []
    for q, per_run in zip(quarters.labels, quarters.all("nci"), strict=True):  # per_run: (R, N, N)
        qs = np.quantile(per_run, QUANTILES, axis=0)
        for i, j in ens.dyads():
            rows.append([q, ens.countries[i], ens.countries[j], *np.round(qs[:, i, j], 6)])
    return pd.DataFrame(rows, columns=["quarter", "source", "target", "q05", "q25", "median", "q75", "q95"])


def write_quarterly(ens: Ensemble, path: Path) -> Path:
    frame = quarterly_nci(ens)
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def events_frame(ens: Ensemble) -> pd.DataFrame:
    """The simulated CAMEO-coded events of the batch's first run, in the order they happened."""
    labels = ens.calendar.labels()
    rows = [
        (labels[t], ens.countries[i], ens.countries[j], code[:2], code, g, kind)
        for t, i, j, code, g, kind in ens.events
    ]
    return pd.DataFrame(rows, columns=["date", "source", "target", "cameo_root", "cameo_code", "goldstein", "kind"])


def write_events(ens: Ensemble, path: Path) -> Path:
    frame = events_frame(ens)
    return atomic_write(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))
