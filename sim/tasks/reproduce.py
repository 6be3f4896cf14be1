"""Re-run a finished run, sweep, validation, calibration or comparison from what its folder saved, and prove
the results are the same (the manifest's ``task`` says which script made the folder).

The folder's ``.hydra/config.yaml`` is the composed configuration it ran (plain YAML: loading it runs no code,
unlike a pickle; what it names rather than holds, such as the timeline file of ``events: ${timeline:...}``, is read
again when it is resolved, and a warning says so when the result no longer has the fingerprint the manifest
recorded), ``.hydra/overrides.yaml`` the command line's overrides, and ``manifest.json`` the sha256 of every result
file. The re-run goes into a new folder; every result file's hash is compared with the
manifest, and so is every file the original folder still holds (a file edited after the run is caught too).
For tables the first difference is located: the first differing row (its run, point, date, dyad, variable,
...) and column.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from hydra.errors import HydraException
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import ConfigError, compose_config, to_container, validate
from sim.config.fingerprint import fingerprint
from sim.config.load import PROJECT_ROOT, run_id
from sim.config.schema import Config
from sim.folder import MANIFEST, incomplete
from sim.io import sha256
from sim.manifest import git_state, versions
from sim.tasks.base import Context
from sim.tasks.registry import TASKS

REPRODUCIBLE = [name for name, task in TASKS.items() if task.reproducible]  # tasks whose folders have a manifest

HYDRA = ".hydra"
# Columns that say where a table row belongs, in the order a reader names them.
ROW_KEYS = (
    "run",
    "point",
    "replicate",
    "stream",
    "outcome",
    "parameter",
    "variable",
    "source",
    "target",
    "quarter",
    "date",
    "kind",
)
BATCH = 65_536


class FolderError(ValueError):
    """The folder is not one that can be reproduced (no manifest, no saved config)."""


@dataclass
class Saved:
    """What a result folder saved about how it was made."""

    folder: Path
    manifest: dict[str, Any]
    config_file: Path
    cfg: dict[str, Any]
    overrides: list[str]
    is_sweep: bool
    task: str = "run"
    # the fingerprint of the saved config as it resolves now, and the one the manifest recorded (None: not recorded)
    fingerprints: tuple[str, str | None] | None = None

    @property
    def kind(self) -> str:
        return self.task

    @property
    def config_name(self) -> str:
        """The primary config the task's script composes (for the recomposition check)."""
        return TASKS[self.task].config


@dataclass
class FileCheck:
    name: str
    ok: bool
    problem: str = ""
    detail: str = ""


