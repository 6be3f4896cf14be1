"""Sharded sweeps: the same sweep cut into shards that Hydra launchers run (joblib, submitit's local executor)
merges to the single-process sweep's files; a failing shard is named, the others' chunks are kept, and the
same command again runs only what is missing; merging is idempotent and refuses while chunks are missing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.config import compose_config
from sim.sweep import folder
from sim.sweep.task import run_sweep
from tests.sweep_cases import output_folder, result_hashes, run, tiny_config, tiny_sweep

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    """The tiny sweep in one process: its folder and result hashes."""
    base = tmp_path_factory.mktemp("single")
    cfg, out = tiny_config(base)
    run_sweep(cfg, out, workers=1, progress=False)
    return out, result_hashes(out)


def _statuses(out: Path) -> dict[int, dict]:
    return {s["shard"]: s for s in folder.statuses(out)}


def test_the_launcher_configs_compose():
    for launcher, target in (
        ("joblib", "JoblibLauncher"),
        ("submitit_local", "LocalLauncher"),
        ("slurm", "SlurmLauncher"),
    ):
        cfg = compose_config(
            ["sweep=sanctions_vs_alliance", f"hydra/launcher={launcher}"],
            config_name="sweep_config",
            return_hydra_config=True,
        )
        assert cfg.hydra.launcher._target_.endswith(target), launcher
    slurm = compose_config(
        ["sweep=sanctions_vs_alliance", "hydra/launcher=slurm", "hydra.launcher.partition=long"],
        config_name="sweep_config",
        return_hydra_config=True,
    ).hydra.launcher
    assert slurm.partition == "long" and slurm.timeout_min > 0 and slurm.mem_gb > 0 and slurm.cpus_per_task > 0


def test_shards_through_the_joblib_launcher_merge_to_the_single_process_result(tmp_path, single):
    proc = run(
        "sweep.py",
        "-m",
        *tiny_sweep(tmp_path),
        "sweep.shards=2",
        "sweep.shard=range(2)",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = output_folder(proc)
    assert out.name == single[0].name  # one folder for the sweep, whoever runs it
    assert result_hashes(out) == single[1]
    assert {k: s["state"] for k, s in _statuses(out).items()} == {0: "done", 1: "done"}
    assert (out / "shards" / "shard-1-of-2" / ".hydra" / "config.yaml").is_file()
    assert "merged" in proc.stdout and not (out / folder.CHUNKS).exists()


def test_shards_through_submitit_local_merge_to_the_single_process_result(tmp_path, single):
    proc = run(
        "sweep.py", "-m", *tiny_sweep(tmp_path), "sweep.shards=2", "sweep.shard=0,1", "hydra/launcher=submitit_local"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = output_folder(proc)
    assert result_hashes(out) == single[1]
    assert {k: s["state"] for k, s in _statuses(out).items()} == {0: "done", 1: "done"}
    assert list((out / ".submitit").iterdir()), "the jobs did not go through submitit"


def test_a_failing_shard_is_named_and_the_same_command_completes_it(tmp_path, single):
    cfg, out = tiny_config(tmp_path)
    folder.claim(out, cfg, runs=8, chunks=8, overrides=[])  # as the first shard to start does
    # a chunk that cannot be written: its final name is taken by a folder, so the rename into place fails
    chunks = out / folder.CHUNKS
    blocked = chunks / folder.chunk_name(5, "outcomes")
    blocked.mkdir(parents=True)
    command = [
        "-m",
        *tiny_sweep(tmp_path),
        "sweep.shards=2",
        "sweep.shard=0,1",
        "hydra/launcher=joblib",
        "hydra.launcher.n_jobs=2",
    ]
    failed = run("sweep.py", *command)
    assert failed.returncode != 0, failed.stdout + failed.stderr
    assert "shard 1 of 2 (chunks 4-7): FAILED" in failed.stderr and "Is a directory" in failed.stderr, failed.stderr
    assert "missing chunks 5-7" in failed.stderr
    status = _statuses(out)
    assert status[0]["state"] == "done" and status[0]["ran"] == 4 and status[1]["state"] == "failed"
    assert (chunks / folder.chunk_name(4, "outcomes")).is_file()  # shard 1's chunk before the failure is kept

    merge = run("merge.py", str(out))  # while chunks are missing: says which, writes nothing
    assert merge.returncode == 1, merge.stdout + merge.stderr
    assert "shard 0 of 2 (chunks 0-3): done" in merge.stderr and "shard 1 of 2 (chunks 4-7): FAILED" in merge.stderr
    assert not [name for name in ("outcomes.parquet", "design.parquet", "manifest.json") if (out / name).exists()]

    blocked.rmdir()
    kept = {p.name: p.stat().st_mtime_ns for p in chunks.glob("outcomes-*.parquet")}
    again = run("sweep.py", *command)
    assert again.returncode == 0, again.stdout + again.stderr
    assert output_folder(again) == out
    status = _statuses(out)
    assert status[0]["ran"] == 0 and status[1]["state"] == "done" and status[1]["ran"] == 3  # chunks 5, 6, 7
    assert sorted(kept) == [folder.chunk_name(k, "outcomes") for k in range(5)]
    assert result_hashes(out) == single[1]

    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    merged = run("merge.py", str(out))
    assert merged.returncode == 0 and "already merged" in merged.stdout, merged.stdout + merged.stderr
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    assert json.loads((out / "manifest.json").read_text())["sweep"]["shards"] == 2


def test_merge_refuses_a_folder_that_is_not_a_sweep(tmp_path):
    proc = run("merge.py", str(tmp_path))
    assert proc.returncode == 2 and proc.stderr.startswith("error: ") and "sweep.json" in proc.stderr, proc.stderr
