"""Encode the 2013-2017 timeline as an observed event file (run once; its output is committed).

The source table ships in ``sim/data/observed/sources/timeline-2013-2017.csv``.

    python experiments/encode_timeline.py
    python experiments/encode_timeline.py --source sim/data/observed/sources/timeline-2013-2017.csv \\
                                          --out sim/data/observed/timeline_2013_2017.csv

One row of the timeline (MODEL-NOTES §2.1) may describe several directed events; the output has one row
per directed event and CAMEO code, in the timeline's order. The rules are listed in
``docs/observed-data.md`` ("The shipped timeline"); every row or actor left out is printed with its
reason. The output is checked by reading it back with ``sim.observed.read_events``.
"""

from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path

from sim.cameo import goldstein_table
from sim.observed import read_events

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "sim" / "data" / "observed" / "sources" / "timeline-2013-2017.csv"
OUT = ROOT / "sim" / "data" / "observed" / "timeline_2013_2017.csv"
COLUMNS = ("date", "source", "target", "cameo_code", "goldstein", "event", "replay_role", "confidence", "refs")

# Actors that are not one state: their events have no directed country dyad.
NOT_COUNTRIES = {"ALL": "all states", "EU": "the European Union"}
# In a two-way row, 042 (make a visit) is the visitor's event and 043 (host a visit) the host's.
VISITOR = {"2014-02-08": "JPN", "2016-05-06": "JPN", "2016-09-02": "JPN", "2016-12-15": "RUS"}
# Codes of a two-way row that only one side performed, as the event text says.
ONE_SIDED = {
    ("2016-11-19", "013"): "JPN",  # Abe: a peace treaty is "coming into sight"
    ("2017-02-10", "0334"): "USA",  # the US states that Article V covers the Senkakus
    ("2017-03-20", "114"): "JPN",  # Japan protests the Kuril deployments
}
_CODE = re.compile(r"\d{2,4}")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")
_ACTOR_ROLE = re.compile(r"(forcing|endogenous)\((\w{3})\)")


def actor(text: str) -> str:
    """An actor code without its note: ``RUS(+third parties)`` is ``RUS``."""
    return re.sub(r"\(.*\)", "", text).strip()


def actor_specs(row: dict[str, str]) -> list[tuple[bool, list[tuple[str, str]]]]:
    """Per ';'-separated entry of ``source``: is it two-way (``A<->B``), and its directed pairs."""
    targets = [actor(t) for t in row["target"].split(";") if t.strip()]
    specs = []
    for spec in (s.strip() for s in row["source"].split(";") if s.strip()):
        arrow = "<->" if "<->" in spec else "->" if "->" in spec else None
        if arrow and targets:
            raise ValueError(f"{row['date']}: {spec!r} names its target and the target column is not empty")
        if arrow:
            a, b = (actor(x) for x in spec.split(arrow))
            specs.append((arrow == "<->", [(a, b), (b, a)] if arrow == "<->" else [(a, b)]))
        elif targets:
            specs.append((False, [(actor(spec), t) for t in targets]))
        else:
            raise ValueError(f"{row['date']}: {spec!r} has no target")
    return specs


def codes(row: dict[str, str]) -> list[tuple[str, float]]:
    """The row's CAMEO codes with their Goldstein values, each checked against the GDELT table."""
    table = goldstein_table()
    pairs = list(zip(row["cameo"].split("/"), row["goldstein_gdelt"].split("/"), strict=True))
    out = []
    for code, text in pairs:
        value = float(_NUMBER.match(text.strip()).group())  # "-7.0 (ICEWS -6.5)" is the GDELT -7.0
        if table[code] != value:
            raise ValueError(f"{row['date']}: {code} has Goldstein {table[code]} in GDELT, the timeline says {text}")
        out.append((code, value))
    return out


def role(text: str, source: str) -> str:
    """Replay role of one directed event: forcing, endogenous or forcing-or-endogenous."""
    by_actor = {a: kind for kind, a in _ACTOR_ROLE.findall(text)}
    if by_actor:
        return by_actor[source]  # "forcing(USA)/endogenous(JPN)"
    if text == "endogenous-target":
        return "endogenous"
    if text.startswith("forcing("):
        return "forcing"  # "forcing(R military/territorial)": the note says why
    if text in ("forcing", "endogenous", "forcing-or-endogenous"):
        return text
    raise ValueError(f"unknown replay role {text!r}")


def check_date(row: dict[str, str]) -> str:
    pattern = {"day": r"\d{4}-\d{2}-\d{2}", "month": r"\d{4}-\d{2}"}[row["precision"]]
    if not re.fullmatch(pattern, row["date"]):
        raise ValueError(f"{row['date']}: does not have {row['precision']} precision")
    return row["date"]


def encode(row: dict[str, str], dropped: list[str]) -> list[tuple[object, ...]]:
    """The directed events of one timeline row."""
    date = check_date(row)
    if not _CODE.fullmatch(row["cameo"].split("/")[0]):
        dropped.append(f"{date} {row['event'][:60]!r}: no CAMEO code (cameo = {row['cameo']!r})")
        return []
    specs, coded = actor_specs(row), codes(row)
    paired = len(specs) > 1 and len(coded) == len(specs)  # "JPN;USA" with "114/111": one code each
    out = []
    for k, (two_way, pairs) in enumerate(specs):
        for source, target in pairs:
            outsider = next((a for a in (source, target) if a in NOT_COUNTRIES), None)
            if outsider:
                dropped.append(f"{date} {source}->{target}: {outsider} is {NOT_COUNTRIES[outsider]}, not one state")
                continue
            for code, value in [coded[k]] if paired else coded:
                if two_way and code in ("042", "043") and (code == "042") != (source == VISITOR[date]):
                    continue
                if ONE_SIDED.get((date, code), source) != source:
                    continue
                out.append(
                    (
                        date,
                        source,
                        target,
                        code,
                        value,
                        row["event"],
                        role(row["replay_role"], source),
                        row["confidence"],
                        row["refs"],
                    )
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    with args.source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    dropped: list[str] = []
    events = [event for row in rows for event in encode(row, dropped)]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(events)
    observed = read_events(args.out)
    print(f"{len(rows)} timeline rows -> {len(observed.events)} directed events in {args.out}")
    for reason in dropped:
        print(f"  left out: {reason}")


if __name__ == "__main__":
    main()
