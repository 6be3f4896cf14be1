"""The model's mechanisms: small functions, each with its equation and its source.

Two kinds. Array functions work elementwise or over the trailing country axes, so the same code serves one
run (R = 1) and an ensemble (leading run axis R). Scalar functions compiled with Numba (the S4 decision:
``reciprocity``, ``target``; event generation: ``events``) compute one directed dyad of one run, and a compiled
loop over runs and partners calls them (``target.decide_row``, ``events.month_events``); each equation is written
once. None holds state or draws random numbers itself: draws are passed in (or drawn by their coordinates,
``sim.rng``), which keeps each mechanism testable against its theory.
"""

# The observation model's salience power ω (``sim.signals.salience_weight``): |g|^ω stays finite for every Goldstein
# value (|g| <= 10). Here, not in ``events``, so that a config check can read it without compiling the kernels.
MAX_SALIENCE_POWER = 32.0
