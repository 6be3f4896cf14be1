"""Merge a sweep folder's chunks into its final files, once every shard has finished.

    python experiments/merge.py outputs/sweeps/sanctions_vs_alliance/3f2a9c1b7e4d

The last shard of a sharded sweep merges by itself; this is for when it did not (it failed, or was killed),
or to see how far the shards are. Safe to run at any time: while chunks are missing it lists them, shard by
shard, writes nothing and exits 1; a merged folder is left as it is (exit 0); two merges never overlap.
Exit status 2: not a sweep folder.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim.cli import EXIT_USAGE
from sim.io import OutputExistsError
from sim.sweep import folder
from sim.sweep.task import IncompleteSweepError, finalize


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a sweep folder (it holds sweep.json)")
    out_dir = parser.parse_args(argv).folder.resolve()
    try:
        record = folder.read_record(out_dir) if out_dir.is_dir() else None
    except OutputExistsError as err:
        record, problem = None, str(err)
    else:
        problem = f"{out_dir} holds no {folder.RECORD}: not a sweep folder"
    if record is None:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        merged = finalize(out_dir, record=record)
    except IncompleteSweepError as err:
        print(
            f"{err}\nnot merged: rerun the sweep's command (it runs only the missing chunks), then merge",
            file=sys.stderr,
        )
        return 1
    except RuntimeError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"{record['name']}: {'merged' if merged else 'already merged, nothing to do'}")
    print(f"output: {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
