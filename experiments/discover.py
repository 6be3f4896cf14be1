"""Scenario discovery: which region of a sweep's parameters leads to the outcome you state? PRIM over a
finished sweep folder's design and outcomes; writes a new folder (never into the sweep's).

    python experiments/discover.py folder=outputs/sweeps/<name>/<id> 'condition=two_plus_two_by_2017 >= 0.5'
    python experiments/discover.py folder=outputs/sweeps/<name>/<id> 'condition=nci_jr_thaw < 1' cases=runs

``condition`` is ``<outcome> <op> <number>`` with ``op`` one of ``>= > <= <`` (the shell's quotes are enough:
the script quotes the value for Hydra). ``cases=points`` (default) averages each design point's replicates
before comparing; ``cases=runs`` makes every run a case. Exit status 2, one line and nothing written, for a
bad condition, an unknown outcome or a folder that is not a finished sweep.
"""

from sim.tasks import discover
from sim.tasks.launch import main

if __name__ == "__main__":
    main(discover.TASK)
