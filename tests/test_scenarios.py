"""The what-if scenarios of conf/scenario/: each changes what it names relative to the replay, and only that,
and the building blocks they use (lifted sanctions, a background threat, added and removed events) work."""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import pytest

from sim.compare.arms import differences
from sim.config import ConfigError, compose_config, to_container, validate
from sim.model import RelationsModel
from sim.timeline import matches
from sim.world import build_world
from tests.conftest import ROOT, composed, first_fast

SEED = 20161215  # conf/config.yaml's seed, passed explicitly: rng=None would give each model a fresh seed

REPLAY = "replay_2012_2017"
WHAT_IFS = sorted(
    p.stem for p in (ROOT / "conf" / "scenario").glob("*.yaml") if p.stem not in (REPLAY, "replay_with_korea")
)

RAPPROCHEMENT = {"pressure.USA", "affinity_changes", "sanctions.USA.RUS.steps", "removed_events", "added_events"}
PROJECTION = {"end", "threat.background", "summits"}
# scenario -> (the scenario it is compared with, what it changes; markers may be added anywhere)
CHANGES = {
    "japan_never_sanctions": (REPLAY, {"sanctions.JPN.RUS"}),
    "us_russia_rapprochement_2017": (REPLAY, RAPPROCHEMENT),
    "china_far_east_investment": (REPLAY, {"investment.flows.CHN.RUS.busting", "investment.exposure.CHN"}),
    "japan_breaks_sanctions_2017": (REPLAY, {"sanctions.JPN.RUS.lifted", "added_events"}),
    "north_korea_crisis_2017": (REPLAY, {"threat.background"}),
    "projection_2018_2025": (REPLAY, PROJECTION),
    "projection_2018_2025_rapprochement": ("projection_2018_2025", RAPPROCHEMENT),
}
# the first month in which a scenario's world differs from the replay's
FIRST_CHANGE = {
    "japan_never_sanctions": "2014-03",
    "us_russia_rapprochement_2017": "2017-02",
    "china_far_east_investment": "2014-03",
    "japan_breaks_sanctions_2017": "2017-01",
    "north_korea_crisis_2017": "2017-04",
    "projection_2018_2025": "2018-01",
    "projection_2018_2025_rapprochement": "2017-02",
}


def config(*overrides: str) -> dict:
    return composed(*overrides)


def scenario(name: str) -> dict:
    return config(f"scenario={name}")["scenario"]


@cache
def run(name: str, *overrides: str) -> RelationsModel:
    """Three runs of a scenario (cached: tests only read the result)."""
    return RelationsModel(config(f"scenario={name}", *overrides), replicates=3, record_events=False, rng=SEED).run()


def month(model: RelationsModel, label: str) -> int:
    return model.world.calendar.index(label)


def test_every_scenario_file_is_listed_here():
    assert set(WHAT_IFS) == set(CHANGES) == set(FIRST_CHANGE)


@pytest.mark.parametrize("name", WHAT_IFS)
def test_scenario_states_one_sentence_of_rationale_and_its_changes(name):
    sc = scenario(name)
    assert sc["name"] == name
    rationale = sc["rationale"].strip()
    assert rationale.endswith(".") and not re.search(r"\.\s+[A-Z]", rationale[:-1]), rationale
    assert sc["changes"] and all(line.strip() for line in sc["changes"])


@pytest.mark.parametrize("name", WHAT_IFS)
def test_scenario_changes_exactly_what_it_names(name):
    parent, named = CHANGES[name]
    found = [p for p in differences(scenario(parent), scenario(name)) if not p.startswith("markers")]
    for path in found:
        assert any(path == key or path.startswith((f"{key}.", f"{key}[")) for key in named), path
    text = " ".join(scenario(name)["changes"])
    for key in named:
        assert any(p == key or p.startswith((f"{key}.", f"{key}[")) for p in found), f"{key} does not change"
        assert key in text, f"{key} is not named in changes"


def test_restated_lists_keep_the_replays_entries():
    replay = scenario(REPLAY)
    for name in ("us_russia_rapprochement_2017", "projection_2018_2025_rapprochement"):
        sc = scenario(name)
        assert sc["sanctions"]["USA"]["RUS"]["steps"][:5] == replay["sanctions"]["USA"]["RUS"]["steps"][:5]
        assert sc["pressure"]["USA"][0] == replay["pressure"]["USA"][0]
        assert sc["affinity_changes"][0] == replay["affinity_changes"][0]
    summits = scenario("projection_2018_2025")["summits"]
    assert summits[: len(replay["summits"])] == replay["summits"]


