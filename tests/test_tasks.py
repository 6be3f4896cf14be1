"""One shape for every task (issue 10 §3): every script is a registered task with a primary config of its own;
one result folder writes atomically, collects the files, writes the manifest last and leaves no temporary file;
reproduce dispatches through the registry; the import graph keeps its layers and has no cycle."""

from __future__ import annotations

import ast
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config import compose_config
from sim.folder import MANIFEST, ResultFolder, check_fresh, temporary_files
from sim.io import OutputExistsError
from sim.tasks.base import Context, Task
from sim.tasks.registry import FOLDER_TOOLS, TASKS, by_script
from sim.tasks.reproduce import REPRODUCIBLE, Saved, rerun
from tests.conftest import ROOT

SCRIPTS = sorted(p.name for p in (ROOT / "experiments").glob("*.py"))


# ---- the registry -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("script", SCRIPTS)
def test_every_script_is_a_registered_task_or_a_folder_tool(script):
    tasks = {task.script for task in TASKS.values()}
    assert (script in tasks) != (script in FOLDER_TOOLS), f"{script}: a task ({sorted(tasks)}) or a folder tool"


@pytest.mark.parametrize("name", sorted(TASKS))
def test_every_task_has_its_own_primary_config_and_job_name(name):
    task = TASKS[name]
    assert isinstance(task, Task) and task.name == name
    assert (ROOT / "conf" / f"{task.config}.yaml").is_file()
    overrides = {"bench": ["sweep=sanctions_vs_alliance"], "discovery": ["folder=x", "condition='y >= 1'"]}
    composed = compose_config(overrides.get(name, []), config_name=task.config, return_hydra_config=True)
    assert composed.hydra.job.name == Path(task.script).stem  # as when @hydra.main named the job after the file
    assert task.files and all(isinstance(f, str) and "/" not in f for f in task.files)
    assert MANIFEST not in task.files and "report.html" not in task.files


