"""A scenario's dated events read from a shipped timeline: the ``${timeline:<name>,<countries>}`` resolver.

The replay's events are the rows of one file, ``sim/data/observed/<name>.csv`` (``docs/observed-data.md``), the
same file the validation scores the replay against, so a scenario names the file instead of restating its rows:

    events: ${timeline:timeline_2013_2017,${.countries}}

Each row whose source and target are both among ``countries`` becomes one event of ``scenario.events``:

- ``role``: the row's ``replay_role``; ``forcing-or-endogenous`` rows (China–Russia deals the model does not
  generate) are forcings, injected in both modes; ``endogenous`` rows are injected only in forced mode;
- ``goldstein``: the row's value (none: looked up for the exact CAMEO code by the config check);
- ``weight``: 0.5 for a ``low``-confidence row, 1 otherwise;
- ``note``: the row's ``event`` text; ``refs``: its ``;``-separated reference keys.

A row with another actor is not an act between agents: the annexation of Crimea (RUS→UKR) enters the replay as a
shock (``scenario.shocks``). A scenario that makes Ukraine one of its countries gets that row as an event as well as
the shock: remove one of them (``removed_events``, or its ``shocks``). Only the files of ``sim/data/observed/`` can
be named, by their stem, never a path.

The resolved list is plain data in the resolved config, so a sweep's fingerprint and a folder's recorded
fingerprint cover every event (a saved ``.hydra/config.yaml`` holds the interpolation, and ``reproduce.py`` warns when
it no longer resolves to the recorded fingerprint); only composition is cheaper (Hydra merges one string instead of a
hundred typed events).
"""

from __future__ import annotations

import csv
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any

TIMELINE_DIR = Path(__file__).resolve().parents[1] / "data" / "observed"
ROLES = {"endogenous": "endogenous", "forcing": "forcing", "forcing-or-endogenous": "forcing"}
LOW_CONFIDENCE_WEIGHT = 0.5


def timeline_names() -> list[str]:
    """The timelines a scenario can name: the stems of the CSV files of ``sim/data/observed/``."""
    return sorted(path.stem for path in TIMELINE_DIR.glob("*.csv"))


@functools.cache
def _rows(name: str) -> tuple[dict[str, Any], ...]:
    """Every row of timeline ``name`` as an event (all actors), read once per process."""
    path = TIMELINE_DIR / f"{name}.csv"
    events = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            role = ROLES.get(row["replay_role"])
            if role is None:
                raise ValueError(
                    f"{path.name}:{line}: replay_role = {row['replay_role']!r}: allowed: {', '.join(ROLES)}"
                )
            goldstein = row["goldstein"].strip()
            events.append(
                {
                    "date": row["date"],
                    "source": row["source"],
                    "target": row["target"],
                    "cameo": row["cameo_code"],
                    "goldstein": float(goldstein) if goldstein else None,
                    "role": role,
                    "weight": LOW_CONFIDENCE_WEIGHT if row["confidence"] == "low" else 1.0,
                    "note": row["event"],
                    "refs": [key.strip() for key in row["refs"].split(";") if key.strip()],
                }
            )
    return tuple(events)


def timeline_events(name: str, countries: Iterable[str]) -> list[dict[str, Any]]:
    """The ``${timeline:...}`` resolver: the events of timeline ``name`` between two of ``countries``, in file order
    (each call returns its own copies)."""
    names = timeline_names()
    if name not in names:
        raise ValueError(f"timeline {name!r}: allowed: {', '.join(names)} (files of sim/data/observed/)")
    keep = set(countries)
    return [
        {**event, "refs": list(event["refs"])}
        for event in _rows(name)
        if event["source"] in keep and event["target"] in keep
    ]
