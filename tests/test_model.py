"""The model as a whole: determinism, batch invariance, per-run parameters, Mesa interoperability."""

from __future__ import annotations

import mesa
import numpy as np
import pytest

from sim.config import ConfigError
from sim.model import DYAD_VARIABLES, RelationsModel

SEED = 20161215  # conf/config.yaml's seed, passed explicitly: rng=None would give each model a fresh seed


def _short(cfg: dict, end: str = "2014-06") -> dict:
    cfg["stop"] = end
    cfg["report"].update(windows={}, milestone_dates=[], trust_matrix_dates=[])
    return cfg


def _same(a: RelationsModel, b: RelationsModel, rows_a=slice(None), rows_b=slice(None)) -> None:
    for name in DYAD_VARIABLES:
        assert np.array_equal(a.history[name][:, rows_a], b.history[name][:, rows_b]), name
    for name, steps in a.milestone_steps().items():
        assert np.array_equal(steps[rows_a], b.milestone_steps()[name][rows_b]), name


def test_same_seed_same_results(cfg):
    _short(cfg)
    _same(RelationsModel(cfg, replicates=8, rng=SEED).run(), RelationsModel(cfg, replicates=8, rng=SEED).run())


def test_different_seeds_differ(cfg):
    _short(cfg)
    a = RelationsModel(cfg, replicates=4, rng=1).run()
    b = RelationsModel(cfg, replicates=4, rng=2).run()
    assert not np.array_equal(a.history["nci"], b.history["nci"])


def test_run_alone_equals_its_row_in_a_batch(cfg):
    _short(cfg)
    batch = RelationsModel(cfg, replicates=7, rng=SEED).run()
    for k in (0, 3, 6):
        alone = RelationsModel(cfg, runs=[k], rng=SEED).run()
        _same(batch, alone, rows_a=slice(k, k + 1))


def test_chunks_reassemble_the_batch(cfg):
    _short(cfg)
    whole = RelationsModel(cfg, replicates=6, rng=SEED).run()
    first = RelationsModel(cfg, runs=[0, 1, 2], rng=SEED).run()
    second = RelationsModel(cfg, runs=[3, 4, 5], rng=SEED).run()
    for name in DYAD_VARIABLES:
        assert np.array_equal(
            whole.history[name], np.concatenate([first.history[name], second.history[name]], axis=1)
        ), name


def test_each_run_can_carry_its_own_parameters(cfg):
    _short(cfg)
    scales = np.array([0.0, 0.5, 1.0, 1.3])
    batch = RelationsModel(cfg, replicates=4, settings={"scenario.sanctions.USA.RUS.scale": scales}, rng=SEED).run()
    for k, scale in enumerate(scales):
        alone = RelationsModel(cfg, runs=[k], settings={"scenario.sanctions.USA.RUS.scale": scale}, rng=SEED).run()
        _same(batch, alone, rows_a=slice(k, k + 1))
    final = batch.history["sanctions"][-1, :, 2, 1]
    assert np.allclose(final, 0.20 * scales)  # the US level from 2014-03 (0.20) until 2014-07


def test_shared_spin_up_gives_each_run_its_own_start(cfg, monkeypatch):
    """Runs with equal per-run values share one spin-up (``_distinct_runs``): every spun-up variable equals, bit
    for bit, the start each run reaches when the batch iterates every run itself."""
    _short(cfg)
    rows = RelationsModel.SPIN_UP_SHARED_MIN + 20  # enough repeats that the spin-up is shared
    reciprocity = np.resize([0.2, 0.35, 0.5], rows)  # three distinct values, repeated
    scale = np.resize([0.0, 1.0], rows)  # crossed with two, six distinct runs in all
    settings = {"params.reciprocity": reciprocity, "scenario.sanctions.USA.RUS.scale": scale}
    shared = RelationsModel(cfg, replicates=rows, settings=settings, record=(), rng=SEED)
    first, inverse = shared._distinct_runs({k: np.asarray(v, float) for k, v in settings.items()})
    assert len(first) == 6 and np.array_equal(reciprocity[first][inverse], reciprocity)
    monkeypatch.setattr(RelationsModel, "_distinct_runs", lambda self, overrides: None)
    each = RelationsModel(cfg, replicates=rows, settings=settings, record=(), rng=SEED)
    assert not np.array_equal(each.state.intended[0], each.state.intended[1])  # the runs do start apart
    for name in ("intended", "perceived", "valence", "realised", "baseline", "log_odds", "openness"):
        assert getattr(shared.state, name).tobytes() == getattr(each.state, name).tobytes(), name


