"""BatchNorm: gradients against finite differences, training and evaluation against PyTorch.

Training mode normalises with the batch's statistics, so the finite differences walk the same whole
training set as one mini-batch (float64). The PyTorch side is ``BatchNorm2d`` after a convolution and
``BatchNorm1d`` after a dense layer, trained on the same rows (named by the input's FORWARD event); its
running statistics, and its outputs in ``eval()`` mode, must match nnsim's ``predict``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import (
    SGD,
    Activation,
    Adam,
    BatchNorm,
    ConfigError,
    Conv2D,
    Dense,
    Flatten,
    Input,
    Network,
    Phase,
    Trainer,
    layer_from_config,
)
from engine.data import Dataset
from tests.test_conv_layers import fd_trainer
from tests.test_gradcheck import assert_grads_close, numerical_grads

IMAGE = (2, 5, 6)
N_TRAIN = 10
BATCH = 4


def events_grads(events) -> dict[str, np.ndarray]:
    return {f"{e.layer}.{k}": g for e in events if e.phase is Phase.BACKWARD for k, g in e.grads.items()}


def check(net: Network, shape=IMAGE) -> dict[str, np.ndarray]:
    trainer = fd_trainer(net, shape)
    snap = trainer.snapshot()
    grads = events_grads(list(trainer.phases()))
    trainer.restore(snap)
    numerical = numerical_grads(trainer)
    assert all(np.all(numerical[f"{k}.moving_{s}"] == 0) for k in ("batchnorm_1",) for s in ("mean", "var"))
    assert_grads_close(grads, {k: v for k, v in numerical.items() if k in grads})
    return grads


# -- layer, shapes, configs ----------------------------------------------------------------------------------


def test_batchnorm_keeps_the_shape_and_has_four_weights_per_channel():
    res = Network.sequential(Input(shape=IMAGE), BatchNorm(), Flatten(), BatchNorm()).resolve()
    assert res.shapes["batchnorm_1"] == IMAGE and res.shapes["batchnorm_2"] == (60,)
    assert res.param_shapes["batchnorm_1"] == {
        k: (2,) for k in ("gamma", "beta", "moving_mean", "moving_var")
    }
    assert res.param_shapes["batchnorm_2"]["gamma"] == (60,)
    model = Network.sequential(Input(3), BatchNorm()).build()
    assert list(model.params["batchnorm_1.gamma"]) == [1, 1, 1] and list(
        model.params["batchnorm_1.moving_var"]
    ) == [1, 1, 1]


@pytest.mark.parametrize(
    "config", [{"momentum": 1.5}, {"momentum": True}, {"epsilon": 0}, {"epsilon": "1e-5"}]
)
def test_bad_settings_are_config_errors(config):
    with pytest.raises(ConfigError, match="BatchNorm"):
        layer_from_config({"type": "BatchNorm", **config})


def test_config_round_trips():
    net = Network.sequential(Input(shape=IMAGE), BatchNorm(momentum=0.3, epsilon=1e-3), Flatten(), Dense(2))
    assert Network.from_config(json.loads(json.dumps(net.to_config()))) == net


# -- gradients -----------------------------------------------------------------------------------------------


def test_batchnorm_gradients_on_images():
    check(
        Network.sequential(
            Input(shape=IMAGE), Conv2D(3, 3, activation="tanh"), BatchNorm(), Flatten(), Dense(2)
        )
    )


def test_batchnorm_gradients_on_features_and_at_the_input():
    check(
        Network.sequential(
            Input(shape=IMAGE), BatchNorm(), Flatten(), Dense(4), BatchNorm(), Activation("tanh"), Dense(2)
        )
    )


def test_running_statistics_are_not_trained_and_not_in_the_events():
    net = Network.sequential(Input(shape=IMAGE), Conv2D(3, 3), BatchNorm(), Flatten(), Dense(2))
    trainer = fd_trainer(net)
    trainer.configure(optimizer=SGD(0.5))
    events = list(trainer.phases())
    assert set(events_grads(events)) >= {"batchnorm_1.gamma", "batchnorm_1.beta"}
    assert not any("moving" in k for k in events_grads(events))
    (update,) = [e for e in events if e.phase is Phase.UPDATE]
    assert np.all(update.deltas["batchnorm_1.moving_mean"] == 0)
    # they moved in the forward pass: towards the batch mean of the conv output, per channel
    conv = next(e.output for e in events if e.phase is Phase.FORWARD and e.layer == "conv2d_1")
    batch_mean = conv.reshape(conv.shape[0], 3, -1).mean(axis=(0, 2))
    np.testing.assert_allclose(trainer.model.params["batchnorm_1.moving_mean"], 0.1 * batch_mean, rtol=1e-9)


# -- PyTorch -------------------------------------------------------------------------------------------------


def dataset() -> Dataset:
    rng = np.random.default_rng(7)
    x = rng.normal(1.0, 2.0, size=(N_TRAIN + 3, int(np.prod(IMAGE))))
    labels = rng.integers(0, 3, size=N_TRAIN + 3)
    return Dataset(
        "img",
        "classification",
        x[:N_TRAIN],
        x[N_TRAIN:],
        labels[:N_TRAIN],
        labels[N_TRAIN:],
        n_classes=3,
        image_shape=IMAGE,
    )


def network() -> Network:
    """No biases before the norms: BatchNorm removes them, so their gradients are rounding noise, which
    Adam would blow up into steps of a full learning rate in directions that differ from torch's."""
    return Network.sequential(
        Input(shape=IMAGE),
        Conv2D(3, 3, use_bias=False),
        BatchNorm(),
        Activation("relu"),
        Flatten(),
        Dense(4, use_bias=False),
        BatchNorm(momentum=0.3, epsilon=1e-3),
        Activation("tanh"),
        Dense(3),
    )


