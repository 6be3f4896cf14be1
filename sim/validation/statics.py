"""The comparative statics of MODEL-NOTES §6: paired arms with common random numbers.

Each static perturbs one or two inputs of the replay and predicts the sign of the change in ensemble means
over 2014Q2-2017Q4. Both arms run the same run indices under the same seed, so their random numbers are
identical (``sim.rng``) and the paired per-run difference isolates the effect of the perturbation. A
prediction passes only when the 95% interval of the paired mean difference excludes 0 on the predicted
side; a right sign with an interval that reaches 0 fails. ``cs1_gradient`` checks CS1's "the effect grows
with a_J·π_U" across Japan's alliance commitment a_J: the paired effect at each a_J, and the per-run slope of
the effect on a_J with its 95% interval (predicted negative: a stronger commitment, a deeper cut).
"""

from __future__ import annotations

import copy
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.model import RelationsModel
from sim.results import Ensemble

WINDOW = ("2014-04", "2017-12")
RECORD = ("nci", "intended_cooperation", "channel_openness", "investment_stock", "sanctions", "trust")


@dataclass(frozen=True)
class Prediction:
    quantity: str  # key of QUANTITIES
    sign: int  # +1 or -1


@dataclass(frozen=True)
class Static:
    key: str
    statement: str
    changes: dict[str, float]  # config path -> value in the perturbed arm
    predictions: tuple[Prediction, ...]
    base: dict[str, float] | None = None  # config path -> value in both arms (e.g. a low alliance commitment)


@dataclass
class Effect:
    quantity: str
    sign: int
    baseline: float
    perturbed: float
    difference: float
    low: float
    high: float

    @property
    def holds(self) -> bool:
        """The interval excludes 0 on the predicted side."""
        return bool(self.low > 0) if self.sign > 0 else bool(self.high < 0)

    @property
    def as_predicted(self) -> bool:
        """The point estimate has the predicted sign (what a shown, not asserted, static reports)."""
        return bool(np.sign(self.difference) == self.sign)


def _ix(ens: Ensemble, code: str) -> int:
    return ens.countries.index(code)


def _window(ens: Ensemble, variable: str, src: str, tgt: str) -> np.ndarray:
    return ens.window_mean(variable, *WINDOW)[:, _ix(ens, src), _ix(ens, tgt)]


def thaw_year(ens: Ensemble) -> np.ndarray:
    """Per run, when J→R intended cooperation has recovered half of its post-Crimea drop (decimal year).

    The trough is the lowest 3-month mean of J→R intended cooperation from 2014-04 on; the thaw is the
    first later month at which the 3-month mean is back above trough + ½(2013 mean − trough). A run that
    never recovers gets the month after the horizon.
    """
    j, r = _ix(ens, "JPN"), _ix(ens, "RUS")
    series = ens.series["intended_cooperation"][:, :, j, r]  # (T, R)
    kernel = np.ones(3) / 3
    smooth = np.apply_along_axis(lambda x: np.convolve(x, kernel, mode="same"), 0, series)
    start = ens.calendar.index(WINDOW[0])
    base = ens.window_mean("intended_cooperation", "2013-01", "2013-12")[:, j, r]
    after = smooth[start:-1]  # the last month's centred mean is one-sided
    trough_at = after.argmin(axis=0)
    trough = after[trough_at, np.arange(after.shape[1])]
    level = trough + 0.5 * (base - trough)
    steps = np.arange(after.shape[0])[:, None]
    recovered = (steps > trough_at[None, :]) & (after >= level[None, :])
    first = np.where(recovered.any(axis=0), recovered.argmax(axis=0), after.shape[0])
    months = ens.calendar.start + start + first
    return months / 12.0


QUANTITIES: dict[str, tuple[str, Callable[[Ensemble], np.ndarray]]] = {
    "NCI_JR": ("mean J→R NCI 2014Q2–2017Q4", lambda e: _window(e, "nci", "JPN", "RUS")),
    "O_JR": ("mean JPN–RUS channel openness", lambda e: _window(e, "channel_openness", "JPN", "RUS")),
    "K_JR": ("mean Japan's investment stock in Russia", lambda e: _window(e, "investment_stock", "JPN", "RUS")),
    "S_JR": ("mean Japan's sanctions on Russia", lambda e: _window(e, "sanctions", "JPN", "RUS")),
    "tau_RJ": ("mean Russia's trust in Japan", lambda e: _window(e, "trust", "RUS", "JPN")),
    "thaw": ("thaw (J→R half recovery), decimal year", thaw_year),
    "P_treaty": ("P(peace treaty by 2017-12)", lambda e: _treaty_by(e, "2017-12")),
}


def _treaty_by(ens: Ensemble, month: str) -> np.ndarray:
    owners = [k for k, (_, o, p) in enumerate(ens.channels) if {o, p} == {"JPN", "RUS"}]
    steps = ens.milestones["treaty"][:, owners]
    return ((steps >= 0) & (steps <= ens.calendar.index(month))).any(axis=1).astype(float)


ALLIANCE = "scenario.alliances.JPN.commitment"
US_SANCTIONS = "scenario.sanctions.USA.RUS.scale"

