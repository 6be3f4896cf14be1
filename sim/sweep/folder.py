"""A sweep's folder: which sweep it holds, which chunks are finished, and which shard runs which chunks.

The default folder of a sweep is ``outputs/sweeps/<name>/<id>`` (``${sweep_folder:}``), where ``<id>``
starts the sweep's *fingerprint*: the sha256 of its resolved configuration without the settings that cannot
change its results (``workers``, ``paths``, ``sweep.shards``, ``sweep.shard``). The same sweep command therefore
always finds the same folder, and a sweep that was killed resumes there from its finished chunks.

``sweep.json``, written when a sweep first starts in a folder, records the fingerprint and the configuration
it was computed from. A later sweep into the folder must have the same fingerprint; any other is refused,
naming the first setting that differs, before anything is written. A chunk is finished when its files exist
under their final names: each is written to a temporary name and renamed into place, so a chunk that was
being written when the process died has no such file and runs again.

Shards split the chunks into contiguous ranges, one per Hydra multirun job; every shard writes into the one
sweep folder, and each records how it went in ``shards/shard-<k>-of-<n>/status.json``.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sim.config.fingerprint import ID_LENGTH, IGNORED, IGNORED_SWEEP, fingerprint, result_config
from sim.folder import MANIFEST
from sim.io import OutputExistsError, atomic_write_text

RECORD = "sweep.json"
CHUNKS = "chunks"
SHARDS = "shards"
STATUS = "status.json"
LOCK = ".finalize.lock"
# What Hydra and the launchers put into a sweep folder before the sweep task starts: not results.
LAUNCHER_FILES = frozenset({"multirun.yaml", SHARDS})


def first_difference(ours: Any, theirs: Any, path: str = "") -> tuple[str, Any, Any] | None:
    """The first key path (sorted order) at which two plain configs differ, with both values."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            sub = f"{path}.{key}" if path else str(key)
            if key not in ours or key not in theirs:
                return sub, ours.get(key, "<absent>"), theirs.get(key, "<absent>")
            found = first_difference(ours[key], theirs[key], sub)
            if found:
                return found
        return None
    if isinstance(ours, list) and isinstance(theirs, list):
        for k, (a, b) in enumerate(zip(ours, theirs, strict=False)):  # the common part first
            found = first_difference(a, b, f"{path}[{k}]")
            if found:
                return found
        if len(ours) != len(theirs):
            return f"{path} (length)", len(ours), len(theirs)
        return None
    return None if ours == theirs else (path, ours, theirs)


def brief(value: Any, limit: int = 80) -> str:
    """``repr(value)``, cut to about ``limit`` characters for a one-line message."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_record(folder: Path) -> dict[str, Any] | None:
    path = folder / RECORD
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise OutputExistsError(f"{path} is unreadable ({err}); refusing to write into {folder}") from None
    if not isinstance(record, dict) or "fingerprint" not in record:
        raise OutputExistsError(f"{path} is not a sweep record; refusing to write into {folder}")
    return record


def check(folder: Path, cfg: dict[str, Any]) -> dict[str, Any] | None:
    """Whether ``cfg``'s sweep may run in ``folder``: its record if the folder holds this sweep, None if
    the folder holds nothing yet. Raises ``OutputExistsError`` for a different sweep or other results."""
    record = read_record(folder)
    if record is None:
        taken = sorted(
            name
            for name in (os.listdir(folder) if folder.is_dir() else [])
            if not name.startswith(".") and name not in LAUNCHER_FILES
        )
        if taken:
            raise OutputExistsError(
                f"{folder} already holds results ({', '.join(taken[:6])}) but no sweep record "
                f"({RECORD}); refusing to overwrite them: choose a new output folder"
            )
        return None
    if record["fingerprint"] != fingerprint(cfg):
        found = first_difference(result_config(cfg), record.get("config", {}))
        detail = f"; {found[0]} = {brief(found[1])} here, {brief(found[2])} there" if found else ""
        raise OutputExistsError(
            f"{folder} holds a different sweep ({record.get('name')}, fingerprint "
            f"{record['fingerprint'][:ID_LENGTH]}{detail}); refusing to mix results: "
            "run it with its own configuration or choose another folder"
        )
    return record


def claim(folder: Path, cfg: dict[str, Any], *, runs: int, chunks: int, overrides: list[str]) -> dict[str, Any]:
    """Check ``folder`` (see ``check``) and, the first time, write the sweep's record into it."""
    record = check(folder, cfg)
    if record is None:
        record = {
            "name": cfg["sweep"]["name"],
            "fingerprint": fingerprint(cfg),
            "runs": runs,
            "chunks": chunks,
            "chunk_size": cfg["sweep"]["chunk_size"],
            "overrides": result_overrides(overrides),
            "config": result_config(cfg),
        }
        # shards starting together may all get here: they write the same bytes, each renamed into place whole
        atomic_write_text(folder / RECORD, json.dumps(record, indent=1) + "\n")  # key order matters: see fingerprint
    return record


def result_overrides(overrides: Iterable[str]) -> list[str]:
    """Command-line overrides without the ones that cannot change results (as in the fingerprint)."""

    def ignored(key: str) -> bool:
        return key.split(".")[0] in IGNORED or key in {f"sweep.{name}" for name in IGNORED_SWEEP}

    return [o for o in overrides if not ignored(o.split("=", 1)[0].lstrip("+~"))]


# ---- chunks and shards -----------------------------------------------------------------------------------


def chunk_name(index: int, kind: str) -> str:
    return f"{kind}-{index:07d}.{'parquet' if kind == 'outcomes' else 'npy'}"


def chunk_kinds(series: bool) -> tuple[str, ...]:
    return ("series", "outcomes") if series else ("outcomes",)


