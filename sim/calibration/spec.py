"""A calibration declaration, typed and checked: the fitted parameters, the observed targets, the split,
the moments, the seeds, the optimiser.

The targets are the observed NCI of each directed dyad in each period that has events (an event file does
not say that nothing happened in the others); each target is weighted by ``n / (n + 1)`` for its ``n``
events, so a period seen through one event counts half as much as a well-observed one. Targets up to
``split`` form the fit window, later ones the held-out window; a dyad with fewer than two targets in the fit window has
no baseline level and is left out of both (with one, its deviation is always 0; ``sim.calibration.score``).

Seeds: the fit runs on the top-level ``seed`` and the parameter rows are scored on ``score_seed``; both must
be tuning seeds (``tuning_seeds``) and neither may be a validation seed (``validation_seeds``), so the
validation later runs on random numbers no calibration has seen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.calendar import Calendar, parse_month
from sim.calibration.moments import read_moments
from sim.config.errors import ConfigError
from sim.observed import ObservedDataError, observed_nci, read_events
from sim.sweep.spec import leaf, number

FREQUENCIES = ("M", "Q")
OBJECTIVES = ("anomaly",)
STRATEGIES = (
    "best1bin",
    "best1exp",
    "rand1bin",
    "rand1exp",
    "rand2bin",
    "best2bin",
    "currenttobest1bin",
    "randtobest1bin",
)
OPTIMISER_DEFAULTS: dict[str, Any] = {
    "strategy": "best1bin",
    "popsize": 6,
    "maxiter": 25,
    "mutation": [0.5, 1.0],
    "recombination": 0.7,
    "tol": 0.0,
}


@dataclass(frozen=True)
class Bounds:
    path: str
    low: float
    high: float
    default: float


@dataclass(frozen=True)
class CalibrationSpec:
    name: str
    observed_path: Path
    frequency: str
    parameters: tuple[Bounds, ...]
    targets: pd.DataFrame  # period, first, last, source, target, observed, events, weight
    replicates: int
    chunk_size: int
    optimiser: dict[str, Any]
    install: bool
    objective: str = "anomaly"
    prior_weight: float = 0.0
    split: str = "2015-12"
    moments: dict[str, dict[str, Any]] = field(default_factory=dict)
    fit_seed: int = 20161215
    score_seed: int = 1
    score_replicates: int = 64
    tuning_seeds: tuple[int, ...] = ()
    validation_seeds: tuple[int, ...] = ()
    baselines: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [p.path for p in self.parameters]

    @property
    def candidates_per_generation(self) -> int:
        return int(self.optimiser["popsize"]) * len(self.parameters)


def _bounds(cfg: dict[str, Any], path: str, spec: Any) -> Bounds:
    key = f"calibration.parameters.{path}"
    default = leaf(cfg, path, key)
    if isinstance(default, bool) or not isinstance(default, int | float):
        raise ConfigError(key, default, "a path to a numeric value")
    if not isinstance(spec, dict) or set(spec) != {"low", "high"}:
        raise ConfigError(key, spec, "{low: <number>, high: <number>}")
    low, high = number(f"{key}.low", spec["low"]), number(f"{key}.high", spec["high"])
    if not low < high:
        raise ConfigError(f"{key}.high", high, f"a number above low = {low}")
    return Bounds(path, low, high, float(default))


def _period_months(period: str) -> tuple[str, str]:
    if "Q" in period:
        year, q = period.split("Q")
        return f"{year}-{3 * int(q) - 2:02d}", f"{year}-{3 * int(q):02d}"
    return period, period


def observed_targets(
    path: Path, frequency: str, first: str, last: str, countries: list[str], dyads: list[str]
) -> pd.DataFrame:
    """The observed NCI the calibration fits, one row per (period, source, target) with events."""
    try:
        events = read_events(path)
    except FileNotFoundError:
        raise ConfigError("calibration.observed", str(path), "an existing CSV event file") from None
    except ObservedDataError as err:
        raise ConfigError(
            "calibration.observed", str(err), "a well-formed event file (docs/observed-data.md)"
        ) from None
    table = observed_nci(events, frequency)
    value = "nci_monthly_mean" if frequency == "Q" else "nci"
    table = table[table["source"].isin(countries) & table["target"].isin(countries)]
    if dyads:
        table = table[(table["source"] + "->" + table["target"]).isin(dyads)]
    months = table["period"].map(_period_months)
    table = table.assign(first=months.str[0], last=months.str[1])
    lo, hi = parse_month(first), parse_month(last)
    inside = table["first"].map(parse_month).ge(lo) & table["last"].map(parse_month).le(hi)
    table = table[inside]
    out = pd.DataFrame(
        {
            "period": table["period"],
            "first": table["first"],
            "last": table["last"],
            "source": table["source"],
            "target": table["target"],
            "observed": table[value],
            "events": table["events"],
        }
    ).reset_index(drop=True)
    out["weight"] = out["events"] / (out["events"] + 1.0)
    return out


def read_calibration(cfg: dict[str, Any], calendar: Calendar, root: Path) -> CalibrationSpec:
    """Check ``cfg['calibration']`` against the config and load its observed targets (``ConfigError``)."""
    spec = cfg.get("calibration")
    if not spec:
        raise ConfigError(
            "calibration", spec, "a calibration, e.g. calibration=replay_2013_2017 (files in conf/calibration/)"
        )
    if spec["frequency"] not in FREQUENCIES:
        raise ConfigError("calibration.frequency", spec["frequency"], ", ".join(FREQUENCIES))
    for key in ("first", "last"):
        try:
            calendar.index(spec[key])
        except (ValueError, IndexError):
            raise ConfigError(
                f"calibration.{key}",
                spec[key],
                f"a month YYYY-MM inside the simulated {calendar.label(0)}..{calendar.label(calendar.n_steps - 1)}",
            ) from None
    if not spec["parameters"]:
        raise ConfigError("calibration.parameters", spec["parameters"], "at least one {path: {low, high}}")
    parameters = tuple(_bounds(cfg, path, bounds) for path, bounds in spec["parameters"].items())
    for key in ("replicates", "chunk_size"):
        if isinstance(spec[key], bool) or not isinstance(spec[key], int) or spec[key] < 1:
            raise ConfigError(f"calibration.{key}", spec[key], "a whole number >= 1")
    unknown = sorted(set(spec["optimiser"]) - set(OPTIMISER_DEFAULTS))
    if unknown:
        raise ConfigError(
            f"calibration.optimiser.{unknown[0]}",
            spec["optimiser"][unknown[0]],
            f"one of {', '.join(OPTIMISER_DEFAULTS)}",
        )
    optimiser = {**OPTIMISER_DEFAULTS, **spec["optimiser"]}
    if optimiser["strategy"] not in STRATEGIES:
        raise ConfigError("calibration.optimiser.strategy", optimiser["strategy"], ", ".join(STRATEGIES))
    for key in ("popsize", "maxiter"):
        value = optimiser[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < (1 if key == "popsize" else 0):
            raise ConfigError(
                f"calibration.optimiser.{key}",
                value,
                "a whole number >= 1" if key == "popsize" else "a whole number >= 0",
            )
    path = Path(spec["observed"])
    path = path if path.is_absolute() else root / path
    countries = list(cfg["scenario"]["countries"])
    for dyad in spec["dyads"]:
        src, _, tgt = str(dyad).partition("->")
        if src not in countries or tgt not in countries or src == tgt:
            raise ConfigError(
                "calibration.dyads", dyad, f"'SRC->TGT' with two different countries of {', '.join(countries)}"
            )
    targets = observed_targets(path, spec["frequency"], spec["first"], spec["last"], countries, list(spec["dyads"]))
    if targets.empty:
        raise ConfigError(
            "calibration.observed",
            str(path),
            f"a file with events between {spec['first']} and {spec['last']} on the chosen dyads",
        )
    if spec["objective"] not in OBJECTIVES:
        raise ConfigError("calibration.objective", spec["objective"], ", ".join(OBJECTIVES))
    prior = number("calibration.prior_weight", spec["prior_weight"])
    if prior < 0:
        raise ConfigError("calibration.prior_weight", prior, "a number >= 0")
    split = _split(spec, calendar)
    targets = _windows(targets, split)
    if not (targets["window"] == "fit").any():
        raise ConfigError(
            "calibration.split",
            spec["split"],
            f"a month with two observed targets of a dyad up to it (calibration.first is {spec['first']})",
        )
    seeds = _seeds(cfg, spec)
    if (
        isinstance(spec["score_replicates"], bool)
        or not isinstance(spec["score_replicates"], int)
        or spec["score_replicates"] < 1
    ):
        raise ConfigError("calibration.score_replicates", spec["score_replicates"], "a whole number >= 1")
    return CalibrationSpec(
        spec["name"],
        path,
        spec["frequency"],
        parameters,
        targets,
        spec["replicates"],
        spec["chunk_size"],
        optimiser,
        bool(spec.get("install", False)),
        spec["objective"],
        prior,
        split,
        read_moments(spec.get("moments") or {}, split),
        *seeds,
        spec["score_replicates"],
        tuple(spec["tuning_seeds"]),
        tuple(spec["validation_seeds"]),
        _baselines(cfg, spec.get("baselines") or {}),
    )


def _split(spec: dict[str, Any], calendar: Calendar) -> str:
    try:
        parse_month(str(spec["split"]))
    except ValueError:
        raise ConfigError("calibration.split", spec["split"], "a month YYYY-MM (the last month the fit sees)") from None
    if not spec["first"] <= str(spec["split"]):
        raise ConfigError("calibration.split", spec["split"], f"a month from calibration.first = {spec['first']} on")
    return str(spec["split"])


def _windows(targets: pd.DataFrame, split: str) -> pd.DataFrame:
    """Mark each target ``fit`` (its last month <= split) or ``held_out``; keep the dyads with at least two fit
    targets (with one, its deviation from its own fit-window mean is 0 whatever the model does)."""
    window = targets["last"].map(parse_month).le(parse_month(split)).map({True: "fit", False: "held_out"})
    targets = targets.assign(window=window)
    dyad = targets["source"] + "->" + targets["target"]
    counts = dyad[targets["window"] == "fit"].value_counts()
    return targets[dyad.isin(counts.index[counts >= 2])].reset_index(drop=True)


def _seeds(cfg: dict[str, Any], spec: dict[str, Any]) -> tuple[int, int]:
    """The fitting seed (top-level ``seed``) and the scoring seed, both checked against the declared sets."""
    validation = set(spec["validation_seeds"])
    tuning = list(spec["tuning_seeds"])
    if validation & set(tuning):
        raise ConfigError(
            "calibration.tuning_seeds", tuning, f"seeds apart from the validation seeds {sorted(validation)}"
        )
    for key, seed in (("seed", cfg["seed"]), ("calibration.score_seed", spec["score_seed"])):
        if seed in validation:
            raise ConfigError(
                key,
                seed,
                f"a tuning seed ({', '.join(map(str, tuning))}); {seed} is a validation "
                "seed and no calibration may see it",
            )
        if seed not in tuning:
            raise ConfigError(
                key, seed, f"a tuning seed: one of {', '.join(map(str, tuning))} (calibration.tuning_seeds)"
            )
    return int(cfg["seed"]), int(spec["score_seed"])


def _baselines(cfg: dict[str, Any], rows: dict[str, Any]) -> dict[str, dict[str, float]]:
    """Named parameter rows scored beside the defaults and the calibrated set: {name: {config path: value}}."""
    out = {}
    for name, values in rows.items():
        if name in ("default", "calibrated") or not str(name).isidentifier():
            raise ConfigError(
                f"calibration.baselines.{name}", name, "a name other than default and calibrated (letters, digits, _)"
            )
        if not isinstance(values, dict) or not values:
            raise ConfigError(f"calibration.baselines.{name}", values, "{config path: number, ...}")
        for path, value in values.items():
            key = f"calibration.baselines.{name}.{path}"
            current = leaf(cfg, path, key)
            if isinstance(current, bool) or not isinstance(current, int | float):
                raise ConfigError(key, path, "a path to a numeric value")
            number(key, value)
        out[str(name)] = {str(path): float(value) for path, value in values.items()}
    return out
