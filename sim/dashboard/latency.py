"""Measure the dashboard's update latency: ``python -m sim.dashboard.latency [runs] [repeats]``.

An update is what the page does in its background thread when a scenario slider moves
(``sim.dashboard.render.update``, the very function the page calls): run the edited arm (the baseline is
cached), then update the three figures the page keeps and render them as PNG. Wall time and this process's
CPU time are printed with the load average, since on a shared machine wall time measures the neighbours too.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

from sim.dashboard.ensemble import Engine, Request
from sim.dashboard.render import Renderer, update

SCENARIO = "replay_2012_2017"
DYADS = ("JPN->RUS", "RUS->JPN")  # the page's default choice


def measure(runs: int = 50, repeats: int = 5, seed: int = 20161215) -> list[dict[str, float]]:
    engine, renderer = Engine(), Renderer()
    markers = engine.config(SCENARIO)["scenario"]["markers"]
    # the page's first load: the baseline (then cached) and the figures (then kept)
    update(engine, renderer, Request(SCENARIO, (), runs, seed), DYADS, markers)
    rows = []
    for k in range(repeats):
        request = Request(SCENARIO, (("scenario.sanctions.USA.RUS.scale", 0.1 * (k + 1)),), runs, seed)
        wall, cpu = time.perf_counter(), time.process_time()
        shown = update(engine, renderer, request, DYADS, markers)
        rows.append(
            {
                "simulate_wall_s": shown.result.seconds,
                "simulate_cpu_s": shown.result.cpu_seconds,
                "total_wall_s": time.perf_counter() - wall,
                "total_cpu_s": time.process_time() - cpu,
            }
        )
    return rows


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 50
    repeats = int(argv[1]) if len(argv) > 1 else 5
    rows = measure(runs, repeats)
    for row in rows:
        print(" ".join(f"{k}={v:.3f}" for k, v in row.items()))
    best = min(rows, key=lambda r: r["total_wall_s"])

    def median(key: str) -> float:
        return statistics.median_high(r[key] for r in rows)

    print(
        f"{runs}-run update: median {median('total_wall_s'):.2f} s wall, {median('total_cpu_s'):.2f} s CPU "
        f"(simulation {median('simulate_cpu_s'):.2f} s CPU); best {best['total_wall_s']:.2f} s wall; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
