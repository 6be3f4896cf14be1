"""The measurements behind ``experiments/bench.py`` (its docstring says what each one is): the sweep engine
against Mesa's batch_run and against the bare vectorised step loop, a replay, and the compiled kernels'
one-off cost. ``sim.tasks.bench`` runs them as a task."""

from __future__ import annotations

import copy
import gc
import hashlib
import json
import math
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import mesa
import numpy as np
import pyarrow.parquet as pq

from sim.config import validate
from sim.mechanisms import events
from sim.model import RelationsModel
from sim.processes import default_workers, pool_context
from sim.sweep import engine
from sim.sweep.outcomes import measure
from sim.sweep.task import check_values

TARGET_SPEEDUP = 500.0  # the engine at least this many times faster than batch_run
TARGET_OVERHEAD = 1.2  # the engine at most this many times the bare loop's time
TARGET_REPLAY_SECONDS = 0.3  # the 200-run replay's simulation, figures excluded
REPLAY_REPEATS = 3  # the replay is timed this many times in a row; its time is the fastest (timeit's convention)
EVENT_KERNEL_RUNS = 1000  # runs of the event kernel's own measurement (a sweep chunk's order of size)


def sized(cfg: dict[str, Any], runs: int) -> dict[str, Any]:
    """The config with just enough replicates per design point for the sweep to hold ``runs`` runs (or a few
    more): its first ``runs`` runs then cover every design point."""
    points = len(engine.make_plan(cfg).design)
    out = copy.deepcopy(cfg)
    out["sweep"]["replicates"] = math.ceil(runs / points)
    return validate(out)


@dataclass(frozen=True)
class FirstRuns(engine.Plan):
    """A plan cut to its first ``limit`` runs: its chunks, hence ``execute`` and ``merge_outcomes``, stop there."""

    limit: int = 0

    @property
    def runs(self) -> int:
        return min(self.limit, len(self.design) * self.sweep.replicates)


def first_runs(cfg: dict[str, Any], runs: int) -> FirstRuns:
    """The sweep's first ``runs`` runs, its values checked once for the whole design as a sweep does."""
    plan = check_values(engine.make_plan(sized(cfg, runs)))
    return FirstRuns(plan.cfg, plan.sweep, plan.design, plan.calendar, plan.values_checked, limit=runs)


def chunk_settings(plan: engine.Plan, start: int, stop: int) -> dict[str, np.ndarray]:
    """Per-run parameter values of sweep runs ``start..stop-1``, as ``engine.run_chunk`` sets them."""
    points = np.arange(start, stop) // plan.sweep.replicates
    return {name: plan.design[name].to_numpy()[points] for name in plan.sweep.names}


def chunk_streams(plan: engine.Plan, start: int, stop: int) -> np.ndarray:
    """The random-number stream of each sweep run ``start..stop-1``, as ``engine.run_chunk`` picks it."""
    runs = np.arange(start, stop)
    return runs % plan.sweep.replicates if plan.sweep.common_random_numbers else runs


def chunk_model(plan: engine.Plan, start: int, stop: int, record: tuple[str, ...] = ()) -> RelationsModel:
    """Sweep runs ``start..stop-1`` as one vectorised model, run to the end (the engine's model of a chunk)."""
    return RelationsModel(
        plan.cfg,
        runs=chunk_streams(plan, start, stop),
        settings=chunk_settings(plan, start, stop),
        record=record,
        record_events=False,
        collect=False,  # as the engine's chunks: no DataCollector reporters
        rng=plan.cfg["seed"],
        validated=plan.values_checked,  # as the engine's chunks
    ).run()


def state_digest(model: RelationsModel) -> str:
    """SHA-256 of a model's final state arrays: equal digests, equal computations."""
    digest = hashlib.sha256()
    for name, value in sorted(vars(model.state).items()):
        if isinstance(value, np.ndarray):
            digest.update(name.encode() + np.ascontiguousarray(value).tobytes())
    return digest.hexdigest()