def torch_model(torch, weights):
    nn = torch.nn
    conv, d1, d2 = nn.Conv2d(2, 3, 3, bias=False), nn.Linear(36, 4, bias=False), nn.Linear(4, 3)
    bn2, bn1 = nn.BatchNorm2d(3), nn.BatchNorm1d(4, momentum=0.3, eps=1e-3)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(weights["conv2d_1.kernel"]))
        d1.weight.copy_(torch.from_numpy(weights["dense_1.kernel"].T.copy()))
        d2.weight.copy_(torch.from_numpy(weights["dense_2.kernel"].T.copy()))
        d2.bias.copy_(torch.from_numpy(weights["dense_2.bias"]))
        for bn, key in ((bn2, "batchnorm_1"), (bn1, "batchnorm_2")):
            bn.weight.copy_(torch.from_numpy(weights[f"{key}.gamma"]))
            bn.bias.copy_(torch.from_numpy(weights[f"{key}.beta"]))
    model = nn.Sequential(conv, bn2, nn.ReLU(), nn.Flatten(), d1, bn1, nn.Tanh(), d2)
    return model, {"batchnorm_1": bn2, "batchnorm_2": bn1}


@pytest.mark.parametrize("optimizer", [SGD(0.1), Adam(0.01)], ids=["sgd", "adam"])
def test_batchnorm_trains_and_evaluates_like_torch(torch, optimizer):
    data = dataset()
    trainer = Trainer(
        network().build(seed=1, dtype="float32"),
        data,
        loss="cross_entropy",
        optimizer=optimizer,
        batch_size=BATCH,
        seed=2,
    )
    model, norms = torch_model(torch, trainer.model.get_weights())
    opt = (
        torch.optim.Adam(model.parameters(), lr=0.01)
        if isinstance(optimizer, Adam)
        else torch.optim.SGD(model.parameters(), lr=0.1)
    )
    x_all = torch.from_numpy(data.x_train.astype(np.float32)).reshape(-1, *IMAGE)
    for step in range(6):  # batches of 4, 4, 2, then a new epoch
        events = list(trainer.phases())
        rows = events[0].batch
        model.train()
        opt.zero_grad()
        out = model(x_all[rows])
        loss = torch.nn.functional.cross_entropy(out, torch.from_numpy(data.t_train[rows].astype(np.int64)))
        loss.backward()
        (loss_event,) = [e for e in events if e.phase is Phase.LOSS]
        assert loss_event.loss == pytest.approx(loss.item(), rel=1e-5), step
        grads = events_grads(events)
        for key, bn in norms.items():
            np.testing.assert_allclose(grads[f"{key}.gamma"], bn.weight.grad.numpy(), rtol=1e-4, atol=1e-6)
            np.testing.assert_allclose(grads[f"{key}.beta"], bn.bias.grad.numpy(), rtol=1e-4, atol=1e-6)
        opt.step()
    params = trainer.model.params
    for key, bn in norms.items():
        np.testing.assert_allclose(params[f"{key}.gamma"], bn.weight.detach().numpy(), rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(
            params[f"{key}.moving_mean"], bn.running_mean.numpy(), rtol=1e-4, atol=1e-6
        )
        np.testing.assert_allclose(params[f"{key}.moving_var"], bn.running_var.numpy(), rtol=1e-4, atol=1e-6)
    model.eval()
    with torch.no_grad():
        want = model(torch.from_numpy(data.x_test.astype(np.float32)).reshape(-1, *IMAGE)).numpy()
    np.testing.assert_allclose(trainer.model.predict(data.x_test), want, rtol=1e-4, atol=1e-5)
    loss, _ = trainer.evaluate("test")
    want_loss = torch.nn.functional.cross_entropy(
        torch.from_numpy(want), torch.from_numpy(np.array(data.t_test))
    ).item()
    assert loss == pytest.approx(want_loss, rel=1e-4)


def test_run_step_and_phases_agree_with_batchnorm():
    data = dataset()

    def make() -> Trainer:
        return Trainer(
            network().build(seed=1), data, loss="cross_entropy", optimizer=Adam(0.01), batch_size=BATCH
        )

    fast, stepped, walked = make(), make(), make()
    fast.run(7)
    for _ in range(7):
        stepped.step()
        for _ in walked.phases():
            pass
    assert np.array_equal(fast.model.flat, stepped.model.flat)
    assert np.array_equal(fast.model.flat, walked.model.flat)
    assert not np.all(fast.model.params["batchnorm_2.moving_mean"] == 0)
