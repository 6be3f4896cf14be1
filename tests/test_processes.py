"""Figures drawn by several processes (``sim.processes.draw_figures``): every job drawn once, the paths sorted,
a figure's error raised to the caller, and one process when there is one worker or one job."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from sim.processes import draw_figures


def _write(shared: str, name: str, out_dir: Path) -> list[Path]:
    """A stand-in figure: a file holding the shared text, its name and the process that wrote it; it takes a
    tenth of a second, so that the workers have started before this process has drawn every job."""
    time.sleep(0.1)
    path = out_dir / f"{name}.txt"
    path.write_text(f"{shared} {name} {os.getpid()}")
    return [path]


def _fail(shared: str, name: str, out_dir: Path) -> list[Path]:
    raise ValueError(f"cannot draw {name}")


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_every_job_is_drawn_once_from_the_shared_data(tmp_path: Path, workers: int) -> None:
    names = [f"figure{k}" for k in range(7)]
    paths = draw_figures("shared", [(_write, (name, tmp_path)) for name in reversed(names)], workers)
    assert paths == sorted(tmp_path / f"{name}.txt" for name in names)
    texts = [path.read_text().split() for path in paths]
    assert [t[:2] for t in texts] == [["shared", name] for name in names]
    pids = {int(t[2]) for t in texts}
    if workers == 1:
        assert pids == {os.getpid()}
    else:
        assert len(pids) <= workers and pids - {os.getpid()}  # a worker drew at least the first job


def test_a_figure_error_reaches_the_caller(tmp_path: Path) -> None:
    jobs = [(_write, ("a", tmp_path)), (_fail, ("b", tmp_path)), (_write, ("c", tmp_path))]
    with pytest.raises(ValueError, match="cannot draw b"):
        draw_figures("shared", jobs, 2)


def test_one_job_is_drawn_here(tmp_path: Path) -> None:
    [path] = draw_figures("shared", [(_write, ("only", tmp_path))], 4)
    assert path.read_text().split()[2] == str(os.getpid())
