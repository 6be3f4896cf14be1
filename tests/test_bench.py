"""End-to-end: experiments/bench.py as a subprocess with tiny sizes, its bench.json, and its option errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_script

pytestmark = pytest.mark.slow

METHODS = ("engine", "batch_run", "bare loop")


def _output(proc) -> Path:
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("output: ")]
    assert lines, proc.stdout + proc.stderr
    return Path(lines[-1].removeprefix("output: "))


def test_bench_measures_three_ways(tmp_path):
    # the full horizon (the sweep's outcome windows need it), tiny sizes: a few seconds
    proc = run_script("bench.py", "sweep=sanctions_vs_alliance", "--runs", "400", "--mesa-runs", "4", "--workers", "1",
                      f"paths.output={tmp_path}", timeout=120)
    assert proc.returncode == 0, proc.stderr
    out = _output(proc)
    assert out.is_relative_to(tmp_path / "bench" / "sanctions_vs_alliance")
    result = json.loads((out / "bench.json").read_text())
    assert result["workers"] == 1 and result["sweep"] == "sanctions_vs_alliance"
    runs = {name: result["methods"][name]["runs"] for name in METHODS}
    assert runs == {"engine": 400, "batch_run": 4, "bare loop": 400}
    for name in METHODS:
        assert result["methods"][name]["runs_per_second"] > 0, name
        assert result["methods"][name]["seconds"] > 0, name
    assert result["speedup_over_batch_run"] > 0
    assert result["engine_over_bare_loop_time"] > 0
    assert result["peak_rss_mb"]["self"] > 0
    for line in ("speed-up over batch_run:", "engine time / bare loop time:", "peak RSS:"):
        assert line in proc.stdout, line
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["bench.json"], "scratch files left"


@pytest.mark.parametrize(("args", "message"), [
    (["sweep=sanctions_vs_alliance", "--runs", "0"], "--runs must be >= 1"),
    (["sweep=sanctions_vs_alliance", "--mesa-runs=many"], "--mesa-runs needs a whole number"),
    ([], "choose a sweep"),
])
def test_bench_rejects_bad_options_before_writing(tmp_path, args, message):
    proc = run_script("bench.py", *args, f"paths.output={tmp_path}", timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not any(tmp_path.iterdir())
