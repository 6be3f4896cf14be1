"""Scenario discovery: the condition is parsed as data, PRIM recovers a known box, replicates are treated as
configured, bad input is refused in one line, and the task writes a new, reproducible folder."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.config.errors import ConfigError
from sim.discovery.cases import load_cases
from sim.discovery.condition import OPERATORS, parse_condition
from sim.discovery.search import choose_step, find_box, most_restricted
from sim.discovery.spec import check_discovery
from sim.discovery.task import check_cases, run_discovery
from sim.io import sha256
from tests.conftest import run_script
from tests.discovery_cases import TRUE_BOX, discovery_cfg, synthetic_sweep

OUTCOMES = ["nci_jr_thaw", "treaty_by_2025"]


# ---- the condition --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "outcome", "op", "value"),
    [
        ("treaty_by_2025 >= 0.5", "treaty_by_2025", ">=", 0.5),
        ("nci_jr_thaw<1", "nci_jr_thaw", "<", 1.0),
        ("  nci_jr_thaw <= -2.5e-1 ", "nci_jr_thaw", "<=", -0.25),
        ("treaty_by_2025 > 0", "treaty_by_2025", ">", 0.0),
    ],
)
def test_a_condition_is_an_outcome_an_operator_and_a_number(text, outcome, op, value):
    condition = parse_condition(text, OUTCOMES)
    assert (condition.outcome, condition.op, condition.value) == (outcome, op, value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("treaty_by_2025 = 0.5", "must read '<outcome> <op> <number>' with <op> one of >=, >, <=, <"),
        ("treaty_by_2025 >= __import__('os')", "is not a finite number"),
        ("treaty_by_2025 >= nan", "'nan' is not a finite number"),
        ("treaty_by_2025 >= 1 or 1", "must read"),
        ("treaty >= 0.5", "unknown outcome 'treaty'; the sweep recorded: nci_jr_thaw, treaty_by_2025"),
        (0.5, "must be a text"),
    ],
)
def test_a_bad_condition_is_one_line_naming_what_is_allowed(text, message):
    with pytest.raises(ConfigError) as err:
        parse_condition(text, OUTCOMES)
    assert str(err.value).startswith("condition = ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)


@given(
    st.lists(st.one_of(st.floats(-10, 10), st.just(math.nan)), min_size=1, max_size=30),
    st.sampled_from(sorted(OPERATORS)),
    st.floats(-10, 10),
)
def test_holds_is_the_comparison_and_nan_never_holds(values, op, threshold):
    condition = parse_condition(f"treaty_by_2025 {op} {threshold!r}", OUTCOMES)
    got = condition.holds(np.array(values))
    expected = [not math.isnan(v) and OPERATORS[op](v, threshold) for v in values]
    assert got.tolist() == expected


# ---- PRIM -----------------------------------------------------------------------------------------------


def test_prim_recovers_a_known_box(tmp_path):
    folder = synthetic_sweep(tmp_path / "sweep", points=2000, replicates=1)
    discovery = check_discovery(discovery_cfg(tmp_path, str(folder), "outcome >= 0.5"))
    x, _, holds = load_cases(discovery)
    box = find_box(x, holds, discovery)
    limits = box.limits.set_index("parameter")
    for name, (low, high) in TRUE_BOX.items():
        assert limits.loc[name, "restricted"]
        assert limits.loc[name, "low"] == pytest.approx(low, abs=0.03)
        assert limits.loc[name, "high"] == pytest.approx(high, abs=0.03)
        assert limits.loc[name, "qp_value"] < 1e-20
    assert not limits.loc["z", "restricted"]
    chosen = box.trajectory.loc[box.chosen]
    assert chosen["density"] >= 0.8
    assert chosen["coverage"] >= 0.95
    assert most_restricted(box.limits) == ["x", "y"]


def test_the_chosen_step_has_the_most_coverage_at_the_density_asked():
    trajectory = pd.DataFrame({"coverage": [1.0, 0.9, 0.7, 0.5], "density": [0.2, 0.6, 0.85, 0.95]})
    assert choose_step(trajectory, 0.8) == (2, "highest coverage with density >= 0.8")
    assert choose_step(trajectory, 0.96)[0] == 3  # none reaches it: the densest
    assert "no step reaches density 0.96" in choose_step(trajectory, 0.96)[1]


def test_points_average_replicates_before_the_threshold_runs_do_not(tmp_path):
    folder = synthetic_sweep(tmp_path / "sweep", points=200, replicates=2)
    by_points = check_discovery(discovery_cfg(tmp_path, str(folder), "noisy >= 0.5"))
    x, values, holds = load_cases(by_points)
    assert len(x) == 200
    assert set(np.unique(values)) == {0.0, 0.5}  # replicate 0 is 0, replicate 1 is the truth
    by_runs = check_discovery(discovery_cfg(tmp_path, str(folder), "noisy >= 0.5", cases="runs"))
    xr, _, holds_r = load_cases(by_runs)
    assert len(xr) == 400
    assert holds_r.sum() == holds.sum()  # in each inside point only replicate 1 holds
    np.testing.assert_array_equal(xr["x"].to_numpy()[1::2], x["x"].to_numpy())


# ---- bad input ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"cases": "replicates"}, "cases = 'replicates': one of points, runs"),
        ({"min_density": 0}, "min_density = 0: must be a number in (0, 1]"),
        ({"peel_alpha": 0.7}, "peel_alpha = 0.7: must be a number in (0, 0.5]"),
        ({"colour": "red"}, "colour = 'red': unknown key; allowed: cases, condition, folder"),
        ({"folder": "???"}, "folder = '???': give a finished sweep folder"),
        (
            {"folder": "nowhere"},
            "folder = 'nowhere': not a finished sweep folder (no design.parquet, outcomes.parquet, manifest.json",
        ),
    ],
)
def test_bad_discovery_settings_are_refused_naming_the_key(tmp_path, change, message):
    synthetic_sweep(tmp_path / "sweep", points=50)
    with pytest.raises(ConfigError) as err:
        check_discovery({**discovery_cfg(tmp_path, "sweep", "outcome >= 0.5"), **change})
    assert message in str(err.value)


def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path):
    folder = synthetic_sweep(tmp_path / "run", points=50)
    (folder / "manifest.json").write_text(json.dumps({"task": "run", "files": {}}))
    with pytest.raises(ConfigError, match="is a run folder, not a sweep folder"):
        check_discovery(discovery_cfg(tmp_path, "run", "outcome >= 0.5"))


def test_a_condition_that_holds_everywhere_or_nowhere_is_refused(tmp_path):
    synthetic_sweep(tmp_path / "sweep", points=50)
    for condition, hits in (("outcome > 1", 0), ("outcome >= 0", 50)):
        discovery = check_discovery(discovery_cfg(tmp_path, "sweep", condition))
        with pytest.raises(ConfigError, match=f"holds in {hits} of 50 cases"):
            check_cases(discovery, load_cases(discovery)[2])


# ---- the task -------------------------------------------------------------------------------------------


def test_the_task_writes_a_new_folder_the_same_bytes_twice_and_leaves_the_sweep_alone(tmp_path):
    sweep = synthetic_sweep(tmp_path / "sweep", points=400)
    before = {p.name: sha256(p) for p in sweep.iterdir()}
    cfg = discovery_cfg(tmp_path, "sweep", "outcome >= 0.5")
    first, second = tmp_path / "d1", tmp_path / "d2"
    summary = run_discovery(cfg, first, overrides=["folder=sweep", "condition='outcome >= 0.5'"])
    run_discovery(cfg, second, overrides=["folder=sweep", "condition='outcome >= 0.5'"])
    assert {p.name: sha256(p) for p in sweep.iterdir()} == before
    manifest = json.loads((first / "manifest.json").read_text())
    assert manifest["task"] == "discovery"
    assert sorted(manifest["files"]) == [
        "box.csv",
        "figures/box_scatter.png",
        "figures/box_scatter.svg",
        "figures/peeling_trajectory.png",
        "figures/peeling_trajectory.svg",
        "peeling_trajectory.csv",
        "report.html",
        "summary.json",
    ]
    assert manifest["discovery"]["inputs"]["outcomes.parquet"] == before["outcomes.parquet"]
    for name, digest in manifest["files"].items():
        assert sha256(first / name) == digest
        assert sha256(second / name) == digest
    assert set(summary["box"]["limits"]) == {"x", "y"}
    assert (
        "python experiments/discover.py folder=sweep &#x27;condition=outcome &gt;= 0.5&#x27;"
        in (first / "report.html").read_text()
    )
    box = pd.read_csv(first / "box.csv")
    assert list(box["parameter"]) == ["x", "y", "z"]
    trajectory = pd.read_csv(first / "peeling_trajectory.csv")
    assert trajectory.loc[0, "coverage"] == 1.0
    assert trajectory.loc[0, "mass"] == 1.0
    with pytest.raises(Exception, match="already holds results"):
        run_discovery(cfg, first)


# ---- end to end -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_discover_over_a_real_sweep_and_reproduce_it(tmp_path):
    sweep = tmp_path / "sweep"
    made = run_script(
        "sweep.py",
        "sweep=thaw_discovery",
        "sweep.points=24",
        "sweep.replicates=2",
        "workers=1",
        "report.figures=false",  # discovery reads the sweep's tables; its figures are tested elsewhere
        f"hydra.run.dir={sweep}",
    )
    assert (sweep / "manifest.json").is_file(), made.stderr[-2000:]
    bad = run_script(
        "discover.py", f"folder={sweep}", "condition=treaty_by_2030 >= 0.5", f"hydra.run.dir={tmp_path / 'refused'}"
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "error: condition = 'treaty_by_2030 >= 0.5': unknown outcome 'treaty_by_2030'; the sweep recorded: "
        "nci_jr_thaw, openness_jr_2016, two_plus_two_by_2017, joint_activity_by_2017"
    ]
    assert not (tmp_path / "refused").exists()
    out = tmp_path / "discovery"
    done = run_script("discover.py", f"folder={sweep}", "condition=nci_jr_thaw >= 4", f"hydra.run.dir={out}")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "nci_jr_thaw >= 4: holds in" in done.stdout
    assert (out / "report.html").is_file()
    again = run_script("reproduce.py", str(out), "--out", str(tmp_path / "again"))
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert "8 of 8 result files identical" in again.stdout
