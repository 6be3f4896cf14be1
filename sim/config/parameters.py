"""Every behavioural parameter (``params.*``), declared once: name, symbol, default, plausible range, allowed
domain, unit, source, MODEL-NOTES §5.8 starting value where the default moved, and one line of meaning.

Everything else about a parameter is derived from ``PARAMETERS``:

* the ``Params`` dataclass of the schema (``sim.config.schema``; Hydra's ConfigStore and the unknown-key check
  read it);
* ``conf/params/default.yaml`` and the parameter table of ``docs/ODD.md``, written by
  ``python -m sim.config.param_docs --write`` and compared with the committed files by ``tests/test_parameters.py``;
* the domain checks of ``sim.config.validate`` (what a run accepts);
* the slider ranges of the dashboard and the property tests' ranges.

The YAML files that list ranges (``conf/validation/protocol.yaml``, ``conf/calibration/replay_2013_2017.yaml``,
``conf/sweep/*.yaml``) stay hand-written, because a design chooses its own ranges; ``tests/test_parameters.py``
checks that every ``params.*`` bound they give lies inside the declared range and that every §5.8 baseline value is
the declared one.

Why a Python module and not a data file: the schema is built from it at import time without reading a file; a
default such as ``1/3`` or a range such as "±50% of the default" is written the way MODEL-NOTES states it and
computed, not copied; and a typo in a field name fails at import, not at the first run.

To add a parameter: add one ``Param`` here (in the section of its mechanism), run
``python -m sim.config.param_docs --write``, and use ``p.<name>`` in the mechanism.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Domain:
    """The values a run accepts (``sim.config.validate``): ``low``/``high`` bounds, each open or closed;
    ``None`` for no bound. ``why`` is said after the rule when a value is refused."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    why: str = ""

    def allows(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        return not (self.high is not None and (value >= self.high if self.high_open else value > self.high))

    def allowed(self) -> str:
        """The rule as a ``ConfigError`` says it: ``must be a level in [0, 1]``, ``must be > 0``, ..."""
        if (self.low, self.high, self.low_open, self.high_open) == (0.0, 1.0, False, False):
            text = "must be a level in [0, 1]"
        elif self.low is not None and self.high is not None:
            text = f"must be in {self.interval()}"
        elif self.low is not None:
            text = f"must be {'>' if self.low_open else '>='} {self.low:g}"
        elif self.high is not None:
            text = f"must be {'<' if self.high_open else '<='} {self.high:g}"
        else:
            text = "must be a finite number"
        return f"{text} ({self.why})" if self.why else text

    def interval(self) -> str:
        """``[0, 1]``, ``(0, 1]``, ``> 0``, ``≥ 0``, ``any`` (the ODD's "allowed" column)."""
        if self.low is not None and self.high is not None:
            return f"{'(' if self.low_open else '['}{self.low:g}, {self.high:g}{')' if self.high_open else ']'}"
        if self.low is not None:
            return f"{'>' if self.low_open else '≥'} {self.low:g}"
        if self.high is not None:
            return f"{'<' if self.high_open else '≤'} {self.high:g}"
        return "any"


LEVEL = Domain(0.0, 1.0)  # probabilities, shares, levels, thresholds of [0, 1] quantities
SPEED = Domain(0.0, 1.0, low_open=True)  # partial-adjustment weights: 0 would freeze the state
NONNEGATIVE = Domain(0.0)
POSITIVE = Domain(0.0, low_open=True)
REAL = Domain()


@dataclass(frozen=True)
class Range:
    """A plausible range (MODEL-NOTES §5.8 "range for SA", or the ODD's where §5.8 gives none), as stated:
    absolute ``low``–``high``, or with ``relative`` a multiple of the default (``±50%`` is ``Range(0.5, 1.5,
    relative=True)``). ``note`` is shown after it (a joint rule such as ``k_ij·k_ji < 1``)."""

    low: float
    high: float
    relative: bool = False
    note: str = ""


def pm(share: float) -> Range:
    """``±share`` of the default (§5.8 gives S2/S3 coefficients ±50%)."""
    return Range(1.0 - share, 1.0 + share, relative=True)


def times(low: float, high: float) -> Range:
    """``×low–high`` of the default."""
    return Range(low, high, relative=True)


@dataclass(frozen=True)
class Param:
    """One behavioural parameter. ``default`` is the shipped value (``conf/params/default.yaml``); a dict
    default is a country table ``{i: {j: value}}`` whose entries each obey ``domain`` and ``range``.

    ``notes`` is the MODEL-NOTES §5.8 starting value where the default moved from it, ``deviation`` the letter
    of the ODD's "Deviations" item that says why (a deviation without ``notes`` is a parameter §5.8 lacks);
    ``shown`` writes the default in the ODD when a number would hide what it is (``1/3``); ``section`` heads
    the group of parameters in the YAML file.
    """

    name: str
    symbol: str
    default: float | dict[str, dict[str, float]]
    unit: str
    domain: Domain
    range: Range | None
    source: str
    meaning: str
    section: str
    notes: float | None = None
    deviation: str = ""
    shown: str = ""
    range_text: str = ""  # what the ODD says when there is no numeric range (``as k``)

    @property
    def is_table(self) -> bool:
        return isinstance(self.default, dict)

    @property
    def bounds(self) -> tuple[float, float] | None:
        """The plausible range in the parameter's units (relative ranges times the default); ``None`` for a
        country table or a parameter without a range."""
        if self.range is None or self.is_table:
            return None
        if self.range.relative:
            return (self.range.low * self.default, self.range.high * self.default)
        return (self.range.low, self.range.high)


S1 = "S1 Japan-style partial alignment: value of the relationship with the target"
S2 = "S2 channel openness, and the S3 leaders' mandate"
S3 = "S3 meetings and rapport"
S4 = "S4 action: Richardson partial adjustment toward a reciprocity target"
EV = "S4 event generation"
S6 = "S6 perception and Bayesian trust"
S7 = "S7 valence"
S8 = "S8 milestones"

GOLDSTEIN = "Goldstein"  # cooperation-scale points (−10..10), the unit of the target, events and NCI
MONTHLY = "1/month"

# Param(name, symbol, default, unit, domain, range, source, meaning, section, [notes, deviation, shown, range_text])
PARAMETERS: tuple[Param, ...] = (
    # S4 action
    Param("adjustment_speed", "a", 0.5, MONTHLY, SPEED, Range(0.1, 0.6), "[T14]",
          "Richardson partial-adjustment speed", S4, notes=0.30, deviation="z"),
    Param("reciprocity", "k", 0.5, "—", NONNEGATIVE, Range(0.2, 0.8, note="k_ij·k_ji < 1"), "[T19]",
          "reciprocity coefficient (all dyads)", S4),
    Param("reciprocity_by_dyad", "k_ij", {}, "—", NONNEGATIVE, None, "[T19]",
          "per-dyad override of k", S4, range_text="as k"),
    Param("generosity", "q", 1.0 / 3.0, "—", LEVEL, Range(0.0, 0.5), "[T4]",
          "share of conflict forgiven", S4, shown="1/3"),
    Param("implementation_noise", "σ_a", 0.8, GOLDSTEIN, NONNEGATIVE, Range(0.3, 2.0), "[T4]",
          "implementation noise", S4),
    Param("trust_weight", "γ_τ", 1.0, GOLDSTEIN, NONNEGATIVE, Range(0.5, 3.0), "[T1]",
          "trust → cooperation", S4),
    Param("rapport_weight", "ρ", 1.5, GOLDSTEIN, NONNEGATIVE, Range(0.0, 3.0), "assumption",
          "rapport → cooperation", S4),
    Param("balance_weight", "β_bal", 0.8, GOLDSTEIN, NONNEGATIVE, Range(0.0, 2.0), "[T5]–[T8]",
          "Heider balance pressure", S4),
    Param("wedge_weight", "ω", 4.0, GOLDSTEIN, NONNEGATIVE, Range(0.0, 6.0), "[T10]",
          "wedge incentive", S4),
    Param("alliance_penalty_scale", "P0", 6.0, GOLDSTEIN, POSITIVE, Range(0.0, 6.0), "[T9]",
          "alliance-pressure scale", S4, notes=4.0, deviation="z"),
    Param("sanctions_resentment", "γ_S", 4.0, GOLDSTEIN, NONNEGATIVE, Range(0.0, 8.0), "[P80]",
          "resentment of sanctions received", S4),
    Param("interdependence_damping", "γ_D", 1.0, "—", NONNEGATIVE, Range(0.0, 3.0), "[T11]",
          "damping of negative targets by interdependence", S4),
    Param("interdependence_reference", "K_ref", 2.0, "stock (1 ≈ $12bn)", POSITIVE, None, "[T11]",
          "stock that makes D = 1", S4),
    Param("stress_outreach", "e_R", 2.0, GOLDSTEIN, NONNEGATIVE, Range(0.0, 2.0), "[ART] [P104]",
          "stressed country courts its investors", S4, notes=1.0, deviation="z"),
    Param("investment_signal", "ψ", 0.5, GOLDSTEIN, NONNEGATIVE, Range(0.0, 1.5), "[T2]",
          "investment flow as a cooperative signal", S4),
    Param("threat_weights", "h_ij", {"JPN": {"USA": 1.5, "RUS": 0.5, "CHN": 0.3}, "RUS": {"CHN": 0.5},
                                     "USA": {"CHN": 0.3, "RUS": 0.2}},
          GOLDSTEIN, REAL, times(0.0, 2.0), "[P88] [P97]", "shared-threat weights (symmetric)", S4),
    # S4 event generation
    Param("events_per_month", "λ_ij", 6.0, "events/month", Domain(0.0, 1000.0), Range(2.0, 30.0),
          "GDELT counts (to calibrate)", "events per dyad-month beyond the first (1 + Poisson)", EV),
    Param("event_noise", "σ_e", 1.0, GOLDSTEIN, NONNEGATIVE, None, "notes S4 (N(0,1))",
          "per-event dispersion around the implemented level", EV),
    Param("scheduled_event_weight", "w_sched", 1.0, "—", NONNEGATIVE, None, "notes S4",
          "weight of meeting, milestone and injected events in the NCI", EV),
    Param("policy_event_weight", "w_pol", 0.5, "—", NONNEGATIVE, None, 'notes S4 ("to revisit")',
          "salience weight of policy events (163, 164, 036)", EV),
    # S6 perception and Bayesian trust
    Param("perception_noise", "σ_p", 1.5, GOLDSTEIN, NONNEGATIVE, Range(0.5, 3.0), "[T3]",
          "perception noise", S6),
    Param("mistrust_bias", "b", 0.3, "—", LEVEL, Range(0.0, 0.6), "[T3]",
          "mistrust discount of above-normal cooperation", S6),
    Param("rapport_clarity", "ζ", 0.5, "—", LEVEL, Range(0.0, 0.8), "[T3]",
          "noise reduction by rapport", S6),
    Param("signal_separation", "Δμ", 2.0, GOLDSTEIN, NONNEGATIVE, Range(1.0, 4.0), "[T2]",
          "μ_SS − μ_G", S6),
    Param("cheap_signal_noise", "σ_cheap", 6.0, GOLDSTEIN, POSITIVE, Range(4.0, 8.0), "[T2]",
          "likelihood s.d. of cheap months", S6),
    Param("costly_signal_noise", "σ_costly", 3.0, GOLDSTEIN, POSITIVE, Range(1.5, 4.0), "[T2]",
          "likelihood s.d. of costly months and shocks", S6),
    Param("cost_sensitivity", "κ_c", 0.5, "—", NONNEGATIVE, Range(0.0, 1.0), "[T2]",
          "extra diagnosticity per unit cost", S6),
    Param("trust_reversion", "λ", 0.15, MONTHLY, LEVEL, Range(0.02, 0.15), "assumption",
          "reversion of log-odds to the prior", S6, notes=0.08, deviation="z"),
    # S7 valence
    Param("valence_smoothing", "α_x", 0.2, MONTHLY, SPEED, Range(0.1, 0.4), "assumption",
          "valence EMA weight", S7),
    # S1 partial alignment
    Param("relationship_value_base", "v0", 0.5, "—",
          Domain(0.0, low_open=True, why="keeps partial alignment strictly below the reference level"),
          times(0.5, 2.0), "assumption", "S1 value of the target relationship", S1),
    Param("relationship_value_investment", "v_K", 0.3, "—", NONNEGATIVE, times(0.5, 2.0), "assumption",
          "S1 relationship value per unit of investment stock", S1),
    Param("relationship_value_trust", "v_τ", 1.0, "—", NONNEGATIVE, times(0.5, 2.0), "assumption",
          "S1 relationship value per unit of trust", S1),
    Param("sanction_step_threshold", "—", 0.02, "sanction level", LEVEL, None, "notes S1",
          "rise that emits a 163 event", S1),
    # S2 channel openness
    Param("channel_intercept", "c0", 1.5, "logit", REAL, pm(0.5), "assumption", "S2 intercept", S2),
    Param("channel_trust_slope", "c_τ", 6.0, "logit", NONNEGATIVE, pm(0.5), "assumption", "S2 trust slope", S2),
    Param("channel_trust_reference", "τ_ref", 0.45, "trust", LEVEL, pm(0.5), "assumption",
          "S2 trust reference", S2),
    Param("channel_rapport_slope", "c_R", 2.0, "logit", NONNEGATIVE, pm(0.5), "assumption",
          "S2 rapport slope", S2),
    Param("channel_wedge_slope", "c_W", 4.0, "logit", NONNEGATIVE, pm(0.5), "[T10]", "S2 wedge slope", S2),
    Param("channel_penalty_slope", "c_P", 6.0, "logit", NONNEGATIVE, pm(0.5), "[T9]",
          "S2 alliance-penalty slope", S2),
    Param("channel_speed", "s_O", 0.15, MONTHLY, LEVEL, pm(0.5), "assumption",
          "openness adjustment while opening", S2),
    Param("channel_close_speed", "s_close", 0.5, MONTHLY, LEVEL, Range(0.15, 1.0), "[P15] [P17]",
          "openness adjustment while closing", S2, deviation="aa"),
    Param("summit_mandate", "m", 0.6, "—", LEVEL, Range(0.0, 1.0), "[P1] [P56] [P58]",
          "share of the gap to an open channel a bilateral summit mandates", S2, deviation="aa"),
    Param("mandate_half_life", "—", 12.0, "months", POSITIVE, Range(6.0, 36.0), "assumption",
          "half-life of a summit's mandate", S2, deviation="aa"),
    Param("suspension_level", "O_susp", 1.0, "openness", LEVEL, None, "[P15] [P17] [P56]",
          "cap on a suspended channel's openness target (1: talks never suspended)", S2, deviation="ad",
          range_text="0 or 1 (off)"),
    Param("sideline_mandate", "m_side", 0.25, "—", LEVEL, Range(0.0, 0.5), "[P46] [P53]",
          "mandate a sideline meeting gives while the channel is frozen", S3, deviation="ac"),
    Param("follow_up_rate", "r", 0.3, MONTHLY, LEVEL, Range(0.15, 0.6), "[P64] [P81] [P98] [P101]",
          "chance per month per unit mandate that the agreed next summit happens", S3, deviation="ac"),
    # S3 meetings and rapport
    Param("sideline_slope", "s_side", 4.0, "logit", NONNEGATIVE, pm(0.5), "assumption",
          "sideline-meeting slope in rapport + mean trust", S3),
    Param("visit_probability", "p_visit", 0.06, MONTHLY, LEVEL, pm(0.5), "assumption",
          "own-initiative visit probability", S3),
    Param("visit_openness", "O_visit", 0.6, "openness", LEVEL, pm(0.5), "assumption",
          "openness needed for a visit", S3),
    Param("visit_trust", "τ_visit", 0.45, "trust", LEVEL, pm(0.5), "assumption",
          "mean trust needed for a visit; trust reference of acceptance", S3),
    Param("invitation_rate", "r_inv", 0.12, MONTHLY, LEVEL, pm(0.5), "assumption (notes S3)",
          "invitations per unit of partner stress + wedge", S3),
    Param("acceptance_openness", "O_acc", 0.3, "openness", LEVEL, pm(0.5), "assumption",
          "openness reference of acceptance", S3),
    Param("acceptance_slope", "s_acc", 4.0, "logit", NONNEGATIVE, pm(0.5), "assumption", "acceptance slope", S3),
    Param("acceptance_penalty", "c_pen", 1.0, "logit", NONNEGATIVE, Range(0.0, 2.0), "[T9] [P9] [P43] [P46]",
          "weight of the alliance penalty against accepting an invitation", S3, deviation="ac"),
    Param("rapport_gain_bilateral", "g_bil", 0.25, "—", LEVEL, Range(0.1, 0.5), "assumption",
          "rapport gain of a bilateral visit (share of the gap to 1)", S3),
    Param("rapport_gain_sideline", "g_side", 0.10, "—", LEVEL, Range(0.05, 0.2), "assumption",
          "rapport gain of a sideline meeting (share of the gap to 1)", S3),
    Param("rapport_half_life", "—", 18.0, "months", POSITIVE, Range(6.0, 36.0), "assumption",
          "rapport half-life", S3),
    Param("rapport_reset", "—", 0.1, "rapport", LEVEL, None, "notes S3", "rapport after a leader change", S3),
    # S8 milestones
    Param("milestone_openness", "—", 0.6, "openness", LEVEL, None, "notes S8",
          "openness needed for 2+2 and joint activity", S8),
    Param("two_plus_two_trust", "—", 0.5, "trust", LEVEL, None, "notes S8 [P81]",
          "the owner's trust in the partner needed for the 2+2 agreement (notes S8: min mutual trust; deviation ab)",
          S8),
    Param("joint_activity_rapport", "—", 0.6, "rapport", LEVEL, None, "notes S8",
          "rapport needed for joint activity", S8),
    Param("treaty_threshold", "θ_PT", 0.85, "trust", LEVEL, Range(0.7, 0.95), "[P81] [P90]",
          "trust threshold of the treaty hazard", S8),
    Param("treaty_base_hazard", "h0", 0.02, MONTHLY, LEVEL, Range(0.005, 0.05), "[P81] [P90]",
          "base treaty hazard", S8),
    Param("territorial_hardness", "H_terr", 0.8, "—", LEVEL, Range(0.5, 1.0), "[P81] [P90] [P91]",
          "territorial hardness", S8),
    Param("treaty_veto_slope", "s_veto", 3.0, "—", NONNEGATIVE, None, "notes S8", "patron veto slope", S8),
)  # fmt: skip

BY_NAME: dict[str, Param] = {p.name: p for p in PARAMETERS}
