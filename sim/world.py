"""Compile a validated configuration into the arrays the model steps over.

Everything here is computed once per model, before the first step: dated forcings become month-indexed
arrays, country-keyed tables become ``(N, N)`` matrices. Every numeric leaf of the config may be given
per run through ``overrides`` (``{"params.reciprocity": array_of_R}``), so one vectorised model can
carry a different parameter value in each row; such arrays have a leading run axis of size R, the rest
of size 1, and numpy broadcasting does the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from sim import cameo
from sim.calendar import Calendar
from sim.config.errors import ConfigError
from sim.numerics.elementary import exp2_array
from sim.timeline import timeline

SANCTION_CODES = frozenset({"163", "172", "1312"})
MEETING_GAINS = {"042": "bilateral", "043": "bilateral", "044": "sideline", "040": "sideline"}


class RowValues:
    """Numbers from a resolved config, each as an array ``(R1,)``: R1 = R where overridden, else 1."""

    def __init__(self, cfg: Mapping[str, Any], overrides: Mapping[str, Any] | None, n_runs: int):
        self.cfg = cfg
        self.n_runs = n_runs
        self.read: set[str] = set()
        self.overrides = {k: np.asarray(v, dtype=float) for k, v in (overrides or {}).items()}
        for path, values in self.overrides.items():
            if values.shape not in ((n_runs,), ()):
                raise ValueError(f"override {path} has shape {values.shape}; expected ({n_runs},)")

    def raw(self, path: str) -> Any:
        node: Any = self.cfg
        for part in path.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]
        return node

    def num(self, path: str, default: float | None = None) -> np.ndarray:
        self.read.add(path)
        if path in self.overrides:
            return np.broadcast_to(self.overrides[path], (self.n_runs,)).astype(float)
        try:
            return np.array([float(self.raw(path))])
        except (KeyError, IndexError):
            if default is None:
                raise
            return np.array([float(default)])

    def check_all_read(self) -> None:
        """Refuse per-run values that the compiled world would not have honoured."""
        for path in sorted(set(self.overrides) - self.read):
            raise ConfigError(
                path,
                "per-run values",
                "this key cannot vary between the runs of one batch "
                "(only parameters and scenario knobs can; see sim/world.py)",
            )


def _rows(*arrays: np.ndarray) -> int:
    return max(a.shape[0] for a in arrays) if arrays else 1


@dataclass
class ParamRows:
    """Behavioural parameters, each an array ``(R1, 1)`` that broadcasts over a row of dyads ``(R, N)``."""

    values: dict[str, np.ndarray]

    def __getattr__(self, name: str) -> np.ndarray:
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class InjectedEvents:
    """Events injected as observed signals, summed per month and directed dyad."""

    weighted_goldstein: np.ndarray  # (T, N, N)
    weight: np.ndarray  # (T, N, N)
    costly: np.ndarray  # (T, N, N) bool
    bilateral_meeting: np.ndarray  # (T, N, N) bool: meeting codes that raise rapport (forced mode)
    sideline_meeting: np.ndarray  # (T, N, N) bool
    visit: np.ndarray  # (T, N, N) bool: the source visited the target (042, forced mode)
    sanction_weighted_goldstein: np.ndarray  # (T, N, N) sanction events of scheduled senders, scaled with them
    sanction_weight: np.ndarray  # (T, N, N)
    sanction_costly: np.ndarray  # (T, N, N) bool
    log: list[list[tuple[int, int, str, float]]]  # per month: (source, target, cameo, goldstein)


@dataclass
class World:
    """Static structure and forcings of one model (shapes: T months, R1 runs, N countries, C channels)."""

    calendar: Calendar
    countries: list[str]
    mode: str
    baseline_steps: int
    params: ParamRows
    reciprocity: np.ndarray  # (R1, N, N) k_ij
    threat_weight: np.ndarray  # (R1, N, N) h_ij
    trust0: np.ndarray  # (R1, N, N)
    rapport0: np.ndarray  # (R1, N, N) symmetric
    affinity: np.ndarray  # (T, R1, N, N) G_ij
    patron: np.ndarray  # (N,) index of a country's patron, -1 for none
    commitment: np.ndarray  # (R1, N) a_i
    pressure: np.ndarray  # (T, R1, N) pi_i
    stress: np.ndarray  # (T, R1, N) E_i
    threat: np.ndarray  # (T, R1) N(t)
    sanctions_scheduled: np.ndarray  # (T, R1, N, N) played schedules (0 where a rule decides)
    alignment: np.ndarray  # (N, N) bool: S_ij set by the partial-alignment rule
    alignment_reference: np.ndarray  # (T, R1, N, N) reference level S_G7 for aligned entries
    sanction_scale: np.ndarray  # (R1, N, N) scale of each scheduled sender's sanctions (1 elsewhere)
    investment_baseline: np.ndarray  # (R1, N, N) I0_ij
    investment_initial: np.ndarray  # (R1, N, N) K_ij(0)
    channel_push: np.ndarray  # (R1, N, N)
    busting: np.ndarray  # (R1, N, N)
    exposure: np.ndarray  # (R1, N) chi_i
    secondary_sender: int  # index of the secondary-sanctions sender, -1 for none
    sanction_friction: np.ndarray  # (R1, 1) phi_S
    depreciation: np.ndarray  # (R1, 1) delta
    channel_owner: np.ndarray  # (C,)
    channel_partner: np.ndarray  # (C,)
    channel_names: list[str]
    openness0: np.ndarray  # (R1, C)
    channel_visits: np.ndarray  # (C,) bool
    channel_invitations: np.ndarray  # (C,) bool
    channel_milestones: np.ndarray  # (C,) bool
    leader_change: np.ndarray  # (T, N) bool
    summits: np.ndarray  # (T, N, N) number of summits both attend
    shock_weight: np.ndarray  # (T, N, N) [observer, actor]
    shock_weighted_goldstein: np.ndarray  # (T, N, N)
    injected: InjectedEvents

    @property
    def n(self) -> int:
        return len(self.countries)

    @property
    def n_steps(self) -> int:
        return self.calendar.n_steps

    def index(self, code: str) -> int:
        return self.countries.index(code)

    def truncated(self, calendar: Calendar) -> World:
        """The same world simulated only up to ``calendar.end`` (a run that stops early)."""
        n = calendar.n_steps
        inj = self.injected
        cut = {name: getattr(self, name)[:n] for name in _MONTHLY}
        injected = InjectedEvents(
            inj.weighted_goldstein[:n],
            inj.weight[:n],
            inj.costly[:n],
            inj.bilateral_meeting[:n],
            inj.sideline_meeting[:n],
            inj.visit[:n],
            inj.sanction_weighted_goldstein[:n],
            inj.sanction_weight[:n],
            inj.sanction_costly[:n],
            inj.log[:n],
        )
        return replace(self, calendar=calendar, injected=injected, **cut)


_MONTHLY = (
    "affinity",
    "pressure",
    "stress",
    "threat",
    "sanctions_scheduled",
    "alignment_reference",
    "leader_change",
    "summits",
    "shock_weight",
    "shock_weighted_goldstein",
)


def _step_schedule(
    values: RowValues, path: str, steps: list[Mapping[str, Any]], calendar: Calendar, before: float = 0.0
) -> np.ndarray:
    """(T, R1) piecewise-constant levels; ``before`` holds until the first step."""
    levels = [values.num(f"{path}.{k}.level") for k in range(len(steps))]
    out = np.full((calendar.n_steps, _rows(*levels)), before)
    for k, step in enumerate(steps):
        out[calendar.index(step["date"]) :] = levels[k]
    return out


def _pair_matrix(
    values: RowValues,
    path: str,
    table: Mapping[str, Mapping[str, Any]],
    countries: list[str],
    default: np.ndarray,
    symmetric: bool,
) -> np.ndarray:
    """(R1, N, N) from a country -> country table; absent pairs take ``default`` (R1,), the diagonal 0."""
    n = len(countries)
    entries = {}
    for src, row in table.items():
        for tgt in row:
            entries[(countries.index(src), countries.index(tgt))] = values.num(f"{path}.{src}.{tgt}")
    out = np.zeros((_rows(default, *entries.values()), n, n)) + default[:, None, None]
    for (i, j), v in entries.items():
        out[:, i, j] = v
        if symmetric:
            out[:, j, i] = v
    idx = np.arange(n)
    out[:, idx, idx] = 0.0
    return out


def _param_rows(values: RowValues, params: Mapping[str, Any]) -> ParamRows:
    return ParamRows({k: values.num(f"params.{k}")[:, None] for k, v in params.items() if not isinstance(v, Mapping)})


def _event_goldstein(item: Mapping[str, Any]) -> float:
    g = item.get("goldstein")
    return float(cameo.goldstein(item["cameo"]) if g is None else g)


def _injected(sc: Mapping[str, Any], mode: str, calendar: Calendar, countries: list[str]) -> InjectedEvents:
    """Timeline events injected in this mode, summed per month and dyad with each event's own weight
    (``params.scheduled_event_weight`` multiplies them where they are used).

    Sanction events (163, 172, 1312) of a sender whose sanctions on that target follow a schedule are kept
    apart: they are weighted by the schedule's ``scale``, so scaling a sender's sanctions also scales the
    sanction signals its target observes. Sanction events from the month a sender ``lifted`` its sanctions
    on that target are not injected.
    """
    t_len, n = calendar.n_steps, len(countries)
    wg, w = np.zeros((t_len, n, n)), np.zeros((t_len, n, n))
    swg, sw = np.zeros((t_len, n, n)), np.zeros((t_len, n, n))
    costly, sanction_costly = np.zeros((t_len, n, n), bool), np.zeros((t_len, n, n), bool)
    bilateral, sideline = np.zeros((t_len, n, n), bool), np.zeros((t_len, n, n), bool)
    visit = np.zeros((t_len, n, n), bool)
    scheduled = {(s, tg) for s, row in sc["sanctions"].items() for tg, e in row.items() if e["rule"] == "schedule"}
    lifted = {
        (s, tg): calendar.index(e["lifted"])
        for s, row in sc["sanctions"].items()
        for tg, e in row.items()
        if e.get("lifted")
    }
    log: list[list[tuple[int, int, str, float]]] = [[] for _ in range(t_len)]
    for ev in timeline(sc):
        if ev["role"] != "forcing" and mode != "forced":
            continue
        t, i, j = calendar.index(ev["date"]), countries.index(ev["source"]), countries.index(ev["target"])
        if ev["cameo"] in SANCTION_CODES and t >= lifted.get((ev["source"], ev["target"]), t_len):
            continue
        g = _event_goldstein(ev)
        ew = ev["weight"]
        if ev["cameo"] in SANCTION_CODES and (ev["source"], ev["target"]) in scheduled:
            swg[t, i, j] += ew * g
            sw[t, i, j] += ew
            sanction_costly[t, i, j] |= cameo.is_costly(ev["cameo"])
        else:
            wg[t, i, j] += ew * g
            w[t, i, j] += ew
            costly[t, i, j] |= cameo.is_costly(ev["cameo"])
        kind = MEETING_GAINS.get(ev["cameo"])
        if mode == "forced" and kind == "bilateral":
            bilateral[t, i, j] = bilateral[t, j, i] = True
            visit[t, i, j] |= ev["cameo"] == "042"
        elif mode == "forced" and kind == "sideline":
            sideline[t, i, j] = sideline[t, j, i] = True
        log[t].append((i, j, ev["cameo"], g))
    return InjectedEvents(wg, w, costly, bilateral, sideline, visit, swg, sw, sanction_costly, log)


def build_world(cfg: Mapping[str, Any], n_runs: int, overrides: Mapping[str, Any] | None = None) -> World:
    """Compile a validated, resolved config (plain dict) for a batch of ``n_runs`` runs."""
    values = RowValues(cfg, overrides, n_runs)
    sc, prm, mode = cfg["scenario"], cfg["params"], cfg["mode"]
    cal = Calendar.from_strings(sc["start"], sc["end"])
    countries = list(sc["countries"])
    n, t_len = len(countries), cal.n_steps
    ix = countries.index

    params = _param_rows(values, prm)
    zero = np.zeros(1)
    k = _pair_matrix(values, "params.reciprocity_by_dyad", prm["reciprocity_by_dyad"], countries, zero, False)
    k_default = values.num("params.reciprocity")[:, None, None]
    overridden = np.zeros((n, n), bool)
    for src, row in prm["reciprocity_by_dyad"].items():
        for tgt in row:
            overridden[ix(src), ix(tgt)] = True
    reciprocity = np.where(overridden, k, k_default) * (1 - np.eye(n))
    threat_weight = _pair_matrix(values, "params.threat_weights", prm["threat_weights"], countries, zero, True)

    trust0 = _pair_matrix(
        values,
        "scenario.initial_trust",
        sc["initial_trust"],
        countries,
        values.num("scenario.default_initial_trust"),
        False,
    )
    rapport0 = _pair_matrix(
        values,
        "scenario.initial_rapport",
        sc["initial_rapport"],
        countries,
        values.num("scenario.default_initial_rapport"),
        True,
    )
    affinity0 = _pair_matrix(values, "scenario.affinity", sc["affinity"], countries, zero, True)
    affinity = np.repeat(affinity0[None], t_len, axis=0)
    changes = sc["affinity_changes"]
    for pos in sorted(range(len(changes)), key=lambda p: cal.index(changes[p]["date"])):
        ch = changes[pos]
        level = values.num(f"scenario.affinity_changes.{pos}.level")
        t, i, j = cal.index(ch["date"]), ix(ch["pair"][0]), ix(ch["pair"][1])
        if level.shape[0] > affinity.shape[1]:
            affinity = np.repeat(affinity, level.shape[0], axis=1)
        affinity[t:, :, i, j] = level
        affinity[t:, :, j, i] = level

    patron = np.full(n, -1)
    commitment_entries = {}
    for member, alliance in sc["alliances"].items():
        patron[ix(member)] = ix(alliance["patron"])
        commitment_entries[ix(member)] = values.num(f"scenario.alliances.{member}.commitment")
    commitment = np.zeros((_rows(*commitment_entries.values()), n))
    for i, v in commitment_entries.items():
        commitment[:, i] = v

    def per_country(key: str) -> np.ndarray:
        series = {
            ix(code): _step_schedule(values, f"scenario.{key}.{code}", steps, cal) for code, steps in sc[key].items()
        }
        out = np.zeros((t_len, _rows(*[s.T for s in series.values()]), n))
        for i, s in series.items():
            out[:, :, i] = s
        return out

    pressure, stress = per_country("pressure"), per_country("stress")

    # Sanctions: schedules played as given; alignment entries follow the S1 rule, except in forced mode.
    sched_entries, ref_entries, schedules = {}, {}, {}
    alignment = np.zeros((n, n), bool)
    for sender, row in sc["sanctions"].items():
        for target, s in row.items():
            path = f"scenario.sanctions.{sender}.{target}"
            series = _step_schedule(values, f"{path}.steps", s["steps"], cal) * values.num(f"{path}.scale")
            if s.get("lifted"):
                series[cal.index(s["lifted"]) :] = 0.0
            schedules[(sender, target)] = series
    for sender, row in sc["sanctions"].items():
        if sender not in countries:
            continue
        for target, s in row.items():
            i, j = ix(sender), ix(target)
            if s["rule"] == "alignment" and mode == "endogenous":
                alignment[i, j] = True
                reference = np.mean([schedules[(r, target)] for r in s["reference"]], axis=0)
                if s.get("lifted"):  # nothing left to align with: the ratchet follows the fall to 0
                    reference[cal.index(s["lifted"]) :] = 0.0
                ref_entries[(i, j)] = reference
            else:
                sched_entries[(i, j)] = schedules[(sender, target)]
    r1 = _rows(*[s.T for s in sched_entries.values()])
    sanctions_scheduled = np.zeros((t_len, r1, n, n))
    for (i, j), s in sched_entries.items():
        sanctions_scheduled[:, :, i, j] = s
    scales = {
        (ix(a), ix(b)): values.num(f"scenario.sanctions.{a}.{b}.scale")
        for a, row in sc["sanctions"].items()
        if a in countries
        for b in row
    }
    sanction_scale = np.ones((_rows(*scales.values()), n, n))
    for (i, j), v in scales.items():
        sanction_scale[:, i, j] = v
    alignment_reference = np.zeros((t_len, _rows(*[s.T for s in ref_entries.values()]), n, n))
    for (i, j), s in ref_entries.items():
        alignment_reference[:, :, i, j] = s

    inv = sc["investment"]
    flows = {(ix(a), ix(b)): f"scenario.investment.flows.{a}.{b}" for a, row in inv["flows"].items() for b in row}

    def flow_matrix(key: str) -> np.ndarray:
        entries = {ij: values.num(f"{path}.{key}") for ij, path in flows.items()}
        out = np.zeros((_rows(*entries.values()), n, n))
        for (i, j), v in entries.items():
            out[:, i, j] = v
        return out

    exposure_entries = {ix(c): values.num(f"scenario.investment.exposure.{c}") for c in inv["exposure"]}
    exposure = np.zeros((_rows(*exposure_entries.values()), n))
    for i, v in exposure_entries.items():
        exposure[:, i] = v

    channel_names = list(sc["channels"])
    chans = [sc["channels"][name] for name in channel_names]
    open_entries = [values.num(f"scenario.channels.{name}.initial_openness") for name in channel_names]
    openness0 = np.zeros((_rows(*open_entries), len(chans)))
    for c, v in enumerate(open_entries):
        openness0[:, c] = v

    leader_change = np.zeros((t_len, n), bool)
    for code, leaders in sc["leaders"].items():
        for leader in leaders[1:]:
            leader_change[cal.index(leader["date"]), ix(code)] = True

    summits = np.zeros((t_len, n, n), int)
    for summit in sc["summits"]:
        t = cal.index(summit["date"])
        members = sorted({ix(c) for c in summit["attendees"]})
        for a in members:
            for b in members:
                if a != b:
                    summits[t, a, b] += 1

    half_life = values.num("scenario.threat.half_life")
    steps = np.arange(t_len)[:, None]
    background = _step_schedule(values, "scenario.threat.background", sc["threat"]["background"], cal)
    threat = background + np.zeros((t_len, half_life.shape[0]))
    for s_idx, shock in enumerate(sc["threat"]["shocks"]):
        t0 = cal.index(shock["date"])
        size = values.num(f"scenario.threat.shocks.{s_idx}.size")
        decay = np.where(steps >= t0, exp2_array(-(steps - t0) / half_life[None, :]), 0.0)
        threat = threat + size[None, :] * decay

    shock_weight, shock_wg = np.zeros((t_len, n, n)), np.zeros((t_len, n, n))
    for shock in sc["shocks"]:
        t, a = cal.index(shock["date"]), ix(shock["actor"])
        for obs, w in shock["observers"].items():
            shock_weight[t, ix(obs), a] += w
            shock_wg[t, ix(obs), a] += w * _event_goldstein(shock)

    world = World(
        calendar=cal,
        countries=countries,
        mode=mode,
        baseline_steps=cal.index(sc["baseline_end"]) + 1,
        params=params,
        reciprocity=reciprocity,
        threat_weight=threat_weight,
        trust0=trust0,
        rapport0=rapport0,
        affinity=affinity,
        patron=patron,
        commitment=commitment,
        pressure=pressure,
        stress=stress,
        threat=threat,
        sanctions_scheduled=sanctions_scheduled,
        alignment=alignment,
        alignment_reference=alignment_reference,
        sanction_scale=sanction_scale,
        investment_baseline=flow_matrix("baseline_flow"),
        investment_initial=flow_matrix("initial_stock"),
        channel_push=flow_matrix("channel_push"),
        busting=flow_matrix("busting"),
        exposure=exposure,
        secondary_sender=ix(inv["secondary_sanctions_sender"]) if inv["secondary_sanctions_sender"] else -1,
        sanction_friction=values.num("scenario.investment.sanction_friction")[:, None],
        depreciation=values.num("scenario.investment.depreciation")[:, None],
        channel_owner=np.array([ix(c["owner"]) for c in chans], int),
        channel_partner=np.array([ix(c["partner"]) for c in chans], int),
        channel_names=channel_names,
        openness0=openness0,
        channel_visits=np.array([c["visits"] for c in chans], bool),
        channel_invitations=np.array([c["invitations"] for c in chans], bool),
        channel_milestones=np.array([c["milestones"] for c in chans], bool),
        leader_change=leader_change,
        summits=summits,
        shock_weight=shock_weight,
        shock_weighted_goldstein=shock_wg,
        injected=_injected(sc, mode, cal, countries),
    )
    values.check_all_read()
    if cfg.get("stop"):
        world = world.truncated(Calendar(cal.start, cal.start + cal.index(cfg["stop"])))
    return world