def warm_up(plan: engine.Plan) -> None:
    """One single run (R = 1) first, so that no method pays for the process's first model (lazy imports, caches,
    compiled kernels)."""
    chunk_model(plan, 0, 1)


def timed(label: str, measure: Callable[[], int]) -> dict[str, float]:
    """Wall time of ``measure()`` (which returns the number of runs it did), and the runs per second."""
    print(f"measuring {label} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    runs = measure()
    seconds = time.perf_counter() - started
    return {"runs": runs, "seconds": seconds, "runs_per_second": runs / seconds}


# ---- (a) the sweep engine ------------------------------------------------------------------------------------


def engine_runs(plan: FirstRuns, workers: int, scratch: Path) -> int:
    """The real engine: every chunk written to ``scratch``, then the outcome files merged."""
    folder = scratch / engine.CHUNKS
    engine.execute(plan, folder, workers, progress=False)
    engine.merge_outcomes(plan, folder, scratch / "outcomes.parquet")
    return plan.runs


# ---- (c) the bare vectorised loop ----------------------------------------------------------------------------

_BARE: dict[str, Any] = {}


def _init_bare(cfg: dict[str, Any], values_checked: bool) -> None:
    _BARE["plan"] = replace(engine.make_plan(cfg), values_checked=values_checked)


def bare_chunk(plan: engine.Plan, start: int, stop: int) -> str:
    """Build and step one chunk's vectorised model; record nothing, write nothing. Returns its final state's digest."""
    return state_digest(chunk_model(plan, start, stop))


def _bare_worker(start: int, stop: int) -> str:
    digest = bare_chunk(_BARE["plan"], start, stop)
    gc.freeze()  # as the engine's workers do (``engine._worker_chunk``): the ratio measures recording and I/O only
    return digest


def bare_runs(plan: FirstRuns, workers: int, digests: list[str]) -> int:
    """The engine's chunks on the engine's kind of pool (same process context, same per-worker plan); each
    chunk's final-state digest goes to ``digests``."""
    chunks = plan.chunks()
    if workers <= 1 or len(chunks) <= 1:
        digests.extend(bare_chunk(plan, a, b) for a, b in chunks)
    else:
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=pool_context(),
            initializer=_init_bare,
            initargs=(plan.cfg, plan.values_checked),
        ) as pool:
            digests.extend(pool.map(_bare_worker, *zip(*chunks, strict=True)))
    return plan.runs


# ---- what is timed is the same computation -------------------------------------------------------------------


def check_same_runs(plan: FirstRuns, outcomes: Path, digests: list[str]) -> dict[str, Any]:
    """The first chunk, recorded: its outcomes are the engine's rows and its final state the bare loop's."""
    start, stop = plan.chunks()[0]
    model = chunk_model(plan, start, stop, record=plan.sweep.recorded_variables())
    measured = measure(model, plan.sweep)
    table = pq.read_table(outcomes).slice(start, stop - start)
    engine_equal = np.array_equal(table.column("run").to_numpy(), np.arange(start, stop)) and all(
        np.array_equal(table.column(name).to_numpy(), values, equal_nan=True) for name, values in measured.items()
    )
    return {
        "runs": [start, stop],
        "outcomes": sorted(measured),
        "engine_outcomes_equal": bool(engine_equal),
        "bare_loop_state_equal": state_digest(model) == digests[0],
    }


# ---- a replay, and the compiled kernels' one-off cost ----------------------------------------------------------


def replay_runs(cfg: dict[str, Any], runs: int) -> int:
    """The scenario's replay as ``run.py`` simulates it (everything recorded, the event log kept and its rows built),
    no files. ``cfg`` is validated, as ``run.py``'s is before its model is built (``validated=True``)."""
    model = RelationsModel(
        {**cfg, "sweep": None}, replicates=runs, collect=False, rng=cfg["seed"], validated=True
    ).run()
    if model.log is not None:
        _ = model.log.rows  # built when first read, as run.py reads them
    return runs


