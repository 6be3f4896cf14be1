"""Re-run a finished run, sweep, validation, calibration or comparison from its folder and check that every
result file is byte-identical.

    python experiments/reproduce.py outputs/runs/2026-11-27_12-02-21_809633212-20896
    python experiments/reproduce.py outputs/sweeps/sanctions_vs_alliance/3f2a9c1b7e4d --workers 2
    python experiments/reproduce.py <folder> --out /tmp/check     # the re-run's folder (new or empty)

Uses the folder's saved composed config (``.hydra/config.yaml``) and overrides, never a pickle. Writes into a
new folder (by default ``<folder>-reproduced-<time>_<id>`` beside it) and compares every result file's sha256
with the folder's manifest, and the folder's own files too. Exit status: 0 when every file is identical, 1
when some file differs (each is named, with the first differing row of a table), 2 when the folder cannot be
reproduced (no manifest, no saved config, an incomplete folder, a saved config that no longer validates, a
manifest naming files outside the folder); all of these are checked before anything is re-run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli import EXIT_USAGE
from sim.config import ConfigError
from sim.processes import default_workers
from sim.tasks.reproduce import FolderError, compare, default_out_dir, read_saved, rerun, warnings_for


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "folder",
        type=Path,
        help="a run, sweep, validation, calibration or comparison folder that holds manifest.json and .hydra/",
    )
    parser.add_argument("--out", type=Path, help="folder for the re-run (must be new or empty)")
    parser.add_argument("--workers", type=int, default=0, help="sweep worker processes (0: one per core)")
    args = parser.parse_args(argv)
    try:
        saved = read_saved(args.folder.resolve())
    except FolderError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as err:
        print(f"error: cannot re-run {args.folder}: {err}", file=sys.stderr)
        return EXIT_USAGE
    out_dir = (args.out or default_out_dir(saved.folder)).resolve()
    for warning in warnings_for(saved):
        print(f"warning: {warning}", file=sys.stderr)
    print(
        f"reproducing {saved.folder} ({saved.kind}, seed {saved.cfg.get('seed')}, overrides: "
        f"{' '.join(saved.overrides) or 'none'})"
    )
    try:
        rerun(saved, out_dir, workers=args.workers or default_workers(), progress=sys.stderr.isatty())
    except FolderError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    checks = compare(saved, out_dir)
    for check in checks:
        if not check.ok:
            print(f"  DIFFERENT  {check.name}: {check.problem}" + (f"; {check.detail}" if check.detail else ""))
    same = sum(c.ok for c in checks)
    print(
        f"{same} of {len(checks)} result files identical to the manifest's sha256"
        + ("" if same == len(checks) else f"; {len(checks) - same} differ")
    )
    print(f"output: {out_dir}")
    return 0 if checks and same == len(checks) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
