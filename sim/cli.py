"""Command-line front matter shared by the scripts: check the whole config before Hydra writes anything,
and turn a user's mistake into one line on stderr with a non-zero exit, never a traceback."""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import ConfigError, compose_config, to_container, validate
from sim.io import OutputExistsError

EXIT_USAGE = 2
# Flags after which Hydra prints something instead of running: nothing to check then.
_INFO_FLAGS = {"--help", "-h", "--hydra-help", "--info", "-i", "--cfg", "-c", "--resolve", "--version",
               "--shell-completion", "-sc"}
_VALUE_FLAGS = {"--config-path", "-cp", "--config-name", "-cn", "--config-dir", "-cd", "--package", "-p",
                "--experimental-rerun"}
MAX_PREFLIGHT_JOBS = 256


def fail(message: str) -> None:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def _one_line(err: BaseException) -> str:
    """Hydra's and OmegaConf's multi-line messages, with their cause, folded into one line."""
    parts = [str(err).strip().splitlines()[0]]
    cause = err.__cause__ or err.__context__
    if cause is not None and str(cause).strip():
        parts.append(str(cause).strip().splitlines()[0])
    text = ": ".join(p.rstrip(".") for p in parts if p)
    key = getattr(err, "key", None) or _quoted_key(parts[0])
    if "not in struct" in text and key:
        text += f" (no such key; use +{key}=... to add a key)"
    return text


def _quoted_key(line: str) -> str | None:
    start = line.find("'")
    end = line.find("'", start + 1)
    return line[start + 1:end] if 0 <= start < end else None


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
                raise ConfigError(override.input_line, override.input_line,
                                  "a sweep of values needs -m (multirun)")
            key = override.get_key_element()
            choices.append([f"{key}={v}" for v in override.sweep_string_iterator()])
        else:
            choices.append([override.input_line])
    return [list(job) for job in itertools.islice(itertools.product(*choices), MAX_PREFLIGHT_JOBS)]


def preflight(argv: list[str], config_name: str = "config", check: Callable[[dict], object] | None = None,
              folder_check: Callable[[dict, Path], object] | None = None) -> None:
    """Compose and validate the config of every job the command line asks for; exit 2 on the first error.

    ``check`` adds a script's own checks of the validated config (a sweep's declaration); ``folder_check``
    also gets the folder the job will write into (Hydra's ``hydra.run.dir``, or ``hydra.sweep.dir`` under
    ``-m``, composed with the command's ``hydra`` overrides and launcher). Runs before Hydra creates an
    output folder, so a bad config writes nothing.
    """
    overrides, multirun, info = _split(argv)
    if info:
        return
    try:
        for job in _jobs(overrides, multirun, keep_hydra=folder_check is not None):
            composed = compose_config(job, config_name=config_name, return_hydra_config=folder_check is not None)
            task = OmegaConf.masked_copy(composed, [key for key in composed if key != "hydra"])
            cfg = validate(to_container(task))
            if check is not None:
                check(cfg)
            if folder_check is not None:
                folder_check(cfg, Path(str(OmegaConf.select(composed, "hydra.sweep.dir" if multirun
                                                            else "hydra.run.dir"))))
    except (ConfigError, OutputExistsError) as err:
        fail(str(err))
    except (HydraException, OmegaConfBaseException, ValueError) as err:
        fail(_one_line(err))
