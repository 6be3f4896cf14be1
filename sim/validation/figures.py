"""Simulated against observed quarterly NCI, one panel per directed dyad (validation and calibration)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.plots import BAND_ALPHA, STYLE, new_figure, save_figure, time_axis
from sim.results import Ensemble, Quarters


def _quarter_dates(labels: list[str]) -> np.ndarray:
    """Mid-quarter dates (the 15th of the quarter's middle month) of labels like ``2014Q2``."""
    return np.array([f"{label[:4]}-{3 * int(label[5]) - 1:02d}-15" for label in labels], dtype="datetime64[D]")


def write_observed_figure(ensembles: dict[str, Ensemble], observed: pd.DataFrame, out_dir: Path, name: str,
                          title: str) -> list[Path]:
    """Quarterly NCI of each ensemble (median, 90% band) with the observed quarterly NCI as dots.

    ``observed`` has columns ``period`` (``2014Q2``), ``source``, ``target``, ``observed``, ``events``; dot
    area grows with the number of observed events.
    """
    first = next(iter(ensembles.values()))
    countries = first.countries
    n = len(countries)
    colours = [f"C{k}" for k in range(len(ensembles))]
    out_dir.mkdir(parents=True, exist_ok=True)
    with plt.style.context("default"), plt.rc_context(STYLE), new_figure(figsize=(2.6 * n, 1.8 * n + 0.6)) as fig:
        axes = fig.subplots(n, n, sharex=True, sharey=True, squeeze=False)
        for (label, ens), colour in zip(ensembles.items(), colours, strict=True):
            q = Quarters(ens)
            dates = _quarter_dates(q.labels)
            nci = q.all("nci")
            for i, j in ens.dyads():
                low, high = np.quantile(nci[:, :, i, j], (0.05, 0.95), axis=1)
                axes[i, j].fill_between(dates, low, high, color=colour, alpha=BAND_ALPHA[0.9], linewidth=0)
                axes[i, j].plot(dates, np.median(nci[:, :, i, j], axis=1), color=colour, linewidth=1.1,
                                label=f"{label} (median, 90%)")
        for i, j in np.ndindex(n, n):
            ax = axes[i, j]
            if i == j:
                ax.set_axis_off()
                ax.text(0.5, 0.5, countries[i], transform=ax.transAxes, ha="center", va="center", fontsize=14,
                        fontweight="bold", color="0.3")
                continue
            rows = observed[(observed["source"] == countries[i]) & (observed["target"] == countries[j])]
            if len(rows):
                ax.scatter(_quarter_dates(list(rows["period"])), rows["observed"], s=6 + 6 * rows["events"],
                           color="black", zorder=3, label="observed (area: events)", linewidths=0)
            ax.axhline(0.0, color="0.5", linewidth=0.6)
            ax.set_title(f"{countries[i]} → {countries[j]}")
            time_axis(ax, first.calendar.dates())
            if j == n - 1 and i == n - 2:
                ax.xaxis.set_tick_params(labelbottom=True)
            if i == 0 and j == 1:
                ax.yaxis.set_tick_params(labelleft=True)
        handles, labels = axes[0, 1].get_legend_handles_labels()
        for ax in axes.flat:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:
                    handles.append(h)
                    labels.append(lab)
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)
        fig.suptitle(title)
        return save_figure(fig, out_dir, name)
