"""Command-line front matter shared by the scripts: check the whole config before Hydra writes anything,
and turn a user's mistake into one line on stderr with a non-zero exit, never a traceback."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import ConfigError, compose_config, to_container, validate
from sim.config.files import check_group_files
from sim.folder import check_fresh, check_writable, output_path
from sim.io import OutputExistsError
from sim.memory import check_memory

EXIT_USAGE = 2
# Flags after which Hydra prints something instead of running: nothing to check then.
_INFO_FLAGS = {
    "--help",
    "-h",
    "--hydra-help",
    "--info",
    "-i",
    "--cfg",
    "-c",
    "--resolve",
    "--version",
    "--shell-completion",
    "-sc",
}
_VALUE_FLAGS = {
    "--config-path",
    "-cp",
    "--config-name",
    "-cn",
    "--config-dir",
    "-cd",
    "--package",
    "-p",
    "--experimental-rerun",
}
MAX_PREFLIGHT_JOBS = 256


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def _one_line(err: BaseException) -> str:
    """Hydra's and OmegaConf's multi-line messages, with their cause, folded into one line."""
    parts = [str(err).strip().splitlines()[0]]
    cause = err.__cause__ or err.__context__
    if cause is not None and str(cause).strip():
        detail = str(cause).strip().splitlines()[0]
        if detail not in parts[0]:  # OmegaConf repeats a resolver's error in the error it wraps it in
            parts.append(detail)
    text = ": ".join(p.rstrip(".") for p in parts if p)
    key = getattr(err, "full_key", None) or getattr(err, "key", None)
    if key and str(key) not in text:
        text = f"{key}: {text}"
    return text


def _quoted_key(line: str) -> str | None:
    start = line.find("'")
    end = line.find("'", start + 1)
    return line[start + 1 : end] if 0 <= start < end else None


@contextmanager
def guard() -> Iterator[None]:
    """Report configuration and output-folder mistakes as one line and exit 2."""
    try:
        yield
    except (ConfigError, OutputExistsError) as err:
        fail(str(err))


def _split(argv: list[str]) -> tuple[list[str], bool, bool]:
    overrides, multirun, info = [], False, False
    args = iter(argv)
    for arg in args:
        if arg in ("-m", "--multirun"):
            multirun = True
        elif arg in _INFO_FLAGS or arg.split("=")[0] in _INFO_FLAGS:
            info = True
        elif arg in _VALUE_FLAGS:
            next(args, None)
        elif arg.startswith("-"):
            continue
        else:
            overrides.append(arg)
    return overrides, multirun, info


def _jobs(overrides: list[str], multirun: bool, keep_hydra: bool = False) -> list[list[str]]:
    """The override lists of every job a (multi)run would launch, sweeps expanded the way Hydra does."""
    parsed = OverridesParser.create().parse_overrides(overrides)
    choices = []
    for override in parsed:
        key = override.get_key_element().lstrip("+~")
        # the search path decides what composes; the rest of hydra's settings only where a job's folder matters
        if key.startswith("hydra") and key != "hydra.searchpath" and not keep_hydra:
            continue
        if override.is_sweep_override():
            if not multirun:
                raise ConfigError(override.input_line, override.input_line, "a sweep of values needs -m (multirun)")
            key = override.get_key_element()
            choices.append([f"{key}={v}" for v in override.sweep_string_iterator()])
        else:
            choices.append([override.input_line])
    return [list(job) for job in itertools.islice(itertools.product(*choices), MAX_PREFLIGHT_JOBS)]


def _unknown_key(job: list[str], err: BaseException, config_name: str) -> str | None:
    """Hydra refuses ``a.b=1`` for a key the schema lacks; compose it as ``+a.b=1`` instead, so the schema walk
    (``sim.config.keys``) names the key's full path, its value and the closest allowed name."""
    text = str(err)
    if "Could not override" not in text and "not in struct" not in text:
        return None
    bad = _quoted_key(text)
    plussed = [f"+{o}" if bad and o.split("=", 1)[0] == bad else o for o in job]
    if plussed == job:
        return None
    try:
        validate(to_container(compose_config(plussed, config_name=config_name)))
    except ConfigError as found:
        return str(found)
    except (HydraException, OmegaConfBaseException, ValueError):
        return None
    return None