def read_saved(folder: Path) -> Saved:
    """The manifest, composed config and overrides of a finished run or sweep folder (``FolderError`` if not)."""
    if not folder.is_dir():
        raise FolderError(f"{folder}: no such folder")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        if (folder / "sweep.json").is_file():
            raise FolderError(
                f"{folder} holds no {MANIFEST}: an unfinished sweep (it resumes with its own "
                "command, or merges with experiments/merge.py)"
            ) from None
        if incomplete(folder):
            raise FolderError(
                f"{folder} is INCOMPLETE: it holds results but no {MANIFEST} (the task that wrote "
                "it was killed or failed before finishing); its files are not a finished result: "
                "run the task again into a new folder"
            ) from None
        raise FolderError(f"{folder} holds no {MANIFEST}: not a finished result folder") from None
    except (OSError, ValueError) as err:
        raise FolderError(f"{folder / MANIFEST} is unreadable: {err}") from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise FolderError(f"{folder / MANIFEST} lists no result files: not a manifest of this project")
    for name in manifest["files"]:
        if not _inside(folder, name):
            raise FolderError(
                f"{folder / MANIFEST} lists {name!r}, which is not a file inside the folder: "
                "refusing to read or compare it (the manifest was edited or is not this project's)"
            )
    # a sweep run as shards saved each shard job's config beside its status; any one of them describes the sweep
    candidates = [folder / HYDRA, *sorted((folder / "shards").glob(f"shard-*-of-*/{HYDRA}"))]
    hydra_dir = next((d for d in candidates if (d / "config.yaml").is_file()), None)
    if hydra_dir is None:
        raise FolderError(f"{folder} holds no {HYDRA}/config.yaml: its configuration was not saved")
    try:
        loaded = OmegaConf.load(hydra_dir / "config.yaml")
        overrides_file = hydra_dir / "overrides.yaml"
        overrides = [str(o) for o in OmegaConf.load(overrides_file)] if overrides_file.is_file() else []
    except (OSError, OmegaConfBaseException, ValueError) as err:
        raise FolderError(f"{hydra_dir / 'config.yaml'} is unreadable: {err}") from None
    if manifest.get("task") == "discovery":  # its own config (conf/discover.yaml), not the model's schema
        return _saved_discovery(folder, manifest, hydra_dir, loaded, overrides)
    try:
        # typed by the schema, as when it was composed; ${project_root:} now means this checkout
        typed = OmegaConf.merge(OmegaConf.structured(Config), loaded)
        cfg = to_container(typed)
    except OmegaConfBaseException as err:
        raise ConfigError(
            "config",
            str(hydra_dir / "config.yaml"),
            f"does not fit the current configuration schema: {str(err).splitlines()[0]}",
        ) from None
    cfg = validate(cfg)
    is_sweep = bool(cfg.get("sweep"))
    # the saved config as it resolves now against the fingerprint the folder recorded (workers, paths and shards
    # left out: the same on any machine), before the re-run's own settings below; folders made before 2026-12-02
    # recorded one for sweeps only
    recorded = manifest.get("fingerprint") or (manifest.get("sweep") or {}).get("fingerprint")
    fingerprints = (fingerprint(cfg), recorded)
    task = manifest.get("task") or ("sweep" if is_sweep else "run")  # folders made before tasks were recorded
    if task not in REPRODUCIBLE:
        raise FolderError(
            f"{folder / MANIFEST}: task {task!r} is not one this project makes ({', '.join(REPRODUCIBLE)})"
        )
    if is_sweep:
        cfg["sweep"]["shards"], cfg["sweep"]["shard"] = 1, 0  # the re-run is one process, whatever ran before
    if task == "calibration":
        cfg["calibration"]["install"] = False  # reproducing checks results; it never rewrites conf/params
    return Saved(folder, manifest, hydra_dir / "config.yaml", cfg, overrides, is_sweep, task, fingerprints)


def _saved_discovery(
    folder: Path, manifest: dict[str, Any], hydra_dir: Path, loaded: Any, overrides: list[str]
) -> Saved:
    from sim.discovery.spec import check_discovery

    cfg = OmegaConf.to_container(loaded, resolve=True)
    check_discovery(cfg)  # the sweep folder it read must still be there
    return Saved(folder, manifest, hydra_dir / "config.yaml", cfg, overrides, False, "discovery")


def _inside(folder: Path, name: object) -> bool:
    """A manifest key names a file under the folder: relative, no '..', not through a link out of it."""
    if not isinstance(name, str) or not name or "\0" in name:
        return False
    relative = PurePosixPath(name)
    if relative.is_absolute() or ".." in relative.parts or "\\" in name:
        return False
    return (folder / relative).resolve().is_relative_to(folder.resolve())


def default_out_dir(folder: Path) -> Path:
    """A new folder beside the original: ``<folder>-reproduced-<time>_<id>``."""
    return folder.with_name(f"{folder.name}-reproduced-{time.strftime('%Y-%m-%d_%H-%M-%S')}_{run_id()}")


def warnings_for(saved: Saved) -> list[str]:
    """Why the re-run may legitimately differ: other code, an uncommitted tree, other package versions, or
    config files that now compose differently from the same overrides."""
    found = []
    then, now = saved.manifest.get("git", {}), git_state(PROJECT_ROOT)
    if then.get("commit") and now.get("commit") and then["commit"] != now["commit"]:
        found.append(f"recorded at commit {then['commit'][:12]}, the code is now at {now['commit'][:12]}")
    if then.get("dirty"):
        found.append("the working tree had uncommitted changes when it was recorded")
    if now.get("dirty"):
        found.append("the working tree has uncommitted changes now")
    recorded, current = saved.manifest.get("packages", {}), versions()
    changed = [
        f"{name} {recorded[name]} -> {current.get(name)}"
        for name in sorted(recorded)
        if recorded[name] != current.get(name)
    ]
    if changed:
        found.append("package versions differ: " + ", ".join(changed))
    if saved.fingerprints is not None:
        now, recorded = saved.fingerprints
        if recorded and now != recorded:
            found.append(
                "the saved config resolves to another configuration than the one recorded (fingerprint "
                f"{now[:12]} now, {recorded[:12]} recorded): a file it reads when resolved, such as the timeline its "
                "events name (${timeline:...}), has changed; the re-run reads the file as it is now"
            )
    found += _recompose_warning(saved)
    return found


