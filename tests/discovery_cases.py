"""A synthetic finished sweep folder whose true scenario box is known, for the discovery and report tests."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

TRUE_BOX = {"x": (0.2, 0.5), "y": (0.6, 1.0)}


def synthetic_sweep(folder: Path, points: int = 1000, replicates: int = 2, seed: int = 0) -> Path:
    """``outcome`` is 1 inside x in [0.2, 0.5], y in [0.6, 1] and 0 outside (z is irrelevant); ``noisy`` is
    the same with replicate 0 always 0, so its per-point mean is 0.5 inside the box and 0 outside."""
    rng = np.random.default_rng(seed)
    design = pd.DataFrame(
        {
            "point": np.arange(points),
            "x": rng.uniform(size=points),
            "y": rng.uniform(size=points),
            "z": rng.uniform(size=points),
        }
    )
    inside = np.ones(points, dtype=bool)
    for name, (low, high) in TRUE_BOX.items():
        inside &= (design[name] >= low).to_numpy() & (design[name] <= high).to_numpy()
    runs = points * replicates
    point = np.repeat(np.arange(points), replicates)
    replicate = np.tile(np.arange(replicates), points)
    outcomes = pd.DataFrame(
        {
            "run": np.arange(runs),
            "point": point,
            "replicate": replicate,
            "seed": np.full(runs, 1),
            "stream": replicate,
            "outcome": inside[point].astype(float),
            "noisy": np.where(replicate == 0, 0.0, inside[point].astype(float)),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    design.to_parquet(folder / "design.parquet", index=False)
    outcomes.to_parquet(folder / "outcomes.parquet", index=False)
    manifest = {
        "task": "sweep",
        "files": {},
        "sweep": {"name": "synthetic", "fingerprint": "0" * 64, "points": points, "replicates": replicates},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def discovery_cfg(root: Path, folder: str, condition: str, **changes) -> dict:
    return {
        "folder": folder,
        "condition": condition,
        "cases": "points",
        "min_density": 0.8,
        "peel_alpha": 0.05,
        "paste_alpha": 0.05,
        "mass_min": 0.05,
        "paths": {"root": str(root), "output": str(root / "outputs")},
        **changes,
    }
