"""The validation protocol of the 2012-2017 replay (issue 9; docs/validation.md), in endogenous mode.

    python experiments/validate.py                        # 5 validation seeds x 200 runs, the composed params
    python experiments/validate.py params=default         # the uncalibrated §5.8 starting values
    python experiments/validate.py validation.runs=40 validation.lhs.points=24   # a quick look

The seeds are ``validation.seeds`` (conf/validation/protocol.yaml), never a tuning seed (refused unless
``validation.allow_tuning_seeds=true``, which labels the report in-sample); the top-level ``seed`` and
``replicates`` are not used. Prints the turning points against history, the fit to the observed timeline,
each pattern with its Wilson 95% interval and all of them jointly, the comparative statics with paired
intervals, and whether each pattern discriminates across the §5.8 ranges; writes them as CSV and Markdown
with figures. Exit status 0 when every goal holds, 1 otherwise, 2 on a configuration mistake.
"""

from sim.tasks import validate
from sim.tasks.launch import main

if __name__ == "__main__":
    main(validate.TASK)
