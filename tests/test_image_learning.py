"""Small CNNs learn the shipped real-image sets: MNIST 5k digits and the Fashion-MNIST subset.

Seeded runs on held-out images, as a course would train them in the window, with the accuracy the
classroom scenes promise. Each takes seconds, not minutes.
"""

from __future__ import annotations

import pytest

from engine import Activation, Dense, Input, Network, Trainer
from engine.data import load_fashion_mnist, load_mnist5k
from engine.image_layers import Conv2D, Flatten, MaxPool2D
from engine.normalization import BatchNorm
from engine.optimizers import Adam

pytestmark = pytest.mark.slow


def _train(net: Network, data, schedule: list[tuple[float, int]]) -> float:
    trainer = Trainer(
        net.build(seed=0, dtype="float32"),
        data,
        loss="cross_entropy",
        optimizer=Adam(schedule[0][0]),
        batch_size=32,
        seed=0,
    )
    for learning_rate, epochs in schedule:
        trainer.configure(learning_rate=learning_rate)
        trainer.run_epochs(epochs)
    return trainer.evaluate("test")[1]


def test_a_small_cnn_reads_held_out_mnist_digits_at_96_percent_or_better():
    data = load_mnist5k(test_ratio=0.2, seed=0)
    assert (data.n_train, data.n_test) == (4000, 1000)
    net = Network.sequential(
        Input(shape=(1, 28, 28)),
        Conv2D(8, 3, padding="same", activation="relu"),
        MaxPool2D(2),
        Conv2D(16, 3, activation="relu"),
        MaxPool2D(2),
        Flatten(),
        Dense(10, "softmax"),
    )
    assert _train(net, data, [(2e-3, 8)]) >= 0.96


def test_a_small_cnn_with_batch_norm_tells_clothes_apart_at_85_percent_or_better():
    data = load_fashion_mnist(full=False, seed=0)
    assert (data.n_train, data.n_test) == (6000, 1000)
    net = Network.sequential(
        Input(shape=(1, 28, 28)),
        Conv2D(16, 3, padding="same"),
        BatchNorm(),
        Activation("relu"),
        MaxPool2D(2),
        Conv2D(32, 3),
        BatchNorm(),
        Activation("relu"),
        MaxPool2D(2),
        Flatten(),
        Dense(10, "softmax"),
    )
    assert _train(net, data, [(2e-3, 4), (5e-4, 3), (1e-4, 1)]) >= 0.85
