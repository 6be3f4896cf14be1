"""Every class of bad input is refused before anything is written: one line on stderr naming the key (or file
and line), the bad value and what is allowed; exit status 2; no traceback; no byte of any existing folder
changed. One test per class, parametrized over the examples of issue 10 and more of each class; the first example
of a class runs in ``make test``, the others in ``make test-slow`` (``first_fast``; CI runs both).

Most cases call the scripts' preflight in-process (what ``experiments/*.py`` run before ``hydra.main``); the
end-to-end cases at the bottom run the real scripts and compare a folder's bytes before and after.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sim.calibration.task import check_calibration
from sim.cli import preflight
from sim.config import ConfigError, compose_config, to_container, validate
from sim.config.validate import validate_ranges
from sim.memory import check_memory
from sim.model import RelationsModel
from sim.observed import ObservedDataError, read_events
from sim.tasks import sweep as sweep_script
from tests.conftest import first_fast, folder_tool, run_script, short_overrides


@pytest.fixture
def refused(capsys, tmp_path):
    """``refused(argv, ...)``: the one-line error the preflight gives ``argv`` (which must exit 2)."""

    def check(argv: list[str], config_name: str = "config", **kwargs) -> str:
        if not any(a.startswith(("hydra.run.dir=", "paths.output=")) for a in argv):
            argv = [*argv, f"paths.output={tmp_path / 'outputs'}"]
        with pytest.raises(SystemExit) as stop:
            preflight(argv, config_name=config_name, **kwargs)
        err = capsys.readouterr().err
        assert stop.value.code == 2, err
        assert err.startswith("error: ") and err.count("\n") == 1, err
        assert "Traceback" not in err
        assert not (tmp_path / "outputs").exists()  # nothing was written
        return err

    return check


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every file's bytes and every folder's name under ``folder``."""
    return {str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None) for p in sorted(folder.rglob("*"))}


# ---- unknown keys -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arg", "expected"),
    first_fast(
        [
            ("+params.wedge_wieght=2", "params.wedge_wieght = 2: unknown key; did you mean `wedge_weight`?"),
            ("params.wedge_wieght=2", "params.wedge_wieght = 2: unknown key; did you mean `wedge_weight`?"),
            ("+params.no_such_param=1", "params.no_such_param = 1: unknown key"),
            ("+foo=1", "foo = 1: unknown key; allowed: seed, replicates"),
            (
                "+scenario.alliances.JPN.comitment=0.5",
                "scenario.alliances.JPN.comitment = 0.5: unknown key; did you mean `commitment`?",
            ),
            (
                "scenario.sanctions.USA.RUS.steps.0.colour=red",
                "scenario.sanctions.USA.RUS.steps[0].colour = 'red': unknown key; allowed: date, level, note",
            ),
            (
                "+scenario.investment.flows.JPN.RUS.baseline_flw=0.1",
                "scenario.investment.flows.JPN.RUS.baseline_flw = 0.1: unknown key; did you mean `baseline_flow`?",
            ),
            ("+report.figurs=false", "report.figurs = False: unknown key; did you mean `figures`?"),
            (
                "+scenario.threat.shocks.0.sise=2",
                "scenario.threat.shocks[0].sise = 2: unknown key; did you mean `size`?",
            ),
        ],
        fast=2,
    ),
)
def test_unknown_keys_are_refused_with_a_suggestion(refused, arg, expected):
    assert expected in refused([arg])


# ---- dates --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arg", "key"),
    first_fast(
        [
            (
                "scenario.sanctions.USA.RUS.steps.0.date=2014-02-30",
                "scenario.sanctions.USA.RUS.steps[0].date = '2014-02-30'",
            ),
            ("scenario.summits.0.date=2015-04-31", "scenario.summits[0].date = '2015-04-31'"),
            ("+scenario.markers.crisis=2015-02-29", "scenario.markers.crisis = '2015-02-29'"),
            ("stop=2014-13", "stop = '2014-13'"),
            ("scenario.threat.shocks.0.date=2013-00-10", "scenario.threat.shocks[0].date = '2013-00-10'"),
        ],
        fast=1,
    ),
)
def test_dates_are_real_calendar_dates(refused, arg, key):
    assert key in refused([arg])


