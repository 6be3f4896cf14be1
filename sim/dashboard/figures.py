"""The dashboard's figures (matplotlib ``Figure`` objects, no pyplot: the page renders them per session).

Each figure is a view: building it makes the figure, its panels and everything that does not depend on the
runs (axes, x axis, key-event numbers, legend, titles); ``update`` sets everything that does (bands, medians,
y limits and labels); ``render`` gives the PNG. The page keeps a view per figure and only updates it on a
slider move (``sim.dashboard.render``), because matplotlib spends most of a draw on axes and ticks:

- building a figure (every axis and tick made anew) costs more than drawing it, so a view is built once;
- ``render`` draws the unchanging part once, keeps its pixels, and per update only restores them and draws the
  artists that change (matplotlib's blitting: the changing artists are ``animated``), in the order a full draw
  would. The x axis, legend and titles are not drawn again.

A rendered update shows the same pixels as a full draw of the same figure, and a reused view the same as a
fresh one (``tests/test_dashboard_logic.py``). ``nci_figure`` & co. are a fresh view, updated once.
"""

from __future__ import annotations

import io
from operator import attrgetter

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cbook import pts_to_midstep
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from matplotlib.ticker import FuncFormatter, MaxNLocator
from PIL import Image

from sim.dashboard.ensemble import band, paired_band
from sim.results import Ensemble

ARM, BASE, DIFF = "#1f5fa8", "#6b6b6b", "#7a3fa0"
MARKER = "#b03030"
DPI = 100  # the page shows the PNG at its pixel size: 900 px wide
# zlib level 1 instead of Pillow's 6: the PNG goes to a browser on localhost, where a larger file (+35%) costs
# nothing, and level 6 took 1.7 times as long (34 against 20 ms for a 900x460 figure). The pixels are the same.
PNG_LEVEL = 1
UNITS = {
    "nci": "NCI (Goldstein, −10..+10)",
    "trust": "trust (probability)",
    "sanctions": "sanction level (0..1)",
    "investment_stock": "investment stock (model units)",
    "channel_openness": "channel openness (0..1)",
}
STATE_VARIABLES = ("trust", "sanctions", "investment_stock", "channel_openness")


def months(ens: Ensemble) -> np.ndarray:
    """Months as fractional years (2014.25 = April 2014): plain numbers draw much faster than dates, and the
    page redraws on every slider move."""
    return np.array([_year(label) for label in ens.calendar.labels()])


def _year(month: str) -> float:
    return int(month[:4]) + (int(month[5:7]) - 1) / 12


