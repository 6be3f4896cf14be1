"""Typed schema of the configuration: dataclasses registered in Hydra's ConfigStore.

YAML in ``conf/`` fills these; OmegaConf rejects unknown keys and wrong types against them. One name per
concept: a field here, its YAML key, its ODD parameter-table row (``docs/ODD.md``) and, where it is an
output, its column name are the same word.

The ``scenario`` holds the world and its dated forcings (who the countries are, sanctions, investment,
alliances, leaders, summits, shocks, the event timeline); ``params`` holds behavioural coefficients
(MODEL-NOTES §5.8). Dates are months, written ``"YYYY-MM"``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass
from typing import Any

from hydra.core.config_store import ConfigStore
from omegaconf import MISSING

from sim.config.parameters import PARAMETERS


@dataclass
class Step:
    """One step of a piecewise-constant schedule: ``level`` holds from ``date`` until the next step."""

    date: str = MISSING
    level: float = MISSING
    note: str = ""


@dataclass
class SanctionSchedule:
    """Sanctions one sender imposes on one target (MODEL-NOTES §2.2, S1).

    ``rule: schedule`` plays ``steps`` (times ``scale``) in both replay modes. ``rule: alignment`` makes the
    level endogenous (S1 partial-alignment ratchet toward the mean of the ``reference`` senders); its
    ``steps`` are then the observed history, played only in ``forced`` mode.
    """

    rule: str = "schedule"
    steps: list[Step] = field(default_factory=list)
    scale: float = 1.0
    reference: list[str] = field(default_factory=list)
    lifted: str = ""  # month from which the sender lifts these sanctions (level 0), whatever the rule


@dataclass
class Alliance:
    """A member's alliance with a patron whose pressure it feels (Snyder 1984)."""

    patron: str = MISSING
    commitment: float = 0.8


@dataclass
class InvestmentFlow:
    """Investment by one country in another (S5)."""

    initial_stock: float = 1.0
    baseline_flow: float = 0.02
    channel_push: float = 0.0
    busting: float = 0.0


@dataclass
class Investment:
    """Investment flows, sanction friction and secondary-sanction exposure (S5; Early 2015)."""

    sanction_friction: float = 0.8
    depreciation: float = 0.01
    secondary_sanctions_sender: str = ""
    exposure: dict[str, float] = field(default_factory=dict)
    # investor -> host -> InvestmentFlow; typed by sim.config.validate (OmegaConf cannot type two levels)
    flows: dict[str, Any] = field(default_factory=dict)


@dataclass
class Channel:
    """An institutional channel between two countries (S2), with the rules that hang on it (S3, S8)."""

    owner: str = MISSING
    partner: str = MISSING
    initial_openness: float = 0.9
    visits: bool = True
    invitations: bool = True
    milestones: bool = True


@dataclass
class Leader:
    date: str = MISSING
    name: str = MISSING


@dataclass
class Summit:
    """A multilateral summit: a sideline-meeting opportunity for every pair of attendees (S3)."""

    date: str = MISSING
    name: str = MISSING
    attendees: list[str] = field(default_factory=list)


@dataclass
class ThreatShock:
    """A jump of the shared-threat index (North Korea tests and launches)."""

    date: str = MISSING
    size: float = 1.0
    note: str = ""


@dataclass
class Threat:
    """The shared-threat index ``N(t)``: a piecewise-constant ``background`` level (0 before its first step)
    plus shocks that decay with ``half_life`` months."""

    half_life: float = 3.0
    shocks: list[ThreatShock] = field(default_factory=list)
    background: list[Step] = field(default_factory=list)


@dataclass
class AffinityChange:
    """A dated change of the standing affinity of a pair (a forcing, e.g. the Ukraine conflict)."""

    date: str = MISSING
    pair: list[str] = field(default_factory=list)
    level: float = MISSING
    note: str = ""


@dataclass
class Shock:
    """An act outside the agent system (e.g. Crimea) that observers read as a signal about ``actor``."""

    date: str = MISSING
    actor: str = MISSING
    target: str = ""
    cameo: str = MISSING
    goldstein: float | None = None
    observers: dict[str, float] = field(default_factory=dict)
    note: str = ""


@dataclass
class Event:
    """A dated CAMEO-coded event of the timeline.

    ``role: forcing`` events are injected in both replay modes; ``role: endogenous`` events are what the
    model should generate and are injected only in ``forced`` mode (MODEL-NOTES §5.6).
    """

    date: str = MISSING
    source: str = MISSING
    target: str = MISSING
    cameo: str = MISSING
    goldstein: float | None = None
    role: str = "forcing"
    weight: float = 1.0
    note: str = ""
    refs: list[str] = field(default_factory=list)


@dataclass
class EventMatch:
    """Selects the timeline events that have every field it gives (``date`` may be a month or a day)."""

    date: str = ""
    source: str = ""
    target: str = ""
    cameo: str = ""
    note: str = ""


