"""Observed event files: read CAMEO-coded events, compute the observed NCI per directed dyad.

The file format is described in ``docs/observed-data.md``. Codes stay strings ("010" is not "10"); a
missing Goldstein value is looked up for the exact code in GDELT's table (``cameo.goldstein_table``),
never derived from a root or a sibling code (MODEL-NOTES §3.3). QuadClass is the standard grouping of
CAMEO roots (01-05 verbal cooperation, 06-08 material cooperation, 09-13 verbal conflict, 14-20
material conflict; MODEL-NOTES §3.1, ``data/cameo-goldstein-root.csv``).
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TextIO

import pandas as pd

from sim.cameo import goldstein_table

REQUIRED = ("date", "source", "target", "cameo_code")
TIMELINE_2013_2017 = Path(__file__).parent / "data" / "observed" / "timeline_2013_2017.csv"
QUAD_CLASSES = {"verbal cooperation": 1, "material cooperation": 2, "verbal conflict": 3, "material conflict": 4}
FREQUENCIES = ("M", "Q")

_DATE = re.compile(r"\d{4}-\d{2}(-\d{2})?")
_ISO3 = re.compile(r"[A-Z]{3}")
# Columns the reader fills in. A file may carry `goldstein` (kept), `precision` and `quad_class` (checked),
# never `line`.
_DERIVED = ("line", "precision", "goldstein", "quad_class")


class ObservedDataError(ValueError):
    """A bad observed event file: names the file, its 1-based line (header = 1), the reason and the value."""

    def __init__(self, path: str | Path, line: int | None, reason: str, value: object, allowed: str):
        self.path, self.line, self.reason, self.value, self.allowed = str(path), line, reason, value, allowed
        where = f"{path}:{line}" if line is not None else str(path)  # None: the whole file (a folder, unreadable)
        super().__init__(f"{where}: {reason} (got {value!r}; allowed: {allowed})")


_Bad = Callable[[str, object, str], ObservedDataError]  # reason, value, allowed -> the row's error


@dataclass(frozen=True)
class ObservedEvents:
    """The events of one file, one row per directed event, in file order.

    ``events`` columns: ``line`` (line of the file), ``date`` (day; the 1st for month precision),
    ``precision`` (``day``/``month``), ``source``, ``target``, ``cameo_code`` (str), ``goldstein``,
    ``quad_class`` (1-4), then the file's other columns as strings. ``skipped`` rows were malformed and
    left out (only with ``skip_malformed=True``); ``problems`` gives each one's error message.
    """

    events: pd.DataFrame
    path: Path
    skipped: int = 0
    problems: list[str] = field(default_factory=list)


@cache
def quad_class_table() -> dict[str, int]:
    """QuadClass (1-4) of each CAMEO root, from the project's root table."""
    text = resources.files("sim").joinpath("data/cameo-goldstein-root.csv").read_text()
    return {row["cameo_root"]: QUAD_CLASSES[row["quad_class"]] for row in csv.DictReader(text.splitlines())}


def quad_class(code: str) -> int:
    """QuadClass of a known CAMEO code: the class of its two-digit root."""
    return quad_class_table()[code[:2]]


def read_events(path: str | Path, *, skip_malformed: bool = False) -> ObservedEvents:
    """Read an observed event CSV (``date, source, target, cameo_code`` and optionally ``goldstein``).

    A malformed row raises ``ObservedDataError`` naming the file, the line and the reason; with
    ``skip_malformed`` it is left out, counted in ``skipped`` and its message kept in ``problems``.
    A bad header (a required column missing, a duplicate name) and a record the CSV parser cannot read
    (an unclosed quote) are always errors.
    """
    path = Path(path)
    rows: list[list[object]] = []
    problems: list[str] = []
    with io.StringIO(_text(path), newline="") as handle:
        records = _records(path, handle)
        header = _header(path, next(records, None))
        extra = [header.index(name) for name in header if name not in (*REQUIRED, *_DERIVED)]
        for line, fields in records:
            try:
                rows.append([line, *_parse(path, line, header, fields), *(fields[k].strip() for k in extra)])
            except ObservedDataError as err:
                if not skip_malformed:
                    raise
                problems.append(str(err))
    columns = [
        "line",
        "date",
        "precision",
        "source",
        "target",
        "cameo_code",
        "goldstein",
        "quad_class",
        *(header[k] for k in extra),
    ]
    frame = pd.DataFrame(rows, columns=columns)
    types = {"line": "int64", "date": "datetime64[ns]", "goldstein": "float64", "quad_class": "int64"}
    frame = frame.astype({name: types.get(name, "str") for name in columns})
    return ObservedEvents(events=frame, path=path, skipped=len(problems), problems=problems)


