"""Check the meaning of a whole configuration before the first step.

Types and unknown keys are checked by OmegaConf against the schema (``sim.config.schema``); this module
checks what types cannot say: known country codes, levels in [0, 1], dates inside the horizon, stable
reciprocity (``k_ij * k_ji < 1``, Richardson), and rules that refer to each other. The first problem
found is raised as a one-line ``ConfigError``.
"""

from __future__ import annotations

import copy
import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any

from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.calendar import Calendar, parse_month
from sim.config.errors import ConfigError
from sim.config.keys import check_keys
from sim.config.parameters import PARAMETERS, Domain
from sim.config.schema import Config, InvestmentFlow, SanctionSchedule
from sim.timeline import matches

_CODE = re.compile(r"^[A-Z]{2,4}$")
# A name that becomes a folder name: portable characters, no separators, no leading dot (no "..", no hidden file).
_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}$")
NAMES = ("sweep.name", "compare.name", "calibration.name")
SEED_MAX = 2**64 - 1  # sim.rng keys runs with the seed's 64 bits: a larger seed would alias a smaller one
MODES = ("endogenous", "forced")
RULES = ("schedule", "alignment")
ROLES = ("forcing", "endogenous")

UNIT = "must be a level in [0, 1]"


def _check(ok: bool, path: str, value: object, allowed: str) -> None:
    if not ok:
        raise ConfigError(path, value, allowed)


def _finite(path: str, value: Any) -> float:
    _check(
        isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value),
        path,
        value,
        "must be a finite number",
    )
    return float(value)


def _unit(path: str, value: Any) -> None:
    _check(0.0 <= _finite(path, value) <= 1.0, path, value, UNIT)


def _nonneg(path: str, value: Any) -> None:
    _check(_finite(path, value) >= 0.0, path, value, "must be >= 0")


def _in_domain(path: str, value: Any, domain: Domain) -> None:
    _check(domain.allows(_finite(path, value)), path, value, domain.allowed())


