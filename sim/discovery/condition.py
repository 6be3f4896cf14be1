"""The condition a discovery asks about, e.g. ``two_plus_two_by_2017 >= 0.5``: data, never code.

A condition is three parts: an outcome the sweep recorded, a comparison operator from a fixed set, and a
finite number. It is parsed with a regular expression and compared with ``operator``; nothing is evaluated.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from sim.config.errors import ConfigError

OPERATORS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
_PATTERN = re.compile(r"^\s*(?P<outcome>[A-Za-z_][A-Za-z0-9_]*)\s*(?P<op><=|>=|<|>)\s*(?P<value>\S+)\s*$")
KEY = "condition"


@dataclass(frozen=True)
class Condition:
    outcome: str
    op: str
    value: float

    def __str__(self) -> str:
        return f"{self.outcome} {self.op} {self.value:g}"

    def holds(self, values: np.ndarray) -> np.ndarray:
        """Where the condition holds (NaN, an outcome that never happened, never satisfies it)."""
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore"):
            return OPERATORS[self.op](values, self.value) & np.isfinite(values)


def parse_condition(text: object, outcomes: Iterable[str]) -> Condition:
    """``'<outcome> <op> <number>'`` with ``op`` one of ``>= > <= <``; ``outcome`` one of ``outcomes``."""
    allowed = list(outcomes)
    if not isinstance(text, str):
        raise ConfigError(KEY, text, "must be a text '<outcome> <op> <number>', e.g. 'nci_jr_thaw < 1'")
    found = _PATTERN.match(text)
    if found is None:
        raise ConfigError(
            KEY,
            text,
            "must read '<outcome> <op> <number>' with <op> one of "
            f"{', '.join(OPERATORS)}, e.g. '{allowed[0] if allowed else 'nci_jr_thaw'} >= 0.5'",
        )
    try:
        value = float(found["value"])
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ConfigError(KEY, text, f"{found['value']!r} is not a finite number")
    if found["outcome"] not in allowed:
        raise ConfigError(KEY, text, f"unknown outcome {found['outcome']!r}; the sweep recorded: {', '.join(allowed)}")
    return Condition(found["outcome"], found["op"], value)
