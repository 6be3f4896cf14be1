"""The guards of issue 11 §4 ("figures a reader trusts"), directly and through every figure writer.

Each writer runs on small synthetic results (no model runs), with ``Figure.savefig`` wrapped so that the test
sees every figure a writer saves, as it was saved.
"""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from sim.attribution import write_attribution_figures
from sim.calendar import Calendar
from sim.compare.arms import Pair
from sim.compare.figures import write_comparison_figures
from sim.mechanisms.target import TERMS
from sim.model import DYAD_VARIABLES
from sim.plots import (
    QUANTITIES,
    FigureDefectError,
    band,
    check_colour_scale,
    check_figure,
    colour_norm,
    draw_markers,
    marker_dates,
    marker_labels,
    new_figure,
    place_marker_labels,
    require_counts,
    save_figure,
    time_axis,
    write_figures,
)
from sim.results import Ensemble
from sim.sweep.engine import Plan
from sim.sweep.figures import sobol_resolution, write_sweep_figures
from sim.sweep.spec import Outcome, Parameter, Sweep

NCI = QUANTITIES["nci"]
# Crimea and the US administration: the labels that collided; two markers one month apart collide as text
MARKERS = {"Crimea": "2020-03", "Sochi": "2021-05", "Nagato": "2021-06", "US administration": "2021-07"}


# --- the guards themselves -----------------------------------------------------------------------------


def test_colour_scale_over_noise_is_no_scale() -> None:
    """heatmap_nci_jr_2013 spanned 3.5027-3.5036: no colour scale, the figure must say there is none."""
    assert colour_norm(np.array([3.5027, 3.5031, 3.5036]), NCI) is None
    assert colour_norm(np.array([np.nan, np.nan]), NCI) is None
    norm = colour_norm(np.array([[1.0, np.nan], [2.5, 1.7]]), NCI)
    assert (norm.vmin, norm.vmax) == (1.0, 2.5)  # the real range, not a rounded or padded one
    # an unbounded quantity is judged against its own magnitude
    stock = QUANTITIES["investment_stock"]
    assert colour_norm(np.array([100.0, 100.2]), stock) is None
    assert colour_norm(np.array([1.0, 1.2]), stock) is not None


def test_a_colour_scale_narrower_than_the_tolerance_fails() -> None:
    with pytest.raises(FigureDefectError, match="no variation across points"):
        check_colour_scale(Normalize(3.5027, 3.5036), NCI)
    check_colour_scale(Normalize(3.0, 3.5), NCI)  # 0.5 Goldstein is a real difference
    with pytest.raises(FigureDefectError):
        check_colour_scale(Normalize(0.500, 0.504), QUANTITIES["trust"])


def test_a_conditional_statistic_without_its_count_fails() -> None:
    with pytest.raises(FigureDefectError, match="needs its count"):
        require_counts(None, 50)
    with pytest.raises(FigureDefectError):
        require_counts([3, 60], [50, 50])  # more runs than there were
    with pytest.raises(FigureDefectError):
        require_counts([3, np.nan], [50, 50])
    n, total = require_counts(pd.Series([3.0, 0.0]), 50)
    assert n.tolist() == [3, 0] and total.tolist() == [50, 50]


def test_a_panel_without_a_y_label_fails(tmp_path: Path) -> None:
    with new_figure() as fig:
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1])
        with pytest.raises(FigureDefectError, match="no y label"):
            save_figure(fig, tmp_path, "bad", strict=True)
    assert list(tmp_path.iterdir()) == []  # nothing written
    with new_figure(figsize=(2.0, 1.0)) as fig:
        ax = fig.subplots()
        ax.set_ylabel("a label far too long for a panel this small, running into the next one")
        with pytest.raises(FigureDefectError, match="taller than the panel"):
            check_figure(fig)


def calendar() -> Calendar:
    return Calendar.from_strings("2020-01", "2021-12")


