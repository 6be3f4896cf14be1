"""Files that are never half-written and never overwritten."""

from __future__ import annotations

import hashlib
import os
import socket
import tempfile
from collections.abc import Callable
from pathlib import Path


class OutputExistsError(RuntimeError):
    """Refusal to write results into a folder that already holds some."""


def atomic_write(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` on a temporary name beside ``path``, then rename it into place.

    A run killed midway leaves at most a hidden ``.name.tmp-HOST-PID`` file, never a file that looks whole. The
    host keeps apart processes of a cluster that write into one shared folder (their PIDs may be equal).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{socket.gethostname()}-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ensure_fresh(folder: Path, names: list[str]) -> None:
    """Refuse a folder that already holds any of ``names`` (results are never overwritten)."""
    taken = [name for name in names if (folder / name).exists()]
    if taken:
        raise OutputExistsError(
            f"{folder} already holds results ({', '.join(taken)}); "
            "refusing to overwrite them: choose a new output folder"
        )


MANIFEST = "manifest.json"
NAME_MAX = 255  # bytes in one folder or file name (ext4, xfs, apfs, ntfs)


def incomplete(folder: Path) -> bool:
    """Results (any visible file or folder) but no manifest: the task that wrote them did not finish."""
    if not folder.is_dir() or (folder / MANIFEST).is_file():
        return False
    return any(not name.startswith(".") for name in os.listdir(folder))


def check_fresh(folder: Path) -> None:
    """Refuse a folder that holds anything: a finished task's results, an unfinished one's, or Hydra's record of
    another command (``.hydra``). Checked before Hydra writes ``.hydra/`` into it."""
    if not folder.is_dir():
        return
    names = sorted(os.listdir(folder))
    if not names:
        return
    shown = ", ".join(names[:6]) + (", ..." if len(names) > 6 else "")
    if (folder / MANIFEST).is_file():
        state = "holds finished results"
    elif incomplete(folder):
        state = f"holds an INCOMPLETE result folder (results but no {MANIFEST}: the task that wrote it did not finish)"
    else:
        state = "is already used by another command"
    raise OutputExistsError(f"{folder} {state} ({shown}); refusing to overwrite it: choose a new output folder")


def output_path(key: str, value: object) -> Path:
    """The output folder named by config key ``key`` (``hydra.run.dir``), if it can be one; otherwise
    ``OutputExistsError`` in one line: an empty value, a name too long for a file system, a file."""
    text = "" if value is None else str(value)
    if not text.strip():
        raise OutputExistsError(f"{key} = {text!r}: must name a folder (empty would write into the working directory)")
    path = Path(text)
    for part in path.parts:
        if len(part.encode()) > NAME_MAX:
            raise OutputExistsError(
                f"{key} = {text!r}: the folder name {part[:24]!r}... is {len(part.encode())} "
                f"bytes, longer than the {NAME_MAX} a file system allows"
            )
    if path.exists() and not path.is_dir():
        raise OutputExistsError(f"{key} = {text!r}: is a file, not a folder")
    return path


def check_writable(key: str, path: Path) -> None:
    """Refuse a folder that cannot be created or written. Probes the nearest existing folder by creating and
    removing an empty folder in it: permission bits say nothing for root, or on a read-only or special file
    system such as /proc."""
    ancestor = path
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise OutputExistsError(f"{key} = {str(path)!r}: {ancestor} is a file, so no folder can be made under it")
    try:
        probe = Path(tempfile.mkdtemp(prefix=".write-probe-", dir=ancestor))
        probe.rmdir()
    except OSError as err:
        raise OutputExistsError(
            f"{key} = {str(path)!r}: cannot create a folder in {ancestor} ({err.strerror or err})"
        ) from None
