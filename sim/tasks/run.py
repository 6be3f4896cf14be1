"""``experiments/run.py``: one scenario as an ensemble (``sim.replay``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sim.replay import FIGURES, RESULT_FILES, headline, run_replay
from sim.tasks.base import Context, Task


def run(cfg: dict[str, Any], out_dir: Path, context: Context) -> dict[str, Any]:
    return run_replay(cfg, out_dir=out_dir, overrides=context.overrides)


def lines(cfg: dict[str, Any], summary: dict[str, Any]) -> str:
    return (
        f"{cfg['scenario']['name']} ({cfg['mode']}): {summary['runs']} runs, seed {cfg['seed']}, "
        f"{summary['seconds']['total']:.1f} s\n{headline(summary)}"
    )


TASK = Task(name="run", script="run.py", config="config", files=(*RESULT_FILES, FIGURES), run=run, headline=lines)
