"""Sharded sweeps on a real SLURM controller, through Hydra's submitit_slurm launcher (conf/hydra/launcher/slurm.yaml):
the shards merge to the single-process sweep's files; a shard whose process is killed (kill -9 inside the job) is
reported failed within a bounded time, the command exits non-zero naming it, and the same command again completes
the sweep to the same files. Every wait has a timeout.
A shard killed t seconds after submission must be reported within t + 35 s (on an idle CI machine, t is about 10 s).

Needs a cluster: ``bash .ci/slurm-up`` starts a one-node one on this machine (CI does, before the tests); without
one these tests skip, or fail when CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from omegaconf import OmegaConf

from sim.config import compose_config, to_container, validate
from sim.sweep import folder
from sim.sweep.task import run_sweep
from tests.sweep_cases import CHUNKS, ROOT, env, output_folder, result_hashes, script, tiny_sweep

pytestmark = pytest.mark.slow

# The project's SLURM launcher config, sized for the CI node (2 cores): one core and 1 GB per shard.
LAUNCHER = [
    "hydra/launcher=slurm",
    "hydra.launcher.cpus_per_task=1",
    "hydra.launcher.mem_gb=1",
    "hydra.launcher.timeout_min=10",
]
SHARDS = ["sweep.shards=2", "sweep.shard=0,1"]
NO_FIGURES = ["report.figures=false"]  # figures are tested elsewhere; here they would only cost time
COMMAND_TIMEOUT = 240  # s: one multirun of the tiny sweep (two ~10 s jobs) through the queue
# From the kill to the command's exit: submitit asks sacct 2, 4, 8, 16, ... s after submitting (so within t of a
# kill t seconds after submission), then waits 15 s for a result file; plus slack for the command's own exit.
RESULT_WAIT, SLACK = 15, 20


def _check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=20, check=False)


@pytest.fixture(scope="module")
def cluster() -> str:
    """The idle node's name; skips (fails in CI) without a SLURM controller that answers."""
    reason = None
    if shutil.which("sinfo") is None:
        reason = "no SLURM client (sinfo) on PATH"
    else:
        try:
            proc = _check("sinfo", "-h", "-o", "%n %t")
        except subprocess.TimeoutExpired:
            proc = None
        nodes = dict(line.split() for line in proc.stdout.splitlines()) if proc and proc.returncode == 0 else {}
        usable = [n for n, state in nodes.items() if state in ("idle", "mix", "alloc")]
        if proc is None or proc.returncode != 0:
            reason = "the SLURM controller does not answer (sinfo failed)"
        elif not usable:
            reason = f"no usable SLURM node (sinfo: {nodes or 'none'})"
        elif _check("sacct", "-n", "-X", "-S", "now").returncode != 0:
            reason = "no SLURM accounting (sacct failed): without it a killed job is never reported"
    if reason:
        reason += "; start a one-node cluster with: bash .ci/slurm-up"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return usable[0]


def _config(base: Path) -> tuple[dict, Path]:
    """The tiny sweep (without figures) as the command line composes it, and its folder."""
    composed = compose_config([*tiny_sweep(base), *NO_FIGURES], config_name="sweep_config", return_hydra_config=True)
    task = OmegaConf.masked_copy(composed, [key for key in composed if key != "hydra"])
    return validate(to_container(task)), Path(str(composed.hydra.run.dir))


def _command(base: Path) -> list[str]:
    return script("sweep.py", "-m", *tiny_sweep(base), *NO_FIGURES, *SHARDS, *LAUNCHER)


def _run(command: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, capture_output=True, text=True, cwd=ROOT, env=env(), timeout=COMMAND_TIMEOUT, check=False
    )


def _job_ids(out: Path) -> list[str]:
    """The SLURM job ids (``<array>_<task>``) that submitit submitted for this folder's shards."""
    names = [p.name for p in (out / ".submitit").glob("*_*") if p.is_dir()]
    return sorted(names, key=lambda name: tuple(int(part) for part in name.split("_")))


def _states(jobs: list[str]) -> dict[str, str]:
    """SLURM's accounting state of each job (COMPLETED, FAILED, CANCELLED by 0, ...)."""
    proc = _check("sacct", "-n", "-X", "-P", "-o", "JobID,State", *[f"-j{j}" for j in jobs])
    assert proc.returncode == 0, proc.stderr
    return dict(line.split("|", 1) for line in proc.stdout.splitlines())


