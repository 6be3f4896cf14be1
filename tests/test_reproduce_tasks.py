"""reproduce.py knows every kind of result folder by its manifest's task: validation, calibration and
comparison folders re-run through their own task and match byte for byte."""

from __future__ import annotations

import json

import pytest

from tests.conftest import run_script

CALIBRATION = [
    "calibration.last=2014-12",
    "stop=2014-12",
    "report=basic",
    "report.milestone_dates=[2014-12]",
    "report.trust_matrix_dates=[]",
    "calibration.replicates=3",
    "calibration.optimiser.popsize=1",
    "calibration.optimiser.maxiter=1",
]

VALIDATION = [
    "validation.seeds=[20180101]",
    "report.figures=false",
    "validation.runs=8",
    "validation.statics_runs=8",
    "validation.gradient.runs=4",
    "validation.gradient.values=[0.3,1.0]",
    "validation.lhs.points=4",
    "validation.lhs.replicates=1",
    "validation.lhs.chunk_size=2",
    "workers=1",
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "args", "task"),
    [
        ("validate.py", VALIDATION, "validation"),
        ("calibrate.py", CALIBRATION, "calibration"),
        ("compare.py", ["experiment=japan_never_sanctions", "replicates=4"], "comparison"),
    ],
)
def test_reproduce_reruns_the_folder_through_its_own_task(tmp_path, script, args, task):
    folder = tmp_path / task
    made = run_script(script, f"hydra.run.dir={folder}", *args)
    assert (folder / "manifest.json").exists(), made.stderr[-2000:]
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["task"] == task
    done = run_script("reproduce.py", str(folder), "--out", str(tmp_path / "again"))
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"({task}," in done.stdout
    # an untouched folder of this checkout composes again from its own overrides: no warning that it does not
    assert "conf/ no longer composes" not in done.stderr and "composes a different config" not in done.stderr, (
        done.stderr
    )
    assert f"{len(manifest['files'])} of {len(manifest['files'])} result files identical" in done.stdout
