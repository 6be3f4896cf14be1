"""Every result folder holds a self-contained report.html: the command, the headline, its figures as data
URIs, its tables, the config and the other files' hashes; nothing loaded from the network; the same bytes
from the same results; and it renders in a real browser."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from sim.io import sha256
from sim.plots import STYLE, save_figure
from sim.report import REPORT, write_report
from sim.report.render import MAX_ROWS
from tests.conftest import CALIBRATE_ARGS, COMPARE_ARGS, RUN_ARGS, SWEEP_ARGS, VALIDATE_ARGS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# a src, href, url(), @import or srcset that would make the browser fetch something over the network
REMOTE = re.compile(
    r"""(?:\bsrc|\bhref|\bsrcset|\bdata)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import""",
    re.IGNORECASE,
)


def remote_loads(text: str) -> list[str]:
    return REMOTE.findall(text)


def folder_with_results(folder: Path) -> list[Path]:
    folder.mkdir(parents=True)
    with plt.rc_context(STYLE):  # the project's fixed SVG ids
        fig = plt.figure(figsize=(2, 1.5))
        ax = fig.subplots()
        ax.plot([0, 1], [0, 1])
        ax.set_ylabel("value")  # a figure the guard accepts: no warning in the test log
        written = save_figure(fig, folder, "line")
    plt.close(fig)
    table = pd.DataFrame({"run": range(100), "value": [k / 3 for k in range(100)]})
    table.to_csv(folder / "table.csv", index=False, lineterminator="\n")
    table.to_parquet(folder / "table.parquet", index=False)
    (folder / "summary.json").write_text(json.dumps({"nci": {"JPN->RUS": {"median": 3.25}}, "runs": 100}))
    return [*written, folder / "table.csv", folder / "table.parquet", folder / "summary.json"]


def test_report_embeds_figures_tables_config_and_hashes(tmp_path, cfg):
    written = folder_with_results(tmp_path / "a")
    path = write_report(tmp_path / "a", written, task="run", cfg=cfg, overrides=["replicates=100", "seed=3"])
    text = path.read_text(encoding="utf-8")
    png = base64.b64encode((tmp_path / "a" / "line.png").read_bytes()).decode()
    assert f'src="data:image/png;base64,{png}"' in text
    assert "python experiments/run.py replicates=100 seed=3" in text
    assert "python experiments/reproduce.py &lt;this folder&gt;" in text
    assert "<td>nci.JPN-&gt;RUS.median</td>" in text and "<td>3.25</td>" in text
    assert f"the first {MAX_ROWS} shown, all in the file" in text
    assert "100 rows × 2 columns" in text
    for file in written:
        assert sha256(file) in text
    assert "reciprocity:" in text  # the config
    assert str(tmp_path) not in text  # no absolute path: the re-run's folder gives the same bytes
    assert remote_loads(text) == []


def test_report_is_the_same_bytes_for_the_same_results_anywhere(tmp_path, cfg):
    paths = []
    for name in ("a", "b"):
        written = folder_with_results(tmp_path / name)
        changed = {**cfg, "workers": 7 if name == "a" else 1, "paths": {"root": str(tmp_path / name)}}
        paths.append(write_report(tmp_path / name, written, task="run", cfg=changed, overrides=["seed=3"]))
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_the_remote_load_check_catches_remote_resources():
    assert remote_loads('<img src="https://cdn.example/x.png">')
    assert remote_loads("<link href='//fonts.example/css'>")
    assert remote_loads("body{background:url(http://x/y.png)}")
    assert remote_loads("<style>@import 'x.css';</style>")
    assert not remote_loads('<p>see https://mesa.readthedocs.io</p><img src="data:image/png;base64,AAAA">')


def check_report(folder: Path) -> str:
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["files"][REPORT] == sha256(folder / REPORT)
    text = (folder / REPORT).read_text(encoding="utf-8")
    pngs = sorted(name for name in manifest["files"] if name.endswith(".png"))
    assert pngs, "every task draws figures"
    for name in pngs:
        assert base64.b64encode((folder / name).read_bytes()).decode() in text, name
    for name, digest in manifest["files"].items():
        if name != REPORT:
            assert digest in text, name
    assert remote_loads(text) == []
    return text


@pytest.mark.slow
@pytest.mark.parametrize(
    "args", [RUN_ARGS, SWEEP_ARGS, COMPARE_ARGS, VALIDATE_ARGS, CALIBRATE_ARGS], ids=lambda args: args[0]
)
def test_every_task_folder_has_its_report(shared_folder, args):
    folder = shared_folder(args)
    text = check_report(folder)
    assert f"python experiments/{args[0]}" in text


@pytest.mark.slow
def test_a_report_renders_in_headless_chromium(tmp_path, shared_folder):
    if CHROMIUM is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is missing in CI (apt-get install -y chromium)")
        pytest.skip("chromium is not installed (apt-get install -y chromium)")
    folder = shared_folder(RUN_ARGS)
    shot = tmp_path / "report.png"
    # no network at all: a report that needed one would render with holes, and --dump-dom shows what loaded
    flags = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--proxy-server=127.0.0.1:9",
        "--proxy-bypass-list=<-loopback>",
    ]
    subprocess.run(
        [*flags, f"--screenshot={shot}", "--window-size=1200,2400", (folder / REPORT).as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert shot.is_file() and shot.stat().st_size > 20_000
    dom = subprocess.run(
        [*flags, "--dump-dom", (folder / REPORT).as_uri()], capture_output=True, text=True, timeout=120, check=False
    ).stdout
    assert '<h2 id="figures">Figures</h2>' in dom
    assert dom.count("data:image/png;base64,") == len(list((folder / "figures").rglob("*.png")))
    if os.environ.get("REPORT_SCREENSHOT"):
        shutil.copyfile(shot, os.environ["REPORT_SCREENSHOT"])
