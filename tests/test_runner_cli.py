"""End-to-end: experiments/run.py as a subprocess, its result folder, and its one-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from sim.cli import preflight
from tests.conftest import RUN_ARGS, run_script, short_overrides

pytestmark = pytest.mark.slow

FIGURES = ("nci_dyads", "trust", "sanctions_investment", "trust_matrices", "jpn_rus_focus")


def _output(proc) -> Path:
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("output: ")]
    assert lines, proc.stdout + proc.stderr
    return Path(lines[-1].removeprefix("output: "))


@pytest.fixture(scope="module")
def run_dir(shared_folder) -> Path:
    return shared_folder(RUN_ARGS)


def test_run_writes_every_output_file(run_dir):
    for name in (
        "timeseries.parquet",
        "nci_quarterly.csv",
        "events.csv",
        "summary.json",
        "manifest.json",
        ".hydra/config.yaml",
        ".hydra/overrides.yaml",
    ):
        assert (run_dir / name).is_file(), name
    for fig in FIGURES:
        for ext in ("png", "svg"):
            assert (run_dir / "figures" / f"{fig}.{ext}").stat().st_size > 0
    assert not list(run_dir.rglob(".*.tmp-*")), "temporary files left behind"


def test_timeseries_schema(run_dir):
    table = pq.read_table(run_dir / "timeseries.parquet")
    assert table.column_names == ["run", "date", "source", "target", "variable", "value"]
    frame = table.to_pandas()
    assert set(frame["run"]) == set(range(4))
    for variable in ("nci", "trust", "sanctions", "investment_stock", "channel_openness", "rapport"):
        assert variable in set(frame["variable"].astype(str)), variable
    months = pd.to_datetime(frame["date"]).dt.strftime("%Y-%m")
    assert months.min() == "2012-01" and months.max() == "2014-12"
    trust = frame[frame["variable"] == "trust"]
    assert trust["value"].between(0, 1).all()
    dyads = frame[frame["variable"] == "nci"][["source", "target"]].drop_duplicates()
    assert len(dyads) == 12 and (dyads["source"] != dyads["target"]).all()


def test_events_summary_and_manifest(run_dir):
    events = pd.read_csv(run_dir / "events.csv", dtype={"cameo_root": str, "cameo_code": str})
    assert list(events.columns) == ["date", "source", "target", "cameo_root", "cameo_code", "goldstein", "kind"]
    assert events["cameo_root"].str.fullmatch(r"\d\d").all()
    assert (events["cameo_code"].str[:2] == events["cameo_root"]).all()
    assert events["goldstein"].between(-10, 10).all()
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["runs"] == 4 and summary["nci_windows"] == {}
    assert set(summary["milestones"]["JPN_RUS"]) >= {"two_plus_two", "joint_activity", "treaty"}
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["seed"] == 11 and len(manifest["config_hash"]) == 64
    assert {"commit", "dirty"} <= set(manifest["git"])
    assert manifest["packages"]["mesa"].startswith("3.")
    assert "timeseries.parquet" in manifest["files"] and "figures/nci_dyads.png" in manifest["files"]


def test_same_seed_gives_byte_identical_results(run_dir, tmp_path):
    """A second run of the shared folder's command (same config and seed) writes the same bytes."""
    proc = run_script(RUN_ARGS[0], *RUN_ARGS[1:], f"paths.output={tmp_path}")
    assert proc.returncode == 0, proc.stderr
    again = json.loads((_output(proc) / "manifest.json").read_text())["files"]
    assert again == json.loads((run_dir / "manifest.json").read_text())["files"]
    assert len(again) >= 15 and "report.html" in again


def test_existing_results_are_never_overwritten(run_dir):
    before = (run_dir / "manifest.json").read_bytes()
    proc = run_script("run.py", "replicates=2", f"hydra.run.dir={run_dir}", *short_overrides())
    assert proc.returncode == 2
    assert "refusing to overwrite" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert (run_dir / "manifest.json").read_bytes() == before


def test_multirun_sweeps_values_into_separate_folders(tmp_path):
    proc = run_script(
        "run.py",
        "-m",
        "replicates=2",
        "params.wedge_weight=0,4",
        f"paths.output={tmp_path}",
        *short_overrides("2013-06"),
        "report.figures=false",
    )
    assert proc.returncode == 0, proc.stderr
    manifests = sorted(tmp_path.rglob("manifest.json"))
    assert len(manifests) == 2
    overrides = [json.loads(m.read_text())["overrides"] for m in manifests]
    assert any("params.wedge_weight=0" in o for o in overrides)
    assert any("params.wedge_weight=4" in o for o in overrides)


BAD_INPUT = [
    (["scenario.alliances.JPN.patron=USB"], "scenario.alliances.JPN.patron = 'USB': unknown country code"),
    (["scenario.countries=[JPN,RUS,USA,chn]"], "scenario.countries[3]"),
    (["scenario.sanctions.USA.RUS.steps.0.level=1.5"], "scenario.sanctions.USA.RUS.steps[0].level"),
    (["scenario.events.0.date=2031-01"], "scenario.events.0.date=2031-01: cannot override one event"),
    (["scenario.added_events=[{date:'2031-01',source:JPN,target:RUS,cameo:'042'}]"], "scenario.added_events[0].date"),
    (["+params.reciprocity_by_dyad={JPN:{RUS:1.2},RUS:{JPN:0.9}}"], "k_JPNRUS * k_RUSJPN = 1.08 must be < 1"),
    (["params.no_such_parameter=1"], "no_such_parameter"),
    (["replicates=many"], "replicates"),
    (["mode=sideways"], "mode"),
    (["scenario.sanctions.USA.RUS.scal=0.5"], "scal"),
    (["+scenario.sanctions.USA.USA={steps:[]}"], "never sanctions itself"),
    (["scenario.sanctions.CHN.CHN.scale=0.5"], "scenario.sanctions.CHN.CHN = 'CHN': a country never sanctions itself"),
    (["scenario.channels.JPN_RUS.initial_openness=-0.1"], "initial_openness"),
]


@pytest.mark.parametrize(("overrides", "named"), BAD_INPUT)
def test_bad_config_gives_one_line_and_writes_nothing(tmp_path, capsys, overrides, named):
    """In-process: the preflight run.py calls before Hydra starts (the real script: the test below)."""
    with pytest.raises(SystemExit) as stop:
        preflight([f"paths.output={tmp_path}", *overrides])
    err = capsys.readouterr().err
    assert stop.value.code == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and named in lines[0]
    assert not any(tmp_path.iterdir()), "a bad config must write nothing"


@pytest.mark.parametrize(("overrides", "named"), [BAD_INPUT[0], BAD_INPUT[5]])
def test_the_script_gives_one_line_and_writes_nothing(tmp_path, overrides, named):
    proc = run_script("run.py", f"paths.output={tmp_path}", *overrides)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("error: ") and named in lines[0]
    assert "Traceback" not in proc.stderr
    assert not any(tmp_path.iterdir()), "a bad config must write nothing"
