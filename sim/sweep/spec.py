"""A sweep declaration, typed and checked: parameters (with their SALib problem), outcomes, series.

One file says what varies, how it is sampled and what is measured (SALib's single problem description;
the EMA Workbench's uncertainties and outcomes); every tool downstream reads this object.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sim.calendar import Calendar
from sim.config.errors import ConfigError
from sim.model import DYAD_VARIABLES, MILESTONES

DESIGNS = ("grid", "random", "lhs", "sobol")
DISTRIBUTIONS = ("uniform", "normal")
STATS = ("mean", "final", "month", "by", "pattern")
PATTERNS = ("1", "2", "3", "4", "5", "6", "joint")  # sim.patterns: one pattern, or all at once
MAX_SERIES_VALUES = 50_000_000


@dataclass(frozen=True)
class Parameter:
    path: str
    values: tuple[float, ...] = ()
    low: float = math.nan
    high: float = math.nan
    distribution: str = "uniform"

    @property
    def salib_bounds(self) -> list[float]:
        return [self.low, self.high]

    @property
    def salib_dist(self) -> str:
        return {"uniform": "unif", "normal": "norm"}[self.distribution]


@dataclass(frozen=True)
class Outcome:
    """A scalar measure of one run.

    ``mean``: mean of ``variable`` on ``source->target`` over months ``first..last`` (whole run by default);
    ``final``: its value in month ``last`` (the last month by default); ``month``: decimal year in which
    ``milestone`` of ``channel`` happened (NaN if never); ``by``: 1 if it happened by month ``last``, else 0;
    ``pattern``: 1 if validation ``pattern`` (``1``..``6``, or ``joint``: all of them) holds in the run, else 0.
    """

    name: str
    stat: str
    variable: str = ""
    source: str = ""
    target: str = ""
    milestone: str = ""
    channel: str = ""
    first: str = ""
    last: str = ""
    pattern: str = ""


@dataclass(frozen=True)
class Sweep:
    name: str
    description: str
    design: str
    points: int
    replicates: int
    chunk_size: int
    parameters: tuple[Parameter, ...]
    outcomes: tuple[Outcome, ...]
    series_variables: tuple[str, ...] = ()
    series_dyads: tuple[tuple[str, str], ...] = ()
    common_random_numbers: bool = True

    @property
    def names(self) -> list[str]:
        return [p.path for p in self.parameters]

    def salib_problem(self) -> dict[str, Any]:
        return {
            "num_vars": len(self.parameters),
            "names": self.names,
            "bounds": [p.salib_bounds for p in self.parameters],
            "dists": [p.salib_dist for p in self.parameters],
        }

    def recorded_variables(self) -> tuple[str, ...]:
        from sim.patterns import VARIABLES

        patterns = set(VARIABLES) if any(o.stat == "pattern" for o in self.outcomes) else set()
        return tuple(sorted({o.variable for o in self.outcomes if o.variable} | set(self.series_variables) | patterns))


def number(path: str, value: Any) -> float:
    """``value`` as a float, or ``ConfigError`` naming ``path`` unless it is a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(path, value, "must be a finite number")
    return float(value)


def leaf(cfg: dict[str, Any], path: str, key: str) -> Any:
    """The value at dotted ``path`` of ``cfg`` (list items by index), or ``ConfigError`` naming ``key``."""
    node: Any = cfg
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise ConfigError(key, path, "no such key in the configuration")
    return node


def _parameter(cfg: dict[str, Any], path: str, spec: Any, design: str) -> Parameter:
    key = f"sweep.parameters.{path}"
    if path.startswith("sweep.") or path in ("seed", "replicates", "first_run", "workers"):
        raise ConfigError(key, path, "a sweep varies model parameters and scenario knobs, not run settings")
    current = leaf(cfg, path, key)
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise ConfigError(key, current, "only numeric keys can be swept")
    if not isinstance(spec, dict):
        raise ConfigError(key, spec, "give {values: [...]} or {low: .., high: ..}")
    unknown = set(spec) - {"values", "low", "high", "distribution"}
    if unknown:
        raise ConfigError(
            f"{key}.{sorted(unknown)[0]}",
            spec[sorted(unknown)[0]],
            "unknown key; allowed: values, low, high, distribution",
        )
    if design == "grid":
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{key}.values", values, "a grid needs a non-empty list of values")
        return Parameter(path, tuple(number(f"{key}.values[{k}]", v) for k, v in enumerate(values)))
    if "values" in spec:
        raise ConfigError(f"{key}.values", spec["values"], f"design {design} samples ranges: give low and high")
    distribution = spec.get("distribution", "uniform")
    if distribution not in DISTRIBUTIONS:
        raise ConfigError(f"{key}.distribution", distribution, f"allowed: {', '.join(DISTRIBUTIONS)}")
    for bound in ("low", "high"):
        if bound not in spec:
            raise ConfigError(f"{key}.{bound}", None, f"design {design} needs low and high")
    low, high = number(f"{key}.low", spec["low"]), number(f"{key}.high", spec["high"])
    if distribution == "uniform" and low > high:
        raise ConfigError(f"{key}.low", low, f"must not exceed high ({high})")
    if distribution == "uniform" and low == high:
        raise ConfigError(key, [low, high], "empty range: low equals high")
    if distribution == "normal" and high <= 0:
        raise ConfigError(f"{key}.high", high, "for a normal distribution high is the standard deviation: > 0")
    return Parameter(path, low=low, high=high, distribution=distribution)


