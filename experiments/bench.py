"""Benchmark the sweep engine against Mesa's batch_run and against the bare vectorised step loop.

    python experiments/bench.py sweep=sanctions_vs_alliance
    python experiments/bench.py sweep=sobol_behaviour --runs 20000 --mesa-runs 100 --workers 2

Measures, in one process on one machine, the same kind of runs of a sweep three ways:

* ``engine``: ``sim.sweep.engine.execute`` on the sweep's first ``--runs`` runs, chunk files written to a
  temporary folder, then ``merge_outcomes`` (the real engine with its I/O);
* ``batch_run``: ``--mesa-runs`` single runs (R = 1), one ``RelationsModel`` each, through
  ``mesa.batch_run`` over design points of the sweep and seeds (recording what the sweep records);
* ``bare loop``: the same chunks as the engine, each worker only building and stepping the vectorised
  model with nothing recorded and nothing written.

Ratios (speed-up, engine over bare loop) come from these three timings of one invocation. Also measured:

* ``replay``: the ``--replay-runs`` run replay of the config's scenario (everything recorded, events
  logged, as ``run.py`` simulates it; no files, no figures), in this process;
* ``compile``: the first model of a fresh Python process minus its second (the Numba kernels compiled, or
  loaded from their on-disk cache), in a subprocess with an empty cache folder (``cold``) and again with
  that folder filled (``warm``): what a process pays once, kept out of every other timing by a warm-up;
* ``event kernel``: the compiled event generation alone (``month_events``, 1,000 runs, 12 months, the fastest of
  three repetitions): nanoseconds per event, events per run, and the CPU seconds that generating the events of
  100,000 runs costs however the rest of the month is computed (a floor for a sweep's time);
* ``check``: the bare loop's first chunk, stepped again with the sweep's variables recorded, measures
  exactly the engine's outcomes for those runs, and ends in the same final state as the bare loop (a
  digest per chunk): the three methods time the same computation.

``--runs``, ``--mesa-runs``, ``--replay-runs`` and ``--workers`` (default: the config's ``workers``, else one
per core) are taken off the command line before Hydra reads it; everything else is a Hydra override of the
config. Writes ``bench.json`` to its output folder (``outputs/bench/<sweep>/...``). The measurements are in
``sim/benchmark.py``, the task (options, checks, headline) in ``sim/tasks/bench.py``.
"""

from sim.tasks import bench
from sim.tasks.launch import main

if __name__ == "__main__":
    main(bench.TASK)
