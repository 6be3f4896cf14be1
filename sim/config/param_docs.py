"""The files written from the parameter declaration (``sim.config.parameters``), and the check that they agree.

* ``conf/params/default.yaml``: the shipped defaults, one line each with symbol, unit and meaning;
* the ``params.*`` table of ``docs/ODD.md``, between ``<!-- params:begin ...`` and ``<!-- params:end -->``
  (its "calibrated" column is read from ``conf/params/calibrated.yaml``).

    python -m sim.config.param_docs --write   # regenerate both after editing the declaration (or calibrating)
    python -m sim.config.param_docs --check   # exit 1, naming what drifted, if either differs

``drift()`` also compares the schema's ``Params`` dataclass with the declaration; ``tests/test_parameters.py``
runs it, so a parameter edited in one place only fails the tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import typing
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from sim.config.parameters import PARAMETERS, Param

BEGIN = "<!-- params:begin"
END = "<!-- params:end -->"
COMMAND = "python -m sim.config.param_docs --write"
COLUMNS = ("name", "symbol", "meaning", "unit", "default", "calibrated", "SA range", "allowed", "source")


def _root() -> Path:
    from sim.config.load import PROJECT_ROOT  # imported late: loading imports the schema, which imports us

    return PROJECT_ROOT


def defaults_path(root: Path | None = None) -> Path:
    return (root or _root()) / "conf" / "params" / "default.yaml"


def odd_path(root: Path | None = None) -> Path:
    return (root or _root()) / "docs" / "ODD.md"


def calibrated_values(root: Path | None = None) -> dict[str, float]:
    """``conf/params/calibrated.yaml`` without its defaults list."""
    data = yaml.safe_load(((root or _root()) / "conf" / "params" / "calibrated.yaml").read_text()) or {}
    return {k: v for k, v in data.items() if k != "defaults"}


# --- conf/params/default.yaml ---------------------------------------------------------------------------------


def _yaml_value(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_yaml_value(v)}" for k, v in value.items()) + "}"
    return repr(float(value))


def _comment(p: Param) -> str:
    unit = f" [{p.unit}]" if p.unit != "—" else ""
    symbol = f"{p.symbol}{unit}: " if p.symbol != "—" else (f"[{p.unit}] " if unit else "")
    return f"# {symbol}{p.meaning}{_moved(p, '; ')}"


def _moved(p: Param, sep: str) -> str:
    """`` (§5.8: 0.3, deviation z)`` for a default moved from MODEL-NOTES, `` (new, deviation aa)`` for a new one."""
    if not p.deviation:
        return ""
    origin = f"§5.8: {_number(p.notes)}" if p.notes is not None else "new"
    return f" ({origin}{sep}deviation {p.deviation})"


def defaults_yaml(params: Iterable[Param] = PARAMETERS) -> str:
    """The text of ``conf/params/default.yaml``."""
    params = list(params)
    lines = [
        "# Behavioural parameters (params.*): the shipped defaults. GENERATED from sim/config/parameters.py by",
        f"#   {COMMAND}",
        "# Edit the declaration, not this file: tests/test_parameters.py fails when the two differ. Symbols, units,",
        '# ranges, allowed values and sources: docs/ODD.md, "Parameters". Defaults are the starting values of',
        "# MODEL-NOTES §5.8, four of them moved inside their §5.8 ranges (docs/ODD.md, deviation z).",
        "# Any of them can be overridden: params.reciprocity=0.4",
    ]
    width = max(len(p.name) + 2 + (0 if p.is_table else len(_yaml_value(p.default))) for p in params) + 2
    section = None
    for p in params:
        if p.section != section:
            section = p.section
            lines += ["", f"# {section}"]
        if p.is_table and p.default:
            lines.append(f"{p.name}:".ljust(width) + _comment(p))
            lines += [f"  {src}: {_yaml_value(row)}" for src, row in p.default.items()]
        else:
            value = "{}" if p.is_table else _yaml_value(p.default)
            lines.append(f"{p.name}: {value}".ljust(width) + _comment(p))
    return "\n".join(lines) + "\n"


# --- docs/ODD.md ----------------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return repr(float(value))


def _default_cell(p: Param) -> str:
    if p.is_table:
        pairs = [f"{src[0]}–{tgt[0]} {value:g}" for src, row in p.default.items() for tgt, value in row.items()]
        text = ", ".join(pairs) or "{}"
    else:
        text = p.shown or _number(p.default)
    return text + _moved(p, ", ")


def _range_cell(p: Param) -> str:
    r = p.range
    if r is None:
        return p.range_text or "—"
    if r.relative:
        share = 1.0 - r.low
        symmetric = 0 < share < 1 and abs((1.0 + share) - r.high) < 1e-12
        text = f"±{share * 100:g}%" if symmetric else f"×{r.low:g}–{r.high:g}"
    elif r.low == p.domain.low and p.domain.low_open:
        text = f"({r.low:g}, {r.high:g}]"  # the domain excludes the range's lower end
    else:
        text = f"{r.low:g}–{r.high:g}"
    return f"{text} ({r.note})" if r.note else text


def _name_cell(p: Param) -> str:
    return f"`params.{p.name}.<i>.<j>`" if p.is_table else f"`params.{p.name}`"


def odd_table(calibrated: Mapping[str, float], params: Iterable[Param] = PARAMETERS) -> str:
    """The generated block of ``docs/ODD.md``, markers included."""
    lines = [
        f"{BEGIN}: generated from sim/config/parameters.py by `{COMMAND}`; edit the declaration, not these lines -->",
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "---|" * len(COLUMNS),
    ]
    for p in params:
        cells = (
            _name_cell(p),
            p.symbol,
            p.meaning,
            p.unit,
            _default_cell(p),
            f"{calibrated[p.name]:.4g}" if p.name in calibrated else "—",
            _range_cell(p),
            p.domain.interval(),
            p.source,
        )
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join([*lines, END])


def replace_block(text: str, block: str) -> str:
    """``text`` with its ``params:begin``..``params:end`` block replaced by ``block``."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise ValueError(f"docs/ODD.md has no {BEGIN} ... {END} block")
    return text[:start] + block + text[end + len(END) :]


