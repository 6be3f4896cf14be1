"""Counter-based random numbers: a run's draws depend only on (seed, run index, step, stream, element).

Every draw is a pure function of its coordinates, so row ``i`` of a batch of any size, in any chunk, on
any worker, sees exactly the numbers it would see if run alone, and a compiled loop can draw any number it
needs where it needs it (no per-run generator objects, no state carried between draws).

Construction: a 64-bit key per run, ``key_r = mix(mix(seed) + mix(run + 1))``; a 64-bit counter hash per
(step, stream, element), shared by all runs; the draw is ``mix(key_r + counter_hash)``. ``mix`` is the
SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"), a
bijection on 64-bit words with full avalanche. Hashing the counter before adding the key avoids the
overlapping-stream problem of plain SplitMix64 sequences that start at nearby keys. Top 53 bits give a
double in [0, 1); normals invert the normal CDF (Cephes ``ndtri``, ``sim.numerics.ndtri``) at the cell midpoint, so
one word makes one normal and each number depends on its own element only.

The scalar functions (``mix``, ``word``, ``unit``, ``open_unit``, ``counter``) are compiled with Numba and are
the only definition of the draws: the array methods of ``Streams`` loop over them, and so does the event
kernel (``sim.mechanisms.events.month_events``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from sim.numerics.ndtri import ndtri_array

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_ONE = np.uint64(1)
_S11, _S27, _S30, _S31, _S32, _S40 = (np.uint64(s) for s in (11, 27, 30, 31, 32, 40))
_TO_UNIT = 1.0 / float(1 << 53)

# Streams: one per kind of draw, so adding a draw to one mechanism never shifts another's numbers.
STREAMS = (
    "implementation",
    "event_count",
    "event_noise",
    "event_code",
    "perception",
    "meeting",
    "visit",
    "invitation",
    "acceptance",
    "treaty",
    "joint_activity",
    "salience",  # observation model only (sim.validation.fit): never read by the dynamics
    "salience_scheduled",
    "follow_up",
)
_STREAM_ID = {name: i for i, name in enumerate(STREAMS)}


@njit(cache=True)
def mix(x: np.uint64) -> np.uint64:
    """SplitMix64 finaliser of one 64-bit word (wrapping arithmetic)."""
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


@njit(cache=True)
def counter(step: int, stream: int) -> np.uint64:
    """The high bits of a draw's counter: step in bits 40.., stream in bits 32..39; the element fills 0..31."""
    return (np.uint64(step) << _S40) | (np.uint64(stream) << _S32)


@njit(cache=True)
def element_hash(count: np.uint64, element: np.uint64) -> np.uint64:
    """The hash of a draw's coordinates: ``element`` under a (step, stream) ``counter``, shared by every run."""
    return mix((np.uint64(element) | np.uint64(count)) * _GAMMA)


@njit(cache=True)
def keyed(key: np.uint64, hashed: np.uint64) -> np.uint64:
    """The random word of a run's ``key`` at the coordinates hashed by ``element_hash``."""
    return mix(np.uint64(key) + hashed)


@njit(cache=True)
def word(key: np.uint64, count: np.uint64, element: np.uint64) -> np.uint64:
    """The random word of ``element`` under a run's ``key`` and a (step, stream) ``counter``:
    ``keyed(key, element_hash(counter, element))``. A loop over runs may hash the coordinates once (the event
    kernel does)."""
    return keyed(key, element_hash(count, element))


@njit(cache=True)
def unit(bits: np.uint64) -> float:
    """Top 53 bits as a double in [0, 1)."""
    return np.float64(bits >> _S11) * _TO_UNIT


@njit(cache=True)
def open_unit(bits: np.uint64) -> float:
    """Top 53 bits as a double in (0, 1): the midpoints of the 2**53 cells, so the normal quantile is finite."""
    return (np.float64(bits >> _S11) + 0.5) * _TO_UNIT


@njit(cache=True)
def _run_keys(seed: np.uint64, runs: np.ndarray) -> np.ndarray:
    seed_word = mix(np.uint64(seed) + _GAMMA)
    out = np.empty(runs.size, dtype=np.uint64)
    for r in range(runs.size):
        out[r] = mix(seed_word + mix(np.uint64(runs[r]) + _ONE))
    return out