@pytest.mark.parametrize("name", sorted(TASKS))
def test_a_task_script_is_a_thin_wrapper_that_never_edits_sys_argv(name):
    source = (ROOT / "experiments" / TASKS[name].script).read_text()
    tree = ast.parse(source)
    code = [node for node in tree.body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    assert len(code) <= 4, f"{TASKS[name].script}: {len(code)} statements; the task belongs in sim/tasks/"
    assert "sys.argv" not in source
    assert by_script(TASKS[name].script) is TASKS[name]


def test_no_task_module_edits_sys_argv():
    for path in sorted((ROOT / "sim").rglob("*.py")):
        assert "sys.argv.insert" not in path.read_text() and "sys.argv[1:] =" not in path.read_text(), path


def test_calibrate_composes_its_default_calibration_from_its_own_config():
    plain = compose_config(["calibration=replay_2013_2017"], config_name="config")
    own = compose_config([], config_name="calibrate")
    assert own.calibration.name == "replay_2013_2017" and own == plain
    other = compose_config(["calibration=replay_2013_2017", "calibration.replicates=3"], config_name="calibrate")
    assert other.calibration.replicates == 3


def test_validate_and_bench_choose_their_folders_in_their_config():
    validation = compose_config([], config_name="validate", return_hydra_config=True)
    assert "/validations/" in validation.hydra.run.dir
    bench = compose_config(["sweep=sanctions_vs_alliance"], config_name="bench", return_hydra_config=True)
    assert "/bench/sanctions_vs_alliance/" in bench.hydra.run.dir


def test_reproduce_dispatches_through_the_registry(tmp_path, monkeypatch):
    """``rerun`` calls the run of the task the manifest names, with the saved config and overrides."""
    seen = []

    def fake_run(cfg, out_dir, context):
        seen.append((cfg, out_dir, context))

    for name in REPRODUCIBLE:
        task = TASKS[name]
        monkeypatch.setitem(TASKS, name, Task(**{**task.__dict__, "run": fake_run}))
        config = tmp_path / name / "in" / ".hydra" / "config.yaml"
        config.parent.mkdir(parents=True)
        config.write_text("seed: 1\n")
        saved = Saved(config.parents[1], {"task": name, "files": {}}, config, {"seed": 1}, ["seed=1"], False, name)
        rerun(saved, tmp_path / name / "out", workers=3, progress=False)
        cfg, out_dir, context = seen[-1]
        assert (cfg, out_dir) == ({"seed": 1}, tmp_path / name / "out")
        assert context == Context(overrides=["seed=1"], workers=3, progress=False)
    assert len(seen) == len(REPRODUCIBLE) == len(TASKS) - 1  # every task but bench (no manifest)
    assert "bench" not in REPRODUCIBLE


# ---- the result folder ---------------------------------------------------------------------------------------


def _folder(path: Path, cfg: dict) -> ResultFolder:
    return ResultFolder.open(path, task="run", cfg=cfg, overrides=["seed=1"], names=["a.csv"])


def test_the_manifest_is_written_last_and_lists_every_collected_file(tmp_path, cfg):
    folder = _folder(tmp_path / "out", cfg)
    folder.write_text("a.csv", "x\n1\n")
    folder.write_json("summary.json", {"b": 2})
    order = []
    real = os.replace

    def spy(src, dst):
        order.append(Path(dst).name)
        real(src, dst)

    try:
        os.replace = spy
        manifest = folder.finish(extra={"k": 1})
    finally:
        os.replace = real
    assert order[-1] == MANIFEST and order.index("report.html") < order.index(MANIFEST)
    assert sorted(manifest["files"]) == ["a.csv", "report.html", "summary.json"]
    assert manifest["extra"] == {"k": 1} and manifest["task"] == "run"
    assert json.loads((tmp_path / "out" / MANIFEST).read_text())["files"] == manifest["files"]


def test_a_write_that_fails_midway_leaves_no_file_under_its_name(tmp_path, cfg):
    folder = _folder(tmp_path / "out", cfg)

    def half(tmp: Path) -> None:
        tmp.write_text("half a tab")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        folder.write("a.csv", half)
    assert not (tmp_path / "out" / "a.csv").exists()
    assert sorted(os.listdir(tmp_path / "out")) == []  # nor its temporary file


def test_a_killed_writer_leaves_only_a_hidden_temporary_which_finish_removes(tmp_path, cfg):
    """SIGKILL in the middle of a write: the final name never exists; the next finish clears the leftover."""
    out = tmp_path / "out"
    script = f"""
import os, signal
from pathlib import Path
from sim.io import atomic_write
def write(tmp):
    tmp.write_text("half")
    os.kill(os.getpid(), signal.SIGKILL)
atomic_write(Path({str(out / "a.csv")!r}), write)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "a.csv").exists()
    leftovers = temporary_files([out])
    assert [p.name.split(".tmp")[0] for p in leftovers] == [".a.csv"]
    folder = _folder(out, cfg)
    folder.write_text("a.csv", "x\n")
    folder.finish()
    assert sorted(os.listdir(out)) == ["a.csv", MANIFEST, "report.html"]


def test_a_finished_folder_is_refused_before_anything_is_touched(tmp_path, cfg):
    out = tmp_path / "out"
    folder = _folder(out, cfg)
    folder.write_text("a.csv", "x\n")
    folder.finish()
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()}
    with pytest.raises(OutputExistsError, match="holds finished results"):
        check_fresh(out)
    with pytest.raises(OutputExistsError, match="already holds results"):
        _folder(out, cfg)
    assert {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in out.iterdir()} == before


def test_a_finished_run_folder_keeps_no_temporary_or_lock_file(tmp_path, cfg):
    from sim.replay import run_replay

    cfg.update(replicates=1, stop="2013-03")
    cfg["report"].update(figures=False, windows={}, milestone_dates=[], trust_matrix_dates=[])
    run_replay(cfg, tmp_path / "run")
    names = sorted(p.relative_to(tmp_path / "run").as_posix() for p in (tmp_path / "run").rglob("*"))
    assert [n for n in names if n.rsplit("/", 1)[-1].startswith(".")] == []
    manifest = json.loads((tmp_path / "run" / MANIFEST).read_text())
    assert sorted(manifest["files"]) == sorted(n for n in names if n != MANIFEST)


def test_the_manifest_file_name_is_spelled_once():
    spelled = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "sim").rglob("*.py"))
        if '"manifest.json"' in path.read_text() or "'manifest.json'" in path.read_text()
    ]
    assert spelled == ["sim/folder.py"]


# ---- the import graph ------------------------------------------------------------------------------------------


def _import_graph():
    import importlib.util

    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "experiments" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_import_graph_has_at_most_ten_levels_and_no_cycle():
    counts = _import_graph().measure()
    assert counts["cycles"] == 0, counts["cycle_members"]
    assert counts["levels"] <= 10, counts


def test_the_import_graph_counts_a_cycle_and_ignores_type_checking_imports(tmp_path):
    package = tmp_path / "sim"
    (package / "sub").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "sub" / "__init__.py").write_text("from sim import a\n")
    (package / "a.py").write_text("def f():\n    from sim.sub import x\n")
    (package / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim import a\n")
    (package / "c.py").write_text("from sim import b\n")
    counts = _import_graph().measure(package)
    assert (counts["nodes"], counts["edges"], counts["cycles"], counts["levels"]) == (4, 3, 1, 2)
    assert counts["cycle_members"] == [["a", "sub"]]
