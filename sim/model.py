"""RelationsModel: countries exchanging trust and cooperation signals, one month per step, R runs at once."""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, ClassVar

import mesa
import numpy as np
from omegaconf import DictConfig

from sim import pair_stages as pairs  # stages of a pair of countries (sim/pair_stages.py)
from sim.agents import Country
from sim.config import ConfigError, to_container, validate
from sim.config.load import default_config
from sim.config.validate import validate_ranges
from sim.mechanisms import MAX_SALIENCE_POWER, events, structure
from sim.mechanisms.target import TERMS
from sim.mechanisms.trust import logistic, logit
from sim.rng import Streams
from sim.signals import EventLog, MonthSignals
from sim.state import State
from sim.variables import ATTRIBUTION_VARIABLES, DYAD_VARIABLES, MILESTONES  # declared once, in sim/variables.py
from sim.world import World, build_world

__all__ = ["ATTRIBUTION_VARIABLES", "DYAD_VARIABLES", "MILESTONES", "HorizonEndedError", "RelationsModel"]


# the state variables the spin-up sets (``RelationsModel._spin_up``); the rest are the initial state's
SPUN_UP = ("intended", "perceived", "valence", "realised", "baseline")


class HorizonEndedError(RuntimeError):
    """``step()`` after the last month of the horizon."""


def _partner_mean(agent: Any, name: str, axis: int) -> float:
    """Mean over runs and partners of what country ``agent`` gives (``axis=0``: its row of ``name``) or receives
    (``axis=1``: its column), from the model's ensemble means."""
    return float(agent.model.partner_means(name, axis)[agent.index])


# DataCollector agent reporters, one row per country and step (ensemble means; the run's value when R = 1).
AGENT_REPORTERS = {
    "country": "code",
    "trust_given": lambda a: _partner_mean(a, "trust", 0),
    "trust_received": lambda a: _partner_mean(a, "trust", 1),
    "nci_sent": lambda a: _partner_mean(a, "realised", 0),
    "nci_received": lambda a: _partner_mean(a, "realised", 1),
    "sanctions_imposed": lambda a: _partner_mean(a, "sanctions", 0),
    "sanctions_received": lambda a: _partner_mean(a, "sanctions", 1),
    "investment_abroad": lambda a: _partner_mean(a, "investment_stock", 0),
}


def _set_path(cfg: dict[str, Any], path: str, value: Any) -> None:
    node = cfg
    parts = path.split(".")
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    elif last not in node:
        raise ConfigError(path, value, "no such key in the configuration")
    else:
        node[last] = value


