"""Counter-based random numbers: a run's draws depend only on (seed, run index, step, stream, element).

Every draw is a pure function of its coordinates, so row ``i`` of a batch of any size, in any chunk, on
any worker, sees exactly the numbers it would see if run alone, and the whole ensemble is drawn with array
operations (no per-run generator objects, no Python loop over runs).

Construction: a 64-bit key per run, ``key_r = mix(mix(seed) + mix(run + 1))``; a 64-bit counter hash per
(step, stream, element), shared by all runs; the draw is ``mix(key_r + counter_hash)``. ``mix`` is the
SplitMix64 finaliser (Steele, Lea & Flood 2014, "Fast splittable pseudorandom number generators"), a
bijection on 64-bit words with full avalanche. Hashing the counter before adding the key avoids the
overlapping-stream problem of plain SplitMix64 sequences that start at nearby keys. Top 53 bits give a
double in [0, 1); normals invert the normal CDF (``scipy.special.ndtri``) at the cell midpoint, so one
word makes one normal and each number depends on its own element only.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtri

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
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
)
_STREAM_ID = {name: i for i, name in enumerate(STREAMS)}


def mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser over uint64 arrays (wrapping arithmetic)."""
    x = x.copy()
    x ^= x >> _S30
    x *= _M1
    x ^= x >> _S27
    x *= _M2
    x ^= x >> _S31
    return x


def run_keys(seed: int, runs: np.ndarray) -> np.ndarray:
    """The 64-bit key of each run index in ``runs`` under ``seed``."""
    seed_word = mix(np.array([seed & 0xFFFFFFFFFFFFFFFF], dtype=np.uint64) + _GAMMA)
    return mix(seed_word + mix(np.asarray(runs, dtype=np.uint64) + np.uint64(1)))


class Streams:
    """Draws for a batch of runs; shapes are ``(R, *shape)``.

    Elements of the trailing shape are numbered in C order from ``offset``, so an agent can draw its own
    row of a (N, ...) block with ``offset = row * row_size`` and get what a whole-block draw would give.
    Two calls with the same (stream, step, element) return the same number: each is used once.
    """

    def __init__(self, seed: int, runs: np.ndarray):
        self.keys = run_keys(seed, runs)[:, None]

    def _bits(self, stream: str, step: int, elements: np.ndarray) -> np.ndarray:
        """(R, E) random words for ``elements`` (E,) of every run."""
        counter = (np.uint64(step) << np.uint64(40)) | (np.uint64(_STREAM_ID[stream]) << np.uint64(32))
        return mix(self.keys + mix((elements | counter) * _GAMMA)[None, :])

    def _flat_bits(self, stream: str, step: int, runs: np.ndarray, elements: np.ndarray) -> np.ndarray:
        """(E,) random words: draw ``d`` is element ``elements[d]`` of batch row ``runs[d]``."""
        counter = (np.uint64(step) << np.uint64(40)) | (np.uint64(_STREAM_ID[stream]) << np.uint64(32))
        return mix(self.keys[runs, 0] + mix((elements | counter) * _GAMMA))

    def uniform(self, stream: str, step: int, shape: tuple[int, ...], offset: int = 0) -> np.ndarray:
        """Uniforms in [0, 1) for elements ``offset .. offset + prod(shape)`` of a (stream, step): (R, *shape)."""
        elements = np.arange(offset, offset + int(np.prod(shape)), dtype=np.uint64)
        return _unit(self._bits(stream, step, elements)).reshape((len(self.keys), *shape))

    def normal(self, stream: str, step: int, shape: tuple[int, ...], offset: int = 0) -> np.ndarray:
        """Standard normals by inverting the normal CDF at open-interval uniforms: (R, *shape)."""
        elements = np.arange(offset, offset + int(np.prod(shape)), dtype=np.uint64)
        return ndtri(_open_unit(self._bits(stream, step, elements))).reshape((len(self.keys), *shape))

    def uniform_flat(self, stream: str, step: int, runs: np.ndarray, elements: np.ndarray) -> np.ndarray:
        """Uniforms for a ragged list of draws, each the number ``uniform`` gives for its run and element."""
        return _unit(self._flat_bits(stream, step, runs, np.asarray(elements, dtype=np.uint64)))

    def normal_flat(self, stream: str, step: int, runs: np.ndarray, elements: np.ndarray) -> np.ndarray:
        """Standard normals for a ragged list of draws, each the number ``normal`` gives for its run and element."""
        return ndtri(_open_unit(self._flat_bits(stream, step, runs, np.asarray(elements, dtype=np.uint64))))


def _unit(bits: np.ndarray) -> np.ndarray:
    """Top 53 bits as a double in [0, 1)."""
    return (bits >> _S11).astype(np.float64) * _TO_UNIT


def _open_unit(bits: np.ndarray) -> np.ndarray:
    """Top 53 bits as a double in (0, 1): the midpoints of the 2**53 cells, so the normal quantile is finite."""
    return ((bits >> _S11).astype(np.float64) + 0.5) * _TO_UNIT
