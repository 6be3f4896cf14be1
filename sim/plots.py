"""Figures of a finished ensemble: medians with 50% and 90% bands across runs, written as PNG and SVG.

Every figure is drawn with the Agg backend and the object-oriented API under a fixed style, and saved
without timestamps, so the same ensemble always gives byte-identical files.

The guards every figure of the project goes through (``save_figure(..., strict=True)`` runs ``check_figure``):

- every drawn panel has a y label, with its unit (``axis_label``);
- a colour scale spans the data's real range, and a range narrower than ``COLOUR_TOLERANCE`` of the
  quantity's natural scale is no scale at all: ``colour_norm`` returns None and the figure says "no variation
  across points";
- a statistic conditional on an event (a mean over the runs where a milestone happened) carries its count
  (``require_counts``);
- step functions (sanction levels) are drawn as steps (``band(..., step=True)``): a month's value holds from
  its first day to the next month's, so a step in March starts on the March line;
- marker labels sit above the panel, staggered into rows so that none overlaps another, the title or the data.
"""

from __future__ import annotations

import math
import os
import textwrap
import warnings
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Annotation
from matplotlib.ticker import FixedLocator

from sim import variables
from sim.calendar import Calendar, parse_month
from sim.processes import FigureJob, draw_figures
from sim.results import Ensemble
from sim.variables import Quantity

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
_PANEL_SIZE = (2.6, 1.7)  # inches per small-multiple panel
_LABEL_BASE = 1.5  # points between the top of a panel and its first row of marker labels
_LABEL_ROW = 8.0  # points between rows of marker labels
_LABEL_GAP = 2.0  # points kept free between two marker labels in one row
COLOUR_TOLERANCE = 0.005  # a colour range below this share of the quantity's natural scale is no variation


QUANTITIES: dict[str, Quantity] = {
    **variables.DYAD,  # the recorded variables, declared in sim/variables.py
    "probability": Quantity("probability [0, 1]", 1.0),
    "year": Quantity("year", 1.0),  # a milestone's date: one year is the scale a reader judges it on
}


def quantity(variable: str) -> Quantity:
    """The ``Quantity`` of a recorded variable (``target_<term>`` terms are in Goldstein units); an unknown
    variable is labelled by its name in model units, with no natural scale."""
    if variable in QUANTITIES:
        return QUANTITIES[variable]
    if variable.startswith("target_"):
        return Quantity(f"{variable[7:].replace('_', ' ')} (Goldstein scale)", 20.0)
    return Quantity(f"{variable.replace('_', ' ')} (model units)", None)


def diagonal_label(ax: Axes, country: str) -> None:
    """The empty diagonal panel of a source × target grid of small multiples: the country's code, no axes."""
    ax.set_axis_off()
    ax.text(
        0.5, 0.5, country, transform=ax.transAxes, ha="center", va="center", fontsize=14, fontweight="bold", color="0.3"
    )


def axis_label(variable: str) -> str:
    """The y-axis label of ``variable``, with its unit."""
    return quantity(variable).label


class FigureDefectError(ValueError):
    """A figure would mislead: a panel without a y label, overlapping marker labels, a colour scale over
    noise, a conditional statistic without its count."""


