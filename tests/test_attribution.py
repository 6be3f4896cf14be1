"""Mechanism attribution (issue 4 §4): recorded target terms, their change table and the figures."""

from __future__ import annotations

import numpy as np
import pytest

from sim.attribution import carriers, change, write_attribution_figures
from sim.mechanisms.target import TERMS
from sim.model import ATTRIBUTION_VARIABLES, RelationsModel
from sim.results import Ensemble


@pytest.fixture(scope="module")
def ensemble(base_cfg) -> Ensemble:
    return Ensemble.from_model(RelationsModel(base_cfg, replicates=12, rng=base_cfg["seed"]).run())


def test_every_term_is_recorded_and_they_add_up_to_the_target(ensemble):
    assert tuple(f"target_{t}" for t in TERMS) == ATTRIBUTION_VARIABLES
    total = sum(ensemble.series[name] for name in ATTRIBUTION_VARIABLES)
    np.testing.assert_allclose(total, ensemble.series["cooperation_target"], rtol=0, atol=1e-12)


def test_terms_are_zero_on_the_diagonal(ensemble):
    n = len(ensemble.countries)
    for name in ATTRIBUTION_VARIABLES:
        assert np.all(ensemble.series[name][:, :, np.arange(n), np.arange(n)] == 0.0), name


def test_sanctions_resentment_appears_only_once_sanctioned(ensemble):
    """Russia's resentment toward the US is zero before 2014-03 and negative once US sanctions bite."""
    r, u = ensemble.countries.index("RUS"), ensemble.countries.index("USA")
    term = ensemble.series["target_sanctions_resentment"][:, :, r, u]
    assert np.all(term[: ensemble.calendar.index("2014-02")] == 0.0)
    assert np.all(term[ensemble.calendar.index("2015-01")] < 0.0)


def test_change_table_adds_up_to_the_change_of_the_target(ensemble):
    j, r = ensemble.countries.index("JPN"), ensemble.countries.index("RUS")
    before, after = ("2014-04", "2016-03"), ("2016-07", "2017-12")
    table = change(ensemble, j, r, before, after)
    target = (ensemble.window_mean("cooperation_target", *after) - ensemble.window_mean("cooperation_target", *before))
    assert table.loc["total", "mean"] == pytest.approx(target[:, j, r].mean(), abs=1e-12)
    assert table.drop(index="total")["mean"].sum() == pytest.approx(table.loc["total", "mean"], abs=1e-12)
    assert table.drop(index="total")["share"].sum() == pytest.approx(1.0)
    assert set(table.index) == {*TERMS, "total"}
    same_sign = table.drop(index="total")
    same_sign = same_sign[same_sign["mean"] * table.loc["total", "mean"] > 0]
    assert carriers(table, 1) == f"{same_sign.index[0]} {same_sign['mean'].iloc[0]:+.2f}"


def test_one_figure_per_directed_dyad(ensemble, tmp_path):
    paths = write_attribution_figures(ensemble, tmp_path, markers={"Crimea": "2014-03"})
    names = {p.name for p in paths}
    n = len(ensemble.countries)
    assert len(names) == 2 * n * (n - 1)
    assert "attribution_JPN_RUS.png" in names and "attribution_JPN_RUS.svg" in names
