"""Compose the project's configuration without the command line (for notebooks, tests and libraries).

``compose_config(["scenario=...", "params.reciprocity=0.4"])`` gives the same config as
``experiments/run.py scenario=... params.reciprocity=0.4``.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

from hydra import compose, initialize_config_dir
from omegaconf import DictConfig, OmegaConf

import sim.config.schema  # noqa: F401  (registers the schema in Hydra's ConfigStore)
from sim.config.fingerprint import folder_name, run_id
from sim.config.timelines import timeline_events

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONF_DIR = PROJECT_ROOT / "conf"


def _sweep_folder(*, _root_: DictConfig) -> str:
    return folder_name(_root_)


def register_resolvers() -> None:
    """``${project_root:}`` anchors paths at the project root, not the working directory;
    ``${run_id:}`` makes output folder names unique; ``${sweep_folder:}`` names a sweep's folder after its
    fingerprint (``<name>/<id>``), so the same sweep command always finds (and resumes) the same folder;
    ``${timeline:<name>,<countries>}`` reads a scenario's events from a shipped timeline (``sim.config.timelines``).

    ``run_id`` is cached in the config, so Hydra hands the value it resolved to every job of a multirun, in
    whatever process a launcher runs it. ``sweep_folder`` is not: each job's own config decides its folder.
    """
    if not OmegaConf.has_resolver("project_root"):
        OmegaConf.register_new_resolver("project_root", lambda: str(PROJECT_ROOT))
    if not OmegaConf.has_resolver("run_id"):
        OmegaConf.register_new_resolver("run_id", run_id, use_cache=True)
    if not OmegaConf.has_resolver("sweep_folder"):
        OmegaConf.register_new_resolver("sweep_folder", _sweep_folder)
    if not OmegaConf.has_resolver("timeline"):
        OmegaConf.register_new_resolver("timeline", timeline_events)


def compose_config(
    overrides: list[str] | None = None, config_name: str = "config", return_hydra_config: bool = False
) -> DictConfig:
    register_resolvers()
    with initialize_config_dir(config_dir=str(CONF_DIR), version_base="1.3"):
        return compose(
            config_name=config_name, overrides=list(overrides or []), return_hydra_config=return_hydra_config
        )


def _conf_signature() -> tuple[object, ...]:
    """The folder the default config is composed from, and every file under it with its modification time and size."""
    stats = ((path, path.stat()) for path in sorted(CONF_DIR.rglob("*")) if path.is_file())
    return (str(CONF_DIR), *((str(path.relative_to(CONF_DIR)), st.st_mtime_ns, st.st_size) for path, st in stats))


@functools.lru_cache(maxsize=1)
def _default_for(signature: tuple[object, ...]) -> dict[str, Any]:
    """The composed default config; ``signature`` (``_conf_signature``) is the cache key only."""
    return to_container(compose_config())


def default_config() -> dict[str, Any]:
    """The default experiment's config as plain data: ``to_container(compose_config())``, composed once per process
    and composed again only when a file under ``conf/`` changes.

    ``RelationsModel()`` without a config reads it: ``mesa.batch_run`` builds one model per parameter combination
    and seed, and composing each (about a second: Hydra merges the whole replay timeline) would cost more than
    running it. Each call returns its own copy.
    """
    return copy.deepcopy(_default_for(_conf_signature()))


def to_container(cfg: DictConfig) -> dict[str, Any]:
    """The resolved config as plain Python data, without Hydra's own ``hydra`` node."""
    data = OmegaConf.to_container(cfg, resolve=True, throw_on_missing=True)
    data.pop("hydra", None)
    return data


# Launchers (joblib, submitit) run jobs in fresh processes that compose the job's config before any script
# code runs there: the resolvers must exist as soon as this module is imported.
register_resolvers()
