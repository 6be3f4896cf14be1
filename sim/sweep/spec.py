"""A sweep declaration, typed and checked: parameters (with their SALib problem), outcomes, series.

One file says what varies, how it is sampled and what is measured (SALib's single problem description;
the EMA Workbench's uncertainties and outcomes); every tool downstream reads this object.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sim.calendar import Calendar
from sim.config.errors import ConfigError
from sim.sweep.statistics import FIELDS, PATTERNS, STATISTICS
from sim.variables import DYAD_VARIABLES, MILESTONES

DESIGNS = ("grid", "random", "lhs", "sobol")
DISTRIBUTIONS = ("uniform", "normal")
MAX_SERIES_VALUES = 50_000_000
# ``chunk_size: 0``: the chunk size chosen from the sweep's number of runs (``auto_chunk_size``)
AUTO_CHUNKS = 16
AUTO_CHUNK_RANGE = (256, 4096)


def auto_chunk_size(runs: int) -> int:
    """The chunk size of a sweep of ``runs`` runs that declares ``chunk_size: 0``: ``runs / AUTO_CHUNKS`` rounded up,
    kept within ``AUTO_CHUNK_RANGE``.

    A month costs each chunk a fixed few milliseconds of Python and call overhead besides its work per run, so a
    chunk of 4,096 runs simulates a run about 1.1-1.35x faster than one of 1,024 (README, Performance), for about
    0.5 GB per worker instead of 0.33. At least 16 chunks (when the runs allow) keep up to 16 processes busy and
    balanced. It depends on the number of runs alone, never on the workers: a sweep's chunks, hence its folder,
    are the same on any machine.
    """
    low, high = AUTO_CHUNK_RANGE
    return min(high, max(low, -(-runs // AUTO_CHUNKS)))


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
    """A scalar measure of one run: ``stat`` names its ``sim.sweep.statistics.STATISTICS`` entry (what it
    computes and which of these fields it reads); ``first``/``last`` are the ``from`` and ``to``/``date`` months."""

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
        extra = {v for o in self.outcomes for v in STATISTICS[o.stat].records()}
        return tuple(sorted({o.variable for o in self.outcomes if o.variable} | set(self.series_variables) | extra))


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


def _month_label(key: str, value: Any, calendar: Calendar) -> str:
    try:
        calendar.index(str(value))
    except ValueError:
        last = calendar.label(calendar.n_steps - 1)
        raise ConfigError(key, value, f"must be a month inside {calendar.label(0)}..{last}") from None
    return str(value)


def _one_of(key: str, value: Any, allowed: Sequence[str]) -> Any:
    if value not in allowed:
        raise ConfigError(key, value, f"allowed: {', '.join(allowed) or 'none configured'}")
    return value


def _dyad_fields(key: str, text: Any, countries: list[str]) -> dict[str, str]:
    source, target = _dyad(key, text, countries)
    return {"source": source, "target": target}


# each key of an outcome (sim.sweep.statistics.FIELDS): its check, and the Outcome fields it fills
_FIELD_CHECKS: dict[str, Callable[[str, Any, dict[str, Any], Calendar], dict[str, str]]] = {
    "variable": lambda key, v, cfg, cal: {"variable": _one_of(key, v, DYAD_VARIABLES)},
    "dyad": lambda key, v, cfg, cal: _dyad_fields(key, v, cfg["scenario"]["countries"]),
    "from": lambda key, v, cfg, cal: {"first": _month_label(key, v, cal)},
    "to": lambda key, v, cfg, cal: {"last": _month_label(key, v, cal)},
    "date": lambda key, v, cfg, cal: {"last": _month_label(key, v, cal)},
    "milestone": lambda key, v, cfg, cal: {"milestone": _one_of(key, v, MILESTONES)},
    "channel": lambda key, v, cfg, cal: {"channel": _one_of(key, v, list(cfg["scenario"]["channels"]))},
    "pattern": lambda key, v, cfg, cal: {"pattern": _one_of(key, str(v), PATTERNS)},
}


def _outcome(name: str, spec: Any, cfg: dict[str, Any], calendar: Calendar) -> Outcome:
    """The checked outcome ``name``: its ``stat`` is one of ``STATISTICS``, which says the keys it requires
    and allows; each key's value is checked by ``_FIELD_CHECKS``."""
    key = f"sweep.outcomes.{name}"
    if not isinstance(spec, dict):
        raise ConfigError(key, spec, "an outcome is a mapping with a stat")
    stat = spec.get("stat")
    if stat not in STATISTICS:
        raise ConfigError(f"{key}.stat", stat, f"allowed: {', '.join(STATISTICS)}")
    statistic = STATISTICS[stat]
    unknown = sorted(set(spec) - {"stat", *statistic.keys})
    if unknown:
        allowed = ", ".join(statistic.keys)
        raise ConfigError(f"{key}.{unknown[0]}", spec[unknown[0]], f"unknown key for stat {stat}; allowed: {allowed}")
    for field_name in statistic.requires:
        if field_name not in spec:
            what = FIELDS[field_name].replace("`", "")
            raise ConfigError(f"{key}.{field_name}", None, f"stat {stat} requires {field_name}: {what}")
    values: dict[str, str] = {}
    for field_name in statistic.keys:
        if field_name in spec:
            values |= _FIELD_CHECKS[field_name](f"{key}.{field_name}", spec[field_name], cfg, calendar)
    first, last = values.get("first"), values.get("last")
    if first and last and calendar.index(first) > calendar.index(last):
        raise ConfigError(f"{key}.from", first, f"must not be after 'to' ({last})")
    return Outcome(name, stat, **values)


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
    if spec["chunk_size"] < 0:
        raise ConfigError(
            "sweep.chunk_size", spec["chunk_size"], "must be >= 1 runs, or 0 (chosen from the number of runs)"
        )
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