class _Checker:
    def __init__(self, cfg: Mapping[str, Any]):
        self.cfg = cfg
        sc = cfg["scenario"]
        self.countries: list[str] = list(sc["countries"])
        self.external: list[str] = list(sc.get("external_actors", []))
        self.calendar: Calendar | None = None

    def country(self, path: str, code: Any, external: bool = False) -> None:
        known = self.countries + (self.external if external else [])
        _check(code in known, path, code, f"unknown country code; allowed: {', '.join(known)}")

    def pair_map(self, path: str, table: Mapping[str, Mapping[str, Any]], check_value) -> None:
        for src, row in table.items():
            self.country(f"{path}.{src}", src)
            for tgt, value in row.items():
                self.country(f"{path}.{src}.{tgt}", tgt)
                _check(src != tgt, f"{path}.{src}.{tgt}", value, "a country has no relation with itself")
                check_value(f"{path}.{src}.{tgt}", value)

    def date(self, path: str, text: Any) -> int:
        try:
            return self.calendar.index(str(text))
        except ValueError as err:
            if "not a calendar date" in str(err):
                raise ConfigError(
                    path,
                    text,
                    "must be a real date, YYYY-MM or YYYY-MM-DD " + str(err).rsplit(" (", 1)[-1].join("()")[:-1],
                ) from None
            raise ConfigError(
                path,
                text,
                str(err).split(": ", 1)[-1]
                if "not a month" in str(err)
                else f"must be a month inside the horizon {self.calendar.label(0)}.."
                f"{self.calendar.label(self.calendar.n_steps - 1)}",
            ) from None

    def steps(self, path: str, steps: Iterable[Mapping[str, Any]], level_check=_unit) -> None:
        last = -1
        for k, step in enumerate(steps):
            t = self.date(f"{path}[{k}].date", step["date"])
            _check(t > last, f"{path}[{k}].date", step["date"], "steps must be in increasing date order")
            last = t
            level_check(f"{path}[{k}].level", step["level"])

    def run(self) -> None:
        cfg, sc = self.cfg, self.cfg["scenario"]
        _check(cfg["mode"] in MODES, "mode", cfg["mode"], f"allowed: {', '.join(MODES)}")
        _check(cfg["replicates"] >= 1, "replicates", cfg["replicates"], "must be >= 1")
        _check(0 <= cfg["seed"] <= SEED_MAX, "seed", cfg["seed"], f"must be an integer in [0, 2**64 - 1 = {SEED_MAX}]")
        _check(cfg["first_run"] >= 0, "first_run", cfg["first_run"], "must be >= 0")
        _check(
            cfg["first_run"] + cfg["replicates"] - 1 <= SEED_MAX,
            "first_run",
            cfg["first_run"],
            "run indices first_run .. first_run + replicates - 1 must stay below 2**64",
        )
        self.names(cfg)
        _check(cfg["workers"] >= 0, "workers", cfg["workers"], "must be >= 0 (0: one per core)")
        self.horizon(sc)
        self.scenario(sc)
        self.params(cfg["params"])
        self.stop(cfg)
        self.report(cfg["report"])

    def names(self, cfg: Mapping[str, Any]) -> None:
        """Names that become folder names stay one plain folder name inside the output folder."""
        for path in NAMES:
            section, key = path.split(".")
            if isinstance(cfg.get(section), Mapping) and key in cfg[section]:
                name = cfg[section][key]
                _check(
                    isinstance(name, str) and bool(_NAME.match(name)),
                    path,
                    name,
                    "must be a plain name of 1-100 characters: letters, digits, '_', '-', '.', not starting "
                    "with '.' or '-' (it becomes a folder name)",
                )

    def stop(self, cfg: Mapping[str, Any]) -> None:
        """A run may stop before the scenario's end; what it reports must lie inside what it simulates."""
        if cfg["stop"]:
            stop = self.date("stop", cfg["stop"])
            _check(
                stop >= self.calendar.index(cfg["scenario"]["baseline_end"]) + 1,
                "stop",
                cfg["stop"],
                f"must be after scenario.baseline_end ({cfg['scenario']['baseline_end']})",
            )
            self.calendar = Calendar(self.calendar.start, self.calendar.start + stop)

    def horizon(self, sc: Mapping[str, Any]) -> None:
        for key in ("start", "end", "baseline_end"):
            try:
                parse_month(sc[key])
            except ValueError:
                raise ConfigError(f"scenario.{key}", sc[key], "must be a month YYYY-MM") from None
        _check(
            parse_month(sc["start"]) < parse_month(sc["end"]),
            "scenario.end",
            sc["end"],
            f"must be after scenario.start ({sc['start']})",
        )
        self.calendar = Calendar.from_strings(sc["start"], sc["end"])
        base = self.date("scenario.baseline_end", sc["baseline_end"])
        _check(
            base < self.calendar.n_steps - 1,
            "scenario.baseline_end",
            sc["baseline_end"],
            "the baseline window must end before the horizon does",
        )
        codes = self.countries
        _check(len(codes) >= 2, "scenario.countries", codes, "needs two or more countries")
        _check(len(set(codes)) == len(codes), "scenario.countries", codes, "country codes must be unique")
        for k, code in enumerate([*codes, *self.external]):
            _check(
                isinstance(code, str) and bool(_CODE.match(code)),
                f"scenario.countries[{k}]",
                code,
                "a country code is 2-4 capital letters, e.g. JPN",
            )
        overlap = set(codes) & set(self.external)
        _check(not overlap, "scenario.external_actors", sorted(overlap), "must not repeat scenario.countries")

    def scenario(self, sc: Mapping[str, Any]) -> None:
        prior = sc["default_initial_trust"]
        _check(
            0.0 < _finite("scenario.default_initial_trust", prior) < 1.0,
            "scenario.default_initial_trust",
            prior,
            "must be strictly between 0 and 1",
        )
        self.pair_map(
            "scenario.initial_trust",
            sc["initial_trust"],
            lambda p, v: _check(0.0 < _finite(p, v) < 1.0, p, v, "trust must be strictly between 0 and 1"),
        )
        self.pair_map(
            "scenario.affinity",
            sc["affinity"],
            lambda p, v: _check(-10 <= _finite(p, v) <= 10, p, v, "must be in [-10, 10]"),
        )
        for k, ch in enumerate(sc["affinity_changes"]):
            path = f"scenario.affinity_changes[{k}]"
            self.date(f"{path}.date", ch["date"])
            _check(
                len(ch["pair"]) == 2 and ch["pair"][0] != ch["pair"][1],
                f"{path}.pair",
                ch["pair"],
                "must name two different countries",
            )
            for code in ch["pair"]:
                self.country(f"{path}.pair", code)
            _check(
                -10 <= _finite(f"{path}.level", ch["level"]) <= 10, f"{path}.level", ch["level"], "must be in [-10, 10]"
            )
        self.pair_map("scenario.initial_rapport", sc["initial_rapport"], _unit)
        _unit("scenario.default_initial_rapport", sc["default_initial_rapport"])
        for member, alliance in sc["alliances"].items():
            self.country(f"scenario.alliances.{member}", member)
            self.country(f"scenario.alliances.{member}.patron", alliance["patron"])
            _check(
                alliance["patron"] != member,
                f"scenario.alliances.{member}.patron",
                alliance["patron"],
                "a country cannot be its own patron",
            )
            _unit(f"scenario.alliances.{member}.commitment", alliance["commitment"])
        for key in ("pressure", "stress"):
            for code, steps in sc[key].items():
                self.country(f"scenario.{key}.{code}", code)
                self.steps(f"scenario.{key}.{code}", steps)
        self.sanctions(sc)
        self.investment(sc["investment"])
        for name, ch in sc["channels"].items():
            path = f"scenario.channels.{name}"
            self.country(f"{path}.owner", ch["owner"])
            self.country(f"{path}.partner", ch["partner"])
            _check(
                ch["owner"] != ch["partner"],
                f"{path}.partner",
                ch["partner"],
                "a channel joins two different countries",
            )
            _unit(f"{path}.initial_openness", ch["initial_openness"])
        for code, leaders in sc["leaders"].items():
            self.country(f"scenario.leaders.{code}", code)
            self.steps(f"scenario.leaders.{code}", [{"date": x["date"], "level": 0.0} for x in leaders])
        for k, summit in enumerate(sc["summits"]):
            self.date(f"scenario.summits[{k}].date", summit["date"])
            for a, code in enumerate(summit["attendees"]):
                self.country(f"scenario.summits[{k}].attendees[{a}]", code)
        _check(
            _finite("scenario.threat.half_life", sc["threat"]["half_life"]) > 0,
            "scenario.threat.half_life",
            sc["threat"]["half_life"],
            "must be > 0",
        )
        for k, shock in enumerate(sc["threat"]["shocks"]):
            self.date(f"scenario.threat.shocks[{k}].date", shock["date"])
            _nonneg(f"scenario.threat.shocks[{k}].size", shock["size"])
        self.steps("scenario.threat.background", sc["threat"]["background"], level_check=_nonneg)
        for k, shock in enumerate(sc["shocks"]):
            path = f"scenario.shocks[{k}]"
            self.date(f"{path}.date", shock["date"])
            self.country(f"{path}.actor", shock["actor"])
            self.cameo(path, shock)
            for obs, weight in shock["observers"].items():
                self.country(f"{path}.observers.{obs}", obs)
                _nonneg(f"{path}.observers.{obs}", weight)
        for label, date in sc["markers"].items():
            try:
                parse_month(date)  # a marker outside the simulated months is simply not drawn
            except ValueError:
                raise ConfigError(f"scenario.markers.{label}", date, "must be a month YYYY-MM") from None
        for key in ("events", "added_events"):
            for k, ev in enumerate(sc[key]):
                self.event(f"scenario.{key}[{k}]", ev)
        for k, match in enumerate(sc["removed_events"]):
            self.removed_event(f"scenario.removed_events[{k}]", match, sc["events"])

    def event(self, path: str, ev: Mapping[str, Any]) -> None:
        self.date(f"{path}.date", ev["date"])
        self.country(f"{path}.source", ev["source"])
        self.country(f"{path}.target", ev["target"])
        _check(ev["source"] != ev["target"], f"{path}.target", ev["target"], "must differ from the source")
        _check(ev["role"] in ROLES, f"{path}.role", ev["role"], f"allowed: {', '.join(ROLES)}")
        _nonneg(f"{path}.weight", ev["weight"])
        self.cameo(path, ev)

    def removed_event(self, path: str, match: Mapping[str, Any], events: list[Mapping[str, Any]]) -> None:
        """A removal names at least one field and removes at least one event (a typo removes nothing)."""
        given = {key: value for key, value in match.items() if value and key != "note"}
        _check(bool(given), path, match, "name the events to remove by date, source, target and/or cameo")
        if "date" in given:
            try:
                parse_month(given["date"])
            except ValueError:
                raise ConfigError(f"{path}.date", given["date"], "must be a month YYYY-MM") from None
        _check(any(matches(match, ev) for ev in events), path, given, "matches no event of scenario.events")

    def cameo(self, path: str, item: Mapping[str, Any]) -> None:
        from sim import cameo  # numba compiles its kernels on import: only when an event names a CAMEO code

        code = item["cameo"]
        if item.get("goldstein") is None:
            _check(
                code in cameo.goldstein_table(),
                f"{path}.cameo",
                code,
                "unknown CAMEO code (codes are strings such as '042'; see sim/data/cameo-goldstein-gdelt.tsv)",
            )
        else:
            g = _finite(f"{path}.goldstein", item["goldstein"])
            _check(-10 <= g <= 10, f"{path}.goldstein", g, "must be in [-10, 10]")

    def sanctions(self, sc: Mapping[str, Any]) -> None:
        table = sc["sanctions"]
        for sender, row in table.items():
            self.country(f"scenario.sanctions.{sender}", sender, external=True)
            for target, sched in row.items():
                path = f"scenario.sanctions.{sender}.{target}"
                self.country(path, target)
                _check(sender != target, path, target, "a country never sanctions itself")
                _check(sched["rule"] in RULES, f"{path}.rule", sched["rule"], f"allowed: {', '.join(RULES)}")
                _nonneg(f"{path}.scale", sched["scale"])
                self.steps(f"{path}.steps", sched["steps"])
                if sched["lifted"]:
                    self.date(f"{path}.lifted", sched["lifted"])
                for k, step in enumerate(sched["steps"]):
                    _check(
                        step["level"] * sched["scale"] <= 1.0,
                        f"{path}.scale",
                        sched["scale"],
                        f"scaled level of step {k} ({step['level']} x scale) must stay <= 1",
                    )
                if sched["rule"] == "alignment":
                    _check(
                        sender in sc["alliances"],
                        f"{path}.rule",
                        "alignment",
                        f"needs scenario.alliances.{sender} (the ally it aligns with)",
                    )
                    _check(
                        len(sched["reference"]) > 0,
                        f"{path}.reference",
                        sched["reference"],
                        "alignment needs one or more reference senders",
                    )
                    for k, ref in enumerate(sched["reference"]):
                        ref_path = f"{path}.reference[{k}]"
                        ok = table.get(ref, {}).get(target, {}).get("rule") == "schedule"
                        _check(ok, ref_path, ref, f"needs a schedule at scenario.sanctions.{ref}.{target}")

    def investment(self, inv: Mapping[str, Any]) -> None:
        _unit("scenario.investment.sanction_friction", inv["sanction_friction"])
        _unit("scenario.investment.depreciation", inv["depreciation"])
        if inv["secondary_sanctions_sender"]:
            self.country("scenario.investment.secondary_sanctions_sender", inv["secondary_sanctions_sender"])
        for code, value in inv["exposure"].items():
            self.country(f"scenario.investment.exposure.{code}", code)
            _unit(f"scenario.investment.exposure.{code}", value)
        for src, row in inv["flows"].items():
            for tgt, flow in row.items():
                path = f"scenario.investment.flows.{src}.{tgt}"
                self.country(f"scenario.investment.flows.{src}", src)
                self.country(path, tgt)
                _check(src != tgt, path, tgt, "a country does not invest in itself here")
                for key, value in flow.items():
                    _nonneg(f"{path}.{key}", value)

    def params(self, p: Mapping[str, Any]) -> None:
        """Each parameter inside its declared domain (``sim.config.parameters``); a country table entry by entry."""
        for param in PARAMETERS:
            path = f"params.{param.name}"
            if param.is_table:
                self.pair_map(path, p[param.name], lambda at, v, d=param.domain: _in_domain(at, v, d))
            else:
                _in_domain(path, p[param.name], param.domain)
        self.reciprocity_stability(p)

    def reciprocity_stability(self, p: Mapping[str, Any]) -> None:
        def k(i: str, j: str) -> float:
            return p["reciprocity_by_dyad"].get(i, {}).get(j, p["reciprocity"])

        for a, i in enumerate(self.countries):
            for j in self.countries[a + 1 :]:
                product = k(i, j) * k(j, i)
                path = (
                    f"params.reciprocity_by_dyad.{i}.{j}"
                    if (i in p["reciprocity_by_dyad"] or j in p["reciprocity_by_dyad"])
                    else "params.reciprocity"
                )
                _check(
                    product < 1.0,
                    path,
                    k(i, j),
                    f"unstable reciprocity: k_{i}{j} * k_{j}{i} = {product:g} must be < 1 (Richardson)",
                )

    def report(self, rep: Mapping[str, Any]) -> None:
        for name, window in rep["windows"].items():
            path = f"report.windows.{name}"
            _check(len(window) == 2, path, window, "a window is [first month, last month]")
            first, last = self.date(f"{path}[0]", window[0]), self.date(f"{path}[1]", window[1])
            _check(first <= last, path, window, "the first month must not be after the last")
        for key in ("milestone_dates", "trust_matrix_dates"):
            for k, date in enumerate(rep[key]):
                self.date(f"report.{key}[{k}]", date)


