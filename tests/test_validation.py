"""Pattern-oriented validation (issue 4 §3): the patterns and comparative statics of MODEL-NOTES §6 hold
for the composed default configuration, asserted with the same code as ``experiments/validate.py``."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from sim.config.errors import ConfigError
from sim.model import RelationsModel
from sim.results import Ensemble, Quarters
from sim.validation.patterns import check_ensemble, dip_and_thaw, evaluate_patterns
from sim.validation.statics import STATICS, paired, thaw_year
from sim.validation.task import check_validation, validate_replay
from tests.conftest import run_script, short_overrides

RUNS = np.arange(200)


@pytest.fixture(scope="module")
def validation(base_cfg):
    return validate_replay(copy.deepcopy(base_cfg), RUNS)


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5", "6"])
def test_pattern_holds(validation, key):
    _, patterns, _ = validation
    result = next(p for p in patterns if p.key == key)
    assert result.holds, f"pattern {key}: holds in {result.fraction:.2f} of runs (needs {result.threshold}); " \
                         f"{result.measured}"


@pytest.mark.parametrize("key", [s.key for s in STATICS])
def test_comparative_static_holds_with_common_random_numbers(validation, key):
    _, _, statics = validation
    _, effects, asserted = next(row for row in statics if row[0].key == key)
    assert asserted
    for effect in effects:
        assert effect.holds, f"{key}: {effect.quantity} moved {effect.difference:+.4f}, predicted sign {effect.sign}"


def test_each_pattern_names_what_carries_it(validation):
    _, patterns, _ = validation
    for p in patterns:
        assert p.carried_by
    dip = patterns[0].carried_by
    assert dip.startswith("dip: Δtarget -") and "thaw: Δtarget +" in dip


def test_endogenous_mode_injects_only_forcings(base_cfg):
    """The patterns come from the mechanisms: in endogenous mode every injected event is a forcing."""
    model = RelationsModel(copy.deepcopy(base_cfg), replicates=1, rng=base_cfg["seed"]).run()
    cal, countries = model.world.calendar, model.world.countries
    injected = {(t, countries[s], countries[g], code)
                for t, s, g, code, _, kind in model.log.rows if kind == "injected"}
    by_role = {}
    for event in base_cfg["scenario"]["events"]:
        key = (cal.index(event["date"][:7]), event["source"], event["target"], event["cameo"])
        by_role.setdefault(key, set()).add(event["role"])
    assert injected, "the replay injects its forcings"
    assert all("forcing" in by_role[key] for key in injected)
    endogenous_only = {k for k, roles in by_role.items() if roles == {"endogenous"}}
    assert not injected & endogenous_only


def test_a_flat_japan_russia_series_fails_the_dip(validation):
    ens, _, _ = validation
    flat = Ensemble(ens.calendar, ens.countries, ens.runs, dict(ens.series), ens.channels, ens.milestones, [])
    nci = flat.series["nci"].copy()
    j, r = ens.countries.index("JPN"), ens.countries.index("RUS")
    nci[:, :, j, r] = 2.0
    flat.series["nci"] = nci
    result = dip_and_thaw(flat, Quarters(flat))
    assert result.fraction == 0.0 and not result.holds


def test_quarters_are_means_of_monthly_values(validation):
    ens, _, _ = validation
    q = Quarters(ens)
    k = q.labels.index("2014Q2")
    expected = ens.window_mean("nci", "2014-04", "2014-06")
    np.testing.assert_allclose(q.all("nci")[k], expected, atol=1e-12)
    assert q.labels[0] == "2012Q1" and q.labels[-1] == "2017Q4"


def test_thaw_year_is_later_when_recovery_is_delayed(validation):
    ens, _, _ = validation
    shifted = Ensemble(ens.calendar, ens.countries, ens.runs, dict(ens.series), ens.channels, ens.milestones, [])
    series = ens.series["intended_cooperation"].copy()
    start = ens.calendar.index("2015-01")
    series[start + 6:] = series[start:-6]  # the same path, six months later
    shifted.series["intended_cooperation"] = series
    assert np.mean(thaw_year(shifted)) > np.mean(thaw_year(ens))


def test_paired_difference_and_interval():
    effect = paired(np.array([1.0, 2.0, 3.0]), np.array([1.5, 2.5, 3.5]), "NCI_JR", +1)
    assert effect.difference == pytest.approx(0.5) and effect.low == pytest.approx(0.5) and effect.holds


def test_validation_needs_endogenous_mode_and_the_whole_horizon(base_cfg):
    cfg = copy.deepcopy(base_cfg)
    cfg["mode"] = "forced"
    with pytest.raises(ConfigError, match="mode"):
        check_validation(cfg)
    cfg = copy.deepcopy(base_cfg)
    cfg["stop"] = "2016-12"
    with pytest.raises(ConfigError, match="2017-12"):
        check_validation(cfg)


def test_patterns_refuse_an_ensemble_without_the_four_powers(validation):
    ens, _, _ = validation
    short = Ensemble(ens.calendar, ["JPN", "RUS", "USA", "KOR"], ens.runs, ens.series, ens.channels, ens.milestones, [])
    with pytest.raises(ValueError, match="CHN"):
        check_ensemble(short)
    with pytest.raises(ValueError, match="CHN"):
        evaluate_patterns(short)


@pytest.mark.slow
def test_validate_script_prints_the_table_and_writes_the_report(tmp_path):
    out = tmp_path / "validation"
    done = run_script("validate.py", f"hydra.run.dir={out}")
    assert done.returncode == 0, done.stderr[-2000:] + done.stdout[-2000:]
    assert "| pattern |" in done.stdout.replace("   ", " ") or "pattern" in done.stdout
    assert "PASS: every pattern and comparative static holds" in done.stdout
    table = pd.read_csv(out / "patterns.csv")
    assert list(table["pattern"]) == [1, 2, 3, 4, 5, 6] and set(table["result"]) == {"pass"}
    assert (out / "validation.md").read_text().count("| pass") >= 6
    attribution = pd.read_csv(out / "attribution.csv")
    for change, rows in attribution.groupby("change"):
        terms = rows[rows["term"] != "total"]
        assert terms["mean"].sum() == pytest.approx(rows.loc[rows["term"] == "total", "mean"].item(), abs=1e-3), change
    assert (out / "figures" / "observed_vs_simulated.png").exists()
    assert (out / "figures" / "attribution" / "attribution_JPN_RUS.png").exists()
    assert (out / "manifest.json").exists()


def test_validate_script_refuses_forced_mode_in_one_line(tmp_path):
    out = tmp_path / "validation"
    done = run_script("validate.py", f"hydra.run.dir={out}", "mode=forced")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "mode = 'forced'" in done.stderr
    assert not out.exists()


def test_validate_script_refuses_a_short_horizon(tmp_path):
    out = tmp_path / "validation"
    done = run_script("validate.py", f"hydra.run.dir={out}", *short_overrides())
    assert done.returncode == 2 and "2017-12" in done.stderr and not out.exists()
