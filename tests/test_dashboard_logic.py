"""The dashboard's logic without a browser: controls, paired ensembles, the command and overlay files."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
import yaml
from hydra import compose, initialize_config_dir

from sim.config import to_container, validate
from sim.config.load import CONF_DIR
from sim.dashboard import controls as ctl
from sim.dashboard import export
from sim.dashboard.ensemble import Engine, Request, band, milestone_probabilities, paired_band


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine()


@pytest.fixture(scope="module")
def short(engine) -> str:
    """The replay cut at 2014-12 (fast), registered in the engine under its own name."""
    cfg = engine.config("replay_2012_2017")
    cut = {
        **cfg,
        "stop": "2014-12",
        "report": {**cfg["report"], "windows": {}, "milestone_dates": [], "trust_matrix_dates": []},
    }
    engine._configs["short"] = cut
    return "short"


def test_controls_cover_the_issue_list_at_the_scenario_values(engine):
    cfg = engine.config("replay_2012_2017")
    controls = {c.path: c for c in ctl.controls_for(cfg)}
    for path, value in {
        "scenario.sanctions.USA.RUS.scale": 1.0,
        "scenario.sanctions.JPN.RUS.scale": 1.0,
        "scenario.alliances.JPN.commitment": 0.8,
        "scenario.pressure.USA.0.level": 1.0,
        "scenario.pressure.USA.1.level": 0.4,
        "scenario.investment.flows.JPN.RUS.baseline_flow": 0.02,
        "scenario.investment.exposure.JPN": 0.6,
        "params.reciprocity": 0.5,
        "params.wedge_weight": 4.0,
    }.items():
        assert controls[path].default == value, path
        assert controls[path].low <= value <= controls[path].high, path
    # a scaled schedule must stay a level <= 1: the US top step is 0.75, so the slider stops below 1/0.75
    assert controls["scenario.sanctions.USA.RUS.scale"].high * 0.75 <= 1.0
    assert "replay_2012_2017" in ctl.scenarios() and "japan_never_sanctions" in ctl.scenarios()


@pytest.mark.parametrize("end", ["low", "high"])
def test_every_slider_end_is_a_valid_config(engine, end):
    from sim.model import _set_path

    cfg = engine.config("replay_2012_2017")
    edited = {**cfg, "scenario": yaml.safe_load(yaml.safe_dump(cfg["scenario"])), "params": dict(cfg["params"])}
    for c in ctl.controls_for(cfg):
        _set_path(edited, c.path, getattr(c, end))
    validate(edited)


def test_changed_keeps_only_moved_sliders(engine):
    controls = ctl.controls_for(engine.config("replay_2012_2017"))
    values = {"scenario.sanctions.USA.RUS.scale": 0.5, "scenario.alliances.JPN.commitment": 0.8}
    assert ctl.changed(controls, values) == {"scenario.sanctions.USA.RUS.scale": 0.5}


def test_command_is_the_run_that_reproduces_the_arm():
    cmd = export.command(
        "replay_2012_2017", {"scenario.sanctions.USA.RUS.scale": 0.5, "params.reciprocity": 0.35}, 50, 7
    )
    assert cmd == (
        "python experiments/run.py scenario=replay_2012_2017 replicates=50 seed=7 "
        "scenario.sanctions.USA.RUS.scale=0.5 params.reciprocity=0.35"
    )


def test_unchanged_settings_give_a_zero_paired_difference(engine, short):
    res = engine.update(Request(short, (), 6, 11))
    assert res.arm is res.baseline  # one ensemble, computed once
    assert np.all(paired_band(res.arm, res.baseline, "nci", "JPN", "RUS") == 0.0)


def test_paired_arms_share_seeds_and_the_update_reproduces_run_py(engine, short):
    from sim.model import RelationsModel

    settings = (("scenario.sanctions.USA.RUS.scale", 0.0),)
    res = engine.update(Request(short, settings, 6, 11))
    assert res.baseline is engine.arm(short, (), 6, 11)  # cached, not run again
    before = res.baseline.calendar.index("2014-03")
    # common random numbers: before any US sanction the arms agree run by run, exactly
    np.testing.assert_array_equal(res.arm.series["nci"][:before], res.baseline.series["nci"][:before])
    assert paired_band(res.arm, res.baseline, "nci", "USA", "RUS")[2, -1] > 0  # no sanctions: warmer US->RUS
    alone = RelationsModel(engine.config(short), replicates=6, settings=dict(settings), rng=11).run()
    np.testing.assert_array_equal(alone.history["nci"], res.arm.series["nci"])
    q = band(res.arm, "sanctions", "USA", "RUS")
    assert q.shape == (5, res.arm.calendar.n_steps) and np.all(q == 0.0)


def test_behaviour_sliders_move_both_arms(engine, short):
    res = engine.update(Request(short, (("params.reciprocity", 0.3), ("scenario.sanctions.USA.RUS.scale", 0.5)), 4, 5))
    plain = engine.arm(short, (), 4, 5)
    assert res.baseline is not plain
    assert not np.array_equal(res.baseline.series["nci"], plain.series["nci"])


def test_milestone_probabilities_count_runs(engine, short):
    res = engine.update(Request(short, (), 6, 11))
    rows = milestone_probabilities(res.arm, res.baseline)
    assert {r["milestone"] for r in rows} == {"two_plus_two", "joint_activity", "treaty"}
    for r in rows:
        assert r["runs"] == 6 and r["change"] == 0.0
        steps = res.arm.milestones[r["milestone"]][:, 0]
        assert r["p"] == pytest.approx(np.mean(steps >= 0))


@pytest.mark.parametrize("name", ["", "../evil", "a/b", "x.yaml", "-rf", "é", "a" * 65, "1abc"])
def test_overlay_names_are_plain(name, tmp_path):
    with pytest.raises(export.ExportError):
        export.overlay_path("scenario", name, tmp_path)


def test_overlay_group_is_checked(tmp_path):
    with pytest.raises(export.ExportError, match="allowed: scenario, experiment"):
        export.overlay_path("hydra", "x", tmp_path)


def test_existing_file_is_kept_unless_overwrite(tmp_path):
    (tmp_path / "scenario").mkdir()
    path = export.save("scenario", "mine", "a: 1\n", tmp_path)
    with pytest.raises(export.ExportError, match="exists; tick 'overwrite'"):
        export.save("scenario", "mine", "a: 2\n", tmp_path)
    assert path.read_text() == "a: 1\n"
    export.save("scenario", "mine", "a: 2\n", tmp_path, overwrite=True)
    assert path.read_text() == "a: 2\n"


@pytest.fixture
def conf_copy(tmp_path):
    conf = tmp_path / "conf"
    shutil.copytree(CONF_DIR, conf)
    return conf


def _compose(conf, overrides, name="config"):
    with initialize_config_dir(config_dir=str(conf), version_base="1.3"):
        return validate(to_container(compose(config_name=name, overrides=overrides)))


SETTINGS = {
    "scenario.sanctions.USA.RUS.scale": 0.5,
    "scenario.pressure.USA.1.level": 0.2,
    "scenario.investment.exposure.JPN": 0.3,
    "params.reciprocity": 0.35,
}


def test_scenario_overlay_composes_to_the_dashboard_settings(engine, conf_copy):
    cfg = engine.config("replay_2012_2017")
    text = export.scenario_overlay("mine", "replay_2012_2017", cfg, SETTINGS)
    export.save("scenario", "mine", text, conf_copy)
    got = _compose(conf_copy, ["scenario=mine"])
    want = _compose(conf_copy, [f"{k}={v}" for k, v in SETTINGS.items() if k.startswith("scenario.")])
    assert got["scenario"]["name"] == "mine"
    for key in ("sanctions", "pressure", "investment", "alliances", "events", "markers"):
        assert got["scenario"][key] == want["scenario"][key], key
    assert got["scenario"]["pressure"]["USA"][1] == {"date": "2017-02", "level": 0.2, "note": "Trump"}


def test_experiment_overlay_is_the_dashboard_comparison(engine, conf_copy):
    cfg = engine.config("replay_2012_2017")
    text = export.experiment_overlay("mine", "replay_2012_2017", cfg, SETTINGS, 40, 9)
    export.save("experiment", "mine", text, conf_copy)
    got = _compose(conf_copy, ["experiment=mine"], name="compare")
    base = _compose(conf_copy, [])
    assert (got["seed"], got["replicates"], got["params"]["reciprocity"]) == (9, 40, 0.35)
    for sender in ("USA", "EU", "JPN"):  # the baseline arm is the scenario as shipped
        shipped = base["scenario"]["sanctions"][sender]["RUS"]
        baseline = got["compare"]["baseline"]["sanctions"][sender]["RUS"]
        assert (baseline["scale"], baseline["steps"]) == (shipped["scale"], shipped["steps"])
    assert got["compare"]["baseline"]["pressure"] == base["scenario"]["pressure"]
    assert got["scenario"]["sanctions"]["USA"]["RUS"]["scale"] == 0.5
    assert got["scenario"]["investment"]["exposure"]["JPN"] == 0.3
    assert got["scenario"]["pressure"]["USA"][1]["level"] == 0.2


def _pixels(png: bytes) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(io.BytesIO(png)))


def _full_draw(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def test_kept_figures_show_what_a_fresh_full_draw_shows(engine, short):
    """The page keeps its figures and redraws only what changes (blitting): after other updates, and another
    number of dyads, each PNG has exactly the pixels of a new figure drawn in full by ``savefig``."""
    from sim.dashboard import figures
    from sim.dashboard.render import Renderer

    markers = engine.config(short)["scenario"]["markers"]
    first = engine.update(Request(short, (("scenario.sanctions.USA.RUS.scale", 0.5),), 6, 11))
    shown = engine.update(Request(short, (("scenario.sanctions.USA.RUS.scale", 0.0),), 6, 11))
    renderer = Renderer()
    renderer.draw(first, ("USA->RUS",), markers)
    renderer.draw(first, ("JPN->RUS", "RUS->JPN"), markers)
    kept = renderer.draw(shown, ("JPN->RUS", "RUS->JPN"), markers)
    fresh = Renderer().draw(shown, ("JPN->RUS", "RUS->JPN"), markers)
    full = (
        figures.nci_figure(shown.arm, shown.baseline, ["JPN->RUS", "RUS->JPN"], markers),
        figures.state_figure(shown.arm, shown.baseline, "JPN->RUS", markers),
        figures.difference_figure(shown.arm, shown.baseline, ["JPN->RUS", "RUS->JPN"], markers),
    )
    for name, png, again, fig in zip(("nci", "state", "difference"), kept, fresh, full, strict=True):
        assert png == again, name  # a kept figure gives the bytes of a new one
        want = _pixels(_full_draw(fig))
        got = _pixels(png)
        assert got.shape == want.shape == (*fig.canvas.get_width_height()[::-1], 4), name
        np.testing.assert_array_equal(got, want, err_msg=name)
    assert not np.array_equal(_pixels(kept[0]), _pixels(renderer.draw(first, ("JPN->RUS", "RUS->JPN"), markers)[0]))


def test_a_superseded_update_keeps_its_arms_and_draws_nothing(engine, short):
    from sim.dashboard.render import Renderer, SupersededError, update

    markers = engine.config(short)["scenario"]["markers"]
    request = Request(short, (("scenario.sanctions.USA.RUS.scale", 0.25),), 6, 11)
    renderer = Renderer()
    with pytest.raises(SupersededError):
        update(engine, renderer, request, ("JPN->RUS",), markers, superseded=lambda: True)
    assert renderer._views == {}
    arm = engine.arm(short, request.settings, 6, 11)
    shown = update(engine, renderer, request, ("JPN->RUS",), markers)
    assert shown.result.arm is arm  # simulated once, by the superseded update
    assert shown.nci.startswith(b"\x89PNG") and shown.dyads == ("JPN->RUS",)
