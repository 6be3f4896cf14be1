"""What a Mesa user expects of the model: fresh seeds that can be repeated, a clear end of the horizon,
refused empty ensembles, a DataCollector with the initial state and per-country rows, readable agents, and
result dates that compare with strings in pandas."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from sim.config import ConfigError
from sim.model import AGENT_REPORTERS, HorizonEndedError, RelationsModel
from sim.results import Ensemble
from sim.tables import timeseries_table
from tests.conftest import run_script


def _short(cfg: dict, end: str = "2013-03") -> dict:
    cfg["stop"] = end
    cfg["report"].update(windows={}, milestone_dates=[], trust_matrix_dates=[])
    return cfg


def test_rng_none_gives_a_fresh_seed_that_repeats_the_run(cfg):
    _short(cfg)
    a, b = RelationsModel(cfg, replicates=3).run(), RelationsModel(cfg, replicates=3).run()
    assert a.seed != b.seed and a.seed != cfg["seed"]
    assert a.config["seed"] == a.seed
    assert not np.array_equal(a.history["nci"], b.history["nci"])
    again = RelationsModel(a.config, replicates=3, rng=a.seed).run()
    np.testing.assert_array_equal(again.history["nci"], a.history["nci"])


def test_mesa_batch_run_with_rng_none_draws_distinct_seeds():
    results = mesa.batch_run(
        RelationsModel,
        parameters={"replicates": [1]},
        rng=[None, None],
        max_steps=2,
        number_processes=1,
        display_progress=False,
        data_collection_period=-1,
    )
    by_run = {r["RunId"]: r["nci_JPN_RUS"] for r in results}  # one row per country and run (agent reporters)
    assert len(results) == 8 and {r["country"] for r in results} == {"JPN", "RUS", "USA", "CHN"}
    assert len(by_run) == 2 and by_run[0] != by_run[1]


def test_the_runner_keeps_the_config_seed(cfg, monkeypatch):
    """experiments/run.py's folders repeat exactly: sim.replay passes config.seed, never rng=None."""
    import sim.model
    import sim.replay as replay

    seen = []
    real = sim.model.RelationsModel

    def spy(*args, **kwargs):
        seen.append(kwargs.get("rng"))
        return real(*args, **kwargs)

    monkeypatch.setattr(sim.model, "RelationsModel", spy)  # run_replay imports it from sim.model when it runs
    cfg["replicates"] = 1
    cfg["report"].update(figures=False)
    _short(cfg)
    cfg["report"].update(windows={}, milestone_dates=[], trust_matrix_dates=[])
    import tempfile
    from pathlib import Path

    with tempfile.TemporaryDirectory() as tmp:
        summary = replay.run_replay(cfg, Path(tmp))
    assert seen == [cfg["seed"]] and summary["seed"] == cfg["seed"]


def test_stepping_past_the_end_is_a_clear_error(cfg):
    model = RelationsModel(_short(cfg), rng=1).run()
    assert model.t == model.n_steps == 15 and not model.running
    with pytest.raises(HorizonEndedError, match=r"2012-01\.\.2013-03 is over: all 15 months have run"):
        model.step()


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_zero_or_bad_replicates_are_refused(cfg, bad):
    with pytest.raises(ConfigError, match=r"^replicates = .*: must be an integer >= 1"):
        RelationsModel(_short(cfg), replicates=bad, rng=1)
    with pytest.raises(ConfigError, match=r"^runs = \[\]"):
        RelationsModel(_short(cfg), runs=[], rng=1)


def test_cli_refuses_zero_replicates(tmp_path):
    proc = run_script("run.py", "replicates=0", f"paths.output={tmp_path}")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: replicates = 0: must be >= 1"
    assert not any(tmp_path.iterdir())


def test_datacollector_has_the_initial_state_and_every_variable(cfg):
    model = RelationsModel(_short(cfg), replicates=4, rng=2)
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == 1  # collected at construction: the state after the spin-up, before month 1
    j, r, u = (model.world.index(c) for c in ("JPN", "RUS", "USA"))
    assert frame["trust_JPN_RUS"].iloc[0] == pytest.approx(0.45)  # the configured prior
    assert frame["investment_stock_JPN_RUS"].iloc[0] == pytest.approx(1.0)  # initial_stock
    assert frame["channel_openness_JPN_RUS"].iloc[0] == pytest.approx(0.9)  # initial_openness
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    assert len(frame) == model.n_steps + 1
    for prefix in ("nci", "trust", "sanctions", "investment_stock", "rapport"):
        assert len([c for c in frame.columns if c.startswith(f"{prefix}_")]) == 12, prefix
    assert frame["sanctions_USA_RUS"].iloc[-1] == pytest.approx(model.state.sanctions[:, u, r].mean())
    assert frame["rapport_JPN_RUS"].iloc[-1] == pytest.approx(model.state.rapport[:, j, r].mean())


