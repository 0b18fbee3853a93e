"""Back-propagation agrees with central finite differences of the loss, in float64.

The analytic gradients are the BACKWARD events' ``grads`` of one mini-batch walked with SGD at learning
rate 0, which leaves the weights as they were. The finite differences perturb one weight at a time and
read the LOSS event (``loss + penalty``) of a fresh walk of the same mini-batch: the trainer is restored
to its snapshot first, so the step number, and with it every Dropout mask, stays the same. Every mini-batch
is the whole training set (``batch_size = n_train``, no shuffling).
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import (
    SGD,
    Activation,
    Add,
    Concat,
    Dense,
    Dropout,
    Input,
    Network,
    Phase,
    Regularization,
    Trainer,
)
from engine.data import Dataset

EPS = 1e-6
TOL = 1e-6
FLOOR = 1e-3  # relative error is |a - n| / max(|a|, |n|, FLOOR): near-zero gradients compare absolutely
N_TRAIN = 6
N_IN = 3
ACTIVATIONS = ("linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "gelu")


def chain(*layers) -> Network:
    return Network.sequential(Input(N_IN), *layers)


def inputs(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(N_TRAIN + 1, N_IN))


def regression(targets: np.ndarray, x: np.ndarray | None = None) -> Dataset:
    x = inputs() if x is None else x
    return Dataset(
        "grad",
        "regression",
        x_train=x[:N_TRAIN],
        x_test=x[N_TRAIN:],
        t_train=targets[:N_TRAIN],
        t_test=targets[N_TRAIN:],
    )


def classification(n_classes: int) -> Dataset:
    labels = np.arange(N_TRAIN + 1) % n_classes
    x = inputs()
    return Dataset(
        "grad",
        "classification",
        x_train=x[:N_TRAIN],
        x_test=x[N_TRAIN:],
        t_train=labels[:N_TRAIN],
        t_test=labels[N_TRAIN:],
        n_classes=n_classes,
    )


def regression_for(net: Network) -> Dataset:
    res = net.resolve()
    width = res.shapes[res.output][0]
    return regression(np.random.default_rng(1).normal(size=(N_TRAIN + 1, width)))


def make_trainer(
    net: Network, data: Dataset, loss: str = "mse", regularization=None, lr: float = 0.0
) -> Trainer:
    model = net.build(seed=4, dtype="float64")
    return Trainer(
        model,
        data,
        loss=loss,
        optimizer=SGD(lr),
        batch_size=data.n_train,
        shuffle=False,
        evaluate=False,
        regularization=regularization,
    )


def walk(trainer: Trainer) -> list:
    return list(trainer.phases())


def analytic_grads(trainer: Trainer) -> dict[str, np.ndarray]:
    """``{"layer.param": ∂loss/∂w}`` from the BACKWARD events of a zero-rate walk; the trainer is put back."""
    snap = trainer.snapshot()
    before = trainer.model.flat.copy()
    events = walk(trainer)
    assert np.array_equal(trainer.model.flat, before), "a step at learning rate 0 changed the weights"
    trainer.restore(snap)
    grads = {}
    for event in events:
        if event.phase is Phase.BACKWARD:
            grads.update({f"{event.layer}.{name}": g for name, g in event.grads.items()})
    return grads


def objective(trainer: Trainer, snap, flat: np.ndarray) -> float:
    """The loss plus the regularisation penalty of the snapshot's mini-batch, with weights ``flat``."""
    trainer.restore(snap)
    trainer.model.flat[:] = flat
    (event,) = [e for e in walk(trainer) if e.phase is Phase.LOSS]
    return event.loss + event.penalty


def numerical_grads(trainer: Trainer) -> dict[str, np.ndarray]:
    snap = trainer.snapshot()
    base = trainer.model.flat.copy()
    grad = np.zeros_like(base)
    for i in range(base.size):
        plus, minus = base.copy(), base.copy()
        plus[i] += EPS
        minus[i] -= EPS
        grad[i] = (objective(trainer, snap, plus) - objective(trainer, snap, minus)) / (2 * EPS)
    trainer.restore(snap)
    return {s.key: grad[s.offset : s.offset + s.size].reshape(s.shape) for s in trainer.model.program.slots}


