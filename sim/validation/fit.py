"""Fit of the replay to the observed quarterly NCI, in deviations from each dyad's own mean (issue 9 §2).

The one place that scores a simulated ensemble against the observed timeline, for validation and for
calibration alike (``fit_scores``). For each directed dyad with observed quarters in ``first..last``:

- observed deviation ``o_q = y_q − mean_q(y)`` over the dyad's observed quarters;
- per run, simulated deviation ``s_rq = x_rq − mean_q(x_r)`` over the same quarters (the run's own mean);
- the simulated median ``m_q`` and the 50% and 90% bands (quantiles over runs) of ``s_rq``.

Coverage is the share of observed dyad-quarters inside a band (ends included). Skill is
``1 − Σ(o − m)² / Σ o²``: the flat per-dyad line (deviation 0) scores 0, a perfect median 1. Each is
reported in sample (quarters ending by ``split``), out of sample (later ones) and over all quarters.
Dyads observed in fewer than ``MIN_QUARTERS`` quarters are left out. The observed series holds
only the salient events a historian dated, not all events: a quarter
without a dated event has no observation, and a quarter's value is the mean of few events.

Two simulated quarterly series can be scored (``observation``):

- ``"mean"``: the run's quarterly NCI, the mean of every event of the quarter (about twenty);
- ``"salient"``, the **observation model**: the quarter as a news timeline would record it. For an observed
  dyad-quarter with ``n`` recorded events, each run's record is ``n`` of its events of that quarter (routine,
  emitted and injected alike), drawn without replacement with weights ``|Goldstein|^ω`` (more intense events are
  more often reported; ``sim.mechanisms.events.salience_key``; ω, ``validation.salience_power``, is chosen on the
  in-sample quarters of tuning seeds: ``sim.validation.observation``), averaged as the
  observed value is (mean over the quarter's months with a recorded event of the month's mean). The model
  keeps the first ``K`` events of that draw per dyad-month (``RelationsModel(record_salient=K)``,
  ``SALIENT_EVENTS``), so the quarter's draw is exact for ``n ≤ K``. The draws have their own random
  stream: the dynamics are the same whether the record is kept or not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.results import Ensemble, Quarters
from sim.validation.turning_points import quarter_of

SPLIT = "2015-12"
SALIENT_EVENTS = 4  # K: events kept per dyad-month for the observation model (94% of observed quarters have <= 4)
OBSERVATIONS = ("salient", "mean")
MIN_QUARTERS = 2  # a dyad observed in one quarter only has deviation 0 there: it tells nothing
SCOPES = ("in-sample", "out-of-sample", "all")


def observed_note(salience_power: float) -> str:
    """What the observed series is and how the simulated one is recorded, for the fit's report and figure."""
    return (
        "The observed series is the mean Goldstein value of the salient events a historian dated in the "
        "shipped 2013–2017 timeline, not of all events: quarters without a dated event have no "
        "observation, and many quarters rest on one or two events. The simulated series is scored as the same "
        "kind of record: in each run and observed quarter, n of its events, n being the "
        f"number of events the timeline has there, drawn with weights |Goldstein|^ω, ω = {salience_power:g} (the "
        "observation model, ω chosen on in-sample quarters of tuning seeds; the dynamics are unchanged)."
    )


@dataclass(frozen=True)
class Fit:
    """Per observed dyad-quarter (``points``) and per scope (``scores``)."""

    points: pd.DataFrame  # period, source, target, observed, median, p05, p25, p75, p95, in_sample
    scores: pd.DataFrame  # scope, dyad_quarters, coverage_50, coverage_90, sse_model, sse_flat, skill


