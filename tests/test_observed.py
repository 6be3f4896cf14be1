"""Observed event files: codes kept as strings, Goldstein look-up, errors with file and line, observed NCI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.cameo import goldstein_table
from sim.config import compose_config, to_container, validate
from sim.observed import TIMELINE_2013_2017, ObservedDataError, observed_nci, quad_class, read_events
from tests.conftest import ROOT, run_script

HEADER = "date,source,target,cameo_code"


def _file(tmp_path: Path, *lines: str, name: str = "events.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --- codes stay strings ---------------------------------------------------------------------------


def test_codes_with_leading_zeros_are_distinct_codes(tmp_path):
    path = _file(tmp_path, HEADER, "2014-03-01,JPN,RUS,010", "2014-03-02,JPN,RUS,10")
    ev = read_events(path).events
    assert list(ev["cameo_code"]) == ["010", "10"]
    assert list(ev["goldstein"]) == [0.0, -5.0]  # make statement vs demand
    assert list(ev["quad_class"]) == [1, 3]


def test_a_ten_is_never_read_as_010(tmp_path):
    path = _file(tmp_path, HEADER, "2014-03-01,JPN,RUS,10", "2014-03-01,JPN,RUS,0010")
    with pytest.raises(ObservedDataError, match=r":3: unknown CAMEO code \(got '0010'"):
        read_events(path)
    ev = read_events(path, skip_malformed=True).events
    assert list(ev["cameo_code"]) == ["10"] and list(ev["goldstein"]) == [-5.0]


def test_a_code_that_lost_its_leading_zero_is_unknown_with_a_hint(tmp_path):
    path = _file(tmp_path, HEADER, "2014-03-01,JPN,RUS,42")
    with pytest.raises(ObservedDataError, match=r"'042' is a code: was a leading zero lost\?"):
        read_events(path)


def test_unknown_code_names_file_and_line(tmp_path):
    path = _file(tmp_path, HEADER, "2014-03-01,JPN,RUS,042", "2014-03-02,JPN,RUS,999")
    with pytest.raises(ObservedDataError) as err:
        read_events(path)
    assert str(err.value).startswith(f"{path}:3: unknown CAMEO code (got '999'; allowed: ")
    assert err.value.line == 3 and err.value.value == "999"


# --- Goldstein values ------------------------------------------------------------------------------


def test_file_without_goldstein_gets_gdelt_values_of_the_exact_code(tmp_path):
    path = _file(
        tmp_path,
        HEADER,
        "2014-03-18,JPN,RUS,164",
        "2014-03-19,USA,RUS,13",
        "2014-03-20,USA,RUS,130",
        "2014-03-21,USA,RUS,0311",
    )
    ev = read_events(path).events
    # 164 is GDELT -7.0 (ICEWS -6.5); root 13 is -6.0, never its sub-code 130 (-4.4).
    assert list(ev["goldstein"]) == [-7.0, -6.0, -4.4, 5.2]
    assert list(ev["goldstein"]) == [goldstein_table()[c] for c in ev["cameo_code"]]


def test_given_goldstein_is_kept_and_a_blank_one_is_looked_up(tmp_path):
    path = _file(tmp_path, HEADER + ",goldstein", "2014-03-18,JPN,RUS,164,-6.5", "2014-03-18,JPN,RUS,164,")
    assert list(read_events(path).events["goldstein"]) == [-6.5, -7.0]


# --- malformed rows --------------------------------------------------------------------------------

GOOD = "2014-03-18,JPN,RUS,164,-7.0"


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        (
            "2014/03/18,JPN,RUS,164,-7.0",
            "bad date (got '2014/03/18'; allowed: a date YYYY-MM-DD or a month YYYY-MM, years 1678-2261)",
        ),
        ("2014-13,JPN,RUS,164,-7.0", "bad date (got '2014-13'"),
        ("2014-02-30,JPN,RUS,164,-7.0", "bad date (got '2014-02-30'"),
        ("18.03.2014,JPN,RUS,164,-7.0", "bad date"),
        ("0001-01-01,JPN,RUS,164,-7.0", "bad date (got '0001-01-01'"),
        ("2014-03-18,jpn,RUS,164,-7.0", "bad country code in source (got 'jpn'; allowed: an ISO3 code"),
        ("2014-03-18,JPN,EU,164,-7.0", "bad country code in target (got 'EU'"),
        ("2014-03-18,JPN,JPN,164,-7.0", "source equals target (got 'JPN'"),
        ("2014-03-18,JPN,RUS,1640,-7.0", "unknown CAMEO code (got '1640'"),
        ("2014-03-18,JPN,RUS,164,minus seven", "non-numeric goldstein (got 'minus seven'"),
        ("2014-03-18,JPN,RUS,164,nan", "goldstein outside the scale (got 'nan'"),
        ("2014-03-18,JPN,RUS,164,-12", "goldstein outside the scale (got '-12'"),
        ("2014-03-18,JPN,,164,-7.0", "missing target (got ''"),
        (",JPN,RUS,164,-7.0", "missing date"),
        ("2014-03-18,JPN,RUS,164", "wrong number of fields (got 4; allowed: 5, as in the header)"),
        ("2014-03-18,JPN,RUS,164,-7.0,extra", "wrong number of fields (got 6"),
    ],
)
def test_malformed_row_names_file_line_and_reason(tmp_path, row, reason):
    path = _file(tmp_path, HEADER + ",goldstein", GOOD, GOOD, row, GOOD)
    with pytest.raises(ObservedDataError) as err:
        read_events(path)
    assert str(err.value).startswith(f"{path}:4: {reason}")
    assert "\n" not in str(err.value)


def test_skip_option_counts_and_explains_skipped_rows(tmp_path):
    path = _file(tmp_path, HEADER + ",goldstein", GOOD, "2014-03,JPN,RUS,99,", GOOD, "2014-03-18,JPN,XX,164,", GOOD)
    observed = read_events(path, skip_malformed=True)
    assert len(observed.events) == 3 and observed.skipped == 2
    assert [p.split(": ")[0] for p in observed.problems] == [f"{path}:3", f"{path}:5"]
    assert list(observed.events["line"]) == [2, 4, 6]


def test_line_numbers_count_physical_lines(tmp_path):
    path = _file(tmp_path, HEADER + ",event", '2014-03-18,JPN,RUS,164,"two', 'lines"', "", "2014-03-18,JPN,RUS,9,x")
    with pytest.raises(ObservedDataError, match=r":5: unknown CAMEO code"):
        read_events(path)
    assert read_events(path, skip_malformed=True).events["event"].tolist() == ["two\nlines"]


def test_an_unclosed_quote_is_an_error_even_when_skipping(tmp_path):
    path = _file(
        tmp_path,
        HEADER + ",event",
        "2014-03-18,JPN,RUS,164,ok",
        '2014-03-18,JPN,RUS,164,"open',
        "2014-03-19,JPN,RUS,164,swallowed",
    )
    with pytest.raises(ObservedDataError, match=r":3: unreadable CSV"):
        read_events(path, skip_malformed=True)


def test_missing_required_column_is_named(tmp_path):
    path = _file(tmp_path, "date,source,target,code", "2014-03-18,JPN,RUS,164")
    with pytest.raises(ObservedDataError, match=r":1: missing required column 'cameo_code'"):
        read_events(path, skip_malformed=True)


def test_quad_class_column_in_the_file_must_agree(tmp_path):
    path = _file(tmp_path, HEADER + ",quad_class", "2014-03-18,JPN,RUS,164,4", "2014-03-18,JPN,RUS,164,3")
    with pytest.raises(ObservedDataError, match=r":3: quad_class disagrees with the CAMEO root \(got '3'"):
        read_events(path)


def test_month_precision_dates_and_extra_columns(tmp_path):
    path = _file(tmp_path, HEADER + ",refs", "2014-04,JPN,RUS,16,P43", "2014-04-29,JPN,RUS,172,P18")
    ev = read_events(path).events
    assert list(ev["date"]) == [pd.Timestamp("2014-04-01"), pd.Timestamp("2014-04-29")]
    assert list(ev["precision"]) == ["month", "day"] and list(ev["refs"]) == ["P43", "P18"]
    assert ev["date"].dtype == "datetime64[ns]"


# --- observed NCI ----------------------------------------------------------------------------------


def test_nci_is_the_mean_goldstein_of_the_period_and_quarterly_can_average_months(tmp_path):
    path = _file(
        tmp_path,
        HEADER,
        "2014-01-05,JPN,RUS,057",
        "2014-01-06,JPN,RUS,042",
        "2014-03-18,JPN,RUS,164",
        "2014-03-18,RUS,JPN,111",
    )
    events = read_events(path)
    monthly = observed_nci(events, "M")
    assert monthly[["period", "source", "target"]].values.tolist() == [
        ["2014-01", "JPN", "RUS"],
        ["2014-03", "JPN", "RUS"],
        ["2014-03", "RUS", "JPN"],
    ]
    assert monthly["nci"].tolist() == pytest.approx([(8.0 + 1.9) / 2, -7.0, -2.0])
    jr = observed_nci(events, "Q").query("source == 'JPN'").iloc[0]
    assert jr["period"] == "2014Q1" and jr["events"] == 3
    assert jr["nci"] == pytest.approx((8.0 + 1.9 - 7.0) / 3)
    assert jr["nci_monthly_mean"] == pytest.approx(((8.0 + 1.9) / 2 - 7.0) / 2)
    assert [jr[f"quad{q}"] for q in (1, 2, 3, 4)] == [2, 0, 0, 1]


def test_unknown_frequency_is_refused():
    with pytest.raises(ValueError, match="freq = 'Y'"):
        observed_nci(read_events(TIMELINE_2013_2017), "Y")


@settings(max_examples=50, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dates(pd.Timestamp("2013-01-01").date(), pd.Timestamp("2017-12-31").date()),
            st.sampled_from(["JPN", "RUS", "USA"]),
            st.sampled_from(sorted(goldstein_table())),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_nci_lies_within_its_events_and_counts_add_up(rows):
    frame = pd.DataFrame(
        {
            "date": pd.to_datetime([r[0] for r in rows]),
            "source": [r[1] for r in rows],
            "target": ["CHN"] * len(rows),
            "cameo_code": [r[2] for r in rows],
        }
    )
    frame["goldstein"] = frame["cameo_code"].map(goldstein_table())
    frame["quad_class"] = frame["cameo_code"].map(quad_class)
    for freq in ("M", "Q"):
        out = observed_nci(frame, freq)
        assert out["events"].sum() == len(rows)
        assert (out[["quad1", "quad2", "quad3", "quad4"]].sum(axis=1) == out["events"]).all()
        assert (out["nci"] >= -10.0).all() and (out["nci"] <= 10.0).all()
        assert not out.duplicated(["period", "source", "target"]).any()
        assert out[["period", "source", "target"]].equals(
            out[["period", "source", "target"]].sort_values(["period", "source", "target"], ignore_index=True)
        )


# --- the shipped timeline --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def timeline():
    return read_events(TIMELINE_2013_2017)


def test_shipped_timeline_reads_cleanly(timeline):
    ev = timeline.events
    assert timeline.skipped == 0 and len(ev) == 120
    assert {"event", "refs", "replay_role", "confidence"} <= set(ev.columns)
    assert ev["refs"].str.fullmatch(r"(P\d+|ART)(;(P\d+|ART))*").all()
    assert set(ev["replay_role"]) == {"forcing", "endogenous", "forcing-or-endogenous"}
    assert ev["date"].between("2013-01-01", "2017-12-31").all()
    assert "0311" in set(ev["cameo_code"]) and "16" in set(ev["cameo_code"])


@pytest.mark.parametrize("freq", ["M", "Q"])
def test_shipped_timeline_quad_counts_sum_to_event_counts(timeline, freq):
    out = observed_nci(timeline, freq)
    assert (out[["quad1", "quad2", "quad3", "quad4"]].sum(axis=1) == out["events"]).all()
    assert out["events"].sum() == len(timeline.events)


def test_shipped_timeline_shows_the_japan_russia_freeze_and_thaw(timeline):
    quarterly = observed_nci(timeline, "Q").query("source == 'JPN' and target == 'RUS'").set_index("period")
    monthly = observed_nci(timeline, "M").query("source == 'JPN' and target == 'RUS'").set_index("period")
    assert monthly.loc["2014-03", "nci"] == -7.0  # 164 halt negotiations, 18 March 2014
    assert quarterly.loc["2014Q1", "quad4"] == 1 and quarterly.loc["2014Q1", "nci_monthly_mean"] < 0
    assert (quarterly.loc[["2014Q2", "2014Q3"], "nci"] < -4.0).all()  # sanctions packages
    assert (quarterly.loc[["2013Q2", "2013Q4"], "nci"] > 4.0).all()
    thaw = quarterly.loc["2016Q3":"2017Q4", "nci"]
    assert (thaw > 0).all() and thaw.mean() > quarterly.loc["2014Q2":"2016Q1", "nci"].mean() + 3.0


def test_the_replay_scenario_reads_its_events_from_the_shipped_timeline(timeline):
    """The replay's ``scenario.events`` are the file's rows between the four agents, in file order, read by
    ``${timeline:...}`` (``sim.config.timelines``), checked here against the file as ``read_events`` reads it:
    date as written, code, Goldstein value, role (``forcing-or-endogenous`` is a forcing), weight 0.5 for low
    confidence, refs. The one row with another actor (Russia→Ukraine 192, Crimea) is a shock, not an event."""
    scenario = yaml.safe_load((ROOT / "conf/scenario/replay_2012_2017.yaml").read_text())
    assert scenario["events"] == "${timeline:timeline_2013_2017,${.countries}}"
    events = validate(to_container(compose_config([])))["scenario"]["events"]
    countries = set(scenario["countries"])
    ev = timeline.events[timeline.events["source"].isin(countries) & timeline.events["target"].isin(countries)]
    assert len(ev) == len(events) == 119 and len(timeline.events) == 120
    roles = {"endogenous": "endogenous", "forcing": "forcing", "forcing-or-endogenous": "forcing"}
    for event, row in zip(events, ev.itertuples(), strict=True):
        date = row.date.strftime("%Y-%m-%d" if row.precision == "day" else "%Y-%m")
        assert (event["date"], event["source"], event["target"], event["cameo"]) == (
            date,
            row.source,
            row.target,
            row.cameo_code,
        )
        assert event["goldstein"] == row.goldstein and event["role"] == roles[row.replay_role]
        assert event["weight"] == (0.5 if row.confidence == "low" else 1.0)
        assert event["refs"] == row.refs.split(";") and event["note"] == row.event
    assert sum(e["weight"] == 0.5 for e in events) == 2
    assert {(e["source"], e["target"]) for e in events if e["cameo"] == "013"} == {("JPN", "RUS")}  # rule 4: Abe's


def test_a_scenario_names_only_a_shipped_timeline():
    from sim.config.timelines import timeline_events, timeline_names

    assert "timeline_2013_2017" in timeline_names()
    with pytest.raises(ValueError, match=r"timeline '\.\./secrets': allowed: .*timeline_2013_2017"):
        timeline_events("../secrets", ["JPN", "RUS"])
    jr = timeline_events("timeline_2013_2017", ["JPN", "RUS"])
    assert jr and all({e["source"], e["target"]} == {"JPN", "RUS"} for e in jr)
    jr[0]["refs"].append("X")  # each call returns its own copies
    assert "X" not in timeline_events("timeline_2013_2017", ["JPN", "RUS"])[0]["refs"]


@pytest.mark.slow
def test_encoder_reproduces_the_shipped_file(tmp_path):
    source = ROOT / "sim" / "data" / "observed" / "sources" / "timeline-2013-2017.csv"  # shipped: never skips
    out = tmp_path / "timeline.csv"
    result = run_script("encode_timeline.py", "--source", str(source), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert out.read_bytes() == TIMELINE_2013_2017.read_bytes()
    assert "120 directed events" in result.stdout and "EU->RUS" in result.stdout
