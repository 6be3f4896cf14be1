"""A sweep's fingerprint and folder name, and the id that keeps runs started in the same second apart.

These feed the ``${run_id:}`` and ``${sweep_folder:}`` resolvers, so they live in the config layer: registering
the resolvers (``sim.config.load``) needs no import of the sweep package, and ``sim.sweep.folder`` builds on them
(no import cycle between the two).
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import time
from contextlib import suppress
from functools import cache
from typing import Any

from omegaconf import DictConfig, OmegaConf

from sim.config.errors import ConfigError

ID_LENGTH = 12
# Settings that decide where and how fast a sweep runs, never what it computes.
IGNORED = ("workers", "paths")
IGNORED_SWEEP = ("shards", "shard")


@cache
def run_id() -> str:
    """A suffix that keeps two runs started in the same second (Hydra's timestamps) in different folders.

    Fixed for the life of a process, so every job of one multirun shares its sweep folder.
    """
    return f"{time.time_ns() % 1_000_000_000:09d}-{os.getpid()}"


def result_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """The part of a resolved config that decides a sweep's results."""
    data = {key: copy.deepcopy(value) for key, value in cfg.items() if key not in IGNORED and key != "hydra"}
    if isinstance(data.get("sweep"), dict):
        for key in IGNORED_SWEEP:
            data["sweep"].pop(key, None)
    return data


def fingerprint(cfg: dict[str, Any]) -> str:
    """sha256 of a sweep's result configuration as JSON: equal fingerprints, equal results.

    Keys keep their order (unlike the manifest's ``config_hash``): the order of a sweep's parameters and
    outcomes decides the order of its design points and columns.
    """
    canonical = json.dumps(result_config(cfg), separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def folder_name(root: DictConfig) -> str:
    """The ``${sweep_folder:}`` resolver: ``<sweep name>/<id>`` for the config it sits in.

    The base config of a multirun over several sweeps (``-m sweep=a,b``) has no sweep: its folder (Hydra's
    ``multirun.yaml``) is ``multirun-<run id>``, while each job's config names its own sweep's folder.
    """
    if root.get("sweep") is None:
        return f"multirun-{run_id()}"
    return f"{root.sweep.name}/{folder_id(root)}"


def folder_id(root: DictConfig) -> str:
    """The first characters of the fingerprint of a (composed, unresolved) config."""
    from sim.config.validate import validate  # composing a config without a sweep needs none of the checks

    data = OmegaConf.to_container(OmegaConf.masked_copy(root, [k for k in root if k != "hydra"]), resolve=True)
    # validation fills defaults in place, exactly as the sweep task's will before it fingerprints; a bad config
    # is reported by the task, and its folder name does not matter then
    with suppress(ConfigError):
        validate(data)
    return fingerprint(data)[:ID_LENGTH]
