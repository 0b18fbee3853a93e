"""The data order of an epoch in plain numpy, identical to the kernels' ``cpu.epoch_permutation``.

A new trainer needs its first epoch's order at once; computing it here keeps Numba (about a second to
import and load its registries) off that path, so a window can show a scene before the kernels load.
Same counter-based generator (splitmix64's finaliser over (seed, stream 1, epoch, i)), same
Fisher-Yates, so both give the same permutation bit for bit.
"""

from __future__ import annotations

import sys

import numpy as np

_MASK = 0xFFFF_FFFF_FFFF_FFFF
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser on a uint64 array (wrapping arithmetic, as in the kernels)."""
    z = x + _M1
    z = (z ^ (z >> np.uint64(30))) * _M2
    z = (z ^ (z >> np.uint64(27))) * _M3
    return z ^ (z >> np.uint64(31))


def _u64(value: int) -> np.ndarray:
    """``value`` as a one-element uint64 array, wrapped modulo 2**64 like the kernels' ``np.uint64``."""
    return np.array([int(value) & _MASK], np.uint64)


def epoch_permutation(seed: int, epoch: int, perm: np.ndarray, shuffle: int) -> None:
    """Fill ``perm`` (int64, n) with the data order of ``epoch``: Fisher-Yates driven by (seed, epoch).

    Uses the compiled kernel once it is loaded (faster on big sets), else :func:`numpy_permutation`.
    """
    kernels = sys.modules.get("engine.kernels.cpu")
    if kernels is not None and kernels.epoch_permutation.signatures:
        kernels.epoch_permutation(seed, epoch, perm, shuffle)
    else:
        perm[:] = numpy_permutation(seed, epoch, perm.shape[0], shuffle)


def numpy_permutation(seed: int, epoch: int, n: int, shuffle: int) -> np.ndarray:
    """The data order of ``epoch`` over ``n`` rows, (n,) int64, without Numba (0.06 s for 60,000 rows)."""
    if not shuffle or n < 2:
        return np.arange(n, dtype=np.int64)
    i = np.arange(n - 1, 0, -1, dtype=np.uint64)  # the positions Fisher-Yates visits, last first
    h = _mix64(_u64(seed) ^ _mix64(_u64(1) ^ _mix64(_u64(epoch) ^ _mix64(i))))
    u = (h >> np.uint64(11)).astype(np.float64) * _TO_UNIT
    j = np.minimum((u * (i.astype(np.float64) + 1.0)).astype(np.int64), i.astype(np.int64))
    order = list(range(n))
    for a, b in zip(range(n - 1, 0, -1), j.tolist(), strict=True):  # each swap depends on the last
        order[a], order[b] = order[b], order[a]
    return np.array(order, dtype=np.int64)
