"""Design points of a sweep: grid, random, Latin hypercube or Sobol (SALib's samplers)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from sim.sweep.spec import Sweep


def design_points(sweep: Sweep, seed: int) -> pd.DataFrame:
    """One row per design point (``point`` 0..P-1), one column per swept config path.

    ``grid``: every combination of the listed values, first parameter slowest. ``random``: ``points``
    independent draws. ``lhs``: a Latin hypercube of ``points`` rows (SALib). ``sobol``: Saltelli's
    extension of a Sobol' sequence with ``points`` base samples, ``points·(D + 2)`` rows, the layout
    ``SALib.analyze.sobol`` expects (first-order and total indices).
    """
    # SALib (and scipy.stats under it) is imported where a design draws from it: a grid needs neither
    names = sweep.names
    if sweep.design == "grid":
        rows = np.array(list(itertools.product(*(p.values for p in sweep.parameters))), dtype=float)
    elif sweep.design == "random":
        from SALib.util import scale_samples

        unit = np.random.default_rng(np.random.SeedSequence([seed, 0x5EED])).random((sweep.points, len(names)))
        rows = scale_samples(unit, sweep.salib_problem())
    elif sweep.design == "lhs":
        from SALib.sample import latin

        rows = latin.sample(sweep.salib_problem(), sweep.points, seed=seed)
    else:
        from SALib.sample import sobol as sobol_sampler

        rows = sobol_sampler.sample(sweep.salib_problem(), sweep.points, calc_second_order=False, seed=seed)
    frame = pd.DataFrame(rows, columns=names)
    frame.insert(0, "point", np.arange(len(frame), dtype=np.int64))
    return frame
