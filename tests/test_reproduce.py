"""experiments/reproduce.py: a run or sweep re-made from its folder's saved config is byte-identical; a result
file changed after the fact is named with its first differing row; a folder that cannot be reproduced is a
one-line error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from sim.tasks.reproduce import first_difference, read_saved
from tests.conftest import RUN_ARGS, folder_tool
from tests.sweep_cases import output_folder, run, tiny_sweep

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def run_dir(shared_folder) -> Path:
    return shared_folder(RUN_ARGS)


@pytest.fixture(scope="module")
def sweep_dir(tmp_path_factory) -> Path:
    proc = run("sweep.py", *tiny_sweep(tmp_path_factory.mktemp("sweep")))
    assert proc.returncode == 0, proc.stderr
    return output_folder(proc)


def _change(path: Path, column: str, row: int, delta: float) -> None:
    table = pq.read_table(path)
    values = table.column(column).to_numpy().copy()
    values[row] += delta
    pq.write_table(table.set_column(table.schema.get_field_index(column), column, pa.array(values)), path)


def test_a_fresh_run_folder_is_reproduced_byte_for_byte(run_dir):
    proc = run("reproduce.py", str(run_dir))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    again = output_folder(proc)
    assert again.parent == run_dir.parent and again.name.startswith(f"{run_dir.name}-reproduced-")
    files = json.loads((run_dir / "manifest.json").read_text())["files"]
    assert any(name.startswith("figures/") for name in files)  # figures are compared too
    assert f"{len(files)} of {len(files)} result files identical" in proc.stdout
    assert json.loads((again / "manifest.json").read_text())["files"] == files
    assert (again / ".hydra" / "config.yaml").read_bytes() == (run_dir / ".hydra" / "config.yaml").read_bytes()


def test_a_saved_config_that_now_resolves_differently_is_warned_about(run_dir, tmp_path):
    """The saved config names the timeline file (``${timeline:...}``) rather than its rows: when the file changes,
    the config the re-run resolves is not the one recorded, and reproduce says so. Simulated by changing the
    recorded fingerprint of a copy of the folder."""
    from sim.tasks.reproduce import warnings_for

    saved = read_saved(run_dir)
    now, recorded = saved.fingerprints
    assert now == recorded  # the folder resolves as it was made
    assert not any("resolves to another configuration" in w for w in warnings_for(saved))
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["fingerprint"] = "0" * 64
    (copy / "manifest.json").write_text(json.dumps(manifest))
    found = [w for w in warnings_for(read_saved(copy)) if "resolves to another configuration" in w]
    assert found == [
        f"the saved config resolves to another configuration than the one recorded (fingerprint {now[:12]} now, "
        "000000000000 recorded): a file it reads when resolved, such as the timeline its events name "
        "(${timeline:...}), has changed; the re-run reads the file as it is now"
    ]


def test_a_fresh_sweep_folder_is_reproduced_byte_for_byte(sweep_dir):
    proc = run("reproduce.py", str(sweep_dir), "--workers", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    files = json.loads((sweep_dir / "manifest.json").read_text())["files"]
    assert {"outcomes.parquet", "series.parquet", "design.parquet", "points.csv"} <= set(files)
    assert f"{len(files)} of {len(files)} result files identical" in proc.stdout
    again = output_folder(proc)
    assert (
        json.loads((again / "sweep.json").read_text())["fingerprint"]
        == json.loads((sweep_dir / "sweep.json").read_text())["fingerprint"]
    )


def test_tampered_run_files_are_named_with_their_first_difference(run_dir, tmp_path):
    copy = tmp_path / run_dir.name
    shutil.copytree(run_dir, copy)
    series = pq.read_table(copy / "timeseries.parquet")
    mask = pc.and_(
        pc.and_(
            pc.equal(series.column("variable").cast(pa.string()), "trust"),
            pc.equal(series.column("source").cast(pa.string()), "JPN"),
        ),
        pc.equal(series.column("target").cast(pa.string()), "RUS"),
    )
    row = int(pc.indices_nonzero(mask)[7].as_py())
    _change(copy / "timeseries.parquet", "value", row, 1e-9)
    png = copy / "figures" / "nci_dyads.png"
    png.write_bytes(png.read_bytes() + b"\0")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["git"] = {"commit": "0" * 40, "dirty": True}
    (copy / "manifest.json").write_text(json.dumps(manifest))

    proc = run("reproduce.py", str(copy))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    different = [ln for ln in proc.stdout.splitlines() if "DIFFERENT" in ln]
    assert len(different) == 2, proc.stdout
    timeseries = next(ln for ln in different if "timeseries.parquet" in ln)
    date = pd.Timestamp(series.column("date")[row].as_py()).date().isoformat()
    assert f"variable trust, dyad JPN->RUS, date {date}" in timeseries and "value = " in timeseries, timeseries
    assert any("figures/nci_dyads.png" in ln for ln in different)
    assert "2 differ" in proc.stdout
    assert f"recorded at commit {'0' * 12}" in proc.stderr and "uncommitted changes when it was recorded" in proc.stderr


def test_a_tampered_sweep_outcome_is_named_by_run_and_column(sweep_dir, tmp_path):
    copy = tmp_path / sweep_dir.name
    shutil.copytree(sweep_dir, copy)
    _change(copy / "outcomes.parquet", "trust_rj_final", 5, 0.25)
    proc = run("reproduce.py", str(copy), "--workers", "1")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if "DIFFERENT" in ln)
    assert line.split()[1].rstrip(":") == "outcomes.parquet" and "run 5, point 2, replicate 1" in line, line
    assert "trust_rj_final = " in line
    assert sum("DIFFERENT" in ln for ln in proc.stdout.splitlines()) == 1


def test_a_sharded_sweep_folder_reads_its_config_from_a_shard(sweep_dir, tmp_path):
    copy = tmp_path / sweep_dir.name
    shutil.copytree(sweep_dir, copy)
    (copy / "shards" / "shard-1-of-2").mkdir(parents=True)
    shutil.move(copy / ".hydra", copy / "shards" / "shard-1-of-2" / ".hydra")
    saved = read_saved(copy)
    assert saved.is_sweep and saved.cfg["sweep"]["shards"] == 1 and saved.cfg["sweep"]["shard"] == 0
    assert saved.config_file == copy / "shards" / "shard-1-of-2" / ".hydra" / "config.yaml"
    assert "sweep=tiny" in saved.overrides


def test_first_difference_of_csv_and_json(tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("quarter,source,target,median\n2013Q1,JPN,RUS,0.5\n2013Q2,JPN,RUS,0.25\n")
    b.write_text("quarter,source,target,median\n2013Q1,JPN,RUS,0.5\n2013Q2,JPN,RUS,0.26\n")
    assert first_difference(a, b) == (
        "first difference at row 1 (dyad JPN->RUS, quarter 2013Q2): median = '0.25' in the folder, '0.26' in the re-run"
    )
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text('{"nci_windows": {"base": {"median": 1.0}}}')
    b.write_text('{"nci_windows": {"base": {"median": 2.0}}}')
    assert "nci_windows.base.median: 1.0 in the folder, 2.0 in the re-run" in first_difference(a, b)


def _unreproducible(run_dir: Path, tmp_path: Path, case: str) -> Path:
    target = tmp_path / "folder"
    if case != "missing":
        shutil.copytree(run_dir, target)
        if case == "no_manifest":
            (target / "manifest.json").unlink()
        else:
            shutil.rmtree(target / ".hydra")
    return target


@pytest.mark.parametrize("case", ["missing", "no_manifest", "no_config"])
def test_a_folder_that_cannot_be_reproduced_is_one_line_and_exit_2(run_dir, tmp_path, case, capsys):
    """reproduce.py's main in-process (the real command line: the next test)."""
    target = _unreproducible(run_dir, tmp_path, case)
    status = folder_tool("reproduce.py")([str(target)])
    out, err = capsys.readouterr()
    assert status == 2, out + err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if case == "missing" else ["folder"])


def test_the_reproduce_script_refuses_a_folder_without_a_manifest(run_dir, tmp_path):
    target = _unreproducible(run_dir, tmp_path, "no_manifest")
    proc = run("reproduce.py", str(target))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "no manifest.json" in lines[0], proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder"]
