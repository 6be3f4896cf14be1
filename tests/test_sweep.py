"""Sweeps: designs, Sobol indices through the real code path, determinism across chunks and workers,
run k reproduced alone by run.py, and one-line errors for bad sweep declarations."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.calendar import Calendar
from sim.config import ConfigError, compose_config, to_container, validate
from sim.sweep import engine
from sim.sweep.design import design_points
from sim.sweep.sensitivity import sobol_indices
from sim.sweep.spec import Outcome, Parameter, Sweep, auto_chunk_size, read_sweep
from sim.sweep.task import run_sweep
from tests.conftest import SWEEP_ARGS, first_fast, run_script


def _cfg(*overrides: str) -> dict:
    return validate(to_container(compose_config(["report.figures=false", *overrides])))


def _calendar(cfg: dict) -> Calendar:
    return Calendar.from_strings(cfg["scenario"]["start"], cfg["scenario"]["end"])


@pytest.mark.parametrize(("design", "points", "rows"), [("random", 37, 37), ("lhs", 40, 40), ("sobol", 16, 16 * 15)])
def test_sampled_designs_have_the_right_rows_within_bounds(design, points, rows):
    cfg = _cfg("sweep=sobol_behaviour", f"sweep.design={design}", f"sweep.points={points}")
    sweep = read_sweep(cfg, _calendar(cfg))
    frame = design_points(sweep, seed=1)
    assert len(frame) == rows and list(frame["point"]) == list(range(rows))
    for p in sweep.parameters:
        assert frame[p.path].between(p.low, p.high).all(), p.path
        assert frame[p.path].nunique() > 1


def test_grid_design_is_every_combination():
    cfg = _cfg("sweep=sanctions_vs_alliance")
    sweep = read_sweep(cfg, _calendar(cfg))
    frame = design_points(sweep, seed=0)
    a, b = sweep.parameters
    assert len(frame) == len(a.values) * len(b.values) == 30
    assert set(zip(frame[a.path], frame[b.path], strict=True)) == {(x, y) for x in a.values for y in b.values}


def test_designs_are_seeded():
    cfg = _cfg("sweep=sobol_behaviour", "sweep.design=lhs", "sweep.points=20")
    sweep = read_sweep(cfg, _calendar(cfg))
    assert design_points(sweep, 5).equals(design_points(sweep, 5))
    assert not design_points(sweep, 5).equals(design_points(sweep, 6))


def test_sobol_indices_recover_the_ishigami_ranking():
    """Ishigami (a=7, b=0.1): total indices x1 > x2 > x3 > 0, first-order index of x3 is 0, x1's about 0.31."""
    bound = [-np.pi, np.pi]
    sweep = Sweep(
        "ishigami",
        "",
        "sobol",
        1024,
        1,
        4096,
        tuple(Parameter(f"x{k}", low=bound[0], high=bound[1]) for k in (1, 2, 3)),
        (Outcome("y", "mean"),),
    )
    design = design_points(sweep, seed=2)
    x1, x2, x3 = (design[f"x{k}"].to_numpy() for k in (1, 2, 3))
    y = np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3**4 * np.sin(x1)
    means = pd.DataFrame({"y": y}, index=pd.RangeIndex(len(y), name="point"))
    indices = sobol_indices(sweep, means, seed=2).set_index("parameter")
    st, s1 = indices["ST"], indices["S1"]
    assert st["x1"] > st["x2"] > st["x3"] > 0.1
    assert abs(s1["x3"]) < 0.05 and abs(s1["x1"] - 0.314) < 0.05 and abs(s1["x2"] - 0.442) < 0.05