def _searchpath(overrides: list[str]) -> list[str]:
    for override in OverridesParser.create().parse_overrides(overrides):
        if override.get_key_element().lstrip("+~") == "hydra.searchpath":
            value = override.value()
            return [str(v) for v in (value if isinstance(value, list) else [value])]
    return []


def preflight(
    argv: list[str],
    config_name: str = "config",
    check: Callable[[dict], object] | None = None,
    folder_check: Callable[[dict, Path], object] | None = None,
    ensembles: int = 1,
) -> None:
    """Compose and validate the config of every job the command line asks for; exit 2 on the first error.

    Before anything is composed, every config-group file the command names (``sweep=x`` and the like) is read
    whole and checked (text, YAML, a ``# @package _global_`` header where the group needs one). Then, per job:
    the schema and the meaning of every value (``sim.config.validate``), ``check`` (a script's own checks of the
    validated config, e.g. a sweep's declaration), the memory the ensemble needs (``ensembles`` of
    ``replicates`` runs each), and the output folder (Hydra's ``hydra.run.dir``, or ``hydra.sweep.dir`` under
    ``-m``): it must be a folder that can be created or written and, unless ``folder_check`` decides instead
    (a sweep resumes its own folder), hold nothing yet. Runs before Hydra creates or writes an output folder,
    so a refused command changes no byte on disk.
    """
    overrides, multirun, info = _split(argv)
    if info:
        return
    job: list[str] = []
    try:
        check_group_files(overrides, _searchpath(overrides))
        for job in _jobs(overrides, multirun, keep_hydra=True):
            _refuse_inside_timeline(job, config_name)
            composed = compose_config(job, config_name=config_name, return_hydra_config=True)
            task = OmegaConf.masked_copy(composed, [key for key in composed if key != "hydra"])
            cfg = validate(to_container(task))
            if check is not None:
                check(cfg)
            check_memory(cfg, ensembles)
            key = "hydra.sweep.dir" if multirun else "hydra.run.dir"
            out_dir = output_path(key, OmegaConf.select(composed, key))
            if folder_check is not None:
                folder_check(cfg, out_dir)
            else:
                check_fresh(out_dir)
            check_writable(key, out_dir)
    except (ConfigError, OutputExistsError) as err:
        fail(str(err))
    except (HydraException, OmegaConfBaseException) as err:
        fail(_unknown_key(job, err, config_name) or _one_line(err))
    except yaml.YAMLError as err:
        fail(" ".join(str(err).split()))
    except ValueError as err:
        fail(_one_line(err))


def _refuse_inside_timeline(job: list[str], config_name: str) -> None:
    """Refuse an override that reaches inside an ``events`` list read from a timeline file
    (``scenario.events.0.date=...`` while ``events: ${timeline:...}``): the list exists only once the config is
    resolved, and OmegaConf cannot apply such an override (it fails on an internal assertion). Composes the job
    without that override to see where the list comes from: an inline list can still be edited item by item."""
    for override in job:
        key = override.split("=", 1)[0].lstrip("+~")
        parts = key.split(".")
        if "events" not in parts[:-1] or parts[0] not in ("scenario", "compare"):
            continue
        at = parts.index("events")
        composed = compose_config([o for o in job if o != override], config_name=config_name)
        parent = OmegaConf.select(composed, ".".join(parts[:at]))
        if isinstance(parent, DictConfig) and OmegaConf.is_interpolation(parent, "events"):
            fail(
                f"{override}: cannot override one event of {'.'.join(parts[: at + 1])}: they are read from a "
                "timeline file (${timeline:...}); allowed: scenario.added_events=[...] and "
                "scenario.removed_events=[...], or a whole scenario.events=[...]"
            )
