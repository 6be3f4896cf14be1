"""Figures of a finished sweep: responses of each outcome to each parameter, grid heatmaps, Sobol' indices and
monthly bands per design point, written as PNG and SVG.

The house style of ``sim.plots`` applies: Agg backend, object-oriented API, a fixed style, and files saved
atomically without timestamps, so the same sweep always gives byte-identical figures. How an outcome is shown
is read from its statistic (``sim.sweep.statistics``): a ``binomial`` one (``by``: 0/1 per run) as a
probability with Wilson 95% intervals; a ``conditional`` one (``month``) is undefined (NaN) in runs where the
milestone never happened and is summarised over the runs where it did, always with their count: a second row
of panels gives the share of runs in which it happened, and heatmap cells say ``n/N``. Heatmap colours span
the real range of the cells, or none when it is below the guard of ``sim.plots.colour_norm`` ("no variation
across points"). Sobol' panels are drawn only where the indices are resolved (see ``sobol_resolution``).
"""

from __future__ import annotations

import math
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from sim.plots import (
    BAND_ALPHA,
    COLOUR_TOLERANCE,
    STEP_VARIABLES,
    Quantity,
    axis_label,
    colour_image,
    colour_norm,
    count_text,
    new_figure,
    quantity,
    require_counts,
    save_figure,
    styled,
    time_axis,
)
from sim.processes import FigureJob, draw_figures
from sim.sweep.engine import Plan
from sim.sweep.spec import Outcome
from sim.sweep.statistics import statistic

MAX_SERIES_POINTS = 30  # at most this many design points get small multiples of their monthly bands
_BINS = 10  # quantile bins of a sampled parameter
_MIN_PER_BIN = 5
_RASTER_POINTS = 1000  # scatters with more markers are embedded as images in the SVG, to keep it small
_Z95 = 1.959963984540054
_PANEL = (3.0, 2.3)  # inches per response panel
_TITLE_SPACE = 1.1  # inches above the panels for a title of up to four lines
_MIN_CONDITIONAL = 5  # heatmap cells of a conditional mean over fewer runs are not coloured
_SOBOL_MIN_REPLICATES_BINARY = 2  # a 0/1 outcome from one run per point measures chance, not parameters
_SERIES_PANEL = (2.3, 1.6)  # inches per series panel


