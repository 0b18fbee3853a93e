"""The engine learns, rewinds exactly, stays within its memory budget, and fails clearly.

Learning: XOR, the Playground spiral and iris reach fixed accuracies with seeded settings, each in well
under a second of training here. Then exact rewinds, the timeline's memory bound, divergence in each of
the three training paths, graph errors that name the layer, and seeded determinism with dropout.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import (
    SGD,
    Adam,
    Add,
    ConfigError,
    Dense,
    DivergenceError,
    Dropout,
    GraphError,
    Input,
    Network,
    Trainer,
    data,
    metrics,
    tfp_dense,
)

SPIRAL_FEATURES = ("x1", "x2", "sin(x1)", "sin(x2)")


def xor_dataset() -> data.Dataset:
    """The four corners of the unit square; class 1 where exactly one input is 1."""
    x = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    t = np.array([0, 1, 1, 0])
    return data.Dataset("xor", "classification", x, x, t, t, n_classes=2)


def weights_finite(trainer: Trainer) -> bool:
    return all(np.all(np.isfinite(w)) for w in trainer.model.params.values())


def predicted_classes(trainer: Trainer, x: np.ndarray) -> np.ndarray:
    return metrics.classes_from_outputs(trainer.model.predict(x))


# ------------------------------------------------------------------------------------------- learning
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_xor_reaches_full_train_accuracy(seed):
    ds = xor_dataset()
    net = Network.sequential(Input(2), Dense(8, "tanh"), Dense(1, "tanh"))
    trainer = Trainer(net.build(seed=seed), ds, loss="mse", optimizer=SGD(0.5), batch_size=4, seed=seed)
    trainer.run(2000)  # one step per epoch: the batch holds all four rows
    loss, acc = trainer.evaluate("train")
    assert acc == 1.0
    assert loss < 0.05
    assert metrics.accuracy(ds.t_train, predicted_classes(trainer, ds.x_train)) == 1.0
    history = trainer.history
    assert len(history) == 2000 and history.step[-1] == trainer.step_count == 2000
    assert history.train_acc[-1] == 1.0
    assert history.train_loss[-1] < history.train_loss[0]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spiral_playground_net_reaches_95_percent(seed):
    ds = data.playground("spiral", n_points=500, noise=0.0, seed=0, features=SPIRAL_FEATURES)
    net = Network.sequential(Input(4), tfp_dense(8), tfp_dense(8), tfp_dense(1))
    trainer = Trainer(net.build(seed=seed), ds, loss="mse", optimizer=SGD(0.03), batch_size=10, seed=seed)
    trainer.run(500 * 25)  # 500 epochs of 250 training points in batches of 10
    test_loss, test_acc = trainer.evaluate("test")
    assert test_acc >= 0.95
    history = trainer.history
    assert len(history) == trainer.epoch == 500
    assert history.test_acc[-1] == pytest.approx(test_acc)
    assert history.test_loss[-1] == pytest.approx(test_loss, rel=1e-5)
    assert metrics.accuracy(ds.t_test, predicted_classes(trainer, ds.x_test)) == pytest.approx(test_acc)


@pytest.mark.parametrize("split_seed", [1, 2])
def test_iris_reaches_93_percent(split_seed):
    ds = data.load_iris(seed=split_seed)
    net = Network.sequential(Input(4), Dense(16, "relu"), Dense(3, "softmax"))
    trainer = Trainer(net.build(seed=0), ds, loss="cross_entropy", optimizer=SGD(0.1), batch_size=16, seed=0)
    trainer.run(150 * 7)  # 150 epochs of 105 rows in batches of 16
    _, test_acc = trainer.evaluate("test")
    assert test_acc >= 0.93
    predicted = predicted_classes(trainer, ds.x_test)
    assert metrics.accuracy(ds.t_test, predicted) == pytest.approx(test_acc)
    cm = metrics.confusion_matrix(ds.t_test, predicted, 3)
    assert cm.sum() == ds.n_test and np.trace(cm) == round(test_acc * ds.n_test)
    assert trainer.history.test_acc[-1] == pytest.approx(test_acc)


@pytest.mark.parametrize("keyframe_interval", [256, 25])
def test_run_stops_at_each_epoch_end(keyframe_interval):
    # run() with a bound rather than run_epochs(), which loops for 2**30 steps while the bug is there
    ds = data.playground("spiral", n_points=500, seed=0)  # 250 training points: 25 steps per epoch
    net = Network.sequential(Input(2), Dense(4, "tanh"), Dense(1, "tanh"))
    trainer = Trainer(net.build(seed=0), ds, optimizer=SGD(0.03), keyframe_interval=keyframe_interval)
    for epoch in range(1, 258):  # step 6400, the end of epoch 256, is also a keyframe
        assert trainer.run(1000, stop_at_epoch_end=True) == 25
        assert trainer.epoch == len(trainer.history) == epoch


# ------------------------------------------------------------------------------------------- rewind
def dropout_trainer(keyframe_interval: int = 256, seed: int = 0, **kwargs) -> Trainer:
    """A spiral net with dropout and Adam: data order, dropout masks and optimiser state all matter."""
    ds = data.playground("spiral", n_points=500, seed=0, features=SPIRAL_FEATURES)
    net = Network.sequential(Input(4), Dense(16, "tanh"), Dropout(0.3), Dense(8, "tanh"), Dense(1, "tanh"))
    return Trainer(
        net.build(seed=seed),
        ds,
        loss="mse",
        optimizer=Adam(0.01),
        batch_size=10,
        seed=seed,
        keyframe_interval=keyframe_interval,
        **kwargs,
    )


def assert_same_history(a, b) -> None:
    for name in ("epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc"):
        assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name


def test_restore_snapshot_replays_identically():
    trainer = dropout_trainer()
    trainer.run(100)
    snap = trainer.snapshot()
    trainer.run(100)
    first = trainer.model.flat.copy()
    first_history = trainer.history
    first_losses = trainer.step_losses
    trainer.restore(snap)
    assert trainer.step_count == 100
    assert np.array_equal(trainer.model.flat, snap.params)
    trainer.run(100)
    assert trainer.step_count == 200
    assert np.array_equal(trainer.model.flat, first)
    assert_same_history(trainer.history, first_history)
    assert np.array_equal(trainer.step_losses, first_losses)


@pytest.mark.parametrize("keyframe_interval", [256, 32])
def test_rewind_then_train_on_gives_the_same_run(keyframe_interval):
    trainer = dropout_trainer(keyframe_interval)
    trainer.run(120)
    trainer.configure(learning_rate=0.003)  # a settings change the rewind must replay
    trainer.run(30)
    at_150 = trainer.model.flat.copy()
    trainer.run(50)
    at_200 = trainer.model.flat.copy()
    history = trainer.history
    losses = trainer.step_losses
    assert len(history) == 8  # 25 steps per epoch

    trainer.rewind(150)
    assert trainer.step_count == 150
    assert np.array_equal(trainer.model.flat, at_150)
    assert trainer.learning_rate == 0.003
    assert len(trainer.history) == 6
    trainer.run(50)
    assert np.array_equal(trainer.model.flat, at_200)
    assert_same_history(trainer.history, history)
    assert np.array_equal(trainer.step_losses, losses)


# A keyframe holds the weights and two optimiser buffers: 3 x 25,450 float32 values, about 305 kB, here.
# 1 MB holds three keyframes; 200 kB not even one, and then the timeline keeps just the first.
@pytest.mark.parametrize("budget", [1_000_000, 60_000])
def test_timeline_stays_within_its_budget_and_still_rewinds(budget):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(1200, 784)) / 255.0
    t = rng.integers(0, 10, size=1200)
    ds = data.Dataset("digits-shaped", "classification", x[:1000], x[1000:], t[:1000], t[1000:], n_classes=10)
    net = Network.sequential(Input(784), Dense(32, "relu"), Dense(10))
    model = net.build(seed=0)
    keyframe_bytes = model.flat.nbytes  # plain SGD keeps no optimiser buffers
    trainer = Trainer(
        model,
        ds,
        loss="cross_entropy",
        optimizer=SGD(0.05),
        batch_size=8,
        evaluate=False,
        timeline_budget=budget,
        keyframe_interval=64,
    )
    trainer.run(10)
    early = model.flat.copy()
    trainer.run(2490)
    late = model.flat.copy()
    trainer.run(500)
    assert trainer.step_count == 3000
    if budget >= keyframe_bytes:
        assert trainer.timeline.nbytes <= budget
        assert len(trainer.timeline) >= 2
    else:
        assert trainer.timeline.steps == [0]
        assert trainer.timeline.nbytes == keyframe_bytes
    trainer.rewind(2500)
    assert np.array_equal(model.flat, late)
    trainer.rewind(10)
    assert np.array_equal(model.flat, early)


def test_rewind_outside_the_run_is_refused():
    trainer = dropout_trainer()
    trainer.run(20)
    with pytest.raises(ConfigError):
        trainer.rewind(21)
    with pytest.raises(ConfigError):
        trainer.rewind(-1)


# ------------------------------------------------------------------------------------------- divergence
def regression_trainer(learning_rate: float) -> Trainer:
    ds = data.playground("plane", n_points=200, seed=0)
    net = Network.sequential(Input(2), Dense(8, "tanh"), Dense(1))
    return Trainer(net.build(seed=0), ds, loss="mse", optimizer=SGD(learning_rate), batch_size=10)


def advance(trainer: Trainer, path: str, steps: int) -> None:
    if path == "run":
        trainer.run(steps)
    elif path == "step":
        for _ in range(steps):
            trainer.step()
    else:
        for _ in range(steps):
            for _event in trainer.phases():
                pass


def check_divergence(trainer: Trainer, err: DivergenceError) -> None:
    layer_ids = trainer.model.layer_ids
    assert err.layer in layer_ids
    assert f"'{err.layer}'" in str(err)
    assert f"step {err.step + 1}" in str(err)  # the message counts steps from 1
    assert err.resume_step <= err.step
    assert trainer.step_count == err.resume_step
    assert weights_finite(trainer)
    assert np.all(np.isfinite(trainer.step_losses))
    assert len(trainer.step_losses) == err.resume_step


@pytest.mark.parametrize("path", ["run", "step", "phases"])
def test_huge_learning_rate_raises_divergence(path):
    trainer = regression_trainer(1e6)
    with pytest.raises(DivergenceError) as info:
        advance(trainer, path, 100)
    check_divergence(trainer, info.value)
    trainer.configure(learning_rate=0.01)  # the advice in the message works
    advance(trainer, path, 20)
    assert weights_finite(trainer)


@pytest.mark.parametrize("path", ["run", "step", "phases"])
def test_overflowing_weight_raises_divergence_and_training_can_go_on(path):
    # a finite loss whose gradient step overflows float32: caught at the update, before the weight is written
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 2))
    t = np.full((40, 1), 1e18)
    ds = data.Dataset("huge-targets", "regression", x[:20], x[20:], t[:20], t[20:])
    net = Network.sequential(Input(2), Dense(4, "tanh"), Dense(1))
    trainer = Trainer(net.build(seed=0), ds, loss="mse", optimizer=SGD(1e-3), batch_size=10)
    trainer.run(5)
    trainer.configure(learning_rate=1e21)
    before = trainer.model.flat.copy()
    with pytest.raises(DivergenceError) as info:
        advance(trainer, path, 10)
    check_divergence(trainer, info.value)
    assert info.value.step == 5
    assert np.array_equal(trainer.model.flat, before)
    trainer.configure(learning_rate=1e-3)
    assert trainer.run(3) == 3
    assert weights_finite(trainer)


# ------------------------------------------------------------------------------------------- graph errors
def graph_error(net: Network) -> GraphError:
    with pytest.raises(GraphError) as info:
        net.resolve()
    with pytest.raises(GraphError):
        net.build()
    return info.value


def test_cycle_is_named():
    # a residual block wired back on itself: d -> a (Add) -> b -> a
    net = (
        Network()
        .add(Input(2))
        .add(Dense(4), id="d")
        .add(Add(), id="a", inputs=["d", "b"])
        .add(Dense(4), id="b", inputs=["a"])
        .add(Dense(1), id="out", inputs=["b"])
    )
    err = graph_error(net)
    assert err.layer in ("a", "b")
    assert "cycle" in err.reason
    assert f"'{err.layer}'" in str(err)


def test_dangling_layer_is_named():
    net = Network.sequential(Input(2), Dense(4), Dense(1)).add(Dense(3), id="loose", inputs=[])
    err = graph_error(net)
    assert err.layer == "loose"
    assert "dangling" in err.reason


def test_add_shape_mismatch_is_named():
    net = (
        Network()
        .add(Input(2))
        .add(Dense(4), id="wide", inputs="input")
        .add(Dense(3), id="narrow", inputs="input")
        .add(Add(), id="sum", inputs=["wide", "narrow"])
    )
    err = graph_error(net)
    assert err.layer == "sum"
    assert "4" in err.reason and "3" in err.reason


def test_missing_input_layer():
    net = Network().add(Dense(4), id="hidden", inputs=[]).add(Dense(1), id="out", inputs=["hidden"])
    err = graph_error(net)
    assert "Input" in err.reason


def test_two_loose_ends_are_named():
    net = (
        Network()
        .add(Input(2))
        .add(Dense(4), id="left", inputs="input")
        .add(Dense(4), id="right", inputs="input")
    )
    err = graph_error(net)
    assert err.layer in ("left", "right")
    assert "left" in str(err) and "right" in str(err)


def test_unknown_input_id_is_named():
    net = Network.sequential(Input(2), Dense(4)).add(Dense(1), id="out", inputs=["nowhere"])
    err = graph_error(net)
    assert err.layer == "out"
    assert "nowhere" in err.reason


# ------------------------------------------------------------------------------------------- determinism
def test_same_seeds_give_bit_identical_weights_with_dropout():
    a = dropout_trainer(seed=3)
    b = dropout_trainer(seed=3)
    a.run(300)
    b.run(300)
    assert np.array_equal(a.model.flat, b.model.flat)
    assert np.array_equal(a.step_losses, b.step_losses)
    c = dropout_trainer(seed=4)
    c.run(300)
    assert not np.array_equal(a.model.flat, c.model.flat)


def test_run_step_and_phases_give_bit_identical_weights_with_dropout():
    results = []
    for path in ("run", "step", "phases"):
        trainer = dropout_trainer(seed=5)
        advance(trainer, path, 60)  # crosses two epoch ends
        results.append((trainer.model.flat.copy(), trainer.step_losses, trainer.history))
    for flat, losses, history in results[1:]:
        assert np.array_equal(flat, results[0][0])
        assert np.array_equal(losses, results[0][1])
        assert_same_history(history, results[0][2])
