"""Scenario discovery: which region of a sweep's parameter space leads to an outcome the user states?

PRIM (the Patient Rule Induction Method, Friedman & Fisher 1999; used for scenario discovery by Bryant &
Lempert 2010) over a finished sweep folder's design and outcomes, from the maintained ``prim`` package.
"""