UNFINISHED = {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING"}
ACCOUNTING_WAIT = 60  # s: a job's batch script may still be exiting after its result file is written


def _final_states(jobs: list[str]) -> dict[str, str]:
    """``_states`` once no job is still pending or running: submitit returns as soon as a job's result file is
    written, and SLURM records the job as ended a moment later, when its batch script has exited."""
    deadline = time.monotonic() + ACCOUNTING_WAIT
    while True:
        states = _states(jobs)
        if not UNFINISHED & set(states.values()) or time.monotonic() > deadline:
            return states
        time.sleep(0.5)


def _status(out: Path, shard: int) -> dict:
    path = folder.shard_dir(out, shard, 2) / folder.STATUS
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


@pytest.fixture(scope="module")
def single(tmp_path_factory) -> dict[str, str]:
    """The tiny sweep's result hashes, computed in this process."""
    cfg, out = _config(tmp_path_factory.mktemp("single"))
    run_sweep(cfg, out, workers=1, progress=False)
    return result_hashes(out)


@pytest.fixture
def cancel_leftovers(tmp_path):
    """Whatever a test leaves in the queue is cancelled: the next test and the cluster's shutdown find it empty."""
    yield
    jobs = [j for out in tmp_path.glob("outputs/sweeps/*/*") for j in _job_ids(out)]
    if jobs and shutil.which("scancel"):
        _check("scancel", *jobs)


@pytest.mark.usefixtures("cancel_leftovers")
def test_shards_as_slurm_jobs_merge_to_the_single_process_result(tmp_path, cluster, single):
    proc = _run(_command(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    out = output_folder(proc)
    assert out == _config(tmp_path)[1]
    assert result_hashes(out) == single
    assert {k: _status(out, k)["state"] for k in (0, 1)} == {0: "done", 1: "done"}
    jobs = _job_ids(out)
    assert len(jobs) == 2, jobs
    assert set(_final_states(jobs).values()) == {"COMPLETED"}  # they ran as SLURM jobs, on the node
    assert {_status(out, k)["host"] for k in (0, 1)} == {cluster}


@pytest.mark.usefixtures("cancel_leftovers")
def test_a_killed_shard_is_reported_failed_in_bounded_time_and_the_same_command_completes_it(tmp_path, cluster, single):
    command = _command(tmp_path)
    out = _config(tmp_path)[1]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT, env=env())
    try:
        # shard 1's process, as soon as it has started its chunks: frozen, so that it stops mid-way for sure
        deadline = time.monotonic() + COMMAND_TIMEOUT
        while _status(out, 1).get("state") != "running":
            assert first.poll() is None, "the command ended before shard 1 started: " + "".join(first.communicate())
            assert time.monotonic() < deadline, "shard 1 did not start"
            time.sleep(0.02)
        pid = _status(out, 1)["pid"]
        os.kill(pid, signal.SIGSTOP)
        own = set(folder.shard_chunks(CHUNKS, 2, 1))
        done = folder.finished_chunks(out / folder.CHUNKS, series=True)
        assert own - done, "shard 1 finished all its chunks before it could be stopped"
        os.kill(pid, signal.SIGKILL)  # as the kernel's OOM killer would: no exception, no result file
        killed = time.monotonic()
        running_for = time.time() - min(p.stat().st_mtime for p in (out / ".submitit").glob("*/*_submission.sh"))
        stdout, stderr = first.communicate(timeout=COMMAND_TIMEOUT)
        detected = time.monotonic() - killed
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    limit = running_for + RESULT_WAIT + SLACK
    print(f"shard killed {running_for:.1f} s after submission, reported {detected:.1f} s later (limit {limit:.0f} s)")
    assert first.returncode != 0, stdout + stderr
    assert detected <= limit
    jobs = _job_ids(out)
    states = _final_states(jobs)
    assert [states[j] for j in jobs] == ["COMPLETED", "FAILED"], states
    assert "state: FAILED" in stderr, stderr  # submitit's error, from SLURM's accounting
    missing = folder.ranges(sorted(own - done))
    assert f"shard 1 of 2 (chunks 4-7): started on {cluster}:{pid}" in stderr, stderr
    assert "not finished (still running, or killed)" in stderr and f"missing chunks {missing}" in stderr, stderr
    assert not (out / "manifest.json").exists()

    again = _run(command)
    assert again.returncode == 0, again.stdout + again.stderr
    assert output_folder(again) == out
    assert result_hashes(out) == single
    assert _status(out, 0)["ran"] == 0  # the finished shard did nothing
    assert _status(out, 1)["state"] == "done" and _status(out, 1)["ran"] == len(own - done)
    assert set(_final_states(_job_ids(out)[2:]).values()) == {"COMPLETED"}