def replay_timings(cfg: dict[str, Any], runs: int, repeats: int = REPLAY_REPEATS) -> tuple[dict[str, float], list]:
    """The replay (``replay_runs``) timed ``repeats`` times in a row: the fastest as its timing (``timed``'s
    fields), and every repetition's seconds in order (the first pays whatever a process's first replay pays:
    first touches of its memory, the event log's first use)."""
    seconds = [timed("replay", lambda: replay_runs(cfg, runs))["seconds"] for _ in range(repeats)]
    best = min(seconds)
    return {"runs": runs, "seconds": best, "runs_per_second": runs / best}, seconds


def event_kernel(cfg: dict[str, Any], runs: int, months: int = 12, repeats: int = 3) -> dict[str, float]:
    """The compiled event kernel alone (``sim.mechanisms.events.month_events``): the routine events of ``months``
    months of ``runs`` runs, every country toward every partner, at the intended levels the model starts from;
    the fastest of ``repeats`` repetitions (the same events each time).

    Returns the nanoseconds per event and the events a run generates over the horizon (``1 + Poisson(λ)`` per
    directed dyad and month), and from them the CPU seconds that generating the events of 100,000 runs costs: a
    floor for a sweep's time that no compiling of the other stages lowers.
    """
    model = RelationsModel(
        {**copy.deepcopy(cfg), "sweep": None},
        replicates=runs,
        record=(),
        record_events=False,
        collect=False,
        rng=cfg["seed"],
    )
    p, n = model.world.params, model.world.n
    levels = [np.ascontiguousarray(model.state.intended[:, i, :]) for i in range(n)]
    for source in range(n):  # untimed: a month after the horizon, so that no first call is in the timing
        events.month_events(model.streams, months, source, levels[source], p.events_per_month, p.event_noise, 1)
    best, count = math.inf, 0
    for _ in range(repeats):  # the least disturbed repetition: a floor is measured on a quiet core
        count = 0
        started = time.perf_counter()
        for step in range(months):
            for source in range(n):
                _, counts, _, _ = events.month_events(
                    model.streams, step, source, levels[source], p.events_per_month, p.event_noise, model.max_events
                )
                count += int(counts.sum())
        best = min(best, time.perf_counter() - started)
    per_run = count / (runs * months) * model.world.n_steps
    ns = best / count * 1e9
    return {
        "events": count,
        "ns_per_event": round(ns, 1),
        "events_per_run": round(per_run, 1),
        "cpu_seconds_per_100k_runs": round(ns * 1e-9 * per_run * 100_000, 1),
    }


_COMPILE_PROBE = """
import json, sys, time
import mesa, numba, numpy as np, pandas  # the libraries first: importing them is not the kernels' cost
from numba.core.registry import CPUDispatcher
from sim.config import compose_config, to_container
cfg = to_container(compose_config())
started = time.perf_counter()
from sim.model import RelationsModel  # kernels with a declared signature compile (or load) on import
seconds = []
for _ in range(2):
    RelationsModel(cfg, runs=np.arange(1), record=(), record_events=False, rng=cfg["seed"]).run()
    seconds.append(time.perf_counter() - started)
    started = time.perf_counter()
# the kernels with machine code in this process: each compiled and saved to the cache (a miss) or loaded from it (a
# hit). Compiling a kernel compiles (and saves) every kernel it calls too; loading it loads the code they compiled into
# it, so a filled cache loads only the kernels the model calls from Python.
kernels = {id(v): v for name, module in list(sys.modules.items()) if name == "sim" or name.startswith("sim.")
           for v in vars(module).values() if isinstance(v, CPUDispatcher) and v.signatures}.values()
print(json.dumps({
    "seconds": seconds[0] - seconds[1],
    "kernels": len(kernels),
    "compiled": sum(1 for k in kernels if sum(k.stats.cache_misses.values())),
    "loaded": sum(1 for k in kernels if sum(k.stats.cache_hits.values())),
}))
"""