def run_keys(seed: int, runs: np.ndarray) -> np.ndarray:
    """The 64-bit key of each run index in ``runs`` under ``seed``."""
    return _run_keys(np.uint64(seed & 0xFFFFFFFFFFFFFFFF), np.asarray(runs, dtype=np.int64).reshape(-1))


_NORMAL_BLOCK = 1024  # draws per ``ndtri_array`` call: small enough for its work space to stay in the cache


@njit(cache=True)
def _to_normal(values: np.ndarray) -> None:
    """Replace open-unit draws (1-D) by their normal quantiles ``ndtri(u)``, in place, block by block: the same
    doubles as ``ndtri`` of each, computed by its array form (``ndtri_array``)."""
    n = values.size
    if n == 0:
        return
    size = min(n, _NORMAL_BLOCK)
    out, work = np.empty(size), np.empty(2 * size)
    where, usual = np.empty(size, np.int64), np.empty(size, np.bool_)
    for start in range(0, n, size):
        block = values[start : min(start + size, n)]
        ndtri_array(block, out, work, where, usual)
        block[:] = out[: block.size]


@njit(cache=True)
def _block(keys: np.ndarray, count: np.uint64, offset: int, size: int, normal: bool) -> np.ndarray:
    out = np.empty((keys.size, size))
    hashed = np.empty(size, np.uint64)  # the coordinates hashed once for all runs: ``word = keyed(key, hashed)``
    for e in range(size):
        hashed[e] = element_hash(count, np.uint64(offset + e))
    for r in range(keys.size):
        for e in range(size):
            bits = keyed(keys[r], hashed[e])
            out[r, e] = open_unit(bits) if normal else unit(bits)
    if normal:
        _to_normal(out.reshape(-1))
    return out


@njit(cache=True)
def _flat(keys: np.ndarray, count: np.uint64, runs: np.ndarray, elements: np.ndarray, normal: bool) -> np.ndarray:
    out = np.empty(elements.size)
    for d in range(elements.size):
        bits = word(keys[runs[d]], count, np.uint64(elements[d]))
        out[d] = open_unit(bits) if normal else unit(bits)
    if normal:
        _to_normal(out)
    return out


class Streams:
    """Draws for a batch of runs; shapes are ``(R, *shape)``.

    Elements of the trailing shape are numbered in C order from ``offset``, so an agent can draw its own
    row of a (N, ...) block with ``offset = row * row_size`` and get what a whole-block draw would give.
    Two calls with the same (stream, step, element) return the same number: each is used once.
    """

    def __init__(self, seed: int, runs: np.ndarray):
        self.keys = run_keys(seed, runs)

    @staticmethod
    def counter(stream: str, step: int) -> np.uint64:
        """The counter bits of a (stream, step), for compiled code that draws with ``word``."""
        return np.uint64(counter(step, _STREAM_ID[stream]))

    def _block(self, stream: str, step: int, shape: tuple[int, ...], offset: int, normal: bool) -> np.ndarray:
        size = int(np.prod(shape))
        return _block(self.keys, self.counter(stream, step), offset, size, normal).reshape((len(self.keys), *shape))

    def uniform(self, stream: str, step: int, shape: tuple[int, ...], offset: int = 0) -> np.ndarray:
        """Uniforms in [0, 1) for elements ``offset .. offset + prod(shape)`` of a (stream, step): (R, *shape)."""
        return self._block(stream, step, shape, offset, False)

    def normal(self, stream: str, step: int, shape: tuple[int, ...], offset: int = 0) -> np.ndarray:
        """Standard normals by inverting the normal CDF at open-interval uniforms: (R, *shape)."""
        return self._block(stream, step, shape, offset, True)

    def _flat(self, stream: str, step: int, runs: np.ndarray, elements: np.ndarray, normal: bool) -> np.ndarray:
        runs, elements = np.asarray(runs, dtype=np.int64), np.asarray(elements, dtype=np.int64)
        return _flat(self.keys, self.counter(stream, step), runs, elements, normal)

    def uniform_flat(self, stream: str, step: int, runs: np.ndarray, elements: np.ndarray) -> np.ndarray:
        """Uniforms for a ragged list of draws, each the number ``uniform`` gives for its run and element."""
        return self._flat(stream, step, runs, elements, False)

    def normal_flat(self, stream: str, step: int, runs: np.ndarray, elements: np.ndarray) -> np.ndarray:
        """Standard normals for a ragged list of draws, each the number ``normal`` gives for its run and element."""
        return self._flat(stream, step, runs, elements, True)
