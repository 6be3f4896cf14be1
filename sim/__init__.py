"""Bilateral-relations scenario simulator: countries as Mesa agents exchanging trust and cooperation signals.

``sim`` is a library first; the scripts in ``experiments/`` are thin Hydra front ends over it::

    from sim import RelationsModel, compose_config
    model = RelationsModel(compose_config(["mode=forced"]), replicates=100).run()
"""

from sim.agents import Country
from sim.config import ConfigError, compose_config
from sim.model import RelationsModel

__all__ = ["ConfigError", "Country", "RelationsModel", "compose_config"]
