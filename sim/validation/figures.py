"""Validation figures: simulated against observed quarterly NCI (levels and deviations), turning points."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.plots import BAND_ALPHA, STYLE, axis_label, diagonal_label, new_figure, save_figure, time_axis
from sim.results import Ensemble, Quarters


def _quarter_dates(labels: list[str]) -> np.ndarray:
    """Mid-quarter dates (the 15th of the quarter's middle month) of labels like ``2014Q2``."""
    return np.array([f"{label[:4]}-{3 * int(label[5]) - 1:02d}-15" for label in labels], dtype="datetime64[D]")


def write_observed_figure(
    ensembles: dict[str, Ensemble], observed: pd.DataFrame, out_dir: Path, name: str, title: str
) -> list[Path]:
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
                axes[i, j].plot(
                    dates,
                    np.median(nci[:, :, i, j], axis=1),
                    color=colour,
                    linewidth=1.1,
                    label=f"{label} (median, 90%)",
                )
        for i, j in np.ndindex(n, n):
            ax = axes[i, j]
            if i == j:
                diagonal_label(ax, countries[i])
                continue
            rows = observed[(observed["source"] == countries[i]) & (observed["target"] == countries[j])]
            if len(rows):
                ax.scatter(
                    _quarter_dates(list(rows["period"])),
                    rows["observed"],
                    s=6 + 6 * rows["events"],
                    color="black",
                    zorder=3,
                    label="observed (area: events)",
                    linewidths=0,
                )
            ax.axhline(0.0, color="0.5", linewidth=0.6)
            ax.set_title(f"{countries[i]} → {countries[j]}")
            ax.set_ylabel(axis_label("nci"), fontsize=7)
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
        return save_figure(fig, out_dir, name, strict=True)


def _month_date(calendar_start_label: str, step: np.ndarray) -> np.ndarray:
    """Mid-month dates of calendar ``step``s counted from the month ``calendar_start_label``."""
    return (np.datetime64(calendar_start_label, "M") + step.astype("timedelta64[M]")).astype(
        "datetime64[D]"
    ) + np.timedelta64(14, "D")


def write_turning_points_figure(
    ens: Ensemble,
    steps: dict[str, np.ndarray],
    table: pd.DataFrame,
    within: int,
    out_dir: Path,
    name: str = "turning_points",
) -> list[Path]:
    """Each turning point's simulated months (box: IQR and median, whiskers: 5–95%, dots: runs) on a date axis,
    history's date as a red diamond with its ±``within``-month window shaded; the never and on-time shares
    annotated on the right. P(treaty by 2017-12) is in the title."""
    from sim.validation.turning_points import TURNING_POINTS

    start = ens.calendar.label(0)
    rows = [tp for tp in TURNING_POINTS if tp.key in steps]
    out_dir.mkdir(parents=True, exist_ok=True)
    jitter = np.random.default_rng(0).uniform(-0.18, 0.18, size=len(ens.runs))  # fixed: figures are reproducible
    with plt.style.context("default"), plt.rc_context(STYLE), new_figure(figsize=(9.5, 0.9 * len(rows) + 1.6)) as fig:
        ax = fig.subplots()
        for y, tp in enumerate(rows):
            y = len(rows) - 1 - y
            step = steps[tp.key]
            happened = step[step >= 0]
            history = np.datetime64(tp.history, "M")
            lo = (history - np.timedelta64(within, "M")).astype("datetime64[D]")
            hi = (history + np.timedelta64(within, "M")).astype("datetime64[D]")
            ax.fill_between([lo, hi], y - 0.4, y + 0.4, color="tab:red", alpha=0.08, linewidth=0)
            color = "tab:blue" if tp.judged else "0.35"  # a row shown beside the goals, not judged: grey
            if happened.size:
                dates = _month_date(start, happened)
                ax.scatter(dates, y + jitter[: happened.size], s=4, color="0.55", alpha=0.35, linewidths=0)
                q05, q25, q50, q75, q95 = np.quantile(happened, (0.05, 0.25, 0.5, 0.75, 0.95), method="inverted_cdf")
                d = _month_date(start, np.array([q05, q25, q50, q75, q95]))
                ax.hlines(y, d[0], d[1], color=color, linewidth=1.2)
                ax.hlines(y, d[3], d[4], color=color, linewidth=1.2)
                ax.fill_between([d[1], d[3]], y - 0.22, y + 0.22, facecolor=color, alpha=0.25, edgecolor=color)
                ax.vlines(d[2], y - 0.22, y + 0.22, color=color, linewidth=2.2)
            ax.scatter(
                [history.astype("datetime64[D]") + np.timedelta64(14, "D")],
                [y],
                marker="D",
                s=46,
                color="tab:red",
                zorder=4,
            )
            row = table[table["turning_point"] == tp.key].iloc[0]
            ax.annotate(
                f"never {row['never']:.0%}\non time {row['on_time']:.0%}",
                xy=(1.01, y),
                xycoords=("axes fraction", "data"),
                va="center",
                fontsize=8,
            )
        ax.set_yticks(range(len(rows)), [f"{tp.label}\n(history {tp.shown})" for tp in reversed(rows)], fontsize=8)
        ax.set_ylim(-0.6, len(rows) - 0.4)
        time_axis(ax, ens.calendar.dates())
        ax.set_xlabel("month of first occurrence (runs where it happens)")
        ax.set_ylabel("turning point")
        treaty = table[table["turning_point"] == "treaty"].iloc[0]
        ax.set_title(
            f"Turning points: {len(ens.runs)} runs (endogenous mode) against history; "
            f"P(treaty by 2017-12) = {treaty['p_treaty']:.3f} [{treaty['p_treaty_low']:.3f}, "
            f"{treaty['p_treaty_high']:.3f}]",
            fontsize=9,
        )
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch

        handles = [
            Line2D([], [], marker="D", color="tab:red", linestyle="", label="history"),
            Patch(facecolor="tab:red", alpha=0.15, label=f"history ± {within} months"),
            Patch(facecolor="tab:blue", alpha=0.3, edgecolor="tab:blue", label="simulated IQR, median"),
            *(
                [Patch(facecolor="0.35", alpha=0.3, edgecolor="0.35", label="shown, not judged")]
                if not all(tp.judged for tp in rows)
                else []
            ),
            Line2D([], [], color="tab:blue", label="5–95%"),
            Line2D([], [], marker="o", color="0.55", linestyle="", markersize=3, label="one run"),
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), frameon=False, fontsize=8)
        return save_figure(fig, out_dir, name, strict=True)


