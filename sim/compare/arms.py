"""The two arms of a comparison: split from one composed experiment, checked, and run with common random numbers.

An experiment config (``conf/experiment/*.yaml``) holds one scenario at ``scenario`` and the other at
``compare.baseline``; everything else (seed, run indices, mode, parameters, ``stop``) is common. Each arm is
then exactly the config ``experiments/run.py scenario=<its scenario>`` would run with the same overrides, and
run ``k`` of both arms draws the same random numbers (they depend only on seed, run index, month, stream
and element: ``sim.rng``), so the per-run difference measures the scenario's changes, not sampling noise.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.calendar import Calendar
from sim.config import ConfigError, validate
from sim.results import Ensemble
from sim.variables import DYAD_VARIABLES

ARMS = ("baseline", "scenario")
# scenario keys that describe a scenario (or only mark its figures) rather than change the world it simulates
DESCRIPTIVE = frozenset({"name", "description", "rationale", "changes", "markers"})
SAME_WORLD = ("countries", "start", "end", "baseline_end")


def parse_dyad(text: str, countries: list[str]) -> tuple[int, int]:
    """``"JPN->RUS"`` as (source, target) indices into ``countries``; ValueError if malformed or unknown."""
    parts = str(text).split("->")
    if len(parts) != 2 or parts[0] == parts[1] or not set(parts) <= set(countries):
        raise ValueError(f"a dyad is SOURCE->TARGET with two different codes of {', '.join(countries)}")
    return countries.index(parts[0]), countries.index(parts[1])


def arm_configs(cfg: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The validated config of each arm of the comparison ``cfg`` (resolved plain dict); ConfigError on the
    first problem, with the key path as the user wrote it (``compare.baseline...`` for the baseline arm)."""
    if not cfg.get("compare"):
        raise ConfigError(
            "compare", None, "choose an experiment, e.g. experiment=japan_never_sanctions (files in conf/experiment/)"
        )
    common = {key: value for key, value in cfg.items() if key != "compare"}
    scenario = validate(copy.deepcopy(common))
    baseline = copy.deepcopy(common)
    baseline["scenario"] = copy.deepcopy(cfg["compare"]["baseline"])
    try:
        validate(baseline)
    except ConfigError as err:
        if not err.path.startswith("scenario"):
            raise
        raise ConfigError("compare.baseline" + err.path.removeprefix("scenario"), err.value, err.allowed) from None
    arms = {"baseline": baseline, "scenario": scenario}
    _check_pairable(arms)
    _check_compare(cfg["compare"], scenario)
    return arms


def _check_pairable(arms: Mapping[str, Mapping[str, Any]]) -> None:
    """Paired differences need the same countries, months and channels in both arms."""
    base, scen = arms["baseline"]["scenario"], arms["scenario"]["scenario"]
    for key in SAME_WORLD:
        if base[key] != scen[key]:
            raise ConfigError(
                f"compare.baseline.{key}",
                base[key],
                f"must equal scenario.{key} ({scen[key]!r}): a paired comparison needs the same "
                "countries and months in both arms",
            )
    if list(base["channels"]) != list(scen["channels"]):
        raise ConfigError(
            "compare.baseline.channels",
            list(base["channels"]),
            f"must name the same channels as scenario.channels ({list(scen['channels'])})",
        )


def _check_compare(spec: Mapping[str, Any], arm: Mapping[str, Any]) -> None:
    sc = arm["scenario"]
    calendar = Calendar.from_strings(sc["start"], arm["stop"] or sc["end"])
    horizon = f"{calendar.label(0)}..{calendar.label(calendar.n_steps - 1)}"

    def month(path: str, text: Any) -> int:
        try:
            return calendar.index(str(text))
        except ValueError:
            raise ConfigError(path, text, f"must be a month inside the simulated months {horizon}") from None

    for name, window in spec["windows"].items():
        path = f"compare.windows.{name}"
        if len(window) != 2:
            raise ConfigError(path, window, "a window is [first month, last month]")
        if month(f"{path}[0]", window[0]) > month(f"{path}[1]", window[1]):
            raise ConfigError(path, window, "the first month must not be after the last")
    for k, date in enumerate(spec["milestone_dates"]):
        month(f"compare.milestone_dates[{k}]", date)
    if not spec["variables"]:
        raise ConfigError("compare.variables", [], "name one or more output variables")
    for k, variable in enumerate(spec["variables"]):
        if variable not in DYAD_VARIABLES:
            raise ConfigError(f"compare.variables[{k}]", variable, f"allowed: {', '.join(DYAD_VARIABLES)}")
    if not spec["dyads"]:
        raise ConfigError("compare.dyads", [], "name one or more dyads, e.g. JPN->RUS")
    for k, dyad in enumerate(spec["dyads"]):
        try:
            parse_dyad(dyad, list(sc["countries"]))
        except ValueError as err:
            raise ConfigError(f"compare.dyads[{k}]", dyad, str(err)) from None


def differences(base: Any, other: Any, path: str = "") -> list[str]:
    """Dotted paths at which two scenarios differ, leaving out what only describes them (name, rationale ...).

    Lists of equal length are compared entry by entry (``sanctions.USA.RUS.steps[5]``); a list whose length
    changed is reported whole.
    """
    if isinstance(base, Mapping) and isinstance(other, Mapping):
        found = []
        for key in [*base, *(k for k in other if k not in base)]:
            if not path and key in DESCRIPTIVE:
                continue
            if key not in base or key not in other:
                found.append(f"{path}{key}")
            else:
                found += differences(base[key], other[key], f"{path}{key}.")
        return found
    here = path.removesuffix(".")
    if isinstance(base, list) and isinstance(other, list) and len(base) == len(other):
        return [p for k, (a, b) in enumerate(zip(base, other, strict=True)) for p in differences(a, b, f"{here}[{k}].")]
    return [] if base == other else [here]


@dataclass
class Pair:
    """The two ensembles of a comparison, run ``k`` of one paired with run ``k`` of the other."""

    baseline: Ensemble
    scenario: Ensemble

    @property
    def calendar(self) -> Calendar:
        return self.baseline.calendar

    @property
    def countries(self) -> list[str]:
        return self.baseline.countries

    def arm(self, name: str) -> Ensemble:
        return {"baseline": self.baseline, "scenario": self.scenario}[name]

    def difference(self, variable: str) -> np.ndarray:
        """Per-run paired difference, scenario minus baseline: (T, R, N, N)."""
        return self.scenario.series[variable] - self.baseline.series[variable]


def run_arms(arms: Mapping[str, Mapping[str, Any]], variables: list[str]) -> Pair:
    """Run both arms on the same seed and run indices, recording ``variables``."""
    from sim.model import RelationsModel  # here: mesa takes a second to import, and the preflight needs no model

    ensembles = {}
    for name in ARMS:
        cfg = arms[name]
        runs = np.arange(cfg["first_run"], cfg["first_run"] + cfg["replicates"])
        model = RelationsModel(cfg, runs=runs, record=tuple(variables), record_events=False, rng=cfg["seed"]).run()
        ensembles[name] = Ensemble.from_model(model)
    return Pair(**ensembles)