def test_a_real_day_is_accepted():
    validate(to_container(compose_config(["scenario.sanctions.USA.RUS.steps.0.date=2014-02-28"])))


# ---- seeds and run indices ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arg", "expected"),
    first_fast(
        [
            ("seed=18446744073709551616", "seed = 18446744073709551616: must be an integer in [0, 2**64 - 1"),
            ("seed=-1", "seed = -1: must be an integer in [0, 2**64 - 1"),
            ("seed=${oc.env:HOME}", "seed = "),
            ("seed=1.5", "seed"),
            ("seed=abc", "seed"),
            ("first_run=18446744073709551615", "first_run = 18446744073709551615: run indices"),
        ],
        fast=1,
    ),
)
def test_seeds_fit_their_type(refused, arg, expected, monkeypatch):
    monkeypatch.setenv("HOME", "/home/someone")
    err = refused([arg])
    assert expected in err
    if "HOME" in arg:
        assert "'/home/someone': must be an integer" in err


def test_the_largest_seed_is_accepted():
    assert validate(to_container(compose_config([f"seed={2**64 - 1}"])))["seed"] == 2**64 - 1


# ---- names that become paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "config_name", "key"),
    first_fast(
        [
            (
                ["sweep=sanctions_vs_alliance", "sweep.name=../../../../x"],
                "sweep_config",
                "sweep.name = '../../../../x'",
            ),
            (["sweep=sanctions_vs_alliance", "sweep.name=a/b"], "sweep_config", "sweep.name = 'a/b'"),
            (["sweep=sanctions_vs_alliance", f"sweep.name={'x' * 300}"], "sweep_config", "sweep.name = 'xxxx"),
            (["sweep=sanctions_vs_alliance", "sweep.name=.hidden"], "sweep_config", "sweep.name = '.hidden'"),
            (["sweep=sanctions_vs_alliance", "sweep.name=''"], "sweep_config", "sweep.name = ''"),
            (
                ["experiment=japan_never_sanctions", "compare.name=../../../../x"],
                "compare",
                "compare.name = '../../../../x'",
            ),
            (["experiment=japan_never_sanctions", "compare.name='a b'"], "compare", "compare.name = 'a b'"),
            (["calibration=replay_2013_2017", "calibration.name=../up"], "config", "calibration.name = '../up'"),
        ],
        fast=1,
    ),
)
def test_names_that_become_paths_are_plain_names(refused, argv, config_name, key):
    err = refused(argv, config_name=config_name)
    assert key in err and "must be a plain name" in err


# ---- output locations -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", first_fast(["empty", "file", "under_a_file", "proc", "long", "sweep_proc"]))
def test_output_locations_are_checked_before_use(refused, tmp_path, case):
    a_file = tmp_path / "a_file"
    a_file.write_text("not a folder\n")
    argv, config_name, expected = {
        "empty": (["hydra.run.dir="], "config", "hydra.run.dir = '': must name a folder"),
        "file": ([f"hydra.run.dir={a_file}"], "config", "is a file, not a folder"),
        "under_a_file": ([f"hydra.run.dir={a_file}/run"], "config", "is a file, so no folder can be made under it"),
        "proc": (["paths.output=/proc/forbidden"], "config", "cannot create a folder in /proc"),
        "long": ([f"hydra.run.dir={tmp_path / ('y' * 300)}"], "config", "is 300 bytes, longer than the 255"),
        "sweep_proc": (
            ["sweep=sanctions_vs_alliance", "paths.output=/proc/forbidden"],
            "sweep_config",
            "cannot create a folder in /proc",
        ),
    }[case]
    kwargs = (
        {"check": sweep_script.check_sweep, "folder_check": sweep_script.check_folder}
        if config_name == "sweep_config"
        else {}
    )
    assert expected in refused(argv, config_name=config_name, **kwargs)
    assert a_file.read_text() == "not a folder\n"


# ---- memory -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("replicates", first_fast([10**12, 10**7]))
def test_a_run_that_would_not_fit_in_memory_is_refused(refused, replicates):
    err = refused([f"replicates={replicates}"])
    assert f"replicates = {replicates}: needs about" in err
    assert f"{replicates:,} runs x 72 months x 12 dyads x" in err
    assert "available: run fewer replicates per folder" in err and "experiments/sweep.py" in err


