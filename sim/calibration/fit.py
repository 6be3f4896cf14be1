"""Differential evolution (SciPy) over the calibration parameters, a whole generation per engine call.

``scipy.optimize.differential_evolution`` with ``vectorized=True`` and ``updating="deferred"`` hands over
each generation as one array, which the evaluator scores as one sweep. The optimiser is seeded by the
config's seed and runs a fixed budget (``tol: 0``), so a calibration reruns to the same result.

The minimised score is the fit-window loss ``1 − skill`` plus the declared moment penalties
(``sim.calibration.evaluate``, ``sim.calibration.moments``) plus a weak prior centred on the defaults
(``conf/params/default.yaml``), ``μ·Σ_i ((θ_i − θ0_i)/(high_i − low_i))²`` with ``μ = prior_weight``: it
keeps parameters the data say little about near their documented values. Why differential evolution:
docs/calibration.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import differential_evolution

from sim.calibration.evaluate import Evaluator
from sim.calibration.spec import CalibrationSpec


@dataclass
class FitResult:
    best: np.ndarray
    best_score: float  # loss + moment penalties + prior penalty (what the optimiser minimised)
    best_fit: float  # the fit-window loss 1 − skill alone
    generations: int
    candidates: pd.DataFrame  # generation, candidate, parameter values, score
    message: str


def fit(spec: CalibrationSpec, evaluator: Evaluator, seed: int, progress=None) -> FitResult:
    """Run the optimiser; ``progress(generation, best_score)`` is called after each generation."""
    names = spec.names
    records: list[pd.DataFrame] = []

    span = np.array([p.high - p.low for p in spec.parameters])
    centre = np.array([p.default for p in spec.parameters])

    def penalty(x: np.ndarray) -> np.ndarray:  # x: (candidates, parameters)
        return spec.prior_weight * (((x - centre) / span) ** 2).sum(axis=1)

    def objective(x: np.ndarray) -> np.ndarray:  # x: (parameters, candidates)
        parts = evaluator.objective(x.T)
        scores = parts["loss"] + penalty(x.T)
        for key, value in parts.items():
            if key.endswith("_penalty"):
                scores = scores + value
        frame = pd.DataFrame(x.T, columns=names)
        frame.insert(0, "candidate", np.arange(len(frame), dtype=np.int64))
        frame.insert(0, "generation", np.int64(len(records)))
        frame["fit"] = parts["loss"]
        for key, value in parts.items():
            if key != "loss":
                frame[key] = value
        frame["prior_penalty"] = penalty(x.T)
        frame["score"] = scores
        records.append(frame)
        if progress is not None:
            progress(len(records) - 1, float(min(f["score"].min() for f in records)))
        return scores

    opt = spec.optimiser
    result = differential_evolution(
        objective,
        bounds=[(p.low, p.high) for p in spec.parameters],
        strategy=opt["strategy"],
        maxiter=int(opt["maxiter"]),
        popsize=int(opt["popsize"]),
        tol=float(opt["tol"]),
        mutation=tuple(opt["mutation"]) if isinstance(opt["mutation"], list) else float(opt["mutation"]),
        recombination=float(opt["recombination"]),
        rng=np.random.default_rng(seed),
        polish=False,
        init="latinhypercube",
        updating="deferred",
        vectorized=True,
    )
    candidates = pd.concat(records, ignore_index=True)
    best = candidates.loc[candidates["score"].idxmin()]
    return FitResult(
        best=np.asarray(result.x),
        best_score=float(result.fun),
        best_fit=float(best["fit"]),
        generations=len(records),
        candidates=candidates,
        message=str(result.message),
    )
