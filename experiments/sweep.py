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

from sim.tasks import sweep
from sim.tasks.launch import main

if __name__ == "__main__":
    main(sweep.TASK)
