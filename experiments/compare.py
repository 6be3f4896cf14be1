"""Run a scenario against its baseline with common random numbers and write the comparison's folder.

python experiments/compare.py experiment=japan_never_sanctions          # conf/experiment/*.yaml
python experiments/compare.py experiment=north_korea_crisis_2017 replicates=1000 seed=3
python experiments/compare.py experiment=projection_2018_2025 params.wedge_weight=2
python experiments/compare.py -m experiment=japan_never_sanctions,japan_breaks_sanctions_2017
"""

from sim.tasks import compare
from sim.tasks.launch import main

if __name__ == "__main__":
    main(compare.TASK)
