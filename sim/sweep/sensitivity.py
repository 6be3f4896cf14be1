"""Sobol' sensitivity indices of sweep outcomes (SALib), with bootstrap confidence intervals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from SALib.analyze import sobol

from sim.sweep.spec import Sweep


def row_groups(path: Path, columns: list[str] | None = None) -> Iterator[pa.Table]:
    """An outcome file one row group at a time (its record-batch reader buffers more as it goes)."""
    handle = pq.ParquetFile(path)
    for index in range(handle.metadata.num_row_groups):
        yield handle.read_row_group(index, columns=columns, use_threads=False)


def point_means(outcomes_path: Path, names: list[str], points: int) -> pd.DataFrame:
    """Each design point's mean of each outcome over its replicates (NaN-aware), in point order.

    Reads the outcome file one record batch at a time, so memory grows with the design, not the runs.
    """
    sums, counts = np.zeros((len(names), points)), np.zeros((len(names), points))
    for batch in row_groups(outcomes_path, ["point", *names]):
        point = batch.column("point").to_numpy()
        for k, name in enumerate(names):
            values = batch.column(name).to_numpy(zero_copy_only=False)
            finite = np.isfinite(values)
            sums[k] += np.bincount(point[finite], weights=values[finite], minlength=points)
            counts[k] += np.bincount(point[finite], minlength=points)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    return pd.DataFrame(means.T, columns=names, index=pd.RangeIndex(points, name="point"))


def sobol_indices(sweep: Sweep, means: pd.DataFrame, seed: int) -> pd.DataFrame:
    """First-order (S1) and total (ST) indices, with 95% intervals, of each outcome's point means.

    The design must be ``sobol`` (Saltelli layout, ``calc_second_order=False``). Outcomes with undefined
    values at some point (a milestone month that never happens) are left out, since SALib needs a value
    everywhere, and so are outcomes that never vary (their indices are undefined).
    """
    names = [o.name for o in sweep.outcomes]
    rows = []
    for name in names:
        y = means[name].to_numpy()
        if not np.isfinite(y).all() or np.ptp(y) == 0:
            continue
        result = sobol.analyze(sweep.salib_problem(), y, calc_second_order=False, seed=seed)
        for k, parameter in enumerate(sweep.names):
            rows.append(
                {
                    "outcome": name,
                    "parameter": parameter,
                    "S1": result["S1"][k],
                    "S1_conf": result["S1_conf"][k],
                    "ST": result["ST"][k],
                    "ST_conf": result["ST_conf"][k],
                }
            )
    return pd.DataFrame(rows, columns=["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"])
