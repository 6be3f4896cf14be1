"""The dashboard's figures (matplotlib ``Figure`` objects, no pyplot: the page renders them per session)."""

from __future__ import annotations

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MultipleLocator

from sim.dashboard.ensemble import band, paired_band
from sim.results import Ensemble

ARM, BASE = "#1f5fa8", "#6b6b6b"
UNITS = {
    "nci": "NCI (Goldstein, −10..+10)",
    "trust": "trust (probability)",
    "sanctions": "sanction level (0..1)",
    "investment_stock": "investment stock (model units)",
    "channel_openness": "channel openness (0..1)",
}


def _months(ens: Ensemble) -> np.ndarray:
    """Months as fractional years (2014.25 = April 2014): plain numbers draw much faster than dates, and the
    page redraws on every slider move."""
    return np.array([_year(label) for label in ens.calendar.labels()])


def _year(month: str) -> float:
    return int(month[:4]) + (int(month[5:7]) - 1) / 12


def _axes(fig: Figure, rows: int, cols: int, top: float):
    """A grid of panels sharing x, with fixed margins (no constrained layout: it draws the figure twice)."""
    axes = fig.subplots(rows, cols, sharex=True, squeeze=False)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.08 if rows > 1 else 0.15, top=top, hspace=0.35, wspace=0.3)
    for ax in axes[-1]:
        ax.xaxis.set_major_locator(MultipleLocator(1))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{round(v)}"))
    return axes


def _markers(ax, markers: dict[str, str], numbered: bool) -> None:
    """Key events as vertical lines; numbers (explained under the figure) keep labels from colliding."""
    for k, (_, month) in enumerate(sorted(markers.items(), key=lambda kv: kv[1]), start=1):
        x = _year(month)
        ax.axvline(x, color="#b03030", lw=0.7, ls=":", zorder=1)
        if numbered:
            ax.annotate(
                str(k),
                (x, 1.0),
                xycoords=("data", "axes fraction"),
                xytext=(0, 2 + 7 * (k % 2)),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                color="#b03030",
            )


def marker_legend(markers: dict[str, str]) -> str:
    return "  ".join(
        f"{k} {name} ({month[:7]})"
        for k, (name, month) in enumerate(sorted(markers.items(), key=lambda kv: kv[1]), start=1)
    )


def _bands(ax, x, q: np.ndarray, colour: str, label: str) -> None:
    ax.fill_between(x, q[0], q[4], color=colour, alpha=0.15, lw=0, step="mid")
    ax.fill_between(x, q[1], q[3], color=colour, alpha=0.3, lw=0, step="mid")
    ax.plot(x, q[2], color=colour, lw=1.4, label=label, drawstyle="steps-mid")


def nci_figure(arm: Ensemble, baseline: Ensemble, dyads: list[str], markers: dict[str, str]) -> Figure:
    """NCI of each chosen dyad: the edited arm (median, 50% and 90% bands) over the baseline's median."""
    x = _months(arm)
    height = 1.9 * len(dyads) + 0.8
    fig = Figure(figsize=(9, height))
    axes = _axes(fig, len(dyads), 1, top=1 - 0.6 / height)[:, 0]
    for k, (ax, dyad) in enumerate(zip(axes, dyads, strict=True)):
        src, tgt = dyad.split("->")
        _bands(ax, x, band(arm, "nci", src, tgt), ARM, "this setting (median, 50%, 90%)")
        ax.plot(
            x,
            band(baseline, "nci", src, tgt)[2],
            color=BASE,
            lw=1,
            ls="--",
            label="scenario as shipped (median)",
            drawstyle="steps-mid",
        )
        _markers(ax, markers, numbered=k == 0)
        ax.set_ylabel(f"{src}→{tgt}\nNCI")
        ax.axhline(0, color="black", lw=0.4)
    handles, labels = axes[0].get_legend_handles_labels()  # above the panels: never over the bands
    fig.legend(handles, labels, loc="upper right", fontsize=7, ncols=2, frameon=False)
    fig.suptitle(f"Net cooperation index (Goldstein, −10..+10), {len(arm.runs)} runs", fontsize=10, x=0.09, ha="left")
    return fig


def state_figure(arm: Ensemble, baseline: Ensemble, dyad: str, markers: dict[str, str]) -> Figure:
    """Trust, sanctions, investment stock and channel openness of one dyad, both arms."""
    x = _months(arm)
    src, tgt = dyad.split("->")
    fig = Figure(figsize=(9, 4.6))
    axes = _axes(fig, 2, 2, top=0.9).ravel()
    for ax, variable in zip(axes, ("trust", "sanctions", "investment_stock", "channel_openness"), strict=True):
        q = band(arm, variable, src, tgt)
        base = band(baseline, variable, src, tgt)
        if not (np.ptp(q) or np.ptp(base) or q.any() or base.any()):
            ax.text(
                0.5,
                0.5,
                f"{src}→{tgt}: always 0 here",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color="#666666",
            )
        _bands(ax, x, q, ARM, "this setting")
        ax.plot(x, base[2], color=BASE, lw=1, ls="--", label="as shipped", drawstyle="steps-mid")
        _markers(ax, markers, numbered=False)
        ax.set_ylabel(UNITS[variable], fontsize=8)
        ax.set_title(f"{variable.replace('_', ' ')} {src}→{tgt}", fontsize=9)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=7, ncols=2, frameon=False)
    return fig


def difference_figure(arm: Ensemble, baseline: Ensemble, dyads: list[str], markers: dict[str, str]) -> Figure:
    """The paired difference of NCI, this setting − as shipped, run by run (same seed and run index)."""
    x = _months(arm)
    height = 1.6 * len(dyads) + 0.7
    fig = Figure(figsize=(9, height))
    axes = _axes(fig, len(dyads), 1, top=1 - 0.5 / height)[:, 0]
    for ax, dyad in zip(axes, dyads, strict=True):
        src, tgt = dyad.split("->")
        q = paired_band(arm, baseline, "nci", src, tgt)
        _bands(ax, x, q, "#7a3fa0", "median, 50%, 90% of per-run differences")
        ax.axhline(0, color="black", lw=0.5)
        _markers(ax, markers, numbered=False)
        ax.set_ylabel(f"Δ NCI\n{src}→{tgt}")
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", fontsize=7, frameon=False)
    fig.suptitle("Paired difference of NCI: this setting − as shipped (same seeds)", fontsize=10, x=0.09, ha="left")
    return fig