def assert_grads_close(got: dict[str, np.ndarray], want: dict[str, np.ndarray], tol: float = TOL) -> None:
    assert set(got) == set(want)
    for key in want:
        a, n = got[key], want[key]
        assert np.all(np.isfinite(a)), key
        err = np.abs(a - n) / np.maximum(np.maximum(np.abs(a), np.abs(n)), FLOOR)
        assert err.max() < tol, f"{key}: relative error {err.max():.2e}\nanalytic\n{a}\nnumerical\n{n}"
    assert any(np.abs(g).max() > 1e-3 for g in want.values()), (
        "every gradient is ~0: the check proves nothing"
    )


def check(
    net: Network, data: Dataset | None = None, loss: str = "mse", tol: float = TOL, regularization=None
):
    trainer = make_trainer(net, regression_for(net) if data is None else data, loss, regularization)
    grads = analytic_grads(trainer)
    assert_grads_close(grads, numerical_grads(trainer), tol)
    return trainer, grads


# -- layers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_dense_gradients(act):
    check(chain(Dense(4, act, alpha=0.2), Dense(2)))


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_dense_gradients_without_bias(act):
    check(chain(Dense(4, act, use_bias=False, alpha=0.2), Dense(2, "tanh")))


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_activation_layer_gradients(act):
    check(chain(Dense(4), Activation(act, alpha=0.2), Dense(2)))


def test_dropout_at_rate_zero_passes_gradients_through():
    check(chain(Dense(4, "tanh"), Dropout(0.0), Dense(2)))


def test_dropout_gradients_with_the_mask_fixed():
    trainer, _ = check(chain(Dense(5, "tanh"), Dropout(0.5), Dense(2)))
    # the masks of two walks of the same step are the same, and drop some values but not all
    masks = []
    for _ in range(2):
        snap = trainer.snapshot()
        walk(trainer)
        masks.append(trainer.buffers.node(trainer.model.program, 2, N_TRAIN, "zs").copy())
        trainer.restore(snap)
    assert np.array_equal(masks[0], masks[1])
    assert 0 < np.mean(masks[0] == 0) < 1


def test_dropout_backward_multiplies_by_the_forward_mask():
    rate = 0.5
    trainer = make_trainer(
        chain(Dense(6, "tanh"), Dropout(rate), Dense(2)),
        regression(np.random.default_rng(2).normal(size=(N_TRAIN + 1, 2))),
    )
    program = trainer.model.program
    seen = set()
    for _ in range(3):  # a new mask every step
        for event in trainer.phases():
            if event.layer != "dropout_1":
                continue
            mask = trainer.buffers.node(program, event.layer_index, N_TRAIN, "zs")
            assert set(np.unique(mask)) <= {0.0, 1 / (1 - rate)}
            if event.phase is Phase.FORWARD:
                np.testing.assert_array_equal(event.output, event.inputs[0] * mask)
                seen.add(mask.tobytes())
            elif event.phase is Phase.BACKWARD:
                np.testing.assert_array_equal(event.input_grad, event.output_grad * mask)
                assert not event.grads
    assert len(seen) == 3


def branches(join) -> Network:
    net = Network().add(Input(N_IN), id="input")
    net = net.add(Dense(4, "tanh"), id="left", inputs=["input"])
    net = net.add(Dense(4, "sigmoid"), id="right", inputs=["input"])
    net = net.add(join, id="join", inputs=["left", "right"])
    return net.add(Dense(2), id="out", inputs=["join"])


