"""Calibration (issue 4 §2): the declaration is checked, candidates are scored through the sweep engine,
and a calibration reruns from its config to byte-identical results."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from sim.calendar import Calendar
from sim.calibration.evaluate import Evaluator, target_sweep
from sim.calibration.spec import read_calibration
from sim.config import compose_config, to_container, validate
from sim.config.errors import ConfigError
from sim.config.load import PROJECT_ROOT
from tests.conftest import run_script

TINY = ["calibration.last=2014-12", "stop=2014-12", "report=basic", "report.milestone_dates=[2014-12]",
        "report.trust_matrix_dates=[]", "calibration.replicates=3", "calibration.chunk_size=4",
        "calibration.optimiser.popsize=1", "calibration.optimiser.maxiter=1"]
TWO = {"params.reciprocity": {"low": 0.2, "high": 0.8}, "params.trust_reversion": {"low": 0.02, "high": 0.15}}


def _cfg(*overrides: str) -> dict:
    return validate(to_container(compose_config(["calibration=replay_2013_2017", *overrides])))


def _spec(cfg: dict):
    return read_calibration(cfg, Calendar.from_strings(cfg["scenario"]["start"], cfg["stop"] or cfg["scenario"]["end"]),
                            PROJECT_ROOT)


def test_the_shipped_calibration_reads_the_observed_timeline():
    cfg = _cfg()
    spec = _spec(cfg)
    assert cfg["mode"] == "forced"
    assert len(spec.targets) > 40 and set(spec.targets["period"].str[4]) == {"Q"}
    assert spec.targets["weight"].between(0.5, 1.0).all()
    jr = spec.targets[(spec.targets["source"] == "JPN") & (spec.targets["target"] == "RUS")].set_index("period")
    assert jr.loc["2014Q2", "observed"] < 0 < jr.loc["2016Q3", "observed"]
    assert spec.candidates_per_generation == spec.optimiser["popsize"] * len(spec.parameters)


@pytest.mark.parametrize(("parameters", "key"), [
    ({"params.nope": {"low": 0, "high": 1}}, "calibration.parameters.params.nope"),
    ({"params.reciprocity": {"low": 0.8, "high": 0.2}}, "calibration.parameters.params.reciprocity.high"),
    ({"params.reciprocity": {"low": 0.2}}, "calibration.parameters.params.reciprocity"),
    ({"scenario.name": {"low": 0.2, "high": 0.3}}, "calibration.parameters.scenario.name"),
    ({}, "calibration.parameters"),
])
def test_bad_parameters_name_the_key(parameters, key):
    cfg = _cfg()
    cfg["calibration"]["parameters"] = parameters
    with pytest.raises(ConfigError) as err:
        _spec(cfg)
    assert str(err.value).startswith(f"{key} = ")


@pytest.mark.parametrize(("override", "key"), [
    ("calibration.frequency=W", "calibration.frequency"),
    ("calibration.last=2019-12", "calibration.last"),
    ("calibration.replicates=0", "calibration.replicates"),
    ("+calibration.optimiser.workers=3", "calibration.optimiser.workers"),
    ("calibration.optimiser.strategy=best9", "calibration.optimiser.strategy"),
    ("calibration.dyads=['JPN->JPN']", "calibration.dyads"),
    ("calibration.observed=nowhere.csv", "calibration.observed"),
])
def test_bad_declarations_name_the_key(override, key):
    with pytest.raises(ConfigError) as err:
        _spec(_cfg(override))
    assert str(err.value).startswith(f"{key} = ")


def test_a_malformed_observed_file_is_a_config_error_with_its_line(tmp_path):
    bad = tmp_path / "events.csv"
    bad.write_text("date,source,target,cameo_code\n2014-03-01,JPN,RUS,042\n2014-13-01,JPN,RUS,042\n")
    with pytest.raises(ConfigError, match=r"events.csv:3"):
        _spec(_cfg(f"calibration.observed={bad}"))


def test_score_is_zero_when_the_simulation_matches_and_weighted_otherwise():
    cfg = _cfg(*TINY)
    spec = _spec(cfg)
    ev = Evaluator(cfg, spec, Calendar.from_strings("2012-01", "2014-12"), workers=1)
    observed = spec.targets["observed"].to_numpy()
    assert ev.loss(observed[None, :])[0] == pytest.approx(0.0, abs=1e-20)
    # objective "anomaly": a dyad's level does not count, its deviations from its own mean do
    assert ev.loss(observed[None, :] + 2.0)[0] == pytest.approx(0.0, abs=1e-20)
    one = observed.copy()
    one[0] += 2.0
    assert ev.loss(one[None, :])[0] > 0.0
    cfg["calibration"]["objective"] = "level"
    level = Evaluator(cfg, _spec(cfg), Calendar.from_strings("2012-01", "2014-12"), workers=1)
    assert level.loss(observed[None, :] + 2.0)[0] == pytest.approx(4.0)
    sweep = target_sweep(spec)
    assert len(sweep.outcomes) == len(spec.targets) and sweep.common_random_numbers


def test_scores_do_not_depend_on_chunking_or_workers():
    cfg = _cfg(*TINY)
    cfg["calibration"]["parameters"] = TWO
    spec = _spec(cfg)
    calendar = Calendar.from_strings("2012-01", "2014-12")
    candidates = np.array([[0.3, 0.05], [0.6, 0.12], [0.5, 0.08]])
    with Evaluator(cfg, spec, calendar, workers=1) as one:
        a = one.score(candidates)
    wide = copy.copy(spec)
    object.__setattr__(wide, "chunk_size", 1)
    with Evaluator(cfg, wide, calendar, workers=2) as two:
        b = two.score(candidates)
    assert np.array_equal(a, b)
    with Evaluator(cfg, spec, calendar, workers=1) as again:  # a candidate alone scores the same (CRN)
        assert again.score(candidates[1:2])[0] == a[1]


@pytest.mark.slow
def test_calibration_reruns_from_its_config_to_the_same_result(tmp_path):
    runs = []
    for k, workers in enumerate((1, 2)):
        out = tmp_path / f"cal{k}"
        done = run_script("calibrate.py", f"hydra.run.dir={out}", f"workers={workers}", *TINY)
        assert done.returncode == 0, done.stderr[-2000:]
        assert "calibrated" in done.stdout
        runs.append(out)
    for name in ("calibrated.yaml", "candidates.parquet", "fit.csv", "calibration.json",
                 "figures/calibration_fit.png"):
        assert (runs[0] / name).read_bytes() == (runs[1] / name).read_bytes(), name
    provenance = json.loads((runs[0] / "calibration.json").read_text())
    assert provenance["optimiser"]["method"] == "scipy.optimize.differential_evolution"
    assert provenance["seed"] == 20161215 and provenance["data"]["sha256"]
    assert provenance["score"]["calibrated"] <= provenance["score"]["default"] + 1e-12 or \
        provenance["optimiser"]["generations"] <= 2
    text = (runs[0] / "calibrated.yaml").read_text()
    assert "defaults:\n  - default\n  - _self_" in text and "reciprocity: " in text


def test_calibrate_refuses_a_bad_declaration_in_one_line(tmp_path):
    out = tmp_path / "cal"
    done = run_script("calibrate.py", f"hydra.run.dir={out}", "calibration.optimiser.popsize=0")
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0
    assert "calibration.optimiser.popsize" in done.stderr and not out.exists()


def test_the_shipped_calibrated_params_match_their_provenance():
    provenance = json.loads((PROJECT_ROOT / "conf" / "params" / "calibrated.provenance.json").read_text())
    cfg = validate(to_container(compose_config(["params=calibrated"])))
    for entry in provenance["parameters"]:
        node = cfg
        for part in entry["path"].split("."):
            node = node[part]
        assert node == entry["calibrated"], entry["path"]
    assert provenance["score"]["calibrated"] < provenance["score"]["default"]
    assert provenance["score"]["held_out_calibrated"] < provenance["score"]["held_out_default"]
    assert Path(PROJECT_ROOT / provenance["data"]["file"]).exists()