def colour_norm(values: np.ndarray, what: Quantity, *, tolerance: float = COLOUR_TOLERANCE) -> Normalize | None:
    """The colour scale of ``values``: their real range, or None when it is narrower than ``tolerance``
    times the quantity's natural scale (then the figure must say that there is no variation).

    The natural scale is ``what.scale``, or the largest magnitude of the values when it has none.
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return None
    low, high = float(finite.min()), float(finite.max())
    scale = what.scale if what.scale is not None else max(abs(low), abs(high))
    if high - low <= tolerance * scale:
        return None
    return Normalize(low, high)


def check_colour_scale(norm: Normalize, what: Quantity, *, tolerance: float = COLOUR_TOLERANCE) -> None:
    """Raise ``FigureDefectError`` when ``norm`` spans less than ``tolerance`` of the quantity's natural scale (a
    colour scale over noise)."""
    low, high = float(norm.vmin), float(norm.vmax)
    scale = what.scale if what.scale is not None else max(abs(low), abs(high))
    if not high - low > tolerance * scale:
        raise FigureDefectError(
            f"colour scale {low:.6g}..{high:.6g} of {what.label!r} spans less than "
            f"{tolerance:g} of its natural scale {scale:.4g}: say 'no variation across points'"
        )


def require_counts(n: Any, total: Any) -> tuple[np.ndarray, np.ndarray]:
    """The guard of a conditional statistic (a mean over the runs where something happened): its count ``n``
    and the number of runs ``total`` it was conditioned from must be given, finite, with 0 <= n <= total.

    Returns:
        ``n`` and ``total`` as integer arrays.

    Raises:
        FigureDefectError: a count is missing or impossible.
    """
    if n is None or total is None:
        raise FigureDefectError("a conditional statistic needs its count: n of the runs where it happened, of total")
    n_arr, total_arr = np.asarray(n, dtype=float), np.asarray(total, dtype=float)
    if n_arr.shape != total_arr.shape and total_arr.ndim:
        raise FigureDefectError(f"counts of shape {n_arr.shape} do not match totals of shape {total_arr.shape}")
    finite = np.isfinite(n_arr).all() and np.isfinite(total_arr).all()
    if not finite or (n_arr < 0).any() or (n_arr > total_arr).any():
        raise FigureDefectError("a conditional statistic's counts must be finite with 0 <= n <= total")
    return n_arr.astype(int), np.broadcast_to(total_arr, n_arr.shape).astype(int)


def count_text(n: int, total: int) -> str:
    """``n/total runs`` as shown beside a conditional statistic."""
    return f"{n}/{total}"


def write_figures(
    ensemble: Ensemble, out_dir: Path, *, markers: dict[str, str], trust_matrix_dates: list[str], workers: int = 1
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
        workers: processes drawing the figures (``sim.processes.draw_figures``; 1: this one).

    Returns:
        The written paths, sorted.

    Raises:
        ValueError: a month is malformed, or a trust-matrix month lies outside the horizon.
    """
    jobs = figure_jobs(ensemble, out_dir, markers=markers, trust_matrix_dates=trust_matrix_dates)
    return draw_figures(ensemble, jobs, workers)


