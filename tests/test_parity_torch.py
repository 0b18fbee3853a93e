"""The engine trains as PyTorch does: same start, same mini-batches, same weights after five steps.

Each case builds an nnsim network in float32 and copies its weights into plain torch tensors; a Dense
kernel ``(n_in, n_out)`` becomes the ``torch.nn.Linear``-style weight ``(n_out, n_in)``, i.e. its
transpose. The trainer is driven through ``phases()``. The input layer's FORWARD event names the rows of
the mini-batch (``event.batch``), and right after a Dropout layer's FORWARD event its mask (0 or
1/(1-rate) per value) is read from ``trainer.buffers``. Torch then runs autograd and its own optimiser
on those same rows, multiplying by that same mask where the network has a Dropout. Class targets are
encoded here independently of the trainer (±1, 0/1 or one-hot), and regularisation is added to torch's
loss by hand: ``rate/2·Σw²`` (L2) or ``rate·Σ|w|`` (L1) over the kernels only.

The last test checks that the three ways of training, ``run(n)``, ``step()`` and draining ``phases()``,
give bit-identical weights for every case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from engine import (
    SGD,
    Activation,
    Adam,
    Add,
    Concat,
    Dense,
    Dropout,
    Input,
    Network,
    Optimizer,
    Phase,
    Regularization,
    RMSprop,
    Trainer,
)
from engine.data import Dataset
from engine.model import Model

N_TRAIN = 10  # with batches of 4: 4 + 4 + 2 rows, then a new (shuffled) epoch
N_TEST = 2
N_IN = 3
BATCH = 4
STEPS = 5
ACTIVATIONS = ("linear", "relu", "leaky_relu", "sigmoid", "tanh", "softmax", "gelu")


@dataclass(frozen=True)
class Case:
    """One training set-up, run by the engine and by torch."""

    id: str
    network: Network
    loss: str = "mse"
    n_classes: int = 0  # 0: regression with as many target columns as output units
    optimizer: Optimizer = SGD(0.1)
    regularization: Regularization | None = None
    changes: tuple[tuple[int, dict], ...] = ()  # (step, Trainer.configure arguments) applied before that step
    torch_labels: str = "index"  # cross-entropy targets given to torch: class "index" or "onehot"


def chain(*layers) -> Network:
    return Network.sequential(Input(N_IN), *layers)


def branches(join) -> Network:
    """input -> dense_1 (tanh) and dense_2 (relu) -> join -> out (Dense 2)."""
    net = Network().add(Input(N_IN), id="input")
    net = net.add(Dense(4, "tanh"), id="dense_1", inputs=["input"])
    net = net.add(Dense(4, "relu"), id="dense_2", inputs=["input"])
    net = net.add(join, id="join", inputs=["dense_1", "dense_2"])
    return net.add(Dense(2), id="out", inputs=["join"])


def residual() -> Network:
    """input -> h (tanh) -> g (tanh); Add(h, g) -> out: h feeds two layers, so its gradients add up."""
    net = Network().add(Input(N_IN), id="input")
    net = net.add(Dense(4, "tanh"), id="h", inputs=["input"])
    net = net.add(Dense(4, "tanh"), id="g", inputs=["h"])
    net = net.add(Add(), id="sum", inputs=["h", "g"])
    return net.add(Dense(2), id="out", inputs=["sum"])


def lrs(*rates: float) -> tuple[tuple[int, dict], ...]:
    """A learning rate for each step, set with ``configure`` before it."""
    return tuple((step, {"learning_rate": rate}) for step, rate in enumerate(rates))


HIDDEN = chain(Dense(5, "tanh"), Dense(2))

CASES = [
    *[Case(f"dense-{a}", chain(Dense(5, a, alpha=0.2), Dense(2))) for a in ACTIVATIONS],
    Case("dense-no-bias", chain(Dense(5, "tanh", use_bias=False), Dense(2, use_bias=False))),
    *[Case(f"activation-{a}", chain(Dense(5), Activation(a, alpha=0.2), Dense(2))) for a in ACTIVATIONS],
    Case("dropout", chain(Dense(6, "relu"), Dropout(0.4), Dense(2))),
    Case("dropout-two", chain(Dense(6, "tanh"), Dropout(0.5), Dense(4, "relu"), Dropout(0.25), Dense(2))),
    Case("add", branches(Add())),
    Case("concat", branches(Concat())),
    Case("residual-add", residual()),
    Case("mae", HIDDEN, loss="mae"),
    Case("mse-softmax-output", chain(Dense(5, "tanh"), Dense(3, "softmax")), n_classes=3),
    Case("mse-tanh-pm1", chain(Dense(5, "tanh"), Dense(1, "tanh")), n_classes=2),
    Case("mse-sigmoid-01", chain(Dense(5, "tanh"), Dense(1, "sigmoid")), n_classes=2),
    Case("ce-fused", chain(Dense(5, "tanh"), Dense(3, "softmax")), "cross_entropy", 3),
    Case(
        "ce-fused-onehot",
        chain(Dense(5, "tanh"), Dense(3, "softmax")),
        "cross_entropy",
        3,
        torch_labels="onehot",
    ),
    Case("ce-fused-activation", chain(Dense(5, "tanh"), Dense(3), Activation("softmax")), "cross_entropy", 3),
    Case("ce-logits", chain(Dense(5, "tanh"), Dense(3)), "cross_entropy", 3),
    Case("ce-logits-onehot", chain(Dense(5, "tanh"), Dense(3)), "cross_entropy", 3, torch_labels="onehot"),
    Case("bce-fused", chain(Dense(5, "tanh"), Dense(1, "sigmoid")), "binary_cross_entropy", 2),
    Case("bce-logits", chain(Dense(5, "tanh"), Dense(1)), "binary_cross_entropy", 2),
    Case("bce-fused-onehot", chain(Dense(5, "tanh"), Dense(3, "sigmoid")), "binary_cross_entropy", 3),
    Case("bce-logits-onehot", chain(Dense(5, "tanh"), Dense(3)), "binary_cross_entropy", 3),
    Case("sgd-momentum", HIDDEN, optimizer=SGD(0.1, momentum=0.9)),
    Case("sgd-nesterov", HIDDEN, optimizer=SGD(0.1, momentum=0.9, nesterov=True)),
    Case("adam", HIDDEN, optimizer=Adam(0.01)),
    Case("adam-betas", HIDDEN, optimizer=Adam(0.02, beta1=0.8, beta2=0.99, eps=1e-6)),
    Case("rmsprop", HIDDEN, optimizer=RMSprop(0.01)),
    Case("rmsprop-momentum", HIDDEN, optimizer=RMSprop(0.01, rho=0.8, eps=1e-6, momentum=0.5)),
    Case("l2", HIDDEN, regularization=Regularization("l2", 0.05)),
    Case("l1", HIDDEN, regularization=Regularization("l1", 0.01)),
    Case("l2-adam", HIDDEN, optimizer=Adam(0.01), regularization=Regularization("l2", 0.1)),
    Case("l1-momentum", HIDDEN, optimizer=SGD(0.1, momentum=0.9), regularization=Regularization("l1", 0.02)),
    Case("lr-change-sgd", HIDDEN, optimizer=SGD(0.1, momentum=0.5), changes=lrs(0.1, 0.1, 0.03, 0.2, 0.0)),
    Case("lr-change-adam", HIDDEN, optimizer=Adam(0.01), changes=lrs(0.01, 0.05, 0.05, 0.002, 0.02)),
    Case(
        "lr-change-rmsprop",
        HIDDEN,
        optimizer=RMSprop(0.01, momentum=0.3),
        changes=lrs(0.01, 0.001, 0.02, 0.02, 0.01),
    ),
    Case(
        "switch-sgd-to-adam",
        HIDDEN,
        optimizer=SGD(0.1, momentum=0.9),
        changes=((2, {"optimizer": Adam(0.01)}),),
    ),
    Case(
        "switch-adam-to-rmsprop",
        HIDDEN,
        optimizer=Adam(0.01),
        changes=((3, {"optimizer": RMSprop(0.01, momentum=0.5)}),),
    ),
    Case(
        "momentum-to-nesterov",
        HIDDEN,
        optimizer=SGD(0.1, momentum=0.5),
        changes=((2, {"optimizer": SGD(0.05, momentum=0.9, nesterov=True)}),),
    ),
    Case("l2-switched-on", HIDDEN, changes=((2, {"regularization": Regularization("l2", 0.2)}),)),
]


# -- the engine side ---------------------------------------------------------------------------------------


def output_width(net: Network) -> int:
    res = net.resolve()
    return res.shapes[res.output][0]


def output_activation(net: Network) -> str:
    res = net.resolve()
    return getattr(res.order[res.index(res.output)].layer, "activation", "linear")


def dataset(case: Case) -> Dataset:
    rng = np.random.default_rng(7)
    n = N_TRAIN + N_TEST
    x = rng.normal(size=(n, N_IN))
    if case.n_classes:
        labels = rng.permutation(np.arange(n) % case.n_classes)
        return Dataset(
            "parity",
            "classification",
            x_train=x[:N_TRAIN],
            x_test=x[N_TRAIN:],
            t_train=labels[:N_TRAIN],
            t_test=labels[N_TRAIN:],
            n_classes=case.n_classes,
        )
    t = rng.normal(size=(n, output_width(case.network)))
    return Dataset(
        "parity",
        "regression",
        x_train=x[:N_TRAIN],
        x_test=x[N_TRAIN:],
        t_train=t[:N_TRAIN],
        t_test=t[N_TRAIN:],
    )


def make_trainer(case: Case) -> Trainer:
    model = case.network.build(seed=3, dtype="float32")
    return Trainer(
        model,
        dataset(case),
        loss=case.loss,
        optimizer=case.optimizer,
        batch_size=BATCH,
        regularization=case.regularization,
        seed=11,
        evaluate=False,
    )


def walk(trainer: Trainer) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Train one mini-batch through ``phases()``; return its rows and each Dropout layer's mask."""
    model = trainer.model
    rows: np.ndarray | None = None
    masks: dict[str, np.ndarray] = {}
    for event in trainer.phases():
        if event.phase is not Phase.FORWARD:
            continue
        if event.layer_index == 0:
            rows = event.batch
            # the event's rows are the rows the kernels gathered
            np.testing.assert_array_equal(event.output, trainer.data.x_train[rows].astype(np.float32))
        elif isinstance(model.resolved.order[event.layer_index].layer, Dropout):
            mask = trainer.buffers.node(model.program, event.layer_index, len(rows), "zs").copy()
            np.testing.assert_array_equal(event.output, event.inputs[0] * mask)
            masks[event.layer] = mask
    return rows, masks


