"""Score candidate parameter sets through the sweep engine.

A generation of candidates becomes a sweep plan whose design points are the candidates; each point runs
``replicates`` runs on streams 0..R-1 (common random numbers: every candidate sees the same noise), in
vectorised chunks (``sim.sweep.engine.run_chunk``) on worker processes. Each target (a dyad's observed NCI
in one period) is a ``mean`` outcome of the simulated NCI over that period's months; the score of a
candidate is the weighted mean squared error of its ensemble-mean NCI against the observed values:

    L(θ) = Σ_k w_k (x_k(θ) − y_k)² / Σ_k w_k,    w_k = n_k / (n_k + 1)

with ``x_k`` the ensemble-mean simulated NCI and ``y_k`` the observed one. With ``objective: anomaly`` (the
default) both are first taken as deviations from their dyad's weighted mean over its targets: a hand-coded
timeline records the salient events of a relationship, so it tells the direction and timing of its
changes, not its everyday level (docs/observed-data.md). ``objective: level`` compares raw values.

The score depends only on (config, seed, candidate values), never on chunking or the number of workers.
"""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.calendar import Calendar
from sim.calibration.spec import CalibrationSpec
from sim.sweep import engine
from sim.sweep.spec import Outcome, Parameter, Sweep


def target_sweep(spec: CalibrationSpec) -> Sweep:
    """The sweep declaration that measures every calibration target (outcome ``t<k>`` = target row k)."""
    outcomes = tuple(Outcome(f"t{k}", "mean", "nci", row.source, row.target, first=row.first, last=row.last)
                     for k, row in enumerate(spec.targets.itertuples()))
    parameters = tuple(Parameter(p.path, low=p.low, high=p.high) for p in spec.parameters)
    return Sweep(name=f"calibration-{spec.name}", description="", design="random", points=1,
                 replicates=spec.replicates, chunk_size=spec.chunk_size, parameters=parameters, outcomes=outcomes)


def _chunk(plan: engine.Plan, index: int, start: int, stop: int, folder: str) -> int:
    return engine.run_chunk(plan, index, start, stop, Path(folder))


class Evaluator:
    """Scores generations of candidates; keeps one worker pool for the whole calibration."""

    def __init__(self, cfg: dict[str, Any], spec: CalibrationSpec, calendar: Calendar, workers: int):
        self.cfg, self.spec, self.calendar = cfg, spec, calendar
        self.sweep = target_sweep(spec)
        self.weights = spec.targets["weight"].to_numpy()
        dyad = spec.targets["source"] + "->" + spec.targets["target"]
        groups = pd.factorize(dyad, sort=True)[0]
        membership = (groups[:, None] == np.arange(groups.max() + 1)[None, :]).astype(float)  # (K, G)
        weighted = membership * self.weights[:, None]
        # x -> x minus its dyad's weighted mean, as one (K, K) matrix; the identity for objective "level"
        anomaly = np.eye(len(groups)) - (weighted / weighted.sum(axis=0)).dot(membership.T).T
        self.centre = anomaly if spec.objective == "anomaly" else np.eye(len(groups))
        self.observed = self.centre @ spec.targets["observed"].to_numpy()
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self.runs = 0

    def __enter__(self) -> Evaluator:
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=engine._pool_context())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def simulate(self, candidates: np.ndarray, cfg: dict[str, Any] | None = None) -> np.ndarray:
        """(P, K): each candidate's ensemble-mean simulated NCI of every target."""
        design = pd.DataFrame(np.atleast_2d(candidates), columns=self.sweep.names)
        design.insert(0, "point", np.arange(len(design), dtype=np.int64))
        plan = engine.Plan(cfg or self.cfg, self.sweep, design, self.calendar)
        folder = Path(tempfile.mkdtemp(prefix="calibration-"))
        try:
            chunks = plan.chunks()
            if self._pool is None or len(chunks) == 1:
                for k, (a, b) in enumerate(chunks):
                    engine.run_chunk(plan, k, a, b, folder)
            else:
                futures = [self._pool.submit(_chunk, plan, k, a, b, str(folder)) for k, (a, b) in enumerate(chunks)]
                for future in futures:
                    future.result()
            names = [o.name for o in self.sweep.outcomes]
            table = pd.concat([pq.read_table(folder / engine.chunk_name(k, "outcomes"), columns=["point", *names])
                               .to_pandas() for k in range(len(chunks))], ignore_index=True)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.runs += plan.runs
        means = table.groupby("point", sort=True)[names].mean()
        return means.to_numpy()

    def loss(self, simulated: np.ndarray) -> np.ndarray:
        """(P,) weighted mean squared error of each candidate's simulated targets."""
        deviations = np.atleast_2d(simulated) @ self.centre.T - self.observed
        return (self.weights * deviations**2).sum(axis=1) / self.weights.sum()

    def score(self, candidates: np.ndarray) -> np.ndarray:
        return self.loss(self.simulate(candidates))
