"""The config-group files a command line names (``sweep=my_sweep``, ``scenario=my_case``), checked whole before
Hydra composes them, so a broken file is reported in one line that names it (and its line), not as a YAML
traceback or a message about a key that was never written.

Checked: the file can be read, is UTF-8 text (not binary), is not empty, parses as YAML, holds a mapping, and
carries ``# @package _global_`` on its first lines when its group's files set keys at the top of the config
(``sweep``, ``calibration``, ``experiment``: without the header Hydra would nest everything one level down).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from hydra.core.override_parser.overrides_parser import OverridesParser

from sim.config.errors import ConfigError
from sim.config.load import CONF_DIR

GLOBAL_GROUPS = ("sweep", "calibration", "experiment")
HEADER = "# @package _global_"


def _folders(searchpath: list[str]) -> list[Path]:
    extra = [Path(entry.removeprefix("file://")) for entry in searchpath if entry.startswith("file://")]
    return [CONF_DIR, *extra]


def group_file(group: str, choice: str, searchpath: list[str]) -> Path | None:
    """The file Hydra would load for ``group=choice`` (first in the search path), or None."""
    for folder in _folders(searchpath):
        path = folder / group / f"{choice}.yaml"
        if path.is_file() or (path.exists() and not path.is_dir()):
            return path
    return None


def _choices(overrides: list[str]) -> list[tuple[str, str, str]]:
    """(override key, group, choice) of every group choice on the command line (each value of a sweep)."""
    found = []
    for override in OverridesParser.create().parse_overrides(overrides):
        key = override.get_key_element()
        group = key.lstrip("+~")
        if "." in group or group.startswith("hydra") or override.is_delete():
            continue
        values = list(override.sweep_string_iterator()) if override.is_sweep_override() else [override.value()]
        found += [(key, group, str(v)) for v in values if isinstance(v, str | int | float) and v is not None]
    return found


def check_group_files(overrides: list[str], searchpath: list[str]) -> None:
    for key, group, choice in _choices(overrides):
        path = group_file(group, choice, searchpath)
        if path is not None:
            check_file(key, choice, path, header=group in GLOBAL_GROUPS)


def check_file(key: str, choice: str, path: Path, header: bool) -> None:
    def bad(problem: str) -> ConfigError:
        return ConfigError(key, choice, f"{path}: {problem}")

    try:
        data = path.read_bytes()
    except OSError as err:
        raise bad(f"cannot be read ({err.strerror or err})") from None
    if b"\0" in data:
        raise bad(f"line {data[: data.index(b'\0')].count(b'\n') + 1}: binary data (a NUL byte), not a YAML text file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise bad(f"line {line}: not UTF-8 text (byte 0x{data[err.start]:02x}); save the file as UTF-8") from None
    lines = [line.strip() for line in text.splitlines()]
    content = [line for line in lines if line and not line.startswith("#")]
    if not content:
        raise bad("is empty (no settings, only comments or blank lines)")
    if header:
        first = next(k for k, line in enumerate(lines) if line and not line.startswith("#"))
        if not any(line.replace(" ", "") == HEADER.replace(" ", "") for line in lines[:first]):
            raise bad(
                f"line 1: missing '{HEADER}' (a {key.lstrip('+~')} file sets keys at the top of the config; "
                f"see conf/{key.lstrip('+~')}/ for examples)"
            )
    try:
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        context = getattr(err, "context", None)
        raise bad(f"{where}YAML syntax error: {problem}" + (f" ({context})" if context else "")) from None
    if not isinstance(loaded, dict):
        raise bad(f"must hold a mapping of settings (key: value), not a {type(loaded).__name__}")