def deviations(observed: pd.DataFrame, simulated: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One dyad: observed (Q,) and simulated (Q, R) values on the same quarters -> their deviations from
    their own means (the simulated one per run)."""
    obs = np.asarray(observed, dtype=float)
    sim = np.asarray(simulated, dtype=float)
    return obs - obs.mean(), sim - sim.mean(axis=0, keepdims=True)


def salient_record(kept: np.ndarray, keys: np.ndarray, count: int) -> np.ndarray:
    """The observation model for one dyad-quarter: ``kept`` (M, R, K) the values of each of the quarter's M months'
    K recorded candidates per run (NaN: none), ``keys`` their salience keys, ``count`` the number ``n`` of
    events the timeline has in that quarter.

    Returns (R,): per run, the ``n`` candidates of largest key (a weighted draw without replacement, weights
    ``|g|^ω``: ``sim.mechanisms.events.salience_key``), averaged as the observed value is: the mean over months
    of each month's mean.
    """
    months, runs, k = kept.shape
    pool = np.moveaxis(kept, 1, 0).reshape(runs, months * k)
    pool_key = np.moveaxis(keys, 1, 0).reshape(runs, months * k)
    month_of = np.repeat(np.arange(months), k)
    order = np.argsort(np.where(np.isnan(pool), np.inf, -pool_key), axis=1, kind="stable")[:, : int(count)]
    values = np.take_along_axis(pool, order, axis=1)
    chosen = month_of[order]
    total, seen = np.zeros(runs), np.zeros(runs)
    for m in range(months):
        here = (chosen == m) & ~np.isnan(values)
        number = here.sum(axis=1)
        monthly = np.where(here, values, 0.0).sum(axis=1) / np.maximum(number, 1)
        total += np.where(number > 0, monthly, 0.0)
        seen += number > 0
    return np.divide(total, seen, out=np.full(runs, np.nan), where=seen > 0)


def salient_quarters(ens: Ensemble, periods, counts, i: int, j: int) -> np.ndarray:
    """The observation model's record of the directed dyad ``i → j`` in each quarter of ``periods`` (labels like
    ``2014Q3``) with the timeline's event count of that quarter in ``counts``: (Q, R), one ``salient_record`` per
    quarter and run (NaN where the run recorded no event)."""
    labels = ens.calendar.labels()
    rows = []
    for period, n in zip(periods, counts, strict=True):
        months = [k for k, m in enumerate(labels) if quarter_of(m) == period]
        rows.append(salient_record(ens.salient[months, :, i, j, :], ens.salient_key[months, :, i, j, :], int(n)))
    return np.stack(rows) if rows else np.empty((0, len(ens.runs)))


def inside(points: pd.DataFrame, low: str, high: str) -> np.ndarray:
    """Whether each observed deviation lies in its simulated band ``[low, high]`` (column names, ends included)."""
    observed = points["observed"].to_numpy()
    return (observed >= points[low].to_numpy()) & (observed <= points[high].to_numpy())


def scores(points: pd.DataFrame) -> pd.DataFrame:
    """Coverage and skill of ``points`` (columns observed, median, p05, p25, p75, p95, in_sample) per scope."""
    rows = []
    for scope in SCOPES:
        part = points if scope == "all" else points[points["in_sample"] == (scope == "in-sample")]
        o, m = part["observed"].to_numpy(), part["median"].to_numpy()
        sse_model, sse_flat = float(np.sum((o - m) ** 2)), float(np.sum(o**2))
        rows.append(
            {
                "scope": scope,
                "dyad_quarters": len(part),
                "coverage_50": float(np.mean(inside(part, "p25", "p75"))) if len(part) else np.nan,
                "coverage_90": float(np.mean(inside(part, "p05", "p95"))) if len(part) else np.nan,
                "sse_model": sse_model,
                "sse_flat": sse_flat,
                "skill": 1.0 - sse_model / sse_flat if sse_flat > 0 else np.nan,
            }
        )
    return pd.DataFrame(rows)


def dyad_scores(points: pd.DataFrame) -> pd.DataFrame:
    """Coverage and skill of ``points`` per directed dyad over all its quarters, with how many of them are in
    sample and how many lie inside the 90% band: where the fit holds and where it misses (one row per dyad, sorted
    by source and target)."""
    rows = []
    for (src, tgt), part in points.groupby(["source", "target"], sort=True):
        overall = scores(part).set_index("scope").loc["all"]
        rows.append(
            {
                "source": src,
                "target": tgt,
                "dyad_quarters": int(overall["dyad_quarters"]),
                "in_sample": int(part["in_sample"].sum()),
                "inside_90": int(inside(part, "p05", "p95").sum()),
                "coverage_50": overall["coverage_50"],
                "coverage_90": overall["coverage_90"],
                "skill": overall["skill"],
            }
        )
    columns = ["source", "target", "dyad_quarters", "in_sample", "inside_90", "coverage_50", "coverage_90", "skill"]
    return pd.DataFrame(rows, columns=columns)


def fit_scores(
    ens: Ensemble,
    observed: pd.DataFrame,
    split: str = SPLIT,
    first: str = "2013-01",
    last: str = "2017-12",
    observation: str = "mean",
) -> Fit:
    """Score ``ens`` against ``observed`` quarterly NCI (columns ``period`` like ``2014Q2``, ``source``,
    ``target``, ``observed``, and ``events`` for ``observation="salient"``). Quarters up to the one holding
    ``split`` are in sample. ``observation``: ``"mean"`` scores the quarterly NCI of all events, ``"salient"``
    the observation model (``salient_record``; needs an ensemble run with ``record_salient``)."""
    if observation not in OBSERVATIONS:
        raise ValueError(f"observation = {observation!r}: allowed: {', '.join(OBSERVATIONS)}")
    if observation == "salient" and ens.salient is None:
        raise ValueError("observation = 'salient' needs an ensemble run with RelationsModel(record_salient=K)")
    q = Quarters(ens)
    nci = q.all("nci")
    lo, hi, cut = quarter_of(first), quarter_of(last), quarter_of(split)
    rows = observed[
        (observed["period"] >= lo)
        & (observed["period"] <= hi)
        & observed["source"].isin(ens.countries)
        & observed["target"].isin(ens.countries)
    ]
    parts = []
    for (src, tgt), dyad in rows.groupby(["source", "target"], sort=True):
        if len(dyad) < MIN_QUARTERS:
            continue
        k = [q.labels.index(p) for p in dyad["period"]]
        i, j = ens.countries.index(src), ens.countries.index(tgt)
        if observation == "salient":
            simulated = salient_quarters(ens, dyad["period"], dyad["events"], i, j)
        else:
            simulated = nci[k, :, i, j]
        obs, sim = deviations(dyad["observed"], simulated)
        bands = np.quantile(sim, (0.05, 0.25, 0.5, 0.75, 0.95), axis=1)
        parts.append(
            pd.DataFrame(
                {
                    "period": dyad["period"].to_numpy(),
                    "source": src,
                    "target": tgt,
                    "observed": obs,
                    "median": bands[2],
                    "p05": bands[0],
                    "p25": bands[1],
                    "p75": bands[3],
                    "p95": bands[4],
                    "in_sample": dyad["period"].to_numpy() <= cut,
                }
            )
        )
    points = (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(
            columns=["period", "source", "target", "observed", "median", "p05", "p25", "p75", "p95", "in_sample"]
        )
    )
    return Fit(points, scores(points))