def test_memory_estimate_against_a_given_limit(base_cfg):
    cfg = {**base_cfg, "replicates": 1000}
    need = 1000 * 72 * 12 * 22 * 96
    check_memory(cfg, limit=need)  # exactly fits
    with pytest.raises(ConfigError, match=r"more than the 1\.0 MiB available"):
        check_memory(cfg, limit=2**20)
    with pytest.raises(ConfigError, match="2 ensembles x 1,000 runs"):
        check_memory(cfg, ensembles=2, limit=need)


@pytest.mark.parametrize(
    ("arg", "expected"),
    first_fast(
        [
            ("replicates=0", "replicates = 0: must be >= 1"),
            ("replicates=-5", "replicates = -5: must be >= 1"),
        ],
        fast=1,
    ),
)
def test_replicates_must_be_positive(refused, arg, expected):
    assert expected in refused([arg])


# ---- sweep files --------------------------------------------------------------------------------------------------

GOOD_SWEEP = """\
# @package _global_
sweep:
  name: mine
  design: grid
  replicates: 2
  parameters:
    scenario.alliances.JPN.commitment: {values: [0.3, 0.9]}
  outcomes:
    nci_jr: {stat: mean, variable: nci, dyad: JPN->RUS}
"""
BAD_SWEEPS = {
    "yaml_syntax": (
        b"# @package _global_\nsweep:\n  name: [unclosed\n",
        "line 4, column 1: YAML syntax error: expected ',' or ']'",
    ),
    "no_header": (GOOD_SWEEP.split("\n", 1)[1].encode(), "line 1: missing '# @package _global_'"),
    "empty": (b"", "is empty"),
    "only_comments": (b"# @package _global_\n# nothing here\n", "is empty"),
    "binary": (bytes(range(256)) * 2, "line 1: binary data"),
    "latin1": ("# @package _global_\n# caf\u00e9\nsweep: {}\n".encode("latin-1"), "line 2: not UTF-8 text (byte 0xe9)"),
    "a_list": (b"# @package _global_\n- a\n- b\n", "must hold a mapping"),
    "tabs": (b"# @package _global_\nsweep:\n\tname: x\n", "line 3, column 1: YAML syntax error"),
}


@pytest.mark.parametrize("case", sorted(BAD_SWEEPS))
def test_sweep_files_are_checked_whole_with_the_file_named(refused, tmp_path, case):
    content, expected = BAD_SWEEPS[case]
    conf = tmp_path / "conf" / "sweep"
    conf.mkdir(parents=True)
    (conf / "mine.yaml").write_bytes(content)
    err = refused(
        ["sweep=mine", f"hydra.searchpath=[file://{tmp_path / 'conf'}]", f"paths.output={tmp_path / 'outputs'}"],
        config_name="sweep_config",
        check=sweep_script.check_sweep,
        folder_check=sweep_script.check_folder,
    )
    assert f"sweep = 'mine': {conf / 'mine.yaml'}: " in err and expected in err


def test_a_scenario_naming_an_unknown_timeline_is_refused_in_one_line(refused, tmp_path):
    """A user's scenario whose events name a timeline that is not shipped (or a path): the key, the name and the
    timelines allowed, once (OmegaConf wraps a resolver's error in a second copy of it)."""
    conf = tmp_path / "conf" / "scenario"
    conf.mkdir(parents=True)
    (conf / "mine.yaml").write_text(
        "defaults:\n  - replay_2012_2017\n  - _self_\nname: mine\nevents: ${timeline:../secrets,${.countries}}\n"
    )
    err = refused(["scenario=mine", f"hydra.searchpath=[file://{tmp_path / 'conf'}]"])
    assert err.startswith("error: scenario.events: ") and err.count("timeline '../secrets'") == 1, err
    assert "allowed: timeline_2013_2017" in err


