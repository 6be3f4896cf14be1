"""reproduce.py knows every kind of result folder by its manifest's task: validation, calibration and
comparison folders re-run through their own task and match byte for byte."""

from __future__ import annotations

import json

import pytest

from tests.conftest import CALIBRATE_ARGS, COMPARE_ARGS, VALIDATE_ARGS, run_script


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "task"),
    [(VALIDATE_ARGS, "validation"), (CALIBRATE_ARGS, "calibration"), (COMPARE_ARGS, "comparison")],
    ids=["validate", "calibrate", "compare"],
)
def test_reproduce_reruns_the_folder_through_its_own_task(tmp_path, shared_folder, args, task):
    folder = shared_folder(args)
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