# -- the torch side ----------------------------------------------------------------------------------------


def torch_activation(torch, name: str, alpha: float):
    F = torch.nn.functional
    return {
        "linear": lambda z: z,
        "relu": F.relu,
        "leaky_relu": lambda z: F.leaky_relu(z, negative_slope=alpha),
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "softmax": lambda z: torch.softmax(z, dim=1),
        "gelu": lambda z: F.gelu(z, approximate="none"),
    }[name]


def torch_weights(torch, model: Model) -> dict[str, object]:
    """Leaf tensors keyed like ``model.params``; kernels transposed to torch's (n_out, n_in)."""
    out = {}
    for key, value in model.params.items():
        array = value.T if key.endswith(".kernel") else value
        out[key] = torch.tensor(np.array(array, np.float32), requires_grad=True)
    return out


def torch_forward(torch, model: Model, weights: dict, x, masks: dict):
    """The network's output and the input of its final softmax/sigmoid (the logits), in torch."""
    F = torch.nn.functional
    values: dict[str, object] = {}
    pre: dict[str, object] = {}
    for node in model.resolved.order:
        layer = node.layer
        ins = [values[i] for i in node.inputs]
        if isinstance(layer, Input):
            y = x
        elif isinstance(layer, Dense):
            pre[node.id] = F.linear(ins[0], weights[f"{node.id}.kernel"], weights.get(f"{node.id}.bias"))
            y = torch_activation(torch, layer.activation, layer.alpha)(pre[node.id])
        elif isinstance(layer, Activation):
            pre[node.id] = ins[0]
            y = torch_activation(torch, layer.activation, layer.alpha)(ins[0])
        elif isinstance(layer, Dropout):
            y = ins[0] * torch.from_numpy(masks[node.id])
        elif isinstance(layer, Add):
            y = ins[0]
            for other in ins[1:]:
                y = y + other
        elif isinstance(layer, Concat):
            y = torch.cat(ins, dim=1)
        else:
            raise AssertionError(f"no torch twin for {layer!r}")
        values[node.id] = y
    out = model.resolved.output
    return values[out], pre.get(out)