def test_one_event_of_an_inline_list_can_be_overridden_but_not_of_a_timeline(refused, tmp_path):
    """``scenario.events.0.date=...`` edits a scenario's own inline list; the replay's list is read from the timeline
    file when the config is resolved, so the same override is refused in one line, naming what is allowed."""
    conf = tmp_path / "conf" / "scenario"
    conf.mkdir(parents=True)
    (conf / "inline.yaml").write_text(
        "defaults:\n  - replay_2012_2017\n  - _self_\nname: inline\n"
        "events:\n  - {date: '2014-05', source: CHN, target: RUS, cameo: '057', role: forcing}\n"
    )
    searchpath = f"hydra.searchpath=[file://{tmp_path / 'conf'}]"
    preflight(["scenario=inline", searchpath, "scenario.events.0.date=2014-06", f"paths.output={tmp_path / 'out'}"])
    err = refused(["scenario.events.0.date=2014-06"])
    assert err.startswith("error: scenario.events.0.date=2014-06: cannot override one event of scenario.events")
    assert "scenario.added_events=[...]" in err


@pytest.mark.parametrize(
    ("extra", "expected"),
    first_fast(
        [
            # k_JR and k_RJ each fine alone, unstable together at their highest (1.1 x 1.1 = 1.21)
            (
                "    params.reciprocity_by_dyad.JPN.RUS: {values: [0.5, 1.1]}\n"
                "    params.reciprocity_by_dyad.RUS.JPN: {values: [0.5, 1.1]}\n",
                "k_JPNRUS * k_RUSJPN = 1.21 must be < 1",
            ),
            # an out-of-range grid value: found before the sweep folder exists
            (
                "    scenario.sanctions.USA.RUS.scale: {values: [0.5, 1.5]}\n",
                "scenario.sanctions.USA.RUS.scale = 1.5: scaled level of step",
            ),
            (
                "    params.trust_reversion: {values: [0.1, 1.2]}\n",
                "params.trust_reversion = 1.2: must be a level in [0, 1]",
            ),
        ],
        fast=1,
    ),
)
def test_sweep_values_are_checked_jointly_before_a_folder_is_made(refused, tmp_path, extra, expected):
    conf = tmp_path / "conf" / "sweep"
    conf.mkdir(parents=True)
    text = GOOD_SWEEP.replace("  parameters:\n", "  parameters:\n" + extra)
    (conf / "mine.yaml").write_text(text)
    err = refused(
        [
            "sweep=mine",
            f"hydra.searchpath=[file://{tmp_path / 'conf'}]",
            "+params.reciprocity_by_dyad={JPN:{RUS:0.5},RUS:{JPN:0.5}}",
        ],
        config_name="sweep_config",
        check=sweep_script.check_sweep,
        folder_check=sweep_script.check_folder,
    )
    assert expected in err


def test_per_run_values_are_checked_jointly_by_the_model(base_cfg):
    cfg = {
        **base_cfg,
        "params": {**base_cfg["params"], "reciprocity_by_dyad": {"JPN": {"RUS": 0.5}, "RUS": {"JPN": 0.5}}},
    }
    settings = {"params.reciprocity_by_dyad.JPN.RUS": [0.5, 1.1], "params.reciprocity_by_dyad.RUS.JPN": [0.5, 1.1]}
    with pytest.raises(ConfigError, match=r"k_JPNRUS \* k_RUSJPN = 1.21"):
        RelationsModel(cfg, runs=[0, 1], settings=settings)
    with pytest.raises(ConfigError, match="k_JPNRUS"):  # the scalar form, for comparison
        validate_ranges(
            cfg, {"params.reciprocity_by_dyad.JPN.RUS": (1.1, 1.1), "params.reciprocity_by_dyad.RUS.JPN": (1.1, 1.1)}
        )


# ---- observed files -------------------------------------------------------------------------------------------

HEADER = b"date,source,target,cameo_code\n"
OBSERVED = {
    "latin1": (HEADER + b"2014-01-01,JPN,RUS,042\n2014-02-01,JPN,RUS,04\xe92\n", 3, "not UTF-8 text"),
    "cp1252_header": (b"date,source,target,cameo_code,note\x96x\n", 1, "not UTF-8 text"),
    "binary": (HEADER + bytes(range(256)), 2, "binary data"),
    "utf16": ("date,source,target,cameo_code\n".encode("utf-16"), 1, "binary data"),
}