def test_marker_labels_never_collide() -> None:
    cal = calendar()
    dates = cal.dates()
    marks = marker_dates(cal, MARKERS)
    with new_figure(figsize=(4.0, 2.0)) as fig:
        left, right = fig.subplots(1, 2)
        for ax, numbered in ((left, False), (right, True)):
            ax.plot(dates, np.linspace(0, 1, len(dates)))
            ax.set(title="a title", ylabel="y")
            time_axis(ax, dates)
            draw_markers(ax, dates, marks, numbered=numbered)
        place_marker_labels(fig)
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        for ax in (left, right):
            boxes = [label.get_window_extent(renderer) for label in marker_labels(ax)]
            assert len(boxes) == len(marks)
            area, title = ax.get_window_extent(renderer), ax.title.get_window_extent(renderer)
            for k, box in enumerate(boxes):
                assert box.y0 >= area.y1 - 0.5  # above the data
                assert not box.overlaps(title)
                assert not any(box.overlaps(other) for other in boxes[:k]), [
                    label.get_text() for label in marker_labels(ax)
                ]
        check_figure(fig)
        # the check itself catches labels put back on top of each other
        for label in marker_labels(left):
            label.xyann = (0.0, 1.5)
        with pytest.raises(FigureDefectError, match="overlap"):
            check_figure(fig)


def test_steps_are_drawn_as_steps_that_rise_on_their_month() -> None:
    cal = calendar()
    dates = cal.dates()
    values = np.zeros((len(dates), 3))
    values[2:] = 0.4  # the level imposed in March
    with new_figure() as fig:
        ax = fig.subplots()
        band(ax, dates, values, color="C0", step=True)
        (line,) = ax.get_lines()
        assert line.get_drawstyle() == "steps-post"
        # the drawn path is flat through February and rises on 1 March, not before
        path = line._get_transformed_path().get_fully_transformed_path().vertices  # display coordinates
        x_march = ax.transData.transform((plt.matplotlib.dates.date2num(dates[2]), 0.0))[0]
        rising = path[np.flatnonzero(np.diff(path[:, 1]) != 0)]
        assert rising.size and np.allclose(rising[0, 0], x_march)


# --- through the writers ---------------------------------------------------------------------------------


@pytest.fixture
def saved(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, Figure]]:
    """Every figure saved while the test runs, with its file name (one entry per figure, PNG only)."""
    figures: list[tuple[str, Figure]] = []
    original = Figure.savefig

    def record(fig: Figure, fname, *args, **kwargs):
        if kwargs.get("format") == "png":
            figures.append((Path(str(fname)).name.lstrip(".").removesuffix(".tmp"), fig))
            check_every_panel(figures[-1][0], fig)
        return original(fig, fname, *args, **kwargs)

    monkeypatch.setattr(Figure, "savefig", record)
    return figures


def check_every_panel(name: str, fig: Figure) -> None:
    """Every drawn panel has a y label, and no marker labels overlap (independently of ``check_figure``)."""
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        if not (ax.get_visible() and ax.axison):
            continue
        assert ax.get_ylabel().strip(), f"{name}: a panel without a y label ({ax.get_title(loc='left')!r})"
        boxes = [label.get_window_extent(renderer) for label in marker_labels(ax)]
        for k, box in enumerate(boxes):
            assert not any(box.overlaps(other) for other in boxes[:k]), f"{name}: marker labels overlap"


def ensemble(runs: int = 3, *, seed: int = 7, sanctions: bool = True, n: int = 4) -> Ensemble:
    """``n`` (at least 2) made-up countries over 24 months; AAA sanctions BBB from March 2020 in every run."""
    rng = np.random.default_rng(seed)
    shape = (24, runs, n, n)
    off = 1.0 - np.eye(n)
    series = {name: rng.uniform(0.0, 1.0, shape) * off for name in DYAD_VARIABLES}
    series["nci"] = rng.uniform(-5.0, 5.0, shape) * off
    series["sanctions"] = np.zeros(shape)
    if sanctions:
        series["sanctions"][2:, :, 0, 1] = 0.4
    open_ = rng.uniform(0.2, 0.9, shape[:2])
    series["channel_openness"] = np.ones(shape)
    series["channel_openness"][:, :, 0, 1] = series["channel_openness"][:, :, 1, 0] = open_
    series["investment_stock"] = np.cumsum(series["investment_flow"], axis=0)
    for term in TERMS:
        series[f"target_{term}"] = rng.normal(0.0, 1.0, shape) * off
    series["cooperation_target"] = sum(series[f"target_{term}"] for term in TERMS)
    series["intended_cooperation"] = series["cooperation_target"] * 0.5
    return Ensemble(
        calendar=calendar(),
        countries=["AAA", "BBB", "CCC", "DDD", "EEE"][:n],
        runs=np.arange(runs),
        series=series,
        channels=[("AAA_BBB", "AAA", "BBB")],
        milestones={"two_plus_two": rng.choice([-1, 5, 10], size=(runs, 1)), "treaty": np.full((runs, 1), -1)},
        events=[],
    )