@dataclass
class Scenario:
    """The world and its dated forcings.

    A what-if scenario inherits the replay (Hydra defaults) and says in ``rationale`` (one sentence) why it
    is worth asking and in ``changes`` what it changes. Hydra replaces lists when it merges, so a scenario
    adds timeline events in ``added_events`` and drops inherited ones with ``removed_events`` instead of
    restating ``events``.
    """

    name: str = MISSING
    description: str = ""
    rationale: str = ""
    changes: list[str] = field(default_factory=list)
    start: str = "2012-01"
    end: str = "2017-12"
    baseline_end: str = "2012-12"
    countries: list[str] = field(default_factory=lambda: ["JPN", "RUS", "USA", "CHN"])
    external_actors: list[str] = field(default_factory=list)
    initial_trust: dict[str, dict[str, float]] = field(default_factory=dict)
    default_initial_trust: float = 0.5
    affinity: dict[str, dict[str, float]] = field(default_factory=dict)
    affinity_changes: list[AffinityChange] = field(default_factory=list)
    initial_rapport: dict[str, dict[str, float]] = field(default_factory=dict)
    default_initial_rapport: float = 0.3
    alliances: dict[str, Alliance] = field(default_factory=dict)
    pressure: dict[str, list[Step]] = field(default_factory=dict)
    stress: dict[str, list[Step]] = field(default_factory=dict)
    # sender -> target -> SanctionSchedule; typed by sim.config.validate (OmegaConf cannot type two levels)
    sanctions: dict[str, Any] = field(default_factory=dict)
    investment: Investment = field(default_factory=Investment)
    channels: dict[str, Channel] = field(default_factory=dict)
    leaders: dict[str, list[Leader]] = field(default_factory=dict)
    summits: list[Summit] = field(default_factory=list)
    threat: Threat = field(default_factory=Threat)
    shocks: list[Shock] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)
    added_events: list[Event] = field(default_factory=list)
    removed_events: list[EventMatch] = field(default_factory=list)
    markers: dict[str, str] = field(default_factory=dict)


def _params_class() -> type:
    """``Params`` from the declaration (``sim.config.parameters``): a float field per parameter with its declared
    default, a ``dict`` field per country table. A table's schema default is empty (which countries it names
    belongs to the world); ``conf/params/default.yaml`` carries the shipped table."""
    fields = [
        (p.name, dict[str, dict[str, float]], field(default_factory=dict))
        if p.is_table
        else (p.name, float, field(default=float(p.default)))
        for p in PARAMETERS
    ]
    doc = "Behavioural parameters (MODEL-NOTES §5.8), generated from ``sim.config.parameters.PARAMETERS``."
    return make_dataclass("Params", fields, namespace={"__doc__": doc}, module=__name__)


Params = _params_class()


@dataclass
class SweepSpec:
    """A sweep, declared once (``conf/sweep/*.yaml``): what varies, the design, what is measured.

    ``parameters`` maps a config path to ``{values: [...]}`` (grid) or ``{low, high}`` with an optional
    ``distribution`` (uniform; normal with ``low``/``high`` as mean and sd). ``outcomes`` maps a name to
    a measure of each run (its ``stat``: ``sim.sweep.statistics``). ``series`` asks for per-design-point bands of
    some variables: ``{variables: [nci], dyads: ["JPN->RUS"]}``. With ``common_random_numbers`` replicate
    ``r`` of every design point draws random stream ``r``. Entries are typed by ``sim.sweep.spec``.
    """

    name: str = MISSING
    description: str = ""
    design: str = "grid"
    points: int = 0
    replicates: int = 1
    common_random_numbers: bool = True
    # runs per vectorised model; 0: chosen from the number of runs (sim.sweep.spec.auto_chunk_size: runs / 16, kept
    # within 256..4096). Results do not depend on it; the folder does
    chunk_size: int = 0
    shards: int = 1  # cut the chunks into this many shards (Hydra multirun jobs); results do not depend on it
    shard: int = 0  # which shard this job runs, 0 .. shards - 1
    parameters: dict[str, Any] = field(default_factory=dict)
    outcomes: dict[str, Any] = field(default_factory=dict)
    series: dict[str, Any] = field(default_factory=dict)


@dataclass
class Compare:
    """A paired comparison of two scenarios (``conf/experiment/*.yaml``, ``experiments/compare.py``).

    The config's ``scenario`` is one arm, ``baseline`` the other; both run with the same seed and run
    indices (common random numbers), so each run's difference is the effect of the scenario's changes.
    ``windows`` name the months over which per-run means are compared, ``milestone_dates`` the dates by
    which milestone probabilities are; ``variables`` (output variables) and ``dyads`` (``"JPN->RUS"``)
    choose what the tables and figures show.
    """

    name: str = MISSING
    description: str = ""
    baseline: Scenario = field(default_factory=Scenario)
    windows: dict[str, list[str]] = field(default_factory=dict)
    milestone_dates: list[str] = field(default_factory=list)
    variables: list[str] = field(default_factory=lambda: ["nci", "trust", "sanctions", "channel_openness"])
    dyads: list[str] = field(default_factory=lambda: ["JPN->RUS", "RUS->JPN"])