def committed_block(text: str) -> str:
    start, end = text.find(BEGIN), text.find(END)
    return text[start : end + len(END)] if 0 <= start < end else ""


# --- agreement ------------------------------------------------------------------------------------------------


def schema_drift(params_class: type, params: Iterable[Param] = PARAMETERS) -> list[str]:
    """Differences between a ``Params`` dataclass and the declaration: names, order, types and defaults."""
    problems = []
    fields = {f.name: f for f in dataclasses.fields(params_class)}
    hints = typing.get_type_hints(params_class)
    declared = [p.name for p in params]
    if list(fields) != declared:
        missing, extra = sorted(set(declared) - set(fields)), sorted(set(fields) - set(declared))
        problems.append(f"Params fields differ from the declaration (missing {missing}, undeclared {extra})")
    for p in params:
        f = fields.get(p.name)
        if f is None:
            continue
        want = dict[str, dict[str, float]] if p.is_table else float
        if hints[p.name] != want:
            problems.append(f"Params.{p.name} is typed {hints[p.name]}, the declaration needs {want}")
        default = f.default_factory() if f.default is dataclasses.MISSING else f.default
        if default != ({} if p.is_table else p.default):
            problems.append(f"Params.{p.name} defaults to {default!r}, the declaration to {p.default!r}")
    return problems


def drift(root: Path | None = None, params: Iterable[Param] = PARAMETERS) -> list[str]:
    """Everything that disagrees with the declaration: the schema, ``default.yaml`` and the ODD table."""
    from sim.config.schema import Params

    params = list(params)
    problems = schema_drift(Params, params)
    if defaults_path(root).read_text() != defaults_yaml(params):
        problems.append(f"conf/params/default.yaml is not the declaration's text (run `{COMMAND}`)")
    odd = odd_path(root).read_text()
    if committed_block(odd) != odd_table(calibrated_values(root), params):
        problems.append(f"docs/ODD.md's parameter table is not the declaration's (run `{COMMAND}`)")
    return problems


def write(root: Path | None = None) -> list[Path]:
    """Write ``default.yaml`` and the ODD table from the declaration; returns the files that changed."""
    changed = []
    path = defaults_path(root)
    if path.read_text() != (text := defaults_yaml()):
        path.write_text(text)
        changed.append(path)
    path = odd_path(root)
    old = path.read_text()
    if old != (text := replace_block(old, odd_table(calibrated_values(root)))):
        path.write_text(text)
        changed.append(path)
    return changed


def generate_cli(argv, description: str, write_help: str, write, drift, root: Path) -> int:
    """``--write`` (regenerate, print what changed) or ``--check`` (print each drift, exit 1 if any): the command
    line of every generator of docs from declarations (this module, ``sim.docs``)."""
    parser = argparse.ArgumentParser(description=description)
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--write", action="store_true", help=write_help)
    action.add_argument("--check", action="store_true", help="exit 1 if anything disagrees with its declaration")
    args = parser.parse_args(argv)
    if args.write:
        for path in write():
            print(f"wrote {path.relative_to(root)}")
        return 0
    problems = drift()
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    return generate_cli(
        argv, __doc__.splitlines()[0], "regenerate conf/params/default.yaml and the ODD table", write, drift, _root()
    )


if __name__ == "__main__":
    raise SystemExit(main())
