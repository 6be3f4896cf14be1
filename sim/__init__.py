"""Bilateral-relations scenario simulator: countries as Mesa agents exchanging trust and cooperation signals.

``sim`` is a library first; the scripts in ``experiments/`` are thin Hydra front ends over it::

    from sim import RelationsModel, compose_config
    model = RelationsModel(compose_config(["mode=forced"]), replicates=100).run()

The names below are imported on first use (PEP 562), so that ``import sim.cli`` and a script's preflight,
which refuse a bad command line in one line, do not pay for importing Mesa and matplotlib first.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import re
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any


def _numba_cache_dir() -> str:
    """Numba's cache folder for this version of the compiled code: ``numba-<digest>``, where the digest covers every
    module of ``sim`` that uses Numba.

    Numba invalidates a cached function only when its own file changes, not when a function it calls or inlines
    from another module does (``elementwise.maximum`` inlined into ``perception.perceive``): an edit would then run
    stale machine code. A folder per digest makes any edit start from an empty cache. It is made under
    ``NUMBA_CACHE_DIR`` if set, else under this package's ``__pycache__`` (or the user's cache folder when the
    package is read-only); processes started from this one inherit it.
    """
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(here.rglob("*.py")):
        text = path.read_bytes()
        if b"numba" in text:
            digest.update(path.relative_to(here).as_posix().encode() + b"\0" + text)
    name = f"numba-{digest.hexdigest()[:16]}"
    base = os.environ.get("NUMBA_CACHE_DIR", "")
    if Path(base).name == name:  # set by the process that started this one
        return base
    if not base:
        base = str(here / "__pycache__")
        if not os.access(here, os.W_OK):
            base = os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "sim")
        if not os.path.isdir(os.path.join(base, name)):  # a new version of the compiled code: tidy the old ones
            prune_numba_caches(Path(base), name)
    return os.path.join(base, name)


KEPT_CACHE_VERSIONS = 3  # folders of earlier versions of the compiled code kept beside the current one
_CACHE_FOLDER = re.compile(r"numba-[0-9a-f]{16}")


def prune_numba_caches(base: Path, current: str, keep: int = KEPT_CACHE_VERSIONS) -> list[Path]:
    """Delete the ``numba-<digest>`` folders under ``base``, other than ``current``, except the ``keep`` most recently
    modified; returns those deleted.

    Each edit of a compiled module starts a new folder (1–4 MB), so without this they pile up as the code changes.
    Called only for the default location (the package's ``__pycache__`` or the user's cache folder), when a process
    first uses a new version: a folder set with ``NUMBA_CACHE_DIR`` is the user's to manage. A version whose folder
    was deleted compiles again (about 20 s) the next time it runs.
    """
    folders = []
    try:
        for path in base.iterdir():
            if path.name != current and _CACHE_FOLDER.fullmatch(path.name) and path.is_dir():
                folders.append((path.stat().st_mtime, path))
    except OSError:  # the folder went away, or another process deleted one meanwhile: nothing to tidy now
        return []
    folders.sort(reverse=True)
    removed = [path for _, path in folders[keep:]]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


os.environ["NUMBA_CACHE_DIR"] = _numba_cache_dir()
if "numba" in sys.modules:  # imported before sim: it read the variable already
    sys.modules["numba"].config.CACHE_DIR = os.environ["NUMBA_CACHE_DIR"]

if TYPE_CHECKING:
    from sim.agents import Country
    from sim.config import ConfigError, compose_config
    from sim.model import RelationsModel

__all__ = ["ConfigError", "Country", "RelationsModel", "compose_config"]

_HOME = {
    "ConfigError": "sim.config",
    "compose_config": "sim.config",
    "Country": "sim.agents",
    "RelationsModel": "sim.model",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
