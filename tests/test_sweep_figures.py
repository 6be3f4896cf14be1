"""Sweep figures: the expected files for grid, sampled and Sobol designs, PNGs are PNGs, output is byte-deterministic,
undefined outcomes are tolerated."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.config import compose_config, to_container, validate
from sim.sweep import engine
from sim.sweep.engine import Plan
from sim.sweep.figures import MAX_SERIES_POINTS, _wilson, parameter_labels, write_sweep_figures
from sim.sweep.sensitivity import point_means, sobol_indices

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@dataclass(frozen=True)
class Swept:
    plan: Plan
    outcomes: pd.DataFrame
    series: pd.DataFrame | None
    indices: pd.DataFrame | None

    def first_outcome_only(self) -> Swept:
        """The same sweep declaring only its first outcome: fewer figures, for the cheaper checks."""
        return replace(
            self, plan=replace(self.plan, sweep=replace(self.plan.sweep, outcomes=self.plan.sweep.outcomes[:1]))
        )

    def write(self, out_dir: Path, workers: int = 1, **changes: Any) -> list[Path]:
        args = {"outcomes": self.outcomes, "series": self.series, "indices": self.indices, **changes}
        return write_sweep_figures(
            self.plan, args["outcomes"], args["series"], args["indices"], out_dir, workers=workers
        )


def one_outcome_per_stat(cfg: dict) -> None:
    """Keep the first declared outcome of each stat: every kind of figure, at a fraction of the cost."""
    kept: dict[str, Any] = {}
    for name, spec in cfg["sweep"]["outcomes"].items():
        if spec["stat"] not in {s["stat"] for s in kept.values()}:
            kept[name] = spec
    cfg["sweep"]["outcomes"] = kept


def run(folder: Path, overrides: list[str], edit: Callable[[dict], None] | None = None) -> Swept:
    """Run a small sweep through the engine, as ``experiments/sweep.py`` would, and collect its tables."""
    cfg = validate(to_container(compose_config([*overrides, "report.figures=false"])))
    one_outcome_per_stat(cfg)
    if edit is not None:
        edit(cfg)
    plan = engine.make_plan(cfg)
    engine.execute(plan, folder, workers=1, progress=False)
    outcomes = pd.concat([pd.read_parquet(p) for p in sorted(folder.glob("outcomes-*.parquet"))], ignore_index=True)
    series = engine.series_bands(plan, folder) if plan.sweep.series_variables else None
    indices = None
    if plan.sweep.design == "sobol":
        merged = engine.merge_outcomes(plan, folder, folder / "outcomes.parquet")
        names = [o.name for o in plan.sweep.outcomes]
        indices = sobol_indices(plan.sweep, point_means(merged, names, len(plan.design)), cfg["seed"])
    return Swept(plan, outcomes, series, indices)


@pytest.fixture(scope="module")
def grid(tmp_path_factory: pytest.TempPathFactory) -> Swept:
    """Two grid parameters (30 points: just small enough for series figures), two replicates."""
    return run(tmp_path_factory.mktemp("grid"), ["sweep=sanctions_vs_alliance", "sweep.replicates=2"])


@pytest.fixture(scope="module")
def sobol(tmp_path_factory: pytest.TempPathFactory) -> Swept:
    def fewer_parameters(cfg: dict) -> None:
        cfg["sweep"]["parameters"] = dict(list(cfg["sweep"]["parameters"].items())[:4])

    return run(
        tmp_path_factory.mktemp("sobol"),
        ["sweep=sobol_behaviour", "sweep.points=8", "sweep.replicates=1"],
        fewer_parameters,
    )


@pytest.fixture(scope="module")
def lhs(tmp_path_factory: pytest.TempPathFactory) -> Swept:
    """The grid's parameters as ranges, sampled by a Latin hypercube; its milestone month is often undefined."""

    def ranges(cfg: dict) -> None:
        cfg["sweep"].update(design="lhs", points=MAX_SERIES_POINTS + 6, replicates=2)
        cfg["sweep"]["parameters"] = {
            path: {"low": min(spec["values"]), "high": max(spec["values"])}
            for path, spec in cfg["sweep"]["parameters"].items()
        }

    return run(tmp_path_factory.mktemp("lhs"), ["sweep=sanctions_vs_alliance"], ranges)


def names(swept: Swept, *kinds: str) -> list[str]:
    return [f"{kind}_{o.name}" for kind in kinds for o in swept.plan.sweep.outcomes]


def series_names(swept: Swept) -> list[str]:
    sweep = swept.plan.sweep
    return [f"series_{v}_{s}_{t}" for v in sweep.series_variables for s, t in sweep.series_dyads]


def expected(stems: list[str], out_dir: Path) -> list[Path]:
    return sorted(out_dir / f"{stem}.{fmt}" for stem in stems for fmt in ("png", "svg"))


