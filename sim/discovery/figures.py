"""The discovery's two figures: PRIM's peeling trajectory (coverage against density) and the chosen box drawn
over the sweep's cases in the two most restricted parameters."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Rectangle

from sim.discovery.condition import Condition
from sim.discovery.search import Box, most_restricted
from sim.plots import STYLE, new_figure, save_figure

HOLDS, OTHER = "#d95f02", "#9e9e9e"


def write_discovery_figures(
    x: pd.DataFrame, values: np.ndarray, holds: np.ndarray, box: Box, condition: Condition, cases: str, out_dir: Path
) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    with plt.style.context("default"), plt.rc_context(STYLE):
        return [*_trajectory(box, condition, out_dir), *_box_scatter(x, values, holds, box, condition, cases, out_dir)]


def _trajectory(box: Box, condition: Condition, out_dir: Path) -> list[Path]:
    t = box.trajectory
    with new_figure(figsize=(4.6, 3.4)) as fig:
        ax = fig.subplots()
        points = ax.scatter(
            t["coverage"],
            t["density"],
            c=t["restricted"],
            cmap="viridis",
            s=14,
            zorder=2,
            vmin=0,
            vmax=max(1, int(t["restricted"].max())),
        )
        ax.plot(t["coverage"], t["density"], color="#bdbdbd", lw=0.7, zorder=1)
        chosen = t.loc[box.chosen]
        ax.scatter(
            [chosen["coverage"]],
            [chosen["density"]],
            s=90,
            facecolors="none",
            edgecolors="black",
            lw=1.2,
            zorder=3,
            label=f"chosen: step {box.chosen} (coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f})",
        )
        ax.set_xlim(0, 1.02)
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("coverage (share of all cases of interest inside the box)")
        ax.set_ylabel("density (share of the box's cases\nthat are of interest)")
        ax.set_title(f"PRIM peeling trajectory for {condition}\n({len(t)} steps; the first box is the whole sweep)")
        fig.colorbar(points, ax=ax, label="restricted parameters", ticks=range(0, int(t["restricted"].max()) + 1))
        ax.legend(loc="lower left", frameon=False)
        return save_figure(fig, out_dir, "peeling_trajectory")


def _box_scatter(
    x: pd.DataFrame, values: np.ndarray, holds: np.ndarray, box: Box, condition: Condition, cases: str, out_dir: Path
) -> list[Path]:
    limits = box.limits.set_index("parameter")
    names = most_restricted(box.limits)
    what = "design points, replicate means" if cases == "points" else "runs"
    with new_figure(figsize=(4.8, 3.8)) as fig:
        ax = fig.subplots()
        px = x[names[0]].to_numpy()
        # one parameter: the outcome itself on the y axis, the box a band over the first parameter
        py = x[names[1]].to_numpy() if len(names) > 1 else values
        ax.scatter(
            px[~holds],
            py[~holds],
            s=10,
            color=OTHER,
            alpha=0.6,
            lw=0,
            label=f"condition fails ({int((~holds).sum()):,} {what})",
        )
        ax.scatter(
            px[holds], py[holds], s=10, color=HOLDS, alpha=0.8, lw=0, label=f"{condition} ({int(holds.sum()):,} {what})"
        )
        lx = limits.loc[names[0]]
        if len(names) > 1:
            ly = limits.loc[names[1]]
            y0, y1 = ly["low"], ly["high"]
        else:
            y0, y1 = np.nanmin(values), np.nanmax(values)
        chosen = box.trajectory.loc[box.chosen]
        ax.add_patch(
            Rectangle(
                (lx["low"], y0),
                lx["high"] - lx["low"],
                y1 - y0,
                fill=False,
                lw=1.5,
                ec="black",
                label=f"PRIM box: coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f}",
            )
        )
        ax.set_xlabel(_label(names[0], lx))
        ax.set_ylabel(_label(names[1], limits.loc[names[1]]) if len(names) > 1 else condition.outcome)
        others = [n for n in limits.index[limits["restricted"]] if n not in names]
        note = f"; also restricted: {', '.join(_short(n) for n in others)}" if others else ""
        ax.set_title(f"Where {condition}: the box in its two narrowest parameters{note}", wrap=True)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), frameon=False, ncols=1)
        return save_figure(fig, out_dir, "box_scatter")


def _short(name: str) -> str:
    return name.removeprefix("scenario.").removeprefix("params.")


def _label(name: str, row: pd.Series) -> str:
    if not row["restricted"]:
        return f"{_short(name)} (not restricted)"
    return f"{_short(name)} (box {row['low']:.3g} to {row['high']:.3g}, qp {row['qp_value']:.1g})"
