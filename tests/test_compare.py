"""Paired comparisons (sim/compare, experiments/compare.py): common random numbers, zero effects when
nothing changes, the tables, the intervals, one-line errors, and every conf/experiment/*.yaml run through
the real script as a multirun."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.compare.arms import arm_configs, differences, run_arms
from sim.compare.intervals import paired_difference, wilson
from sim.compare.tables import milestone_effects, window_effects
from sim.compare.task import FIGURES, RESULTS, run_comparison
from sim.config import ConfigError, compose_config, to_container, validate
from sim.io import OutputExistsError, sha256
from sim.model import RelationsModel
from tests.conftest import ROOT, composed, first_fast, run_script

EXPERIMENTS = sorted(p.stem for p in (ROOT / "conf" / "experiment").glob("*.yaml"))


def experiment(*overrides: str) -> dict:
    return composed(*overrides, config_name="compare")


def test_the_baseline_arm_is_the_plain_replay_run_with_the_same_seed():
    """Common random numbers: each arm equals, bit for bit, the run ``run.py`` makes of its scenario."""
    cfg = experiment("experiment=japan_never_sanctions", "replicates=3", "seed=5", "first_run=7")
    pair = run_arms(arm_configs(cfg), ["nci", "trust", "sanctions"])
    for arm, scenario in (("baseline", "replay_2012_2017"), ("scenario", "japan_never_sanctions")):
        plain = validate(to_container(compose_config([f"scenario={scenario}", "seed=5"])))
        model = RelationsModel(plain, runs=np.arange(7, 10), record_events=False, rng=plain["seed"]).run()
        ensemble = pair.arm(arm)
        assert list(ensemble.runs) == [7, 8, 9]
        for variable in ("nci", "trust", "sanctions"):
            assert ensemble.series[variable].tobytes() == model.history[variable].tobytes(), (arm, variable)
        for kind, steps in ensemble.milestones.items():
            assert np.array_equal(steps, model.milestone_steps()[kind])


def test_a_scenario_that_changes_nothing_has_zero_effect():
    cfg = experiment("experiment=japan_never_sanctions", "scenario=replay_2012_2017", "replicates=4")
    arms = arm_configs(cfg)
    assert differences(arms["baseline"]["scenario"], arms["scenario"]["scenario"]) == []
    pair = run_arms(arms, cfg["compare"]["variables"])
    for variable in cfg["compare"]["variables"]:
        assert not pair.difference(variable).any()
    windows = window_effects(pair, cfg["compare"]["windows"], cfg["compare"]["variables"])
    effect = [c for c in windows.columns if c.startswith("difference_") or c.startswith("share_")]
    assert (windows[effect] == 0).all().all()
    assert (windows["baseline_median"] == windows["scenario_median"]).all()
    milestones = milestone_effects(pair, cfg["compare"]["milestone_dates"])
    assert (milestones["change"] == 0).all() and (milestones[["runs_gained", "runs_lost"]] == 0).all().all()
    assert (milestones["change_low"] < 0).all() and (milestones["change_high"] > 0).all()


def test_effects_follow_the_scenarios_changes():
    """Japan never sanctions: its level on Russia is 0 and the paired difference is minus the replay's."""
    cfg = experiment("experiment=japan_never_sanctions", "replicates=4")
    pair = run_arms(arm_configs(cfg), ["sanctions", "nci"])
    j, r = 0, 1
    assert (pair.scenario.series["sanctions"][:, :, j, r] == 0).all()
    assert np.array_equal(pair.difference("sanctions")[:, :, j, r], -pair.baseline.series["sanctions"][:, :, j, r])
    windows = window_effects(pair, {"year_2017": ["2017-01", "2017-12"]}, ["sanctions"])
    row = windows[(windows.source == "JPN") & (windows.target == "RUS")].iloc[0]
    assert row.difference_q95 < 0 and row.share_lower == 1.0 and row.scenario_median == 0


