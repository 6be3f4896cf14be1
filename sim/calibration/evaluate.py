"""Score candidate parameter sets through the sweep engine, in the fit window or in both windows.

A generation of candidates becomes a sweep plan whose design points are the candidates; each point runs
``replicates`` runs on streams 0..R-1 (common random numbers: every candidate sees the same noise), in
vectorised chunks (``sim.sweep.engine.run_chunk``) on worker processes. Each target (a dyad's observed NCI
in one quarter) is a per-run ``mean`` outcome of the simulated NCI over that quarter's months; the moments
add their own outcomes (``sim.calibration.moments``).

While fitting, the model is simulated only up to the split (``cfg.stop`` = split; a run cut there is
identical month for month to the first months of the full run, see tests/test_calibration.py) and only the
fit-window targets are measured, so the objective cannot read anything after the split. The minimised
objective of a candidate θ is

    J(θ) = (1 − skill_fit(θ)) + Σ_m penalty_m(θ) + μ·Σ_i ((θ_i − θ0_i)/(high_i − low_i))²

with the skill of ``sim.calibration.score`` and the weak prior of ``fit.py``. The score depends only on
(config, seed, candidate values), never on chunking or the number of workers.
"""

from __future__ import annotations

import copy
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.calendar import Calendar, parse_month
from sim.calibration import moments as mom
from sim.calibration.score import skill_by_window
from sim.calibration.spec import CalibrationSpec
from sim.processes import pool_context
from sim.sweep import engine
from sim.sweep.spec import Outcome, Parameter, Sweep


def target_outcomes(targets: pd.DataFrame) -> list[Outcome]:
    """One outcome ``t<k>`` per target row k: the run's mean NCI of that dyad over that period's months."""
    return [
        Outcome(f"t{k}", "mean", "nci", row.source, row.target, first=row.first, last=row.last)
        for k, row in enumerate(targets.itertuples())
    ]


def target_sweep(spec: CalibrationSpec, targets: pd.DataFrame, extra: list[Outcome], replicates: int) -> Sweep:
    """The sweep declaration that measures the given targets (``t<k>``) and moment outcomes."""
    parameters = tuple(Parameter(p.path, low=p.low, high=p.high) for p in spec.parameters)
    return Sweep(
        name=f"calibration-{spec.name}",
        description="",
        design="random",
        points=1,
        replicates=replicates,
        chunk_size=spec.chunk_size,
        parameters=parameters,
        outcomes=tuple(target_outcomes(targets) + extra),
    )


def truncated(cfg: dict[str, Any], last: str) -> dict[str, Any]:
    """``cfg`` simulated only up to month ``last`` (report dates after it dropped: they are not computed)."""
    out = copy.deepcopy(cfg)
    out["stop"] = last
    rep, end = out["report"], parse_month(last)
    rep["windows"] = {k: w for k, w in rep["windows"].items() if parse_month(w[1]) <= end}
    for key in ("milestone_dates", "trust_matrix_dates"):
        rep[key] = [d for d in rep[key] if parse_month(d) <= end]
    return out


def _chunk(plan: engine.Plan, index: int, start: int, stop: int, folder: str) -> int:
    return engine.run_chunk(plan, index, start, stop, Path(folder))


