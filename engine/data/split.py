"""Train/test splits that depend only on a seeded generator, so the same seed gives the same split."""

from __future__ import annotations

import numpy as np


def shuffled_split(n: int, n_train: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Shuffle ``0 .. n-1`` once and cut it after ``n_train``, as the Playground does.

    Returns
    -------
    train, test : (n_train,), (n - n_train,) int64
        Row indices; each split keeps the shuffled order, which fixes the order of an epoch.
    """
    order = rng.permutation(n)
    return order[:n_train], order[n_train:]


def stratified_split(
    labels: np.ndarray, test_ratio: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Split so each class keeps its share in both parts, which matters for small sets sorted by class.

    Each class sends ``round(count * test_ratio)`` rows to the test split but always keeps one for training.

    Parameters
    ----------
    labels : (n,) int64
    test_ratio : float in [0, 1)

    Returns
    -------
    train, test : int64 row indices, each shuffled
    """
    labels = np.asarray(labels)
    train: list[np.ndarray] = []
    test: list[np.ndarray] = []
    for c in np.unique(labels):
        rows = rng.permutation(np.flatnonzero(labels == c))
        n_test = min(int(np.floor(len(rows) * test_ratio + 0.5)), len(rows) - 1)
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    empty = np.zeros(0, dtype=np.int64)
    train_rows = np.concatenate(train) if train else empty
    test_rows = np.concatenate(test) if test else empty
    return rng.permutation(train_rows), rng.permutation(test_rows)


def random_split(n: int, test_ratio: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Split ``0 .. n-1`` at random: ``round(n * test_ratio)`` rows to test, one at least kept to train."""
    n_test = min(int(np.floor(n * test_ratio + 0.5)), max(n - 1, 0))
    test, train = shuffled_split(n, n_test, rng)
    return train, test
