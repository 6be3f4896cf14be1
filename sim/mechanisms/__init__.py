"""The model's mechanisms: small functions over arrays, each with its equation and its source.

Every function works elementwise or over the trailing country axes, so the same code serves one run
(R = 1) and an ensemble (leading run axis R). None holds state or draws random numbers itself: draws are
passed in, which keeps each mechanism testable against its theory.
"""
