"""Run a sweep: design points × replicates, in chunks of vectorised runs, on worker processes.

Run ``k`` of a sweep is replicate ``r = k % replicates`` of design point ``k // replicates``. Its random
numbers are stream ``r`` under the sweep's seed (common random numbers: every point sees the same noise
in its replicate ``r``, so differences between points come from the parameters), or stream ``k`` with
``common_random_numbers: false``. Either way they depend only on (seed, stream), so a run's outcomes are
the same whatever the chunk size, the number of workers or the order in which chunks finish, and
``experiments/run.py first_run=<stream> replicates=1`` with the point's parameter values reproduces its
series. Each chunk writes its own file as soon as it is done;
the final tables are assembled from them in run order, one chunk at a time, so memory stays flat.
"""

from __future__ import annotations

import gc
import resource
import shutil
import sys
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from sim.calendar import Calendar
from sim.io import atomic_write
from sim.processes import pool_context
from sim.sweep.design import design_points
from sim.sweep.folder import CHUNKS as CHUNKS
from sim.sweep.folder import chunk_kinds, chunk_name, finished_chunks, remove_temporaries
from sim.sweep.spec import MAX_SERIES_VALUES, Sweep, auto_chunk_size, read_sweep

ROW_GROUP = 16_384
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


@dataclass(frozen=True)
class Plan:
    """What a sweep will run: the checked declaration, its design, and the chunks of run indices."""

    cfg: dict[str, Any]
    sweep: Sweep
    design: pd.DataFrame
    calendar: Calendar
    # every design point's values were checked together (``sim.sweep.task.check_values``), so a chunk's model
    # need not check its runs' values again (``RelationsModel(validated=True)``: 10-30% of a chunk's time)
    values_checked: bool = False

    @property
    def runs(self) -> int:
        return len(self.design) * self.sweep.replicates

    def chunks(self) -> list[tuple[int, int]]:
        size = self.sweep.chunk_size
        return [(start, min(start + size, self.runs)) for start in range(0, self.runs, size)]


def make_plan(cfg: dict[str, Any]) -> Plan:
    """Check the sweep of a validated config and draw its design (``ConfigError`` on a bad declaration)."""
    calendar = Calendar.from_strings(cfg["scenario"]["start"], cfg["stop"] or cfg["scenario"]["end"])
    sweep = read_sweep(cfg, calendar)
    design = design_points(sweep, cfg["seed"])
    if not sweep.chunk_size:  # ``chunk_size: 0``: chosen from the number of runs
        sweep = replace(sweep, chunk_size=auto_chunk_size(len(design) * sweep.replicates))
    plan = Plan(cfg, sweep, design, calendar)
    series_values = plan.runs * len(sweep.series_variables) * len(sweep.series_dyads) * calendar.n_steps
    if series_values > MAX_SERIES_VALUES:
        from sim.config.errors import ConfigError

        raise ConfigError(
            "sweep.series",
            f"{series_values:,} values",
            f"too many to keep for bands (at most {MAX_SERIES_VALUES:,}): ask for fewer "
            "variables, dyads, points or replicates",
        )
    return plan


# ---- one chunk (runs in a worker process) ----------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(plan_cfg: dict[str, Any], values_checked: bool) -> None:
    _WORKER["plan"] = replace(make_plan(plan_cfg), values_checked=values_checked)


def run_chunk(plan: Plan, index: int, start: int, stop: int, folder: Path) -> int:
    """Run sweep runs ``start..stop-1`` as one vectorised model and write their outcomes (and series)."""
    # imported here: the model (mesa) takes a second to import, and the preflight only plans the sweep
    from sim.model import RelationsModel
    from sim.sweep.outcomes import measure, series_block

    sweep, reps = plan.sweep, plan.sweep.replicates
    runs = np.arange(start, stop)
    points, replicates = np.divmod(runs, reps)
    streams = replicates if sweep.common_random_numbers else runs
    settings = {name: plan.design[name].to_numpy()[points] for name in sweep.names}
    model = RelationsModel(
        plan.cfg,
        runs=streams,
        settings=settings,
        record_events=False,
        record=sweep.recorded_variables(),
        collect=False,  # outcomes come from ``history``: the DataCollector's ensemble means would cost ~5% of a chunk
        rng=plan.cfg["seed"],
        validated=plan.values_checked,
    ).run()
    table = {
        "run": runs,
        "point": points,
        "replicate": replicates,
        "seed": np.full(runs.size, plan.cfg["seed"], dtype=np.int64),
        "stream": streams,
        **measure(model, sweep),
    }
    frame = pa.table(table)
    if sweep.series_variables:
        block = series_block(model, sweep)

        def save(tmp: Path) -> None:
            with tmp.open("wb") as handle:  # np.save would add ".npy" to a bare temporary name
                np.save(handle, block)

        atomic_write(folder / chunk_name(index, "series"), save)
    # the outcome file goes last: a chunk counts as finished once it is in place (``finished_chunks``)
    atomic_write(folder / chunk_name(index, "outcomes"), lambda tmp: pq.write_table(frame, tmp))
    # a Mesa model and its agents refer to each other: free this chunk's arrays now, not at some later GC pass,
    # so a worker's memory stays flat however many chunks it runs
    del model
    gc.collect()
    return stop - start


def _worker_chunk(index: int, start: int, stop: int, folder: str) -> tuple[int, int]:
    """Run a chunk in a worker; returns its run count and the worker's peak resident memory (KB)."""
    done = run_chunk(_WORKER["plan"], index, start, stop, Path(folder))
    # what outlives a chunk is the worker's own state (modules, compiled code, the plan): frozen, the next chunk's
    # collection scans only that chunk's objects (a full collection cost about 10% of a 1,024-run chunk)
    gc.freeze()
    return done, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# ---- the whole sweep -----------------------------------------------------------------------------------


