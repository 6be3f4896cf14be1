"""``experiments/discover.py``: scenario discovery with PRIM over a finished sweep folder (``sim.discovery``).

Its config is its own (``conf/discover.yaml``), not the model's: read as plain data and checked by
``check_discovery``; ``condition=x >= 0.5`` is quoted for Hydra, whose grammar refuses bare ``<`` and ``>``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.cli import fail
from sim.config import ConfigError, compose_config
from sim.discovery.cases import load_cases
from sim.discovery.spec import check_discovery
from sim.discovery.task import RESULTS, check_cases, headline, run_discovery
from sim.tasks.base import Context, Task


def plain(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config as plain data; a value left at ``???`` stays the text ``???`` (checked later)."""
    data = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
    data.pop("hydra", None)
    return data


def quote_condition(argv: list[str]) -> tuple[dict[str, Any], list[str]]:
    """``condition=x >= 0.5`` as ``condition='x >= 0.5'``: Hydra's override grammar refuses bare ``<`` and ``>``."""
    out = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if sep and key.lstrip("+") == "condition" and value and value[0] not in "'\"":
            arg = f"{key}='{value}'"
        out.append(arg)
    return {}, out


def preflight(task: Task, argv: list[str], options: dict[str, Any]) -> bool:
    """Check the whole discovery (config, sweep folder, condition, cases) before Hydra creates a folder."""
    overrides = [a for a in argv if not a.startswith("-") and not a.startswith("hydra")]
    if any(a in ("--help", "-h", "--cfg", "-c", "--info", "--hydra-help") for a in argv):
        return False
    try:
        discovery = check_discovery(plain(compose_config(overrides, config_name=task.config)))
        check_cases(discovery, load_cases(discovery)[2])
    except ConfigError as err:
        fail(str(err))
    except (HydraException, OmegaConfBaseException, ValueError, OSError) as err:
        fail(str(err).strip().splitlines()[0])
    return False


def run(cfg: dict[str, Any], out_dir: Path, context: Context) -> dict[str, Any]:
    return run_discovery(cfg, out_dir, overrides=context.overrides)


def lines(cfg: dict[str, Any], summary: dict[str, Any]) -> str:
    return headline(summary)


TASK = Task(
    name="discovery",
    script="discover.py",
    config="discover",
    files=RESULTS,
    run=run,
    headline=lines,
    load=plain,
    options=quote_condition,
    preflight=preflight,
)
