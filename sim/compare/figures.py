"""Figures of a comparison: both arms with bands, their paired difference with a band, and the change in
milestone probabilities with intervals. PNG and SVG, byte-identical for the same ensembles (the look, the
deterministic saving and the guards are those of ``sim.plots``).

Only rows that carry information are drawn: a pair variable (channel openness, rapport) is the same both ways
and gets one row per pair, and a dyad whose series is one constant in every run of both arms (no sanctions in
either arm, openness 1.0 where no channel is configured) is named in the figure instead of drawn flat."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sim.compare.arms import Pair, parse_dyad
from sim.compare.intervals import paired_difference, wilson
from sim.plots import (
    BAND_ALPHA,
    STEP_VARIABLES,
    STYLE,
    axis_label,
    band,
    draw_markers,
    marker_dates,
    new_figure,
    save_figure,
    time_axis,
)

COLORS = {"baseline": "C0", "scenario": "C3", "difference": "C2"}
_LABELS = {
    "nci": "NCI",
    "trust": "trust",
    "sanctions": "sanction level",
    "channel_openness": "channel openness",
    "investment_flow": "investment flow",
    "investment_stock": "investment stock",
    "rapport": "rapport",
}
SYMMETRIC = frozenset({"channel_openness", "rapport"})  # pair variables: i→j equals j→i


def informative_rows(
    pair: Pair, variable: str, cells: list[tuple[int, int]]
) -> tuple[list[tuple[int, int]], list[str]]:
    """The dyads worth a row for ``variable``, and a note for each one left out.

    A symmetric variable keeps the first of i→j and j→i; a dyad whose series is one constant in every month
    and run of both arms is left out with a note that names the constant ("no sanctions in either arm").
    """
    kept: list[tuple[int, int]] = []
    notes: list[str] = []
    label = _LABELS.get(variable, variable)
    for i, j in cells:
        if variable in SYMMETRIC and ((j, i) in kept or any(n.startswith(_pair(pair, j, i)) for n in notes)):
            continue
        values = np.stack([pair.arm(arm).series[variable][:, :, i, j] for arm in ("baseline", "scenario")])
        name = _pair(pair, i, j) if variable in SYMMETRIC else f"{pair.countries[i]} → {pair.countries[j]}"
        if np.ptp(values) == 0.0:
            constant = float(values.flat[0])
            if variable == "sanctions" and constant == 0.0:
                notes.append(f"{name}: no sanctions in either arm")
            elif variable == "channel_openness" and constant == 1.0:
                notes.append(f"{name}: {label} 1.0 throughout in both arms (no channel configured)")
            else:
                notes.append(f"{name}: {label} {constant:g} throughout in both arms")
            continue
        kept.append((i, j))
    return kept, notes


def _pair(pair: Pair, i: int, j: int) -> str:
    return f"{pair.countries[i]}–{pair.countries[j]}"


def write_comparison_figures(
    pair: Pair,
    out_dir: Path,
    *,
    title: str,
    arm_names: Mapping[str, str],
    variables: list[str],
    dyads: list[str],
    markers: Mapping[str, str],
) -> list[Path]:
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


def _variable_figure(
    pair: Pair,
    out_dir: Path,
    variable: str,
    cells: list[tuple[int, int]],
    marks: list[tuple[str, np.datetime64]],
    title: str,
    arm_names: Mapping[str, str],
) -> list[Path]:
    dates = pair.calendar.dates()
    label = _LABELS.get(variable, variable)
    unit = axis_label(variable)
    diff = pair.difference(variable)
    rows, notes = informative_rows(pair, variable, cells)
    step = variable in STEP_VARIABLES
    note = ("not drawn (constant in every run of both arms): " + "; ".join(notes)) if notes else ""
    # room for a title of up to six lines (the marker key and the notes wrap)
    with new_figure(figsize=(9.0, 1.9 * max(len(rows), 1) + 1.6 + 0.3 * len(notes))) as fig:
        if not rows:
            ax = fig.subplots()
            ax.set_axis_off()
            ax.text(
                0.5,
                0.5,
                textwrap.fill("; ".join(notes), width=90),
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="0.3",
            )
        else:
            axes = fig.subplots(len(rows), 2, sharex=True, squeeze=False)
        for row, (i, j) in enumerate(rows):
            dyad = _pair(pair, i, j) if variable in SYMMETRIC else f"{pair.countries[i]} → {pair.countries[j]}"
            left, right = axes[row]
            for arm in ("baseline", "scenario"):
                band(
                    left,
                    dates,
                    pair.arm(arm).series[variable][:, :, i, j],
                    color=COLORS[arm],
                    label=arm_names[arm],
                    step=step,
                )
            band(right, dates, diff[:, :, i, j], color=COLORS["difference"], label="scenario − baseline", step=step)
            right.axhline(0.0, color="0.5", linewidth=0.6)
            left.set_title(f"{dyad}: {label}", loc="left")
            right.set_title(f"{dyad}: paired difference", loc="left")
            left.set_ylabel(label)  # short: the unit is in the title
            right.set_ylabel(f"Δ {label}")
            for ax in (left, right):
                time_axis(ax, dates)
                draw_markers(ax, dates, marks, numbered=True, labelled=row == 0)
        if rows:
            handles = [*axes[0, 0].get_legend_handles_labels()[0], *axes[0, 1].get_legend_handles_labels()[0]]
            fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        runs = len(pair.baseline.runs)
        key = _marker_key(marks, fig.get_figwidth()) if rows else ""
        fig.suptitle(
            f"{title}: {unit}\nmedian, 50% and 90% bands over {runs} paired runs (common random numbers)"
            f"{key}\n{textwrap.fill(note, width=int(fig.get_figwidth() * 13), break_on_hyphens=False)}".rstrip()
        )
        return save_figure(fig, out_dir, f"compare_{variable}", strict=True)


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


def _milestones_figure(
    pair: Pair, out_dir: Path, marks: list[tuple[str, np.datetime64]], title: str, arm_names: Mapping[str, str]
) -> list[Path]:
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
                    top.fill_between(
                        dates,
                        values[:, 1],
                        values[:, 2],
                        color=COLORS[arm],
                        alpha=BAND_ALPHA[0.9],
                        linewidth=0,
                        step="post",
                    )
                    top.step(dates, values[:, 0], where="post", color=COLORS[arm], linewidth=1.2, label=arm_names[arm])
                change = curves["difference"]
                bottom.fill_between(
                    dates,
                    change[:, 1],
                    change[:, 2],
                    color=COLORS["difference"],
                    alpha=BAND_ALPHA[0.5],
                    linewidth=0,
                    step="post",
                )
                bottom.step(
                    dates,
                    change[:, 0],
                    where="post",
                    color=COLORS["difference"],
                    linewidth=1.2,
                    label="scenario − baseline",
                )
                bottom.axhline(0.0, color="0.5", linewidth=0.6)
                never = not (curves["baseline"][:, 0].any() or curves["scenario"][:, 0].any())
                top.set_title(
                    f"{owner}–{partner}: {kind.replace('_', ' ')}{' (in no run of either arm)' if never else ''}",
                    loc="left",
                )
                bottom.set_title("paired change", loc="left")
                top.set_ylim(0.0, 1.0)
                top.set_ylabel("P(happened by month)")
                bottom.set_ylabel("Δ probability")
                for ax in (top, bottom):
                    time_axis(ax, dates)
                    draw_markers(ax, dates, marks, numbered=True, labelled=ax is top and c == 0)
        handles = [*axes[0, 0].get_legend_handles_labels()[0], *axes[1, 0].get_legend_handles_labels()[0]]
        fig.legend(handles=handles, loc="outside lower center", ncols=3, frameon=False)
        runs = len(pair.baseline.runs)
        fig.suptitle(
            f"{title}: milestones\nshare of {runs} paired runs with 90% intervals "
            f"(Wilson for each arm, Newcombe for the paired change)"
            f"{_marker_key(marks, fig.get_figwidth())}"
        )
        return save_figure(fig, out_dir, "milestones", strict=True)
