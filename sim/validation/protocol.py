"""The validation protocol's declarations (``conf/validation/protocol.yaml``) and its pooled ensemble.

Validation runs on declared seeds that no tuning or calibration used; a tuning seed is refused unless
``validation.allow_tuning_seeds=true``, and then the report says "in-sample". The seeds' runs are pooled:
a run's random numbers are a counter-based hash of (seed, run index, step, stream, element)
(``sim.rng``), so runs 0..n-1 of two different seeds are distinct, independent streams, and the pooled
runs are one sample of the model's outcome distribution.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.errors import ConfigError
from sim.mechanisms import MAX_SALIENCE_POWER
from sim.results import Ensemble
from sim.sweep.spec import number

GOALS = {
    "within_months": 6,
    "on_time_share": 0.6,
    "treaty_by_2017": 0.05,
    "coverage_90": 0.8,
    "skill_out_of_sample": 0.3,
    "joint": 0.6,
}


@dataclass(frozen=True)
class ObservationFit:
    """How the observation model's salience power ω is chosen (``experiments/fit_observation.py``): on the in-sample
    quarters of ``seeds`` (tuning seeds only), ``runs`` runs each, among ``powers``."""

    seeds: tuple[int, ...]
    runs: int
    powers: tuple[float, ...]


@dataclass(frozen=True)
class Protocol:
    seeds: tuple[int, ...]
    runs: int
    tuning_seeds: tuple[int, ...]
    allow_tuning_seeds: bool
    split: str
    salience_power: float
    observation: ObservationFit
    statics_runs: int
    gradient_values: tuple[float, ...]
    gradient_runs: int
    lhs_points: int
    lhs_replicates: int
    lhs_chunk_size: int
    consistency: float
    lhs_parameters: dict[str, Any]
    goals: dict[str, float]

    @property
    def reused(self) -> list[int]:
        """The validation seeds that also tuned something."""
        return [s for s in self.seeds if s in self.tuning_seeds]

    @property
    def in_sample(self) -> bool:
        return bool(self.reused)


def _count(key: str, value: Any, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise ConfigError(key, value, f"must be an integer >= {least}")
    return value


def read_observation_fit(block: dict[str, Any], tuning_seeds: list[int]) -> ObservationFit:
    """``validation.observation``: tuning seeds only, runs, candidate powers. (That none is also a validation seed
    is checked when ω is chosen, ``check_observation_seeds``: an in-sample validation on a tuning seed may share it.)"""
    key = "validation.observation"
    if not block:  # a config saved before ω was chosen on tuning seeds: nothing to choose, nothing to check
        return ObservationFit((), 0, ())
    chosen_on = block.get("seeds") or []
    if not isinstance(chosen_on, list) or not chosen_on:
        raise ConfigError(f"{key}.seeds", block.get("seeds"), "a list of tuning seeds (validation.tuning_seeds)")
    for k, s in enumerate(chosen_on):
        _count(f"{key}.seeds[{k}]", s, 0)
        if s not in tuning_seeds:
            raise ConfigError(f"{key}.seeds[{k}]", s, f"a tuning seed {tuning_seeds}")
    powers = block.get("powers") or []
    if not isinstance(powers, list) or not powers:
        raise ConfigError(
            f"{key}.powers", block.get("powers"), f"a list of candidate powers in 0..{MAX_SALIENCE_POWER:g}"
        )
    values = [number(f"{key}.powers[{k}]", x) for k, x in enumerate(powers)]
    for k, x in enumerate(values):
        if not 0 <= x <= MAX_SALIENCE_POWER or x in values[:k]:
            raise ConfigError(f"{key}.powers[{k}]", x, f"distinct powers in 0..{MAX_SALIENCE_POWER:g}")
    return ObservationFit(
        tuple(chosen_on), _count(f"{key}.runs", block.get("runs"), 2), tuple(float(x) for x in values)
    )


def check_observation_seeds(protocol: Protocol) -> None:
    """ω is chosen on seeds the validation does not score: none of ``validation.observation.seeds`` may be a
    validation seed (possible only with ``validation.allow_tuning_seeds=true``); and there must be some."""
    if not protocol.observation.seeds:
        raise ConfigError("validation.observation", {}, "{seeds: [tuning seeds], runs: n, powers: [candidates]}")
    for k, s in enumerate(protocol.observation.seeds):
        if s in protocol.seeds:
            allowed = f"a tuning seed that is not a validation seed {list(protocol.seeds)}"
            raise ConfigError(f"validation.observation.seeds[{k}]", s, allowed)


def read_protocol(cfg: dict[str, Any]) -> Protocol:
    """The checked protocol of a validated config; ``ConfigError`` names the first bad entry."""
    v = cfg.get("validation")
    if not v:
        raise ConfigError("validation", None, "run experiments/validate.py (it composes conf/validation/protocol.yaml)")
    seeds = v["seeds"]
    if not seeds:
        raise ConfigError("validation.seeds", seeds, "at least one seed")
    for k, s in enumerate(seeds):
        _count(f"validation.seeds[{k}]", s, 0)
    if len(set(seeds)) != len(seeds):
        raise ConfigError("validation.seeds", seeds, "each seed once (a repeated seed repeats its runs)")
    reused = [s for s in seeds if s in v["tuning_seeds"]]
    if reused and not v["allow_tuning_seeds"]:
        raise ConfigError(
            "validation.seeds",
            reused,
            "seeds kept apart from the tuning seeds "
            f"{list(v['tuning_seeds'])} (validation.allow_tuning_seeds=true validates in-sample)",
        )
    split = str(v["split"])
    if not ("2013-01" <= split < "2017-12") or len(split) != 7:
        raise ConfigError("validation.split", split, "a month YYYY-MM within 2013-01..2017-11")
    power = number("validation.salience_power", v.get("salience_power", 1.0))
    if not 0 <= power <= MAX_SALIENCE_POWER:
        raise ConfigError("validation.salience_power", power, f"a number in 0..{MAX_SALIENCE_POWER:g}")
    observation = read_observation_fit(dict(v.get("observation") or {}), list(v["tuning_seeds"]))
    gradient, lhs = dict(v["gradient"] or {}), dict(v["lhs"] or {})
    values = gradient.get("values", [])
    if not isinstance(values, list) or len(values) < 2:
        raise ConfigError("validation.gradient.values", values, "at least two alliance commitments a_J")
    values = [number(f"validation.gradient.values[{k}]", x) for k, x in enumerate(values)]
    if any(not 0 <= x <= 1 for x in values) or sorted(values) != values:
        raise ConfigError("validation.gradient.values", values, "increasing values within 0..1")
    goals = {**GOALS, **dict(v["goals"] or {})}
    unknown = sorted(set(goals) - set(GOALS))
    if unknown:
        raise ConfigError(f"validation.goals.{unknown[0]}", goals[unknown[0]], f"allowed: {', '.join(GOALS)}")
    for name, value in goals.items():
        number(f"validation.goals.{name}", value)
    consistency = number("validation.lhs.consistency", lhs.get("consistency", 0.95))
    if not 0 < consistency <= 1:
        raise ConfigError("validation.lhs.consistency", consistency, "a share in (0, 1]")
    if not lhs.get("parameters"):
        raise ConfigError("validation.lhs.parameters", lhs.get("parameters"), "the §5.8 ranges to sample")
    return Protocol(
        seeds=tuple(seeds),
        runs=_count("validation.runs", v["runs"]),
        tuning_seeds=tuple(v["tuning_seeds"]),
        allow_tuning_seeds=bool(v["allow_tuning_seeds"]),
        split=split,
        salience_power=float(power),
        observation=observation,
        statics_runs=_count("validation.statics_runs", v["statics_runs"], 2),
        gradient_values=tuple(values),
        gradient_runs=_count("validation.gradient.runs", gradient.get("runs"), 2),
        lhs_points=_count("validation.lhs.points", lhs.get("points"), 2),
        lhs_replicates=_count("validation.lhs.replicates", lhs.get("replicates")),
        lhs_chunk_size=_count("validation.lhs.chunk_size", lhs.get("chunk_size", 100)),
        consistency=consistency,
        lhs_parameters=dict(lhs["parameters"]),
        goals={k: float(x) for k, x in goals.items()},
    )


def run_seed(
    cfg: dict[str, Any],
    seed: int,
    runs: int,
    settings: dict[str, Any] | None = None,
    record: tuple[str, ...] | None = None,
    salient: int = 0,
    salience_power: float = 1.0,
) -> Ensemble:
    """Runs 0..runs-1 of the replay under ``seed`` (and ``settings``); ``salient``: events kept per dyad-month
    for the fit's observation model (``RelationsModel(record_salient=...)``), drawn with weights
    ``|g|^salience_power``."""
    from sim.model import RelationsModel  # here: the preflight reads the protocol and needs no model

    arm = copy.deepcopy(cfg)
    arm["seed"] = seed
    kwargs: dict[str, Any] = {"record": record} if record else {}
    if salient:
        kwargs["record_salient"] = salient
        kwargs["salience_power"] = salience_power
    return Ensemble.from_model(
        RelationsModel(
            arm, runs=np.arange(runs), settings=settings or {}, record_events=False, rng=seed, **kwargs
        ).run()
    )


def pool(ensembles: list[Ensemble]) -> Ensemble:
    """One ensemble of the runs of several (same calendar, countries and channels); runs in the given order."""
    first = ensembles[0]
    for other in ensembles[1:]:
        if other.countries != first.countries or other.channels != first.channels or other.calendar != first.calendar:
            raise ValueError("pooled ensembles must share calendar, countries and channels")
    common = set.intersection(*(set(e.series) for e in ensembles))
    return Ensemble(
        first.calendar,
        first.countries,
        np.concatenate([e.runs for e in ensembles]),
        {name: np.concatenate([e.series[name] for e in ensembles], axis=1) for name in sorted(common)},
        first.channels,
        {name: np.concatenate([e.milestones[name] for e in ensembles]) for name in first.milestones},
        [],
        *(
            (
                np.concatenate([e.salient for e in ensembles], axis=1),
                np.concatenate([e.salient_key for e in ensembles], axis=1),
            )
            if all(e.salient is not None for e in ensembles)
            else (None, None)
        ),
    )
