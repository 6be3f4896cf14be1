"""Turning points of the Japan–Russia relationship: when each run first does what history did (issue 9 §1).

Each turning point is read from the model's public outputs (the ``channel_openness`` and ``nci`` series and
the milestone steps), run by run, as the month of its first occurrence; a run where it never happens has
step ``-1``. History's date and its sources (the ``refs`` of the shipped timeline's rows on that date) sit
beside the simulated distribution: median and IQR over the runs where it happens, the share that never
do, and the share within ``within`` months of history, with Wilson 95% intervals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.mechanisms.milestones import FIRST_MEETING_LAG
from sim.observed import TIMELINE_2013_2017, read_events
from sim.results import Ensemble, Quarters
from sim.stats import share

FREEZE_LEVEL = 0.5  # openness below it: the institutional channel is frozen
TROUGH_QUARTERS = ("2014Q1", "2016Q4")
TREATY_BY = "2017-12"


@dataclass(frozen=True)
class TurningPoint:
    key: str
    label: str
    history: str  # the month history did it (a quarter's middle month for quarterly points)
    shown: str  # history's date as the table shows it
    event: str  # what happened, in a few words
    refs_date: str  # the shipped timeline's rows on this day give the sources
    judged: bool = True  # False: shown beside the goals, never counted in the verdict
    quarterly: bool = False  # a quarter's point, dated by its middle month and shown as the quarter


TURNING_POINTS = (
    TurningPoint(
        "freeze",
        "J–R channel freezes (openness < 0.5)",
        "2014-03",
        "2014-03",
        "Japan suspends visa and investment talks after Crimea",
        "2014-03-18",
    ),
    TurningPoint(
        "trough",
        "J→R quarterly NCI trough, 2014–2016",
        "2014-08",
        "2014Q3",
        "Japan's asset freezes on Russia",
        "2014-08-05",
        quarterly=True,
    ),
    TurningPoint(
        "trough_recorded",
        "J→R trough as the timeline records it (shown)",
        "2014-08",
        "2014Q3",
        "Japan's asset freezes and securities ban",
        "2014-08-05",
        judged=False,
        quarterly=True,
    ),
    TurningPoint(
        "reopening",
        "channel reopens (openness back ≥ 0.5)",
        "2016-05",
        "2016-05",
        "Sochi summit: the 'new approach' and the eight-point plan",
        "2016-05-06",
    ),
    TurningPoint(
        "joint_activity", "joint economic activity agreed", "2016-12", "2016-12", "Nagato summit", "2016-12-15"
    ),
    TurningPoint("two_plus_two", "2+2 resumes", "2017-03", "2017-03", "2+2 in Tokyo, first since 2013", "2017-03-20"),
)
TREATY = TurningPoint(
    "treaty", "no peace treaty by 2017-12", "", "none by 2017-12", "Nagato ends without a treaty", "2016-12-15"
)


def first_step(mask: np.ndarray) -> np.ndarray:
    """(T, R) bool -> (R,) the first step at which each run's flag is true, -1 if never."""
    mask = np.asarray(mask, dtype=bool)
    return np.where(mask.any(axis=0), mask.argmax(axis=0), -1)


def channel(ens: Ensemble, a: str = "JPN", b: str = "RUS") -> int:
    """The index of the milestone channel between ``a`` and ``b``."""
    return next(k for k, (_, o, p) in enumerate(ens.channels) if {o, p} == {a, b})