def _recompose_warning(saved: Saved) -> list[str]:
    from sim.sweep.folder import brief, first_difference, result_config

    task = [o for o in saved.overrides if not o.lstrip("+~").startswith("hydra")]
    try:
        hydra_file = saved.config_file.parent / "hydra.yaml"
        launched = OmegaConf.select(OmegaConf.load(hydra_file), "hydra.overrides.hydra") if hydra_file.is_file() else []
        searchpath = [str(o) for o in launched or [] if str(o).startswith("hydra.searchpath=")]
        again = to_container(compose_config([*task, *searchpath], config_name=saved.config_name))
        again = again if saved.task == "discovery" else validate(again)
    except (ConfigError, HydraException, OmegaConfBaseException, ValueError, OSError) as err:
        return [
            f"the current conf/ no longer composes these overrides ({str(err).splitlines()[0]}); "
            "the saved config is used"
        ]
    if saved.is_sweep:
        again["sweep"]["shards"], again["sweep"]["shard"] = 1, 0
    if saved.task == "calibration":
        again["calibration"]["install"] = False
    found = first_difference(result_config(again), result_config(saved.cfg))
    if found:
        return [
            f"the current conf/ composes a different config from the same overrides ({found[0]} = "
            f"{brief(found[1])} now, {brief(found[2])} saved); the saved config is used"
        ]
    return []


def rerun(saved: Saved, out_dir: Path, workers: int, progress: bool) -> None:
    """Run the saved config into ``out_dir`` (which must hold no results) and save its config there too."""
    if out_dir.exists() and any(out_dir.iterdir()):
        raise FolderError(f"{out_dir} already exists and is not empty: refusing to write into it")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / HYDRA).mkdir()
    for name in ("config.yaml", "overrides.yaml"):
        if (saved.config_file.parent / name).is_file():
            shutil.copyfile(saved.config_file.parent / name, out_dir / HYDRA / name)
    context = Context(overrides=saved.overrides, workers=workers, progress=progress)
    TASKS[saved.task].run(saved.cfg, out_dir, context)


def compare(saved: Saved, out_dir: Path) -> list[FileCheck]:
    """Each result file of the manifest, and each the re-run made: the same bytes in all three places?"""
    expected = saved.manifest["files"]
    produced = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))["files"]
    checks = []
    for name in sorted(set(expected) | set(produced)):
        original, again = saved.folder / name, out_dir / name
        if name not in expected:
            checks.append(FileCheck(name, False, "made by the re-run but not listed in the manifest"))
            continue
        if name not in produced:
            checks.append(FileCheck(name, False, "listed in the manifest but not made by the re-run"))
            continue
        kept = sha256(original) if original.is_file() else None
        if produced[name] != expected[name]:
            problem = f"the re-run differs from the manifest (sha256 {produced[name][:12]} vs {expected[name][:12]})"
            detail = first_difference(original, again) if kept is not None else ""
            checks.append(FileCheck(name, False, problem, detail))
        elif kept is None:
            checks.append(FileCheck(name, False, "missing from the folder (the re-run matches the manifest)"))
        elif kept != expected[name]:
            checks.append(
                FileCheck(
                    name,
                    False,
                    "the folder's copy no longer matches its manifest (changed after "
                    "the run; the re-run matches the manifest)",
                    first_difference(original, again),
                )
            )
        else:
            checks.append(FileCheck(name, True))
    return checks


# ---- where two files first differ ------------------------------------------------------------------------


