"""How much memory an ensemble's arrays will take, checked before a run starts.

A run keeps every recorded variable of every directed dyad, month and run in memory, then builds the tidy
``timeseries.parquet`` table from them. Measured with ``/usr/bin/time -f %M`` on the 2012-2013 replay
(50 and 550 runs, 24 months, 12 dyads, 22 variables): 86 bytes of peak memory per value, 8 for the model's
arrays and the rest for the table's columns (run, date, source, target, variable, value) as they are built.
``BYTES_PER_VALUE`` rounds that up.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

from sim.calendar import parse_month
from sim.config.errors import ConfigError
from sim.variables import DYAD_VARIABLES

BYTES_PER_VALUE = 96


def recorded_variables() -> int:
    return len(DYAD_VARIABLES)


def ensemble_values(cfg: dict[str, Any]) -> tuple[int, int, int, int]:
    """(runs, months, directed dyads, recorded variables) of the ensemble ``cfg`` runs."""
    sc = cfg["scenario"]
    months = parse_month(cfg["stop"] or sc["end"]) - parse_month(sc["start"]) + 1
    n = len(sc["countries"])
    return int(cfg["replicates"]), months, n * (n - 1), recorded_variables()


def available_bytes() -> int | None:
    """Memory this process may still use: ``MemAvailable`` of /proc/meminfo, lowered by a cgroup limit."""
    found = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        if limit.isdigit():
            found.append(int(limit) - used)
    except (OSError, ValueError):
        pass
    if not found and hasattr(os, "sysconf"):
        with contextlib.suppress(OSError, ValueError):
            found.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    return min(found) if found else None


def size(n_bytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"):
        if n_bytes < 1024 or unit == "EiB":
            return f"{n_bytes:.1f} {unit}" if unit != "B" else f"{n_bytes:.0f} B"
        n_bytes /= 1024
    raise AssertionError("unreachable")


def check_memory(cfg: dict[str, Any], ensembles: int = 1, limit: int | None = None) -> None:
    """Refuse, in one line, a run whose arrays would not fit in the memory available now.

    Sweeps and calibrations run in chunks of ``chunk_size`` runs and keep only their outcomes: not checked here.
    """
    if cfg.get("sweep") or cfg.get("calibration"):
        return
    limit = available_bytes() if limit is None else limit
    if limit is None:
        return
    runs, months, dyads, variables = ensemble_values(cfg)
    need = ensembles * runs * months * dyads * variables * BYTES_PER_VALUE
    if need > limit:
        arms = f"{ensembles} ensembles x " if ensembles > 1 else ""
        raise ConfigError(
            "replicates",
            cfg["replicates"],
            f"needs about {size(need)} of memory ({arms}{runs:,} runs x {months} months x {dyads} dyads "
            f"x {variables} variables x {BYTES_PER_VALUE} bytes), more than the {size(limit)} "
            "available: run fewer replicates per folder (first_run= continues an ensemble in "
            "another folder), or use experiments/sweep.py, which records only the variables its "
            "outcomes read, chunk by chunk",
        )