# Typed entries by (dataclass, the entry as canonical JSON): a config is validated again for every model built
# from it and for every corner of its per-run ranges, and OmegaConf's typed merge costs ~20 ms an entry.
_TYPED: dict[tuple[type, str], dict[str, Any]] = {}
_TYPED_LIMIT = 4096


def _typed(path: str, schema: type, entry: Any) -> dict[str, Any]:
    """One entry of a two-level country table, checked against its dataclass (OmegaConf cannot type
    ``dict[str, dict[str, Dataclass]]`` itself) and filled with its defaults. The same entry is typed once
    (a copy of the cached result is returned)."""
    if not isinstance(entry, Mapping):
        raise ConfigError(path, entry, f"must be a mapping of {schema.__name__} fields")
    try:
        key = (schema, json.dumps(entry, sort_keys=True, allow_nan=True))
    except (TypeError, ValueError):
        key = None
    if key is not None and key in _TYPED:
        return copy.deepcopy(_TYPED[key])
    typed = _typed_uncached(path, schema, entry)
    if key is not None:
        if len(_TYPED) >= _TYPED_LIMIT:
            _TYPED.clear()
        _TYPED[key] = copy.deepcopy(typed)
    return typed


def _typed_uncached(path: str, schema: type, entry: Mapping[str, Any]) -> dict[str, Any]:
    check_keys(entry, schema, path)
    try:
        return OmegaConf.to_container(OmegaConf.merge(OmegaConf.structured(schema), entry))
    except OmegaConfBaseException as err:
        key = getattr(err, "key", None) or getattr(err, "full_key", "")
        value = entry.get(key, "?") if isinstance(key, str) else "?"
        reason = str(err).splitlines()[0]
        if "not in" in reason or "Key '" in reason:
            names = ", ".join(f.name for f in schema.__dataclass_fields__.values())
            reason = f"unknown key; allowed: {names}"
        raise ConfigError(f"{path}.{key}", value, reason) from None


