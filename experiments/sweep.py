"""Run a declared parameter sweep: design points x replicates, vectorised in chunks, on all cores.

    python experiments/sweep.py sweep=sanctions_vs_alliance
    python experiments/sweep.py sweep=sobol_behaviour sweep.points=256 workers=2
    python experiments/sweep.py sweep=investment_vs_exposure sweep.replicates=50 sweep.chunk_size=1024

The folder is named after the sweep's fingerprint: run a killed sweep's command again and it resumes from its
finished chunks. Shards of one sweep as Hydra multirun jobs, on any launcher, all write into that folder;
the last shard to finish merges (or ``experiments/merge.py <folder>``):

    python experiments/sweep.py -m sweep=sanctions_vs_alliance sweep.shards=4 'sweep.shard=range(4)' \\
        hydra/launcher=joblib workers=1
    python experiments/sweep.py -m sweep=sobol_behaviour sweep.shards=16 'sweep.shard=range(16)' hydra/launcher=slurm
"""

from __future__ import annotations

import sys
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from omegaconf import DictConfig

from sim.cli import fail, guard, preflight
from sim.config import to_container, validate
from sim.config.load import register_resolvers
from sim.sweep import folder
from sim.sweep.engine import default_workers, make_plan
from sim.sweep.task import check_values, run_sweep

# The sweep folders a command writes into (found by the preflight), for the report at the end of a multirun,
# and those of them that are complete already (a rerun touches nothing there, not even Hydra's .hydra/).
FOLDERS: list[Path] = []
COMPLETE: dict[Path, dict] = {}


def check_sweep(cfg: dict) -> None:
    if not cfg.get("sweep"):
        fail("sweep = None: choose a sweep, e.g. sweep=sanctions_vs_alliance (files in conf/sweep/)")
    check_values(make_plan(cfg))


def check_folder(cfg: dict, out_dir: Path) -> None:
    """Refuse, before anything is written, a folder that holds a different sweep or other results."""
    record = folder.check(out_dir, cfg)
    if out_dir not in FOLDERS:
        FOLDERS.append(out_dir)
    if record is not None and (out_dir / folder.MANIFEST).is_file():
        COMPLETE[out_dir] = record


def finished() -> bool:
    """If every folder the command would write into holds its finished sweep: say so, and tidy what a killed
    merge left, without starting Hydra (which would rewrite the folder's .hydra/)."""
    if not FOLDERS or any(out_dir not in COMPLETE for out_dir in FOLDERS):
        return False
    for out_dir in FOLDERS:
        folder.tidy_complete(out_dir)
        record = COMPLETE[out_dir]
        print(f"{record['name']}: already complete, nothing to run (fingerprint {record['fingerprint'][:12]})")
        print(f"output: {out_dir}")
    return True


@hydra.main(version_base="1.3", config_path="../conf", config_name="sweep_config")
def main(cfg: DictConfig) -> None:
    hc = HydraConfig.get()
    multirun = hc.mode == RunMode.MULTIRUN
    out_dir = Path(hc.sweep.dir if multirun else hc.runtime.output_dir)
    with guard():
        data = validate(to_container(cfg))
        check_sweep(data)
        workers = data["workers"] or default_workers()
        result = run_sweep(data, out_dir, workers=workers, overrides=list(hc.overrides.task), progress=not multirun)
    print(describe(result))
    print(f"output: {out_dir}")


def describe(result: dict) -> str:
    name, state = result["name"], result["state"]
    if result["shards"] > 1:
        name = f"{name} shard {result['shard']} of {result['shards']}"
    if state == "complete" and not result["ran_runs"]:
        return f"{name}: already complete, nothing to run (fingerprint {result['fingerprint'][:12]})"
    lines = []
    if result["ran_runs"]:
        lines.append(
            f"{name}: {result['ran_runs']:,} runs in {result['simulation_seconds']:.1f} s, "
            f"{result['runs_per_second']:,.0f} runs/s on {result['workers']} worker(s)"
        )
        lines.append(
            f"peak memory: {result['peak_rss_mb_main']:,.0f} MB (main process), "
            f"{result['peak_rss_mb_largest_worker']:,.0f} MB (largest worker)"
        )
    else:
        lines.append(f"{name}: its chunks were already finished")
    if result.get("resumed"):
        lines.append(f"resumed: {result['runs'] - result['ran_runs']:,} of {result['runs']:,} runs were on disk")
    if state == "merged":
        lines.append(
            f"{result['name']}: {result['runs']:,} runs ({result['points']:,} design points) merged "
            f"in {result['seconds']:.1f} s"
        )
    elif state == "partial":
        lines.append(
            "other shards' chunks are still missing: the last shard to finish merges "
            f"(or: python experiments/merge.py {result['folder']})"
        )
    else:
        lines.append(f"{result['name']}: merged meanwhile by another process")
    return "\n".join(lines)


def report_folders() -> None:
    """After a multirun: how far each sweep folder is, shard by shard (failed shards by name)."""
    for out_dir in FOLDERS:
        record = folder.read_record(out_dir)
        if record is None:
            print(f"sweep folder {out_dir}: nothing was written", file=sys.stderr)
            continue
        lines, missing = folder.report(out_dir, record)
        if missing:
            lines.append("run the same command again to run only the missing chunks")
        print("\n".join(lines), file=sys.stderr if missing else sys.stdout)
        print(f"output: {out_dir}")


if __name__ == "__main__":
    register_resolvers()
    preflight(sys.argv[1:], config_name="sweep_config", check=check_sweep, folder_check=check_folder)
    if finished():
        sys.exit(0)
    try:
        main()
    finally:
        if "-m" in sys.argv[1:] or "--multirun" in sys.argv[1:]:
            report_folders()
