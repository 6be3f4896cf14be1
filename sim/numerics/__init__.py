"""Functions of doubles that the model computes itself, so that they give the same bits on every machine.

``elementary``: ``exp``, ``log`` and what the model builds on them (``log1p``, ``power``, ``exp2``, ``logistic``,
``logit``); ``ndtri``: the inverse normal CDF that turns a uniform draw into a normal one. numpy and the C library
choose their implementation of these by the processor (numpy's AVX-512 and AVX2 loops, glibc's FMA variants) and
differ in the last bits between machines; these are compiled from the IEEE operations alone. Nothing here imports
from the rest of ``sim``.
"""
