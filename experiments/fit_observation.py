"""Choose the observation model's salience power ω on the in-sample quarters of tuning seeds (docs/validation.md).

    python experiments/fit_observation.py                                  # validation.observation in the protocol
    python experiments/fit_observation.py validation.observation.runs=40   # a quick look

Each candidate power of ``validation.observation.powers`` records the replay's quarters as n events drawn with
weights |Goldstein|^ω; it is scored on the quarters up to ``validation.split`` only, on the runs of
``validation.observation.seeds`` (tuning seeds; a validation seed is refused). Prints and writes the profile and
the power of largest in-sample skill, the value ``validation.salience_power`` should hold.
"""

from sim.tasks import observe
from sim.tasks.launch import main

if __name__ == "__main__":
    main(observe.TASK)