def finished_chunks(chunks_dir: Path, series: bool) -> set[int]:
    """Indices of the chunks whose files are all in place (temporary files never count)."""
    found: dict[str, set[int]] = {kind: set() for kind in chunk_kinds(series)}
    if chunks_dir.is_dir():
        with os.scandir(chunks_dir) as entries:
            for entry in entries:
                kind, _, rest = entry.name.partition("-")
                if (
                    kind in found
                    and rest[:7].isdigit()
                    and entry.name == chunk_name(int(rest[:7]), kind)
                    and entry.is_file()
                ):
                    found[kind].add(int(rest[:7]))
    return set.intersection(*found.values())


def shard_chunks(chunks: int, shards: int, shard: int) -> range:
    """The contiguous range of chunk indices that shard ``shard`` of ``shards`` runs."""
    return range(shard * chunks // shards, (shard + 1) * chunks // shards)


def remove_temporaries(directory: Path, owned: Iterable[str] | None = None) -> list[str]:
    """Delete the temporary files left in ``directory`` by writers that died (``.<name>.tmp-...``).

    With ``owned``, only those whose final name is in it: a shard clears the leftovers of its own chunks and
    never touches a file another shard may be writing right now.
    """
    names = None if owned is None else set(owned)
    removed = []
    if directory.is_dir():
        for path in directory.iterdir():
            final, sep, _ = path.name[1:].partition(".tmp")
            if path.name.startswith(".") and sep and (names is None or final in names) and path.is_file():
                path.unlink(missing_ok=True)
                removed.append(path.name)
    return removed


def ranges(indices: Iterable[int]) -> str:
    """``0-3, 7, 9-10`` for a set of chunk indices."""
    out, run = [], []
    for k in sorted(indices):
        if run and k == run[-1] + 1:
            run.append(k)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
        run = [k]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else str(run[0]))
    return ", ".join(out)


def shard_dir(folder: Path, shard: int, shards: int) -> Path:
    return folder / SHARDS / f"shard-{shard}-of-{shards}"


def write_status(folder: Path, shard: int, shards: int, state: str, **details: Any) -> None:
    """Record how shard ``shard`` of ``shards`` is going: ``running``, ``done`` or ``failed``."""
    status = {
        "shard": shard,
        "shards": shards,
        "state": state,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        **details,
    }
    atomic_write_text(shard_dir(folder, shard, shards) / STATUS, json.dumps(status, indent=1) + "\n")


def statuses(folder: Path) -> list[dict[str, Any]]:
    """Every shard status in the folder, by number of shards, then shard."""
    found = []
    for path in sorted((folder / SHARDS).glob(f"shard-*-of-*/{STATUS}")):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # being replaced right now, or not ours: the chunk files are the truth anyway
    return sorted(found, key=lambda s: (s.get("shards", 0), s.get("shard", 0)))


def report(folder: Path, record: dict[str, Any]) -> tuple[list[str], set[int]]:
    """Lines describing how far a sweep folder is, shard by shard, and the set of missing chunks."""
    chunks = record["chunks"]
    series = bool((record["config"]["sweep"].get("series") or {}).get("variables"))
    done = finished_chunks(folder / CHUNKS, series)
    merged = (folder / MANIFEST).is_file()
    missing = set() if merged else set(range(chunks)) - done
    lines = [
        f"sweep {record['name']} ({folder}): "
        + ("merged" if merged else f"{chunks - len(missing)} of {chunks} chunks finished")
    ]
    recorded = {(s["shards"], s["shard"]): s for s in statuses(folder)}
    for n in sorted({n for n, _ in recorded}):
        for k in range(n):
            own = shard_chunks(chunks, n, k)
            lost = sorted(set(own) & missing)
            status = recorded.get((n, k))
            if status is None and not lost:
                continue
            where = "" if status is None else f"{status.get('host')}:{status.get('pid')}"
            if status is None:
                text = "no record: never started (or could not start)"
            elif status["state"] == "failed":
                text = f"FAILED on {where} at {status.get('time')}: {status.get('error')}"
            elif status["state"] == "running" and lost:
                text = f"started on {where} at {status.get('time')}, not finished (still running, or killed)"
            else:
                text = status["state"]
            span = f"chunks {ranges(own)}" if own else "no chunks"
            lines.append(f"  shard {k} of {n} ({span}): {text}" + (f"; missing chunks {ranges(lost)}" if lost else ""))
    if missing:
        lines.append(f"  missing chunks {ranges(missing)}")
    return lines, missing


@contextmanager
def finalizing(folder: Path) -> Iterator[None]:
    """Hold the folder's merge lock: one process at a time assembles the final files (``flock``; works on
    local disks and on NFS, where Linux maps it to a byte-range lock).

    Once the folder is complete (its manifest is in place) the lock file is deleted, so a finished sweep keeps
    no lock file. A process that was waiting on the deleted file finds, once it holds the lock, that the path
    no longer names its file, and locks the path again (the usual lock-then-check-identity dance).
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK
    while True:
        handle = path.open("a")
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            same = os.path.samestat(os.fstat(handle.fileno()), os.stat(path))
        except FileNotFoundError:
            same = False
        if same:
            break
        handle.close()
    try:
        yield
    finally:
        if (folder / MANIFEST).is_file():
            path.unlink(missing_ok=True)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


def tidy_complete(folder: Path) -> None:
    """Delete what a complete sweep folder no longer needs: chunks left by a merge killed after writing the
    manifest, and the merge lock."""
    if (folder / MANIFEST).is_file() and ((folder / CHUNKS).exists() or (folder / LOCK).exists()):
        with finalizing(folder):
            shutil.rmtree(folder / CHUNKS, ignore_errors=True)
