"""docs/ODD.md stays true to the code: the seven ODD elements in order, and a parameter table whose names are
config keys, whose defaults are the composed defaults and whose calibrated column is conf/params/calibrated.yaml."""

from __future__ import annotations

import re

import pytest
import yaml

from sim.config import compose_config, to_container, validate
from sim.config.load import PROJECT_ROOT

ODD = (PROJECT_ROOT / "docs" / "ODD.md").read_text()
ELEMENTS = [
    "Purpose and patterns",
    "Entities, state variables, and scales",
    "Process overview and scheduling",
    "Design concepts",
    "Initialization",
    "Input data",
    "Submodels",
]
CONCEPTS = [
    "Basic principles",
    "Emergence",
    "Adaptation",
    "Objectives",
    "Learning",
    "Prediction",
    "Sensing",
    "Interaction",
    "Stochasticity",
    "Collectives",
    "Observation",
]


def _rows() -> list[list[str]]:
    table = ODD[ODD.index("## Parameters") :]
    table = table[: table.index("\n\n", table.index("| name |"))]
    lines = [line for line in table.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def _leaf(cfg: dict, path: str):
    node = cfg
    for part in path.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def test_the_seven_elements_and_the_design_concepts_come_in_order():
    headings = re.findall(r"^## (\d)\. (.+)$", ODD, flags=re.MULTILINE)
    assert [title for _, title in headings] == ELEMENTS
    concepts = ODD[ODD.index("## 4. Design concepts") : ODD.index("## 5. Initialization")]
    found = re.findall(r"^\*\*([A-Z][a-z ]+)\.\*\*", concepts, flags=re.MULTILINE)
    assert [c for c in found if c in CONCEPTS] == CONCEPTS


def test_the_parameter_table_has_the_calibrated_column():
    header = ODD[ODD.index("| name |") :].splitlines()[0]
    assert [c.strip() for c in header.strip("|").split("|")] == [
        "name",
        "symbol",
        "meaning",
        "default",
        "calibrated",
        "SA range",
        "source",
    ]


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row[0])
def test_every_parameter_name_is_a_config_key_with_its_default(row):
    cfg = validate(to_container(compose_config()))
    names = re.findall(r"`([^`]+)`", row[0])
    first = names[0]
    if "<" in first:  # a family of keys: its fixed prefix must exist
        prefix = first.split(".<")[0]
        assert _leaf(cfg, prefix) is not None
        return
    value = _leaf(cfg, first)
    default = row[3].split(";")[0].strip()
    if isinstance(value, bool) or not isinstance(value, int | float):
        assert str(value) in row[3], (first, value, row[3])
        return
    shown = float(eval_fraction(default))
    assert shown == pytest.approx(value, rel=1e-9, abs=1e-12), (first, value, default)


def eval_fraction(text: str) -> float:
    if "/" in text and all(p.strip().isdigit() for p in text.split("/")):
        a, b = text.split("/")
        return int(a) / int(b)
    return float(text.split()[0].rstrip(","))


def test_the_calibrated_column_is_the_calibrated_params_file():
    calibrated = yaml.safe_load((PROJECT_ROOT / "conf" / "params" / "calibrated.yaml").read_text())
    calibrated.pop("defaults")
    rows = {re.findall(r"`([^`]+)`", row[0])[0]: row for row in _rows()}
    for key, value in calibrated.items():
        shown = rows[f"params.{key}"][4]
        assert float(shown) == pytest.approx(value, rel=5e-3, abs=5e-4), key
    for name, row in rows.items():
        if name.removeprefix("params.") not in calibrated:
            assert row[4] == "—", name