def write_sweep_figures(
    plan: Plan,
    outcomes: pd.DataFrame,
    series: pd.DataFrame | None,
    indices: pd.DataFrame | None,
    out_dir: Path,
    workers: int = 1,
) -> list[Path]:
    """Write every figure of a finished sweep as PNG and SVG into ``out_dir``.

    Figures, each skipped when it would be empty:

    - ``response_<outcome>``: one panel per swept parameter. Grids: the mean over replicates (a probability
      for ``by`` outcomes) against the parameter's values, with the 25-75% band over replicates (Wilson 95%
      interval for probabilities); with two parameters one line per value of the other one, with three or
      more the runs at each value are pooled over the others. Sampled designs (random, lhs, sobol): each
      design point's mean (grey dots) against the parameter, with the mean of up to ten equal-count bins and
      the 25-75% band of the point means in each bin; for probabilities only the bins' probability with the
      Wilson 95% interval of their runs. Values of ``month`` outcomes are averaged over the runs where the
      milestone happened; outcomes without any finite value get no figure.
    - ``heatmap_<outcome>``: grids of exactly two parameters only: the outcome's mean (or probability) in
      each grid cell, annotated; cells without a value are grey.
    - ``sobol_indices``: when ``indices`` is given and not empty: S1 and ST with their 95% intervals, one
      panel per outcome, parameters sorted by ST.
    - ``series_<variable>_<source>_<target>``: when ``series`` is given and the design has at most
      ``MAX_SERIES_POINTS`` points: one panel per design point with the median and the 50% and 90% bands
      over its replicates.

    Each figure is drawn on its own, so with ``workers`` > 1 they are drawn by that many processes at once,
    this one included (a figure takes about a second: its layout, then a PNG and an SVG); the files are the
    same bytes.

    Args:
        plan: the sweep's plan (declaration and design).
        outcomes: one row per run: ``run``, ``point``, ``replicate``, ``seed`` and one column per outcome.
        series: bands per design point (``engine.series_bands``), or None.
        indices: Sobol' indices (``sensitivity.sobol_indices``), or None.
        out_dir: folder for the files; created if missing. Files are replaced atomically.
        workers: processes drawing the figures (1: in this process).

    Returns:
        The written paths, sorted.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    runs = (
        outcomes.sort_values(["point", "replicate"], kind="stable")
        .reset_index(drop=True)
        .merge(plan.design, on="point", how="left", validate="many_to_one")
    )
    figures = _Figures(plan, runs, series, indices, out_dir, parameter_labels(plan.sweep.names))
    return draw_figures(figures, figures.jobs(), workers)


@dataclass(frozen=True)
class _Figures:
    """What every figure of a sweep is drawn from (sent once to each process); ``jobs`` lists the figures."""

    plan: Plan
    runs: pd.DataFrame
    series: pd.DataFrame | None
    indices: pd.DataFrame | None
    out_dir: Path
    labels: dict[str, str]

    def jobs(self) -> list[FigureJob]:
        """One job per figure file pair; the figures of many panels (series: one per design point, Sobol': one
        per outcome) first, so that the processes finish together."""
        sweep, jobs = self.plan.sweep, []
        if self.series is not None and not self.series.empty and len(self.plan.design) <= MAX_SERIES_POINTS:
            jobs.append((styled, (_series_figure,)))
        if self.indices is not None and not self.indices.empty:
            jobs.append((styled, (_sobol_figure,)))
        for k, outcome in enumerate(sweep.outcomes):
            if not np.isfinite(self.runs[outcome.name].to_numpy(dtype=float)).any():
                continue
            if sweep.design == "grid":
                jobs.append((styled, (_outcome_figure, _grid_response, k)))
                if len(sweep.parameters) == 2:
                    jobs.append((styled, (_outcome_figure, _heatmap, k)))
            else:
                jobs.append((styled, (_outcome_figure, _sampled_response, k)))
        return jobs


def _series_figure(f: _Figures) -> list[Path]:
    return _series(f.plan, f.series, f.labels, f.out_dir)


def _sobol_figure(f: _Figures) -> list[Path]:
    return _sobol(f.plan, f.indices, f.labels, f.out_dir)


def _outcome_figure(f: _Figures, draw: Callable[..., list[Path]], k: int) -> list[Path]:
    return draw(f.plan, f.runs, f.plan.sweep.outcomes[k], f.labels, f.out_dir)


# --- labels --------------------------------------------------------------------------------------------


def parameter_labels(paths: list[str]) -> dict[str, str]:
    """Short, unique axis labels for swept config paths.

    A label is the path's last two dotted parts, extended to the left while its first part is a code (all
    capitals) or a list index, and further until no two paths share a label:
    ``scenario.alliances.JPN.commitment`` -> ``alliances.JPN.commitment``, ``params.reciprocity`` stays.

    Args:
        paths: dotted config paths.

    Returns:
        path -> label.
    """

    def label(parts: list[str], keep: int) -> int:
        while keep < len(parts) and (parts[-keep].isupper() or parts[-keep].isdigit()):
            keep += 1
        return keep

    split = {path: path.split(".") for path in paths}
    keep = {path: label(parts, min(2, len(parts))) for path, parts in split.items()}
    while True:
        short = {path: ".".join(split[path][-keep[path] :]) for path in paths}
        clashing = [p for p in paths if list(short.values()).count(short[p]) > 1 and keep[p] < len(split[p])]
        if not clashing:
            return short
        for path in clashing:
            keep[path] = label(split[path], keep[path] + 1)


def _describe(outcome: Outcome) -> str:
    """What an outcome measures, in a few words."""
    return statistic(outcome).describe(outcome)


def _over(outcome: Outcome, replicates: int) -> str:
    """How a grid point's value was formed from its replicates."""
    return f"{statistic(outcome).over}, {replicates} replicate(s) per grid point"


