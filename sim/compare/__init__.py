"""Paired comparisons of two scenarios with common random numbers (``experiments/compare.py``).

``arms`` splits a composed experiment into its baseline and scenario configs, checks them and runs both
with the same seed and run indices; ``intervals`` holds the interval estimators; ``tables`` and ``figures``
turn the two ensembles into the comparison's tables and figures; ``task`` writes the result folder.
"""
