"""Discriminating or not (issue 9 §4): how often each pattern holds across the §5.8 parameter ranges.

A pattern that holds in almost every run of a Latin hypercube over the "range for SA" of MODEL-NOTES §5.8
cannot tell good parameter values from bad ones: it is reported as a consistency check, not as
validation. The hypercube runs through the sweep engine (``sim.sweep.engine``) with an outcome per pattern
(``stat: pattern``), so the per-run tests are those of ``sim.patterns``.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

from sim.stats import share
from sim.sweep import engine
from sim.sweep.spec import PATTERNS
from sim.validation.protocol import Protocol

NAME = "validation_lhs"


def lhs_config(cfg: dict[str, Any], protocol: Protocol) -> dict[str, Any]:
    """The sweep declaration of the hypercube: the protocol's ranges, one outcome per pattern."""
    swept = copy.deepcopy(cfg)
    swept["seed"] = protocol.seeds[0]
    swept["sweep"] = {
        "name": NAME,
        "description": "validation patterns across the MODEL-NOTES §5.8 ranges",
        "design": "lhs",
        "points": protocol.lhs_points,
        "replicates": protocol.lhs_replicates,
        "common_random_numbers": True,
        "chunk_size": protocol.lhs_chunk_size,
        "shards": 1,
        "shard": 0,
        "parameters": copy.deepcopy(protocol.lhs_parameters),
        "outcomes": {f"pattern_{key}": {"stat": "pattern", "pattern": key} for key in PATTERNS},
        "series": {},
    }
    return swept


def run_lhs(cfg: dict[str, Any], protocol: Protocol, out_path: Path, scratch: Path, workers: int) -> pd.DataFrame:
    """Run the hypercube (chunks in ``scratch``, deleted after) and write its per-run outcomes to ``out_path``."""
    plan = engine.make_plan(lhs_config(cfg, protocol))
    try:
        engine.execute(plan, scratch, workers=workers, progress=False)
        engine.merge_outcomes(plan, scratch, out_path)
    finally:
        engine.cleanup(scratch)
    return pq.read_table(out_path).to_pandas()


def labels(outcomes: pd.DataFrame, consistency: float, replicates: int) -> pd.DataFrame:
    """Per pattern: share of LHS runs where it holds (Wilson 95%), share of design points where it holds in
    every replicate, and the label ("consistency check" when the share's lower bound reaches ``consistency``)."""
    rows = []
    for key in PATTERNS:
        flags = outcomes[f"pattern_{key}"].to_numpy() > 0.5
        p, low, high = share(flags)
        points = outcomes.assign(flag=flags).groupby("point")["flag"].all()
        label = "consistency check" if low >= consistency else "discriminating"
        rows.append(
            {
                "pattern": key,
                "lhs_runs": flags.size,
                "holds": p,
                "holds_low": low,
                "holds_high": high,
                "points_always": float(points.mean()),
                "label": label if key != "joint" else "",
                "replicates_per_point": replicates,
            }
        )
    return pd.DataFrame(rows)