@pytest.mark.parametrize("case", sorted(OBSERVED))
def test_observed_files_name_the_file_and_line_whatever_the_encoding(tmp_path, case):
    content, line, reason = OBSERVED[case]
    path = tmp_path / f"{case}.csv"
    path.write_bytes(content)
    with pytest.raises(ObservedDataError) as err:
        read_events(path)
    assert str(err.value).startswith(f"{path}:{line}: {reason}")


def test_an_observed_folder_is_named(tmp_path):
    with pytest.raises(ObservedDataError, match=f"^{tmp_path}: is a folder"):
        read_events(tmp_path)


@pytest.mark.parametrize("case", first_fast(["folder", "latin1"]))
def test_calibration_observed_is_checked_in_the_preflight(refused, tmp_path, case):
    target = tmp_path if case == "folder" else tmp_path / "obs.csv"
    if case == "latin1":
        target.write_bytes(OBSERVED["latin1"][0])
    err = refused(["calibration=replay_2013_2017", f"calibration.observed={target}"], check=check_calibration)
    assert "calibration.observed" in err and str(target) in err
    assert ("is a folder" if case == "folder" else ":3: not UTF-8 text") in err


# ---- end to end: the real scripts, and the bytes of existing folders ----------------------------------------------


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("finished") / "run"
    made = run_script(
        "run.py", f"hydra.run.dir={folder}", "replicates=2", "report.figures=false", *short_overrides("2013-06")
    )
    assert made.returncode == 0, made.stderr
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(
    ("script", "args"),
    [
        ("run.py", []),
        ("run.py", ["+params.wedge_wieght=2"]),
        ("compare.py", ["experiment=japan_never_sanctions", "replicates=2"]),
        ("validate.py", ["replicates=2"]),
    ],
)
def test_a_refused_command_changes_no_byte_of_an_existing_folder(finished_run, script, args):
    before = snapshot(finished_run)
    done = run_script(script, f"hydra.run.dir={finished_run}", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.count("\n") == 1, done.stderr
    assert snapshot(finished_run) == before  # .hydra/config.yaml and overrides.yaml included


@pytest.mark.slow
def test_an_incomplete_folder_is_reported_by_the_next_run_and_by_reproduce(finished_run, tmp_path):
    incomplete = tmp_path / "killed"
    incomplete.mkdir()
    for name in ("timeseries.parquet", "summary.json", ".hydra"):
        source = finished_run / name
        (incomplete / name).write_bytes(source.read_bytes()) if source.is_file() else (incomplete / name).mkdir()
    before = snapshot(incomplete)
    again = run_script("run.py", f"hydra.run.dir={incomplete}", "replicates=2")
    assert again.returncode == 2 and "INCOMPLETE" in again.stderr, again.stderr
    check = run_script("reproduce.py", str(incomplete))
    assert check.returncode == 2 and "INCOMPLETE" in check.stderr and "no manifest.json" in check.stderr
    assert snapshot(incomplete) == before


@pytest.mark.slow
@pytest.mark.parametrize("case", ["outside", "absolute", "config_error"])
def test_reproduce_refuses_before_rerunning(finished_run, tmp_path, case, capsys):
    """reproduce.py's main in-process (its real command line refuses in the test above)."""
    folder = tmp_path / "copy"
    for path in sorted(finished_run.rglob("*")):
        target = folder / path.relative_to(finished_run)
        target.mkdir(parents=True, exist_ok=True) if path.is_dir() else target.write_bytes(path.read_bytes())
    manifest = json.loads((folder / "manifest.json").read_text())
    if case == "config_error":
        config = folder / ".hydra" / "config.yaml"
        config.write_text(config.read_text().replace("replicates: 2", "replicates: -2"))
    else:
        manifest["files"]["../../etc/passwd" if case == "outside" else "/etc/passwd"] = "0" * 64
        (folder / "manifest.json").write_text(json.dumps(manifest))
    status = folder_tool("reproduce.py")([str(folder), "--out", str(tmp_path / "again")])
    out, err = capsys.readouterr()
    assert status == 2, out + err
    assert not (tmp_path / "again").exists()  # refused before the re-run
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert ("replicates = -2" if case == "config_error" else "not a file inside the folder") in err
