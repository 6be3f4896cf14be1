"""CAMEO codes and their Goldstein values, and the unbiased mapping of a cooperation level to events.

Values are GDELT's Goldstein scale (``data/cameo-goldstein-gdelt.tsv``, MODEL-NOTES §3). Codes stay
strings: "010" is not "10". A root's value is read from the root row itself, never from its "x0" sub-code
(root 13 is -6.0, sub-code 130 is -4.4).
"""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

import numpy as np
from numba import njit

# Roots 18-20 (assault, fight, mass violence) are disabled: the model has no war regime (MODEL-NOTES S4).
GENERATED_ROOTS = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15", "16", "17")
# Codes whose events are costly signals (Kydd 2000): material cooperation, force, reducing relations,
# coercion, formal agreements and sanctions (MODEL-NOTES S6).
COSTLY_ROOTS = frozenset({"06", "07", "08", "15", "16", "17"})
COSTLY_CODES = frozenset({"057", "163"})


@cache
def goldstein_table() -> dict[str, float]:
    """All CAMEO codes (roots and sub-codes) with their GDELT Goldstein value."""
    text = resources.files("sim").joinpath("data/cameo-goldstein-gdelt.tsv").read_text()
    rows = csv.DictReader(text.splitlines(), delimiter="\t")
    return {row["cameo_code"]: float(row["goldstein_gdelt"]) for row in rows}


def goldstein(code: str) -> float:
    """Goldstein value of a CAMEO code given as a string; KeyError names an unknown code."""
    table = goldstein_table()
    if code not in table:
        raise KeyError(f"unknown CAMEO code {code!r}")
    return table[code]


def is_costly(code: str) -> bool:
    return code in COSTLY_CODES or code[:2] in COSTLY_ROOTS


@cache
def root_ladder() -> tuple[np.ndarray, tuple[tuple[str, ...], ...]]:
    """Distinct Goldstein values of the generated roots, ascending, with the roots sharing each value."""
    table = goldstein_table()
    by_value: dict[float, list[str]] = {}
    for root in GENERATED_ROOTS:
        by_value.setdefault(table[root], []).append(root)
    values = sorted(by_value)
    return np.array(values), tuple(tuple(by_value[v]) for v in values)


@cache
def ladder_codes() -> tuple[np.ndarray, np.ndarray]:
    """For each ladder rung: the number of roots sharing its value (one or two) and a (rungs, 2) table of those roots,
    indexed by ``map_level``'s (rung, tie); a rung with one root repeats it."""
    _, roots = root_ladder()
    counts = np.array([len(r) for r in roots])
    table = np.array([[r[0], r[-1]] for r in roots])
    return counts, table


def costly_rungs() -> np.ndarray:
    """(rungs, 2) booleans: is the first/second root sharing a rung's value costly."""
    _, table = ladder_codes()
    return np.vectorize(lambda c: c in COSTLY_ROOTS)(table)


@cache
def _rung_below() -> np.ndarray:
    """For each 0.1 step above the ladder's floor, the highest rung at or below it (never the top rung).

    All Goldstein values of the roots are multiples of 0.1, so this table replaces a binary search. Where
    floating point puts a value a hair below its own rung, the rung below is picked with ``p_hi = 1``:
    the same event.
    """
    ladder, _ = root_ladder()
    steps = np.arange(round((ladder[-1] - ladder[0]) * 10) + 2)
    grid = ladder[0] + steps / 10.0
    return np.minimum(np.searchsorted(ladder, grid + 1e-9, side="right") - 1, len(ladder) - 2)


@cache
def coding_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """What ``map_level`` reads: the ladder, ``_rung_below``, the inverse gaps between rungs and ``costly_rungs``."""
    ladder, _ = root_ladder()
    return ladder, _rung_below(), 1.0 / np.diff(ladder), costly_rungs()


@njit(cache=True)
def map_level(
    value: float, u: float, ladder: np.ndarray, rung_below: np.ndarray, inverse_gap: np.ndarray
) -> tuple[int, int]:
    """Rung index of an event whose intended Goldstein level is ``value`` (already clipped to the ladder).

    The event takes one of the two neighbouring root values ``g_lo <= v <= g_hi``, choosing ``g_hi`` with
    probability ``p = (v - g_lo)/(g_hi - g_lo)``, so that ``E[g] = v`` (MODEL-NOTES S4): the coding adds
    noise but no bias. ``u`` is a uniform draw; the tables are ``coding_tables()``.

    Also returns which of two roots sharing the chosen value the event is (0 or 1, even odds), decided by
    the same draw: given the choice, ``u`` is uniform on ``[0, p)`` or ``[p, 1)``, and its position in the
    upper or lower half of that interval is a fair coin.
    """
    lo = rung_below[max(int((value - ladder[0]) * 10.0), 0)]
    p_hi = (value - ladder[lo]) * inverse_gap[lo]
    upper = np.int64(u < p_hi)
    # second = u >= (p_hi + 1 - upper)/2, written with integer logic on both comparisons: turning ``upper`` into the
    # double 1.0 or 0.0 compiled to a branch, mispredicted for half the events (a fifth of the event kernel's time)
    above = p_hi + 1.0
    second = (upper & np.int64(u >= 0.5 * (above - 1.0))) | ((1 - upper) & np.int64(u >= 0.5 * (above - 0.0)))
    return lo + upper, second


@njit(cache=True)
def _map_many(
    value: np.ndarray, u: np.ndarray, ladder: np.ndarray, rung_below: np.ndarray, inverse_gap: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    rung, second = np.empty(value.size, np.int64), np.empty(value.size, np.int64)
    for k in range(value.size):
        rung[k], second[k] = map_level(value[k], u[k], ladder, rung_below, inverse_gap)
    return rung, second


def map_unbiased(value: np.ndarray, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``map_level`` over arrays of levels and uniforms of one shape: (rung, second), each of that shape."""
    value, u = np.broadcast_arrays(np.asarray(value, dtype=float), np.asarray(u, dtype=float))
    ladder, below, inverse_gap, _ = coding_tables()
    rung, second = _map_many(value.ravel(), u.ravel(), ladder, below, inverse_gap)
    return rung.reshape(value.shape), second.reshape(value.shape)
