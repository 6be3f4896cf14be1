"""Run one scenario as an ensemble and write its result folder.

python experiments/run.py                                        # the 2012-2017 replay, 200 runs
python experiments/run.py replicates=1000 seed=3 mode=forced
python experiments/run.py scenario.sanctions.USA.RUS.scale=0.5 scenario.investment.flows.JPN.RUS.baseline_flow=0.04
python experiments/run.py -m params.wedge_weight=0,2,4           # Hydra multirun, one folder per job
"""

from sim.tasks import run
from sim.tasks.launch import main

if __name__ == "__main__":
    main(run.TASK)
