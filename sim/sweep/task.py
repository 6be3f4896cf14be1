"""The sweep task behind ``experiments/sweep.py``: plan, run, assemble, analyse, plot, record."""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sim.config.load import PROJECT_ROOT
from sim.io import atomic_write, atomic_write_text, ensure_fresh, sha256
from sim.manifest import build_manifest
from sim.sweep import engine
from sim.sweep.figures import write_sweep_figures
from sim.sweep.sensitivity import point_means, row_groups, sobol_indices

DESIGN, OUTCOMES, SERIES = "design.parquet", "outcomes.parquet", "series.parquet"
SOBOL, POINTS = "sobol.csv", "points.csv"
FIGURES, MANIFEST = "figures", "manifest.json"
FIGURE_RUNS = 100_000


def run_sweep(cfg: dict[str, Any], out_dir: Path, *, workers: int, overrides: list[str] | None = None,
              progress: bool = True) -> dict[str, Any]:
    """Run the sweep of ``cfg`` (validated, plain dict) into ``out_dir`` and describe what was written."""
    plan = engine.make_plan(cfg)
    ensure_fresh(out_dir, [DESIGN, OUTCOMES, SERIES, SOBOL, POINTS, FIGURES, MANIFEST])
    started = time.perf_counter()
    written = [atomic_write(out_dir / DESIGN, lambda tmp: plan.design.to_parquet(tmp, index=False))]
    chunks = out_dir / engine.CHUNKS
    worker_rss = engine.execute(plan, chunks, workers, progress=progress)
    simulated = time.perf_counter() - started
    written.append(engine.merge_outcomes(plan, chunks, out_dir / OUTCOMES))
    series = None
    if plan.sweep.series_variables:
        series = engine.series_bands(plan, chunks)
        written.append(atomic_write(out_dir / SERIES, lambda tmp: series.to_parquet(tmp, index=False)))
    engine.cleanup(chunks)

    names = [o.name for o in plan.sweep.outcomes]
    means = point_means(out_dir / OUTCOMES, names, len(plan.design))
    points = plan.design.set_index("point").join(means).reset_index()
    written.append(atomic_write(out_dir / POINTS, lambda tmp: points.to_csv(tmp, index=False, lineterminator="\n")))
    indices = None
    if plan.sweep.design == "sobol":
        indices = sobol_indices(plan.sweep, means, cfg["seed"])
        written.append(atomic_write(out_dir / SOBOL, lambda tmp: indices.to_csv(tmp, index=False, lineterminator="\n")))
    if cfg["report"]["figures"]:
        written += write_sweep_figures(plan, figure_runs(plan, out_dir / OUTCOMES), series, indices,
                                       out_dir / FIGURES)
    files = {str(path.relative_to(out_dir)): sha256(path) for path in sorted(written)}
    manifest = build_manifest(root=PROJECT_ROOT, cfg=cfg, overrides=list(overrides or []), files=files)
    manifest["sweep"] = {"name": plan.sweep.name, "design": plan.sweep.design, "points": len(plan.design),
                         "replicates": plan.sweep.replicates, "runs": plan.runs, "chunk_size": plan.sweep.chunk_size,
                         "workers": engine.processes(plan, workers)}
    atomic_write_text(out_dir / MANIFEST, json.dumps(manifest, indent=2) + "\n")
    elapsed = time.perf_counter() - started
    return {"name": plan.sweep.name, "runs": plan.runs, "points": len(plan.design), "seconds": round(elapsed, 2),
            "workers": engine.processes(plan, workers),
            "simulation_seconds": round(simulated, 2), "runs_per_second": round(plan.runs / simulated, 1),
            **peak_memory(worker_rss)}


def figure_runs(plan: engine.Plan, outcomes_path: Path, limit: int = FIGURE_RUNS) -> pd.DataFrame:
    """The runs the figures are drawn from: every run up to ``limit``; beyond, the first replicates of every
    design point (at least one), so large sweeps plot every point without holding every run in memory."""
    replicates = max(1, min(plan.sweep.replicates, limit // len(plan.design)))
    kept = [group.filter(pc.less(group.column("replicate"), replicates)) for group in row_groups(outcomes_path)]
    return pa.concat_tables(kept).to_pandas()


def peak_memory(worker_rss: int) -> dict[str, float]:
    """Peak resident memory in MB of this process and of the largest worker (``ru_maxrss`` is KB on Linux)."""
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"peak_rss_mb_main": round(own / scale, 1), "peak_rss_mb_largest_worker": round(worker_rss / scale, 1)}
