"""The sweep task behind ``experiments/sweep.py``: plan, run (or resume, or run one shard), assemble, analyse,
plot, record.

A sweep folder fills in two stages. Chunks of runs go to ``chunks/`` as they finish, each file renamed into
place whole; a sweep started again with the same configuration skips the finished chunks. Once every chunk is
there, whoever gets there first (the sweep, the last shard to finish, or ``experiments/merge.py``) assembles
the final files under the folder's lock, the manifest last, and deletes the chunks. The final files depend
only on the configuration, never on chunking, workers, shards or interruptions.
"""

from __future__ import annotations

import resource
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.config.validate import validate_ranges
from sim.folder import MANIFEST, ResultFolder
from sim.sweep import engine, folder

DESIGN, OUTCOMES, SERIES = "design.parquet", "outcomes.parquet", "series.parquet"
SOBOL, POINTS = "sobol.csv", "points.csv"
FIGURES = "figures"
RESULTS = (DESIGN, OUTCOMES, SERIES, SOBOL, POINTS, FIGURES, MANIFEST)
FIGURE_RUNS = 100_000


class IncompleteSweepError(RuntimeError):
    """A merge was asked for before every chunk of the sweep was finished."""


def check_values(plan: engine.Plan) -> engine.Plan:
    """Every design point's values are valid together, checked over the extremes of the design before a folder
    is made (``ConfigError`` otherwise): a grid value out of range, or k_ij and k_ji that are each fine alone
    but unstable when both are at their highest. Returns the plan marked as checked: its chunks' values lie
    within these extremes, so their models do not check them again (``validate_ranges`` explains why the
    extremes suffice)."""
    validate_ranges(
        plan.cfg, {name: (float(plan.design[name].min()), float(plan.design[name].max())) for name in plan.sweep.names}
    )
    return replace(plan, values_checked=True)


def run_sweep(
    cfg: dict[str, Any], out_dir: Path, *, workers: int, overrides: list[str] | None = None, progress: bool = True
) -> dict[str, Any]:
    """Run the sweep of ``cfg`` (validated, plain dict) into ``out_dir`` and describe what happened.

    Resumes a folder that holds the same sweep (same fingerprint) from its finished chunks, and does nothing
    in one that is complete. With ``sweep.shards > 1`` runs only shard ``sweep.shard``'s chunks and merges
    if they were the last ones missing. ``state`` in the result is ``complete`` (it already was), ``merged``
    (this call wrote the final files) or ``partial`` (chunks of other shards are still missing).
    Raises ``OutputExistsError`` for a folder that holds anything else.
    """
    plan = check_values(engine.make_plan(cfg))
    shards, shard = cfg["sweep"]["shards"], cfg["sweep"]["shard"]
    chunks = plan.chunks()
    record = folder.claim(out_dir, cfg, runs=plan.runs, chunks=len(chunks), overrides=list(overrides or []))
    base = {
        "name": plan.sweep.name,
        "folder": str(out_dir),
        "runs": plan.runs,
        "points": len(plan.design),
        "chunks": len(chunks),
        "shards": shards,
        "shard": shard,
        "fingerprint": record["fingerprint"],
    }
    if (out_dir / MANIFEST).is_file():
        folder.tidy_complete(out_dir)  # a sweep killed after writing its manifest left its chunks
        return {**base, "state": "complete", "ran_runs": 0, "seconds": 0.0}

    own = folder.shard_chunks(len(chunks), shards, shard)
    chunks_dir = out_dir / folder.CHUNKS
    series = bool(plan.sweep.series_variables)
    pending = [k for k in own if k not in folder.finished_chunks(chunks_dir, series)]
    ran_runs = sum(chunks[k][1] - chunks[k][0] for k in pending)
    used = max(1, min(workers, len(pending))) if pending else 0
    started = time.perf_counter()
    if shards > 1:
        folder.write_status(out_dir, shard, shards, "running", chunks=[own.start, own.stop], pending=len(pending))
    try:
        worker_rss = engine.execute(
            plan,
            chunks_dir,
            workers,
            progress=progress,
            only=own,
            desc=f"{plan.sweep.name} shard {shard}/{shards}" if shards > 1 else None,
        )
    except Exception as err:
        if shards > 1:
            folder.write_status(
                out_dir,
                shard,
                shards,
                "failed",
                chunks=[own.start, own.stop],
                error=f"{type(err).__name__}: {err}".splitlines()[0],
            )
        raise
    simulated = time.perf_counter() - started
    if shards > 1:
        folder.write_status(
            out_dir, shard, shards, "done", chunks=[own.start, own.stop], ran=len(pending), seconds=round(simulated, 2)
        )
    result = {
        **base,
        "ran_runs": ran_runs,
        "ran_chunks": len(pending),
        "resumed": len(pending) < len(own),
        "workers": used,
        "simulation_seconds": round(simulated, 2),
        "runs_per_second": round(ran_runs / simulated, 1) if ran_runs and simulated > 0 else 0.0,
        **peak_memory(worker_rss),
    }
    if set(range(len(chunks))) - folder.finished_chunks(chunks_dir, series):
        return {**result, "state": "partial", "seconds": round(time.perf_counter() - started, 2)}
    merged = finalize(out_dir, workers=used, shards=shards, record=record)
    return {**result, "state": "merged" if merged else "complete", "seconds": round(time.perf_counter() - started, 2)}


