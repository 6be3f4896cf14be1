"""The generated documentation agrees with its declarations (``python -m sim.docs --check``): the parameter files,
README's and the ODD's lists of recorded variables and milestones, and README's table of sweep statistics; a
declaration edited alone is caught, and ``--write`` rewrites only the marked blocks."""

from __future__ import annotations

import shutil
from pathlib import Path

from sim import docs
from sim.config.load import PROJECT_ROOT
from sim.sweep.statistics import STATISTICS, Statistic

STALE_STATISTICS = (
    "README.md: 1 statistics block(s) differ from sim/sweep/statistics.py (run `python -m sim.docs --write`)"
)
COPIED = ("README.md", "docs/ODD.md", "conf/params/default.yaml", "conf/params/calibrated.yaml")


def _copy(tmp_path: Path) -> Path:
    for relative in COPIED:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT_ROOT / relative, tmp_path / relative)
    return tmp_path


def test_the_committed_docs_are_the_declarations():
    assert docs.drift() == []
    assert docs.main(["--check"]) == 0


def test_the_blocks_hold_every_declared_name():
    readme = (PROJECT_ROOT / "README.md").read_text()
    odd = (PROJECT_ROOT / "docs" / "ODD.md").read_text()
    for name in ("nci", "channel_openness", "target_interdependence", "two_plus_two", "treaty"):
        assert f"`{name}`" in readme and f"`{name}`" in odd, name
    assert all(f"| `{s}` |" in readme for s in ("mean", "final", "month", "by", "pattern"))
    assert len(docs._spans(odd, "variables")) == 2 and len(docs._spans(readme, "statistics")) == 1


def test_a_statistic_declared_only_in_the_registry_is_caught(monkeypatch):
    new = Statistic("spread", lambda m, o, s: None, ("variable", "dyad"), (), "max - min", "the variable's", str)
    monkeypatch.setitem(STATISTICS, "spread", new)
    assert docs.drift() == [STALE_STATISTICS]


def test_a_variable_declared_only_in_sim_variables_is_caught(monkeypatch):
    monkeypatch.setattr(docs, "DYAD_VARIABLES", (*docs.DYAD_VARIABLES, "mood"))
    problems = docs.drift()
    assert [p.split(":")[0] for p in problems] == ["README.md", "docs/ODD.md"]
    assert "1 variables block(s)" in problems[0] and "2 variables block(s)" in problems[1]


def test_write_regenerates_only_the_marked_blocks(tmp_path, monkeypatch):
    root = _copy(tmp_path)
    readme = root / "README.md"
    original = readme.read_text()
    begin, end = docs._markers("statistics")
    start, stop = original.index(begin), original.index(end)
    readme.write_text(original[:start] + begin + " -->\nstale\n" + original[stop:] + "\nan added line\n")
    assert docs.drift(root) == [STALE_STATISTICS]
    assert docs.write(root) == [readme]
    assert readme.read_text() == original + "\nan added line\n"
    assert docs.drift(root) == []


def test_a_deleted_block_is_named(tmp_path):
    root = _copy(tmp_path)
    odd = root / "docs" / "ODD.md"
    text = odd.read_text()
    for start, stop in reversed(docs._spans(text, "milestones")):
        text = text[:start] + "`two_plus_two`, `joint_activity` and `treaty`" + text[stop:]
    odd.write_text(text)
    assert docs.drift(root) == [
        "docs/ODD.md has no milestones block (<!-- milestones:begin ... <!-- milestones:end -->)"
    ]
