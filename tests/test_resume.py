"""Resumable sweeps: a sweep killed with SIGKILL at several points and started again with the same command ends
with the files of an uninterrupted sweep; half-written chunks never count; a different sweep is refused."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.config import compose_config, to_container, validate
from sim.io import OutputExistsError, sha256
from sim.sweep import engine, folder
from sim.sweep.task import run_sweep
from tests.conftest import ROOT
from tests.sweep_cases import CHUNKS, env, output_folder, result_hashes, run, script, tiny_config, tiny_sweep


def _config(*overrides: str) -> dict:
    return validate(
        to_container(
            compose_config(
                [
                    "sweep=sanctions_vs_alliance",
                    "report.figures=false",
                    "sweep.replicates=2",
                    "sweep.chunk_size=3",
                    *overrides,
                ],
                config_name="sweep_config",
            )
        )
    )


@pytest.mark.slow  # the resume promise (composes seven sweeps): CI's make test-slow guards it
def test_the_folder_is_named_after_the_fingerprint_which_ignores_workers_paths_and_shards():
    composed = compose_config(["sweep=sanctions_vs_alliance"], config_name="sweep_config", return_hydra_config=True)
    run_dir = Path(str(composed.hydra.run.dir))
    cfg = _config()
    assert run_dir.parent.name == "sanctions_vs_alliance"
    base = validate(to_container(compose_config(["sweep=sanctions_vs_alliance"], config_name="sweep_config")))
    assert run_dir.name == folder.fingerprint(base)[: folder.ID_LENGTH]
    same = [_config("workers=3"), _config("paths.output=/elsewhere"), _config("sweep.shards=4", "sweep.shard=2")]
    assert {folder.fingerprint(c) for c in same} == {folder.fingerprint(cfg)}
    assert folder.fingerprint(_config("seed=8")) != folder.fingerprint(cfg)
    assert folder.fingerprint(_config("sweep.chunk_size=4")) != folder.fingerprint(cfg)


def test_a_half_written_chunk_never_counts_and_stale_temporaries_are_removed(tmp_path, monkeypatch):
    cfg = _config()
    plan = engine.make_plan(cfg)
    chunks = tmp_path / "chunks"

    def dies_midway(table, where):
        Path(where).write_bytes(b"PAR1 half a parquet file")
        raise OSError("disk full")

    monkeypatch.setattr(engine.pq, "write_table", dies_midway)
    with pytest.raises(OSError, match="disk full"):
        engine.run_chunk(plan, 0, 0, 3, chunks)
    monkeypatch.undo()
    assert folder.finished_chunks(chunks, series=True) == set()
    assert not [p.name for p in chunks.iterdir() if p.name.startswith("outcomes")]
    # what kill -9 leaves: temporary files under hidden names, which are never taken for chunks
    stale = chunks / ".outcomes-0000001.parquet.tmp-4242-deadbeef"
    stale.write_bytes(b"PAR1 cut short")
    other = chunks / ".outcomes-0000005.parquet.tmp-4242-deadbeef"  # another shard's chunk: not ours to delete
    other.write_bytes(b"PAR1 still being written")
    assert folder.finished_chunks(chunks, series=True) == set()
    engine.execute(plan, chunks, workers=1, progress=False, only=range(0, 3))
    assert folder.finished_chunks(chunks, series=True) == {0, 1, 2}
    assert not stale.exists() and other.exists()
    assert pq.ParquetFile(chunks / folder.chunk_name(1, "outcomes")).metadata.num_rows == 3


def test_a_different_sweep_into_the_folder_is_refused_before_anything_is_written(tmp_path):
    cfg, _ = tiny_config(tmp_path / "tiny")  # 8 runs of 18 months: what is refused is the folder, not the size
    out = tmp_path / "sweep"
    run_sweep(cfg, out, workers=1, progress=False)
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    other = copy.deepcopy(cfg)
    other["sweep"]["replicates"] = 3
    with pytest.raises(OutputExistsError, match=r"sweep\.replicates = 3 here, 2 there"):
        run_sweep(other, out, workers=1, progress=False)
    again = run_sweep({**copy.deepcopy(cfg), "workers": 2}, out, workers=2, progress=False)
    assert again["state"] == "complete" and again["ran_runs"] == 0
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_every_manifest_records_the_fingerprint_of_its_result_configuration(base_cfg, tmp_path):
    """``manifest.json`` keeps the fingerprint (workers and paths left out), which reproduce.py compares with the
    saved config as it resolves now, on any machine; ``config_hash`` covers everything, paths included."""
    from sim.config.fingerprint import fingerprint
    from sim.folder import ResultFolder

    def manifest(cfg):
        folder = tmp_path / f"f{len(list(tmp_path.iterdir()))}"
        return ResultFolder.open(folder, task="run", cfg=cfg, overrides=[], names=[]).finish()

    moved = copy.deepcopy(base_cfg)
    moved["workers"], moved["paths"] = 7, {**moved["paths"], "root": "/elsewhere", "output": "/elsewhere/out"}
    changed = copy.deepcopy(base_cfg)
    changed["params"]["reciprocity"] = 0.123
    assert manifest(base_cfg)["fingerprint"] == fingerprint(base_cfg) == manifest(moved)["fingerprint"]
    assert manifest(base_cfg)["config_hash"] != manifest(moved)["config_hash"]
    assert manifest(changed)["fingerprint"] != manifest(base_cfg)["fingerprint"]


def test_the_first_difference_of_two_configs_names_one_short_entry():
    """Lists of different lengths are compared item by item first, then by length; a message shows each value cut
    to about 80 characters (a scenario's event list is thousands)."""
    ours = {"scenario": {"events": [{"note": "a"}, {"note": "b"}], "name": "x"}}
    theirs = {"scenario": {"events": [{"note": "a"}, {"note": "c"}, {"note": "d"}], "name": "x"}}
    assert folder.first_difference(ours, theirs) == ("scenario.events[1].note", "b", "c")
    theirs["scenario"]["events"][1]["note"] = "b"
    assert folder.first_difference(ours, theirs) == ("scenario.events (length)", 2, 3)
    assert folder.first_difference(ours, copy.deepcopy(ours)) is None
    assert folder.brief("x" * 200) == repr("x" * 200)[:77] + "..." and len(folder.brief(list(range(999)))) == 80
    assert folder.brief([1, 2]) == "[1, 2]"


def _finished(chunks: Path) -> int:
    return len(list(chunks.glob("outcomes-*.parquet"))) if chunks.is_dir() else 0


def _kill_when(args: list[str], ready, timeout: float = 120) -> bool:
    """Start the sweep; SIGKILL it as soon as ``ready()`` holds. False if it finished first."""
    proc = subprocess.Popen(
        script("sweep.py", *args), cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if ready():
                proc.kill()
                proc.wait()
                return True
            time.sleep(0.005)
        assert proc.poll() is not None, "the sweep did not finish in time"
        return False
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.slow
def test_a_sweep_killed_at_several_points_resumes_to_the_uninterrupted_result(tmp_path):
    reference = run("sweep.py", *tiny_sweep(tmp_path / "reference"))
    assert reference.returncode == 0, reference.stderr
    expected = result_hashes(output_folder(reference))

    args = tiny_sweep(tmp_path / "killed")
    out = tmp_path / "killed" / "outputs" / "sweeps" / "tiny" / output_folder(reference).name
    chunks = out / "chunks"
    points = [
        lambda: (out / folder.RECORD).exists(),  # just started
        lambda: _finished(chunks) >= 1,
        lambda: _finished(chunks) >= CHUNKS // 2 + 1,
        lambda: _finished(chunks) == CHUNKS,  # every chunk on disk: merging
        lambda: (out / "outcomes.parquet").exists(),  # final files half done
    ]
    kills, seen = 0, []
    for ready in points:
        if _kill_when(args, ready):
            kills += 1
            seen.append(_finished(chunks))
            # whatever is on disk under a final name is whole: the same bytes as the uninterrupted sweep's
            for name, digest in expected.items():
                if (out / name).exists():
                    assert sha256(out / name) == digest, name
        if (out / "manifest.json").exists():
            break
    assert kills >= 3, f"the sweep finished before it could be killed often enough ({seen})"
    assert seen == sorted(seen) and seen[0] < CHUNKS, seen  # each restart went on from where the last stopped

    resumed = run("sweep.py", *args)
    assert resumed.returncode == 0, resumed.stderr
    assert output_folder(resumed) == out
    assert result_hashes(out) == expected
    assert not chunks.exists()
    assert not [p for p in out.rglob("*") if ".tmp" in p.name], "temporary files left behind"
    assert not (out / folder.LOCK).exists(), "a finished sweep keeps no lock file"

    before = {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    rerun = run("sweep.py", *args)
    assert rerun.returncode == 0 and "already complete" in rerun.stdout, rerun.stdout + rerun.stderr
    assert result_hashes(out) == expected
    # a finished sweep rerun touches nothing: Hydra's .hydra/*.yaml are not rewritten, no lock file appears
    assert {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_a_run_killed_after_writing_results_is_reported_incomplete(tmp_path):
    """SIGKILL after the results are on disk but before the manifest: the folder says it is incomplete (results,
    no manifest), the next run into it and reproduce.py both name it INCOMPLETE, and neither changes a byte."""
    out = tmp_path / "run"
    args = [
        f"hydra.run.dir={out}",
        "replicates=2",
        "stop=2013-06",
        "report=basic",
        "report.milestone_dates=[2013-06]",
        "report.trust_matrix_dates=[2012-12,2013-06]",
    ]
    for _ in range(5):  # the figures take seconds after the tables: the kill nearly always lands there
        proc = subprocess.Popen(
            script("run.py", *args), cwd=ROOT, env=env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            while proc.poll() is None and not (out / "summary.json").exists():
                time.sleep(0.005)
            proc.kill()
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if (out / "summary.json").exists() and not (out / "manifest.json").exists():
            break
        shutil.rmtree(out)
    assert (out / "summary.json").exists() and not (out / "manifest.json").exists()
    before = {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = run("run.py", *args)
    assert again.returncode == 2 and "INCOMPLETE" in again.stderr, again.stderr
    check = run("reproduce.py", str(out))
    assert check.returncode == 2 and "INCOMPLETE" in check.stderr, check.stderr
    assert {str(p): p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.slow
def test_the_command_line_refuses_a_different_sweep_into_an_existing_folder(tmp_path):
    args = tiny_sweep(tmp_path)
    first = run("sweep.py", *args, "report.figures=false")
    assert first.returncode == 0, first.stderr
    out = output_folder(first)
    before = {p: sha256(p) for p in out.rglob("*") if p.is_file()}
    proc = run("sweep.py", *args, "report.figures=false", "seed=6", f"hydra.run.dir={out}")
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "seed = 6 here, 5 there" in lines[0], proc.stderr
    assert {p: sha256(p) for p in out.rglob("*") if p.is_file()} == before  # .hydra/ untouched too
    record = json.loads((out / folder.RECORD).read_text())
    assert record["config"]["seed"] == 5


def test_the_order_of_parameters_is_part_of_the_fingerprint_and_of_the_record(tmp_path):
    ordered = _config()
    swapped = _config()
    swapped["sweep"]["parameters"] = dict(reversed(ordered["sweep"]["parameters"].items()))
    assert folder.fingerprint(swapped) != folder.fingerprint(ordered)  # other design point numbering
    record = folder.claim(tmp_path, swapped, runs=8, chunks=3, overrides=[])
    assert (
        list(folder.read_record(tmp_path)["config"]["sweep"]["parameters"])
        == list(record["config"]["sweep"]["parameters"])
        == list(swapped["sweep"]["parameters"])
    )