def outcome_quantity(outcome: Outcome) -> Quantity:
    """What an outcome's number is: its statistic's quantity (a probability, a year), or its variable's."""
    return statistic(outcome).quantity or quantity(outcome.variable)


def _ylabel(outcome: Outcome) -> str:
    return outcome_quantity(outcome).label


_HAPPENED = "share of runs where it happened"
_COUNTS_NOTE = "; lower panels: the share of runs where it happened (Wilson 95%), the count behind each mean"


def _suptitle(fig: Figure, *lines: str) -> None:
    """A figure title of one or more lines, each wrapped to the figure's width."""
    width = max(40, int(fig.get_figwidth() * 14))
    fig.suptitle("\n".join(textwrap.fill(line, width=width, break_on_hyphens=False) for line in lines), fontsize=9)


def _file_part(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-") or "x"


def _value(value: float) -> str:
    return f"{value:.4g}"


def _cell(value: float, outcome: Outcome, flat: bool = False) -> str:
    """A heatmap cell's text; ``flat`` (no variation) keeps the digits that show the cells agree."""
    if not math.isfinite(value):
        return "–"
    if statistic(outcome).cell:
        return format(value, statistic(outcome).cell)
    if flat:
        return f"{value:.4g}"
    return f"{value:.1f}" if abs(value) >= 1000 else f"{value:.3g}"


# --- statistics ----------------------------------------------------------------------------------------


def _wilson(successes: np.ndarray, trials: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95% interval of a binomial proportion (NaN where there are no trials)."""
    n = np.asarray(trials, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = np.asarray(successes, dtype=float) / n
        denominator = 1.0 + _Z95**2 / n
        centre = (p + _Z95**2 / (2 * n)) / denominator
        half = _Z95 / denominator * np.sqrt(p * (1 - p) / n + _Z95**2 / (4 * n**2))
    return centre - half, centre + half


def _summary(values: pd.Series, groups: list[pd.Series | np.ndarray], probability: bool) -> pd.DataFrame:
    """Per group: ``mean`` of the finite values, ``n`` of them of ``total`` runs, and ``low``/``high``: the
    25-75% quantiles, or the Wilson 95% interval when ``probability``."""
    grouped = values.groupby(groups, sort=True)
    frame = pd.DataFrame({"mean": grouped.mean(), "n": grouped.count(), "total": grouped.size()})
    if probability:
        frame["low"], frame["high"] = _wilson(grouped.sum().to_numpy(), frame["n"].to_numpy())
    else:
        frame["low"], frame["high"] = grouped.quantile(0.25), grouped.quantile(0.75)
    return frame


def _binned(x: np.ndarray, y: np.ndarray, successes: np.ndarray, trials: np.ndarray, probability: bool) -> pd.DataFrame:
    """Up to ``_BINS`` bins of equal counts along ``x`` (points with a finite ``y`` only): mean ``x``, mean
    ``y``, and the 25-75% quantiles of ``y`` (Wilson interval of the pooled runs when ``probability``)."""
    keep = np.isfinite(x) & np.isfinite(y)
    x, y, successes, trials = x[keep], y[keep], successes[keep], trials[keep]
    if not x.size:
        return pd.DataFrame(columns=["x", "mean", "low", "high"])
    order = np.argsort(x, kind="stable")
    bins = max(1, min(_BINS, x.size // _MIN_PER_BIN))
    rows = []
    for members in np.array_split(order, bins):
        if probability:
            low, high = _wilson(successes[members].sum(), trials[members].sum())
            mean = successes[members].sum() / trials[members].sum()
        else:
            mean = y[members].mean()
            low, high = np.quantile(y[members], (0.25, 0.75))
        rows.append({"x": x[members].mean(), "mean": mean, "low": float(low), "high": float(high)})
    return pd.DataFrame(rows)


# --- figures -------------------------------------------------------------------------------------------


def _panels(count: int, cols: int) -> tuple[int, int]:
    cols = max(1, min(count, cols))
    return math.ceil(count / cols), cols


def _finish_response(fig: Figure, axes: np.ndarray, used: int, outcome: Outcome, subtitle: str) -> None:
    """Hide unused panels, plain y tick labels (years stay years), title."""
    for ax in axes.flat:
        if not ax.has_data():
            ax.set_axis_off()
    for ax in axes.flat[:used]:
        ax.ticklabel_format(axis="y", useOffset=False, style="plain")
    _suptitle(fig, f"{outcome.name}: {_describe(outcome)}", subtitle)


def _variation_note(runs: pd.DataFrame, outcome: Outcome) -> str:
    """ "; no variation across points ..." when the design points' means differ by less than the guard of
    ``colour_norm`` allows (the lines then lie on each other, whatever the y range suggests), else ""."""
    means = runs.groupby("point", sort=True)[outcome.name].mean().to_numpy(dtype=float)
    finite = means[np.isfinite(means)]
    if finite.size < 2 or colour_norm(finite, outcome_quantity(outcome)) is not None:
        return ""
    return (
        f"; no variation across points: their means differ by at most {np.ptp(finite):.2g}, less than "
        f"{COLOUR_TOLERANCE:.1%} of the scale of {outcome_quantity(outcome).label}"
    )


def _rows_of(outcome: Outcome, values: pd.Series) -> list[tuple[pd.Series, bool, str]]:
    """The blocks of panels of a response figure: (values, is a probability, y label). A conditional
    outcome (``month``) gets a second block with the share of runs in which it happened: its count."""
    blocks = [(values, statistic(outcome).binomial, _ylabel(outcome))]
    if statistic(outcome).conditional:
        blocks.append((values.notna().astype(float), True, _HAPPENED))
    return blocks


def _grid_response(
    plan: Plan, runs: pd.DataFrame, outcome: Outcome, labels: dict[str, str], out_dir: Path
) -> list[Path]:
    """Mean over replicates (or probability) against each grid parameter, with bands."""
    names = plan.sweep.names
    blocks = _rows_of(outcome, runs[outcome.name].astype(float))
    lines = len(names) == 2
    rows, cols = _panels(len(names), 2 if lines else 3)
    width = _PANEL[0] + (1.0 if lines else 0.0)
    with new_figure(figsize=(max(4.5, width * cols), _PANEL[1] * rows * len(blocks) + _TITLE_SPACE)) as fig:
        axes = fig.subplots(rows * len(blocks), cols, squeeze=False)
        for block, (values, probability, ylabel) in enumerate(blocks):
            conditional = statistic(outcome).conditional and block == 0
            for ax, name in zip(axes[block * rows : (block + 1) * rows].flat, names, strict=False):
                if lines:
                    other = names[1 - names.index(name)]
                    levels = np.unique(runs[other].to_numpy())
                    colours = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, len(levels)))
                    for level, colour in zip(levels, colours, strict=True):
                        mask = (runs[other] == level).to_numpy()
                        stats = _summary(values[mask], [runs.loc[mask, name]], probability)
                        if conditional:
                            require_counts(stats["n"], stats["total"])
                        _line_band(ax, stats, colour, label=_value(level), alpha=0.12)
                    ax.legend(
                        title=labels[other],
                        loc="upper left",
                        bbox_to_anchor=(1.0, 1.0),
                        frameon=False,
                        borderaxespad=0.2,
                    )
                else:
                    stats = _summary(values, [runs[name]], probability)
                    if conditional:
                        require_counts(stats["n"], stats["total"])
                    _line_band(ax, stats, "C0")
                ticks = np.unique(runs[name].to_numpy())
                if ticks.size <= 12:
                    ax.set_xticks(ticks, [_value(t) for t in ticks])
                ax.set(xlabel=labels[name], ylabel=ylabel)
                if probability:
                    ax.set_ylim(-0.03, 1.03)
        band = "Wilson 95% interval" if statistic(outcome).binomial else "25-75% of replicates"
        pooled = "" if len(names) <= 2 else ", pooled over the other parameters"
        counts = _COUNTS_NOTE if statistic(outcome).conditional else ""
        _finish_response(
            fig,
            axes,
            len(names) * len(blocks),
            outcome,
            f"{_over(outcome, plan.sweep.replicates)}{pooled}; band: {band}{counts}{_variation_note(runs, outcome)}",
        )
        return save_figure(fig, out_dir, f"response_{_file_part(outcome.name)}", strict=True)


def _line_band(ax: Axes, stats: pd.DataFrame, colour: object, label: str | None = None, alpha: float = 0.2) -> None:
    """A mean line with markers over a shaded low-high band (``_summary``'s columns, indexed by x)."""
    x = stats.index.to_numpy(dtype=float)
    ax.fill_between(
        x,
        stats["low"].to_numpy(dtype=float),
        stats["high"].to_numpy(dtype=float),
        color=colour,
        alpha=alpha,
        linewidth=0,
    )
    ax.plot(x, stats["mean"].to_numpy(dtype=float), color=colour, marker="o", markersize=3, linewidth=1.2, label=label)


def _sampled_response(
    plan: Plan, runs: pd.DataFrame, outcome: Outcome, labels: dict[str, str], out_dir: Path
) -> list[Path]:
    """Point means against each sampled parameter, with a binned mean and band.

    For probabilities the points (0, 1/R, ..., 1) say little, so only the binned probability is drawn. A
    conditional outcome (``month``) gets a second row: the binned share of runs where it happened.
    """
    names = plan.sweep.names
    blocks = _rows_of(outcome, runs[outcome.name].astype(float))
    rows, cols = _panels(len(names), 4)
    with new_figure(figsize=(max(4.5, _PANEL[0] * cols), _PANEL[1] * rows * len(blocks) + _TITLE_SPACE)) as fig:
        axes = fig.subplots(rows * len(blocks), cols, squeeze=False)
        for block, (values, probability, ylabel) in enumerate(blocks):
            grouped = values.groupby(runs["point"], sort=True)
            means = grouped.mean().reindex(plan.design["point"])
            successes = grouped.sum().reindex(plan.design["point"])
            trials = grouped.count().reindex(plan.design["point"])
            if statistic(outcome).conditional and block == 0:
                require_counts(trials.fillna(0), grouped.size().reindex(plan.design["point"]).fillna(0))
            y = means.to_numpy(dtype=float)
            finite = np.isfinite(y)
            block_axes = axes[block * rows : (block + 1) * rows]
            for ax, name in zip(block_axes.flat, names, strict=False):
                x = plan.design[name].to_numpy(dtype=float)
                if not probability:
                    ax.scatter(
                        x[finite],
                        y[finite],
                        s=6,
                        color="0.45",
                        alpha=0.35,
                        linewidths=0,
                        rasterized=bool(finite.sum() > _RASTER_POINTS),
                    )
                bins = _binned(x, y, successes.to_numpy(dtype=float), trials.to_numpy(dtype=float), probability)
                ax.fill_between(
                    bins["x"].to_numpy(dtype=float),
                    bins["low"].to_numpy(dtype=float),
                    bins["high"].to_numpy(dtype=float),
                    color="C0",
                    alpha=0.25,
                    linewidth=0,
                )
                ax.plot(
                    bins["x"].to_numpy(dtype=float),
                    bins["mean"].to_numpy(dtype=float),
                    color="C0",
                    linewidth=1.4,
                    marker="o",
                    markersize=2.5,
                )
                ax.set(xlabel=labels[name], ylabel=ylabel)
                if probability:
                    ax.set_ylim(bottom=0.0)
            if not probability:  # one y range per block, so that panels compare
                low = min(ax.get_ylim()[0] for ax in block_axes.flat[: len(names)])
                high = max(ax.get_ylim()[1] for ax in block_axes.flat[: len(names)])
                for ax in block_axes.flat[: len(names)]:
                    ax.set_ylim(low, high)
        y = runs.groupby("point", sort=True)[outcome.name].mean().reindex(plan.design["point"]).to_numpy(dtype=float)
        points = f"{len(y)} design points, {plan.sweep.replicates} replicate(s) each"
        if statistic(outcome).binomial:
            subtitle = f"probability in equal-count bins of {points}, band: Wilson 95% interval of the bin's runs"
        else:
            undefined = int((~np.isfinite(y)).sum())
            missing = f"; {undefined} point(s) without a value left out" if undefined else ""
            subtitle = (
                f"grey: mean of each of {points}; blue: mean of equal-count bins, band: 25-75% of the "
                f"bin's point means{missing}"
            )
            if statistic(outcome).conditional:
                subtitle += _COUNTS_NOTE
        subtitle += _variation_note(runs, outcome)
        _finish_response(fig, axes, len(names) * len(blocks), outcome, subtitle)
        return save_figure(fig, out_dir, f"response_{_file_part(outcome.name)}", strict=True)


def _heatmap(plan: Plan, runs: pd.DataFrame, outcome: Outcome, labels: dict[str, str], out_dir: Path) -> list[Path]:
    """The outcome's mean (or probability) over a two-parameter grid, annotated.

    The colour scale spans the cells' real range (probabilities: [0, 1]); when that range is below the guard
    of ``colour_norm``, the cells are not coloured and the figure says "no variation across points". Cells of
    a conditional mean (``month``) show ``n/N`` runs, and are left uncoloured below ``_MIN_CONDITIONAL`` runs.
    """
    row_name, col_name = plan.sweep.names
    grouped = runs.groupby([row_name, col_name], sort=True)[outcome.name]
    table = grouped.mean().unstack(col_name).sort_index().sort_index(axis=1)
    grid = table.to_numpy(dtype=float)
    if not np.isfinite(grid).any():
        return []
    what = outcome_quantity(outcome)
    conditional = statistic(outcome).conditional
    counts = totals = None
    coloured = grid
    if conditional:
        counts, totals = require_counts(
            grouped.count().unstack(col_name).reindex_like(table).fillna(0),
            grouped.size().unstack(col_name).reindex_like(table).fillna(0),
        )
        coloured = np.where(counts >= _MIN_CONDITIONAL, grid, np.nan)
    norm = Normalize(0.0, 1.0) if statistic(outcome).binomial else colour_norm(coloured, what)
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad="0.85")
    n_rows, n_cols = grid.shape
    with new_figure(
        figsize=(
            max(3.6, 0.62 * n_cols + 2.4),
            max(3.6, 0.42 * n_rows * (1.5 if conditional else 1) + _TITLE_SPACE + 0.6),
        )
    ) as fig:
        ax = fig.subplots()
        if norm is not None:
            image = colour_image(ax, coloured, what, norm, cmap=cmap, origin="lower", aspect="auto")
            # wrapped: a long quantity label on a short colour bar would run past the bar's ends
            bar = fig.colorbar(image, ax=ax, label=textwrap.fill(what.label, 24), shrink=0.9)
            bar.formatter.set_useOffset(False)
            bar.update_ticks()
        else:
            ax.imshow(np.full(grid.shape, np.nan), cmap=cmap, origin="lower", aspect="auto")
        for (i, j), value in np.ndenumerate(grid):
            dark = norm is not None and math.isfinite(coloured[i, j]) and norm(coloured[i, j]) < 0.5
            text = _cell(value, outcome, norm is None)
            if conditional:
                text += f"\n{count_text(counts[i, j], totals[i, j])}"
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=6.5 if conditional else 7,
                color="white" if dark else "black",
            )
        ax.set_xticks(range(n_cols), [_value(v) for v in table.columns])
        ax.set_yticks(range(n_rows), [_value(v) for v in table.index])
        ax.tick_params(length=0)
        ax.spines[:].set_visible(False)
        ax.set(xlabel=labels[col_name], ylabel=labels[row_name])
        lines = [f"{outcome.name}: {_describe(outcome)}", _over(outcome, plan.sweep.replicates)]
        if conditional and not np.isfinite(coloured).any():
            lines.append(f"no cell has {_MIN_CONDITIONAL} or more runs where it happened: none is coloured")
        elif norm is None:
            finite = coloured[np.isfinite(coloured)]
            lines.append(
                f"no variation across points: the cells differ by at most {np.ptp(finite):.2g}, less than "
                f"{COLOUR_TOLERANCE:.1%} of the scale of {what.label}; no colour scale"
            )
        if conditional:
            lines.append(
                f"each cell: mean over the n of N runs where it happened (n/N); cells with n < "
                f"{_MIN_CONDITIONAL} are not coloured"
            )
        _suptitle(fig, *lines)
        return save_figure(fig, out_dir, f"heatmap_{_file_part(outcome.name)}", strict=True)


def sobol_resolution(part: pd.DataFrame, outcome: Outcome | None, replicates: int) -> str | None:
    """Why the Sobol' indices of one outcome cannot be read, or None when they can.

    They cannot when the outcome is 0/1 and each design point ran fewer than
    ``_SOBOL_MIN_REPLICATES_BINARY`` replicates (a point's value is then one run's chance, which SALib counts
    as interaction: ST > S1), or when the 95% intervals are as wide as the indices: the full width of the
    S1 or ST interval of the parameter with the largest ST is at least that ST.
    """
    if outcome is not None and statistic(outcome).binomial and replicates < _SOBOL_MIN_REPLICATES_BINARY:
        return (
            f"a 0/1 outcome from {replicates} run per design point: each point's value is one run's chance, "
            "and the indices would show that noise as interaction (ST > S1). Run more replicates "
            f"(sweep.replicates >= {_SOBOL_MIN_REPLICATES_BINARY}, better 10+)."
        )
    if not np.isfinite(part["ST"].to_numpy(dtype=float)).any():
        return "no index could be computed"
    top = part.loc[part["ST"].idxmax()]
    width = 2.0 * max(float(top["S1_conf"]), float(top["ST_conf"]))
    if not width < float(top["ST"]):
        return (
            f"the 95% intervals of the largest index (ST {top['ST']:.2g}, interval width up to {width:.2g}) are "
            "as wide as the indices: too few base samples or replicates. Run more (sweep.points, "
            "sweep.replicates)."
        )
    return None


def _sobol(plan: Plan, indices: pd.DataFrame, labels: dict[str, str], out_dir: Path) -> list[Path]:
    """S1 and ST per parameter with 95% intervals, one panel per outcome, parameters sorted by ST; an outcome
    whose indices are not resolved (``sobol_resolution``) gets a panel that says why instead of bars."""
    order = [o.name for o in plan.sweep.outcomes]
    by_name = {o.name: o for o in plan.sweep.outcomes}
    analysed = sorted(indices["outcome"].unique(), key=lambda n: (order.index(n) if n in order else len(order), n))
    left_out = [name for name in order if name not in analysed]
    n_parameters = indices.groupby("outcome")["parameter"].nunique().max()
    rows, cols = _panels(len(analysed), 3)
    reasons = {
        name: sobol_resolution(indices[indices["outcome"] == name], by_name.get(name), plan.sweep.replicates)
        for name in analysed
    }
    height = 0.24 * n_parameters + 1.0 if any(why is None for why in reasons.values()) else 1.4
    drawn = []
    with new_figure(figsize=(3.8 * cols, height * rows + 0.8)) as fig:
        axes = fig.subplots(rows, cols, squeeze=False)
        for ax in axes.flat[len(analysed) :]:
            ax.set_axis_off()
        for ax, name in zip(axes.flat, analysed, strict=False):
            part = indices[indices["outcome"] == name].copy()
            why = reasons[name]
            if why is not None:
                ax.set_axis_off()
                ax.text(
                    0.5,
                    0.5,
                    textwrap.fill(f"{name}: indices not shown: {why}", width=44),
                    ha="center",
                    va="center",
                    transform=ax.transAxes,
                    fontsize=7,
                    color="0.2",
                    bbox={"facecolor": "#fff4e0", "edgecolor": "0.6", "linewidth": 0.5},
                )
                continue
            drawn.append(ax)
            part["rank"] = part["ST"].fillna(-np.inf)
            part = part.sort_values(["rank", "parameter"], ascending=[True, False], kind="stable")
            y = np.arange(len(part), dtype=float)
            for offset, (index, colour) in zip((0.2, -0.2), (("S1", "C0"), ("ST", "C3")), strict=True):
                ax.barh(
                    y + offset,
                    part[index].fillna(0.0),
                    height=0.38,
                    color=colour,
                    label=index,
                    xerr=part[f"{index}_conf"].fillna(0.0),
                    error_kw={"elinewidth": 0.7, "capsize": 1.5, "ecolor": "0.25"},
                )
            ax.set_yticks(y, [labels.get(p, p) for p in part["parameter"]])
            ax.axvline(0.0, color="0.5", linewidth=0.6)
            ax.set_ylim(-0.6, len(part) - 0.4)
            ax.tick_params(axis="y", length=0)
            ax.set_title(name)
            ax.set(xlabel="Sobol' index", ylabel="parameter")
        if drawn:
            handles, names = drawn[0].get_legend_handles_labels()
            fig.legend(handles, names, loc="outside upper right", ncols=2, frameon=False)
        if left_out:
            fig.supxlabel(
                f"Left out (undefined at some design points, or constant): {', '.join(left_out)}",
                fontsize=7,
                color="0.25",
            )
        _suptitle(
            fig,
            "Sobol' indices (shares of the outcome's variance): first-order (S1) and total (ST) with 95% "
            f"intervals, {plan.sweep.points} base samples, {plan.sweep.replicates} replicate(s) per point",
            "ST − S1 is interaction plus the runs' own noise, which the replicates average out",
        )
        return save_figure(fig, out_dir, "sobol_indices", strict=True)


def _series(plan: Plan, series: pd.DataFrame, labels: dict[str, str], out_dir: Path) -> list[Path]:
    """Small multiples of each series: one panel per design point, median with 50% and 90% bands."""
    design = plan.design.set_index("point").sort_index()
    names = plan.sweep.names
    # grid points run with the last parameter fastest: one row per combination of the others
    cols = int(design[names[-1]].nunique()) if plan.sweep.design == "grid" and len(names) >= 2 else min(len(design), 5)
    rows, cols = _panels(len(design), cols)
    paths: list[Path] = []
    for (variable, source, target), part in series.groupby(["variable", "source", "target"], sort=True):
        by_point = {point: frame.sort_values("date") for point, frame in part.groupby("point", sort=True)}
        with new_figure(figsize=(_SERIES_PANEL[0] * cols, _SERIES_PANEL[1] * rows + 0.8)) as fig:
            axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
            for ax in axes.flat[len(design) :]:
                ax.set_axis_off()
            low = min(float(f["q05"].min()) for f in by_point.values())
            high = max(float(f["q95"].max()) for f in by_point.values())
            for ax, point in zip(axes.flat, design.index, strict=False):
                ax.set_title("\n".join(f"{labels[n]} = {_value(design.at[point, n])}" for n in names), fontsize=6.5)
                frame = by_point.get(point)
                if frame is None:
                    continue
                dates = frame["date"].to_numpy(dtype="datetime64[D]")
                step = variable in STEP_VARIABLES
                for (lo, hi), width in ((("q05", "q95"), 0.9), (("q25", "q75"), 0.5)):
                    ax.fill_between(
                        dates,
                        frame[lo].to_numpy(),
                        frame[hi].to_numpy(),
                        color="C0",
                        alpha=BAND_ALPHA[width],
                        linewidth=0,
                        step="post" if step else None,
                    )
                ax.plot(
                    dates,
                    frame["median"].to_numpy(),
                    color="C0",
                    linewidth=1.0,
                    drawstyle="steps-post" if step else "default",
                )
                if low < 0.0 < high:
                    ax.axhline(0.0, color="0.5", linewidth=0.5)
                time_axis(ax, dates)
            for ax in axes.flat[max(0, len(design) - cols) : len(design)]:
                ax.xaxis.set_tick_params(labelbottom=True)  # the last panel of each column shows the years
            for ax in axes.flat[: len(design)]:
                ax.set_ylabel(variable.replace("_", " "), fontsize=6)  # short: the unit is in the title
            _suptitle(
                fig,
                f"{variable} {source} → {target} at each design point: median, 50% and 90% bands over "
                f"{plan.sweep.replicates} replicate(s); y: {axis_label(variable)}",
            )
            paths += save_figure(fig, out_dir, f"series_{_file_part(f'{variable}_{source}_{target}')}", strict=True)
    return paths
