"""Fit the free behavioural parameters to the observed timeline up to the split, in endogenous mode, and score
them on the held-out quarters (differential evolution over the sweep engine; docs/calibration.md).

    python experiments/calibrate.py                                        # conf/calibration/replay_2013_2017.yaml
    python experiments/calibrate.py calibration.install=true               # also write conf/params/calibrated.yaml
    python experiments/calibrate.py calibration.optimiser.maxiter=3 calibration.replicates=4 workers=2
"""

from sim.tasks import calibrate
from sim.tasks.launch import main

if __name__ == "__main__":
    main(calibrate.TASK)
