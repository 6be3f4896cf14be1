"""Worker processes: the start method every pool of the project uses, and figures drawn on several processes.

Each figure is drawn on its own from the same data (Agg backend, fixed style, no timestamps), so a figure's
files are the same bytes whichever process draws it, and a task's figures can be shared among its cores: a
figure takes about a second (its layout, then a PNG and an SVG), and a replay draws seventeen.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

# a figure: (function, arguments); drawn as ``function(shared, *arguments)``, it returns the paths it wrote
FigureJob = tuple[Callable[..., list[Path]], tuple[Any, ...]]


def pool_context() -> multiprocessing.context.BaseContext:
    """A fork server where there is one, spawn elsewhere: forking a multi-threaded process (pyarrow, tqdm)
    could deadlock a worker; a fork server forks workers from a clean single-threaded process."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def default_workers() -> int:
    """The cores this process may use (its CPU affinity), for ``workers=0``."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def draw_figures(shared: Any, jobs: Sequence[FigureJob], workers: int = 1) -> list[Path]:
    """Draw every figure of ``jobs`` from ``shared`` (sent once to each worker); returns the paths, sorted.

    With ``workers`` > 1, ``workers - 1`` worker processes take the figures from the front of the list while
    this process draws from the back whatever no worker has started: put the figures of many panels first. A
    figure's error is raised here, as if drawn here.
    """
    jobs = list(jobs)
    if workers <= 1 or len(jobs) <= 1:
        return sorted(path for draw, args in jobs for path in draw(shared, *args))
    with ProcessPoolExecutor(
        max_workers=min(workers, len(jobs)) - 1, mp_context=pool_context(), initializer=_share, initargs=(shared,)
    ) as pool:
        futures = [pool.submit(_draw_shared, draw, args) for draw, args in jobs]
        paths: list[Path] = []
        for (draw, args), future in zip(reversed(jobs), reversed(futures), strict=True):
            if future.cancel():
                paths += draw(shared, *args)
        for future in futures:
            if not future.cancelled():
                paths += future.result()
    return sorted(paths)


_SHARED: list[Any] = []  # a figure worker's data, sent once per process


def _share(shared: Any) -> None:
    _SHARED[:] = [shared]


def _draw_shared(draw: Callable[..., list[Path]], args: tuple[Any, ...]) -> list[Path]:
    return draw(_SHARED[0], *args)
