"""A task's result folder: refused when used, written atomically, its files collected, the manifest last.

Every task (run, sweep, comparison, validation, calibration, discovery) writes its results through one
``ResultFolder``:

- before Hydra or anything else writes, ``check_fresh`` refuses an output folder that holds anything (a finished
  result, an INCOMPLETE one, another command's ``.hydra/``), and ``output_path``/``check_writable`` one that
  cannot be a folder (``sim.cli.preflight`` calls them for every job of a command line);
- ``ResultFolder.open`` refuses, again, a folder that holds any of the task's result names (for callers that
  skip the command line);
- every file goes to a temporary name and is renamed into place (``write``, ``write_text``, ``write_json``,
  ``write_csv``), and is collected, with what figure writers return (``add``);
- ``finish`` writes ``report.html``, removes what dead writers left (``.<name>.tmp-...``) and writes the
  manifest, with every collected file's sha256, last. A folder with results but no manifest is INCOMPLETE.

``MANIFEST`` is the one place the manifest's file name is spelled.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim.config.fingerprint import fingerprint
from sim.config.load import PROJECT_ROOT
from sim.io import OutputExistsError, atomic_write, atomic_write_text, sha256
from sim.manifest import build_manifest
from sim.report import REPORT, write_report

MANIFEST = "manifest.json"
NAME_MAX = 255  # bytes in one folder or file name (ext4, xfs, apfs, ntfs)
TEMPORARY = ".tmp"  # what ``sim.io.atomic_write`` puts in a temporary name: ``.<name>.tmp-<host>-<pid>``


def ensure_fresh(folder: Path, names: Iterable[str]) -> None:
    """Refuse a folder that already holds any of ``names`` (results are never overwritten)."""
    taken = [name for name in names if (folder / name).exists()]
    if taken:
        raise OutputExistsError(
            f"{folder} already holds results ({', '.join(taken)}); "
            "refusing to overwrite them: choose a new output folder"
        )


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


def temporary_files(directories: Iterable[Path]) -> list[Path]:
    """The temporary files of ``sim.io.atomic_write`` (hidden, ``.<name>.tmp-<host>-<pid>``) directly in each of
    ``directories``: what a writer that died left."""
    found = set()
    for directory in directories:
        if directory.is_dir():
            found |= {p for p in directory.iterdir() if p.name.startswith(".") and TEMPORARY in p.name and p.is_file()}
    return sorted(found)


@dataclass
class ResultFolder:
    """The folder one task writes: what it has written so far, and how the manifest will describe it."""

    path: Path
    task: str
    cfg: dict[str, Any]
    overrides: list[str]
    written: list[Path] = field(default_factory=list)

    @classmethod
    def open(
        cls, path: Path, *, task: str, cfg: dict[str, Any], overrides: Iterable[str] | None, names: Iterable[str]
    ) -> ResultFolder:
        """The folder of a new result: refused (``OutputExistsError``) if it holds any of ``names``, the report
        or a manifest already."""
        ensure_fresh(path, [*names, REPORT, MANIFEST])
        return cls(path, task, cfg, list(overrides or []))

    def add(self, paths: Iterable[Path]) -> list[Path]:
        """Collect files a writer of its own (figures) has put into the folder."""
        paths = list(paths)
        self.written += paths
        return paths

    def write(self, name: str, write: Callable[[Path], None]) -> Path:
        """``write(tmp)`` to a temporary name, renamed to ``name`` (relative to the folder) when complete."""
        return self.add([atomic_write(self.path / name, write)])[0]

    def write_text(self, name: str, text: str) -> Path:
        return self.add([atomic_write_text(self.path / name, text)])[0]

    def write_json(self, name: str, data: Any) -> Path:
        return self.write_text(name, json.dumps(data, indent=2) + "\n")

    def write_csv(self, name: str, frame: Any) -> Path:
        return self.write(name, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))

    def finish(self, **sections: Any) -> dict[str, Any]:
        """Write ``report.html`` and, last, the manifest: every collected file's sha256, plus ``sections`` (a
        task's own record, e.g. ``sweep={...}``). Temporary files left by writers that died are removed first,
        so a finished folder holds only results."""
        self.add([write_report(self.path, self.written, task=self.task, cfg=self.cfg, overrides=self.overrides)])
        files = {str(path.relative_to(self.path)): sha256(path) for path in sorted(self.written)}
        manifest = build_manifest(
            root=PROJECT_ROOT,
            cfg=self.cfg,
            overrides=self.overrides,
            files=files,
            task=self.task,
            fingerprint=fingerprint(self.cfg),
        )
        manifest.update(sections)
        for leftover in temporary_files({self.path, *(p.parent for p in self.written)}):
            leftover.unlink(missing_ok=True)
        atomic_write_text(self.path / MANIFEST, json.dumps(manifest, indent=2) + "\n")
        return manifest