def check_files(paths: list[Path], out_dir: Path) -> None:
    assert sorted(out_dir.iterdir()) == paths  # nothing else, no temporary files left behind
    for path in paths:
        if path.suffix == ".png":
            assert path.read_bytes().startswith(PNG_SIGNATURE), path.name
        else:
            assert path.read_text(encoding="utf-8").lstrip().startswith("<?xml"), path.name
    assert plt.get_fignums() == []


def identical(first: list[Path], second: list[Path]) -> None:
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_grid_figures_are_written_as_expected(grid: Swept, tmp_path: Path) -> None:
    out = tmp_path / "figures"  # created by the call
    paths = grid.write(out)
    assert len(grid.plan.sweep.parameters) == 2 and len(grid.plan.design) <= MAX_SERIES_POINTS
    assert {o.stat for o in grid.plan.sweep.outcomes} == {"mean", "final", "month", "by"}
    assert grid.outcomes[[o.name for o in grid.plan.sweep.outcomes if o.stat == "month"]].isna().any().any()
    assert series_names(grid)
    assert paths == expected(names(grid, "response", "heatmap") + series_names(grid), out)
    check_files(paths, out)


@pytest.mark.slow  # determinism by repetition: CI's make test-slow guards it (every figure drawn a second time)
def test_sweep_figures_written_twice_are_byte_identical(grid: Swept, sobol: Swept, lhs: Swept, tmp_path: Path) -> None:
    """The second time by two processes (this one and a worker): the same files, whoever draws which figure."""
    month = next(o.name for o in lhs.plan.sweep.outcomes if o.stat == "month")
    assert lhs.outcomes[month].isna().any()  # undefined outcomes are drawn the same way too
    for name, swept in (("grid", grid), ("sobol", sobol), ("lhs", lhs)):
        identical(swept.write(tmp_path / name), swept.write(tmp_path / f"{name}-again", workers=2))


def test_rewriting_replaces_files(grid: Swept, tmp_path: Path) -> None:
    small = grid.first_outcome_only()
    stale = tmp_path / f"heatmap_{small.plan.sweep.outcomes[0].name}.png"
    stale.write_bytes(b"stale")
    paths = small.write(tmp_path, series=None)
    assert paths == expected(names(small, "response", "heatmap"), tmp_path)
    assert stale.read_bytes().startswith(PNG_SIGNATURE)


def test_sobol_figures(sobol: Swept, tmp_path: Path) -> None:
    assert sobol.indices is not None and not sobol.indices.empty
    paths = sobol.write(tmp_path)
    assert paths == expected([*names(sobol, "response"), "sobol_indices"], tmp_path)
    check_files(paths, tmp_path)


def test_sobol_figure_needs_indices(sobol: Swept, tmp_path: Path) -> None:
    small = sobol.first_outcome_only()
    for indices in (None, sobol.indices.iloc[:0]):
        out = tmp_path / ("none" if indices is None else "empty")
        assert small.write(out, indices=indices) == expected(names(small, "response"), out)


def test_sampled_design_with_undefined_outcomes(lhs: Swept, tmp_path: Path) -> None:
    sweep = lhs.plan.sweep
    month = next(o.name for o in sweep.outcomes if o.stat == "month")
    assert lhs.outcomes[month].isna().any()
    never = next(o.name for o in sweep.outcomes if o.stat == "mean")
    outcomes = lhs.outcomes.assign(**{never: math.nan})  # an outcome without any value is left out
    paths = lhs.write(tmp_path, outcomes=outcomes)
    # no heatmaps for sampled designs, no series figures for more than MAX_SERIES_POINTS points
    assert paths == expected([n for n in names(lhs, "response") if n != f"response_{never}"], tmp_path)
    check_files(paths, tmp_path)


def test_parameter_labels_are_short_readable_and_unique() -> None:
    labels = parameter_labels(
        [
            "params.reciprocity",
            "scenario.sanctions.AAA.BBB.scale",
            "scenario.alliances.AAA.weight",
            "scenario.exposure.AAA",
            "a.x.rate",
            "b.x.rate",
            "scenario.list.0.rate",
            "solo",
        ]
    )
    assert labels == {
        "params.reciprocity": "params.reciprocity",
        "scenario.sanctions.AAA.BBB.scale": "sanctions.AAA.BBB.scale",
        "scenario.alliances.AAA.weight": "alliances.AAA.weight",
        "scenario.exposure.AAA": "exposure.AAA",
        "a.x.rate": "a.x.rate",
        "b.x.rate": "b.x.rate",
        "scenario.list.0.rate": "list.0.rate",
        "solo": "solo",
    }


def test_wilson_interval() -> None:
    low, high = _wilson(np.array([0.0, 5.0, 10.0, 0.0]), np.array([10.0, 10.0, 10.0, 0.0]))
    assert low[0] == pytest.approx(0.0, abs=1e-12) and high[0] == pytest.approx(0.2775, abs=1e-4)
    assert low[1] == pytest.approx(1.0 - high[1]) and low[1] < 0.5 < high[1]
    assert high[2] == pytest.approx(1.0) and low[2] == pytest.approx(1.0 - 0.2775, abs=1e-4)
    assert np.isnan(low[3]) and np.isnan(high[3])
