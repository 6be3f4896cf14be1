"""Bilateral-relations scenario simulator: countries as Mesa agents exchanging trust and cooperation signals.

``sim`` is a library first; the scripts in ``experiments/`` are thin Hydra front ends over it::

    from sim import RelationsModel, compose_config
    model = RelationsModel(compose_config(["mode=forced"]), replicates=100).run()

The names below are imported on first use (PEP 562), so that ``import sim.cli`` and a script's preflight,
which refuse a bad command line in one line, do not pay for importing Mesa and matplotlib first.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.agents import Country
    from sim.config import ConfigError, compose_config
    from sim.model import RelationsModel

__all__ = ["ConfigError", "Country", "RelationsModel", "compose_config"]

_HOME = {
    "ConfigError": "sim.config",
    "compose_config": "sim.config",
    "Country": "sim.agents",
    "RelationsModel": "sim.model",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
