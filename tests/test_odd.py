"""docs/ODD.md stays true to the code: the seven ODD elements in order, and parameter tables whose names are
config keys, whose defaults are the composed defaults and whose calibrated column is conf/params/calibrated.yaml.
(The ``params.*`` table is generated from ``sim.config.parameters``; tests/test_parameters.py checks it is.)"""

from __future__ import annotations

import re

import pytest
import yaml

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


def _tables() -> list[tuple[list[str], list[dict[str, str]]]]:
    """The tables of "## Parameters" (the generated ``params.*`` one, then the scenario one): header, rows."""
    section = ODD[ODD.index("## Parameters") : ODD.index("## Deviations")]
    tables, header = [], None
    for line in section.splitlines():
        if line.startswith("| name |"):
            header = [c.strip() for c in line.strip("|").split("|")]
            tables.append((header, []))
        elif line.startswith("| `") and header:
            tables[-1][1].append(dict(zip(header, (c.strip() for c in line.strip("|").split("|")), strict=True)))
        elif not line.startswith("|"):
            header = None
    return tables


def _rows() -> list[dict[str, str]]:
    return [row for _, rows in _tables() for row in rows]


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


def test_the_parameter_tables_have_the_calibrated_column():
    headers = [header for header, _ in _tables()]
    assert headers == [
        ["name", "symbol", "meaning", "unit", "default", "calibrated", "SA range", "allowed", "source"],
        ["name", "symbol", "meaning", "default", "calibrated", "SA range", "source"],
    ]
    assert [len(rows) > 0 for _, rows in _tables()] == [True, True]


@pytest.mark.parametrize("row", _rows(), ids=lambda row: row["name"])
def test_every_parameter_name_is_a_config_key_with_its_default(row, base_cfg):
    cfg = base_cfg  # the composed, validated default config (read only)
    names = re.findall(r"`([^`]+)`", row["name"])
    first = names[0]
    if "<" in first:  # a family of keys: its fixed prefix must exist
        prefix = first.split(".<")[0]
        assert _leaf(cfg, prefix) is not None
        return
    value = _leaf(cfg, first)
    default = row["default"].split(";")[0].strip()
    if isinstance(value, bool) or not isinstance(value, int | float):
        assert str(value) in row["default"], (first, value, row["default"])
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
    rows = {re.findall(r"`([^`]+)`", row["name"])[0]: row for row in _rows()}
    for key, value in calibrated.items():
        shown = rows[f"params.{key}"]["calibrated"]
        assert float(shown) == pytest.approx(value, rel=5e-3, abs=5e-4), key
    for name, row in rows.items():
        if name.removeprefix("params.") not in calibrated:
            assert row["calibrated"] == "—", name
