"""Render a result folder's ``report.html`` from the files its task has just written.

The report is written before the manifest and is itself listed (and hashed) in it, so it must be a pure
function of the folder's results and configuration: no timestamps, no absolute paths, files in sorted order,
figures as base64 ``data:`` URIs (PNG; the SVG twins are listed, not embedded twice), inline CSS, no script and
nothing loaded from the network. The configuration shown is the resolved one without the settings that cannot
change results (``workers``, ``paths``, sweep sharding, ``calibration.install``), so a re-run by
``experiments/reproduce.py`` (or a resumed or sharded sweep) writes the same bytes.
"""

from __future__ import annotations

import base64
import html
import json
import shlex
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from sim.config.fingerprint import result_config
from sim.io import atomic_write_text, sha256

if TYPE_CHECKING:
    import pandas as pd

REPORT = "report.html"
SCRIPTS = {
    "run": "run.py",
    "sweep": "sweep.py",
    "comparison": "compare.py",
    "validation": "validate.py",
    "observation": "fit_observation.py",
    "calibration": "calibrate.py",
    "discovery": "discover.py",
}
MAX_ROWS = 40  # table rows shown; the file holds them all
MAX_HEADLINE = 60  # summary values shown
MAX_TEXT = 20_000  # characters of a text file shown
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0 auto;max-width:1100px;padding:1em 2em;
color:#222;line-height:1.4}
h1{font-size:1.5em;border-bottom:2px solid #444}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid #bbb}
h3{font-size:1em}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.85em}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap}
table{border-collapse:collapse;font-size:.8em;margin:.5em 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}
th{background:#eee}td:first-child,th:first-child{text-align:left}.note{color:#666;font-size:.85em}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}figcaption{font-size:.85em;color:#444}
nav a{margin-right:1em}
"""


def write_report(
    out_dir: Path, written: Iterable[Path], *, task: str, cfg: dict[str, Any], overrides: list[str]
) -> Path:
    """Write ``out_dir/report.html`` describing the result files ``written`` (paths inside ``out_dir``)."""
    files = sorted({Path(p).relative_to(out_dir).as_posix(): Path(p) for p in written}.items())
    text = render(task=task, cfg=cfg, overrides=overrides, files=files)
    return atomic_write_text(out_dir / REPORT, text)


def render(*, task: str, cfg: dict[str, Any], overrides: list[str], files: list[tuple[str, Path]]) -> str:
    title = f"{task}: {_name(task, cfg)}"
    parts = [
        f"<h1>{_e(title)}</h1>",
        _nav(),
        _what(task, cfg, overrides),
        _headline(files),
        _figures(files),
        _tables(files),
        _config(cfg),
        _hashes(files),
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n"
        + "\n".join(p for p in parts if p)
        + "\n</body>\n</html>\n"
    )


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _name(task: str, cfg: dict[str, Any]) -> str:
    if task == "sweep":
        return cfg["sweep"]["name"]
    if task == "comparison":
        return cfg["compare"]["name"]
    if task == "calibration":
        return (cfg.get("calibration") or {}).get("name") or "calibration"
    if task == "discovery":
        return f"{cfg['condition']} over {cfg['folder']}"
    return f"{cfg['scenario']['name']} ({cfg['mode']}, {cfg['replicates']} runs, seed {cfg['seed']})"


def _nav() -> str:
    links = [
        ("what", "What was run"),
        ("headline", "Headline"),
        ("figures", "Figures"),
        ("tables", "Tables"),
        ("config", "Config"),
        ("files", "Files and hashes"),
    ]
    return "<nav>" + "".join(f'<a href="#{key}">{text}</a>' for key, text in links) + "</nav>"


# where a task writes and how many processes it uses never change its results, so the report (hashed in the
# manifest, compared byte for byte by reproduce.py) leaves them out of the command it shows
_PLACE_ONLY = ("paths.", "hydra.", "workers=")


def _what(task: str, cfg: dict[str, Any], overrides: list[str]) -> str:
    shown = [o for o in overrides if not o.lstrip("+~").startswith(_PLACE_ONLY)]
    command = " ".join(["python", f"experiments/{SCRIPTS[task]}", *(shlex.quote(_typed(o)) for o in shown)])
    description = ""
    if task == "sweep":
        description = cfg["sweep"].get("description") or ""
    elif task == "comparison":
        description = cfg["compare"].get("question") or cfg["compare"].get("description") or ""
    if task == "sweep":
        # a sweep's files depend only on its configuration, never on how it was launched (one process, shards,
        # a resumed run, the same values set in a file or on the command line): the report may not either
        how = (
            "<p>The overrides that started this sweep are in <code>manifest.json</code>; the sweep is its "
            "configuration (below), whatever command or launcher ran it:</p>\n"
            f"<pre>{_e(f'python experiments/sweep.py sweep={cfg["sweep"]["name"]} ...')}</pre>\n"
        )
    else:
        how = f"<p>The command that made this folder (from the project root):</p>\n<pre>{_e(command)}</pre>\n"
    return (
        '<h2 id="what">What was run</h2>\n'
        + (f"<p>{_e(description)}</p>\n" if description else "")
        + how
        + "<p>Re-run it from what this folder saved and check every file against its manifest:</p>\n"
        "<pre>python experiments/reproduce.py &lt;this folder&gt;</pre>\n"
        '<p class="note">The manifest (<code>manifest.json</code>, beside this file) records the code '
        "version, the packages and the sha256 of every file, this report included.</p>"
    )


def _typed(override: str) -> str:
    """An override as a user types it: discover.py adds Hydra's quotes around a condition by itself."""
    key, sep, value = override.partition("=")
    if sep and key.lstrip("+") == "condition" and len(value) > 1 and value[0] == value[-1] == "'":
        return f"{key}={value[1:-1]}"
    return override


def _flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    if isinstance(value, dict):
        out = []
        for key, sub in value.items():
            out += _flatten(sub, f"{prefix}.{key}" if prefix else str(key))
        return out
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        out = []
        for k, sub in enumerate(value):
            out += _flatten(sub, f"{prefix}[{k}]")
        return out
    return [(prefix, value)]


def _headline(files: list[tuple[str, Path]]) -> str:
    import pandas as pd  # here, not at the top: a refused command imports this module and never renders

    summary = dict(files).get("summary.json")
    out = ['<h2 id="headline">Headline</h2>']
    if summary is None:
        out.append('<p class="note">This task writes no summary.json: its numbers are in the tables below.</p>')
        return "\n".join(out)
    rows = _flatten(json.loads(summary.read_text(encoding="utf-8")))
    frame = pd.DataFrame(rows[:MAX_HEADLINE], columns=["quantity (summary.json)", "value"])
    frame["value"] = [_cell(v) for v in frame["value"]]
    out.append(frame.to_html(index=False, escape=True, border=0))
    if len(rows) > MAX_HEADLINE:
        out.append(f'<p class="note">The first {MAX_HEADLINE} of {len(rows)} values; all are in summary.json.</p>')
    return "\n".join(out)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return json.dumps(value)
    return "" if value is None else str(value)


def _figures(files: list[tuple[str, Path]]) -> str:
    # a folder's main figures before those in subfolders (the 12 attribution figures of a run)
    pngs = sorted(
        ((name, path) for name, path in files if name.endswith(".png")), key=lambda item: (item[0].count("/"), item[0])
    )
    out = ['<h2 id="figures">Figures</h2>']
    if not pngs:
        out.append('<p class="note">No figures (report.figures was off, or the task draws none).</p>')
    for name, path in pngs:
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        out.append(
            f'<figure><img alt="{_e(name)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{_e(name)} (vector version: {_e(name[:-4])}.svg)</figcaption></figure>"
        )
    return "\n".join(out)


def _tables(files: list[tuple[str, Path]]) -> str:
    import pandas as pd
    import pyarrow.parquet as pq

    out = ['<h2 id="tables">Tables</h2>']
    for name, path in files:
        suffix = path.suffix
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)  # the file's own text, cell by cell
            out.append(_table(name, frame, len(frame)))
        elif suffix == ".parquet":
            handle = pq.ParquetFile(path)
            head = next(handle.iter_batches(batch_size=MAX_ROWS, use_threads=False), None)
            frame = head.to_pandas() if head is not None else pd.DataFrame()
            out.append(_table(name, frame.astype(str), handle.metadata.num_rows))
        elif suffix in (".md", ".yaml", ".json") and name != "summary.json":
            text = path.read_text(encoding="utf-8")
            cut = f"\n… ({len(text):,} characters; the rest is in the file)" if len(text) > MAX_TEXT else ""
            out.append(f"<h3>{_e(name)}</h3>\n<pre>{_e(text[:MAX_TEXT] + cut)}</pre>")
    if len(out) == 1:
        out.append('<p class="note">No tables.</p>')
    return "\n".join(out)