def _seed_of(rng: Any) -> int:
    """The integer seed behind Mesa's ``rng`` argument. ``None`` draws a fresh seed from the operating
    system (Mesa's convention); it is kept as ``model.seed`` and ``model.config["seed"]``, so
    ``RelationsModel(model.config, rng=model.seed)`` repeats the run. The scripts pass ``config.seed``."""
    if rng is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, int | np.integer):
        return int(rng)
    if isinstance(rng, np.random.SeedSequence):
        return int(rng.generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(rng, np.random.Generator):
        return int(rng.integers(2**63))
    raise TypeError(
        f"rng must be an integer seed, a numpy SeedSequence or Generator, or None; got {type(rng).__name__}"
    )


class RelationsModel(mesa.Model):
    """Japan, Russia, the United States and China (or any countries the scenario lists), month by month.

    All state arrays carry a leading run axis: ``replicates`` runs advance together, each with its own
    random numbers (a function of seed and run index only) and, optionally, its own parameter values.

    Args:
        config: a composed configuration (``DictConfig`` or plain dict); default: ``conf/config.yaml``.
        replicates: number of runs R (1, a single Mesa run, unless asked; the runner passes ``replicates``).
        runs: explicit run indices instead of ``range(replicates)``; run ``k`` is the same in any batch.
        settings: values by dotted config path; an array of length R gives each run its own value.
        record_events: keep the CAMEO event log of the batch's first run.
        record: the variables kept in ``history`` (all of ``DYAD_VARIABLES`` by default; a sweep keeps
            only what its outcomes read, and an empty tuple keeps nothing).
        record_salient: keep, per directed dyad and month, the Goldstein values of K salient events (largest key of
            a draw with probability increasing in ``|g|``; emitted, injected and routine alike) in ``salient``
            and their salience keys in ``salient_key`` (T, R, N, N, K): the record the fit's observation model
            reads (``sim.validation.fit``). 0 (default) keeps none; the dynamics are the same either way.
        salience_power: ω, the record's draw weights an event by ``|g|^ω`` (``signals.salience_weight``; 1 by
            default, in proportion to intensity); used only with ``record_salient``.
        collect: run the DataCollector's reporters (True, Mesa's convention); False keeps ``history`` only.
        rng: an integer seed, a ``numpy.random.SeedSequence`` or ``Generator`` (Mesa's convention); ``None``
            draws a fresh seed, recorded as ``seed`` (the scripts pass ``config.seed``: their default is fixed).
        validated: the caller checked ``config`` (``validate``) and the extremes of every per-run value
            (``validate_ranges``) already, as a sweep does once for its whole design; False (default) checks them.
        **params: behavioural parameters by name (``reciprocity=0.4``), as plain keyword parameters.
    """

    def __init__(
        self,
        config: Mapping[str, Any] | DictConfig | None = None,
        *,
        replicates: int = 1,
        runs: Sequence[int] | np.ndarray | None = None,
        settings: Mapping[str, Any] | None = None,
        record_events: bool = True,
        record: Sequence[str] = DYAD_VARIABLES,
        record_salient: int = 0,
        salience_power: float = 1.0,
        collect: bool = True,
        rng: Any = None,
        validated: bool = False,
        **params: Any,
    ):
        cfg = self._resolve_config(config)
        overrides: dict[str, Any] = {}
        for path, value in {**{f"params.{k}": v for k, v in params.items()}, **dict(settings or {})}.items():
            if np.ndim(value) == 0:
                _set_path(cfg, path, value.item() if isinstance(value, np.generic) else value)
            else:
                _set_path(cfg, path, float(np.min(value)))
                overrides[path] = np.asarray(value, dtype=float)
        if runs is None and (
            isinstance(replicates, bool) or not isinstance(replicates, int | np.integer) or replicates < 1
        ):
            raise ConfigError("replicates", replicates, "must be an integer >= 1 (the number of runs)")
        if runs is not None and len(runs) == 0:
            raise ConfigError("runs", list(runs), "must name at least one run index")
        cfg["seed"] = _seed_of(rng)
        if not validated:
            validate(cfg)
            # per-run values must be valid at both ends of their ranges, jointly (k_ij and k_ji both at their highest)
            validate_ranges(cfg, {path: (float(np.min(v)), float(np.max(v))) for path, v in overrides.items()})
        super().__init__(rng=cfg["seed"])

        if runs is None:
            runs = np.arange(replicates)
        self.config = cfg
        self.run_index = np.asarray(runs, dtype=np.int64)
        self.n_runs = len(self.run_index)
        self.seed = int(cfg["seed"])
        self.world: World = build_world(cfg, self.n_runs, overrides)
        self.max_events = events.slots_needed(float(np.max(self.world.params.events_per_month)))
        self.streams = Streams(self.seed, self.run_index)
        self.state = State.initial(self.world, self.n_runs)
        self._means_of: State | None = None  # the state whose ensemble means ``_means`` holds
        self._means: dict[str, np.ndarray] = {}
        self.next = self.state
        self.t = 0
        self.log: EventLog | None = EventLog() if record_events else None
        shape = (self.world.n_steps, self.n_runs, self.world.n, self.world.n)
        unknown = sorted(set(record) - set(DYAD_VARIABLES))
        if unknown:
            raise ValueError(f"cannot record {unknown}; recordable: {', '.join(DYAD_VARIABLES)}")
        recorded = [name for name in DYAD_VARIABLES if name in record]
        # one allocation for every recorded variable: large enough for the kernel's huge pages, so filling it month
        # by month faults in a few 2 MB pages instead of thousands of 4 KB ones (a 200-run replay: about 13 ms)
        block = np.zeros((len(recorded), *shape))
        self.history = {name: block[k] for k, name in enumerate(recorded)}
        self.record_salient = int(record_salient)
        if not (np.isfinite(salience_power) and 0 <= salience_power <= MAX_SALIENCE_POWER):
            raise ConfigError("salience_power", salience_power, f"a number in 0..{MAX_SALIENCE_POWER:g}")
        self.salience_power = float(salience_power)
        self.salient = np.full((*shape, self.record_salient), np.nan) if self.record_salient else None
        self.salient_key = np.full((*shape, self.record_salient), -np.inf) if self.record_salient else None
        self.target = np.zeros(shape[1:])
        # this month's target, term by term (terms, R, N, N): kept only when an attribution variable is recorded
        # (sweeps skip it); ``terms`` names the recorded ones
        attribution = bool(set(ATTRIBUTION_VARIABLES) & set(self.history))
        self.term_values = np.zeros((len(TERMS) if attribution else 0, *shape[1:]))
        self.terms = {term: self.term_values[k] for k, term in enumerate(TERMS) if f"target_{term}" in self.history}
        self._off_diagonal = 1.0 - np.eye(self.world.n)
        # ``ℓ(0)``, the log-odds trust reverts to (S6), (R1, N, N): constant, so computed once
        self.trust_prior = logit(np.clip(self.world.trust0, 1e-6, 1 - 1e-6))
        self._trust_of: State | None = None  # the state whose trust ``_trust`` holds
        self._trust = np.zeros(0)

        Country.create_agents(self, self.world.n, code=self.world.countries, index=list(range(self.world.n)))
        self.countries = {a.code: a for a in self.agents}
        self._spin_up(overrides)
        # ``collect=False``: a DataCollector with no reporters, for callers that read only ``history`` (the
        # dashboard: the ensemble means of every dyad, channel and agent cost about a quarter of a run)
        self.datacollector = (
            mesa.DataCollector(model_reporters=self._model_reporters(), agent_reporters=AGENT_REPORTERS)
            if collect
            else mesa.DataCollector()
        )
        self.datacollector.collect(self)  # the initial state (after the spin-up), as Mesa models do

    SPIN_UP_TOLERANCE: ClassVar[float] = 1e-10
    SPIN_UP_LIMIT: ClassVar[int] = 2000
    SPIN_UP_SHARED_MIN: ClassVar[int] = 100  # iterate distinct runs only when that spares this many runs' spin-ups

    def _spin_up(self, overrides: Mapping[str, np.ndarray] | None = None) -> None:
        """Start from the steady state of the first month's structure instead of an arbitrary ``c*(0)``.

        Iterates ``c* <- T(c*)`` with the noise-free decision stage at the first month's forcings, reading
        every signal as sent; valences follow. The fixed point is that of the partial adjustment
        ``c* <- (1-a)c* + a·T(c*)``, reached faster: with stable reciprocity (``k_ij·k_ji < 1``) the error
        shrinks by about ``sqrt(k_ij·k_ji)`` per iteration. Each run stops on its own once no intended level
        moves by more than ``SPIN_UP_TOLERANCE``, so its start does not depend on the batch it is in. The
        burn-in year then measures each dyad's normal level around an equilibrium rather than a transient.

        The spin-up draws no random number, so runs with the same per-run values (``overrides``: the replicates
        of a design point, every run of a replay) reach the same doubles: it is iterated once per distinct set of
        values (``_distinct_runs``) and copied to the others.
        """
        distinct = self._distinct_runs(overrides or {})
        if distinct is not None:
            first, inverse = distinct
            start = RelationsModel(
                self.config,
                runs=self.run_index[first],
                settings={path: values[first] for path, values in (overrides or {}).items()},
                record=(),
                record_events=False,
                collect=False,
                rng=self.seed,
                validated=True,  # this model's values, checked (or vouched for) already
            )
            for name in SPUN_UP:
                setattr(self.state, name, getattr(start.state, name)[inverse])
            self.next = self.state
            return
        moving = np.ones(self.n_runs, bool)
        for _ in range(self.SPIN_UP_LIMIT):
            # the decision stage writes only the intended levels: the rest of ``next`` is the state itself
            self.next = replace(self.state, intended=np.empty_like(self.state.intended))
            self.structure = pairs.assess(self)
            self.agents.do("decide", speed=1.0)
            c = np.where(moving[:, None, None], self.next.intended, self.state.intended)
            moving &= np.abs(c - self.state.intended).max(axis=(1, 2)) > self.SPIN_UP_TOLERANCE
            self.state.intended = c
            self.state.perceived = c.copy()
            self.state.valence = c / 10.0
            if not moving.any():
                break
        self.state.realised = self.state.intended.copy()
        self.state.baseline = self.state.perceived.copy()  # provisional normal until the burn-in measures it
        self.next = self.state

    def _distinct_runs(self, overrides: Mapping[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray] | None:
        """``(first, inverse)``: the first run of each distinct set of per-run values (compared bit for bit) and, for
        every run, which of them it shares; ``None`` when that would spare fewer than ``SPIN_UP_SHARED_MIN`` runs'
        spin-ups (the model that iterates the distinct ones costs about as much as a hundred runs' spin-ups)."""
        if self.n_runs <= self.SPIN_UP_SHARED_MIN:
            return None
        columns = [np.broadcast_to(v, (self.n_runs,)) for v in overrides.values()]
        bits = np.stack(columns, axis=1).view(np.uint64) if columns else np.zeros((self.n_runs, 1), np.uint64)
        _, first, inverse = np.unique(bits, axis=0, return_index=True, return_inverse=True)
        if self.n_runs - len(first) < self.SPIN_UP_SHARED_MIN:
            return None
        return first, inverse.reshape(-1)

    @staticmethod
    def _resolve_config(config: Mapping[str, Any] | DictConfig | None) -> dict[str, Any]:
        if config is None:
            return default_config()  # composed once per process (mesa.batch_run builds many models)
        if isinstance(config, DictConfig):
            return to_container(config)
        return copy.deepcopy(dict(config))

    # DataCollector: ensemble means (the run's value when R = 1) of the state, one column per directed dyad.
    REPORTED: ClassVar[dict[str, str]] = {
        "nci": "realised",
        "trust": "trust",
        "sanctions": "sanctions",
        "investment_stock": "investment_stock",
        "rapport": "rapport",
    }

    def _model_reporters(self) -> dict[str, Any]:
        reporters = {}
        codes = self.world.countries
        for name, attribute in self.REPORTED.items():
            for i, src in enumerate(codes):
                for j, tgt in enumerate(codes):
                    if i != j:
                        reporters[f"{name}_{src}_{tgt}"] = self._reporter(attribute, i, j)
        for name, i, j in zip(
            self.world.channel_names, self.world.channel_owner, self.world.channel_partner, strict=True
        ):
            reporters[f"channel_openness_{name}"] = self._reporter("openness", int(i), int(j))
        return reporters

    def _reporter(self, variable: str, i: int, j: int):
        """A DataCollector reporter: the ensemble mean (the run's value when R = 1) of one dyad."""

        def report(model: RelationsModel) -> float:
            return float(model.ensemble_means()[variable][i, j])

        return report

    def ensemble_means(self) -> dict[str, np.ndarray]:
        """The (N, N) means over runs (the run's values when R = 1) of the state the DataCollector reports, ``trust``
        among them: computed once per state for all reporters, not once per reporter (about a hundred reporters,
        each averaging its own slice, took a sixth of a 200-run replay under cProfile; half as much now)."""
        if self._means_of is not self.state:
            state = self.state
            names = {*self.REPORTED.values(), "openness"} - {"trust"}  # the dyad and channel reporters' attributes
            self._means = {name: getattr(state, name).mean(axis=0) for name in names}
            self._means["trust"] = self.trust_now().mean(axis=0)  # σ(ℓ) of this state, shared with next month
            self._means_of = state
        return self._means

    def partner_means(self, name: str, axis: int) -> np.ndarray:
        """(N,): for each country, the mean over partners of its row (``axis=0``) or column (``axis=1``) of the
        ensemble means of ``name`` (``ensemble_means``), the diagonal left out."""
        means = self.ensemble_means()  # reset with each new state
        key = f"partner_means/{name}/{axis}"
        if key not in means:  # seven agent reporters read each (name, axis) for four countries
            table = means[name]
            means[key] = (table.sum(axis=1 - axis) - np.diagonal(table)) / (table.shape[0] - 1)
        return means[key]

    def trust_now(self) -> np.ndarray:
        """``τ = σ(ℓ)`` of the state the month reads (``state``), (R, N, N): computed once per state for every stage
        (``sim.numerics.elementary.logistic``, elementwise: the same doubles as on any slice of it)."""
        return self._trust_of_state(self.state)

    def _trust_of_state(self, state: State) -> np.ndarray:
        """``σ(ℓ)`` of ``state``, computed once: recording a new state's trust (``_observe``) serves next month's
        stages too, since that state becomes the one they read."""
        if self._trust_of is not state:
            self._trust = logistic(state.log_odds)
            self._trust_of = state
        return self._trust

    @property
    def n_steps(self) -> int:
        return self.world.n_steps

    def affinity_now(self) -> np.ndarray:
        """This month's standing affinity ``G``, (R1, N, N) with R1 = 1 or R (the world's rows; R once a treaty is
        signed): a signed peace treaty removes any grievance of its pair."""
        g = self.world.affinity[self.t]
        signed = self.state.treaty >= 0
        if not signed.any():
            return g
        g = np.broadcast_to(g, self.state.valence.shape).copy()
        for c, (i, j) in enumerate(zip(self.world.channel_owner, self.world.channel_partner, strict=True)):
            for a, b in ((i, j), (j, i)):
                g[:, a, b] = np.where(signed[:, c], np.maximum(g[:, a, b], 0.0), g[:, a, b])
        return g

    def step(self) -> None:
        """One month: policy, meetings, milestones, decisions, events, investment, perception, valence."""
        if self.t >= self.n_steps:
            cal = self.world.calendar
            raise HorizonEndedError(
                f"the horizon {cal.label(0)}..{cal.label(self.n_steps - 1)} is over: all "
                f"{self.n_steps} months have run (check model.running; a longer horizon: "
                "scenario.end or stop)"
            )
        self.next = self.state.copy()
        self.next.visit[:] = False
        self.signals = MonthSignals.empty(
            self.n_runs, self.world.n, self.record_salient, self.streams, self.t, self.salience_power
        )
        self.structure = pairs.assess(self)
        if self.log is not None:
            for i, j, code, g in self.world.injected.log[self.t]:
                self.log.add(self.t, i, j, code, g, "injected")
        self.agents.do("set_policy")
        pairs.meet(self)
        pairs.settle_milestones(self)
        self.agents.do("decide")
        self.agents.do("act")
        self.agents.do("invest")
        self.agents.do("observe")
        self._settle()
        self.datacollector.collect(self)
        self.running = self.t < self.n_steps

    def _settle(self) -> None:
        nxt, w = self.next, self.world
        nxt.valence = structure.update_valence(self.state.valence, nxt.realised, w.params.valence_smoothing[..., None])
        nxt.stock_history = np.roll(nxt.stock_history, -1, axis=0)
        nxt.stock_history[-1] = nxt.investment_stock[:, w.channel_owner, w.channel_partner]
        for name, series in self.history.items():
            series[self.t] = self._observe(name, nxt)
        if self.salient is not None:
            self.salient[self.t] = self.signals.salient
            self.salient_key[self.t] = self.signals.salient_key
        self.state = nxt
        self.t += 1

    def _observe(self, name: str, state: State) -> np.ndarray:
        """The recorded value of one output variable (its name as in ``timeseries.parquet``)."""
        off = self._off_diagonal
        match name:
            case "nci":
                return state.realised
            case "intended_cooperation":
                return state.intended
            case "cooperation_target":
                return self.target
            case _ if name.startswith("target_"):
                return self.terms[name.removeprefix("target_")]
            case "trust":
                return self._trust_of_state(state) * off
            case "channel_openness":
                return state.openness * off
            case _:
                return getattr(state, name)

    def run(self) -> RelationsModel:
        """Step through the whole horizon."""
        while self.running and self.t < self.n_steps:
            self.step()
        return self

    def milestone_steps(self) -> dict[str, np.ndarray]:
        """Step index at which each channel's milestone happened, (R, C) with -1 for never."""
        return {name: getattr(self.state, name) for name in MILESTONES}
