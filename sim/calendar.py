"""Monthly calendar: the model steps one month at a time over real dates.

A month is written ``"YYYY-MM"`` in configs (a day, ``"YYYY-MM-DD"``, is accepted and falls in its month);
inside the model it is an integer index from the horizon's first month.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

import numpy as np

_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def parse_month(text: str) -> int:
    """Months since year 0 of a ``"YYYY-MM"`` or ``"YYYY-MM-DD"`` string; ValueError if malformed."""
    m = _MONTH.match(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"not a month: {text!r} (expected YYYY-MM)")
    if m.group(3) is not None:  # a day is allowed, but it must exist: 2014-02-30 is a typo, not March
        try:
            datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise ValueError(
                f"not a calendar date: {text!r} ({m.group(1)}-{m.group(2)} has no day {m.group(3)})"
            ) from None
    return int(m.group(1)) * 12 + int(m.group(2)) - 1


def format_month(absolute: int) -> str:
    return f"{absolute // 12:04d}-{absolute % 12 + 1:02d}"


@dataclass(frozen=True)
class Calendar:
    """The horizon ``start``..``end`` (inclusive), one step per month."""

    start: int
    end: int

    @classmethod
    def from_strings(cls, start: str, end: str) -> Calendar:
        return cls(parse_month(start), parse_month(end))

    @property
    def n_steps(self) -> int:
        return self.end - self.start + 1

    def index(self, text: str) -> int:
        """Step index of a month; ValueError when outside the horizon."""
        absolute = parse_month(text)
        if not self.start <= absolute <= self.end:
            raise ValueError(f"{text} is outside the horizon {self.label(0)}..{self.label(self.n_steps - 1)}")
        return absolute - self.start

    def label(self, step: int) -> str:
        return format_month(self.start + step)

    def labels(self) -> list[str]:
        return [self.label(t) for t in range(self.n_steps)]

    def dates(self) -> np.ndarray:
        """First day of each month, as numpy datetime64[D]."""
        return np.array([f"{lbl}-01" for lbl in self.labels()], dtype="datetime64[D]")