STATICS: tuple[Static, ...] = (
    Static(
        "CS1",
        "↑S_UR (US sanction steps ×1.3) with a_J = 0.8 → ↓NCI_JR, ↓O_JR, ↓K_JR",
        {US_SANCTIONS: 1.3},
        (Prediction("NCI_JR", -1), Prediction("O_JR", -1), Prediction("K_JR", -1)),
    ),
    Static(
        "CS2",
        "↑a_J (alliance commitment 0.8 → 0.95) → ↓NCI_JR, ↓O_JR, ↑S_JR, later thaw",
        {ALLIANCE: 0.95},
        (Prediction("NCI_JR", -1), Prediction("O_JR", -1), Prediction("S_JR", +1), Prediction("thaw", +1)),
    ),
    Static(
        "CS3a",
        "↑I0_JR (Japan's baseline investment flow ×2) → ↑K_JR, ↑NCI_JR, ↑τ_RJ, earlier thaw",
        {"scenario.investment.flows.JPN.RUS.baseline_flow": 0.04},
        (Prediction("K_JR", +1), Prediction("NCI_JR", +1), Prediction("tau_RJ", +1), Prediction("thaw", -1)),
    ),
    Static(
        "CS3b",
        "↓χ_J and ↓φ_S (exposure 0.6 → 0.3, sanction friction 0.8 → 0.4) → ↑K_JR, ↑NCI_JR, ↑τ_RJ, earlier thaw",
        {"scenario.investment.exposure.JPN": 0.3, "scenario.investment.sanction_friction": 0.4},
        (Prediction("K_JR", +1), Prediction("NCI_JR", +1), Prediction("tau_RJ", +1), Prediction("thaw", -1)),
    ),
    Static(
        "CS4",
        "↓H_terr and ↓θ_PT (territorial hardness 0.8 → 0.5, treaty threshold 0.85 → 0.7, the low ends "
        "of their §5.8 ranges) → ↑P(treaty)",
        {"params.territorial_hardness": 0.5, "params.treaty_threshold": 0.7},
        (Prediction("P_treaty", +1),),
    ),
)

# Shown, not asserted: with a low alliance commitment, US sanctions may push Russia toward China and raise
# Japan's wedge motive, so the sign of CS1 may flip (MODEL-NOTES §6).
INTERACTION = Static(
    "CS1-low",
    "↑S_UR (×1.3) with a low alliance commitment a_J = 0.2 (the sign may flip; shown, not tested)",
    {US_SANCTIONS: 1.3},
    (Prediction("NCI_JR", -1), Prediction("O_JR", -1), Prediction("K_JR", -1)),
    base={ALLIANCE: 0.2},
)


def run_arm(cfg: dict[str, Any], runs: np.ndarray, settings: dict[str, float]) -> Ensemble:
    """One arm: the replay with ``settings`` applied, the given run indices (hence random numbers)."""
    arm = copy.deepcopy(cfg)
    return Ensemble.from_model(
        RelationsModel(arm, runs=runs, settings=settings, record_events=False, record=RECORD, rng=arm["seed"]).run()
    )


def paired(baseline: np.ndarray, perturbed: np.ndarray, quantity: str, sign: int) -> Effect:
    diff = perturbed - baseline
    half = 1.96 * diff.std(ddof=1) / np.sqrt(diff.size) if diff.size > 1 else 0.0
    return Effect(
        quantity,
        sign,
        float(baseline.mean()),
        float(perturbed.mean()),
        float(diff.mean()),
        float(diff.mean() - half),
        float(diff.mean() + half),
    )


def evaluate_static(
    static: Static, cfg: dict[str, Any], runs: np.ndarray, baseline: Ensemble | None = None
) -> list[Effect]:
    """The predicted effects of ``static``: both arms over ``runs`` (common random numbers)."""
    base_settings = dict(static.base or {})
    if baseline is None or base_settings:
        baseline = run_arm(cfg, runs, base_settings)
    perturbed = run_arm(cfg, runs, {**base_settings, **static.changes})
    return [
        paired(QUANTITIES[p.quantity][1](baseline), QUANTITIES[p.quantity][1](perturbed), p.quantity, p.sign)
        for p in static.predictions
    ]


@dataclass(frozen=True)
class Gradient:
    """CS1 across a_J: the paired effect on J→R NCI at each commitment, and the mean per-run slope."""

    values: tuple[float, ...]
    effects: tuple[Effect, ...]
    slope: Effect  # mean of per-run OLS slopes of the effect on a_J; predicted sign -1

    @property
    def monotone(self) -> bool:
        """Each step up in a_J makes the mean effect more negative."""
        diffs = [e.difference for e in self.effects]
        return all(b < a for a, b in itertools.pairwise(diffs))

    @property
    def holds(self) -> bool:
        return self.slope.holds


def slopes(values: np.ndarray, effects: np.ndarray) -> np.ndarray:
    """(V,) x values and (V, R) per-run y values -> (R,) least-squares slope of each run's y on x."""
    x = np.asarray(values, dtype=float) - np.mean(values)
    y = np.asarray(effects, dtype=float)
    return (x @ (y - y.mean(axis=0))) / (x @ x)


def cs1_gradient(cfg: dict[str, Any], runs: np.ndarray, values: tuple[float, ...]) -> Gradient:
    """CS1's US sanctions ×1.3 at each alliance commitment in ``values``: paired arms over ``runs``."""
    cs1 = STATICS[0]
    per_value, effects = [], []
    for a in values:
        base = run_arm(cfg, runs, {ALLIANCE: a})
        perturbed = run_arm(cfg, runs, {ALLIANCE: a, **cs1.changes})
        b, p = QUANTITIES["NCI_JR"][1](base), QUANTITIES["NCI_JR"][1](perturbed)
        per_value.append(p - b)
        effects.append(paired(b, p, "NCI_JR", -1))
    slope = slopes(np.array(values), np.array(per_value))
    return Gradient(tuple(values), tuple(effects), paired(np.zeros_like(slope), slope, "slope", -1))
