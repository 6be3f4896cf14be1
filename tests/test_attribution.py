"""Mechanism attribution (issue 4 §4): recorded target terms, their change table and the figures."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim import attribution, term_changes
from sim.attribution import carriers, change, write_attribution_figures
from sim.mechanisms.target import TERM_LABELS, TERMS, target_terms
from sim.model import ATTRIBUTION_VARIABLES, RelationsModel
from sim.results import Ensemble


@pytest.fixture(scope="module")
def ensemble(base_cfg) -> Ensemble:
    return Ensemble.from_model(RelationsModel(base_cfg, replicates=12, rng=base_cfg["seed"]).run())


def test_every_term_is_recorded(ensemble):
    assert tuple(f"target_{t}" for t in TERMS) == ATTRIBUTION_VARIABLES
    assert all(name in ensemble.series for name in ATTRIBUTION_VARIABLES)


# One dyad's inputs and each term worked out by hand from the S4 equation (sim.mechanisms.target's docstring).
INPUTS = dict(
    affinity=1.0,
    perceived=-2.0,
    reciprocity=0.5,
    generosity=0.25,
    trust=0.75,
    trust_weight=2.0,
    rapport=0.5,
    rapport_weight=1.5,
    balance=-0.2,
    balance_weight=0.5,
    wedge=0.1,
    wedge_weight=4.0,
    penalty=0.3,
    sanctions_received=0.5,
    resentment=4.0,
    threat=0.2,
    threat_weight=1.5,
    stress=0.5,
    stress_outreach=2.0,
    partner_invests=1.0,
    investment_flow=0.04,
    investment_baseline=0.02,
    investment_signal=0.5,
    interdependence=2.0,
    damping=1.0,
)
BY_HAND = {
    "affinity": 1.0,
    "reciprocity": 0.5 * (0.75 * -2.0),
    "trust": 2.0 * (2 * 0.75 - 1),
    "rapport": 0.75,
    "balance": -0.1,
    "wedge": 0.4,
    "alliance_pressure": -0.3,
    "sanctions_resentment": -2.0,
    "shared_threat": 0.3,
    "economic_stress": 1.0,
    "investment": 0.5 * np.log(3.0),
    "interdependence": 0.0,
}


def _terms(**changes):
    return {k: float(v) for k, v in target_terms(**{k: np.array(v) for k, v in {**INPUTS, **changes}.items()}).items()}


def test_each_term_matches_its_hand_computed_value():
    """A cooperative target (raw sum +1.849) is not damped: the interdependence term is 0."""
    terms = _terms()
    assert set(terms) == set(TERMS)
    for name, value in BY_HAND.items():
        assert terms[name] == pytest.approx(value, abs=1e-12), name


def test_interdependence_divides_a_conflictual_target_by_one_plus_damping_times_interdependence():
    """With full sanctions received the raw sum is −0.150694; damped by 1 + 1·2 it is −0.050231, so the
    interdependence term is +0.100463 (= −0.150694 · (1/3 − 1)); the other terms are unchanged."""
    terms = _terms(sanctions_received=1.0)
    assert terms["sanctions_resentment"] == pytest.approx(-4.0)
    assert terms["interdependence"] == pytest.approx(0.100463, abs=1e-6)
    assert _terms(sanctions_received=1.0, damping=0.0)["interdependence"] == 0.0
    assert _terms(partner_invests=0.0)["economic_stress"] == 0.0
    assert _terms(investment_baseline=0.0)["investment"] == 0.0  # no baseline flow: no signal (not a division by 0)


def test_generous_reciprocity_forgives_a_share_of_conflict_only():
    assert _terms(perceived=2.0)["reciprocity"] == pytest.approx(1.0)
    assert _terms(generosity=1.0)["reciprocity"] == 0.0


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


def _synthetic(ensemble: Ensemble, before: float, after: float, wedge: float) -> Ensemble:
    """The ensemble's calendar with every target term 0 except trust (``before`` in 2014, ``after`` in 2016)
    and wedge (``wedge`` from 2016 on), for JPN → RUS."""
    series = {name: np.zeros_like(ensemble.series[name]) for name in ATTRIBUTION_VARIABLES}
    cal = ensemble.calendar
    y2014, y2016 = cal.index("2014-01"), cal.index("2016-01")
    series["target_trust"][y2014:y2016, :, 0, 1] = before
    series["target_trust"][y2016:, :, 0, 1] = after
    series["target_wedge"][y2016:, :, 0, 1] = wedge
    return Ensemble(cal, ensemble.countries, ensemble.runs, series, ensemble.channels, ensemble.milestones, [])


def test_change_table_gives_each_terms_hand_computed_change_and_share(ensemble):
    """Trust 1 → 3 (+2), wedge 0 → −1 (−1): total +1, shares +2 and −1, carriers name trust only."""
    synthetic = _synthetic(ensemble, before=1.0, after=3.0, wedge=-1.0)
    table = change(synthetic, 0, 1, ("2014-01", "2014-12"), ("2016-01", "2016-12"))
    assert table.loc["trust", "mean"] == pytest.approx(2.0)
    assert table.loc["wedge", "mean"] == pytest.approx(-1.0)
    assert table.loc["total", "mean"] == pytest.approx(1.0)
    assert table.loc["trust", "share"] == pytest.approx(2.0) and table.loc["wedge", "share"] == pytest.approx(-1.0)
    assert table.loc["rapport", "mean"] == 0.0
    assert list(table.index[:2]) == ["trust", "wedge"]  # sorted by the size of the change
    assert carriers(table) == "trust +2.00"


def test_one_figure_per_directed_dyad(ensemble, tmp_path):
    keep = [ensemble.countries.index(code) for code in ("JPN", "RUS", "USA")]  # three countries: half the figures
    three = dataclasses.replace(
        ensemble,
        countries=[ensemble.countries[k] for k in keep],
        series={name: series[:, :, keep][:, :, :, keep] for name, series in ensemble.series.items()},
        events=[],
    )
    paths = write_attribution_figures(three, tmp_path, markers={"Crimea": "2014-03"})
    names = {p.name for p in paths}
    n = len(three.countries)
    assert n == 3
    assert len(names) == 2 * n * (n - 1)
    assert "attribution_JPN_RUS.png" in names and "attribution_JPN_RUS.svg" in names


def test_a_new_or_unknown_term_is_tabulated_and_drawn_with_its_label(ensemble, tmp_path, monkeypatch):
    """A term added to the declaration (``TERM_LABELS``) is drawn with its declared label; a recorded term the
    declaration does not know (a folder from another version) with its name; a declared term a folder lacks is
    skipped. None of them crashes the table or the figure."""
    monkeypatch.setattr(attribution, "TERM_LABELS", {**TERM_LABELS, "new_term": "a new term"})
    monkeypatch.setattr(attribution, "TERMS", (*TERMS, "new_term"))
    monkeypatch.setattr(term_changes, "TERMS", (*TERMS, "new_term"))  # the table's terms (sim.term_changes)
    synthetic = _synthetic(ensemble, before=1.0, after=3.0, wedge=-1.0)
    y2016 = synthetic.calendar.index("2016-01")
    for name, value in (("new_term", 0.5), ("legacy_term", -0.25)):
        synthetic.series[f"target_{name}"] = np.zeros_like(synthetic.series["target_trust"])
        synthetic.series[f"target_{name}"][y2016:, :, 0, 1] = value
    del synthetic.series["target_balance"]
    table = change(synthetic, 0, 1, ("2014-01", "2014-12"), ("2016-01", "2016-12"))
    assert table.loc["new_term", "mean"] == pytest.approx(0.5)
    assert table.loc["legacy_term", "mean"] == pytest.approx(-0.25)
    assert table.loc["total", "mean"] == pytest.approx(1.25) and "balance" not in table.index
    legends = []
    real_save = attribution.save_figure

    def spy(fig, *args, **kwargs):
        legends.append([text.get_text() for text in fig.axes[0].get_legend().get_texts()])
        return real_save(fig, *args, **kwargs)

    monkeypatch.setattr(attribution, "save_figure", spy)
    paths = write_attribution_figures(synthetic, tmp_path, markers={}, dyads=[(0, 1)])
    assert [p.name for p in paths] == ["attribution_JPN_RUS.png", "attribution_JPN_RUS.svg"]
    assert legends[0][:4] == ["trust", "wedge (vs CHN–RUS)", "a new term", "legacy term"]


@pytest.mark.slow  # determinism by repetition: CI's make test-slow guards it
def test_attribution_figures_are_the_same_bytes_drawn_by_two_processes(ensemble, tmp_path):
    dyads = [(0, 1), (1, 0), (2, 1)]
    first = write_attribution_figures(ensemble, tmp_path / "one", markers={"Crimea": "2014-03"}, dyads=dyads)
    second = write_attribution_figures(
        ensemble, tmp_path / "two", markers={"Crimea": "2014-03"}, dyads=dyads, workers=2
    )
    assert [p.name for p in first] == [p.name for p in second] and len(first) == 2 * len(dyads)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