def fan_out(join) -> Network:
    """input -> h -> g; join(h, g) -> out: h feeds two layers, so its gradient is a sum."""
    net = Network().add(Input(N_IN), id="input")
    net = net.add(Dense(4, "tanh"), id="h", inputs=["input"])
    net = net.add(Dense(4, "gelu"), id="g", inputs=["h"])
    net = net.add(join, id="join", inputs=["h", "g"])
    return net.add(Dense(2), id="out", inputs=["join"])


def three_way(join) -> Network:
    net = Network().add(Input(N_IN), id="input")
    net = net.add(Dense(3, "tanh"), id="a", inputs=["input"])
    net = net.add(Dense(3, "relu"), id="b", inputs=["input"])
    net = net.add(Dense(3), id="c", inputs=["a"])
    net = net.add(join, id="join", inputs=["c", "b", "a"])
    return net.add(Dense(2, "tanh"), id="out", inputs=["join"])


@pytest.mark.parametrize("shape", [branches, fan_out, three_way])
def test_add_gradients(shape):
    check(shape(Add()))


@pytest.mark.parametrize("shape", [branches, fan_out, three_way])
def test_concat_gradients(shape):
    check(shape(Concat()))


def test_concat_of_input_and_hidden():
    net = Network().add(Input(N_IN), id="input")
    net = net.add(Dense(4, "tanh"), id="h", inputs=["input"])
    net = net.add(Concat(), id="join", inputs=["input", "h"])
    check(net.add(Dense(2), id="out", inputs=["join"]))


# -- losses --------------------------------------------------------------------------------------------------


def mae_data(net: Network) -> Dataset:
    """Targets 0.3 to 1 away from the network's start predictions: |y - t| has no kink nearby."""
    x = inputs()
    y = net.build(seed=4, dtype="float64").predict(x)
    rng = np.random.default_rng(3)
    offsets = rng.choice([-1.0, 1.0], size=y.shape) * rng.uniform(0.3, 1.0, size=y.shape)
    return regression(y + offsets, x)


LOSS_CASES = {
    "mse": (chain(Dense(4, "tanh"), Dense(2)), None, "mse"),
    "mse-pm1": (chain(Dense(4, "tanh"), Dense(1, "tanh")), 2, "mse"),
    "mse-softmax-output": (chain(Dense(4, "tanh"), Dense(3, "softmax")), 3, "mse"),
    "mae": (chain(Dense(4, "tanh"), Dense(2)), "mae", "mae"),
    "ce-fused": (chain(Dense(4, "tanh"), Dense(3, "softmax")), 3, "cross_entropy"),
    "ce-fused-activation": (chain(Dense(4, "tanh"), Dense(3), Activation("softmax")), 3, "cross_entropy"),
    "ce-logits": (chain(Dense(4, "tanh"), Dense(3)), 3, "cross_entropy"),
    "bce-fused": (chain(Dense(4, "tanh"), Dense(1, "sigmoid")), 2, "binary_cross_entropy"),
    "bce-fused-activation": (
        chain(Dense(4, "tanh"), Dense(1), Activation("sigmoid")),
        2,
        "binary_cross_entropy",
    ),
    "bce-logits": (chain(Dense(4, "tanh"), Dense(1)), 2, "binary_cross_entropy"),
    "bce-fused-onehot": (chain(Dense(4, "tanh"), Dense(3, "sigmoid")), 3, "binary_cross_entropy"),
    "bce-logits-onehot": (chain(Dense(4, "tanh"), Dense(3)), 3, "binary_cross_entropy"),
}


def loss_case(name: str) -> tuple[Network, Dataset, str]:
    net, data, loss = LOSS_CASES[name]
    if data == "mae":
        return net, mae_data(net), loss
    return net, (regression_for(net) if data is None else classification(data)), loss


@pytest.mark.parametrize("name", LOSS_CASES)
def test_loss_gradients(name):
    net, data, loss = loss_case(name)
    check(net, data, loss)