def _text(path: Path) -> str:
    """The file's text (UTF-8, with or without a byte-order mark); ``ObservedDataError`` naming the file and the
    line of the first byte that is not UTF-8 text, or why the file cannot be read (a missing file stays
    ``FileNotFoundError``)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise
    except IsADirectoryError:
        raise ObservedDataError(path, None, "is a folder", str(path), "a CSV event file") from None
    except OSError as err:
        raise ObservedDataError(path, None, "cannot be read", err.strerror or str(err), "a readable CSV file") from None
    if b"\0" in data:
        line = data[: data.index(b"\0")].count(b"\n") + 1
        raise ObservedDataError(path, line, "binary data (a NUL byte)", "\\x00", "a UTF-8 CSV text file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ObservedDataError(
            path,
            line,
            "not UTF-8 text",
            f"byte 0x{data[err.start]:02x}",
            "UTF-8 (re-save the file as UTF-8, e.g. iconv -f latin1 -t utf-8)",
        ) from None


def _records(path: Path, handle: TextIO) -> Iterator[tuple[int, list[str]]]:
    """(line, fields) of each record, the line being where the record starts; empty lines hold none.

    A record the CSV parser cannot read (an unclosed quote) is an error even when skipping: where it
    ends, and so which rows it swallowed, is unknown.
    """
    reader = csv.reader(handle, strict=True)
    end = 0
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as err:
            raise ObservedDataError(path, end + 1, "unreadable CSV", str(err), "RFC 4180 CSV") from err
        line, end = end + 1, reader.line_num
        if fields:
            yield line, fields


def _header(path: Path, record: tuple[int, list[str]] | None) -> list[str]:
    if record is None:
        raise ObservedDataError(path, 1, "no header", "", "a header naming at least " + ", ".join(REQUIRED))
    line, names = record[0], [name.strip() for name in record[1]]
    for name in REQUIRED:
        if name not in names:
            raise ObservedDataError(
                path,
                line,
                f"missing required column {name!r}",
                ",".join(names),
                "a header naming at least " + ", ".join(REQUIRED),
            )
    if "line" in names:
        raise ObservedDataError(path, line, "reserved column name", "line", "any name but 'line' (the reader adds it)")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ObservedDataError(path, line, "duplicate column", duplicates[0], "each column named once")
    return names


def _parse(path: Path, line: int, header: list[str], fields: list[str]) -> tuple[object, ...]:
    """The checked (date, precision, source, target, cameo_code, goldstein, quad_class) of one row."""
    if len(fields) != len(header):
        raise ObservedDataError(path, line, "wrong number of fields", len(fields), f"{len(header)}, as in the header")
    row = {name: value.strip() for name, value in zip(header, fields, strict=True)}

    def bad(reason: str, value: object, allowed: str) -> ObservedDataError:
        return ObservedDataError(path, line, reason, value, allowed)

    for name in REQUIRED:
        if not row[name]:
            raise bad(f"missing {name}", row[name], "a non-empty value")
    date, precision = _date(row["date"], bad)
    for name in ("source", "target"):
        if not _ISO3.fullmatch(row[name]):
            raise bad(f"bad country code in {name}", row[name], "an ISO3 code: three uppercase letters")
    if row["source"] == row["target"]:
        raise bad("source equals target", row["target"], "a country other than the source")
    code = row["cameo_code"]
    table = goldstein_table()
    if code not in table:
        hint = f"; {'0' + code!r} is a code: was a leading zero lost?" if "0" + code in table else ""
        raise bad("unknown CAMEO code", code, f"a code of the GDELT CAMEO table (read codes as strings){hint}")
    goldstein = _goldstein(row.get("goldstein", ""), table[code], bad)
    quad = quad_class(code)
    for name, value in (("precision", precision), ("quad_class", str(quad))):
        if row.get(name, value) not in ("", value):
            raise bad(f"{name} disagrees with the {'date' if name == 'precision' else 'CAMEO root'}", row[name], value)
    return date, precision, row["source"], row["target"], code, goldstein, quad


def _date(text: str, bad: _Bad) -> tuple[pd.Timestamp, str]:
    allowed = "a date YYYY-MM-DD or a month YYYY-MM, years 1678-2261"
    if not _DATE.fullmatch(text):
        raise bad("bad date", text, allowed)
    try:
        date = pd.Timestamp(text if len(text) == 10 else text + "-01")
    except ValueError:
        raise bad("bad date", text, allowed) from None
    if not pd.Timestamp.min <= date <= pd.Timestamp.max:  # the range of datetime64[ns]
        raise bad("bad date", text, allowed)
    return date, "day" if len(text) == 10 else "month"


def _goldstein(text: str, looked_up: float, bad: _Bad) -> float:
    """The row's Goldstein value; the table's value of its code when the file has none."""
    if not text:
        return looked_up
    try:
        value = float(text)
    except ValueError:
        raise bad("non-numeric goldstein", text, "a number in [-10, 10] or empty (looked up)") from None
    if not (math.isfinite(value) and -10.0 <= value <= 10.0):
        raise bad("goldstein outside the scale", text, "a number in [-10, 10] or empty (looked up)")
    return value


def observed_nci(events: ObservedEvents | pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Observed NCI per period and directed dyad that has events, with counts per QuadClass.

    ``nci`` is the mean Goldstein value of the period's events of the dyad (event-data practice,
    MODEL-NOTES §3.3; the model's monthly NCI is the same mean). For ``freq="Q"`` it is the mean over all
    the quarter's events, and ``nci_monthly_mean`` is the mean of the monthly NCIs of the quarter's months
    that have events (MODEL-NOTES §6: quarterly NCI = mean of monthly ``c_ij``). Periods without events
    have no row: an event file does not say that nothing happened. Columns: ``period`` (``2014-03`` or
    ``2014Q1``), ``source``, ``target``, ``nci``, [``nci_monthly_mean``], ``events``, ``quad1``..``quad4``;
    rows sorted by period, source, target.
    """
    if freq not in FREQUENCIES:
        raise ValueError(f"freq = {freq!r}: allowed: {', '.join(FREQUENCIES)}")
    frame = events.events if isinstance(events, ObservedEvents) else events
    month = frame["date"].dt.strftime("%Y-%m")
    quarter = frame["date"].dt.year.astype(str) + "Q" + frame["date"].dt.quarter.astype(str)
    frame = frame.assign(period=month if freq == "M" else quarter, month=month)
    keys = ["period", "source", "target"]
    grouped = frame.groupby(keys, sort=True)
    out = grouped["goldstein"].agg(nci="mean", events="size")
    if freq == "Q":
        monthly = frame.groupby([*keys, "month"], sort=True)["goldstein"].mean()
        out.insert(1, "nci_monthly_mean", monthly.groupby(level=keys).mean())
    quads = grouped["quad_class"].value_counts().unstack(fill_value=0)
    quads = quads.reindex(columns=list(QUAD_CLASSES.values()), fill_value=0).astype("int64")
    quads.columns = [f"quad{q}" for q in QUAD_CLASSES.values()]
    return out.join(quads).reset_index()
