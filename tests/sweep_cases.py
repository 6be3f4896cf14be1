"""A tiny sweep for the end-to-end tests of resuming, sharding, merging and reproducing (8 runs, one per chunk,
18 months), written as a user's own sweep file in a temporary config folder."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from omegaconf import OmegaConf

from sim.config import compose_config, to_container, validate
from tests.conftest import ROOT

TINY = """\
# @package _global_
defaults:
  - override /report: basic

seed: 5
stop: "2013-06"
report:
  figures: false  # sweep figures are tested by test_sweep_figures and the shared sweep folder; here only time
  milestone_dates: ["2013-06"]
  trust_matrix_dates: ["2012-12", "2013-06"]

sweep:
  name: tiny
  design: grid
  replicates: 2
  chunk_size: 1
  parameters:
    scenario.sanctions.USA.RUS.scale: {values: [0.5, 1.0]}
    scenario.alliances.JPN.commitment: {values: [0.3, 0.9]}
  outcomes:
    nci_jr: {stat: mean, variable: nci, dyad: JPN->RUS, from: "2012-07", to: "2013-06"}
    trust_rj_final: {stat: final, variable: trust, dyad: RUS->JPN}
  series:
    variables: [nci]
    dyads: ["JPN->RUS"]
"""
CHUNKS = 8


def tiny_sweep(base: Path) -> list[str]:
    """Write the tiny sweep under ``base/conf`` and return the overrides that run it into ``base/outputs``."""
    conf = base / "conf" / "sweep"
    conf.mkdir(parents=True, exist_ok=True)
    (conf / "tiny.yaml").write_text(TINY)
    return ["sweep=tiny", f"hydra.searchpath=[file://{base / 'conf'}]", f"paths.output={base / 'outputs'}", "workers=1"]


def tiny_config(base: Path) -> tuple[dict, Path]:
    """The tiny sweep's validated config, composed as the command line composes it, and its default folder."""
    composed = compose_config(tiny_sweep(base), config_name="sweep_config", return_hydra_config=True)
    out = Path(str(composed.hydra.run.dir))
    task = OmegaConf.masked_copy(composed, [key for key in composed if key != "hydra"])
    return validate(to_container(task)), out


def script(name: str, *args: str) -> list[str]:
    return [sys.executable, str(ROOT / "experiments" / name), *args]


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONHASHSEED": "0"}


def run(name: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        script(name, *args), capture_output=True, text=True, cwd=ROOT, env=env(), timeout=timeout, check=False
    )


def output_folder(proc: subprocess.CompletedProcess) -> Path:
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("output: ")]
    assert lines, proc.stdout + proc.stderr
    return Path(lines[-1].removeprefix("output: "))


def result_hashes(folder: Path) -> dict[str, str]:
    """The sha256 of every result file, as the folder's manifest lists them."""
    return json.loads((folder / "manifest.json").read_text())["files"]