def _table(name: str, frame: pd.DataFrame, rows: int) -> str:
    shown = frame.head(MAX_ROWS)
    note = f"{rows:,} rows × {frame.shape[1]} columns"
    if rows > len(shown):
        note += f"; the first {len(shown)} shown, all in the file"
    return f'<h3>{_e(name)}</h3>\n<p class="note">{note}</p>\n' + shown.to_html(
        index=False, escape=True, border=0, na_rep=""
    )


def shown_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """The configuration that decides the results (as in a sweep's fingerprint, and without
    ``calibration.install``, which only decides whether conf/params is rewritten)."""
    data = result_config(cfg)
    if isinstance(data.get("calibration"), dict):
        data["calibration"].pop("install", None)
    return data


def _config(cfg: dict[str, Any]) -> str:
    text = yaml.safe_dump(shown_config(cfg), sort_keys=False, allow_unicode=True, default_flow_style=None, width=100)
    return (
        '<h2 id="config">Config</h2>\n<p class="note">The resolved configuration (as in '
        "<code>.hydra/config.yaml</code>, with defaults filled in; without <code>workers</code>, "
        "<code>paths</code> and sharding, which never change results).</p>\n"
        f"<pre>{_e(text)}</pre>"
    )


def _hashes(files: list[tuple[str, Path]]) -> str:
    import pandas as pd

    frame = pd.DataFrame(
        [(name, f"{path.stat().st_size:,}", sha256(path)) for name, path in files], columns=["file", "bytes", "sha256"]
    )
    return (
        '<h2 id="files">Files and hashes</h2>\n<p class="note">Every other result file of this folder; '
        "manifest.json lists the same hashes and this report's own.</p>\n"
        + frame.to_html(index=False, escape=True, border=0)
    )