def _small_sweep(chunk_size: int) -> dict:
    return _cfg(
        "sweep=sanctions_vs_alliance",
        "sweep.replicates=3",
        f"sweep.chunk_size={chunk_size}",
        "sweep.parameters={scenario.sanctions.USA.RUS.scale:{values:[0.5,1.0]},"
        "scenario.alliances.JPN.commitment:{values:[0.3,0.9]}}",
    )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_outcomes_do_not_depend_on_chunks_or_workers(tmp_path):
    results = {}
    for chunk_size, workers in ((1, 1), (4096, 1), (5, 2)):
        out = tmp_path / f"{chunk_size}-{workers}"
        run_sweep(_small_sweep(chunk_size), out, workers=workers, progress=False)
        results[(chunk_size, workers)] = out
    digests = {key: _digest(out / "outcomes.parquet") for key, out in results.items()}
    assert len(set(digests.values())) == 1, digests
    frame = pd.read_parquet(results[(1, 1)] / "outcomes.parquet")
    assert list(frame["run"]) == list(range(12)) and list(frame["point"]) == [k // 3 for k in range(12)]
    assert _digest(results[(1, 1)] / "series.parquet") == _digest(results[(5, 2)] / "series.parquet")
    assert not (results[(5, 2)] / "chunks").exists()


@pytest.mark.slow
def test_run_k_of_a_sweep_rerun_alone_gives_the_same_series(tmp_path):
    cfg = _small_sweep(4)
    run_sweep(cfg, tmp_path / "sweep", workers=1, progress=False)
    outcomes = pd.read_parquet(tmp_path / "sweep" / "outcomes.parquet")
    design = pd.read_parquet(tmp_path / "sweep" / "design.parquet")
    k = 7
    row = outcomes.iloc[k]
    point = design.iloc[int(row["point"])]
    assert row["stream"] == row["replicate"]  # common random numbers: replicate r draws stream r
    proc = run_script(
        "run.py",
        f"first_run={int(row['stream'])}",
        "replicates=1",
        f"seed={int(row['seed'])}",
        f"scenario.sanctions.USA.RUS.scale={point['scenario.sanctions.USA.RUS.scale']}",
        f"scenario.alliances.JPN.commitment={point['scenario.alliances.JPN.commitment']}",
        f"paths.output={tmp_path / 'single'}",
        "report.figures=false",
    )
    assert proc.returncode == 0, proc.stderr
    folder = Path(proc.stdout.strip().splitlines()[-1].removeprefix("output: "))
    series = pd.read_parquet(folder / "timeseries.parquet")
    assert set(series["run"]) == {int(row["stream"])}
    jr = series[(series["variable"] == "nci") & (series["source"] == "JPN") & (series["target"] == "RUS")]
    thaw = jr[(jr["date"] >= "2016-07-01") & (jr["date"] <= "2017-12-01")]
    assert thaw["value"].mean() == pytest.approx(row["nci_jr_thaw"], abs=1e-12)
    trust = series[(series["variable"] == "trust") & (series["source"] == "RUS") & (series["target"] == "JPN")]
    assert trust["value"].iloc[-1] == pytest.approx(row["trust_rj_final"], abs=1e-12)


def test_sweep_task_refuses_a_folder_with_results(tmp_path):
    cfg = _small_sweep(4096)
    (tmp_path / "outcomes.parquet").write_bytes(b"earlier results")
    with pytest.raises(Exception, match="refusing to overwrite"):
        run_sweep(cfg, tmp_path, workers=1, progress=False)
    assert (tmp_path / "outcomes.parquet").read_bytes() == b"earlier results"


@pytest.mark.parametrize(
    ("runs", "size"),
    [
        (1, 256),
        (1_500, 256),
        (4_096, 256),
        (4_097, 257),
        (7_680, 480),
        (20_000, 1_250),
        (65_536, 4_096),
        (10**6, 4_096),
    ],
)
def test_the_automatic_chunk_size_is_a_sixteenth_of_the_runs_within_256_to_4096(runs, size):
    assert auto_chunk_size(runs) == size


def test_a_sweep_without_a_chunk_size_takes_the_automatic_one_and_a_given_one_is_kept():
    """``chunk_size: 0`` (the shipped sweeps) becomes the automatic size of its runs; the plan's chunks cover every run
    once. The 30 x 50 grid: 1,500 runs in 6 chunks of 256 (the last 220), so that several processes share it."""
    cfg = _cfg("sweep=sanctions_vs_alliance")
    assert cfg["sweep"]["chunk_size"] == 0
    plan = engine.make_plan(cfg)
    assert (plan.runs, plan.sweep.chunk_size) == (1_500, 256)
    assert plan.chunks() == [(k, min(k + 256, 1_500)) for k in range(0, 1_500, 256)]
    big = engine.make_plan(_cfg("sweep=sanctions_vs_alliance", "sweep.replicates=3334"))
    assert (big.runs, big.sweep.chunk_size, len(big.chunks())) == (100_020, 4_096, 25)
    assert engine.make_plan(_cfg("sweep=sanctions_vs_alliance", "sweep.chunk_size=1000")).sweep.chunk_size == 1000
    with pytest.raises(ConfigError, match=r"sweep\.chunk_size = -1: must be >= 1 runs, or 0"):
        engine.make_plan(_cfg("sweep=sanctions_vs_alliance", "sweep.chunk_size=-1"))


def test_a_bad_outcome_is_named():
    cfg = _cfg("sweep=sanctions_vs_alliance")
    bad = copy.deepcopy(cfg)
    bad["sweep"]["outcomes"]["nci_jr_thaw"]["variable"] = "happiness"
    with pytest.raises(ConfigError, match=r"sweep\.outcomes\.nci_jr_thaw\.variable"):
        engine.make_plan(bad)


GOOD_OUTCOME = "{stat: final, variable: nci, dyad: JPN->RUS}"
BAD_SWEEPS = {
    "unknown_path": (
        "grid",
        "params.no_such_thing: {values: [1, 2]}",
        GOOD_OUTCOME,
        "sweep.parameters.params.no_such_thing = 'params.no_such_thing': no such key",
    ),
    "empty_values": (
        "grid",
        "params.reciprocity: {values: []}",
        GOOD_OUTCOME,
        "sweep.parameters.params.reciprocity.values = []: a grid needs a non-empty list of values",
    ),
    "low_above_high": (
        "lhs",
        "params.reciprocity: {low: 0.6, high: 0.2}",
        GOOD_OUTCOME,
        "sweep.parameters.params.reciprocity.low = 0.6: must not exceed high (0.2)",
    ),
    "empty_range": (
        "lhs",
        "params.reciprocity: {low: 0.4, high: 0.4}",
        GOOD_OUTCOME,
        "sweep.parameters.params.reciprocity = [0.4, 0.4]: empty range",
    ),
    "unknown_design": (
        "factorial",
        "params.reciprocity: {values: [0.2]}",
        GOOD_OUTCOME,
        "sweep.design = 'factorial': allowed: grid, random, lhs, sobol",
    ),
    "unknown_stat": (
        "grid",
        "params.reciprocity: {values: [0.2]}",
        "{stat: median, variable: nci, dyad: JPN->RUS}",
        "sweep.outcomes.x.stat = 'median': allowed: mean, final, month, by, pattern",
    ),
    "outcome_date": (
        "grid",
        "params.reciprocity: {values: [0.2]}",
        "{stat: mean, variable: nci, dyad: JPN->RUS, from: '2013-01', to: '2031-01'}",
        "sweep.outcomes.x.to = '2031-01'",
    ),
}


def _bad_sweep_args(tmp_path: Path, name: str) -> tuple[list[str], Path]:
    """The command line that runs BAD_SWEEPS[name] as a user's own sweep file, and its output folder."""
    design, parameter, outcome, _ = BAD_SWEEPS[name]
    folder = tmp_path / "conf" / "sweep"
    folder.mkdir(parents=True)
    (folder / f"{name}.yaml").write_text(
        f"# @package _global_\nsweep:\n  name: {name}\n  design: {design}\n  points: 8\n  replicates: 2\n"
        f"  parameters:\n    {parameter}\n  outcomes:\n    x: {outcome}\n"
    )
    output = tmp_path / "outputs"
    return [f"sweep={name}", f"hydra.searchpath=[file://{tmp_path / 'conf'}]", f"paths.output={output}"], output


@pytest.mark.parametrize("name", first_fast(sorted(BAD_SWEEPS)))
def test_bad_sweep_file_gives_one_line_and_writes_nothing(tmp_path, name, script_refuses):
    """The script's preflight, in-process: each mistake is one line naming it, and nothing is written."""
    args, output = _bad_sweep_args(tmp_path, name)
    assert BAD_SWEEPS[name][3] in script_refuses("sweep.py", *args)
    assert not output.exists()


@pytest.mark.slow
def test_the_sweep_script_refuses_a_bad_sweep_file_in_one_line(tmp_path):
    """The same through the real command line: exit 2, one line on stderr, no folder."""
    args, output = _bad_sweep_args(tmp_path, "unknown_design")
    proc = run_script("sweep.py", *args)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and BAD_SWEEPS["unknown_design"][3] in lines[0], (
        proc.stderr
    )
    assert not output.exists()


@pytest.mark.slow
def test_sweep_script_end_to_end(tmp_path):
    proc = run_script(
        "sweep.py",
        "sweep=sanctions_vs_alliance",
        "sweep.replicates=2",
        "sweep.chunk_size=16",
        "workers=2",
        "report.figures=false",  # the script's figures: test_the_sweep_script_draws_its_figures below
        f"paths.output={tmp_path}",
    )
    assert proc.returncode == 0, proc.stderr
    folder = Path(proc.stdout.strip().splitlines()[-1].removeprefix("output: "))
    assert folder.parent.name == "sanctions_vs_alliance"
    for name in ("design.parquet", "outcomes.parquet", "series.parquet", "points.csv", "manifest.json"):
        assert (folder / name).is_file(), name
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["sweep"]["runs"] == 60 and manifest["sweep"]["workers"] == 2
    assert set(manifest["files"]) >= {"design.parquet", "outcomes.parquet", "series.parquet", "points.csv"}


@pytest.mark.slow
def test_the_sweep_script_draws_its_figures(shared_folder):
    """The session's sweep folder, made by the real script with figures on: its figures are in its manifest."""
    folder = shared_folder(SWEEP_ARGS)
    figures = [
        name for name in json.loads((folder / "manifest.json").read_text())["files"] if name.startswith("figures/")
    ]
    assert any(name.endswith(".png") for name in figures) and any(name.endswith(".svg") for name in figures), figures
    assert all((folder / name).is_file() for name in figures)


def test_point_means_stream_the_outcome_file(tmp_path):
    cfg = _small_sweep(5)
    run_sweep(cfg, tmp_path, workers=1, progress=False)
    outcomes = pd.read_parquet(tmp_path / "outcomes.parquet")
    names = [c for c in outcomes.columns if c not in ("run", "point", "replicate", "seed", "stream")]
    from sim.sweep.sensitivity import point_means

    streamed = point_means(tmp_path / "outcomes.parquet", names, 4)
    expected = outcomes.groupby("point")[names].mean()
    np.testing.assert_allclose(streamed.to_numpy(), expected.to_numpy(), rtol=1e-12, equal_nan=True)
    points = pd.read_csv(tmp_path / "points.csv")
    np.testing.assert_allclose(points[names].to_numpy(), expected.to_numpy(), rtol=1e-9, equal_nan=True)


def test_common_random_numbers_share_noise_across_points(tmp_path):
    """With the same parameters, two design points that share replicate streams give identical outcomes."""
    cfg = _cfg(
        "sweep=sanctions_vs_alliance",
        "sweep.replicates=2",
        "sweep.parameters={scenario.sanctions.USA.RUS.scale:{values:[1.0,1.0]},"
        "scenario.alliances.JPN.commitment:{values:[0.8]}}",
    )
    run_sweep(cfg, tmp_path / "crn", workers=1, progress=False)
    frame = pd.read_parquet(tmp_path / "crn" / "outcomes.parquet")
    a, b = frame[frame["point"] == 0], frame[frame["point"] == 1]
    assert a["nci_jr_thaw"].tolist() == b["nci_jr_thaw"].tolist()
    cfg["sweep"]["common_random_numbers"] = False
    run_sweep(cfg, tmp_path / "independent", workers=1, progress=False)
    frame = pd.read_parquet(tmp_path / "independent" / "outcomes.parquet")
    a, b = frame[frame["point"] == 0], frame[frame["point"] == 1]
    assert a["nci_jr_thaw"].tolist() != b["nci_jr_thaw"].tolist()