def torch_targets(torch, case: Case, data: Dataset, rows: np.ndarray):
    t = data.t_train[rows]
    if not case.n_classes:
        return torch.tensor(t, dtype=torch.float32)
    if output_width(case.network) == 1:
        col = t.astype(np.float32)[:, None]
        zero_one = case.loss == "binary_cross_entropy" or output_activation(case.network) == "sigmoid"
        return torch.from_numpy(col if zero_one else 2 * col - 1)
    if case.loss == "cross_entropy" and case.torch_labels == "index":
        return torch.from_numpy(t.astype(np.int64))
    return torch.from_numpy(np.eye(case.n_classes, dtype=np.float32)[t])


def torch_loss(torch, case: Case, y, logits, t):
    F = torch.nn.functional
    act = output_activation(case.network)
    if case.loss == "mse":
        return F.mse_loss(y, t)
    if case.loss == "mae":
        return F.l1_loss(y, t)
    if case.loss == "cross_entropy":  # softmax output: torch's usual logits + CrossEntropyLoss
        return F.cross_entropy(logits if act == "softmax" else y, t)
    if act == "sigmoid":
        return F.binary_cross_entropy(y, t)
    return F.binary_cross_entropy_with_logits(y, t)


def torch_penalty(reg: Regularization | None, weights: dict):
    kernels = [w for key, w in weights.items() if key.endswith(".kernel")]
    if reg is None or reg.kind == "none":
        return 0.0
    if reg.kind == "l2":
        return reg.rate / 2 * sum((w * w).sum() for w in kernels)
    return reg.rate * sum(w.abs().sum() for w in kernels)


