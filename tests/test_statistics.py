"""Sweep statistics are declared once (``sim.sweep.statistics``): the spec validates against the registry, each
statistic computes what its documentation line says on a small hand-made model, and one new entry is all a new
statistic needs to be accepted and computed."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from sim.calendar import Calendar
from sim.config import ConfigError
from sim.sweep import spec as sweep_spec
from sim.sweep.outcomes import measure
from sim.sweep.spec import Outcome, Sweep
from sim.sweep.statistics import FIELDS, STATISTICS, Statistic

CALENDAR = Calendar.from_strings("2017-01", "2017-04")  # 4 months
COUNTRIES = ["JPN", "RUS", "USA"]
CFG = {"scenario": {"countries": COUNTRIES, "channels": {"JPN_RUS": {}, "USA_RUS": {}}}}


def _model() -> SimpleNamespace:
    """Two runs, 4 months: J→R NCI is 1, 2, 3, 6 in run 0 and 0, 0, 4, 8 in run 1; the 2+2 happened on channel
    JPN_RUS at step 2 (2017-03) in run 0 and never in run 1 (it happened at step 0 on USA_RUS in run 1)."""
    nci = np.zeros((4, 2, 3, 3))
    nci[:, 0, 0, 1] = [1.0, 2.0, 3.0, 6.0]
    nci[:, 1, 0, 1] = [0.0, 0.0, 4.0, 8.0]
    nci[:, :, 1, 0] = 100.0  # R→J: must not leak into J→R outcomes
    steps = {"two_plus_two": np.array([[2, -1], [-1, 0]]), "joint_activity": np.full((2, 2), -1)}
    world = SimpleNamespace(calendar=CALENDAR, index=COUNTRIES.index, channel_names=["JPN_RUS", "USA_RUS"])
    return SimpleNamespace(world=world, history={"nci": nci}, milestone_steps=lambda: steps)


def _outcome(name: str, **spec) -> Outcome:
    return sweep_spec._outcome(name, spec, CFG, CALENDAR)


J_R = {"variable": "nci", "dyad": "JPN->RUS"}
# stat -> [(outcome keys, each run's value worked out by hand from _model's docstring)]
CASES = {
    "mean": [
        (J_R, [(1 + 2 + 3 + 6) / 4, (0 + 0 + 4 + 8) / 4]),
        ({**J_R, "from": "2017-02", "to": "2017-03"}, [(2 + 3) / 2, (0 + 4) / 2]),
        ({**J_R, "from": "2017-04"}, [6.0, 8.0]),
    ],
    "final": [(J_R, [6.0, 8.0]), ({**J_R, "date": "2017-02"}, [2.0, 0.0])],
    "month": [({"milestone": "two_plus_two", "channel": "JPN_RUS"}, [2017 + 2 / 12, np.nan])],
    "by": [
        ({"milestone": "two_plus_two", "channel": "JPN_RUS", "date": "2017-03"}, [1.0, 0.0]),
        ({"milestone": "two_plus_two", "channel": "JPN_RUS", "date": "2017-02"}, [0.0, 0.0]),
        ({"milestone": "two_plus_two", "channel": "USA_RUS", "date": "2017-01"}, [0.0, 1.0]),
    ],
}


def test_every_statistic_has_a_hand_made_case():
    assert set(CASES) | {"pattern"} == set(STATISTICS)  # pattern: its own test below


@pytest.mark.parametrize(
    ("stat", "keys", "expected"), [(s, k, e) for s, cases in CASES.items() for k, e in cases], ids=str
)
def test_a_statistic_computes_its_hand_worked_value(stat, keys, expected):
    outcome = _outcome("x", stat=stat, **keys)
    got = STATISTICS[stat].compute(_model(), outcome, {})
    assert got.shape == (2,)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


def test_pattern_reads_the_flags_of_sim_patterns_once_per_model():
    """The per-run tests are ``sim.patterns``' own (tested in test_validation); here: the right pattern's flags,
    as 0/1, computed once for all the pattern outcomes of a model."""
    shared = {"pattern_flags": {"3": np.array([True, False, True]), "joint": np.array([False, False, True])}}
    compute = STATISTICS["pattern"].compute
    assert list(compute(None, _outcome("p3", stat="pattern", pattern=3), shared)) == [1.0, 0.0, 1.0]
    assert list(compute(None, _outcome("pj", stat="pattern", pattern="joint"), shared)) == [0.0, 0.0, 1.0]


def test_an_unknown_stat_is_refused_naming_the_key_and_the_allowed_ones():
    with pytest.raises(ConfigError) as error:
        _outcome("x", stat="median", **J_R)
    assert str(error.value) == "sweep.outcomes.x.stat = 'median': allowed: mean, final, month, by, pattern"


@pytest.mark.parametrize(
    ("keys", "message"),
    [
        (
            {"stat": "month", "milestone": "treaty", "channel": "JPN_RUS", "date": "2017-02"},
            "sweep.outcomes.x.date = '2017-02': unknown key for stat month; allowed: milestone, channel",
        ),
        (
            {"stat": "by", "milestone": "treaty", "channel": "JPN_RUS"},
            "sweep.outcomes.x.date = None: stat by requires date: a month, YYYY-MM",
        ),
        (
            {"stat": "mean", **J_R, "from": "2017-03", "to": "2017-02"},
            "sweep.outcomes.x.from = '2017-03': must not be after 'to' (2017-02)",
        ),
        (
            {"stat": "by", "milestone": "treaty", "channel": "CHN_RUS", "date": "2017-02"},
            "sweep.outcomes.x.channel = 'CHN_RUS': allowed: JPN_RUS, USA_RUS",
        ),
    ],
)
def test_keys_are_checked_against_the_statistics_declaration(keys, message):
    with pytest.raises(ConfigError) as error:
        _outcome("x", **keys)
    assert str(error.value) == message


def test_every_declared_key_has_a_check():
    assert set(sweep_spec._FIELD_CHECKS) == set(FIELDS)
    for s in STATISTICS.values():
        assert set(s.keys) <= set(FIELDS), s.name


def test_a_new_statistic_is_one_entry(monkeypatch):
    """Declared in the registry only, a statistic is accepted by the spec and computed by the sweep."""

    def spread(model, outcome, shared):
        series = model.history[outcome.variable][:, :, 0, 1]
        return series.max(axis=0) - series.min(axis=0)

    new = Statistic("spread", spread, ("variable", "dyad"), (), "max - min", "the variable's", lambda o: "spread")
    monkeypatch.setitem(STATISTICS, "spread", new)
    outcome = _outcome("s", stat="spread", **J_R)
    sweep = Sweep("t", "", "grid", 1, 2, 1, (), (outcome, _outcome("f", stat="final", **J_R)))
    values = measure(_model(), sweep)
    assert list(values) == ["s", "f"]
    assert list(values["s"]) == [6.0 - 1.0, 8.0 - 0.0]
    assert sweep.recorded_variables() == ("nci",)
