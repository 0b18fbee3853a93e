"""The scene the window opens on: TensorFlow Playground's spiral set-up, trimmed to train quickly.

The data and training settings are the Playground's (500 points, no noise, half for training; features
x1, x2, sin x1, sin x2; mean squared error; plain SGD at learning rate 0.03 on mini-batches of 10). The
network has three hidden layers of eight tanh units instead of the Playground's six, so a demo solves
the spiral in a few seconds; the layers start as the Playground's do (weights U(-0.5, 0.5), biases 0.1).
"""

from __future__ import annotations

from engine import SGD, Input, Network, Trainer, data, tfp_dense

FEATURES = ("x1", "x2", "sin(x1)", "sin(x2)")
HIDDEN_LAYERS = 3
HIDDEN_UNITS = 8
LEARNING_RATE = 0.03
BATCH_SIZE = 10
SEED = 0


def make_default_dataset() -> data.Dataset:
    """Return the Playground's spiral: 500 points, no noise, 250 for training and 250 for testing."""
    return data.playground("spiral", n_points=500, noise=0.0, train_ratio=0.5, seed=SEED, features=FEATURES)


def make_default_network() -> Network:
    """Return Input(4) -> 3 × Dense(8, tanh) -> Dense(1, tanh), initialised as the Playground does."""
    hidden = [tfp_dense(HIDDEN_UNITS, "tanh") for _ in range(HIDDEN_LAYERS)]
    return Network.sequential(Input(len(FEATURES)), *hidden, tfp_dense(1, "tanh"))


def make_default_trainer() -> Trainer:
    """Return a fresh, untrained trainer for the default scene (mse loss, SGD 0.03, batch 10, seed 0)."""
    model = make_default_network().build(seed=SEED)
    return Trainer(
        model,
        make_default_dataset(),
        loss="mse",
        optimizer=SGD(LEARNING_RATE),
        batch_size=BATCH_SIZE,
        seed=SEED,
    )
