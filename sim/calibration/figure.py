"""Observed against simulated quarterly NCI deviations per directed dyad, the split marked (calibration)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.plots import BAND_ALPHA, STYLE, new_figure, save_figure


def _quarter_dates(labels: list[str]) -> np.ndarray:
    """Mid-quarter dates (the 15th of the quarter's middle month) of labels like ``2014Q2``."""
    return np.array([f"{label[:4]}-{3 * int(label[5]) - 1:02d}-15" for label in labels], dtype="datetime64[D]")


def write_fit_figure(
    table: pd.DataFrame, rows: list[str], split: str, out_dir: Path, name: str, title: str
) -> list[Path]:
    """One panel per dyad: observed deviations (dots, area = events), each row's simulated median deviation
    and the last row's 90% band over runs (columns ``<row>``, ``<row>_p05``, ``<row>_p95`` of ``table``)."""
    import matplotlib.pyplot as plt

    dyads = list(dict.fromkeys(table["source"] + " → " + table["target"]))
    cols = min(4, len(dyads))
    nrows = -(-len(dyads) // cols)
    split_date = np.datetime64(f"{split}-28", "D")
    out_dir.mkdir(parents=True, exist_ok=True)
    with (
        plt.style.context("default"),
        plt.rc_context(STYLE),
        new_figure(figsize=(2.9 * cols, 2.1 * nrows + 0.8)) as fig,
    ):
        axes = fig.subplots(nrows, cols, sharex=True, squeeze=False)
        for ax, dyad in zip(axes.flat, dyads, strict=False):
            rows_d = table[(table["source"] + " → " + table["target"]) == dyad]
            dates = _quarter_dates(list(rows_d["period"]))
            last = rows[-1]
            ax.fill_between(
                dates,
                rows_d[f"{last}_p05"],
                rows_d[f"{last}_p95"],
                color=f"C{len(rows) - 1}",
                alpha=BAND_ALPHA[0.9],
                linewidth=0,
                label=f"{last}: 90% of runs",
            )
            for k, row in enumerate(rows):
                ax.plot(
                    dates,
                    rows_d[row],
                    color=f"C{k}",
                    linewidth=1.0,
                    marker="o",
                    markersize=2.5,
                    label=f"{row}: median of runs",
                )
            ax.scatter(
                dates,
                rows_d["observed_deviation"],
                s=6 + 6 * rows_d["events"],
                color="black",
                zorder=3,
                linewidths=0,
                label="observed (area: events)",
            )
            ax.axhline(0.0, color="0.5", linewidth=0.6)
            ax.axvline(split_date, color="0.3", linewidth=0.8, linestyle="--")
            ax.set_title(f"{dyad} ({len(rows_d)} quarters)")
            ax.set_xlim(np.datetime64("2013-01-01"), np.datetime64("2018-01-01"))
            ax.set_xticks([np.datetime64(f"{y}-01-01") for y in range(2013, 2019)], [str(y) for y in range(2013, 2019)])
            ax.xaxis.set_tick_params(labelbottom=True)
        for ax in axes.flat[len(dyads) :]:
            ax.set_axis_off()
        for ax in axes.flat[: len(dyads)]:  # every panel: its own y scale, so its own label
            ax.set_ylabel("NCI deviation from\nfit-window mean", fontsize=7)
        axes.flat[0].text(
            split_date, 1.0, " split", transform=axes.flat[0].get_xaxis_transform(), fontsize=7, va="top", color="0.3"
        )
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
        fig.suptitle(title)
        return save_figure(fig, out_dir, name)
