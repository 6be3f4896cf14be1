"""The documentation written from the declarations, and the check that the committed files agree with them.

* parameters (``sim/config/parameters.py``): ``conf/params/default.yaml`` and docs/ODD.md's ``params.*`` table,
  by ``sim.config.param_docs``;
* recorded variables (``sim/variables.py``): every ``variables`` block of README.md and docs/ODD.md (the list of
  the dyad variables in ``timeseries.parquet``) and every ``milestones`` block (its milestone indicators);
* sweep statistics (``sim/sweep/statistics.py``): the ``statistics`` block of README.md (the table of the
  ``stat`` an outcome may ask for, and the keys they take).

A block is the text between ``<!-- NAME:begin ...-->`` and ``<!-- NAME:end -->``; a file may hold several blocks
of one name, and each gets the same text.

    python -m sim.docs --write   # after editing a declaration: regenerate every generated file and block
    python -m sim.docs --check   # exit 1, naming what drifted (tests/test_docs.py runs it)
"""

from __future__ import annotations

from pathlib import Path

from sim.config import param_docs
from sim.config.load import PROJECT_ROOT
from sim.sweep.statistics import FIELDS, STATISTICS
from sim.variables import ATTRIBUTION_VARIABLES, DYAD_VARIABLES, MILESTONES

COMMAND = "python -m sim.docs --write"
# the files whose blocks are generated here, and the blocks each must hold
FILES = {"README.md": ("variables", "milestones", "statistics"), "docs/ODD.md": ("variables", "milestones")}


def _names(names: tuple[str, ...] | list[str], last: str = "and") -> str:
    quoted = [f"`{n}`" for n in names]
    return ", ".join(quoted[:-1]) + f" {last} " + quoted[-1] if len(quoted) > 1 else "".join(quoted)


def variables_text() -> str:
    """The dyad variables of ``timeseries.parquet``, in their recorded order."""
    own = [v for v in DYAD_VARIABLES if v not in ATTRIBUTION_VARIABLES]
    return (
        f"{_names(own)}, and the {len(ATTRIBUTION_VARIABLES)} terms of the cooperation target "
        f"{_names(ATTRIBUTION_VARIABLES)} (they add up to `cooperation_target`)"
    )


def milestones_text() -> str:
    return _names(MILESTONES)


def statistics_text() -> str:
    """README's table of the sweep statistics and the keys they take."""
    lines = ["| `stat` | keys (optional in brackets) | each run's value | unit |", "|---|---|---|---|"]
    for s in STATISTICS.values():
        keys = ", ".join([f"`{k}`" for k in s.requires] + [f"[`{k}`]" for k in s.allows])
        lines.append(f"| `{s.name}` | {keys} | {s.meaning} | {s.unit} |")
    lines += ["", "Keys: " + "; ".join(f"`{k}`: {what}" for k, what in FIELDS.items()) + "."]
    return "\n".join(lines)


# name -> (declaration, text, inline: the block sits inside a sentence or a table cell)
BLOCKS = {
    "variables": ("sim/variables.py", variables_text, True),
    "milestones": ("sim/variables.py", milestones_text, True),
    "statistics": ("sim/sweep/statistics.py", statistics_text, False),
}


def _markers(name: str) -> tuple[str, str]:
    return f"<!-- {name}:begin", f"<!-- {name}:end -->"


def block(name: str) -> str:
    """The generated block ``name``, markers included."""
    source, text, inline = BLOCKS[name]
    begin, end = _markers(name)
    if inline:
        return f"{begin} (from {source}: {COMMAND}) -->{text()}{end}"
    note = f"generated from {source} by `{COMMAND}`; edit the declaration, not these lines"
    return f"{begin}: {note} -->\n{text()}\n{end}"


def _spans(text: str, name: str) -> list[tuple[int, int]]:
    """(start, end) of every block ``name`` in ``text``, markers included."""
    begin, end = _markers(name)
    spans, start = [], text.find(begin)
    while start >= 0:
        stop = text.find(end, start)
        if stop < 0:
            raise ValueError(f"a {begin} has no {end}")
        spans.append((start, stop + len(end)))
        start = text.find(begin, stop)
    return spans


def regenerate(text: str) -> str:
    """``text`` with every generated block replaced by its current text."""
    for name in BLOCKS:
        new = block(name)
        for start, stop in reversed(_spans(text, name)):
            text = text[:start] + new + text[stop:]
    return text


def drift(root: Path = PROJECT_ROOT) -> list[str]:
    """Every file or block that disagrees with its declaration (parameters included)."""
    problems = [p.replace(param_docs.COMMAND, COMMAND) for p in param_docs.drift(root)]
    for relative in FILES:
        text = (root / relative).read_text()
        for name in FILES[relative]:
            if not _spans(text, name):
                problems.append(f"{relative} has no {name} block ({_markers(name)[0]} ... {_markers(name)[1]})")
        for name in BLOCKS:
            stale = sum(text[a:b] != block(name) for a, b in _spans(text, name))
            if stale:
                problems.append(f"{relative}: {stale} {name} block(s) differ from {BLOCKS[name][0]} (run `{COMMAND}`)")
    return problems


def write(root: Path = PROJECT_ROOT) -> list[Path]:
    """Regenerate every generated file and block; returns the files that changed."""
    changed = param_docs.write(root)
    for relative in FILES:
        path = root / relative
        old = path.read_text()
        if (new := regenerate(old)) != old:
            path.write_text(new)
            changed.append(path)
    return sorted(set(changed))


def main(argv: list[str] | None = None) -> int:
    return param_docs.generate_cli(
        argv, __doc__.splitlines()[0], "regenerate every generated file and block", write, drift, PROJECT_ROOT
    )


if __name__ == "__main__":
    raise SystemExit(main())
