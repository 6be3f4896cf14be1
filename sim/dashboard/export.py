"""What makes a dashboard setting reproducible: the exact command, and overlay files under ``conf/``.

A scenario overlay (``conf/scenario/<name>.yaml``) inherits the picked scenario and holds the scenario
sliders; an experiment overlay (``conf/experiment/<name>.yaml``) is a paired comparison for
``experiments/compare.py`` — the edited scenario against the shipped one, with the page's behavioural
parameters, seed and runs — i.e. exactly what the dashboard's paired-difference view shows.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from sim.config.load import CONF_DIR
from sim.io import atomic_write_text

NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")
GROUPS = ("scenario", "experiment")


class ExportError(ValueError):
    """A file name or folder the dashboard refuses to write."""


def _value(v: float) -> str:
    return f"{v:g}" if float(v) != int(v) or abs(v) < 1e15 else repr(v)


def command(scenario: str, settings: dict[str, float], replicates: int, seed: int) -> str:
    """The ``experiments/run.py`` command that runs the dashboard's current arm as a result folder."""
    parts = ["python", "experiments/run.py", f"scenario={scenario}", f"replicates={replicates}", f"seed={seed}"]
    parts += [f"{path}={_value(value)}" for path, value in settings.items()]
    return " ".join(parts)


def _nest(cfg_scenario: dict[str, Any], settings: dict[str, float]) -> dict[str, Any]:
    """The scenario changes as a nested mapping; a changed list element carries its whole list (YAML
    merges replace lists)."""
    out: dict[str, Any] = {}
    edited = copy.deepcopy(cfg_scenario)
    for path, value in settings.items():
        parts = path.split(".")[1:]
        node = edited
        for part in parts[:-1]:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(parts[-1]) if isinstance(node, list) else parts[-1]] = value
        # copy into ``out`` down to the first list (or the leaf)
        src, dst = edited, out
        for k, part in enumerate(parts):
            if isinstance(src[part], list) or k == len(parts) - 1:
                dst[part] = copy.deepcopy(src[part])
                break
            src, dst = src[part], dst.setdefault(part, {})
    return out


def scenario_overlay(name: str, base: str, cfg: dict[str, Any], settings: dict[str, float]) -> str:
    """``conf/scenario/<name>.yaml``: ``base`` with the scenario sliders' values."""
    changes = _nest(cfg["scenario"], {k: v for k, v in settings.items() if k.startswith("scenario.")})
    header = (
        f"# Saved from the dashboard: scenario {base} with the settings below; everything else is {base}.\n"
        f"#   python experiments/run.py scenario={name}\n"
    )
    body = {"defaults": [base, "_self_"], "name": name, "description": f"{base} as edited in the dashboard", **changes}
    return header + yaml.safe_dump(body, sort_keys=False, width=120)


def experiment_overlay(
    name: str, base: str, cfg: dict[str, Any], settings: dict[str, float], replicates: int, seed: int
) -> str:
    """``conf/experiment/<name>.yaml``: the edited scenario against ``base``, common random numbers."""
    scenario_changes = _nest(cfg["scenario"], {k: v for k, v in settings.items() if k.startswith("scenario.")})
    params = {k.removeprefix("params."): v for k, v in settings.items() if k.startswith("params.")}
    header = (
        "# @package _global_\n"
        f"# Saved from the dashboard: {base} with the dashboard's settings against {base} as shipped, with the\n"
        "# same seed and run indices in both arms (what the dashboard's paired difference shows).\n"
        f"#   python experiments/compare.py experiment={name}\n"
    )
    body: dict[str, Any] = {
        "defaults": [{"/scenario@compare.baseline": base}, {"override /scenario": base}, "_self_"],
        "seed": seed,
        "replicates": replicates,
        "scenario": {"name": name, **scenario_changes},
    }
    if params:
        body["params"] = params
    body["compare"] = {
        "name": name,
        "description": f"{base} as edited in the dashboard, against {base}",
        "dyads": ["JPN->RUS", "RUS->JPN"],
        "variables": ["nci", "trust", "sanctions", "channel_openness"],
    }
    return header + yaml.safe_dump(body, sort_keys=False, width=120)


def overlay_path(group: str, name: str, conf_dir: Path = CONF_DIR) -> Path:
    """Where an overlay goes: a plain name (letters, digits, ``_``) in ``conf/<group>/``, nowhere else."""
    if group not in GROUPS:
        raise ExportError(f"group {group!r}: allowed: {', '.join(GROUPS)}")
    if not NAME.fullmatch(name or ""):
        raise ExportError(
            f"file name {name!r}: use a plain name of letters, digits and _ (starting with a "
            "letter, at most 64), no path or extension"
        )
    folder = (conf_dir / group).resolve()
    path = (folder / f"{name}.yaml").resolve()
    if path.parent != folder:
        raise ExportError(f"file name {name!r} leaves conf/{group}/")
    return path


def save(group: str, name: str, text: str, conf_dir: Path = CONF_DIR, overwrite: bool = False) -> Path:
    """Write an overlay; an existing file is kept unless ``overwrite`` (the page asks first)."""
    path = overlay_path(group, name, conf_dir)
    if path.exists() and not overwrite:
        raise ExportError(f"conf/{group}/{name}.yaml exists; tick 'overwrite' to replace it")
    return atomic_write_text(path, text)