class Evaluator:
    """Scores candidates; keeps one worker pool for the whole calibration."""

    def __init__(self, cfg: dict[str, Any], spec: CalibrationSpec, calendar: Calendar, workers: int):
        self.cfg, self.spec, self.calendar = cfg, spec, calendar
        # the fit window ends at the split, or earlier when the run itself stops earlier
        self.fit_last = min(spec.split, calendar.label(calendar.n_steps - 1), key=parse_month)
        self.fit_calendar = Calendar.from_strings(calendar.label(0), self.fit_last)
        self.fit_targets = spec.targets[spec.targets["window"] == "fit"].reset_index(drop=True)
        self.fit_cfg = truncated(cfg, self.fit_last)
        self.moment_outcomes = mom.outcomes(spec.moments, self.fit_calendar, self.fit_last)
        self.fit_sweep = target_sweep(spec, self.fit_targets, self.moment_outcomes, spec.replicates)
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self.runs = 0

    def __enter__(self) -> Evaluator:
        if self.workers > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=pool_context())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)

    def simulate(
        self, candidates: np.ndarray, cfg: dict[str, Any], sweep: Sweep, calendar: Calendar
    ) -> dict[str, np.ndarray]:
        """Every outcome of ``sweep`` for every candidate and run: name -> (P, R)."""
        design = pd.DataFrame(np.atleast_2d(candidates), columns=sweep.names)
        design.insert(0, "point", np.arange(len(design), dtype=np.int64))
        plan = engine.Plan(cfg, sweep, design, calendar)
        folder = Path(tempfile.mkdtemp(prefix="calibration-"))
        names = [o.name for o in sweep.outcomes]
        try:
            chunks = plan.chunks()
            if self._pool is None or len(chunks) == 1:
                for k, (a, b) in enumerate(chunks):
                    engine.run_chunk(plan, k, a, b, folder)
            else:
                futures = [self._pool.submit(_chunk, plan, k, a, b, str(folder)) for k, (a, b) in enumerate(chunks)]
                for future in futures:
                    future.result()
            table = pd.concat(
                [
                    pq.read_table(
                        folder / engine.chunk_name(k, "outcomes"), columns=["point", "replicate", *names]
                    ).to_pandas()
                    for k in range(len(chunks))
                ],
                ignore_index=True,
            )
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        self.runs += plan.runs
        table = table.sort_values(["point", "replicate"], kind="stable")
        shape = (len(design), sweep.replicates)
        return {name: table[name].to_numpy().reshape(shape) for name in names}

    @staticmethod
    def stack(values: dict[str, np.ndarray], targets: pd.DataFrame) -> np.ndarray:
        """(P, R, K): the per-run simulated NCI at every target."""
        return np.stack([values[f"t{k}"] for k in range(len(targets))], axis=-1)

    def objective(self, candidates: np.ndarray) -> dict[str, np.ndarray]:
        """Fit-window loss ``1 − skill`` (P,), and each moment's median and penalty (P,)."""
        values = self.simulate(candidates, self.fit_cfg, self.fit_sweep, self.fit_calendar)
        skill = skill_by_window(self.fit_targets, self.stack(values, self.fit_targets))["fit"]["skill"]
        out = {"loss": 1.0 - skill}
        for name, moment in mom.evaluate(self.spec.moments, values, self.fit_calendar, self.fit_last).items():
            out[f"{name}_median"], out[f"{name}_penalty"] = moment["median"], moment["penalty"]
        return out

    def score_rows(self, rows: dict[str, tuple[dict[str, Any], np.ndarray]]) -> dict[str, dict[str, Any]]:
        """Each named row (its config, its candidate values) scored in both windows on the scoring seed.

        Returns per row: ``runs`` (R, K) per-run simulated NCI at every target, ``windows`` (skill per window)
        and ``moments`` (their medians; the moments read the fit window only, as in the objective).
        """
        spec = self.spec
        sweep = target_sweep(spec, spec.targets, self.moment_outcomes, spec.score_replicates)
        out = {}
        for name, (cfg, values) in rows.items():
            scored = {**copy.deepcopy(cfg), "seed": spec.score_seed}
            simulated = self.simulate(values[None, :], scored, sweep, self.calendar)
            runs = self.stack(simulated, spec.targets)
            windows = skill_by_window(spec.targets, runs)
            moments = mom.evaluate(spec.moments, simulated, self.fit_calendar, self.fit_last)
            out[name] = {
                "runs": runs[0],
                "windows": {
                    w: {k: (v[0] if isinstance(v, np.ndarray) else v) for k, v in s.items()} for w, s in windows.items()
                },
                "moments": {m: float(v["median"][0]) for m, v in moments.items()},
            }
        return out