def numpy_loss(loss: str, y: np.ndarray, t: np.ndarray, output_activation: str) -> float:
    if loss == "mse":
        return float(np.mean((y - t) ** 2))
    if loss == "mae":
        return float(np.mean(np.abs(y - t)))
    if loss == "cross_entropy":
        logp = np.log(y) if output_activation == "softmax" else y - np.log(np.exp(y).sum(1, keepdims=True))
        return float(-np.mean(np.sum(t * logp, axis=1)))
    p = y if output_activation == "sigmoid" else 1 / (1 + np.exp(-y))
    return float(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))


@pytest.mark.parametrize("name", LOSS_CASES)
def test_loss_values_follow_their_formulas(name):
    """The loss whose finite differences the checks take is the documented one, on the encoded targets."""
    net, data, loss = loss_case(name)
    trainer = make_trainer(net, data, loss)
    (event,) = [e for e in walk(trainer) if e.phase is Phase.LOSS]
    y = trainer.model.predict(data.x_train)
    np.testing.assert_array_equal(event.output, y)
    width = y.shape[1]
    if data.task == "regression":
        t = data.t_train
    elif width == 1:
        zero_one = loss == "binary_cross_entropy" or "sigmoid" in name
        t = data.targets("01" if zero_one else "pm1")
    else:
        t = data.targets("onehot")
    np.testing.assert_array_equal(event.targets, t)
    res = net.resolve()
    act = res.order[res.index(res.output)].layer.activation
    assert event.loss == pytest.approx(numpy_loss(loss, y, t, act), rel=1e-12)


# -- regularisation ------------------------------------------------------------------------------------------


REGULARIZERS = [Regularization("l2", 0.3), Regularization("l1", 0.2)]


def penalty_grad(reg: Regularization, w: np.ndarray) -> np.ndarray:
    return reg.rate * (w if reg.kind == "l2" else np.sign(w))


@pytest.mark.parametrize("reg", REGULARIZERS, ids=lambda r: r.kind)
def test_penalty_gradient_is_rate_times_w_or_its_sign(reg):
    net = chain(Dense(4, "tanh"), Dense(2))
    trainer = make_trainer(net, regression_for(net), regularization=reg)
    grads = analytic_grads(trainer)  # of the data loss alone
    params = trainer.model.params
    total = {
        k: g + (penalty_grad(reg, params[k]) if k.endswith(".kernel") else 0.0) for k, g in grads.items()
    }
    # finite differences of loss + penalty: the penalty counts kernels only
    assert_grads_close(total, numerical_grads(trainer))


@pytest.mark.parametrize("reg", REGULARIZERS, ids=lambda r: r.kind)
def test_one_sgd_step_at_rate_one_moves_against_gradient_plus_penalty(reg):
    net = Network.sequential(Input(N_IN), Dense(4, "tanh"), Dropout(0.0), Dense(2, "sigmoid"))
    trainer = make_trainer(net, regression_for(net), regularization=reg, lr=1.0)
    before = trainer.model.get_weights()
    events = walk(trainer)
    grads = {f"{e.layer}.{n}": g for e in events if e.phase is Phase.BACKWARD for n, g in e.grads.items()}
    (loss_event,) = [e for e in events if e.phase is Phase.LOSS]
    (update,) = [e for e in events if e.phase is Phase.UPDATE]
    kernels = [w for k, w in before.items() if k.endswith(".kernel")]
    assert loss_event.penalty == pytest.approx(
        reg.rate
        * (
            0.5 * sum((w**2).sum() for w in kernels)
            if reg.kind == "l2"
            else sum(abs(w).sum() for w in kernels)
        )
    )
    for key, w in before.items():
        want = -(grads[key] + (penalty_grad(reg, w) if key.endswith(".kernel") else 0.0))
        np.testing.assert_allclose(trainer.model.params[key] - w, want, rtol=1e-12, atol=1e-15, err_msg=key)
        np.testing.assert_allclose(update.deltas[key], want, rtol=1e-12, atol=1e-15, err_msg=key)