def torch_hyper(opt: Optimizer) -> dict:
    """The torch optimiser's settings for ``opt`` (RMSprop's rho is torch's alpha)."""
    if isinstance(opt, SGD):
        return {"lr": opt.learning_rate, "momentum": opt.momentum, "nesterov": opt.nesterov}
    if isinstance(opt, Adam):
        return {"lr": opt.learning_rate, "betas": (opt.beta1, opt.beta2), "eps": opt.eps}
    if isinstance(opt, RMSprop):
        return {"lr": opt.learning_rate, "alpha": opt.rho, "eps": opt.eps, "momentum": opt.momentum}
    raise AssertionError(f"no torch twin for {opt!r}")


def torch_optimizer(torch, opt: Optimizer, params: list, current=None):
    """A torch optimiser for ``opt``: ``current`` re-tuned, keeping its state, when it is of the same kind."""
    kind = {SGD: torch.optim.SGD, Adam: torch.optim.Adam, RMSprop: torch.optim.RMSprop}[type(opt)]
    if type(current) is kind:
        for group in current.param_groups:
            group.update(torch_hyper(opt))
        return current
    return kind(params, **torch_hyper(opt))


# -- the tests ----------------------------------------------------------------------------------------------


@pytest.mark.reference
@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_five_steps_match_torch(torch, case):
    trainer = make_trainer(case)
    model, data = trainer.model, trainer.data
    weights = torch_weights(torch, model)
    opt = torch_optimizer(torch, case.optimizer, list(weights.values()))
    torch_losses = []
    saw_partial_batch = False
    for step in range(STEPS):
        for change in (c for s, c in case.changes if s == step):
            trainer.configure(**change)
            opt = torch_optimizer(torch, trainer.settings.optimizer, list(weights.values()), opt)
        rows, masks = walk(trainer)
        saw_partial_batch |= len(rows) < BATCH
        opt.zero_grad()
        x = torch.from_numpy(data.x_train[rows].astype(np.float32))
        y, logits = torch_forward(torch, model, weights, x, masks)
        loss = torch_loss(torch, case, y, logits, torch_targets(torch, case, data, rows))
        torch_losses.append(loss.item())
        (loss + torch_penalty(trainer.settings.regularization, weights)).backward()
        opt.step()
    assert saw_partial_batch and trainer.epoch == 1
    if any(isinstance(n.layer, Dropout) for n in model.resolved.order):
        assert all(0 < np.mean(m == 0) < 1 for m in masks.values()), (
            "a Dropout mask kept or dropped everything"
        )
    for key, ours in model.params.items():
        theirs = weights[key].detach().numpy()
        theirs = theirs.T if key.endswith(".kernel") else theirs
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5, err_msg=f"{case.id}: {key}")
    np.testing.assert_allclose(trainer.step_losses, torch_losses, rtol=1e-5, atol=1e-6, err_msg=case.id)


def advance(trainer: Trainer, how: str, changes: tuple[tuple[int, dict], ...]) -> None:
    """Train STEPS mini-batches with ``run``, ``step`` or ``phases``, applying ``changes`` between steps."""
    bounds = sorted({0, STEPS, *(s for s, _ in changes)})
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        for change in (c for s, c in changes if s == start):
            trainer.configure(**change)
        if how == "run":
            assert trainer.run(end - start) == end - start
            continue
        for _ in range(end - start):
            if how == "step":
                trainer.step()
            else:
                for _event in trainer.phases():
                    pass


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_run_step_and_phases_give_identical_weights(case):
    results = {}
    for how in ("run", "step", "phases"):
        trainer = make_trainer(case)
        advance(trainer, how, case.changes)
        assert trainer.step_count == STEPS
        results[how] = (trainer.model.flat.copy(), trainer.step_losses, trainer.m1.copy(), trainer.m2.copy())
    flat, losses, m1, m2 = results["run"]
    for how in ("step", "phases"):
        assert np.array_equal(results[how][0], flat), f"{how}() and run() end with different weights"
        assert np.array_equal(results[how][1], losses), f"{how}() and run() report different losses"
        assert np.array_equal(results[how][2], m1) and np.array_equal(results[how][3], m2)
    assert not np.array_equal(flat, make_trainer(case).model.flat), "five steps left the weights as they were"