def _dyad(key: str, text: Any, countries: list[str]) -> tuple[str, str]:
    parts = str(text).split("->")
    if len(parts) != 2 or parts[0] not in countries or parts[1] not in countries or parts[0] == parts[1]:
        raise ConfigError(key, text, f"a directed dyad SRC->DST of two countries among {', '.join(countries)}")
    return parts[0], parts[1]


def _outcome(name: str, spec: Any, cfg: dict[str, Any], calendar: Calendar) -> Outcome:
    key = f"sweep.outcomes.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(key, spec, "an outcome is a mapping with a stat")
    allowed = {"stat", "variable", "dyad", "milestone", "channel", "from", "to", "date", "pattern"}
    unknown = set(spec) - allowed
    if unknown:
        bad = sorted(unknown)[0]
        raise ConfigError(f"{key}.{bad}", spec[bad], f"unknown key; allowed: {', '.join(sorted(allowed))}")
    stat = spec.get("stat")
    if stat not in STATS:
        raise ConfigError(f"{key}.stat", stat, f"allowed: {', '.join(STATS)}")
    for field_name in ("from", "to", "date"):
        if field_name in spec:
            try:
                calendar.index(str(spec[field_name]))
            except ValueError:
                raise ConfigError(
                    f"{key}.{field_name}",
                    spec[field_name],
                    f"must be a month inside {calendar.label(0)}..{calendar.label(calendar.n_steps - 1)}",
                ) from None
    first, last = str(spec.get("from", "")), str(spec.get("to", spec.get("date", "")))
    if stat == "pattern":
        if str(spec.get("pattern")) not in PATTERNS:
            raise ConfigError(f"{key}.pattern", spec.get("pattern"), f"allowed: {', '.join(PATTERNS)}")
        return Outcome(name, stat, pattern=str(spec["pattern"]))
    if stat in ("mean", "final"):
        if spec.get("variable") not in DYAD_VARIABLES:
            raise ConfigError(f"{key}.variable", spec.get("variable"), f"allowed: {', '.join(DYAD_VARIABLES)}")
        source, target = _dyad(f"{key}.dyad", spec.get("dyad"), cfg["scenario"]["countries"])
        if first and last and calendar.index(first) > calendar.index(last):
            raise ConfigError(f"{key}.from", first, f"must not be after 'to' ({last})")
        return Outcome(name, stat, variable=spec["variable"], source=source, target=target, first=first, last=last)
    if spec.get("milestone") not in MILESTONES:
        raise ConfigError(f"{key}.milestone", spec.get("milestone"), f"allowed: {', '.join(MILESTONES)}")
    channels = list(cfg["scenario"]["channels"])
    if spec.get("channel") not in channels:
        raise ConfigError(f"{key}.channel", spec.get("channel"), f"allowed: {', '.join(channels) or 'none configured'}")
    if stat == "by" and not last:
        raise ConfigError(f"{key}.date", None, "stat 'by' needs a date")
    return Outcome(name, stat, milestone=spec["milestone"], channel=spec["channel"], last=last)


def read_sweep(cfg: dict[str, Any], calendar: Calendar) -> Sweep:
    """The checked sweep of a resolved config; ``ConfigError`` names the first bad entry."""
    spec = cfg.get("sweep")
    if not spec:
        raise ConfigError("sweep", None, "choose a sweep: sweep=<name of a file in conf/sweep/>")
    design = spec["design"]
    if design not in DESIGNS:
        raise ConfigError("sweep.design", design, f"allowed: {', '.join(DESIGNS)}")
    if not spec["parameters"]:
        raise ConfigError("sweep.parameters", {}, "a sweep needs at least one parameter")
    parameters = tuple(_parameter(cfg, path, s, design) for path, s in spec["parameters"].items())
    if design != "grid" and spec["points"] < 1:
        raise ConfigError("sweep.points", spec["points"], f"design {design} needs points >= 1")
    if spec["replicates"] < 1:
        raise ConfigError("sweep.replicates", spec["replicates"], "must be >= 1")
    if spec["chunk_size"] < 1:
        raise ConfigError("sweep.chunk_size", spec["chunk_size"], "must be >= 1")
    shards, shard = spec.get("shards", 1), spec.get("shard", 0)  # a sweep folder's record leaves them out
    if shards < 1:
        raise ConfigError("sweep.shards", shards, "must be >= 1")
    if not 0 <= shard < shards:
        raise ConfigError("sweep.shard", shard, f"must be in 0..{shards - 1} (sweep.shards = {shards})")
    if not spec["outcomes"]:
        raise ConfigError("sweep.outcomes", {}, "a sweep needs at least one outcome")
    outcomes = tuple(_outcome(name, s, cfg, calendar) for name, s in spec["outcomes"].items())
    series = spec["series"] or {}
    unknown = set(series) - {"variables", "dyads"}
    if unknown:
        raise ConfigError(f"sweep.series.{sorted(unknown)[0]}", "?", "unknown key; allowed: variables, dyads")
    variables = tuple(series.get("variables", []))
    for k, variable in enumerate(variables):
        if variable not in DYAD_VARIABLES:
            raise ConfigError(f"sweep.series.variables[{k}]", variable, f"allowed: {', '.join(DYAD_VARIABLES)}")
    dyads = tuple(
        _dyad(f"sweep.series.dyads[{k}]", d, cfg["scenario"]["countries"])
        for k, d in enumerate(series.get("dyads", []))
    )
    if bool(variables) != bool(dyads):
        raise ConfigError("sweep.series", series, "give both variables and dyads, or neither")
    return Sweep(
        spec["name"],
        spec["description"],
        design,
        int(spec["points"]),
        int(spec["replicates"]),
        int(spec["chunk_size"]),
        parameters,
        outcomes,
        variables,
        dyads,
        bool(spec["common_random_numbers"]),
    )