@dataclass
class Paths:
    root: str = "."
    output: str = "outputs"


@dataclass
class Report:
    """What the run reports: summary windows, milestone dates and the dates of trust-matrix figures."""

    windows: dict[str, list[str]] = field(default_factory=dict)
    milestone_dates: list[str] = field(default_factory=list)
    trust_matrix_dates: list[str] = field(default_factory=list)
    figures: bool = True


@dataclass
class Calibration:
    """A calibration experiment (``conf/calibration/*.yaml``): which behavioural parameters are fitted to
    which observed event file, by which objective and optimiser (checked in ``sim.calibration.spec``).

    ``parameters`` maps a numeric config path to ``{low, high}``; ``optimiser`` holds SciPy's
    ``differential_evolution`` settings (``popsize``, ``maxiter``, ``mutation``, ``recombination``,
    ``strategy``, ``tol``); every candidate is scored on ``replicates`` runs (common random numbers)
    through the sweep engine, ``chunk_size`` runs at a time.
    """

    name: str = MISSING
    description: str = ""
    observed: str = MISSING
    frequency: str = "Q"
    first: str = "2013-01"
    last: str = "2017-12"
    dyads: list[str] = field(default_factory=list)
    parameters: dict[str, Any] = field(default_factory=dict)
    replicates: int = 16
    chunk_size: int = 256
    install: bool = False  # also write conf/params/calibrated.yaml
    objective: str = "anomaly"  # each dyad's deviations from its own fit-window mean (the only objective)
    prior_weight: float = 0.0  # weight of the penalty on range-normalised distance from the defaults
    optimiser: dict[str, Any] = field(default_factory=dict)
    split: str = "2015-12"  # last month the fit sees; later targets are held out (scored, never fitted)
    moments: dict[str, Any] = field(default_factory=dict)  # simulated-method-of-moments terms (docs/calibration.md)
    tuning_seeds: list[int] = field(default_factory=lambda: [20161215, 1, 2, 3])  # seeds the fit may use
    validation_seeds: list[int] = field(default_factory=lambda: [20180101, 20180102, 20180103, 20180104, 20180105])
    score_seed: int = 1  # the tuning seed on which the parameter rows are scored (not the fitting seed)
    score_replicates: int = 64  # runs per parameter row when scoring
    baselines: dict[str, Any] = field(default_factory=dict)  # named rows: {config path: value} beside the defaults


@dataclass
class Validation:
    """The validation protocol (``conf/validation/protocol.yaml``, ``experiments/validate.py``; checked in
    ``sim.validation.protocol``): fresh seeds kept apart from tuning seeds, sizes, the fit split, the goals,
    the comparative-statics gradient and the LHS that labels each pattern discriminating or not."""

    seeds: list[int] = field(default_factory=lambda: [20180101, 20180102, 20180103, 20180104, 20180105])
    runs: int = 200  # runs per validation seed
    tuning_seeds: list[int] = field(default_factory=lambda: [20161215, 20161216, 1, 2, 3, 4, 5])
    allow_tuning_seeds: bool = False  # true: validate on a tuning seed anyway; the report says "in-sample"
    split: str = "2015-12"  # the fit's last in-sample month (calibration fits up to it)
    salience_power: float = 1.0  # ω of the observation model's draw, |g|^ω; protocol.yaml holds the chosen one (a
    # config without the key, e.g. a folder saved before ω existed, is the observation model of then, ω = 1)
    observation: dict[str, Any] = field(default_factory=dict)  # how ω is chosen: {seeds, runs, powers}
    statics_runs: int = 1000  # paired runs per static arm (the first validation seed)
    gradient: dict[str, Any] = field(default_factory=dict)  # CS1 across a_J: {values: [...], runs: n}
    lhs: dict[str, Any] = field(default_factory=dict)  # {points, replicates, consistency, parameters}
    goals: dict[str, Any] = field(default_factory=dict)


@dataclass
class Config:
    seed: int = 20161215
    replicates: int = 200
    mode: str = "endogenous"
    stop: str = ""  # last month to simulate; empty: the scenario's end
    first_run: int = 0  # run indices first_run .. first_run + replicates - 1 (rerun run k of a sweep alone)
    workers: int = 0  # worker processes (sweep chunks, a task's figures); 0: one per core
    scenario: Scenario = field(default_factory=Scenario)
    params: Params = field(default_factory=Params)
    report: Report = field(default_factory=Report)
    paths: Paths = field(default_factory=Paths)
    sweep: SweepSpec | None = None
    compare: Compare | None = None
    calibration: Calibration | None = None
    validation: Validation | None = None


def register() -> None:
    """Register the schema so ``conf/config.yaml`` can name it first in its defaults list."""
    ConfigStore.instance().store(name="base_config", node=Config)


register()
