"""Every key of a resolved config against the schema: unknown keys (with or without Hydra's ``+``) and values
whose type an interpolation changed are refused, naming the full key path, the value and what is allowed.

OmegaConf refuses an unknown key only when it is set without ``+``; ``+params.wedge_wieght=2`` adds it, and
the run would silently use the default. OmegaConf also types a value only when it is set, not when an
interpolation (``seed=${oc.env:HOME}``) resolves. This walk, over the plain resolved data, closes both gaps.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

from sim.config.errors import ConfigError

# Beyond this many allowed names a message suggests the closest one or points at the schema.
_LISTED = 15


@cache
def _hints(schema: type) -> dict[str, Any]:
    return typing.get_type_hints(schema)


def suggestion(key: str, allowed: list[str], schema: str = "") -> str:
    """``unknown key; did you mean `wedge_weight`?`` (difflib's closest name), else the allowed names."""
    close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown key; did you mean `{close[0]}`?"
    if len(allowed) <= _LISTED:
        return f"unknown key; allowed: {', '.join(allowed) or 'none'}"
    return f"unknown key; the allowed keys are the fields of {schema} in sim/config/schema.py"


def _join(path: str, key: object) -> str:
    return f"{path}.{key}" if path else str(key)


def check_keys(data: Any, schema: type, path: str = "") -> None:
    """Raise ``ConfigError`` for the first key of ``data`` that ``schema`` (a dataclass) does not declare, or the
    first value whose type does not fit its declaration."""
    if not isinstance(data, Mapping):
        raise ConfigError(path or "config", data, f"must be a mapping of {schema.__name__} fields")
    hints = _hints(schema)
    names = [f.name for f in dataclasses.fields(schema)]
    for key, value in data.items():
        if key not in hints:
            raise ConfigError(_join(path, key), value, suggestion(str(key), names, schema.__name__))
        _check_value(value, hints[key], _join(path, key))


def _check_value(value: Any, hint: Any, path: str) -> None:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return
        hint = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return
    if dataclasses.is_dataclass(hint):
        check_keys(value, hint, path)
    elif origin is dict:
        if not isinstance(value, Mapping):
            raise ConfigError(path, value, "must be a mapping")
        for key, item in value.items():
            _check_value(item, args[1], f"{path}.{key}")
    elif origin is list:
        if not isinstance(value, list):
            raise ConfigError(path, value, "must be a list")
        for k, item in enumerate(value):
            _check_value(item, args[0], f"{path}[{k}]")
    elif hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(path, value, "must be true or false")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(path, value, "must be an integer")
    elif hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(path, value, "must be a number")
    elif hint is str and not isinstance(value, str):
        raise ConfigError(path, value, "must be a string")