def _fill_tables(cfg: dict[str, Any]) -> None:
    sc = cfg["scenario"]
    for table, schema, path in (
        (sc["sanctions"], SanctionSchedule, "scenario.sanctions"),
        (sc["investment"]["flows"], InvestmentFlow, "scenario.investment.flows"),
    ):
        for src, row in table.items():
            if not isinstance(row, Mapping):
                raise ConfigError(f"{path}.{src}", row, "must map target country codes to entries")
            for tgt in list(row):
                row[tgt] = _typed(f"{path}.{src}.{tgt}", schema, row[tgt])


def validate(cfg: dict[str, Any], *, keys: bool = True) -> dict[str, Any]:
    """Check a resolved config (plain dict); raise ``ConfigError`` for the first problem.

    Returns the same config with the entries of two-level tables (sanctions, investment flows) typed
    and filled with their defaults. ``keys=False`` skips the check of every key against the schema, for a
    config whose keys were checked and whose values alone changed since (``validate_ranges``' later corners).
    """
    if keys:
        check_keys(cfg, Config)
    _fill_tables(cfg)
    _Checker(cfg).run()
    return cfg


def _set(cfg: dict[str, Any], path: str, value: Any) -> None:
    node: Any = cfg
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if isinstance(node, list):
        node[int(parts[-1])] = value
    else:
        node[parts[-1]] = value