def test_run_figures_pass_the_guards(saved: list[tuple[str, Figure]], tmp_path: Path) -> None:
    ens = ensemble(n=3)  # three countries: every kind of panel, half the attribution figures of four
    write_figures(ens, tmp_path / "figures", markers=MARKERS, trust_matrix_dates=["2021-12"])
    write_attribution_figures(ens, tmp_path / "attribution", markers=MARKERS)
    names = [name for name, _ in saved]
    assert {
        "nci_dyads.png",
        "trust.png",
        "sanctions_investment.png",
        "trust_matrices.png",
        "attribution_AAA_BBB.png",
    } <= set(names)
    figure = dict(saved)
    # sanctions drawn as steps; units on the y axes
    top, bottom = figure["sanctions_investment.png"].axes[:2]
    assert {line.get_drawstyle() for line in top.get_lines() if line.get_label() == "AAA → BBB"} == {"steps-post"}
    assert "[0, 1]" in top.get_ylabel() and "$12bn" in bottom.get_ylabel()
    assert figure["nci_dyads.png"].axes[1].get_ylabel() == "NCI (Goldstein scale)"
    # the attribution title says what the number is
    assert figure["attribution_AAA_BBB.png"].get_suptitle().startswith("AAA → BBB cooperation target, by term")


def sweep_plan(outcomes: tuple[Outcome, ...], design: str = "grid", replicates: int = 4) -> Plan:
    rows, cols = (0.0, 0.5, 1.0), (0.3, 0.9)
    parameters = (
        Parameter("scenario.sanctions.USA.RUS.scale", rows),
        Parameter("scenario.alliances.JPN.commitment", cols),
    )
    grid = pd.DataFrame(
        [(k, r, c) for k, (r, c) in enumerate((r, c) for r in rows for c in cols)],
        columns=["point", *(p.path for p in parameters)],
    )
    sweep = Sweep(
        name="t",
        description="",
        design=design,
        points=len(grid),
        replicates=replicates,
        chunk_size=64,
        parameters=parameters,
        outcomes=outcomes,
    )
    return Plan(cfg={}, sweep=sweep, design=grid, calendar=calendar())


def sweep_runs(plan: Plan, values: dict[str, np.ndarray]) -> pd.DataFrame:
    n = len(plan.design) * plan.sweep.replicates
    runs = pd.DataFrame(
        {
            "run": np.arange(n),
            "point": np.arange(n) // plan.sweep.replicates,
            "replicate": np.arange(n) % plan.sweep.replicates,
            "seed": 1,
            "stream": 0,
        }
    )
    return runs.assign(**values)


def test_sweep_figures_say_no_variation_and_carry_counts(saved: list[tuple[str, Figure]], tmp_path: Path) -> None:
    outcomes = (
        Outcome("nci_2013", "mean", variable="nci", source="JPN", target="RUS"),
        Outcome("nci_thaw", "mean", variable="nci", source="JPN", target="RUS"),
        Outcome("two_plus_two_month", "month", milestone="two_plus_two", channel="JPN_RUS"),
    )
    plan = sweep_plan(outcomes)
    n = len(plan.design) * plan.sweep.replicates
    rng = np.random.default_rng(1)
    month = 2016.0 + rng.uniform(0, 1, n)
    month[rng.uniform(0, 1, n) < 0.7] = np.nan  # happened in about 30% of the runs
    month[: plan.sweep.replicates] = np.nan  # never at the first point
    runs = sweep_runs(
        plan,
        {"nci_2013": 3.5027 + rng.uniform(0, 0.0009, n), "nci_thaw": rng.uniform(0, 4, n), "two_plus_two_month": month},
    )
    write_sweep_figures(plan, runs, None, None, tmp_path)
    figure = dict(saved)
    flat = figure["heatmap_nci_2013.png"]
    assert "no variation across points" in " ".join(flat.get_suptitle().split())
    assert all(np.ma.count(image.get_array()) == 0 for ax in flat.axes for image in ax.images)  # no colour
    assert len(flat.axes) == 1  # no colour bar
    assert "no variation across points" in " ".join(figure["response_nci_2013.png"].get_suptitle().split())
    assert "no variation" not in figure["response_nci_thaw.png"].get_suptitle()
    varied = figure["heatmap_nci_thaw.png"]
    assert "no variation" not in varied.get_suptitle() and len(varied.axes) == 2  # a colour bar
    # a conditional mean carries its count in every cell, the count being the runs where it happened
    month_map = figure["heatmap_two_plus_two_month.png"]
    # 4 runs per cell: too few to colour, and the figure says that rather than "no variation"
    title = " ".join(month_map.get_suptitle().split())
    assert "none is coloured" in title and "no variation" not in title
    cells = [t.get_text() for t in month_map.axes[0].texts]
    assert len(cells) == len(plan.design)
    counts = [re.search(r"(\d+)/(\d+)$", cell) for cell in cells]
    assert all(counts), cells
    happened = runs.groupby("point")["two_plus_two_month"].count().to_numpy()
    # cells are drawn row by row of the first parameter, as the design enumerates its points
    assert [int(c.group(1)) for c in counts] == happened.tolist()
    assert {int(c.group(2)) for c in counts} == {plan.sweep.replicates}
    response = figure["response_two_plus_two_month.png"]
    assert "share of runs where it happened" in {ax.get_ylabel() for ax in response.axes}


