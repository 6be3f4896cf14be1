"""A discovery's configuration (``conf/discover.yaml``), checked before anything is written."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config.errors import ConfigError
from sim.discovery.condition import Condition, parse_condition
from sim.folder import MANIFEST

# How per-run outcomes become PRIM's cases: "points" averages each design point's replicates first (one case per
# point; for a 0/1 outcome the mean is the point's probability), "runs" makes every run a case.
CASES = ("points", "runs")
KEYS = {"folder", "condition", "cases", "min_density", "peel_alpha", "paste_alpha", "mass_min", "paths"}
SWEEP_FILES = ("design.parquet", "outcomes.parquet", MANIFEST)


@dataclass(frozen=True)
class Discovery:
    folder: Path  # the sweep folder, absolute
    condition: Condition
    cases: str
    min_density: float
    peel_alpha: float
    paste_alpha: float
    mass_min: float
    sweep: dict[str, Any]  # the sweep folder's manifest


def sweep_folder(cfg: dict[str, Any]) -> Path:
    """``folder`` as given, or relative to the project root (``paths.root``) when it is not absolute."""
    folder = cfg.get("folder")
    if not isinstance(folder, str) or not folder.strip() or folder == "???":
        raise ConfigError("folder", folder, "give a finished sweep folder, e.g. folder=outputs/sweeps/<name>/<id>")
    path = Path(folder).expanduser()
    return (path if path.is_absolute() else Path(cfg["paths"]["root"]) / path).resolve()


def _fraction(cfg: dict[str, Any], key: str, low: float, high: float) -> float:
    value = cfg.get(key)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not low < value <= high
    ):
        raise ConfigError(key, value, f"must be a number in ({low:g}, {high:g}]")
    return float(value)


def check_discovery(cfg: dict[str, Any]) -> Discovery:
    """The validated discovery, or ``ConfigError`` naming the first bad key."""
    unknown = sorted(set(cfg) - KEYS)
    if unknown:
        raise ConfigError(unknown[0], cfg[unknown[0]], f"unknown key; allowed: {', '.join(sorted(KEYS))}")
    folder = sweep_folder(cfg)
    missing = [name for name in SWEEP_FILES if not (folder / name).is_file()]
    if missing:
        raise ConfigError(
            "folder", str(cfg["folder"]), f"not a finished sweep folder (no {', '.join(missing)} in {folder})"
        )
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ConfigError("folder", str(cfg["folder"]), f"its manifest.json is unreadable: {err}") from None
    if not isinstance(manifest, dict) or manifest.get("task", "sweep") != "sweep" or "sweep" not in manifest:
        raise ConfigError(
            "folder", str(cfg["folder"]), f"{folder} is a {manifest.get('task', 'unknown')} folder, not a sweep folder"
        )
    outcomes = _outcome_names(folder)
    condition = parse_condition(cfg.get("condition"), outcomes)
    cases = cfg.get("cases")
    if cases not in CASES:
        raise ConfigError("cases", cases, f"one of {', '.join(CASES)}")
    return Discovery(
        folder,
        condition,
        cases,
        _fraction(cfg, "min_density", 0.0, 1.0),
        _fraction(cfg, "peel_alpha", 0.0, 0.5),
        _fraction(cfg, "paste_alpha", 0.0, 0.5),
        _fraction(cfg, "mass_min", 0.0, 1.0),
        manifest,
    )


def _outcome_names(folder: Path) -> list[str]:
    import pyarrow.parquet as pq

    keys = {"run", "point", "replicate", "seed", "stream"}
    return [name for name in pq.ParquetFile(folder / "outcomes.parquet").schema_arrow.names if name not in keys]