def test_a_small_batch_iterates_each_run(cfg):
    """Below ``SPIN_UP_SHARED_MIN`` spared runs the batch iterates every run itself (the shared model would cost
    more than it saves)."""
    model = RelationsModel(_short(cfg), replicates=4, record=(), rng=SEED)
    assert model._distinct_runs({}) is None
    big = RelationsModel.SPIN_UP_SHARED_MIN + 1
    first, inverse = RelationsModel(_short(cfg), replicates=big + 1, record=(), rng=SEED)._distinct_runs({})
    assert list(first) == [0] and not inverse.any()


def test_per_run_values_are_validated_at_both_ends(cfg):
    _short(cfg)
    with pytest.raises(ConfigError, match=r"scenario\.sanctions\.USA\.RUS\.scale"):
        RelationsModel(cfg, replicates=2, settings={"scenario.sanctions.USA.RUS.scale": [0.5, 2.0]}, rng=SEED)


def test_keyword_parameters_reach_the_model(cfg):
    _short(cfg)
    model = RelationsModel(cfg, reciprocity=0.3, wedge_weight=0.0, rng=SEED)
    assert model.config["params"]["reciprocity"] == 0.3
    assert float(model.world.params.wedge_weight[0, 0]) == 0.0
    with pytest.raises(ConfigError, match=r"params\.not_a_parameter"):
        RelationsModel(cfg, not_a_parameter=1.0, rng=SEED)


def test_unstable_reciprocity_is_refused(cfg):
    with pytest.raises(ConfigError, match=r"k_JPN.*must be < 1"):
        RelationsModel(cfg, reciprocity=1.0, rng=SEED)


def test_months_are_real_dates(cfg):
    model = RelationsModel(_short(cfg), replicates=1, rng=SEED)
    assert model.n_steps == 30
    assert model.world.calendar.label(0) == "2012-01" and model.world.calendar.label(29) == "2014-06"


def test_mesa_batch_run_returns_headline_series():
    results = mesa.batch_run(
        RelationsModel,
        parameters={"reciprocity": [0.3, 0.5], "wedge_weight": [0.0, 4.0]},
        rng=[1, 2],
        max_steps=24,
        data_collection_period=1,
        number_processes=1,
        display_progress=False,
    )
    assert len({(r["reciprocity"], r["wedge_weight"], r["iteration"]) for r in results}) == 8
    row = results[-1]
    assert np.isfinite(row["nci_JPN_RUS"]) and 0.0 <= row["trust_RUS_JPN"] <= 1.0
    assert max(r["Step"] for r in results) == 24


def test_datacollector_records_nci_and_trust_for_each_dyad(cfg):
    model = RelationsModel(_short(cfg), rng=3)
    for _ in range(5):
        model.step()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 6  # the initial state and five months
    dyad_columns = [c for c in frame.columns if c.startswith(("nci_", "trust_"))]
    assert len(dyad_columns) == 24
    assert np.isfinite(frame.to_numpy()).all()
    j, r = model.world.index("JPN"), model.world.index("RUS")
    assert frame["nci_JPN_RUS"].iloc[-1] == pytest.approx(model.history["nci"][4, 0, j, r])


def test_country_agents_own_their_relations(cfg):
    model = RelationsModel(_short(cfg), replicates=3, rng=SEED)
    assert sorted(model.countries) == ["CHN", "JPN", "RUS", "USA"]
    japan = model.countries["JPN"]
    assert isinstance(japan, mesa.Agent)
    assert np.allclose(japan.trust_in("RUS"), 0.45)


def test_forced_mode_injects_endogenous_timeline_events(cfg):
    _short(cfg, "2013-12")
    endo = RelationsModel(cfg, replicates=1, rng=SEED).run()
    cfg["mode"] = "forced"
    forced = RelationsModel(cfg, replicates=1, rng=SEED).run()
    kinds = lambda m: {(t, code) for t, _, _, code, _, kind in m.log.rows if kind == "injected"}  # noqa: E731
    april_2013 = endo.world.calendar.index("2013-04")
    assert (april_2013, "057") in kinds(forced)
    assert (april_2013, "057") not in kinds(endo)
    assert (endo.world.calendar.index("2013-11"), "150") in kinds(endo)  # forcing: injected in both modes


