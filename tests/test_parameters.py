"""Each behavioural parameter is declared once (``sim.config.parameters``); everything else agrees with it.

The schema's ``Params``, ``conf/params/default.yaml`` and the ODD table are generated or checked against the
declaration (``sim.config.param_docs.drift``); validation reads the declared domains; the hand-written range lists
of the validation protocol, the calibration and the sweeps stay inside the declared ranges. Each check is also
shown failing on a declaration edited in one place only.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import math
import re
from pathlib import Path

import pytest
import yaml

from sim.config import ConfigError, validate
from sim.config import param_docs as docs
from sim.config.load import CONF_DIR, PROJECT_ROOT
from sim.config.parameters import BY_NAME, PARAMETERS, Domain, Param, Range
from sim.config.schema import Params
from sim.dashboard import controls

SCALARS = [p for p in PARAMETERS if not p.is_table]
validate_module = importlib.import_module("sim.config.validate")  # the package re-exports the function


def _edited(name: str, **changes) -> list[Param]:
    """The declaration with one parameter changed (what a contributor who forgot the rest would leave)."""
    return [dataclasses.replace(p, **changes) if p.name == name else p for p in PARAMETERS]


# --- one declaration, every copy generated or checked ---------------------------------------------------------


def test_the_schema_default_yaml_and_the_odd_table_agree_with_the_declaration():
    assert docs.drift() == []


def test_names_are_unique_and_the_files_list_them_in_declared_order():
    names = [p.name for p in PARAMETERS]
    assert (
        len(names) == len(set(names)) == 65
    )  # 61 before issue 9 added acceptance_penalty, sideline_mandate, follow_up_rate, then suspension_level
    assert [f.name for f in dataclasses.fields(Params)] == names
    assert list(yaml.safe_load(docs.defaults_path().read_text())) == names
    odd = docs.committed_block(docs.odd_path().read_text())
    assert re.findall(r"^\| `params\.([a-z_0-9]+)", odd, flags=re.MULTILINE) == names


def test_default_yaml_loads_to_the_declared_defaults(base_cfg):
    on_disk = yaml.safe_load(docs.defaults_path().read_text())
    assert on_disk == {p.name: p.default for p in PARAMETERS}
    assert base_cfg["params"] == {p.name: p.default for p in PARAMETERS}  # composed, as every run sees them


def test_a_default_changed_only_in_the_declaration_is_caught_in_every_copy():
    problems = docs.drift(params=_edited("wedge_weight", default=5.0))
    assert len(problems) == 3, problems
    assert "Params.wedge_weight defaults to 4.0, the declaration to 5.0" in problems[0]
    assert "default.yaml" in problems[1] and "ODD" in problems[2]


def test_a_parameter_added_only_to_the_declaration_is_caught():
    extra = Param("new_weight", "ν", 1.0, "—", Domain(0.0), None, "assumption", "a new term's weight", "S4")
    problems = docs.drift(params=[*PARAMETERS, extra])
    assert "missing ['new_weight']" in problems[0]
    assert len(problems) == 3, problems


@pytest.mark.parametrize(
    "changes", [{"symbol": "w"}, {"meaning": "wedge"}, {"unit": "1/month"}, {"source": "[T99]"}, {"range": Range(0, 7)}]
)
def test_a_documented_field_changed_only_in_the_declaration_is_caught_in_the_odd(changes):
    problems = docs.drift(params=_edited("wedge_weight", **changes))
    assert any("ODD" in p for p in problems), problems


def test_a_hand_edited_default_yaml_is_caught(tmp_path):
    root = _copy_of_generated_files(tmp_path)
    path = root / "conf" / "params" / "default.yaml"
    path.write_text(path.read_text().replace("wedge_weight: 4.0", "wedge_weight: 4.5"))
    assert docs.drift(root=root) == [f"conf/params/default.yaml is not the declaration's text (run `{docs.COMMAND}`)"]
    assert docs.write(root=root) == [path]
    assert docs.drift(root=root) == []


def test_write_regenerates_only_the_marked_block_of_the_odd(tmp_path):
    root = _copy_of_generated_files(tmp_path)
    path = root / "docs" / "ODD.md"
    original = path.read_text()
    path.write_text(original.replace("| `params.wedge_weight` | ω |", "| `params.wedge_weight` | W |"))
    assert docs.write(root=root) == [path]
    assert path.read_text() == original


def _copy_of_generated_files(tmp_path: Path) -> Path:
    for rel in ("conf/params/default.yaml", "conf/params/calibrated.yaml", "docs/ODD.md"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text((PROJECT_ROOT / rel).read_text())
    return tmp_path


# --- the declaration is consistent with itself ----------------------------------------------------------------


@pytest.mark.parametrize("p", SCALARS, ids=lambda p: p.name)
def test_default_and_range_lie_in_the_domain(p):
    assert p.domain.allows(p.default)
    if p.bounds:
        low, high = p.bounds
        assert low < high
        assert p.domain.allows(high)
        assert p.domain.allows(low) or low == p.domain.low  # an open end of the domain may bound the range


@pytest.mark.parametrize("p", [p for p in SCALARS if p.bounds], ids=lambda p: p.name)
def test_the_default_lies_in_its_range(p):
    low, high = p.bounds
    assert low <= p.default <= high


def test_moved_defaults_name_their_deviation():
    moved = {p.name: (p.notes, p.deviation) for p in PARAMETERS if p.notes is not None}
    assert moved == {
        "adjustment_speed": (0.30, "z"),
        "alliance_penalty_scale": (4.0, "z"),
        "stress_outreach": (1.0, "z"),
        "trust_reversion": (0.08, "z"),
    }
    deviations = (PROJECT_ROOT / "docs" / "ODD.md").read_text()
    for p in PARAMETERS:
        if p.deviation:
            assert f"**{p.deviation}. " in deviations, p.name


# --- validation reads the declared domain ---------------------------------------------------------------------


def _outside(domain: Domain) -> float | None:
    if domain.low is not None:
        return domain.low if domain.low_open else domain.low - 0.5
    if domain.high is not None:
        return domain.high if domain.high_open else domain.high + 0.5
    return None


@pytest.mark.parametrize("p", [p for p in SCALARS if _outside(p.domain) is not None], ids=lambda p: p.name)
def test_a_value_outside_the_declared_domain_is_refused_in_one_line(p, base_cfg):
    cfg = copy.deepcopy(base_cfg)
    bad = _outside(p.domain)
    cfg["params"][p.name] = bad
    with pytest.raises(ConfigError) as err:
        validate(cfg)
    assert str(err.value) == f"params.{p.name} = {bad!r}: {p.domain.allowed()}"


def test_existing_messages_keep_their_wording():
    assert BY_NAME["trust_reversion"].domain.allowed() == "must be a level in [0, 1]"
    assert BY_NAME["adjustment_speed"].domain.allowed() == "must be in (0, 1]"
    assert BY_NAME["wedge_weight"].domain.allowed() == "must be >= 0"
    assert BY_NAME["cheap_signal_noise"].domain.allowed() == "must be > 0"
    assert BY_NAME["relationship_value_base"].domain.allowed() == (
        "must be > 0 (keeps partial alignment strictly below the reference level)"
    )
    assert BY_NAME["channel_intercept"].domain.allowed() == "must be a finite number"


def test_validation_follows_an_edited_domain(base_cfg, monkeypatch):
    cfg = copy.deepcopy(base_cfg)
    cfg["params"]["wedge_weight"] = 5.5
    validate(copy.deepcopy(cfg))
    monkeypatch.setattr(validate_module, "PARAMETERS", tuple(_edited("wedge_weight", domain=Domain(0.0, 5.0))))
    with pytest.raises(ConfigError, match=r"params.wedge_weight = 5.5: must be in \[0, 5\]"):
        validate(cfg)


def test_table_entries_obey_the_declared_domain(base_cfg):
    cfg = copy.deepcopy(base_cfg)
    cfg["params"]["reciprocity_by_dyad"] = {"JPN": {"RUS": -0.1}}
    with pytest.raises(ConfigError, match=r"params.reciprocity_by_dyad.JPN.RUS = -0.1: must be >= 0"):
        validate(cfg)


# --- hand-written range lists stay inside the declared ranges -------------------------------------------------


def _range_lists() -> dict[str, dict[str, dict]]:
    """Every hand-written ``{config path: {low, high} or {values}}`` list of a params.* range, by file."""
    out = {}
    protocol = yaml.safe_load((CONF_DIR / "validation" / "protocol.yaml").read_text())
    out["conf/validation/protocol.yaml validation.lhs.parameters"] = protocol["validation"]["lhs"]["parameters"]
    calibration = yaml.safe_load((CONF_DIR / "calibration" / "replay_2013_2017.yaml").read_text())
    out["conf/calibration/replay_2013_2017.yaml calibration.parameters"] = calibration["calibration"]["parameters"]
    for path in sorted((CONF_DIR / "sweep").glob("*.yaml")):
        sweep = yaml.safe_load(path.read_text()).get("sweep", {})
        out[f"conf/sweep/{path.name} sweep.parameters"] = sweep.get("parameters", {})
    return out


def range_problems(declared: dict[str, Param]) -> list[str]:
    """Each params.* bound of a hand-written list that lies outside its declared range (or domain, where the
    declaration gives no range); a normal distribution's ``low``/``high`` are its mean and sd, so only the mean
    is checked."""
    problems = []
    for where, entries in _range_lists().items():
        for path, spec in entries.items():
            if not path.startswith("params."):
                continue
            name = path.split(".")[1]
            p = declared.get(name)
            if p is None:
                problems.append(f"{where}: {path} is not a declared parameter")
                continue
            if spec.get("distribution") == "normal":
                values = [spec["low"]]
            else:
                values = spec["values"] if "values" in spec else [spec["low"], spec["high"]]
            for value in values:
                if p.bounds is not None:
                    low, high = p.bounds
                    inside = low - 1e-9 * abs(low) <= value <= high + 1e-9 * abs(high)
                    allowed = f"the declared range {low:g}..{high:g}"
                else:
                    inside, allowed = p.domain.allows(value), p.domain.interval()
                if not inside:
                    problems.append(f"{where}: {path} = {value:g} lies outside {allowed}")
    return problems


def test_hand_written_ranges_lie_inside_the_declared_ranges():
    lists = _range_lists()
    assert sum(path.startswith("params.") for entries in lists.values() for path in entries) >= 50
    assert range_problems(BY_NAME) == []


def test_a_range_narrowed_in_the_declaration_is_caught_in_the_lists():
    narrowed = {p.name: p for p in _edited("reciprocity", range=Range(0.3, 0.7))}
    problems = range_problems(narrowed)
    assert (
        "conf/validation/protocol.yaml validation.lhs.parameters: params.reciprocity = 0.2 lies outside"
        in (problems[0])
    )
    assert len(problems) == 8, problems  # low and high in the protocol, the calibration and two sweeps


def test_the_5_8_baseline_row_is_the_declared_notes_values():
    calibration = yaml.safe_load((CONF_DIR / "calibration" / "replay_2013_2017.yaml").read_text())
    row = calibration["calibration"]["baselines"]["notes_5_8"]
    params = {k.removeprefix("params."): v for k, v in row.items() if k.startswith("params.")}
    declared = {p.name: p.notes for p in PARAMETERS if p.notes is not None}
    assert params.keys() == declared.keys()
    for name, value in params.items():
        assert math.isclose(value, declared[name], rel_tol=0, abs_tol=0), name


# --- code that offers parameter ranges reads them from the declaration ----------------------------------------


def test_dashboard_sliders_span_the_declared_ranges(base_cfg):
    sliders = [c for c in controls.controls_for(base_cfg) if c.group == "behaviour"]
    assert [c.path for c in sliders] == [f"params.{name}" for name in controls.BEHAVIOUR]
    for c in sliders:
        p = BY_NAME[c.path.removeprefix("params.")]
        low, high = p.bounds
        assert c.high == pytest.approx(high)
        assert c.low == pytest.approx(low if p.domain.allows(low) else low + c.step), c.path
        assert 10 <= (c.high - c.low) / c.step <= 50, c.path


def test_a_slider_follows_an_edited_range(base_cfg, monkeypatch):
    edited = {p.name: p for p in _edited("wedge_weight", range=Range(1.0, 7.0))}
    monkeypatch.setattr(controls, "BY_NAME", edited)
    wedge = next(c for c in controls.controls_for(base_cfg) if c.path == "params.wedge_weight")
    assert (wedge.low, wedge.high, wedge.step) == (1.0, 7.0, 0.2)
