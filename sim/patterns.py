"""The six validation patterns of MODEL-NOTES §6, evaluated run by run on an ensemble of the replay.

Pattern-oriented validation (Grimm et al. 2005): the replay must reproduce these patterns jointly. Each
pattern is a per-run test; it "holds" when the lower end of the Wilson 95% interval of the share of runs
that pass is at least its threshold (70% unless the pattern states otherwise), so a share that could be
below the threshold by chance does not pass. ``joint`` is the per-run test that every pattern holds at
once. Quarterly NCI = mean of the monthly realised NCI over the quarter; periods:
base = 2013, freeze = 2014Q2-2016Q1, thaw = 2016Q3-2017Q4. Each result also names the terms of the
cooperation target that carry it (``sim.attribution``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from sim.results import Ensemble, Quarters
from sim.stats import share
from sim.term_changes import carriers, change

BASE = ("2013-01", "2013-12")
FREEZE = ("2014-04", "2016-03")
THAW = ("2016-07", "2017-12")
YEAR_2017 = ("2017-01", "2017-12")
HOLDS = 0.70
REQUIRED = ("JPN", "RUS", "USA", "CHN")
TREATY_MAX = 0.05  # pattern 6: upper end of the interval of P(treaty by 2017-12)
VARIABLES = ("nci", "sanctions", "trust")  # the series the per-run tests read (a sweep records only these)
FIRST, LAST = "2013-01", "2017-12"


@dataclass
class PatternResult:
    """One pattern on one ensemble: the per-run test, what was measured and why it happened."""

    key: str
    statement: str
    passed_runs: np.ndarray  # (R,) bool; for ensemble-level criteria, the criterion that is per run
    threshold: float
    measured: dict[str, float]  # quantity -> ensemble median (or share)
    carried_by: str
    holds: bool = field(init=False)
    criterion: str = ""
    ensemble_ok: bool = True  # extra ensemble-level condition (pattern 6)

    def __post_init__(self) -> None:
        self.holds = bool(self.low >= self.threshold and self.ensemble_ok)

    @property
    def fraction(self) -> float:
        return share(self.passed_runs)[0]

    @property
    def low(self) -> float:
        return share(self.passed_runs)[1]

    @property
    def high(self) -> float:
        return share(self.passed_runs)[2]


def _ix(ens: Ensemble) -> dict[str, int]:
    return {code: k for k, code in enumerate(ens.countries)}


def check_ensemble(ens: Ensemble) -> None:
    """Raise ``ValueError`` unless the ensemble covers what the patterns read (countries and 2013-2017)."""
    missing = [c for c in REQUIRED if c not in ens.countries]
    if missing:
        raise ValueError(f"the validation patterns need countries {', '.join(REQUIRED)}; missing {', '.join(missing)}")
    labels = ens.calendar.labels()
    if FIRST not in labels or LAST not in labels:
        raise ValueError(
            f"the validation patterns need the months {FIRST}..{LAST}; the run covers {labels[0]}..{labels[-1]}"
        )


def _mean(ens: Ensemble, variable: str, window: tuple[str, str], i: int, j: int) -> np.ndarray:
    return ens.window_mean(variable, *window)[:, i, j]


def _carried(ens: Ensemble, pairs: list[tuple[str, int, int, tuple[str, str], tuple[str, str]]]) -> str:
    if "cooperation_target" not in ens.series:  # the target terms were not recorded (a sweep's runs)
        return ""
    parts = []
    for label, i, j, before, after in pairs:
        table = change(ens, i, j, before, after)
        parts.append(f"{label}: Δtarget {table.loc['total', 'mean']:+.2f} = {carriers(table)}")
    return "; ".join(parts)


def dip_and_thaw(ens: Ensemble, q: Quarters) -> PatternResult:
    c = _ix(ens)
    j, r = c["JPN"], c["RUS"]
    base, freeze = _mean(ens, "nci", BASE, j, r), _mean(ens, "nci", FREEZE, j, r)
    thaw, y2017 = _mean(ens, "nci", THAW, j, r), _mean(ens, "nci", YEAR_2017, j, r)
    ok = (freeze <= base - 1.0) & (thaw > freeze) & (y2017 >= freeze + 0.5)
    return PatternResult(
        "1",
        "J→R dip and thaw: NCI_JR(freeze) ≤ NCI_JR(2013) − 1.0, NCI_JR(thaw) > NCI_JR(freeze), "
        "NCI_JR(2017) ≥ NCI_JR(freeze) + 0.5",
        ok,
        HOLDS,
        {
            "NCI_JR 2013": np.median(base),
            "NCI_JR freeze": np.median(freeze),
            "NCI_JR thaw": np.median(thaw),
            "NCI_JR 2017": np.median(y2017),
            "dip (2013 − freeze)": np.median(base - freeze),
            "share: dip ≥ 1": np.mean(freeze <= base - 1.0),
            "share: thaw > freeze": np.mean(thaw > freeze),
            "share: 2017 ≥ freeze + 0.5": np.mean(y2017 >= freeze + 0.5),
        },
        _carried(ens, [("dip", j, r, BASE, FREEZE), ("thaw", j, r, FREEZE, THAW)]),
    )


def us_russia_rupture(ens: Ensemble, q: Quarters) -> PatternResult:
    c = _ix(ens)
    u, r = c["USA"], c["RUS"]
    base = _mean(ens, "nci", BASE, u, r)
    quarters = q.all("nci")[q.span("2014Q3", "2017Q4"), :, u, r]  # (Q, R)
    fall = quarters[0] <= base - 3.0
    stays = (quarters <= base - 3.0).all(axis=0)
    return PatternResult(
        "2",
        "US–Russia rupture persists: NCI_UR falls by ≥ 3 from 2013 to 2014Q3 and stays ≥ 3 below 2013 through 2017Q4",
        fall & stays,
        HOLDS,
        {
            "NCI_UR 2013": np.median(base),
            "NCI_UR 2014Q3": np.median(quarters[0]),
            "NCI_UR 2017Q4": np.median(quarters[-1]),
            "max quarter after 2014Q3 − 2013": np.median(quarters.max(axis=0) - base),
        },
        _carried(ens, [("U→R", u, r, BASE, ("2014-07", "2017-12"))]),
    )


def china_russia_deepening(ens: Ensemble, q: Quarters) -> PatternResult:
    c = _ix(ens)
    ch, r, j = c["CHN"], c["RUS"], c["JPN"]
    later = ("2015-01", "2016-12")
    cr_up = _mean(ens, "nci", later, ch, r) > _mean(ens, "nci", BASE, ch, r)
    rc_up = _mean(ens, "nci", later, r, ch) > _mean(ens, "nci", BASE, r, ch)
    quarters = q.all("nci")[q.span("2014Q2", "2017Q4")]
    above = ((quarters[:, :, ch, r] > quarters[:, :, j, r]) & (quarters[:, :, r, ch] > quarters[:, :, j, r])).all(0)
    gap = np.minimum(quarters[:, :, ch, r], quarters[:, :, r, ch]) - quarters[:, :, j, r]
    return PatternResult(
        "3",
        "China–Russia deepening: NCI_CR and NCI_RC higher in 2015–16 than in 2013; both exceed NCI_JR in "
        "every quarter 2014Q2–2017Q4",
        cr_up & rc_up & above,
        HOLDS,
        {
            "NCI_CR 2013": np.median(_mean(ens, "nci", BASE, ch, r)),
            "NCI_CR 2015-16": np.median(_mean(ens, "nci", later, ch, r)),
            "NCI_RC 2015-16 − 2013": np.median(_mean(ens, "nci", later, r, ch) - _mean(ens, "nci", BASE, r, ch)),
            "smallest quarterly gap min(CR,RC) − JR": np.median(gap.min(axis=0)),
            "share: both rise": np.mean(cr_up & rc_up),
            "share: above J→R every quarter": np.mean(above),
        },
        _carried(ens, [("C→R", ch, r, BASE, later), ("R→C", r, ch, BASE, later)]),
    )


def alliance_intact(ens: Ensemble, q: Quarters) -> PatternResult:
    c = _ix(ens)
    j, u, r = c["JPN"], c["USA"], c["RUS"]
    quarters = q.all("nci")[q.span("2013Q1", "2017Q4")]
    above = (quarters[:, :, j, u] > quarters[:, :, j, r]).all(axis=0)
    later = ("2014-01", "2017-12")
    shift = _mean(ens, "nci", later, j, u) - _mean(ens, "nci", BASE, j, u)
    return PatternResult(
        "4",
        "Alliance intact: NCI_JU > NCI_JR in every quarter; |NCI_JU(2014–17) − NCI_JU(2013)| < 1.0",
        above & (np.abs(shift) < 1.0),
        HOLDS,
        {
            "NCI_JU 2013": np.median(_mean(ens, "nci", BASE, j, u)),
            "NCI_JU 2014-17 − 2013": np.median(shift),
            "smallest quarterly gap JU − JR": np.median((quarters[:, :, j, u] - quarters[:, :, j, r]).min(axis=0)),
        },
        _carried(ens, [("J→U", j, u, BASE, later)]),
    )


def partial_sticky_alignment(ens: Ensemble, q: Quarters) -> PatternResult:
    c = _ix(ens)
    j, u, r = c["JPN"], c["USA"], c["RUS"]
    s = ens.series["sanctions"]
    a, end = ens.calendar.index("2014-04"), ens.calendar.index(LAST)
    sjr, sur = s[a : end + 1, :, j, r], s[a : end + 1, :, u, r]
    partial = ((sjr > 0) & (sjr < sur)).all(axis=0)
    sticky = (np.diff(s[: end + 1, :, j, r], axis=0) >= 0).all(axis=0)
    return PatternResult(
        "5",
        "Partial, sticky alignment: 0 < S_JR(t) < S_UR(t) for all t ≥ 2014-04; S_JR never decreases before 2018",
        partial & sticky,
        HOLDS,
        {
            "S_JR 2017-12": np.median(sjr[-1]),
            "S_UR 2017-12": np.median(sur[-1]),
            "S_JR / S_UR 2017-12": np.median(sjr[-1] / sur[-1]),
        },
        "not a target term: the alignment rule S2 (S_JR follows a share of the US level and only ratchets up)",
    )


def trust_without_treaty(ens: Ensemble, q: Quarters) -> PatternResult:
    c = _ix(ens)
    j, r = c["JPN"], c["RUS"]
    trust = ens.series["trust"]
    rise = trust[ens.calendar.index("2016-12"), :, j, r] > trust[ens.calendar.index("2015-12"), :, j, r]
    end = ens.calendar.index(LAST)
    owners = [k for k, (_, o, p) in enumerate(ens.channels) if {o, p} == {"JPN", "RUS"}]
    steps = ens.milestones["treaty"][:, owners] if owners else np.full((len(ens.runs), 1), -1)
    treaty = ((steps >= 0) & (steps <= end)).any(axis=1)
    p, _, p_high = share(treaty)
    return PatternResult(
        "6",
        "Trust without treaty: peace treaty by 2017-12 in ≤ 5% of runs, while τ_JR(2016-12) > "
        "τ_JR(2015-12) and no treaty in ≥ 60% of runs",
        rise & ~treaty,
        0.60,
        {
            "τ_JR 2015-12": np.median(trust[ens.calendar.index("2015-12"), :, j, r]),
            "τ_JR 2016-12": np.median(trust[ens.calendar.index("2016-12"), :, j, r]),
            "share: τ_JR rises": float(rise.mean()),
            "P(treaty by 2017-12)": p,
            "P(treaty) upper 95%": p_high,
        },
        "trust reads Russia's behaviour toward Japan; "
        + _carried(ens, [("R→J", r, j, ("2015-01", "2015-12"), ("2016-01", "2016-12"))]),
        criterion=f"share of runs with τ_JR rising and no treaty; ensemble condition: upper 95% of P(treaty) ≤ "
        f"{TREATY_MAX}",
        ensemble_ok=bool(p_high <= TREATY_MAX),
    )


PATTERNS: tuple[Callable[[Ensemble, Quarters], PatternResult], ...] = (
    dip_and_thaw,
    us_russia_rupture,
    china_russia_deepening,
    alliance_intact,
    partial_sticky_alignment,
    trust_without_treaty,
)


def evaluate_patterns(ens: Ensemble) -> list[PatternResult]:
    """Every pattern of MODEL-NOTES §6 on ``ens`` (which must cover JPN, RUS, USA, CHN and 2013-2017)."""
    check_ensemble(ens)
    q = Quarters(ens)
    return [pattern(ens, q) for pattern in PATTERNS]


def joint(results: list[PatternResult]) -> np.ndarray:
    """(R,) bool: the runs in which every pattern holds at once."""
    return np.logical_and.reduce([np.asarray(r.passed_runs, dtype=bool) for r in results])


def pattern_flags(ens: Ensemble) -> dict[str, np.ndarray]:
    """Per run, whether each pattern holds (keys ``1``..``6``) and whether all do (``joint``)."""
    results = evaluate_patterns(ens)
    return {**{r.key: np.asarray(r.passed_runs, dtype=bool) for r in results}, "joint": joint(results)}