def freeze_and_reopening(openness: np.ndarray, level: float = FREEZE_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """(T, R) openness -> first step below ``level``, and the first later step back at or above it (-1: never)."""
    freeze = first_step(openness < level)
    steps = np.arange(openness.shape[0])[:, None]
    reopen = first_step((freeze[None, :] >= 0) & (steps > freeze[None, :]) & (openness >= level))
    return freeze, reopen


def trough_step(ens: Ensemble, q: Quarters | None = None) -> np.ndarray:
    """Per run, the middle month of the J→R quarter with the lowest NCI within 2014Q1–2016Q4."""
    q = q or Quarters(ens)
    j, r = ens.countries.index("JPN"), ens.countries.index("RUS")
    span = q.span(*TROUGH_QUARTERS)
    lowest = q.all("nci")[span, :, j, r].argmin(axis=0)
    middles = np.array([ens.calendar.index(middle_month(label)) for label in q.labels[span]])
    return middles[lowest]


def recorded_trough_step(ens: Ensemble, observed: pd.DataFrame) -> np.ndarray:
    """Per run, the middle month of the J→R quarter with the lowest record under the observation model, among
    the quarters within 2014Q1–2016Q4 that the timeline has for J→R (-1: a run that recorded none of them).

    History's trough is read off the timeline, the few salient events a historian dated; this is the same
    reading of each run (``sim.validation.fit.salient_quarters``: per quarter, ``n`` of the run's events drawn
    with weights ``|g|^ω``, ``n`` the timeline's count), beside ``trough_step``, which reads the mean of all
    events. Shown, not judged: the goal is the issue's, on the model's NCI. Only the timeline's quarters can
    hold it, so part of its on-time share needs no mechanism (docs/validation.md gives the share when Japan
    never sanctions)."""
    from sim.validation.fit import salient_quarters  # fit imports this module's quarter labels

    if ens.salient is None:
        raise ValueError("the recorded trough needs an ensemble run with RelationsModel(record_salient=K)")
    j, r = ens.countries.index("JPN"), ens.countries.index("RUS")
    lo, hi = TROUGH_QUARTERS
    rows = observed[
        (observed["source"] == "JPN")
        & (observed["target"] == "RUS")
        & (observed["period"] >= lo)
        & (observed["period"] <= hi)
    ].sort_values("period")
    record = salient_quarters(ens, rows["period"], rows["events"], j, r)
    if record.shape[0] == 0:
        return np.full(len(ens.runs), -1)
    middles = np.array([ens.calendar.index(middle_month(p)) for p in rows["period"]])
    lowest = np.where(np.isnan(record), np.inf, record).argmin(axis=0)
    return np.where(np.isnan(record).all(axis=0), -1, middles[lowest])


def middle_month(quarter: str) -> str:
    """``2014Q3`` -> ``2014-08``."""
    return f"{quarter[:4]}-{3 * int(quarter[5]) - 1:02d}"


def quarter_of(month: str) -> str:
    """``2014-08`` -> ``2014Q3``."""
    return f"{month[:4]}Q{(int(month[5:7]) - 1) // 3 + 1}"


def first_steps(ens: Ensemble, observed: pd.DataFrame | None = None) -> dict[str, np.ndarray]:
    """Each turning point's step per run (-1: never), and the treaty's; with the observed quarters
    (``sim.validation.task.observed_quarters``) and an ensemble that kept its salient record, the recorded
    trough too."""
    j, r = ens.countries.index("JPN"), ens.countries.index("RUS")
    freeze, reopen = freeze_and_reopening(ens.series["channel_openness"][:, :, j, r])
    k = channel(ens)
    steps = {
        "freeze": freeze,
        "trough": trough_step(ens),
        "reopening": reopen,
        "joint_activity": ens.milestones["joint_activity"][:, k],
        "two_plus_two": first_meeting(ens.milestones["two_plus_two"][:, k], ens.calendar.n_steps),
        "treaty": ens.milestones["treaty"][:, k],
    }
    if observed is not None and ens.salient is not None:
        steps["trough_recorded"] = recorded_trough_step(ens, observed)
    return steps


def first_meeting(agreed: np.ndarray, n_steps: int) -> np.ndarray:
    """The month of the first 2+2 meeting, ``FIRST_MEETING_LAG`` months after the agreement (-1: none within the
    horizon). History's date, 2017-03, is the meeting [P96]; the agreement was at Nagato, 2016-12 [P81]."""
    meeting = np.where(agreed >= 0, agreed + FIRST_MEETING_LAG, -1)
    return np.where(meeting < n_steps, meeting, -1)


def sources(date: str) -> str:
    """The reference keys of the shipped timeline's Japan–Russia rows dated ``date``."""
    events = read_events(TIMELINE_2013_2017).events
    rows = events[
        (events["date"].dt.strftime("%Y-%m-%d") == date)
        & events["source"].isin(["JPN", "RUS"])
        & events["target"].isin(["JPN", "RUS"])
    ]
    keys = dict.fromkeys(k.strip() for refs in rows["refs"] for k in str(refs).split(";") if k.strip())
    return ";".join(keys)


def _quantiles(months: np.ndarray) -> tuple[float, float, float]:
    if months.size == 0:
        return np.nan, np.nan, np.nan
    q = np.quantile(months, (0.25, 0.5, 0.75), method="inverted_cdf")  # months that some run has
    return float(q[1]), float(q[0]), float(q[2])


def summarize(ens: Ensemble, within: int = 6, steps: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """One row per turning point: history, sources, median [IQR], never, on time (Wilson 95%)."""
    steps = steps or first_steps(ens)
    cal = ens.calendar
    rows = []
    for tp in TURNING_POINTS:
        if tp.key not in steps:  # the recorded trough needs the salient record
            continue
        step = steps[tp.key]
        happened = step >= 0
        median, q25, q75 = _quantiles(step[happened])
        quarterly = tp.quarterly

        def show(value: float, quarterly: bool = quarterly) -> str:
            if np.isnan(value):
                return ""
            month = cal.label(int(value))
            return quarter_of(month) if quarterly else month

        on_time = happened & (np.abs(step - cal.index(tp.history)) <= within)
        never, never_low, never_high = share(~happened)
        ok, ok_low, ok_high = share(on_time)
        rows.append(
            {
                "turning_point": tp.key,
                "label": tp.label,
                "history": tp.shown,
                "sources": sources(tp.refs_date),
                "median": show(median),
                "q25": show(q25),
                "q75": show(q75),
                "median_months_from_history": (median - cal.index(tp.history)) if happened.any() else np.nan,
                "never": never,
                "never_low": never_low,
                "never_high": never_high,
                "on_time": ok,
                "on_time_low": ok_low,
                "on_time_high": ok_high,
                "judged": tp.judged,
            }
        )
    treaty = steps["treaty"]
    by = (treaty >= 0) & (treaty <= cal.index(TREATY_BY))
    p, low, high = share(by)
    never, never_low, never_high = share(treaty < 0)
    rows.append(
        {
            "turning_point": TREATY.key,
            "label": TREATY.label,
            "history": TREATY.shown,
            "sources": sources(TREATY.refs_date),
            "median": "",
            "q25": "",
            "q75": "",
            "median_months_from_history": np.nan,
            "never": never,
            "never_low": never_low,
            "never_high": never_high,
            "p_treaty": p,
            "p_treaty_low": low,
            "p_treaty_high": high,
            "judged": TREATY.judged,
        }
    )
    return pd.DataFrame(rows)


def hold(judged: pd.DataFrame) -> bool:
    """The turning points' verdict: every judged row passes (a row shown beside the goals never counts)."""
    return bool((judged.loc[judged["judged"].astype(bool), "result"] == "pass").all())


def judge(table: pd.DataFrame, within: int, on_time_share: float, treaty_max: float) -> pd.DataFrame:
    """Add the goals of issue 9 §1: median within ``within`` months, on-time share's lower bound ≥
    ``on_time_share``; for the treaty, the upper bound of P(treaty by 2017-12) ≤ ``treaty_max``. A row that is
    not judged (``judged`` false: the recorded trough) reads ``shown``."""
    table = table.copy()
    results = []
    for _, row in table.iterrows():
        if not row.get("judged", True):
            results.append("shown")
            continue
        if row["turning_point"] == TREATY.key:
            results.append("pass" if row["p_treaty_high"] <= treaty_max else "FAIL")
            continue
        timely = abs(row["median_months_from_history"]) <= within  # NaN (never happens) compares false
        results.append("pass" if timely and row["on_time_low"] >= on_time_share else "FAIL")
    table["result"] = results
    return table
