"""The observation model's salience power ω (issue 9 §2-3): the weight |g|^ω and its draw, the record it makes,
its choice on the in-sample quarters of tuning seeds (``experiments/fit_observation.py``), and bad input."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.config import ConfigError, compose_config, to_container, validate
from sim.mechanisms.events import salience_key
from sim.model import RelationsModel
from sim.numerics import elementary
from sim.signals import MonthSignals, salience_weight
from sim.validation.observation import choose, profile
from sim.validation.protocol import check_observation_seeds, read_protocol
from sim.validation.task import observed_quarters
from tests.conftest import run_script


def protocol_cfg(*overrides: str) -> dict:
    return validate(to_container(compose_config(list(overrides), config_name="validate")))


# ---- the weight and the draw -----------------------------------------------------------------------------


@given(st.floats(-10, 10, allow_nan=False), st.floats(1e-300, 1.0, exclude_max=True))
def test_at_power_one_the_key_is_the_proportional_one_bit_for_bit(g, u):
    """ω = 1 is the observation model of before: log(u)/|g| exactly, with the model's own ``log``
    (``sim.numerics.elementary``: the same doubles on every machine)."""
    try:
        expected = elementary.log(u) / abs(g) if g != 0 else -math.inf
    except OverflowError:  # a subnormal |g|: the compiled division gives -inf
        expected = -math.inf
    assert salience_key(g, u, 1.0) == expected


def test_weights_by_hand():
    assert salience_weight(-3.0, 2.0) == pytest.approx(9.0, rel=1e-15)
    assert salience_weight(2.0, 0.0) == 1.0 and salience_weight(0.0, 0.0) == 1.0  # ω = 0: every event alike
    assert salience_weight(0.0, 8.0) == 0.0 and salience_key(0.0, 0.5, 8.0) == -np.inf  # never preferred
    assert salience_weight(10.0, 32.0) == 1e32  # the largest allowed power stays finite


@pytest.mark.parametrize(("power", "expected"), [(0.0, 0.5), (1.0, 2 / 3), (2.0, 0.8), (8.0, 256 / 257)])
def test_one_draw_picks_each_event_with_probability_its_weight_share(power, expected):
    """Efraimidis-Spirakis: of two events (g = 2 and g = −4) the larger key is g = −4 with probability
    w(4)/(w(2) + w(4)) = 4^ω/(2^ω + 4^ω)."""
    u = np.random.default_rng(7).uniform(size=(2, 40_000))
    keys = np.array([[salience_key(g, x, power) for x in row] for g, row in zip((2.0, -4.0), u, strict=True)])
    share = np.mean(keys[1] > keys[0])
    sd = np.sqrt(expected * (1 - expected) / u.shape[1])
    assert abs(share - expected) < 4 * sd + 1e-9, (share, expected)


def test_scheduled_events_use_the_same_weight():
    """An emitted or injected event's key in ``MonthSignals.keep`` is log(u)/|g|^ω, as a routine event's."""
    streams = RelationsModel(replicates=3, rng=1).streams
    signals = MonthSignals.empty(3, 4, salient=2, streams=streams, step=5, salience_power=3.0)
    signals.keep(0, 1, -2.0, np.ones(3, bool))
    u = np.clip(signals.draws[:, 0, 1, 0], 1e-300, None)
    assert np.array_equal(signals.salient_key[:, 0, 1, 0], elementary.log_array(u) / salience_weight(-2.0, 3.0))
    assert salience_weight(-2.0, 3.0) == pytest.approx(8.0, rel=1e-15)


# ---- the record ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def records(base_cfg):
    """The same 24 runs recorded at ω = 0, 1 and 8."""
    out = {}
    for power in (0.0, 1.0, 8.0):
        model = RelationsModel(
            copy.deepcopy(base_cfg),
            runs=np.arange(24),
            record_events=False,
            record=("nci", "trust"),
            record_salient=4,
            salience_power=power,
            rng=base_cfg["seed"],
        ).run()
        out[power] = model
    return out


def test_the_power_changes_the_record_not_the_dynamics(records):
    for power in (0.0, 8.0):
        for name in ("nci", "trust"):
            assert np.array_equal(records[power].history[name], records[1.0].history[name]), (power, name)
    assert not np.array_equal(records[8.0].salient, records[1.0].salient, equal_nan=True)


def test_a_larger_power_records_more_intense_events(records):
    """The theory of the weight: the mean |g| of the kept events rises with ω."""
    mean_size = {p: np.nanmean(np.abs(m.salient[..., 0])) for p, m in records.items()}
    assert mean_size[0.0] + 0.3 < mean_size[1.0] < mean_size[8.0] - 0.3, mean_size


@pytest.mark.parametrize("power", [-1.0, 33.0, float("nan")])
def test_the_model_refuses_a_bad_power(power):
    with pytest.raises(ConfigError, match="salience_power"):
        RelationsModel(record_salient=2, salience_power=power)


# ---- the choice ------------------------------------------------------------------------------------------


def test_choose_takes_the_largest_skill_and_the_smaller_power_on_a_tie():
    table = pd.DataFrame({"salience_power": [0.0, 1.0, 4.0, 8.0], "skill": [0.1, 0.3, 0.45, 0.2]})
    assert choose(table) == 4.0
    table = pd.DataFrame({"salience_power": [1.0, 2.0, 4.0], "skill": [0.2, 0.4, 0.4]})
    assert choose(table) == 2.0


def test_the_profile_reads_no_quarter_after_the_split(base_cfg):
    """Changing every observation after the split leaves the profile unchanged; changing one before changes it."""
    cfg = {**copy.deepcopy(base_cfg), "validation": protocol_cfg()["validation"]}
    cfg["validation"]["observation"] = {"seeds": [1], "runs": 6, "powers": [1.0, 8.0]}
    protocol = read_protocol(cfg)
    observed = observed_quarters()
    base = profile(cfg, protocol, observed)
    later = observed.assign(
        observed=np.where(observed["period"] > "2015Q4", observed["observed"] + 5.0, observed["observed"])
    )
    assert base.equals(profile(cfg, protocol, later))
    k = int(np.flatnonzero((observed["period"] <= "2015Q4") & (observed["source"] == "JPN"))[0])
    earlier = observed.copy()
    earlier.loc[k, "observed"] += 5.0
    assert not base.equals(profile(cfg, protocol, earlier))


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("validation.salience_power=40", "validation.salience_power"),
        ("validation.observation.seeds=[20180101]", r"validation\.observation\.seeds\[0\]"),
        ("validation.observation.seeds=[99]", r"validation\.observation\.seeds\[0\]"),
        ("validation.observation.powers=[1,1]", r"validation\.observation\.powers\[1\]"),
        ("validation.observation.powers=[]", r"validation\.observation\.powers"),
        ("validation.observation.runs=1", r"validation\.observation\.runs"),
    ],
)
def test_bad_observation_entries_name_their_key(override, key):
    with pytest.raises(ConfigError, match=key):
        read_protocol(protocol_cfg(override))


def test_the_script_refuses_a_seed_that_is_not_a_tuning_seed_in_one_line(tmp_path, script_refuses):
    out = tmp_path / "observation"
    err = script_refuses("fit_observation.py", f"hydra.run.dir={out}", "validation.observation.seeds=[20180102]")
    assert "validation.observation.seeds[0]" in err and "20180102" in err
    assert not out.exists()


def test_omega_is_never_chosen_on_a_validation_seed_but_an_in_sample_validation_may_share_one(tmp_path, script_refuses):
    """With ``allow_tuning_seeds`` a tuning seed can be a validation seed: validate.py then runs (in-sample), while
    fit_observation.py refuses to choose ω on a seed the validation scores."""
    in_sample = ("validation.seeds=[1]", "validation.allow_tuning_seeds=true")
    assert read_protocol(protocol_cfg(*in_sample)).in_sample
    out = tmp_path / "observation"
    err = script_refuses("fit_observation.py", f"hydra.run.dir={out}", *in_sample)
    assert "validation.observation.seeds[0] = 1" in err and "not a validation seed [1]" in err
    assert not out.exists()


def test_a_config_saved_before_omega_existed_reads_as_the_observation_model_of_then():
    """A folder's saved config without ``salience_power`` or ``observation`` (made before they existed) validates
    with ω = 1, and fit_observation.py refuses it (there is nothing to choose ω on)."""
    cfg = protocol_cfg()
    del cfg["validation"]["salience_power"], cfg["validation"]["observation"]
    old = validate(cfg)
    protocol = read_protocol(old)
    assert protocol.salience_power == 1.0 and protocol.observation.seeds == ()
    with pytest.raises(ConfigError, match=r"validation\.observation"):
        check_observation_seeds(protocol)


# ---- end to end ------------------------------------------------------------------------------------------


@pytest.mark.slow
def test_fit_observation_script_prints_the_profile_and_writes_the_folder(tmp_path):
    out = tmp_path / "observation"
    done = run_script(
        "fit_observation.py",
        f"hydra.run.dir={out}",
        "validation.observation.runs=6",
        "validation.observation.seeds=[1,2]",
        "validation.observation.powers=[0,1,8]",
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "in-sample quarters (up to 2015-12) of tuning seeds 1, 2, 6 runs each" in done.stdout
    table = pd.read_csv(out / "salience_profile.csv")
    assert list(table["salience_power"]) == [0.0, 1.0, 8.0]
    assert list(table.columns[-2:]) == ["skill_seed_1", "skill_seed_2"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["chosen_salience_power"] == choose(table)
    assert f"chosen: ω = {summary['chosen_salience_power']:g}" in done.stdout
    assert (out / "figures" / "salience_profile.png").exists()
    assert json.loads((out / "manifest.json").read_text())["task"] == "observation"


@pytest.mark.slow
def test_the_shipped_power_is_the_in_sample_choice_on_the_declared_tuning_seeds(base_cfg):
    """conf/validation/protocol.yaml's ω is what its own declared profile chooses (3 tuning seeds x 200 runs)."""
    cfg = {**copy.deepcopy(base_cfg), "validation": protocol_cfg()["validation"]}
    protocol = read_protocol(cfg)
    assert choose(profile(cfg, protocol, observed_quarters())) == protocol.salience_power == 8.0