def _ordered(markers: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(markers.items(), key=lambda kv: kv[1])


def marker_legend(markers: dict[str, str]) -> str:
    return "  ".join(f"{k} {name} ({month[:7]})" for k, (name, month) in enumerate(_ordered(markers), start=1))


class Bands:
    """A median (steps) with its 50% and 90% bands over runs (steps): two polygons and a line."""

    def __init__(self, ax, x: np.ndarray, colour: str, label: str):
        self.x = x
        self.outer = ax.add_collection(PolyCollection([], facecolors=colour, alpha=0.15, lw=0), autolim=False)
        self.inner = ax.add_collection(PolyCollection([], facecolors=colour, alpha=0.3, lw=0), autolim=False)
        (self.median,) = ax.plot(x, np.zeros_like(x), color=colour, lw=1.4, label=label, drawstyle="steps-mid")

    def set(self, q: np.ndarray) -> np.ndarray:
        """Quantiles ``q`` (5, T); returns the polygons' corners (for the y limits)."""
        xs, lo90, lo50, hi50, hi90 = pts_to_midstep(self.x, q[0], q[1], q[3], q[4])
        outer = np.column_stack([np.r_[xs, xs[::-1]], np.r_[lo90, hi90[::-1]]])
        inner = np.column_stack([np.r_[xs, xs[::-1]], np.r_[lo50, hi50[::-1]]])
        self.outer.set_verts([outer])
        self.inner.set_verts([inner])
        self.median.set_ydata(q[2])
        return outer


class View:
    """A figure of one or more panels over the months ``x``, with the key events of ``markers``."""

    def __init__(self, x: np.ndarray, markers: dict[str, str], width: float, height: float):
        self.x = x
        self.fig = Figure(figsize=(width, height), dpi=DPI)
        FigureCanvasAgg(self.fig)  # its own canvas: savefig reuses the renderer and its cache of text sizes
        self.events = np.array([_year(month) for _, month in _ordered(markers)])
        self.dynamic: list = []  # the artists ``render`` draws on every update, in drawing order
        self.background = None  # (the static texts it was drawn with, its pixels)

    def _freeze(self) -> None:
        """Mark what an update changes as animated: in each panel everything but its background, x axis,
        title and annotations (the key-event numbers), sorted by zorder as ``Axes.draw`` sorts them."""
        for ax in self.fig.axes:
            static = {ax.patch, ax.xaxis, ax.title}
            changing = [a for a in ax.get_children() if a not in static and not isinstance(a, Annotation)]
            for artist in changing:
                artist.set_animated(True)
            self.dynamic += sorted(changing, key=attrgetter("zorder"))

    def render(self) -> bytes:
        """The figure as PNG: the static part drawn once (again when a title changes), the rest per update."""
        canvas = self.fig.canvas
        suptitle = self.fig.get_suptitle()
        texts = (suptitle, *(ax.get_title() for ax in self.fig.axes))
        if self.background is None or self.background[0] != texts:
            canvas.draw()
            self.background = (texts, canvas.copy_from_bbox(self.fig.bbox))
        else:
            canvas.restore_region(self.background[1])
        renderer = canvas.get_renderer()
        for artist in self.dynamic:
            artist.draw(renderer)
        buffer = io.BytesIO()
        Image.fromarray(np.asarray(canvas.buffer_rgba())).save(buffer, format="png", compress_level=PNG_LEVEL)
        return buffer.getvalue()

    def _axes(self, rows: int, cols: int, top: float) -> np.ndarray:
        """A grid of panels sharing x, with fixed margins (no constrained layout: it draws the figure twice)."""
        axes = self.fig.subplots(rows, cols, sharex=True, squeeze=False)
        self.fig.subplots_adjust(
            left=0.09, right=0.98, bottom=0.08 if rows > 1 else 0.15, top=top, hspace=0.35, wspace=0.3
        )
        for ax in axes[-1]:  # whole years, every one or every 2, 5, 10 as the panel's width allows
            ax.xaxis.set_major_locator(MaxNLocator(nbins="auto", integer=True, steps=[1, 2, 5, 10]))
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{round(v)}"))
        span = np.r_[self.x, self.events]
        pad = 0.05 * (span.max() - span.min())  # matplotlib's default margin, fixed: x never changes
        axes[0, 0].set_xlim(span.min() - pad, span.max() + pad)
        return axes

    def _markers(self, ax, numbered: bool) -> None:
        """Key events as one set of dotted vertical lines; numbers (explained under the figure) on the top
        panel only, alternating in height so that close events do not collide."""
        if not len(self.events):
            return
        ax.vlines(self.events, 0, 1, transform=ax.get_xaxis_transform(), colors=MARKER, lw=0.7, ls=":", zorder=1)
        if numbered:
            for k, x in enumerate(self.events, start=1):
                ax.annotate(
                    str(k),
                    (x, 1.0),
                    xycoords=("data", "axes fraction"),
                    xytext=(0, 2 + 7 * (k % 2)),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7,
                    color=MARKER,
                )

    @staticmethod
    def _ylim(ax, *ys: np.ndarray) -> None:
        """Autoscale y to the panel's lines and to the corners ``ys`` of its polygons (which ``relim`` skips)."""
        ax.relim()
        for corners in ys:
            ax.update_datalim(corners, updatex=False)
        ax.autoscale_view(scalex=False)

    def legend(self, ax, ncols: int) -> None:
        handles, labels = ax.get_legend_handles_labels()  # above the panels: never over the bands
        self.fig.legend(handles, labels, loc="upper right", fontsize=7, ncols=ncols, frameon=False)


class NciView(View):
    """NCI of each chosen dyad: the edited arm (median, 50% and 90% bands) over the baseline's median."""

    def __init__(self, x: np.ndarray, markers: dict[str, str], n_dyads: int):
        height = 1.9 * n_dyads + 0.8
        super().__init__(x, markers, 9, height)
        self.axes = self._axes(n_dyads, 1, top=1 - 0.6 / height)[:, 0]
        self.bands, self.baselines = [], []
        for k, ax in enumerate(self.axes):
            self.bands.append(Bands(ax, x, ARM, "this setting (median, 50%, 90%)"))
            (line,) = ax.plot(
                x,
                np.zeros_like(x),
                color=BASE,
                lw=1,
                ls="--",
                label="scenario as shipped (median)",
                drawstyle="steps-mid",
            )
            self.baselines.append(line)
            self._markers(ax, numbered=k == 0)
            ax.axhline(0, color="black", lw=0.4)
        self.legend(self.axes[0], ncols=2)
        self.title = self.fig.suptitle("", fontsize=10, x=0.09, ha="left")
        self._freeze()

    def update(self, arm: Ensemble, baseline: Ensemble, dyads: list[str]) -> Figure:
        for ax, bands, line, dyad in zip(self.axes, self.bands, self.baselines, dyads, strict=True):
            src, tgt = dyad.split("->")
            corners = bands.set(band(arm, "nci", src, tgt))
            line.set_ydata(band(baseline, "nci", src, tgt)[2])
            ax.set_ylabel(f"{src}→{tgt}\nNCI")
            self._ylim(ax, corners)
        self.title.set_text(f"Net cooperation index (Goldstein, −10..+10), {len(arm.runs)} runs")
        return self.fig


class StateView(View):
    """Trust, sanctions, investment stock and channel openness of one dyad, both arms."""

    def __init__(self, x: np.ndarray, markers: dict[str, str]):
        super().__init__(x, markers, 9, 4.6)
        self.axes = self._axes(2, 2, top=0.9).ravel()
        self.bands, self.baselines, self.empty = [], [], []
        for ax, variable in zip(self.axes, STATE_VARIABLES, strict=True):
            self.empty.append(ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", color="#666666"))
            self.bands.append(Bands(ax, x, ARM, "this setting"))
            (line,) = ax.plot(x, np.zeros_like(x), color=BASE, lw=1, ls="--", label="as shipped", drawstyle="steps-mid")
            self.baselines.append(line)
            self._markers(ax, numbered=False)
            ax.set_ylabel(UNITS[variable], fontsize=8)
        self.legend(self.axes[0], ncols=2)
        self._freeze()

    def update(self, arm: Ensemble, baseline: Ensemble, dyad: str) -> Figure:
        src, tgt = dyad.split("->")
        for ax, bands, line, empty, variable in zip(
            self.axes, self.bands, self.baselines, self.empty, STATE_VARIABLES, strict=True
        ):
            q = band(arm, variable, src, tgt)
            base = band(baseline, variable, src, tgt)
            empty.set_text(f"{src}→{tgt}: always 0 here")
            empty.set_visible(not (np.ptp(q) or np.ptp(base) or q.any() or base.any()))
            corners = bands.set(q)
            line.set_ydata(base[2])
            ax.set_title(f"{variable.replace('_', ' ')} {src}→{tgt}", fontsize=9)
            self._ylim(ax, corners)
        return self.fig


class DifferenceView(View):
    """The paired difference of NCI, this setting − as shipped, run by run (same seed and run index)."""

    def __init__(self, x: np.ndarray, markers: dict[str, str], n_dyads: int):
        height = 1.6 * n_dyads + 0.7
        super().__init__(x, markers, 9, height)
        self.axes = self._axes(n_dyads, 1, top=1 - 0.5 / height)[:, 0]
        self.bands = []
        for ax in self.axes:
            self.bands.append(Bands(ax, x, DIFF, "median, 50%, 90% of per-run differences"))
            ax.axhline(0, color="black", lw=0.5)
            self._markers(ax, numbered=False)
        self.legend(self.axes[0], ncols=1)
        self.fig.suptitle(
            "Paired difference of NCI: this setting − as shipped (same seeds)", fontsize=10, x=0.09, ha="left"
        )
        self._freeze()

    def update(self, arm: Ensemble, baseline: Ensemble, dyads: list[str]) -> Figure:
        for ax, bands, dyad in zip(self.axes, self.bands, dyads, strict=True):
            src, tgt = dyad.split("->")
            corners = bands.set(paired_band(arm, baseline, "nci", src, tgt))
            ax.set_ylabel(f"Δ NCI\n{src}→{tgt}")
            self._ylim(ax, corners)
        return self.fig


def nci_figure(arm: Ensemble, baseline: Ensemble, dyads: list[str], markers: dict[str, str]) -> Figure:
    """A fresh ``NciView``, updated once."""
    return NciView(months(arm), markers, len(dyads)).update(arm, baseline, dyads)


def state_figure(arm: Ensemble, baseline: Ensemble, dyad: str, markers: dict[str, str]) -> Figure:
    """A fresh ``StateView``, updated once."""
    return StateView(months(arm), markers).update(arm, baseline, dyad)


def difference_figure(arm: Ensemble, baseline: Ensemble, dyads: list[str], markers: dict[str, str]) -> Figure:
    """A fresh ``DifferenceView``, updated once."""
    return DifferenceView(months(arm), markers, len(dyads)).update(arm, baseline, dyads)
