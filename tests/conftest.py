"""Shared fixtures: the composed default config as a plain dict, and a short-horizon variant."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import compose_config, to_container, validate
from sim.config.load import register_resolvers

ROOT = Path(__file__).resolve().parents[1]
register_resolvers()
# Figures that fail sim.plots.check_figure fail the tests (and the scripts the tests start) instead of warning.
os.environ.setdefault("SIM_FIGURE_GUARDS", "strict")


@pytest.fixture(scope="session")
def base_cfg() -> dict:
    return validate(to_container(compose_config()))


@pytest.fixture
def cfg(base_cfg) -> dict:
    """A fresh copy of the default config (plain dict) that a test may edit."""
    return copy.deepcopy(base_cfg)


def short_overrides(end: str = "2014-12") -> list[str]:
    """Overrides that cut the replay at ``end`` and drop report dates beyond it (fast end-to-end runs)."""
    return [f"stop={end}", "report=basic", f"report.milestone_dates=[{end}]",
            f"report.trust_matrix_dates=[2012-12,{end}]"]


def run_script(script: str, *args: str, cwd: Path | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """Run ``experiments/<script>`` with this interpreter as a real subprocess."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    return subprocess.run([sys.executable, str(ROOT / "experiments" / script), *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, env=env, timeout=timeout, check=False)