def test_a_fifth_country_needs_only_a_config_file():
    from sim.config import compose_config, to_container, validate

    cfg = validate(to_container(compose_config(["scenario=replay_with_korea", "stop=2014-12", "report=basic"])))
    model = RelationsModel(cfg, replicates=3, rng=SEED).run()
    assert model.world.countries == ["JPN", "RUS", "USA", "CHN", "KOR"]
    k, u, r = (model.world.index(c) for c in ("KOR", "USA", "RUS"))
    assert model.world.patron[k] == u
    assert np.isfinite(model.history["nci"]).all()
    # Korea feels US pressure once the US-Russia relationship sours: an alliance penalty toward Russia
    assert (model.structure.penalty[:, k, r] > 0).all()


def test_forced_mode_does_not_emit_what_the_timeline_already_injects(cfg):
    cfg["mode"] = "forced"
    model = RelationsModel(cfg, replicates=1, rng=SEED).run()
    emitted = {code for _, _, _, code, _, kind in model.log.rows if kind == "emitted"}
    assert not emitted & {"164", "036", "046", "057", "042", "043", "044", "061"}, emitted


def test_no_2_plus_2_meeting_without_an_agreement(cfg):
    model = RelationsModel(_short(cfg, "2013-12"), replicates=20, record_events=True, rng=SEED).run()
    assert (model.milestone_steps()["two_plus_two"] < 0).all()
    assert not [row for row in model.log.rows if row[3] == "046"]


def test_scaling_a_senders_sanctions_scales_the_sanction_signals_it_sends(cfg):
    _short(cfg, "2014-12")
    u, r = 2, 1
    full = RelationsModel(cfg, replicates=30, rng=SEED).run()
    none = RelationsModel(cfg, replicates=30, settings={"scenario.sanctions.USA.RUS.scale": 0.0}, rng=SEED).run()
    months = slice(full.world.calendar.index("2014-03"), None)
    assert full.history["nci"][months, :, u, r].mean() < none.history["nci"][months, :, u, r].mean() - 0.5


def test_rng_accepts_what_mesa_accepts(cfg):
    _short(cfg, "2013-03")
    by_int = RelationsModel(cfg, rng=5).run()
    assert by_int.seed == 5
    ss = RelationsModel(cfg, rng=np.random.SeedSequence(5)).run()
    gen = RelationsModel(cfg, rng=np.random.default_rng(5)).run()
    assert len({by_int.seed, ss.seed, gen.seed}) == 3
    assert RelationsModel(cfg, rng=SEED).seed == cfg["seed"]
    with pytest.raises(TypeError, match="rng must be"):
        RelationsModel(cfg, rng="five")


def test_event_log_rows_keep_the_order_the_stages_made_them():
    """Routine events arrive as blocks of (rung, tie) codes and become rows when read: between the rows added
    before and after them, partner by partner and in slot order, blocks of any number of slots."""
    from sim import cameo
    from sim.signals import EventLog

    ladder, _ = cameo.root_ladder()
    codes = cameo.ladder_codes()[1]
    log = EventLog()
    log.add(3, 0, 1, "163", -8.0, "injected")
    first = np.full((3, 2, 2), -1)
    first[1, 0], first[1, 1], first[2, 0] = (4, 0), (7, 1), (2, 1)  # partner 0 has none
    log.add_generated(3, 0, first)
    log.add(3, 2, 0, "036", 4.0, "emitted")
    wide = np.full((3, 4, 2), -1)
    wide[0, 3] = (9, 0)
    log.add_generated(4, 1, wide)
    assert log.rows == [
        (3, 0, 1, "163", -8.0, "injected"),
        (3, 0, 1, codes[4, 0], float(ladder[4]), "generated"),
        (3, 0, 1, codes[7, 1], float(ladder[7]), "generated"),
        (3, 0, 2, codes[2, 1], float(ladder[2]), "generated"),
        (3, 2, 0, "036", 4.0, "emitted"),
        (4, 1, 0, codes[9, 0], float(ladder[9]), "generated"),
    ]
    log.add(5, 0, 1, "057", 8.0, "emitted")  # read, then added to: the rows follow
    assert log.rows[-1] == (5, 0, 1, "057", 8.0, "emitted") and len(log.rows) == 7
