"""Train XOR and the Playground spiral with nnsim's engine, without the window.

Run it from the repository root: ``python docs/examples/xor_and_spiral.py``. It prints what it does and
returns the accuracies from ``main()``: XOR reaches 100 % on its four points, the spiral 95 % or more on
its test half.
"""

from __future__ import annotations

import numpy as np

from engine import SGD, Dense, Input, Network, Phase, Trainer, data, metrics, tfp_dense


def train_xor(seed: int = 0) -> float:
    """A 2-8-1 tanh network on the four XOR points; returns the training accuracy."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    t = np.array([0, 1, 1, 0])
    xor = data.Dataset("xor", "classification", x_train=x, x_test=x, t_train=t, t_test=t, n_classes=2)

    net = Network.sequential(Input(2), Dense(8, "tanh"), Dense(1, "tanh"))
    print(net.summary())
    trainer = Trainer(net.build(seed=seed), xor, loss="mse", optimizer=SGD(0.5), batch_size=4, seed=seed)

    # One mini-batch phase by phase, as the window shows it.
    for event in trainer.phases():
        print(f"  {event.phase.value:<8} {event.caption()}")
        if event.phase is Phase.LOSS:
            print(f"           targets {event.targets.ravel()}  outputs {np.round(event.output.ravel(), 3)}")

    trainer.run(1999)  # the rest of 2,000 steps, in compiled code
    loss, acc = trainer.evaluate("train")
    outputs = trainer.model.predict(x)
    print(f"XOR after {trainer.step_count} steps: loss {loss:.4f}, accuracy {acc:.0%}")
    for row, y in zip(x, outputs[:, 0], strict=True):
        print(f"  {row} -> {y:+.3f} (class {int(y > 0)})")
    return acc


def train_spiral(seed: int = 0) -> float:
    """The Playground spiral with inputs x1, x2, sin(x1), sin(x2) and two hidden layers of 8 tanh units."""
    spiral = data.playground(
        "spiral", n_points=500, noise=0.0, seed=0, features=("x1", "x2", "sin(x1)", "sin(x2)")
    )
    net = Network.sequential(Input(4), tfp_dense(8), tfp_dense(8), tfp_dense(1))
    trainer = Trainer(net.build(seed=seed), spiral, loss="mse", optimizer=SGD(0.03), batch_size=10, seed=seed)

    steps_per_epoch = -(-spiral.n_train // 10)
    trainer.run(500 * steps_per_epoch)
    history = trainer.history  # recorded at every epoch end
    for k in (0, 9, 99, len(history) - 1):
        print(
            f"  epoch {history.epoch[k]:>3}: train loss {history.train_loss[k]:.4f}, "
            f"test accuracy {history.test_acc[k]:.1%}"
        )

    test_loss, test_acc = trainer.evaluate("test")
    # one tanh output: above 0 is class 1
    predicted = metrics.classes_from_outputs(trainer.model.predict(spiral.x_test))
    print(f"spiral after {trainer.epoch} epochs: test loss {test_loss:.4f}, test accuracy {test_acc:.1%}")
    print("  confusion matrix (rows: true class):")
    print(metrics.confusion_matrix(spiral.t_test, predicted, 2))
    return test_acc


def main() -> dict[str, float]:
    results = {"xor_train_accuracy": train_xor(), "spiral_test_accuracy": train_spiral()}
    assert results["xor_train_accuracy"] == 1.0
    assert results["spiral_test_accuracy"] >= 0.95
    return results


if __name__ == "__main__":
    main()