def first_difference(a: Path, b: Path) -> str:
    """Where file ``a`` (the folder's) first differs from ``b`` (the re-run's), in words."""
    try:
        if a.suffix == ".parquet":
            return _tables(_parquet_batches(a), _parquet_batches(b))
        if a.suffix == ".csv":
            read = {"dtype": str, "keep_default_na": False}  # compare the text exactly, cell by cell
            return _tables(iter([pd.read_csv(a, **read)]), iter([pd.read_csv(b, **read)]))
        if a.suffix == ".json":
            return _json(json.loads(a.read_text(encoding="utf-8")), json.loads(b.read_text(encoding="utf-8")))
    except (OSError, ValueError, pa.ArrowException) as err:
        return f"cannot be read as a {a.suffix[1:]} file: {str(err).splitlines()[0]}"
    return f"{a.stat().st_size:,} bytes in the folder, {b.stat().st_size:,} in the re-run"


def _json(a: Any, b: Any) -> str:
    from sim.sweep.folder import first_difference as path_difference

    found = path_difference(a, b)
    return (
        f"first difference at {found[0] or 'the top'}: {found[1]!r} in the folder, {found[2]!r} in the re-run"
        if found
        else "same content, different bytes"
    )


def _parquet_batches(path: Path) -> Iterator[pd.DataFrame]:
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH):
        yield batch.to_pandas()


def _aligned(
    left: Iterator[pd.DataFrame], right: Iterator[pd.DataFrame]
) -> Iterator[tuple[int, pd.DataFrame, pd.DataFrame]]:
    """Pairs of equally long row blocks of two tables, with the row number each block starts at."""
    buffers = [pd.DataFrame(), pd.DataFrame()]
    sources, done, start = [left, right], [False, False], 0
    while True:
        for k in (0, 1):
            while not done[k] and len(buffers[k]) < BATCH:
                block = next(sources[k], None)
                if block is None:
                    done[k] = True
                else:
                    buffers[k] = pd.concat([buffers[k], block], ignore_index=True) if len(buffers[k]) else block
        n = min(len(buffers[0]), len(buffers[1]))
        if n == 0:
            yield start, buffers[0], buffers[1]  # what is left on one side only
            return
        yield start, buffers[0].iloc[:n].reset_index(drop=True), buffers[1].iloc[:n].reset_index(drop=True)
        buffers = [buffers[0].iloc[n:].reset_index(drop=True), buffers[1].iloc[n:].reset_index(drop=True)]
        start += n


def _tables(left: Iterator[pd.DataFrame], right: Iterator[pd.DataFrame]) -> str:
    rows = [0, 0]
    for start, a, b in _aligned(left, right):
        rows[0], rows[1] = start + len(a), start + len(b)
        if len(a) != len(b):
            break
        if list(a.columns) != list(b.columns):
            return f"columns differ: {list(a.columns)} in the folder, {list(b.columns)} in the re-run"
        differs = pd.Series(False, index=a.index)
        per_column = {}
        for column in a.columns:
            x, y = _plain(a[column]), _plain(b[column])
            unequal = (x != y) & ~(x.isna() & y.isna())
            per_column[column] = unequal
            differs |= unequal
        if differs.any():
            k = int(differs.to_numpy().argmax())
            columns = [c for c in a.columns if per_column[c].iloc[k]]
            where = _row(a, k)
            return f"first difference at row {start + k:,} ({where}): " + "; ".join(
                f"{c} = {_value(a[c].iloc[k])} in the folder, {_value(b[c].iloc[k])} in the re-run" for c in columns
            )
    if rows[0] != rows[1]:
        return f"{rows[0]:,} rows in the folder, {rows[1]:,} in the re-run (equal up to the shorter)"
    return "same values, different bytes (types, metadata or layout)"


def _value(value: Any) -> str:
    return repr(value.item() if hasattr(value, "item") else value)


def _plain(column: pd.Series) -> pd.Series:
    return column.astype(object) if isinstance(column.dtype, pd.CategoricalDtype) else column


def _row(frame: pd.DataFrame, k: int) -> str:
    """Row ``k`` named by its key columns: ``run 3, variable nci, dyad JPN->RUS, date 2013-04-01``."""
    parts = []
    for key in ROW_KEYS:
        if key in frame.columns and key != "target":
            if key == "source" and "target" in frame.columns:
                parts.append(f"dyad {frame['source'].iloc[k]}->{frame['target'].iloc[k]}")
            else:
                value = frame[key].iloc[k]
                if isinstance(value, pd.Timestamp) and value == value.normalize():  # a month's first day
                    value = value.date().isoformat()
                parts.append(f"{key} {value}")
    return ", ".join(parts) or "no key columns"