def test_sobol_indices_from_noise_are_not_drawn(saved: list[tuple[str, Figure]], tmp_path: Path) -> None:
    by = Outcome("treaty_by", "by", milestone="treaty", channel="JPN_RUS", last="2017-12")
    mean = Outcome("nci", "mean", variable="nci", source="JPN", target="RUS")
    noisy = pd.DataFrame(
        {
            "outcome": "nci",
            "parameter": ["a", "b"],
            "S1": [0.01, -0.02],
            "S1_conf": [0.4, 0.5],
            "ST": [0.3, 0.5],
            "ST_conf": [0.6, 0.7],
        }
    )
    clear = noisy.assign(S1=[0.6, 0.1], S1_conf=[0.05, 0.04], ST=[0.7, 0.15], ST_conf=[0.06, 0.05])
    assert "as wide as the indices" in sobol_resolution(noisy, mean, 8)
    assert sobol_resolution(clear, mean, 8) is None
    assert "one run's chance" in sobol_resolution(clear.assign(outcome="treaty_by"), by, 1)
    plan = sweep_plan((mean, by), design="sobol", replicates=1)
    indices = pd.concat([clear, clear.assign(outcome="treaty_by")], ignore_index=True)
    write_sweep_figures(
        plan, sweep_runs(plan, {"nci": np.linspace(0, 1, 6), "treaty_by": [0, 1, 0, 0, 1, 0]}), None, indices, tmp_path
    )
    sobol = dict(saved)["sobol_indices.png"]
    drawn = [ax for ax in sobol.axes if ax.axison]
    assert [ax.get_title() for ax in drawn] == ["nci"]  # the 0/1 outcome from one run per point is refused
    assert any("indices not shown" in t.get_text() for ax in sobol.axes for t in ax.texts)


def test_comparison_figures_drop_flat_and_duplicate_rows(saved: list[tuple[str, Figure]], tmp_path: Path) -> None:
    pair = Pair(baseline=ensemble(seed=1, sanctions=False), scenario=ensemble(seed=2, sanctions=False))
    write_comparison_figures(
        pair,
        tmp_path,
        title="t",
        arm_names={"baseline": "base", "scenario": "what if"},
        variables=["nci", "sanctions", "channel_openness"],
        dyads=["AAA->BBB", "BBB->AAA", "CCC->DDD"],
        markers=MARKERS,
    )
    figure = dict(saved)
    assert len([ax for ax in figure["compare_nci.png"].axes if ax.axison]) == 6  # 3 dyads x (arms, difference)
    sanctions = figure["compare_sanctions.png"]
    assert not any(ax.axison for ax in sanctions.axes)  # nothing to draw ...
    assert "no sanctions in either arm" in sanctions.axes[0].texts[0].get_text()  # ... and it says so
    openness = figure["compare_channel_openness.png"]
    titles = [ax.get_title(loc="left") for ax in openness.axes if ax.axison]
    assert titles == ["AAA–BBB: channel openness", "AAA–BBB: paired difference"]  # one row per pair
    assert "CCC–DDD: channel openness 1.0 throughout in both arms" in openness.get_suptitle()
    assert "milestones.png" in figure
