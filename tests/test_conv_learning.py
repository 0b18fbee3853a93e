"""A small CNN learns scikit-learn's 8x8 handwritten digits, and sees them as images.

1,797 greyscale digits (0-16, scaled to 0-1), split 70/30 with a fixed seed. Conv 8 3x3 (same) ->
MaxPool 2 -> Conv 16 3x3 -> Flatten -> Dense 10, Adam, a few epochs: a couple of seconds here.
"""

from __future__ import annotations

import time

import numpy as np
import pytest

from engine import Adam, Conv2D, Dense, Flatten, Input, MaxPool2D, Network, Trainer, metrics
from engine.data import Dataset

load_digits = pytest.importorskip("sklearn.datasets").load_digits


def digits() -> Dataset:
    bunch = load_digits()
    x = bunch.data / 16.0
    order = np.random.default_rng(0).permutation(len(x))
    cut = int(0.7 * len(x))
    train, test = order[:cut], order[cut:]
    return Dataset(
        "digits",
        "classification",
        x[train],
        x[test],
        bunch.target[train],
        bunch.target[test],
        n_classes=10,
        image_shape=(1, 8, 8),
    )


def test_a_small_cnn_learns_the_8x8_digits():
    data = digits()
    net = Network.sequential(
        Input(shape=data.input_shape),
        Conv2D(8, 3, padding="same", activation="relu", kernel_init="he_uniform"),
        MaxPool2D(2),
        Conv2D(16, 3, activation="relu", kernel_init="he_uniform"),
        Flatten(),
        Dense(10, "softmax"),
    )
    trainer = Trainer(
        net.build(seed=0), data, loss="cross_entropy", optimizer=Adam(0.01), batch_size=32, seed=0
    )
    start = time.perf_counter()
    trainer.run_epochs(8)
    took = time.perf_counter() - start
    loss, acc = trainer.evaluate("test")
    predicted = metrics.classes_from_outputs(trainer.model.predict(data.x_test))
    assert acc == pytest.approx(metrics.accuracy(data.t_test, predicted))
    assert acc >= 0.9, f"held-out accuracy {acc:.3f} after 8 epochs"
    assert trainer.history.test_acc[-1] == pytest.approx(acc)
    assert took < 30, f"8 epochs of 1,257 digits took {took:.1f} s"
    # the first conv layer's maps are images of the input's height and width
    maps = trainer.model.activations(data.x_test[:5])["conv2d_1"]
    assert maps.reshape(5, *trainer.model.output_shape("conv2d_1")).shape == (5, 8, 8, 8)