def test_both_rapprochements_make_the_same_changes():
    """projection_2018_2025_rapprochement restates us_russia_rapprochement_2017's changes (one parent only)."""
    found = differences(scenario("us_russia_rapprochement_2017"), scenario("projection_2018_2025_rapprochement"))
    assert {p.split(".")[0].split("[")[0] for p in found} <= {"end", "threat", "summits", "markers"}


@pytest.mark.parametrize("name", WHAT_IFS)
def test_nothing_changes_before_the_first_changed_month(name):
    """Same seed, same runs: every recorded series equals the replay's, bit for bit, until the change."""
    base, other = run(REPLAY), run(name)
    first = month(other, FIRST_CHANGE[name])
    assert first > 0
    changed = other.world.n_steps != base.world.n_steps  # the projection changes the horizon
    for variable, series in base.history.items():
        assert np.array_equal(series[:first], other.history[variable][:first]), variable
        changed |= not np.array_equal(series[first:], other.history[variable][first : base.world.n_steps])
    assert changed


@pytest.mark.parametrize("mode", ["endogenous", "forced"])
def test_japan_never_sanctions_russia(mode):
    j, r = 0, 1
    model = run("japan_never_sanctions", f"mode={mode}")
    assert model.world.countries[:2] == ["JPN", "RUS"]
    assert (model.history["sanctions"][:, :, j, r] == 0).all()
    assert (run(REPLAY, f"mode={mode}").history["sanctions"][-1, :, j, r] > 0).all()
    assert (model.world.sanction_scale[:, j, r] == 0).all()  # Japan's sanction events (forced mode) weigh 0


@pytest.mark.parametrize("mode", ["endogenous", "forced"])
def test_japan_breaks_with_sanctions_in_2017(mode):
    j, r = 0, 1
    model, base = run("japan_breaks_sanctions_2017", f"mode={mode}"), run(REPLAY, f"mode={mode}")
    lifted = month(model, "2017-01")
    assert (model.history["sanctions"][lifted:, :, j, r] == 0).all()
    assert (base.history["sanctions"][lifted:, :, j, r] > 0).all()
    assert np.array_equal(model.history["sanctions"][:lifted], base.history["sanctions"][:lifted])
    assert (lifted, j, r, "085", 7.0) in [(t, *e) for t, events in enumerate(model.world.injected.log) for e in events]


def test_rapprochement_lowers_us_pressure_and_sanctions_from_2017():
    base, world = build_world(config(), 1), build_world(config("scenario=us_russia_rapprochement_2017"), 1)
    u, r = world.index("USA"), world.index("RUS")
    feb, mar = world.calendar.index("2017-02"), world.calendar.index("2017-03")
    assert np.array_equal(world.pressure[:feb], base.pressure[:feb])
    assert (world.pressure[feb:, :, u] < base.pressure[feb:, :, u]).all()
    assert np.array_equal(world.sanctions_scheduled[:mar], base.sanctions_scheduled[:mar])
    assert (world.sanctions_scheduled[mar:, :, u, r] < base.sanctions_scheduled[mar:, :, u, r]).all()
    caatsa = world.calendar.index("2017-08")
    assert {e[2] for e in base.injected.log[caatsa] if e[:2] == (u, r)} == {"163", "1312"}
    assert not [e for e in world.injected.log[caatsa] if e[:2] == (u, r)]
    # Japan's alignment rule follows the US level down
    j = world.index("JPN")
    model, replay = run("us_russia_rapprochement_2017"), run(REPLAY)
    assert (model.history["sanctions"][-1, :, j, r] < replay.history["sanctions"][-1, :, j, r]).all()


def test_china_surge_raises_chinese_investment_in_russia_once_sanctions_bite():
    model, base = run("china_far_east_investment"), run(REPLAY)
    c, r = model.world.index("CHN"), model.world.index("RUS")
    flow, before = model.history["investment_flow"][:, :, c, r], base.history["investment_flow"][:, :, c, r]
    start = month(model, "2014-03")
    assert np.array_equal(flow[:start], before[:start])
    assert (flow[month(model, "2015-01") :] > 2 * before[month(model, "2015-01") :]).all()


def test_north_korea_crisis_raises_the_threat_in_2017():
    base, world = build_world(config(), 1), build_world(config("scenario=north_korea_crisis_2017"), 1)
    april = world.calendar.index("2017-04")
    assert np.array_equal(world.threat[:april], base.threat[:april])
    assert np.allclose(world.threat[april:] - base.threat[april:], 2.0)