def finalize(
    out_dir: Path, *, workers: int | None = None, shards: int | None = None, record: dict[str, Any] | None = None
) -> bool:
    """Assemble a sweep folder's final files from its chunks, the manifest last, then delete the chunks.

    Idempotent and safe to call from several processes: under the folder's lock, a folder that already has
    its manifest is left as it is (returns False). Raises ``IncompleteSweepError`` (naming what is missing) when
    chunks are missing; writes nothing then.
    """
    record = record or folder.read_record(out_dir)
    if record is None:
        raise IncompleteSweepError(f"{out_dir} holds no sweep record ({folder.RECORD}): not a sweep folder")
    cfg = record["config"]
    with folder.finalizing(out_dir):
        if (out_dir / MANIFEST).is_file():
            return False
        plan = engine.make_plan(cfg)
        chunks_dir = out_dir / folder.CHUNKS
        lines, missing = folder.report(out_dir, record)
        if missing:
            raise IncompleteSweepError("\n".join(lines))
        engine.verify_chunks(plan, chunks_dir)
        for directory in (out_dir, out_dir / FIGURES):
            folder.remove_temporaries(directory)  # of merges that died: nobody else merges while we hold the lock
        if shards is None:
            shards = max((s.get("shards", 1) for s in folder.statuses(out_dir)), default=1)
        write_results(plan, out_dir, chunks_dir, workers=workers, shards=shards, record=record)
        engine.cleanup(chunks_dir)
    return True


def write_results(
    plan: engine.Plan, out_dir: Path, chunks_dir: Path, *, workers: int | None, shards: int, record: dict[str, Any]
) -> None:
    # imported here: figures (matplotlib) and Sobol' indices (SALib, scipy) take seconds to import, and the
    # preflight imports this module only to check a sweep's values
    from sim.sweep.figures import write_sweep_figures
    from sim.sweep.sensitivity import point_means, sobol_indices

    cfg = plan.cfg
    results = ResultFolder(out_dir, "sweep", cfg, record["overrides"])  # the folder was checked by folder.claim
    results.write(DESIGN, lambda tmp: plan.design.to_parquet(tmp, index=False))
    results.add([engine.merge_outcomes(plan, chunks_dir, out_dir / OUTCOMES)])
    series = None
    if plan.sweep.series_variables:
        series = engine.series_bands(plan, chunks_dir)
        results.write(SERIES, lambda tmp: series.to_parquet(tmp, index=False))

    names = [o.name for o in plan.sweep.outcomes]
    means = point_means(out_dir / OUTCOMES, names, len(plan.design))
    points = plan.design.set_index("point").join(means).reset_index()
    results.write_csv(POINTS, points)
    indices = None
    if plan.sweep.design == "sobol":
        indices = sobol_indices(plan.sweep, means, cfg["seed"])
        results.write_csv(SOBOL, indices)
    if cfg["report"]["figures"]:
        results.add(
            write_sweep_figures(
                plan, figure_runs(plan, out_dir / OUTCOMES), series, indices, out_dir / FIGURES, workers=workers or 1
            )
        )
    results.finish(
        sweep={
            "name": plan.sweep.name,
            "design": plan.sweep.design,
            "points": len(plan.design),
            "replicates": plan.sweep.replicates,
            "runs": plan.runs,
            "chunk_size": plan.sweep.chunk_size,
            "chunks": len(plan.chunks()),
            "fingerprint": record["fingerprint"],
            "workers": workers,
            "shards": shards,
        }
    )


def figure_runs(plan: engine.Plan, outcomes_path: Path, limit: int = FIGURE_RUNS) -> pd.DataFrame:
    """The runs the figures are drawn from: every run up to ``limit``; beyond, the first replicates of every
    design point (at least one), so large sweeps plot every point without holding every run in memory."""
    from sim.sweep.sensitivity import row_groups

    replicates = max(1, min(plan.sweep.replicates, limit // len(plan.design)))
    kept = [group.filter(pc.less(group.column("replicate"), replicates)) for group in row_groups(outcomes_path)]
    return pa.concat_tables(kept).to_pandas()


def peak_memory(worker_rss: int) -> dict[str, float]:
    """Peak resident memory in MB of this process and of the largest worker (``ru_maxrss`` is KB on Linux)."""
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_rss_mb_main": round(own / scale, 1), "peak_rss_mb_largest_worker": round(worker_rss / scale, 1)}
