"""What the dashboard computes: an ensemble for the page's settings and its paired baseline.

The baseline is the picked scenario as shipped, under the same behavioural parameters, seed and run indices
(common random numbers: run ``k`` draws the same random numbers in both arms), so each run's difference is
the effect of the scenario sliders, as in ``experiments/compare.py``. Baselines are cached: moving a
scenario slider runs one arm, not two.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config import compose_config, to_container
from sim.model import RelationsModel
from sim.results import Ensemble

VARIABLES = ("nci", "trust", "sanctions", "investment_stock", "channel_openness")
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)
CACHE_SIZE = 8


@dataclass(frozen=True)
class Request:
    """Everything an update depends on; equal requests give identical results."""

    scenario: str
    settings: tuple[tuple[str, float], ...]  # (config path, value), only values that differ from the scenario
    replicates: int
    seed: int

    @property
    def baseline_settings(self) -> tuple[tuple[str, float], ...]:
        """The settings both arms share: the behavioural parameters."""
        return tuple((k, v) for k, v in self.settings if k.startswith("params."))


@dataclass
class Result:
    request: Request
    arm: Ensemble
    baseline: Ensemble
    seconds: float  # wall time of this update (simulation and summaries)
    cpu_seconds: float  # CPU time of this process meanwhile (other threads included)


class Engine:
    """Composes scenario configs once and runs arms; thread-safe, so the page can run it in the background."""

    def __init__(self):
        self._configs: dict[str, dict[str, Any]] = {}
        self._arms: OrderedDict[tuple, Ensemble] = OrderedDict()
        self._lock = threading.Lock()

    def config(self, scenario: str) -> dict[str, Any]:
        """The composed config of ``scenario`` (``python experiments/run.py scenario=<name>``)."""
        with self._lock:
            if scenario not in self._configs:
                self._configs[scenario] = to_container(compose_config([f"scenario={scenario}"]))
            return self._configs[scenario]

    def arm(self, scenario: str, settings: tuple[tuple[str, float], ...], replicates: int, seed: int) -> Ensemble:
        key = (scenario, settings, replicates, seed)
        with self._lock:
            if key in self._arms:
                self._arms.move_to_end(key)
                return self._arms[key]
        model = RelationsModel(
            self.config(scenario),
            runs=np.arange(replicates),
            settings=dict(settings),
            record=VARIABLES,
            record_events=False,
            collect=False,  # the page reads the per-run series, never the DataCollector's ensemble means
            rng=seed,
        )
        ens = Ensemble.from_model(model.run())
        with self._lock:
            self._arms[key] = ens
            while len(self._arms) > CACHE_SIZE:
                self._arms.popitem(last=False)
        return ens

    def update(self, request: Request) -> Result:
        started, cpu = time.perf_counter(), time.process_time()
        baseline = self.arm(request.scenario, request.baseline_settings, request.replicates, request.seed)
        arm = self.arm(request.scenario, request.settings, request.replicates, request.seed)
        return Result(request, arm, baseline, time.perf_counter() - started, time.process_time() - cpu)


def band(ens: Ensemble, variable: str, source: str, target: str) -> np.ndarray:
    """Quantiles ``QUANTILES`` over runs of one dyad's series: (5, T)."""
    i, j = ens.countries.index(source), ens.countries.index(target)
    return np.quantile(ens.series[variable][:, :, i, j], QUANTILES, axis=1)


def paired_band(arm: Ensemble, baseline: Ensemble, variable: str, source: str, target: str) -> np.ndarray:
    """Quantiles over runs of the per-run difference arm − baseline (same seed and run index): (5, T)."""
    i, j = arm.countries.index(source), arm.countries.index(target)
    diff = arm.series[variable][:, :, i, j] - baseline.series[variable][:, :, i, j]
    return np.quantile(diff, QUANTILES, axis=1)


def milestone_probabilities(arm: Ensemble, baseline: Ensemble) -> list[dict[str, Any]]:
    """Per channel and milestone: the share of runs in which it happened by the horizon's end, in both arms."""
    rows = []
    for c, (name, _, _) in enumerate(arm.channels):
        for milestone, steps in arm.milestones.items():
            p_arm = float(np.mean(steps[:, c] >= 0))
            p_base = float(np.mean(baseline.milestones[milestone][:, c] >= 0))
            rows.append(
                {
                    "channel": name,
                    "milestone": milestone,
                    "runs": len(arm.runs),
                    "p": p_arm,
                    "p_baseline": p_base,
                    "change": p_arm - p_base,
                }
            )
    return rows


def dyad_names(countries: list[str]) -> list[str]:
    return [f"{a}->{b}" for a in countries for b in countries if a != b]