def processes(plan: Plan, workers: int) -> int:
    """How many processes a sweep actually uses: never more than it has chunks; one means in-process."""
    return max(1, min(workers, len(plan.chunks())))


def execute(
    plan: Plan,
    folder: Path,
    workers: int,
    progress: bool = True,
    only: Iterable[int] | None = None,
    desc: str | None = None,
) -> int:
    """Run every chunk (or every chunk in ``only``) not yet finished in ``folder``, in parallel when
    ``workers > 1``; first delete the temporary files that killed writers of those chunks left behind.

    Returns the peak resident memory (KB) of the worker processes (0 when the chunks ran in this process).
    """
    folder.mkdir(parents=True, exist_ok=True)
    chunks = plan.chunks()
    wanted = range(len(chunks)) if only is None else only
    kinds = chunk_kinds(bool(plan.sweep.series_variables))
    finished = finished_chunks(folder, bool(plan.sweep.series_variables))
    todo = [(k, *chunks[k]) for k in wanted if k not in finished]
    remove_temporaries(folder, [chunk_name(k, kind) for k, _, _ in todo for kind in kinds])
    total = sum(chunks[k][1] - chunks[k][0] for k in wanted)
    bar = tqdm(
        total=total,
        initial=total - sum(b - a for _, a, b in todo),
        unit="run",
        unit_scale=True,
        desc=desc or plan.sweep.name,
        disable=not progress,
        smoothing=0.1,
        file=sys.stderr,
    )
    with bar:
        if workers <= 1 or len(todo) <= 1:
            for k, a, b in todo:
                bar.update(run_chunk(plan, k, a, b, folder))
            return 0
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=pool_context(),
            initializer=_init_worker,
            initargs=(plan.cfg, plan.values_checked),
        ) as pool:
            futures = [pool.submit(_worker_chunk, k, a, b, str(folder)) for k, a, b in todo]
            peak = 0
            for done in as_completed(futures):
                runs, rss = done.result()
                bar.update(runs)
                peak = max(peak, rss)
            return peak


def verify_chunks(plan: Plan, folder: Path) -> None:
    """Check that every chunk file is in place, readable and holds its chunk's runs, before they are merged.

    Raises ``RuntimeError`` naming the first bad file (a chunk file damaged on disk, or left by other code).
    """
    series = bool(plan.sweep.series_variables)
    for k, (a, b) in enumerate(plan.chunks()):
        path = folder / chunk_name(k, "outcomes")
        try:
            rows = pq.ParquetFile(path).metadata.num_rows
            if series:
                rows = min(rows, np.load(folder / chunk_name(k, "series"), mmap_mode="r").shape[0])
        except (OSError, ValueError, pa.ArrowException) as err:
            raise RuntimeError(f"chunk {k} cannot be read ({err}); delete {path} and run the sweep again") from err
        if rows != b - a:
            raise RuntimeError(f"chunk {k} holds {rows} runs, expected {b - a}; delete {path} and run the sweep again")


def _chunk_tables(plan: Plan, folder: Path) -> Iterator[pa.Table]:
    for k in range(len(plan.chunks())):
        yield pq.read_table(folder / chunk_name(k, "outcomes"))


def merge_outcomes(plan: Plan, folder: Path, path: Path) -> Path:
    """Join the chunks' outcome files, in run order, into one Parquet file.

    Rows go out in row groups of a fixed size, so the file's bytes do not depend on how the runs were
    chunked; at most one row group and one chunk are in memory at a time.
    """

    def write(tmp: Path) -> None:
        writer, pending = None, []
        for table in _chunk_tables(plan, folder):
            writer = writer or pq.ParquetWriter(tmp, table.schema, compression="zstd")
            pending.append(table)
            buffered = pa.concat_tables(pending)
            full = buffered.num_rows // ROW_GROUP * ROW_GROUP
            for start in range(0, full, ROW_GROUP):
                writer.write_table(buffered.slice(start, ROW_GROUP))
            pending = [buffered.slice(full)]
        rest = pa.concat_tables(pending)
        if rest.num_rows:
            writer.write_table(rest)
        writer.close()

    return atomic_write(path, write)


def series_bands(plan: Plan, folder: Path) -> pd.DataFrame:
    """Per design point, month and requested series: quantiles over replicates."""
    sweep, reps = plan.sweep, plan.sweep.replicates
    blocks = np.concatenate([np.load(folder / chunk_name(k, "series")) for k in range(len(plan.chunks()))])
    by_point = blocks.reshape(len(plan.design), reps, *blocks.shape[1:])  # runs are point-major
    qs = np.quantile(by_point, QUANTILES, axis=1)  # (Q, P, S, T)
    labels = [(v, s, t) for v in sweep.series_variables for s, t in sweep.series_dyads]
    dates = plan.calendar.dates()
    p_idx, s_idx, t_idx = np.meshgrid(
        np.arange(len(plan.design)), np.arange(len(labels)), np.arange(len(dates)), indexing="ij"
    )
    frame = pd.DataFrame(
        {
            "point": p_idx.ravel(),
            "date": dates[t_idx.ravel()],
            "source": [labels[s][1] for s in s_idx.ravel()],
            "target": [labels[s][2] for s in s_idx.ravel()],
            "variable": [labels[s][0] for s in s_idx.ravel()],
        }
    )
    for q, name in zip(qs, ("q05", "q25", "median", "q75", "q95"), strict=True):
        frame[name] = q.ravel()
    return frame


def cleanup(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