def test_projection_runs_to_2025_with_inputs_held():
    cfg = config("scenario=projection_2018_2025")
    world = build_world(cfg, 1)
    assert world.calendar.label(world.n_steps - 1) == "2025-12" and world.n_steps == 168
    end17 = world.calendar.index("2017-12")
    for name in ("pressure", "stress", "sanctions_scheduled", "affinity", "alignment_reference"):
        series = getattr(world, name)
        assert (series[end17:] == series[end17]).all(), name
    assert np.isclose(world.threat[-1], 0.8, atol=1e-6).all() and (world.threat[end17 + 1 :] >= 0.8).all()
    per_year = {label[:4] for t, label in enumerate(world.calendar.labels()) if world.summits[t].any()}
    assert {str(y) for y in range(2018, 2026)} <= per_year
    assert not any(world.injected.log[end17 + 1 :])
    model = RelationsModel(cfg, replicates=2, record=("nci", "sanctions"), record_events=False, rng=cfg["seed"]).run()
    assert model.history["nci"].shape[0] == 168 and np.isfinite(model.history["nci"]).all()
    assert model.t == 168


def test_lifted_schedule_stops_a_senders_sanctions_and_its_sanction_events():
    base = build_world(config(), 1)
    world = build_world(config("+scenario.sanctions.USA.RUS.lifted=2016-06"), 1)
    u, r, t = world.index("USA"), world.index("RUS"), world.calendar.index("2016-06")
    assert np.array_equal(world.sanctions_scheduled[:t], base.sanctions_scheduled[:t])
    assert (world.sanctions_scheduled[t:, :, u, r] == 0).all()
    # Japan's alignment follows the US level: the sanctions of scheduled senders it references fall too
    assert (world.alignment_reference[t:, :, world.index("JPN"), r] == 0).all()
    late = [e for events in world.injected.log[t:] for e in events if e[:2] == (u, r)]
    assert late and not {e[2] for e in late} & {"163", "172", "1312"}
    assert [e for events in world.injected.log[:t] for e in events if e[:2] == (u, r) and e[2] == "163"]


def test_threat_background_adds_to_the_shocks():
    base = build_world(config(), 1)
    world = build_world(config("scenario.threat.background=[{date:'2015-01',level:0.5}]"), 1)
    t = world.calendar.index("2015-01")
    assert np.array_equal(world.threat[:t], base.threat[:t])
    assert np.allclose(world.threat[t:] - base.threat[t:], 0.5)


def test_event_matching():
    event = {"date": "2017-08-02", "source": "USA", "target": "RUS", "cameo": "163"}
    assert matches({"date": "2017-08"}, event) and matches({"date": "2017-08-02", "cameo": "163"}, event)
    assert not matches({"date": "2017-08-03"}, event) and not matches({"source": "RUS"}, event)
    assert matches({"date": "2014-04"}, {**event, "date": "2014-04"})


BAD = [
    (
        "scenario.removed_events=[{date:'2017-08',source:CHN,target:RUS}]",
        "scenario.removed_events[0]",
        "matches no event",
    ),
    ("scenario.removed_events=[{note:'everything'}]", "scenario.removed_events[0]", "name the events"),
    ("scenario.removed_events=[{date:'August'}]", "scenario.removed_events[0].date", "YYYY-MM"),
    (
        "scenario.added_events=[{date:'2017-03',source:USA,target:XXX,cameo:'085'}]",
        "scenario.added_events[0].target",
        "unknown country code",
    ),
    (
        "scenario.added_events=[{date:'2019-03',source:USA,target:RUS,cameo:'085'}]",
        "scenario.added_events[0].date",
        "inside the horizon",
    ),
    ("+scenario.sanctions.JPN.RUS.lifted=2019-01", "scenario.sanctions.JPN.RUS.lifted", "inside the horizon"),
    ("scenario.threat.background=[{date:'2015-01',level:-1}]", "scenario.threat.background[0].level", ">= 0"),
]


@pytest.mark.parametrize(("override", "path", "reason"), first_fast(BAD))
def test_bad_scenario_building_blocks_are_one_line_errors(override, path, reason):
    with pytest.raises(ConfigError) as err:
        validate(to_container(compose_config([override])))
    assert err.value.path == path and reason in err.value.allowed
    assert "\n" not in str(err.value)