def compile_seconds() -> dict[str, Any]:
    """What the compiled kernels cost a fresh process: importing the model and running its first model, minus its
    second model's time, with an empty Numba cache folder (compiled and saved) and then with that folder filled
    (loaded). Also how many kernels the model called, and how many of them each process compiled and how many it
    loaded from the cache: every one compiled the first time, every one loaded the second (fewer kernels: only those
    the model calls from Python, with the kernels they call compiled into them)."""
    out: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        for label in ("cold_cache", "warm_cache"):
            proc = subprocess.run(
                [sys.executable, "-c", _COMPILE_PROBE],
                capture_output=True,
                text=True,
                env=env,
                cwd=Path(__file__).resolve().parents[1],
                timeout=1800,
                check=True,
            )
            probe = json.loads(proc.stdout.strip().splitlines()[-1])
            out[f"{label}_seconds"] = round(float(probe.pop("seconds")), 3)
            out[f"{label}_kernels"] = probe
    return out


# ---- (b) Mesa's batch_run -----------------------------------------------------------------------------------


def mesa_grid(plan: engine.Plan, runs: int) -> tuple[list[dict[str, float]], list[int]]:
    """Design points × seeds with exactly ``runs`` combinations: as many points as possible (a divisor of
    ``runs``, at most the design's size), spread evenly over the design."""
    n_points = max(d for d in range(1, min(runs, len(plan.design)) + 1) if runs % d == 0)
    rows = np.unique(np.linspace(0, len(plan.design) - 1, n_points).round().astype(int))
    settings = [{name: float(plan.design[name].iloc[k]) for name in plan.sweep.names} for k in rows]
    seeds = [plan.cfg["seed"] + k for k in range(runs // n_points)]
    return settings, seeds


def mesa_runs(plan: engine.Plan, runs: int, workers: int) -> int:
    """``runs`` single-run models (R = 1) through ``mesa.batch_run``, each over the whole horizon.

    batch_run iterates every parameter value that is iterable, so the config (a dict) and the recorded
    variables (a tuple) go in as one-element lists; ``rng`` gives each run its seed.
    """
    settings, seeds = mesa_grid(plan, runs)
    parameters = {
        "config": [plan.cfg],
        "settings": settings,
        "record": [plan.sweep.recorded_variables()],
        "record_events": False,
    }
    rows = mesa.batch_run(
        RelationsModel,
        parameters=parameters,
        rng=seeds,
        number_processes=workers,
        max_steps=plan.calendar.n_steps,
        data_collection_period=-1,
        display_progress=False,
    )
    done = len({row["RunId"] for row in rows})  # one row per country and run: the agent reporters
    if done != runs or any(row["Step"] != plan.calendar.n_steps for row in rows):
        raise RuntimeError(f"batch_run returned {done} runs, not {runs} runs of {plan.calendar.n_steps} steps")
    return done


# ---- report --------------------------------------------------------------------------------------------------


def peak_rss_mb() -> dict[str, float]:
    """Peak resident memory of this process and of its largest finished child, in MB (Linux: ru_maxrss in KiB)."""
    scale = 1 / 1024 if sys.platform.startswith("linux") else 1 / 1024**2
    return {
        "self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
        "children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale,
    }


def benchmark(
    cfg: dict[str, Any], runs: int, mesa_count: int, replay_count: int, workers: int, out_dir: Path
) -> dict[str, Any]:
    """All measurements (batch_run last: it switches multiprocessing's default start method to spawn)."""
    load_before = os.getloadavg()
    compiled = compile_seconds()
    plan = first_runs(cfg, runs)
    warm_up(plan)
    digests: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-", dir=out_dir) as scratch:
        timings = {"engine": timed("engine", lambda: engine_runs(plan, workers, Path(scratch)))}
        timings["bare loop"] = timed("bare loop", lambda: bare_runs(plan, workers, digests))
        same = check_same_runs(plan, Path(scratch) / "outcomes.parquet", digests)
    timings["replay"], replay_repeats = replay_timings(cfg, replay_count)
    kernel = event_kernel(cfg, EVENT_KERNEL_RUNS)
    timings["batch_run"] = timed("batch_run", lambda: mesa_runs(plan, mesa_count, workers))
    a, b, c = (timings[k]["runs_per_second"] for k in ("engine", "batch_run", "bare loop"))
    return {
        "sweep": plan.sweep.name,
        "design_points": len(plan.design),
        "months": plan.calendar.n_steps,
        "chunk_size": plan.sweep.chunk_size,
        "workers": workers,
        "methods": {name: {k: round(v, 6) for k, v in t.items()} for name, t in timings.items()},
        "speedup_over_batch_run": round(a / b, 2),
        "engine_over_bare_loop_time": round(c / a, 3),
        "replay_seconds": round(timings["replay"]["seconds"], 3),
        "replay_repeats_seconds": [round(x, 3) for x in replay_repeats],
        "compile": compiled,
        "event_kernel": kernel,
        "check": same,
        "bare_loop_digests": digests,
        "targets": {
            "speedup_over_batch_run": TARGET_SPEEDUP,
            "engine_over_bare_loop_time": TARGET_OVERHEAD,
            "replay_seconds": TARGET_REPLAY_SECONDS,
        },
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]},
        "peak_rss_mb": {k: round(v, 1) for k, v in peak_rss_mb().items()},
        "machine": {
            "cpus": default_workers(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "mesa": mesa.__version__,
            "numpy": np.__version__,
        },
    }


def table(result: dict[str, Any]) -> str:
    lines = [f"{'method':<10} {'runs':>8} {'seconds':>9} {'runs/s':>10}"]
    for name in ("engine", "batch_run", "bare loop", "replay"):
        m = result["methods"][name]
        lines.append(f"{name:<10} {m['runs']:>8,} {m['seconds']:>9.2f} {m['runs_per_second']:>10,.1f}")
    speedup, overhead = result["speedup_over_batch_run"], result["engine_over_bare_loop_time"]
    lines.append(f"speed-up over batch_run: {speedup:,.1f}× (target ≥ {TARGET_SPEEDUP:g}×)")
    lines.append(f"engine time / bare loop time: {overhead:.2f}× (target ≤ {TARGET_OVERHEAD:g}×)")
    lines.append(
        f"replay of {result['methods']['replay']['runs']:,} runs: {result['replay_seconds']:.2f} s, the fastest of "
        f"{', '.join(f'{x:.2f}' for x in result['replay_repeats_seconds'])} s "
        f"(target for 200 runs ≤ {TARGET_REPLAY_SECONDS:g} s)"
    )
    compiled = result["compile"]
    cold, warm = compiled["cold_cache_kernels"], compiled["warm_cache_kernels"]
    lines.append(
        f"compiled kernels, once per process: {compiled['cold_cache_seconds']:.2f} s to compile "
        f"({cold['compiled']} kernels compiled, {cold['loaded']} loaded), "
        f"{compiled['warm_cache_seconds']:.2f} s to load from the cache "
        f"({warm['loaded']} loaded, {warm['compiled']} compiled; not in the times above)"
    )
    kernel = result["event_kernel"]
    lines.append(
        f"event kernel alone: {kernel['ns_per_event']:.0f} ns per event, {kernel['events_per_run']:,.0f} events per "
        f"run: {kernel['cpu_seconds_per_100k_runs']:.0f} s of CPU per 100,000 runs whatever else is compiled"
    )
    check = result["check"]
    lines.append(
        f"same computation (runs {check['runs'][0]}..{check['runs'][1] - 1}): engine outcomes "
        f"{'equal' if check['engine_outcomes_equal'] else 'DIFFER'}, bare-loop final state "
        f"{'equal' if check['bare_loop_state_equal'] else 'DIFFERS'}"
    )
    load = result["load_average"]
    lines.append(f"load average (1, 5, 15 min): {load['before']} before, {load['after']} after")
    rss = result["peak_rss_mb"]
    lines.append(f"peak RSS: {rss['self']:,.0f} MB (this process), {rss['children']:,.0f} MB (largest child)")
    return "\n".join(lines)
