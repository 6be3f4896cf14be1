"""Mechanism attribution: why a dyad's intended cooperation moved, term by term.

The cooperation target of S4 is a sum of named terms (``sim.mechanisms.target.TERM_LABELS`` declares each with
its label); every run records each term per directed dyad and month as ``target_<term>``. Intended cooperation
follows the target by partial adjustment (Richardson), so a change of the target's window mean between two periods
splits exactly into the changes of its terms:

    Δ target_ij = Σ_k Δ term_k,ij      (window means, run by run)

The table reports each term's change as the ensemble mean (means add up, medians do not) with the median
and 90% range across runs, and its share of the total change.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sim.mechanisms.target import TERM_LABELS, TERMS
from sim.plots import axis_label, draw_markers, marker_dates, new_figure, save_figure, styled, time_axis
from sim.processes import FigureJob, draw_figures
from sim.results import Ensemble
from sim.term_changes import (  # re-exported: sim.attribution's API
    carriers,
    change,
    recorded_terms,
    term_variable,
    window_terms,
)

__all__ = [
    "attribution_jobs",
    "carriers",
    "change",
    "recorded_terms",
    "term_label",
    "term_variable",
    "window_terms",
    "write_attribution_figures",
]


def term_label(term: str) -> str:
    """A term's label, from its declaration (``sim.mechanisms.target.TERM_LABELS``); a term the declaration does not
    know (a result folder written by another version) is labelled by its name."""
    return TERM_LABELS.get(term, term.replace("_", " "))


def _colour(terms: list[str], term: str) -> tuple[float, ...]:
    """tab20 by position among ``terms`` (the declared order first, so a term keeps its colour), cycled after 20."""
    colours = plt.get_cmap("tab20").colors
    return colours[terms.index(term) % len(colours)]


def write_attribution_figures(
    ens: Ensemble,
    out_dir: Path,
    *,
    markers: dict[str, str],
    dyads: list[tuple[int, int]] | None = None,
    workers: int = 1,
) -> list[Path]:
    """One figure per directed dyad: the mean contribution of each term by quarter over the runs, stacked
    (positive terms above zero, negative below), with the mean cooperation target and intended cooperation.

    Means, not medians: the terms' means add up to the target's mean (``change``'s reason too), so the
    stack's net height is the target line's quarterly mean; medians of terms would not add up.

    Written as ``<out_dir>/attribution_<SRC>_<TGT>.{png,svg}`` for every directed dyad, or for ``dyads``
    (source, target indices), by ``workers`` processes (``sim.processes.draw_figures``); returns the paths, sorted.
    """
    return draw_figures(ens, attribution_jobs(ens, out_dir, markers=markers, dyads=dyads), workers)


def attribution_jobs(
    ens: Ensemble, out_dir: Path, *, markers: dict[str, str], dyads: list[tuple[int, int]] | None = None
) -> list[FigureJob]:
    """``write_attribution_figures``' figures as jobs for ``sim.processes.draw_figures`` (the ensemble shared);
    creates ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    marks = marker_dates(ens.calendar, markers)
    dates = ens.calendar.dates()
    quarter_starts = np.flatnonzero(dates.astype("datetime64[M]").astype(np.int64) % 3 == 0)
    starts = quarter_starts if quarter_starts.size and quarter_starts[0] == 0 else np.r_[0, quarter_starts]
    return [
        (styled, (_dyad_figure, source, target, dates, starts, marks, out_dir))
        for source, target in (dyads if dyads is not None else ens.dyads())
    ]


def _quarterly_mean(series: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """(T, R) monthly values -> (Q,) mean across runs of each quarter's mean."""
    means = np.add.reduceat(series, starts, axis=0) / np.diff(np.r_[starts, len(series)])[:, None]
    return means.mean(axis=1)


def _dyad_figure(
    ens: Ensemble, source: int, target: int, dates: np.ndarray, starts: np.ndarray, marks: list, out_dir: Path
) -> list[Path]:
    src, tgt = ens.countries[source], ens.countries[target]
    terms = list(dict.fromkeys([*TERMS, *recorded_terms(ens)]))  # colours stay put whatever a folder recorded
    contributions = {
        term: _quarterly_mean(ens.series[term_variable(term)][:, :, source, target], starts)
        for term in recorded_terms(ens)
    }
    lefts = dates[starts]
    ends = np.r_[dates[starts[1:]], dates[-1] + np.timedelta64(31, "D")].astype("datetime64[D]")
    widths = (ends - lefts.astype("datetime64[D]")).astype(float) * 0.85
    with new_figure(figsize=(9.0, 4.8)) as fig:
        ax = fig.subplots()
        up = np.zeros(len(starts))
        down = np.zeros(len(starts))
        for term, value in contributions.items():
            if not np.any(np.abs(value) > 1e-9):
                continue
            base = np.where(value >= 0, up, down)
            ax.bar(
                lefts,
                value,
                width=widths,
                bottom=base,
                align="edge",
                color=_colour(terms, term),
                label=term_label(term),
                linewidth=0,
            )
            up += np.maximum(value, 0.0)
            down += np.minimum(value, 0.0)
        for name, style in (("cooperation_target", "-"), ("intended_cooperation", "--")):
            if name in ens.series:
                ax.plot(
                    dates,
                    ens.series[name][:, :, source, target].mean(axis=1),
                    color="black",
                    linestyle=style,
                    linewidth=1.0,
                    label=name.replace("_", " ") + " (monthly mean)",
                )
        ax.axhline(0.0, color="0.4", linewidth=0.6)
        ax.set_ylabel(f"contribution to the target ({axis_label('cooperation_target').split('(')[-1]}")
        time_axis(ax, dates)
        draw_markers(ax, dates, marks)
        ax.legend(loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
        runs = f"{len(ens.runs)} run{'' if len(ens.runs) == 1 else 's'}"
        fig.suptitle(
            f"{src} → {tgt} cooperation target, by term\nbars: quarterly mean of each term over {runs} "
            "(positive terms above zero, negative below; they add up to the target)",
            x=0.02,
            ha="left",
        )
        return save_figure(fig, out_dir, f"attribution_{src}_{tgt}", strict=True)
