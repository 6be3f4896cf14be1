"""A sweep checks its design's values once, over the design's extremes (``check_values``), and its chunks' models
then skip the check (``RelationsModel(validated=True)``); a plan nobody checked still checks every chunk."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim import model as model_module
from sim.config import compose_config, to_container, validate
from sim.config.errors import ConfigError
from sim.sweep import engine
from sim.sweep.task import check_values


@pytest.fixture(scope="module")
def plan() -> engine.Plan:
    overrides = ["sweep=investment_vs_exposure", "sweep.replicates=1", "sweep.chunk_size=4"]
    return engine.make_plan(validate(to_container(compose_config(overrides))))


def refuse_checks(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("values checked again")

    monkeypatch.setattr(model_module, "validate", refuse)
    monkeypatch.setattr(model_module, "validate_ranges", refuse)


def test_check_values_marks_the_plan(plan: engine.Plan) -> None:
    assert not plan.values_checked
    checked = check_values(plan)
    assert checked.values_checked and checked.design is plan.design and checked.cfg is plan.cfg


def test_chunks_of_a_checked_plan_skip_the_check(plan, tmp_path: Path, monkeypatch) -> None:
    checked = check_values(plan)
    refuse_checks(monkeypatch)
    assert engine.run_chunk(checked, 0, 0, 4, tmp_path) == 4
    with pytest.raises(AssertionError, match="values checked again"):
        engine.run_chunk(plan, 1, 4, 8, tmp_path)


def test_a_bad_value_is_refused_by_the_check_and_by_an_unchecked_chunk(plan, tmp_path: Path) -> None:
    name = plan.sweep.names[0]
    design = plan.design.copy()
    design.loc[0, name] = -1.0  # no sweep parameter here may be negative
    bad = engine.Plan(plan.cfg, plan.sweep, design, plan.calendar)
    with pytest.raises(ConfigError, match=name.split(".")[-1]):
        check_values(bad)
    with pytest.raises(ConfigError, match=name.split(".")[-1]):
        engine.run_chunk(bad, 0, 0, 4, tmp_path)
