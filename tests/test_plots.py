"""Figures: every file is written, PNGs are PNGs, output is byte-deterministic, any N >= 2 and R >= 1 work."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest
from omegaconf import OmegaConf

from sim.calendar import Calendar
from sim.config import compose_config, to_container, validate
from sim.model import DYAD_VARIABLES, RelationsModel
from sim.plots import write_figures
from sim.results import Ensemble

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MARKERS = {"Crimea": "2014-03", "Sochi": "2016-05", "Nagato": "2016-12", "US administration": "2017-01"}
MATRIX_DATES = ["2013-06", "2016-12"]
ALL_FIGURES = ("jpn_rus_focus", "nci_dyads", "sanctions_investment", "trust", "trust_matrices")


@pytest.fixture(scope="module")
def ensemble() -> Ensemble:
    OmegaConf.register_new_resolver("run_id", lambda: "test", replace=True)
    cfg = validate(to_container(compose_config()))
    return Ensemble.from_model(RelationsModel(cfg, replicates=5, rng=cfg["seed"]).run())


def synthetic(runs: int) -> Ensemble:
    """Two made-up countries over 24 months: random series in plausible ranges, no sanctions at all."""
    rng = np.random.default_rng(7)
    shape = (24, runs, 2, 2)
    off_diagonal = 1.0 - np.eye(2)
    series = {name: rng.uniform(0.0, 1.0, shape) * off_diagonal for name in DYAD_VARIABLES}
    series["nci"] = rng.uniform(-10.0, 10.0, shape) * off_diagonal
    series["sanctions"] = np.zeros(shape)
    series["investment_stock"] = np.cumsum(series["investment_flow"], axis=0)
    return Ensemble(
        calendar=Calendar.from_strings("2020-01", "2021-12"),
        countries=["AAA", "BBB"],
        runs=np.arange(runs),
        series=series,
        channels=[],
        milestones={},
        events=[],
    )


def expected(names: tuple[str, ...], out_dir: Path) -> list[Path]:
    return sorted(out_dir / f"{name}.{fmt}" for name in names for fmt in ("png", "svg"))


@pytest.fixture(scope="module")
def written(ensemble: Ensemble, tmp_path_factory) -> tuple[Path, list[Path]]:
    """Every figure of the module's ensemble, written once: (folder, returned paths)."""
    out = tmp_path_factory.mktemp("figures")
    return out, write_figures(ensemble, out, markers=MARKERS, trust_matrix_dates=MATRIX_DATES)


def test_writes_every_figure(written) -> None:
    out, paths = written
    assert paths == expected(ALL_FIGURES, out)
    assert sorted(out.iterdir()) == paths  # no temporary files left behind
    for path in paths:
        assert path.stat().st_size > 0
        if path.suffix == ".png":
            assert path.read_bytes().startswith(PNG_SIGNATURE)
        else:
            assert path.read_text().lstrip().startswith("<?xml")
    assert plt.get_fignums() == []


@pytest.mark.slow  # determinism by repetition: CI's make test-slow guards it
def test_byte_identical_when_written_twice(ensemble: Ensemble, written, tmp_path: Path) -> None:
    """The second time by two processes (this one and a worker): the same files, whoever draws which."""
    first = written[1]
    second = write_figures(ensemble, tmp_path / "b", markers=MARKERS, trust_matrix_dates=MATRIX_DATES, workers=2)
    assert [p.name for p in first] == [p.name for p in second]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_overwrites_existing_files(tmp_path: Path) -> None:
    (tmp_path / "trust.png").write_bytes(b"stale")
    paths = write_figures(synthetic(1), tmp_path, markers={}, trust_matrix_dates=[])
    assert paths == expected(("nci_dyads", "sanctions_investment", "trust"), tmp_path)
    assert (tmp_path / "trust.png").read_bytes().startswith(PNG_SIGNATURE)


@pytest.mark.parametrize("runs", [1, 3])
def test_two_other_countries(runs: int, tmp_path: Path) -> None:
    markers = {"start": "2020-06", "next": "2020-07", "outside the horizon": "2030-01"}
    paths = write_figures(synthetic(runs), tmp_path, markers=markers, trust_matrix_dates=["2021-12"])
    assert paths == expected(("nci_dyads", "sanctions_investment", "trust", "trust_matrices"), tmp_path)
    assert all(path.stat().st_size > 0 for path in paths)
    assert plt.get_fignums() == []


def test_trust_matrix_date_outside_horizon(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="outside the horizon"):
        write_figures(synthetic(2), tmp_path, markers={}, trust_matrix_dates=["2019-12"])
