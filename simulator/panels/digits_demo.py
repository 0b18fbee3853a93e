"""A small image scene for trying the image panels by themselves: 8 × 8 digits and a dense network.

The digits come from scikit-learn (shipped inside its package, no download); without it, random
8 × 8 images stand in, so the panels still open.
"""

from __future__ import annotations

import numpy as np

from engine import SGD, Dense, Input, Network, Trainer
from engine.data import Dataset


def digits_dataset(test_ratio: float = 0.25, seed: int = 0) -> Dataset:
    """scikit-learn's 1,797 handwritten digits, 8 × 8 pixels scaled to [0, 1], classes "0" .. "9"."""
    try:
        from sklearn.datasets import load_digits

        digits = load_digits()
        x, t = digits.data / 16.0, digits.target
    except ImportError:
        rng = np.random.default_rng(seed)
        x, t = rng.random((500, 64)), rng.integers(0, 10, 500)
    order = np.random.default_rng(seed).permutation(len(x))
    x, t = x[order], t[order]
    n_test = int(round(test_ratio * len(x)))
    return Dataset(
        "digits",
        "classification",
        x[n_test:],
        x[:n_test],
        t[n_test:],
        t[:n_test],
        n_classes=10,
        class_names=tuple(str(c) for c in range(10)),
        image_shape=(1, 8, 8),
    )


def digits_trainer(epochs: int = 0, seed: int = 0) -> Trainer:
    """A 64-32-10 softmax network on the digits, trained for ``epochs``."""
    net = Network.sequential(Input(64), Dense(32, "relu"), Dense(10, "softmax"))
    trainer = Trainer(
        net.build(seed=seed), digits_dataset(), loss="cross_entropy", optimizer=SGD(0.1), batch_size=16
    )
    if epochs:
        trainer.run_epochs(epochs)
    return trainer
