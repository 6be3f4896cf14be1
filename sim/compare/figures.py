"""Figures of a comparison: both arms with bands, their paired difference with a band, and the change in
milestone probabilities with intervals. PNG and SVG, byte-identical for the same ensembles (the look and
the deterministic saving are those of ``sim.plots``)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sim.compare.arms import Pair, parse_dyad
from sim.compare.intervals import paired_difference, wilson
from sim.plots import BAND_ALPHA, STYLE, band, draw_markers, marker_dates, new_figure, save_figure, time_axis

COLORS = {"baseline": "C0", "scenario": "C3", "difference": "C2"}
_LABELS = {"nci": "NCI", "trust": "trust", "sanctions": "sanction level", "channel_openness": "channel openness",
           "investment_flow": "investment flow", "investment_stock": "investment stock", "rapport": "rapport"}


def write_comparison_figures(pair: Pair, out_dir: Path, *, title: str, arm_names: Mapping[str, str],
                             variables: list[str], dyads: list[str], markers: Mapping[str, str]) -> list[Path]:
    """One figure per variable (``compare_<variable>``: a row per dyad, both arms left, the paired difference
    right) and ``milestones`` (probability by month in each arm, and its paired change). Returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    marks = marker_dates(pair.calendar, markers)
    cells = [parse_dyad(d, pair.countries) for d in dyads]
    paths: list[Path] = []
    with plt.style.context("default"), plt.rc_context(STYLE):
        for variable in variables:
            paths += _variable_figure(pair, out_dir, variable, cells, marks, title, arm_names)
        if pair.baseline.channels:
            paths += _milestones_figure(pair, out_dir, marks, title, arm_names)
    return sorted(paths)


def _marker_key(marks: list[tuple[str, np.datetime64]], width_inches: float) -> str:
    """The numbered markers' names, wrapped to the figure's width (for the title)."""
    if not marks:
        return ""
    entries = [f"{k} {text} ({str(date)[:7]})".replace(" ", "\u00a0") for k, (text, date) in enumerate(marks, start=1)]
    key = "dashed\u00a0lines: " + ", ".join(entries)
    return "\n" + textwrap.fill(key, width=int(width_inches * 13), break_on_hyphens=False)


def _variable_figure(pair: Pair, out_dir: Path, variable: str, cells: list[tuple[int, int]],
                     marks: list[tuple[str, np.datetime64]], title: str, arm_names: Mapping[str, str]) -> list[Path]:
    dates = pair.calendar.dates()
    label = _LABELS.get(variable, variable)
    diff = pair.difference(variable)
    with new_figure(figsize=(9.0, 1.9 * len(cells) + 1.0)) as fig:
        axes = fig.subplots(len(cells), 2, sharex=True, squeeze=False)
        for row, (i, j) in enumerate(cells):
            dyad = f"{pair.countries[i]} → {pair.countries[j]}"
            left, right = axes[row]
            for arm in ("baseline", "scenario"):
                band(left, dates, pair.arm(arm).series[variable][:, :, i, j], color=COLORS[arm], label=arm_names[arm])
            band(right, dates, diff[:, :, i, j], color=COLORS["difference"], label="scenario − baseline")
            right.axhline(0.0, color="0.5", linewidth=0.6)
            left.set_title(f"{dyad}: {label}", loc="left")
            right.set_title(f"{dyad}: paired difference", loc="left")
            left.set_ylabel(label)
            right.set_ylabel(f"Δ {label}")
            for ax in (left, right):
                time_axis(ax, dates)
                draw_markers(ax, dates, marks, numbered=True, labelled=row == 0)
        handles = [*axes[0, 0].get_legend_handles_labels()[0], *axes[0, 1].get_legend_handles_labels()[0]]
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        runs = len(pair.baseline.runs)
        fig.suptitle(f"{title}: {label}\nmedian, 50% and 90% bands over {runs} paired runs (common random numbers)"
                     f"{_marker_key(marks, fig.get_figwidth())}")
        return save_figure(fig, out_dir, f"compare_{variable}")


def _milestone_curves(pair: Pair, kind: str, channel: int) -> dict[str, np.ndarray]:
    """Per month: each arm's probability (with Wilson bounds) and the paired change (with Newcombe bounds)."""
    n_t = pair.calendar.n_steps
    steps = {arm: pair.arm(arm).milestones[kind][:, channel] for arm in ("baseline", "scenario")}
    out = {}
    for arm, step in steps.items():
        happened = (step[None, :] >= 0) & (step[None, :] <= np.arange(n_t)[:, None])  # (T, R)
        counts = happened.sum(axis=1)
        bounds = np.array([wilson(int(k), happened.shape[1]) for k in counts])
        out[arm] = np.column_stack([happened.mean(axis=1), bounds])
    change = []
    for t in range(n_t):
        by = {arm: (step >= 0) & (step <= t) for arm, step in steps.items()}
        change.append(paired_difference(by["scenario"], by["baseline"]))
    out["difference"] = np.array(change)
    return out


def _milestones_figure(pair: Pair, out_dir: Path, marks: list[tuple[str, np.datetime64]], title: str,
                       arm_names: Mapping[str, str]) -> list[Path]:
    dates = pair.calendar.dates()
    kinds = list(pair.baseline.milestones)
    channels = pair.baseline.channels
    with new_figure(figsize=(3.0 * len(kinds) + 0.6, 4.2 * len(channels) + 0.6)) as fig:
        axes = fig.subplots(2 * len(channels), len(kinds), sharex=True, squeeze=False)
        for c, (_, owner, partner) in enumerate(channels):
            for k, kind in enumerate(kinds):
                top, bottom = axes[2 * c, k], axes[2 * c + 1, k]
                curves = _milestone_curves(pair, kind, c)
                for arm in ("baseline", "scenario"):
                    values = curves[arm]
                    top.fill_between(dates, values[:, 1], values[:, 2], color=COLORS[arm], alpha=BAND_ALPHA[0.9],
                                     linewidth=0, step="post")
                    top.step(dates, values[:, 0], where="post", color=COLORS[arm], linewidth=1.2, label=arm_names[arm])
                change = curves["difference"]
                bottom.fill_between(dates, change[:, 1], change[:, 2], color=COLORS["difference"],
                                    alpha=BAND_ALPHA[0.5], linewidth=0, step="post")
                bottom.step(dates, change[:, 0], where="post", color=COLORS["difference"], linewidth=1.2,
                            label="scenario − baseline")
                bottom.axhline(0.0, color="0.5", linewidth=0.6)
                top.set_title(f"{owner}–{partner}: {kind.replace('_', ' ')}", loc="left")
                bottom.set_title("paired change", loc="left")
                top.set_ylim(0.0, 1.0)
                if k == 0:
                    top.set_ylabel("P(happened by month)")
                    bottom.set_ylabel("Δ probability")
                for ax in (top, bottom):
                    time_axis(ax, dates)
                    draw_markers(ax, dates, marks, numbered=True, labelled=ax is top and c == 0)
        handles = [*axes[0, 0].get_legend_handles_labels()[0], *axes[1, 0].get_legend_handles_labels()[0]]
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        runs = len(pair.baseline.runs)
        fig.suptitle(f"{title}: milestones\nshare of {runs} paired runs with 90% intervals "
                     f"(Wilson for each arm, Newcombe for the paired change)"
                     f"{_marker_key(marks, fig.get_figwidth())}")
        return save_figure(fig, out_dir, "milestones")