def write_fit_figure(
    points: pd.DataFrame, split: str, note: str, out_dir: Path, name: str = "fit_deviations"
) -> list[Path]:
    """Observed and simulated quarterly NCI deviations from each dyad's own mean, one panel per dyad with
    observations: simulated median (line), 50% and 90% bands (bars) at the observed quarters, observed dots."""
    dyads = list(points.groupby(["source", "target"], sort=True).groups)
    cols = 4
    rows_n = -(-len(dyads) // cols)
    out_dir.mkdir(parents=True, exist_ok=True)
    split_date = np.datetime64(split, "D")
    with (
        plt.style.context("default"),
        plt.rc_context(STYLE),
        new_figure(figsize=(2.7 * cols, 1.9 * rows_n + 1.2)) as fig,
    ):
        axes = fig.subplots(rows_n, cols, sharex=True, sharey=True, squeeze=False)
        for ax, (src, tgt) in zip(axes.flat, dyads, strict=False):
            d = points[(points["source"] == src) & (points["target"] == tgt)]
            x = _quarter_dates(list(d["period"]))
            ax.vlines(x, d["p05"], d["p95"], color="tab:blue", alpha=0.35, linewidth=3, label="simulated 90%")
            ax.vlines(x, d["p25"], d["p75"], color="tab:blue", alpha=0.8, linewidth=3, label="simulated 50%")
            ax.plot(x, d["median"], color="tab:blue", linewidth=0.8, marker="_", label="simulated median")
            ax.scatter(x, d["observed"], color="black", s=12, zorder=3, label="observed")
            ax.axhline(0.0, color="0.5", linewidth=0.6)
            ax.axvline(split_date, color="tab:red", linewidth=0.8, linestyle="--", label="split (in | out of sample)")
            ax.set_title(f"{src} → {tgt} ({len(d)} quarter{'s' if len(d) > 1 else ''})", fontsize=8)
            ax.xaxis.set_major_locator(mdates.YearLocator())
            ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
        for ax in axes.flat[len(dyads) :]:
            ax.set_axis_off()
        for ax in axes.flat[: len(dyads)]:
            ax.set_ylabel("NCI − dyad mean", fontsize=7)
        handles, labels = axes.flat[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False, fontsize=8)
        fig.suptitle(
            "Quarterly NCI deviations from each dyad's own mean: observed against simulated\n"
            + textwrap.fill(note, 150),
            fontsize=8.5,
        )
        return save_figure(fig, out_dir, name, strict=True)
