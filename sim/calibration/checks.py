"""What ``experiments/calibrate.py`` checks before it runs and the files it writes: kept apart from
``sim.calibration.task`` so that a refused command does not import the optimiser, the sweep engine and the
figure."""

from __future__ import annotations

from typing import Any

from sim.calendar import Calendar
from sim.calibration.spec import CalibrationSpec, read_calibration
from sim.config.load import PROJECT_ROOT

CANDIDATES, FIT, PARAMS, PROVENANCE = "candidates.parquet", "fit.csv", "calibrated.yaml", "calibration.json"
FIGURES = "figures"
RESULTS = (CANDIDATES, FIT, PARAMS, PROVENANCE, FIGURES)


def calendar_of(cfg: dict[str, Any]) -> Calendar:
    return Calendar.from_strings(cfg["scenario"]["start"], cfg["stop"] or cfg["scenario"]["end"])


def check_calibration(cfg: dict[str, Any]) -> CalibrationSpec:
    """The checked declaration (``ConfigError`` on a mistake): the script's preflight."""
    return read_calibration(cfg, calendar_of(cfg), PROJECT_ROOT)
