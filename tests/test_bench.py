"""End-to-end: experiments/bench.py as a subprocess with tiny sizes, its bench.json, and its option errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_script

METHODS = ("engine", "batch_run", "bare loop", "replay")


def _output(proc) -> Path:
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("output: ")]
    assert lines, proc.stdout + proc.stderr
    return Path(lines[-1].removeprefix("output: "))


@pytest.mark.slow
def test_bench_measures_the_same_computation_three_ways(tmp_path):
    # the full horizon (the sweep's outcome windows need it), tiny sizes, three chunks
    proc = run_script(
        "bench.py",
        "sweep=sanctions_vs_alliance",
        "sweep.chunk_size=150",
        "--runs",
        "400",
        "--mesa-runs",
        "4",
        "--replay-runs",
        "5",
        "--workers",
        "1",
        f"paths.output={tmp_path}",
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stderr
    out = _output(proc)
    assert out.is_relative_to(tmp_path / "bench" / "sanctions_vs_alliance")
    result = json.loads((out / "bench.json").read_text())
    assert result["workers"] == 1 and result["sweep"] == "sanctions_vs_alliance"
    assert (result["design_points"], result["months"], result["chunk_size"]) == (30, 72, 150)
    methods = result["methods"]
    assert {name: methods[name]["runs"] for name in METHODS} == {
        "engine": 400,
        "batch_run": 4,
        "bare loop": 400,
        "replay": 5,
    }
    for name in METHODS:  # each rate is its own runs over its own seconds
        m = methods[name]
        assert m["runs_per_second"] == pytest.approx(m["runs"] / m["seconds"], rel=2e-3), name
    # the ratios come from this invocation's timings, not from anywhere else
    engine, mesa, bare = (methods[k] for k in ("engine", "batch_run", "bare loop"))
    assert result["speedup_over_batch_run"] == pytest.approx(
        engine["runs_per_second"] / mesa["runs_per_second"], rel=1e-2
    )
    assert result["engine_over_bare_loop_time"] == pytest.approx(engine["seconds"] / bare["seconds"], rel=1e-2)
    assert result["replay_seconds"] == pytest.approx(methods["replay"]["seconds"], abs=1e-3)
    # the replay's time is the fastest of its three repetitions, each reported
    assert len(result["replay_repeats_seconds"]) == 3
    assert result["replay_seconds"] == pytest.approx(min(result["replay_repeats_seconds"]), abs=1e-3)
    assert result["targets"] == {
        "speedup_over_batch_run": 500.0,
        "engine_over_bare_loop_time": 1.2,
        "replay_seconds": 0.3,
    }
    # the timed methods compute the same runs: the engine's outcomes and the bare loop's final state
    check = result["check"]
    assert check["runs"] == [0, 150]
    assert check["engine_outcomes_equal"] is True and check["bare_loop_state_equal"] is True
    assert "trust_jr_final" in check["outcomes"]
    digests = result["bare_loop_digests"]
    assert len(digests) == 3 and len(set(digests)) == 3 and all(len(d) == 64 for d in digests)
    # compiling the kernels is reported apart, and loading them from the cache is much cheaper
    compiled = result["compile"]
    assert set(compiled) == {"cold_cache_seconds", "warm_cache_seconds", "cold_cache_kernels", "warm_cache_kernels"}
    assert compiled["cold_cache_seconds"] > 3 * max(compiled["warm_cache_seconds"], 0.0)
    # a fresh process with an empty cache compiles (and saves) every kernel; the next compiles none and loads those the
    # model calls from Python (the model's compiled stages, the event kernel, the streams; what they call is in them)
    cold, warm = compiled["cold_cache_kernels"], compiled["warm_cache_kernels"]
    assert cold["kernels"] >= warm["kernels"] >= 10
    assert (cold["compiled"], cold["loaded"]) == (cold["kernels"], 0), cold
    assert (warm["compiled"], warm["loaded"]) == (0, warm["kernels"]), warm
    assert f"({cold['kernels']} kernels compiled, 0 loaded)" in proc.stdout
    assert f"({warm['kernels']} loaded, 0 compiled;" in proc.stdout
    # the event kernel alone: its own count of events, and the sweep floor computed from it
    kernel = result["event_kernel"]
    assert kernel["events_per_run"] == pytest.approx(72 * 12 * 7, rel=0.01)  # 1 + Poisson(6) per dyad-month
    assert kernel["cpu_seconds_per_100k_runs"] == pytest.approx(
        kernel["ns_per_event"] * 1e-9 * kernel["events_per_run"] * 100_000, rel=1e-2
    )
    assert all(len(result["load_average"][k]) == 3 for k in ("before", "after"))
    assert result["peak_rss_mb"]["self"] > 50.0  # a Python process with numpy, pandas, numba: tens of MB at least
    for line in (
        "speed-up over batch_run:",
        "engine time / bare loop time:",
        "replay of 5 runs:",
        "compiled kernels, once per process:",
        "event kernel alone:",
        "engine outcomes equal, bare-loop final state equal",
        "load average",
        "peak RSS:",
    ):
        assert line in proc.stdout, line
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["bench.json"], "scratch files left"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sweep=sanctions_vs_alliance", "--runs", "0"], "--runs must be >= 1"),
        (["sweep=sanctions_vs_alliance", "--mesa-runs=many"], "--mesa-runs needs a whole number"),
        (["sweep=sanctions_vs_alliance", "--replay-runs", "0"], "--replay-runs must be >= 1"),
        ([], "choose a sweep"),
    ],
)
def test_bench_rejects_bad_options_before_writing(tmp_path, args, message, script_refuses):
    """The script's own options and preflight, in-process."""
    assert message in script_refuses("bench.py", *args, f"paths.output={tmp_path}")
    assert not any(tmp_path.iterdir())


@pytest.mark.slow
def test_the_bench_script_rejects_a_bad_option_in_one_line(tmp_path):
    """The real command line: exit 2, one line on stderr, nothing written."""
    proc = run_script("bench.py", "sweep=sanctions_vs_alliance", "--runs", "0", f"paths.output={tmp_path}", timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: --runs must be >= 1"), proc.stderr
    assert not any(tmp_path.iterdir())


def test_the_event_kernel_measure_counts_every_routine_event(base_cfg):
    """``event_kernel`` times ``month_events`` alone: 1 + Poisson(λ) events per directed dyad and month, so
    about 72 months x 12 dyads x (1 + λ) per run, and the 100k-run floor is its rate times that count."""
    from sim.benchmark import event_kernel

    kernel = event_kernel(base_cfg, runs=20, months=2)
    lam = base_cfg["params"]["events_per_month"]
    assert kernel["events"] == pytest.approx(20 * 2 * 12 * (1 + lam), rel=0.05)
    assert kernel["events_per_run"] == pytest.approx(kernel["events"] / (20 * 2) * 72, rel=1e-3)
    assert kernel["cpu_seconds_per_100k_runs"] == pytest.approx(
        kernel["ns_per_event"] * 1e-9 * kernel["events_per_run"] * 100_000, rel=1e-2
    )
