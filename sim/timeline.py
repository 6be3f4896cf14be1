"""A scenario's event timeline: the inherited ``events`` without the ``removed_events``, plus ``added_events``.

Hydra replaces a list when it merges configs, so a what-if scenario that inherits the replay changes its
timeline by naming what it removes and what it adds, not by restating the whole list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sim.calendar import parse_month

_FIELDS = ("source", "target", "cameo")


def matches(match: Mapping[str, Any], event: Mapping[str, Any]) -> bool:
    """Whether ``event`` has every field ``match`` gives; a month (``"2017-08"``) matches any day in it."""
    date = str(match.get("date") or "")
    if date:
        same = date == str(event["date"]) if len(date) > 7 else parse_month(date) == parse_month(event["date"])
        if not same:
            return False
    return all(not match.get(key) or str(match[key]) == str(event[key]) for key in _FIELDS)


def timeline(sc: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The events a scenario injects (each still subject to its ``role`` and the replay mode)."""
    removed = list(sc.get("removed_events", []))
    kept = [ev for ev in sc["events"] if not any(matches(m, ev) for m in removed)]
    return kept + list(sc.get("added_events", []))