def test_window_effects_are_per_run_paired_differences():
    cfg = experiment("experiment=north_korea_crisis_2017", "replicates=5")
    pair = run_arms(arm_configs(cfg), ["nci"])
    table = window_effects(pair, {"crisis": ["2017-04", "2017-12"]}, ["nci"])
    assert len(table) == 12  # every directed dyad
    diff = pair.scenario.window_mean("nci", "2017-04", "2017-12") - pair.baseline.window_mean(
        "nci", "2017-04", "2017-12"
    )
    row = table[(table.source == "JPN") & (table.target == "RUS")].iloc[0]
    assert row.difference_median == pytest.approx(np.median(diff[:, 0, 1]), abs=1e-6)
    assert row.difference_se == pytest.approx(diff[:, 0, 1].std(ddof=1) / np.sqrt(5), abs=1e-6)
    assert row.difference_q05 <= row.difference_median <= row.difference_q95


def test_wilson_interval():
    low, high = wilson(0, 10)
    assert low == 0.0 and high == pytest.approx(1.6449**2 / (10 + 1.6449**2), rel=1e-4)
    low, high = wilson(5, 10)
    assert low == pytest.approx(1 - high) and 0.2 < low < 0.5
    assert wilson(10, 10)[1] == 1.0


def test_paired_difference_interval():
    rng = np.random.default_rng(0)
    base = rng.random(200) < 0.3
    same = paired_difference(base, base)
    assert same[0] == 0 and same[1] < 0 < same[2]
    gained = base | (rng.random(200) < 0.2)  # the scenario only adds the milestone to some runs
    change, low, high = paired_difference(gained, base)
    assert change == pytest.approx(gained.mean() - base.mean()) and 0 < low < change < high < 1
    # pairing: the same marginal shares measured on independent runs give a wider interval
    shuffled = rng.permutation(gained)
    _, low_ind, high_ind = paired_difference(shuffled, base)
    assert high - low < high_ind - low_ind
    assert paired_difference(np.ones(50, bool), np.zeros(50, bool))[1:] <= (1.0, 1.0)


def test_differences_lists_changed_paths():
    a = {"name": "a", "end": "2017-12", "steps": [{"level": 1}, {"level": 2}], "x": {"y": 1, "z": [1, 2]}}
    b = {"name": "b", "end": "2025-12", "steps": [{"level": 1}, {"level": 3}], "x": {"y": 1, "z": [1]}, "w": 0}
    assert differences(a, b) == ["end", "steps[1].level", "x.z", "w"]


BAD = [
    ([], "compare", "choose an experiment"),
    (["experiment=japan_never_sanctions", "scenario=projection_2018_2025"], "compare.baseline.end", "same"),
    (
        ["experiment=japan_never_sanctions", "compare.baseline.sanctions.USA.RUS.steps.0.level=1.5"],
        "compare.baseline.sanctions.USA.RUS.steps[0].level",
        "[0, 1]",
    ),
    (["experiment=japan_never_sanctions", "compare.dyads=['JPN->XXX']"], "compare.dyads[0]", "SOURCE->TARGET"),
    (
        ["experiment=japan_never_sanctions", "compare.windows.year_2017=[2017-01,2019-01]"],
        "compare.windows.year_2017[1]",
        "inside the simulated months",
    ),
    (["experiment=japan_never_sanctions", "stop=2016-12"], "compare.windows.thaw_2016Q3_2017Q4[1]", "2012-01..2016-12"),
    (["experiment=japan_never_sanctions", "compare.variables=[nci,happiness]"], "compare.variables[1]", "allowed"),
    (["experiment=japan_never_sanctions", "compare.milestone_dates=[2030-01]"], "compare.milestone_dates[0]", "inside"),
]


@pytest.mark.parametrize(("overrides", "path", "reason"), first_fast(BAD))
def test_bad_comparisons_are_one_line_errors(overrides, path, reason):
    with pytest.raises(ConfigError) as err:
        arm_configs(experiment(*overrides))
    assert err.value.path == path and reason in err.value.allowed, str(err.value)


