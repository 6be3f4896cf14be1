"""Figures of a finished ensemble: medians with 50% and 90% bands across runs, written as PNG and SVG.

Every figure is drawn with the Agg backend and the object-oriented API under a fixed style, and saved
without timestamps, so the same ensemble always gives byte-identical files.
"""

from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

from sim.calendar import Calendar, parse_month
from sim.results import Ensemble

STYLE: dict[str, Any] = {
    "svg.hashsalt": "sim",
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "figure.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
_DPI = 150
_FORMATS = ("png", "svg")
_METADATA = {"png": {"Software": "sim"}, "svg": {"Date": None}}
_QUANTILES = {0.9: (0.05, 0.95), 0.5: (0.25, 0.75)}
BAND_ALPHA = {0.9: 0.15, 0.5: 0.3}
_MARKER_CLOSE = 0.04  # markers closer than this share of the horizon put their labels on opposite sides
_PANEL_SIZE = (2.6, 1.7)  # inches per small-multiple panel


def write_figures(
    ensemble: Ensemble, out_dir: Path, *, markers: dict[str, str], trust_matrix_dates: list[str]
) -> list[Path]:
    """Write every figure of ``ensemble`` as PNG and SVG into ``out_dir``.

    Figures: ``nci_dyads``, ``trust``, ``sanctions_investment``, ``trust_matrices`` (only when
    ``trust_matrix_dates`` is not empty) and ``jpn_rus_focus`` (only when both JPN and RUS are modelled).

    Args:
        ensemble: the finished runs.
        out_dir: folder for the files; created if missing. Files are replaced atomically.
        markers: label -> month ``"YYYY-MM"``, drawn as dashed vertical lines on every time axis;
            months outside the horizon are left out.
        trust_matrix_dates: months ``"YYYY-MM"`` at which to show the median trust matrix.

    Returns:
        The written paths, sorted.

    Raises:
        ValueError: a month is malformed, or a trust-matrix month lies outside the horizon.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    steps = [ensemble.calendar.index(month) for month in trust_matrix_dates]
    marks = marker_dates(ensemble.calendar, markers)
    paths: list[Path] = []
    with plt.style.context("default"), plt.rc_context(STYLE):
        paths += _nci_dyads(ensemble, out_dir, marks)
        paths += _trust(ensemble, out_dir, marks)
        paths += _sanctions_investment(ensemble, out_dir, marks)
        if steps:
            paths += _trust_matrices(ensemble, out_dir, steps)
        if {"JPN", "RUS"} <= set(ensemble.countries):
            paths += _jpn_rus_focus(ensemble, out_dir, marks)
    return sorted(paths)


# --- figures -------------------------------------------------------------------------------------------


def _nci_dyads(ensemble: Ensemble, out_dir: Path, marks: list[tuple[str, np.datetime64]]) -> list[Path]:
    """NCI of every directed dyad as small multiples (row = source, column = target)."""
    title = "Net cooperation index by directed dyad"
    return _dyad_grid(ensemble, out_dir, marks, "nci", "nci_dyads", title, ylim=None, zero_line=True)


def _trust(ensemble: Ensemble, out_dir: Path, marks: list[tuple[str, np.datetime64]]) -> list[Path]:
    """Trust of every directed dyad as small multiples (row = truster, column = trusted)."""
    title = "Trust by directed dyad (row trusts column)"
    return _dyad_grid(ensemble, out_dir, marks, "trust", "trust", title, ylim=(0.0, 1.0), zero_line=False)


def _sanctions_investment(
    ensemble: Ensemble, out_dir: Path, marks: list[tuple[str, np.datetime64]]
) -> list[Path]:
    """Sanction levels and investment stocks of the dyads where they are ever positive."""
    dates = ensemble.calendar.dates()
    with new_figure(figsize=(9.0, 6.5)) as fig:
        axes = fig.subplots(2, 1, sharex=True)
        panels = (("sanctions", "Sanctions (source on target)", "sanction level"),
                  ("investment_stock", "Investment stock (source in target)", "stock"))
        for ax, (variable, title, ylabel) in zip(axes, panels, strict=True):
            series = ensemble.series[variable]
            active = [(i, j) for i, j in ensemble.dyads() if (series[:, :, i, j] > 0).any()]
            for k, (i, j) in enumerate(active):
                band(ax, dates, series[:, :, i, j], color=f"C{k % 10}",
                      label=_dyad_label(ensemble, i, j), widths=(0.9,))
            if active:
                ax.legend(loc="best", frameon=False)
            else:
                ax.text(0.5, 0.25, "none in any run", transform=ax.transAxes, ha="center", va="center",
                        color="0.4", bbox={"facecolor": "white", "edgecolor": "none"})
            ax.set_ylim(bottom=0.0)
            ax.set(title=title, ylabel=ylabel)
            time_axis(ax, dates)
            draw_markers(ax, dates, marks)
        fig.suptitle(f"Sanctions and investment: median and 90% band {_over_runs(ensemble)}")
        return save_figure(fig, out_dir, "sanctions_investment")


def _trust_matrices(ensemble: Ensemble, out_dir: Path, steps: Sequence[int]) -> list[Path]:
    """Heatmaps of the median trust matrix at each of ``steps``, diagonal masked."""
    n = len(ensemble.countries)
    cols = min(len(steps), 4)
    rows = math.ceil(len(steps) / cols)
    side = max(2.4, 0.6 * n + 0.8)
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="0.9")
    diagonal = np.eye(n, dtype=bool)
    with new_figure(figsize=(side * cols + 1.0, side * rows + 0.6)) as fig:
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax in axes.flat[len(steps):]:
            ax.set_axis_off()
        image = None
        for ax, step in zip(axes.flat, steps, strict=False):
            median = np.median(ensemble.series["trust"][step], axis=0)
            image = ax.imshow(np.ma.masked_array(median, diagonal), cmap=cmap, vmin=0.0, vmax=1.0)
            for (i, j), value in np.ndenumerate(median):
                if i != j:
                    ax.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if value < 0.5 else "black")
            ax.set_xticks(range(n), ensemble.countries)
            ax.set_yticks(range(n), ensemble.countries)
            ax.tick_params(length=0)
            ax.spines[:].set_visible(False)
            ax.set(title=ensemble.calendar.label(step), xlabel="trusted")
        for ax in axes[:, 0]:
            ax.set_ylabel("truster")
        fig.colorbar(image, ax=axes.ravel().tolist(), label="median trust", shrink=0.8)
        fig.suptitle("Median trust matrix (row trusts column)")
        return save_figure(fig, out_dir, "trust_matrices")


def _jpn_rus_focus(ensemble: Ensemble, out_dir: Path, marks: list[tuple[str, np.datetime64]]) -> list[Path]:
    """Japan-Russia: NCI both ways, then channel openness and rapport."""
    j, r = ensemble.countries.index("JPN"), ensemble.countries.index("RUS")
    dates = ensemble.calendar.dates()
    nci = ensemble.series["nci"]
    with new_figure(figsize=(9.0, 6.5)) as fig:
        top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=(3, 2))
        band(top, dates, nci[:, :, j, r], color="C0", label="JPN → RUS")
        band(top, dates, nci[:, :, r, j], color="C3", label="RUS → JPN")
        top.axhline(0.0, color="0.5", linewidth=0.6)
        top.set_title("Net cooperation index", loc="left")
        top.set_ylabel("NCI")
        band(bottom, dates, ensemble.series["channel_openness"][:, :, j, r], color="C2",
              label="channel openness")
        band(bottom, dates, ensemble.series["rapport"][:, :, j, r], color="C4", label="leaders' rapport")
        bottom.set_title("Channel openness and rapport, JPN–RUS", loc="left")
        bottom.set(ylabel="level", ylim=(0.0, 1.0))
        for ax in (top, bottom):
            ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=2, frameon=False, borderaxespad=0.2)
            time_axis(ax, dates)
            draw_markers(ax, dates, marks)
        fig.suptitle(f"Japan and Russia: median, 50% and 90% bands {_over_runs(ensemble)}")
        return save_figure(fig, out_dir, "jpn_rus_focus")


# --- shared helpers ------------------------------------------------------------------------------------


@contextmanager
def new_figure(**kwargs: Any) -> Iterator[Figure]:
    """A constrained-layout pyplot figure that is closed on leaving, even after an error."""
    fig = plt.figure(layout="constrained", **kwargs)
    try:
        yield fig
    finally:
        plt.close(fig)


def _dyad_grid(
    ensemble: Ensemble,
    out_dir: Path,
    marks: list[tuple[str, np.datetime64]],
    variable: str,
    name: str,
    title: str,
    *,
    ylim: tuple[float, float] | None,
    zero_line: bool,
) -> list[Path]:
    """Small multiples of ``variable``: one row per source, one column per target, names on the diagonal.

    Args:
        ensemble: the finished runs.
        out_dir: folder for the files.
        marks: marker labels and dates.
        variable: key of ``ensemble.series``.
        name: file name without extension.
        title: first line of the figure title; the second names the bands.
        ylim: y limits shared by every panel; None for automatic (still shared).
        zero_line: draw a horizontal line at zero.

    Returns:
        The written PNG and SVG paths.
    """
    n = len(ensemble.countries)
    dates = ensemble.calendar.dates()
    series = ensemble.series[variable]
    with new_figure(figsize=(_PANEL_SIZE[0] * n, _PANEL_SIZE[1] * n + 0.4)) as fig:
        axes = fig.subplots(n, n, sharex=True, sharey=True, squeeze=False)
        for i, j in np.ndindex(n, n):
            ax = axes[i, j]
            if i == j:
                ax.set_axis_off()
                ax.text(0.5, 0.5, ensemble.countries[i], transform=ax.transAxes, ha="center", va="center",
                        fontsize=14, fontweight="bold", color="0.3")
                continue
            band(ax, dates, series[:, :, i, j], color="C0")
            if zero_line:
                ax.axhline(0.0, color="0.5", linewidth=0.6)
            ax.set_title(_dyad_label(ensemble, i, j))
            time_axis(ax, dates)
            draw_markers(ax, dates, marks, numbered=True)
            # The diagonal hides the shared tick labels of the last column and the first row: restore them.
            if j == n - 1 and i == n - 2:
                ax.xaxis.set_tick_params(labelbottom=True)
            if i == 0 and j == 1:
                ax.yaxis.set_tick_params(labelleft=True)
        if ylim is not None:
            axes[0, 1].set_ylim(ylim)
        fig.suptitle(f"{title}\nmedian, 50% and 90% bands {_over_runs(ensemble)}")
        _marker_key(fig, marks)
        return save_figure(fig, out_dir, name)


def band(
    ax: Axes,
    dates: np.ndarray,
    values: np.ndarray,
    *,
    color: str,
    label: str | None = None,
    widths: Sequence[float] = (0.9, 0.5),
) -> None:
    """Median line over runs with central quantile bands.

    Args:
        ax: target axes.
        dates: (T,) datetime64 x values.
        values: (T, R) values per month and run; with R = 1 the bands collapse onto the line.
        color: colour of line and bands.
        label: legend label of the median line.
        widths: central shares of the runs to shade, e.g. 0.9 for the 5%-95% band.
    """
    for width in widths:
        low, high = np.quantile(values, _QUANTILES[width], axis=1)
        ax.fill_between(dates, low, high, color=color, alpha=BAND_ALPHA[width], linewidth=0)
    ax.plot(dates, np.median(values, axis=1), color=color, linewidth=1.2, label=label)


def time_axis(ax: Axes, dates: np.ndarray) -> None:
    """Date x axis over the horizon: a tick each January (every few years on long horizons), minor each July.

    The ticks are fixed from the monthly dates, which is much faster than matplotlib's rrule date locators.
    """
    months = dates.astype("datetime64[M]").astype(np.int64)  # months since 1970-01
    base = max(1, math.ceil(len(dates) / 12 / 8))
    ax.set_xlim(dates[0], dates[-1])
    ax.xaxis.set_major_locator(FixedLocator(mdates.date2num(dates[months % (12 * base) == 0])))
    ax.xaxis.set_minor_locator(FixedLocator(mdates.date2num(dates[months % 6 == 0])))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))


def marker_dates(calendar: Calendar, markers: dict[str, str]) -> list[tuple[str, np.datetime64]]:
    """The markers inside the horizon as (label, first day of month), in date order.

    Raises:
        ValueError: a month is malformed.
    """
    dates = calendar.dates()
    inside = [(parse_month(month), label) for label, month in markers.items()]
    return [(label, dates[absolute - calendar.start]) for absolute, label in sorted(inside)
            if calendar.start <= absolute <= calendar.end]


def draw_markers(
    ax: Axes, dates: np.ndarray, marks: list[tuple[str, np.datetime64]], *, numbered: bool = False,
    labelled: bool = True,
) -> None:
    """Thin dashed vertical lines at the marker dates, each with a small label at the top.

    A label goes right of its line, or left when the next marker is too close to leave room.

    Args:
        ax: target axes with a date x axis.
        dates: (T,) the horizon, to judge which markers are close.
        marks: (label, date) in date order, as given by ``marker_dates``.
        numbered: label with the marker's number (1, 2, ...) instead of its text, for small panels;
            ``_marker_key`` then explains the numbers.
        labelled: write the labels; ``False`` draws the lines only (lower panels of a grid).
    """
    span = (dates[-1] - dates[0]) / np.timedelta64(1, "D") or 1.0
    for k, (text, date) in enumerate(marks):
        ax.axvline(date, color="0.35", linewidth=0.6, linestyle="--", zorder=0.5)
        if not labelled:
            continue
        following = marks[k + 1][1] if k + 1 < len(marks) else None
        crowded = following is not None and (following - date) / np.timedelta64(1, "D") / span < _MARKER_CLOSE
        ax.annotate(str(k + 1) if numbered else text, xy=(date, 0.98), xycoords=ax.get_xaxis_transform(),
                    xytext=(-2 if crowded else 2, 0), textcoords="offset points",
                    rotation=0 if numbered else 90, ha="right" if crowded else "left", va="top",
                    fontsize=6, color="0.25", annotation_clip=False, in_layout=False,
                    bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.75, "pad": 0.4})


def _marker_key(fig: Figure, marks: list[tuple[str, np.datetime64]]) -> None:
    """Explain numbered markers in a line at the foot of ``fig`` (nothing without markers)."""
    if marks:
        # No-break spaces inside an entry, so that lines are only broken between entries.
        entries = [f"{k}: {text} ({str(date)[:7]})".replace(" ", "\u00a0")
                   for k, (text, date) in enumerate(marks, start=1)]
        key = textwrap.fill("   ".join(["Dashed\u00a0lines:", *entries]), width=int(fig.get_figwidth() * 16))
        fig.supxlabel(key, fontsize=7, color="0.25")


def _over_runs(ensemble: Ensemble) -> str:
    runs = len(ensemble.runs)
    return f"over {runs} run{'' if runs == 1 else 's'}"


def _dyad_label(ensemble: Ensemble, source: int, target: int) -> str:
    return f"{ensemble.countries[source]} → {ensemble.countries[target]}"


def save_figure(fig: Figure, out_dir: Path, name: str) -> list[Path]:
    """Save ``fig`` as ``name``.png and ``name``.svg, each through a temporary file and ``os.replace``.

    Returns:
        The two written paths.
    """
    paths = []
    for fmt in _FORMATS:
        path = out_dir / f"{name}.{fmt}"
        tmp = out_dir / f".{path.name}.tmp"
        try:
            fig.savefig(tmp, format=fmt, dpi=_DPI, metadata=_METADATA[fmt])
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        paths.append(path)
    return paths
