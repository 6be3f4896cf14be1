"""Configuration: typed schema, loading without Hydra, and validation before the first step."""

from sim.config.errors import ConfigError
from sim.config.load import compose_config, to_container
from sim.config.schema import Config, Params, Scenario
from sim.config.validate import validate

__all__ = ["Config", "ConfigError", "Params", "Scenario", "compose_config", "to_container", "validate"]