@pytest.mark.slow
def test_comparison_folder_is_complete_deterministic_and_never_overwritten(tmp_path):
    cfg = experiment("experiment=japan_breaks_sanctions_2017", "replicates=3", "compare.variables=[nci]")
    hashes = []
    for k in range(2):
        out = tmp_path / str(k)
        summary = run_comparison(copy.deepcopy(cfg), out, overrides=["replicates=3"])
        manifest = json.loads((out / "manifest.json").read_text())
        assert set(manifest["files"]) >= {
            "timeseries.parquet",
            "window_effects.csv",
            "milestone_effects.csv",
            "monthly_bands.csv",
            "summary.json",
            "figures/compare_nci.png",
            "figures/compare_nci.svg",
            "figures/milestones.svg",
        }
        for name, digest in manifest["files"].items():
            assert sha256(out / name) == digest
        assert not list(out.rglob(".*.tmp*")), "temporary files left behind"
        hashes.append(manifest["files"])
    assert hashes[0] == hashes[1]
    assert summary["differences"] == ["sanctions.JPN.RUS.lifted", "added_events"]
    assert manifest["compare"]["baseline"]["scenario"] == "replay_2012_2017"
    before = (tmp_path / "0" / "manifest.json").read_bytes()
    with pytest.raises(OutputExistsError):
        run_comparison(copy.deepcopy(cfg), tmp_path / "0")
    assert (tmp_path / "0" / "manifest.json").read_bytes() == before


@pytest.mark.slow
def test_every_experiment_runs_as_a_multirun(tmp_path):
    """``compare.py -m experiment=<every conf/experiment/*.yaml>`` at small sizes. Figures off: drawing them is
    most of a comparison's time, and they are tested on the shared comparison folder (test_report) and by the
    figure guards (test_figure_guards)."""
    proc = run_script(
        "compare.py",
        "-m",
        f"experiment={','.join(EXPERIMENTS)}",
        "replicates=4",
        "report.figures=false",
        f"paths.output={tmp_path}",
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    folders = {json.loads(p.read_text())["compare"]["experiment"]: p.parent for p in tmp_path.rglob("manifest.json")}
    assert sorted(folders) == EXPERIMENTS
    for name, folder in folders.items():
        cfg = experiment(f"experiment={name}")
        for result in (file for file in RESULTS if file != FIGURES):
            assert (folder / result).exists(), (name, result)
        assert not (folder / "figures").exists()
        summary = json.loads((folder / "summary.json").read_text())
        assert summary["experiment"] == name and summary["runs"] == 4 and summary["differences"]
        assert summary["scenario"] == cfg["scenario"]["name"] != summary["baseline"]
        frame = pq.read_table(folder / "timeseries.parquet").to_pandas()
        assert list(frame.columns) == ["arm", "run", "date", "source", "target", "variable", "value"]
        assert set(frame["arm"]) == {"baseline", "scenario"} and set(frame["run"]) == set(range(4))
        assert pd.to_datetime(frame["date"]).max().strftime("%Y-%m") == cfg["scenario"]["end"]
        windows = pd.read_csv(folder / "window_effects.csv")
        assert set(windows["window"]) == set(cfg["compare"]["windows"])
        milestones = pd.read_csv(folder / "milestone_effects.csv")
        assert set(milestones["by"]) == set(cfg["compare"]["milestone_dates"])
        assert (milestones["change_low"] <= milestones["change"]).all()
        assert (milestones["change"] <= milestones["change_high"]).all()
    assert proc.stdout.count("output: ") == len(EXPERIMENTS)


@pytest.mark.parametrize(
    ("args", "named"),
    first_fast(
        [
            ([], "compare = None: choose an experiment"),
            (["experiment=no_such_experiment"], "experiment"),
            (["experiment=japan_never_sanctions", "scenario=projection_2018_2025"], "compare.baseline.end"),
        ]
    ),
)
def test_bad_command_lines_give_one_line_and_write_nothing(tmp_path, args, named, script_refuses):
    """The script's preflight, in-process."""
    assert named in script_refuses("compare.py", f"paths.output={tmp_path}", *args)
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_the_compare_script_without_an_experiment_gives_one_line(tmp_path):
    """The real command line: exit 2, one line on stderr, nothing written."""
    proc = run_script("compare.py", f"paths.output={tmp_path}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: compare = None: choose an experiment"), proc.stderr
    assert not any(tmp_path.iterdir())


def test_experiment_files_follow_the_conventions():
    for name in EXPERIMENTS:
        text = (ROOT / "conf" / "experiment" / f"{name}.yaml").read_text()
        assert text.startswith("# @package _global_\n"), name
        cfg = experiment(f"experiment={name}")
        assert cfg["compare"]["name"] == name and cfg["seed"] == 20161215 and cfg["mode"] == "endogenous"
        assert cfg["scenario"]["rationale"] and cfg["scenario"]["changes"]
        assert Path(ROOT / "conf" / "scenario" / f"{cfg['scenario']['name']}.yaml").is_file()