def figure_jobs(
    ensemble: Ensemble, out_dir: Path, *, markers: dict[str, str], trust_matrix_dates: list[str]
) -> list[FigureJob]:
    """``write_figures``' figures as jobs for ``sim.processes.draw_figures`` (the ensemble shared); creates
    ``out_dir`` and checks the months first."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    steps = [ensemble.calendar.index(month) for month in trust_matrix_dates]
    marks = marker_dates(ensemble.calendar, markers)
    jobs: list[FigureJob] = [
        (styled, (_nci_dyads, out_dir, marks)),
        (styled, (_trust, out_dir, marks)),
        (styled, (_sanctions_investment, out_dir, marks)),
    ]
    if steps:
        jobs.append((styled, (_trust_matrices, out_dir, steps)))
    if {"JPN", "RUS"} <= set(ensemble.countries):
        jobs.append((styled, (_jpn_rus_focus, out_dir, marks)))
    return jobs


def styled(shared: Any, draw: Callable[..., list[Path]], *args: Any) -> list[Path]:
    """``draw(shared, *args)`` under the house style (``STYLE``): the function of every figure job
    (``sim.processes.draw_figures``), so that a figure looks the same whichever process draws it."""
    with plt.style.context("default"), plt.rc_context(STYLE):
        return draw(shared, *args)


# --- figures -------------------------------------------------------------------------------------------


def _nci_dyads(ensemble: Ensemble, out_dir: Path, marks: list[tuple[str, np.datetime64]]) -> list[Path]:
    """NCI of every directed dyad as small multiples (row = source, column = target)."""
    title = "Net cooperation index by directed dyad"
    return _dyad_grid(ensemble, out_dir, marks, "nci", "nci_dyads", title, ylim=None, zero_line=True)


def _trust(ensemble: Ensemble, out_dir: Path, marks: list[tuple[str, np.datetime64]]) -> list[Path]:
    """Trust of every directed dyad as small multiples (row = truster, column = trusted)."""
    title = "Trust by directed dyad (row trusts column)"
    return _dyad_grid(ensemble, out_dir, marks, "trust", "trust", title, ylim=(0.0, 1.0), zero_line=False)


def _sanctions_investment(ensemble: Ensemble, out_dir: Path, marks: list[tuple[str, np.datetime64]]) -> list[Path]:
    """Sanction levels and investment stocks of the dyads where they are ever positive."""
    dates = ensemble.calendar.dates()
    with new_figure(figsize=(9.0, 6.5)) as fig:
        axes = fig.subplots(2, 1, sharex=True)
        panels = (
            ("sanctions", "Sanctions (source on target), a level held for each month"),
            ("investment_stock", "Investment stock (source in target)"),
        )
        for ax, (variable, title) in zip(axes, panels, strict=True):
            series = ensemble.series[variable]
            active = [(i, j) for i, j in ensemble.dyads() if (series[:, :, i, j] > 0).any()]
            for k, (i, j) in enumerate(active):
                band(
                    ax,
                    dates,
                    series[:, :, i, j],
                    color=f"C{k % 10}",
                    label=_dyad_label(ensemble, i, j),
                    widths=(0.9,),
                    step=variable in STEP_VARIABLES,
                )
            if active:
                ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
            else:
                ax.text(
                    0.5,
                    0.25,
                    "none in any run",
                    transform=ax.transAxes,
                    ha="center",
                    va="center",
                    color="0.4",
                    bbox={"facecolor": "white", "edgecolor": "none"},
                )
            ax.set_ylim(bottom=0.0)
            ax.set(ylabel=axis_label(variable))
            ax.set_title(title, loc="left")
            time_axis(ax, dates)
            draw_markers(ax, dates, marks)
        fig.suptitle(f"Sanctions and investment: median and 90% band {_over_runs(ensemble)}")
        return save_figure(fig, out_dir, "sanctions_investment", strict=True)


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
        for ax in axes.flat[len(steps) :]:
            ax.set_axis_off()
        image = None
        for ax, step in zip(axes.flat, steps, strict=False):
            median = np.median(ensemble.series["trust"][step], axis=0)
            image = ax.imshow(np.ma.masked_array(median, diagonal), cmap=cmap, vmin=0.0, vmax=1.0)
            for (i, j), value in np.ndenumerate(median):
                if i != j:
                    ax.text(
                        j,
                        i,
                        f"{value:.2f}",
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if value < 0.5 else "black",
                    )
            ax.set_xticks(range(n), ensemble.countries)
            ax.set_yticks(range(n), ensemble.countries)
            ax.tick_params(length=0)
            ax.spines[:].set_visible(False)
            ax.set(title=ensemble.calendar.label(step), xlabel="trusted", ylabel="truster")
        fig.colorbar(image, ax=axes.ravel().tolist(), label="median trust, probability [0, 1]", shrink=0.8)
        fig.suptitle("Median trust matrix (row trusts column)")
        return save_figure(fig, out_dir, "trust_matrices", strict=True)


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
        top.set_ylabel(axis_label("nci"))
        band(bottom, dates, ensemble.series["channel_openness"][:, :, j, r], color="C2", label="channel openness")
        band(bottom, dates, ensemble.series["rapport"][:, :, j, r], color="C4", label="leaders' rapport")
        bottom.set_title("Channel openness and rapport, JPN–RUS", loc="left")
        bottom.set(ylabel="level [0, 1]", ylim=(0.0, 1.0))
        for ax in (top, bottom):
            ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
            time_axis(ax, dates)
            draw_markers(ax, dates, marks)
        fig.suptitle(f"Japan and Russia: median, 50% and 90% bands {_over_runs(ensemble)}")
        return save_figure(fig, out_dir, "jpn_rus_focus", strict=True)


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
                diagonal_label(ax, ensemble.countries[i])
                continue
            band(ax, dates, series[:, :, i, j], color="C0")
            if zero_line:
                ax.axhline(0.0, color="0.5", linewidth=0.6)
            ax.set_title(_dyad_label(ensemble, i, j))
            ax.set_ylabel(axis_label(variable), fontsize=6.5)
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
        return save_figure(fig, out_dir, name, strict=True)


def band(
    ax: Axes,
    dates: np.ndarray,
    values: np.ndarray,
    *,
    color: str,
    label: str | None = None,
    widths: Sequence[float] = (0.9, 0.5),
    step: bool = False,
) -> None:
    """Median line over runs with central quantile bands.

    Args:
        ax: target axes.
        dates: (T,) datetime64 x values.
        values: (T, R) values per month and run; with R = 1 the bands collapse onto the line.
        color: colour of line and bands.
        label: legend label of the median line.
        widths: central shares of the runs to shade, e.g. 0.9 for the 5%-95% band.
        step: a step function (a level that holds for the month, like sanctions): drawn as steps, each
            month's value from its first day to the next month's.
    """
    for width in widths:
        low, high = np.quantile(values, _QUANTILES[width], axis=1)
        ax.fill_between(
            dates, low, high, color=color, alpha=BAND_ALPHA[width], linewidth=0, step="post" if step else None
        )
    ax.plot(
        dates,
        np.median(values, axis=1),
        color=color,
        linewidth=1.2,
        label=label,
        drawstyle="steps-post" if step else "default",
    )


STEP_VARIABLES = frozenset({"sanctions"})  # levels that hold for a month and jump: drawn as steps


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
    return [
        (label, dates[absolute - calendar.start])
        for absolute, label in sorted(inside)
        if calendar.start <= absolute <= calendar.end
    ]


_MARKER_LABELS: weakref.WeakKeyDictionary[Axes, list[Annotation]] = weakref.WeakKeyDictionary()


def draw_markers(
    ax: Axes,
    dates: np.ndarray,
    marks: list[tuple[str, np.datetime64]],
    *,
    numbered: bool = False,
    labelled: bool = True,
) -> None:
    """Thin dashed vertical lines at the marker dates, each with a small label above the panel.

    Labels never sit on the data: they go in a strip above the panel's top edge, and ``place_marker_labels``
    (run by ``save_figure``) staggers them into rows so that none overlaps another, then lifts the panel's
    title above them.

    Args:
        ax: target axes with a date x axis.
        dates: (T,) the horizon (kept for the callers' convenience; the labels are placed by measurement).
        marks: (label, date) in date order, as given by ``marker_dates``.
        numbered: label with the marker's number (1, 2, ...) instead of its text, for small panels;
            ``_marker_key`` then explains the numbers.
        labelled: write the labels; ``False`` draws the lines only (lower panels of a grid).
    """
    del dates
    labels = _MARKER_LABELS.setdefault(ax, [])
    for k, (text, date) in enumerate(marks):
        ax.axvline(date, color="0.35", linewidth=0.6, linestyle="--", zorder=0.5)
        if not labelled:
            continue
        labels.append(
            ax.annotate(
                str(k + 1) if numbered else text,
                xy=(date, 1.0),
                xycoords=ax.get_xaxis_transform(),
                xytext=(0.0, _LABEL_BASE),
                textcoords="offset points",
                ha="center" if numbered else "left",
                va="bottom",
                fontsize=6,
                color="0.25",
                annotation_clip=False,
            )
        )


def marker_labels(ax: Axes) -> list[Annotation]:
    """The marker labels ``draw_markers`` put on ``ax``."""
    return list(_MARKER_LABELS.get(ax, []))


def _rows(extents: list[tuple[float, float]], gap: float) -> list[int]:
    """Greedy rows for labels with horizontal ``extents`` (display units), in the given order: each goes
    into the lowest row where it keeps ``gap`` from every label already there."""
    rows: list[list[tuple[float, float]]] = []
    chosen = []
    for x0, x1 in extents:
        free = [r for r, taken in enumerate(rows) if all(x1 + gap <= a or x0 >= b + gap for a, b in taken)]
        row = free[0] if free else len(rows)
        if row == len(rows):
            rows.append([])
        rows[row].append((x0, x1))
        chosen.append(row)
    return chosen


def place_marker_labels(fig: Figure) -> bool:
    """Stagger every panel's marker labels into rows above it so that none overlaps another, and lift the
    panel's titles above the highest row. Measured with the figure's renderer after its layout.

    Returns:
        Whether the figure is laid out as it stands: drawn, and nothing moved since (``check_figure`` then
        need not draw it again).
    """
    panels = [(ax, labels) for ax in fig.axes if (labels := marker_labels(ax))]
    if not panels:
        return False
    points = fig.dpi / 72.0
    for _ in range(3):  # the layout moves panels a little when titles rise: measure again until stable
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        moved = False
        for ax, labels in panels:
            extents = []
            for label in labels:
                box = label.get_window_extent(renderer)
                extents.append((box.x0, box.x1))
            rows = _rows(extents, _LABEL_GAP * points)
            for label, row in zip(labels, rows, strict=True):
                offset = (0.0, _LABEL_BASE + row * _LABEL_ROW)
                if tuple(label.xyann) != offset:
                    label.xyann = offset
                    moved = True
            pad = _LABEL_BASE + (max(rows) + 1) * _LABEL_ROW + 2.0
            for loc in ("left", "center", "right"):
                title = ax.get_title(loc=loc)
                if title:
                    ax.set_title(title, loc=loc, pad=pad)
        if not moved:
            return True
    return False


def _overlap(a: Any, b: Any) -> bool:
    """Whether two display boxes overlap by more than a hair (touching edges do not count)."""
    return min(a.x1, b.x1) - max(a.x0, b.x0) > 0.5 and min(a.y1, b.y1) - max(a.y0, b.y0) > 0.5


def check_figure(fig: Figure, *, drawn: bool = False) -> None:
    """The guards every figure must pass before it is written; ``drawn``: the figure is laid out as it stands
    (``place_marker_labels`` returned True), so it is measured without drawing it again.

    Raises:
        FigureDefectError: a visible panel without a y label, or with one taller than the panel; two marker
            labels of a panel that overlap, or one that overlaps its panel's data area or title; an image
            whose colour scale spans less than ``COLOUR_TOLERANCE`` of its quantity's scale (``colour_image``
            records the quantity).
    """
    if not drawn:
        fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    name = fig.get_suptitle().split("\n")[0] or "figure"
    for ax in fig.axes:
        if not (ax.get_visible() and ax.axison):
            continue
        where = ax.get_title(loc="left") or ax.get_title() or ax.get_title(loc="right") or "a panel"
        if not ax.get_ylabel().strip():
            raise FigureDefectError(f"{name}: panel {where!r} has no y label")
        if ax.yaxis.label.get_window_extent(renderer).height > ax.get_window_extent(renderer).height + 4.0:
            raise FigureDefectError(f"{name}: the y label of {where!r} is taller than the panel and runs into others")
        labels = marker_labels(ax)
        boxes = [label.get_window_extent(renderer) for label in labels]
        area = ax.get_window_extent(renderer)
        titles = [t.get_window_extent(renderer) for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
        for k, box in enumerate(boxes):
            text = labels[k].get_text()
            if _overlap(box, area):
                raise FigureDefectError(f"{name}: marker label {text!r} overlaps the data of {where!r}")
            if any(_overlap(box, title) for title in titles):
                raise FigureDefectError(f"{name}: marker label {text!r} overlaps the title of {where!r}")
            for other in range(k):
                if _overlap(box, boxes[other]):
                    raise FigureDefectError(
                        f"{name}: marker labels {labels[other].get_text()!r} and "
                        f"{labels[k].get_text()!r} overlap in {where!r}"
                    )
        for image in ax.images:
            what = _IMAGE_QUANTITY.get(image)
            if what is not None:
                check_colour_scale(image.norm, what)


_IMAGE_QUANTITY: weakref.WeakKeyDictionary[AxesImage, Quantity] = weakref.WeakKeyDictionary()


def colour_image(ax: Axes, grid: np.ndarray, what: Quantity, norm: Normalize, **kwargs: Any) -> AxesImage:
    """``ax.imshow`` of ``grid`` under ``norm``, checked (``check_colour_scale``) now and again when saved."""
    check_colour_scale(norm, what)
    image = ax.imshow(np.ma.masked_invalid(grid), norm=norm, **kwargs)
    _IMAGE_QUANTITY[image] = what
    return image


def _marker_key(fig: Figure, marks: list[tuple[str, np.datetime64]]) -> None:
    """Explain numbered markers in a line at the foot of ``fig`` (nothing without markers)."""
    if marks:
        # No-break spaces inside an entry, so that lines are only broken between entries.
        entries = [
            f"{k}: {text} ({str(date)[:7]})".replace(" ", "\u00a0") for k, (text, date) in enumerate(marks, start=1)
        ]
        key = textwrap.fill("   ".join(["Dashed\u00a0lines:", *entries]), width=int(fig.get_figwidth() * 16))
        fig.supxlabel(key, fontsize=7, color="0.25")


def _over_runs(ensemble: Ensemble) -> str:
    runs = len(ensemble.runs)
    return f"over {runs} run{'' if runs == 1 else 's'}"


def _dyad_label(ensemble: Ensemble, source: int, target: int) -> str:
    return f"{ensemble.countries[source]} → {ensemble.countries[target]}"


def guards_strict() -> bool:
    """Whether a figure that fails ``check_figure`` stops the program (environment variable
    ``SIM_FIGURE_GUARDS=strict``, set by the test suite) rather than being written with a warning."""
    return os.environ.get("SIM_FIGURE_GUARDS", "") == "strict"


def save_figure(fig: Figure, out_dir: Path, name: str, *, strict: bool = False) -> list[Path]:
    """Save ``fig`` as ``name``.png and ``name``.svg, each through a temporary file and ``os.replace``.

    Marker labels are staggered first (``place_marker_labels``), then the figure is checked
    (``check_figure``). A defect raises ``FigureDefectError`` (and nothing is written) when the figure is
    ``strict`` (declared to follow the guards) and ``guards_strict()`` (the tests): a user's run never dies on a
    figure's layout, it warns. Figures not yet brought up to the guards (not ``strict``) always only warn.

    Returns:
        The two written paths.
    """
    drawn = place_marker_labels(fig)
    try:
        check_figure(fig, drawn=drawn)
    except FigureDefectError as defect:
        if strict and guards_strict():
            raise
        warnings.warn(f"{name}: {defect}", stacklevel=2)
    # The layout was solved by the draws above; keep it for both formats instead of solving it twice more.
    # (Constrained layout works in figure fractions, so the positions hold at any dpi.)
    fig.set_layout_engine("none")
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