def test_collect_false_keeps_the_history_and_runs_no_reporter(cfg):
    """``collect=False`` (the dashboard's runs) skips the DataCollector's reporters and changes nothing else."""
    full = RelationsModel(_short(cfg), replicates=3, rng=5).run()
    bare = RelationsModel(_short(cfg), replicates=3, rng=5, collect=False).run()
    assert bare.datacollector.model_reporters == {} and bare.datacollector.agent_reporters == {}
    assert full.datacollector.get_model_vars_dataframe().shape[1] > 40  # 5 dyad variables x 12 dyads, and more
    assert sorted(bare.history) == sorted(full.history)
    for name, series in full.history.items():
        np.testing.assert_array_equal(bare.history[name], series, err_msg=name)


def test_agent_reporters_per_country(cfg):
    model = RelationsModel(_short(cfg, "2014-12"), replicates=5, rng=3).run()
    agents = model.datacollector.get_agent_vars_dataframe()
    assert set(AGENT_REPORTERS) <= set(agents.columns)
    last = agents.xs(agents.index.get_level_values("Step").max(), level="Step").set_index("country")
    assert sorted(last.index) == ["CHN", "JPN", "RUS", "USA"]
    s = model.state.sanctions
    j, r, u, c = (model.world.index(k) for k in ("JPN", "RUS", "USA", "CHN"))
    assert last.loc["USA", "sanctions_imposed"] == pytest.approx(s[:, u, [j, r, c]].mean())
    assert last.loc["RUS", "sanctions_received"] == pytest.approx(s[:, [j, u, c], r].mean())
    assert last.loc["RUS", "sanctions_received"] > last.loc["USA", "sanctions_received"]  # Crimea
    trust = 1 / (1 + np.exp(-model.state.log_odds))
    assert last.loc["JPN", "trust_given"] == pytest.approx(trust[:, j, [r, u, c]].mean())
    assert last.loc["JPN", "trust_received"] == pytest.approx(trust[:, [r, u, c], j].mean())


def test_agents_print_as_their_country_code(cfg):
    model = RelationsModel(_short(cfg), rng=1)
    assert str(model.countries["JPN"]) == "JPN"
    assert repr(list(model.agents)) == "[JPN, RUS, USA, CHN]"


def test_timeseries_dates_are_timestamps(cfg):
    table = timeseries_table(Ensemble.from_model(RelationsModel(_short(cfg, "2014-06"), replicates=2, rng=4).run()))
    assert table.schema.field("date").type == pa.timestamp("s")
    frame = table.to_pandas()
    assert frame["date"].dtype.kind == "M"
    after = frame[frame.date >= "2014-04-01"]
    assert sorted(after.date.dt.strftime("%Y-%m").unique()) == ["2014-04", "2014-05", "2014-06"]
    assert frame.date.min() == pd.Timestamp("2012-01-01")


def test_the_default_config_is_composed_once_and_again_when_conf_changes(monkeypatch, tmp_path):
    """``RelationsModel()`` (as ``mesa.batch_run`` calls it) composes the default config once per process, not once
    per model, and composes it again when a file under ``conf/`` changes."""
    import shutil

    from sim.config import load

    conf = tmp_path / "conf"
    shutil.copytree(load.CONF_DIR, conf)
    monkeypatch.setattr(load, "CONF_DIR", conf)
    load._default_for.cache_clear()
    calls = []
    compose = load.compose_config
    monkeypatch.setattr(load, "compose_config", lambda *a, **k: calls.append(a) or compose(*a, **k))
    first, second = load.default_config(), load.default_config()
    assert len(calls) == 1 and first == second and first is not second
    first["seed"] = 1  # each call returns its own copy
    assert load.default_config()["seed"] == second["seed"] == 20161215
    text = (conf / "config.yaml").read_text()
    (conf / "config.yaml").write_text(text.replace("seed: 20161215", "seed: 77"))
    assert load.default_config()["seed"] == 77 and len(calls) == 2
    model = RelationsModel(replicates=1, rng=3)
    assert model.config["seed"] == 3 and len(calls) == 2  # the model read the cached config


def test_reporters_read_ensemble_means_computed_once_per_state(cfg):
    model = RelationsModel(_short(cfg), replicates=3, rng=4)
    model.step()
    means = model.ensemble_means()
    assert model.ensemble_means() is means  # one computation for every reporter of this month
    np.testing.assert_allclose(means["trust"], (1 / (1 + np.exp(-model.state.log_odds))).mean(axis=0))
    np.testing.assert_allclose(means["realised"], model.state.realised.mean(axis=0))
    given = model.partner_means("sanctions", 0)
    u = model.world.index("USA")
    others = [k for k in range(model.world.n) if k != u]
    assert given[u] == pytest.approx(model.state.sanctions[:, u, others].mean())
    model.step()
    assert model.ensemble_means() is not means  # a new month, new means
