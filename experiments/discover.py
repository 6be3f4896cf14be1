"""Scenario discovery: which region of a sweep's parameters leads to the outcome you state? PRIM over a
finished sweep folder's design and outcomes; writes a new folder (never into the sweep's).

    python experiments/discover.py folder=outputs/sweeps/<name>/<id> 'condition=two_plus_two_by_2017 >= 0.5'
    python experiments/discover.py folder=outputs/sweeps/<name>/<id> 'condition=nci_jr_thaw < 1' cases=runs

``condition`` is ``<outcome> <op> <number>`` with ``op`` one of ``>= > <= <`` (the shell's quotes are enough:
the script quotes the value for Hydra). ``cases=points`` (default) averages each design point's replicates
before comparing; ``cases=runs`` makes every run a case. Exit status 2, one line and nothing written, for a
bad condition, an unknown outcome or a folder that is not a finished sweep.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.cli import fail, guard
from sim.config import ConfigError, compose_config
from sim.config.load import register_resolvers
from sim.discovery.cases import load_cases
from sim.discovery.spec import check_discovery
from sim.discovery.task import check_cases, headline, run_discovery

CONFIG = "discover"


def plain(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config as plain data; a value left at ``???`` stays the text ``???`` (checked later)."""
    data = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=False)
    data.pop("hydra", None)
    return data


def quote_condition(argv: list[str]) -> list[str]:
    """``condition=x >= 0.5`` as ``condition='x >= 0.5'``: Hydra's override grammar refuses bare ``<`` and ``>``."""
    out = []
    for arg in argv:
        key, sep, value = arg.partition("=")
        if sep and key.lstrip("+") == "condition" and value and value[0] not in "'\"":
            arg = f"{key}='{value}'"
        out.append(arg)
    return out


def preflight(argv: list[str]) -> None:
    """Check the whole discovery (config, sweep folder, condition, cases) before Hydra creates a folder."""
    overrides = [a for a in argv if not a.startswith("-") and not a.startswith("hydra")]
    if any(a in ("--help", "-h", "--cfg", "-c", "--info", "--hydra-help") for a in argv):
        return
    try:
        discovery = check_discovery(plain(compose_config(overrides, config_name=CONFIG)))
        check_cases(discovery, load_cases(discovery)[2])
    except ConfigError as err:
        fail(str(err))
    except (HydraException, OmegaConfBaseException, ValueError, OSError) as err:
        fail(str(err).strip().splitlines()[0])


@hydra.main(version_base="1.3", config_path="../conf", config_name=CONFIG)
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    with guard():
        summary = run_discovery(plain(cfg), Path(hc.runtime.output_dir), overrides=list(hc.overrides.task))
    print(headline(summary))
    print(f"output: {hc.runtime.output_dir}")


if __name__ == "__main__":
    register_resolvers()
    sys.argv[1:] = quote_condition(sys.argv[1:])
    preflight(sys.argv[1:])
    main()
