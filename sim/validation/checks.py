"""What ``experiments/validate.py`` checks before it runs and the files it writes: kept apart from
``sim.validation.task`` so that a refused command does not import the figures, patterns and statics."""

from __future__ import annotations

from typing import Any

from sim.config.errors import ConfigError
from sim.validation.protocol import read_protocol

RESULT_FILES = [
    "turning_points.csv",
    "fit.csv",
    "fit_points.csv",
    "fit_dyads.csv",
    "patterns.csv",
    "statics.csv",
    "discrimination.csv",
    "lhs_outcomes.parquet",
    "attribution.csv",
    "validation.md",
    "summary.json",
    "figures",
]

OBSERVATION_FILES = ("salience_profile.csv", "summary.json", "figures")  # experiments/fit_observation.py


def check_validation(cfg: dict[str, Any]) -> None:
    """Validation replays history with only forcings injected: ``mode=endogenous``, 2013-2017 covered, and a
    protocol whose seeds no tuning used."""
    if cfg["mode"] != "endogenous":
        raise ConfigError(
            "mode", cfg["mode"], "endogenous (validation injects only forcings; forced mode is what calibration fits)"
        )
    end = cfg["stop"] or cfg["scenario"]["end"]
    if cfg["scenario"]["start"] > "2013-01" or end < "2017-12":
        raise ConfigError("stop" if cfg["stop"] else "scenario.end", end, "a horizon covering 2013-01..2017-12")
    read_protocol(cfg)