def validate_ranges(cfg: dict[str, Any], ranges: Mapping[str, tuple[float, float]]) -> None:
    """Check a config whose values at ``ranges`` (dotted path -> (lowest, highest)) vary from run to run.

    Each value is checked at both ends, and jointly: every value at its lowest, every value at its highest,
    and each at one end with all others at the other. The rules that join values (``k_ij * k_ji < 1``, a scaled
    step level <= 1) grow with each of their non-negative factors, so the all-highest corner is their worst
    case; checking one path at a time with the others at their lowest would miss it. ``cfg`` is restored.
    """
    if not ranges:
        return
    work = copy.deepcopy(cfg)
    low = {path: lo for path, (lo, _) in ranges.items()}
    high = {path: hi for path, (_, hi) in ranges.items()}
    corners = [low, high]
    for path in ranges:
        corners += [{**low, path: high[path]}, {**high, path: low[path]}]
    for k, corner in enumerate(corners):
        for path, value in corner.items():
            _set(work, path, value)
        try:
            validate(work, keys=k == 0)  # the corners differ only in values at the same paths: keys once
        except ConfigError as err:
            shown = ", ".join(f"{p} = {v:g}" for p, v in corner.items())
            raise ConfigError(err.path, err.value, f"{err.allowed} (with per-run values {shown})") from None
