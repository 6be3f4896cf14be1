"""What a result folder was made from: code version, environment, seed, config hash and file hashes."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("relations-sim", "mesa", "numpy", "pandas", "pyarrow", "matplotlib", "hydra-core", "omegaconf")


def config_hash(cfg: dict[str, Any]) -> str:
    """sha256 of the resolved config as canonical JSON (sorted keys): equal configs, equal hashes."""
    canonical = json.dumps(cfg, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def git_state(root: Path) -> dict[str, Any]:
    """The commit the code was at and whether the working tree had uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        status = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": bool(status.strip())}


def versions() -> dict[str, str | None]:
    found = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def build_manifest(
    *,
    root: Path,
    cfg: dict[str, Any],
    overrides: list[str],
    files: dict[str, str],
    task: str = "run",
    fingerprint: str | None = None,
) -> dict[str, Any]:
    """What made a result folder: ``task`` (which script's job it was, so ``experiments/reproduce.py`` can
    rerun it), code and package versions, seed, overrides, the config's hash and every file's sha256."""
    return {
        "task": task,
        "git": git_state(root),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": versions(),
        # a discovery simulates nothing: no seed, replicates, mode or scenario of its own
        "seed": cfg.get("seed"),
        "replicates": cfg.get("replicates"),
        "mode": cfg.get("mode"),
        "scenario": (cfg.get("scenario") or {}).get("name"),
        "overrides": overrides,
        "config_hash": config_hash(cfg),
        # the result configuration's hash (without workers and paths, as a sweep's: sim.config.fingerprint), given by
        # the caller: what reproduce.py checks the saved config against, on any machine
        **({"fingerprint": fingerprint} if fingerprint else {}),
        "files": files,
    }
