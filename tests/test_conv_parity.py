"""Image layers train as PyTorch's do: same outputs, same gradients, same weights after a few steps.

The nnsim network is built in float32 and its weights copied into torch modules: a Conv2D kernel is
already ``(filters, in_channels, kh, kw)`` like ``torch.nn.Conv2d.weight``; a Dense kernel is transposed
into ``torch.nn.Linear.weight``. The trainer is driven through ``phases()``; the input layer's FORWARD
event names the rows of the mini-batch, which torch then trains on with its own optimiser.
Padding "same" with stride 2 has no torch flag: torch pads explicitly, with the extra row and column
at the bottom and right, which is the Keras/TensorFlow rule nnsim follows.
"""

from __future__ import annotations

import numpy as np
import pytest

from engine import (
    SGD,
    Adam,
    AvgPool2D,
    Conv2D,
    Dense,
    Flatten,
    Input,
    MaxPool2D,
    Network,
    Phase,
    Trainer,
)
from engine.data import Dataset

IMAGE = (2, 7, 8)
N_TRAIN = 10
BATCH = 4
STEPS = 5
N_CLASSES = 3


def network() -> Network:
    return Network.sequential(
        Input(shape=IMAGE),
        Conv2D(4, 3, padding="same", activation="relu"),  # 4 x 7 x 8
        MaxPool2D(2),  # 4 x 3 x 4
        Conv2D(3, 2, activation="tanh"),  # 3 x 2 x 3
        AvgPool2D((2, 1)),  # 3 x 1 x 3
        Flatten(),
        Dense(N_CLASSES),
    )


def torch_model(torch, weights: dict[str, np.ndarray]):
    nn = torch.nn
    c1 = nn.Conv2d(2, 4, 3, padding="same")
    c2 = nn.Conv2d(4, 3, 2)
    d = nn.Linear(9, N_CLASSES)
    with torch.no_grad():
        for module, key in ((c1, "conv2d_1"), (c2, "conv2d_2")):
            module.weight.copy_(torch.from_numpy(weights[f"{key}.kernel"]))
            module.bias.copy_(torch.from_numpy(weights[f"{key}.bias"]))
        d.weight.copy_(torch.from_numpy(weights["dense_1.kernel"].T.copy()))
        d.bias.copy_(torch.from_numpy(weights["dense_1.bias"]))
    layers = [c1, nn.ReLU(), nn.MaxPool2d(2), c2, nn.Tanh(), nn.AvgPool2d((2, 1)), nn.Flatten(), d]
    names = [None, "conv2d_1", "maxpool2d_1", None, "conv2d_2", "avgpool2d_1", "flatten_1", "dense_1"]
    return nn.Sequential(*layers), names, {"conv2d_1": c1, "conv2d_2": c2, "dense_1": d}


def dataset() -> Dataset:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(N_TRAIN + 2, int(np.prod(IMAGE))))
    labels = rng.integers(0, N_CLASSES, size=N_TRAIN + 2)
    return Dataset(
        "img",
        "classification",
        x[:N_TRAIN],
        x[N_TRAIN:],
        labels[:N_TRAIN],
        labels[N_TRAIN:],
        n_classes=N_CLASSES,
        image_shape=IMAGE,
    )


def torch_grads(modules) -> dict[str, np.ndarray]:
    out = {}
    for key, m in modules.items():
        w = m.weight.grad.numpy()
        out[f"{key}.kernel"] = w.T if key.startswith("dense") else w
        out[f"{key}.bias"] = m.bias.grad.numpy()
    return out


def torch_weights(modules) -> dict[str, np.ndarray]:
    out = {}
    for key, m in modules.items():
        w = m.weight.detach().numpy()
        out[f"{key}.kernel"] = w.T if key.startswith("dense") else w
        out[f"{key}.bias"] = m.bias.detach().numpy()
    return out


@pytest.mark.parametrize(
    "optimizer", [SGD(0.1), SGD(0.05, momentum=0.9), Adam(0.01)], ids=["sgd", "momentum", "adam"]
)
def test_cnn_trains_like_torch(torch, optimizer):
    data = dataset()
    trainer = Trainer(
        network().build(seed=2, dtype="float32"),
        data,
        loss="cross_entropy",
        optimizer=optimizer,
        batch_size=BATCH,
        seed=3,
    )
    model, names, modules = torch_model(torch, trainer.model.get_weights())
    if isinstance(optimizer, Adam):
        opt = torch.optim.Adam(model.parameters(), lr=optimizer.learning_rate, eps=optimizer.eps)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=optimizer.learning_rate, momentum=optimizer.momentum)
    x_all = torch.from_numpy(data.x_train.astype(np.float32))
    for step in range(STEPS):
        events = list(trainer.phases())
        rows = events[0].batch
        xb = x_all[rows].reshape(-1, *IMAGE)
        tb = torch.from_numpy(data.t_train[rows].astype(np.int64))
        opt.zero_grad()
        outputs = {}
        h = xb
        for layer, name in zip(model, names, strict=True):
            h = layer(h)
            if name is not None:
                outputs[name] = h.detach().numpy().reshape(len(rows), -1)
        loss = torch.nn.functional.cross_entropy(h, tb)
        loss.backward()
        forward = {e.layer: e.output for e in events if e.phase is Phase.FORWARD}
        for name, want in outputs.items():
            np.testing.assert_allclose(
                forward[name], want, rtol=1e-4, atol=1e-5, err_msg=f"step {step} {name}"
            )
        (loss_event,) = [e for e in events if e.phase is Phase.LOSS]
        assert loss_event.loss == pytest.approx(loss.item(), rel=1e-5)
        grads = {f"{e.layer}.{k}": g for e in events if e.phase is Phase.BACKWARD for k, g in e.grads.items()}
        for key, want in torch_grads(modules).items():
            np.testing.assert_allclose(grads[key], want, rtol=1e-4, atol=1e-6, err_msg=f"step {step} {key}")
        opt.step()
    got = trainer.model.get_weights()
    for key, want in torch_weights(modules).items():
        np.testing.assert_allclose(got[key], want, rtol=1e-4, atol=2e-6, err_msg=key)


@pytest.mark.parametrize(("kernel", "stride"), [(3, 2), (2, 2), (4, 3), (1, 2)])
def test_same_padding_with_stride_matches_explicit_padding_in_torch(torch, kernel, stride):
    net = Network.sequential(Input(shape=IMAGE), Conv2D(3, kernel, stride=stride, padding="same"))
    model = net.build(seed=1, dtype="float64")
    x = np.random.default_rng(0).normal(size=(3, int(np.prod(IMAGE))))
    pads = []
    for n in (IMAGE[2], IMAGE[1]):  # F.pad takes the last axis first
        out = -(-n // stride)
        total = max((out - 1) * stride + kernel - n, 0)
        pads += [total // 2, total - total // 2]
    xt = torch.nn.functional.pad(torch.from_numpy(x.reshape(-1, *IMAGE)), pads)
    w = torch.from_numpy(model.params["conv2d_1.kernel"])
    b = torch.from_numpy(model.params["conv2d_1.bias"])
    want = torch.nn.functional.conv2d(xt, w, b, stride=stride).numpy()
    assert model.output_shape("conv2d_1") == want.shape[1:]
    np.testing.assert_allclose(model.predict(x), want.reshape(3, -1), rtol=1e-12, atol=1e-12)


def test_run_step_and_phases_give_identical_weights():
    data = dataset()

    def trainer() -> Trainer:
        return Trainer(
            network().build(seed=2, dtype="float32"),
            data,
            loss="cross_entropy",
            optimizer=Adam(0.01),
            batch_size=BATCH,
            seed=3,
        )

    steps = 7  # crosses an epoch end
    fast, stepped, walked = trainer(), trainer(), trainer()
    assert fast.run(steps) == steps
    for _ in range(steps):
        stepped.step()
        for _ in walked.phases():
            pass
    assert np.array_equal(fast.model.flat, stepped.model.flat)
    assert np.array_equal(fast.model.flat, walked.model.flat)
    assert np.array_equal(fast.step_losses, walked.step_losses)
    assert not np.array_equal(fast.model.flat, trainer().model.flat)


@pytest.mark.parametrize(("channels", "kernel"), [(1, 3), (8, 3), (3, 5)])  # 9, 72 and 75 values a window
@pytest.mark.parametrize(("stride", "padding"), [(1, "valid"), (1, "same"), (2, "valid")])
def test_conv_gradients_match_torch_on_both_kernel_paths(torch, channels, kernel, stride, padding):
    """Small windows run direct loops, large ones im2col and BLAS (``IM2COL_MIN_TAPS``): both agree
    with torch, in float64, forward and backward."""
    shape = (channels, 7, 9)
    net = Network.sequential(  # a first conv, so the second one's input gradient is checked too
        Input(shape=shape),
        Conv2D(channels, 1, activation="tanh"),
        Conv2D(4, kernel, stride=stride, padding=padding),
    )
    res = net.resolve()
    n_out = int(np.prod(res.shapes["conv2d_2"]))
    rng = np.random.default_rng(3)
    x = rng.normal(size=(6, int(np.prod(shape))))
    t = rng.normal(size=(6, n_out))
    data = Dataset("img", "regression", x[:5], x[5:], t[:5], t[5:], image_shape=shape)
    trainer = Trainer(
        net.build(seed=1, dtype="float64"), data, optimizer=SGD(0.0), batch_size=5, shuffle=False
    )
    events = list(trainer.phases())
    grads = {f"{e.layer}.{k}": g for e in events if e.phase is Phase.BACKWARD for k, g in e.grads.items()}
    w = {k: torch.tensor(v, requires_grad=True) for k, v in trainer.model.get_weights().items()}
    xt = torch.from_numpy(x[:5]).reshape(5, *shape)
    h = torch.tanh(torch.nn.functional.conv2d(xt, w["conv2d_1.kernel"], w["conv2d_1.bias"]))
    if padding == "same":
        total = kernel - 1
        h = torch.nn.functional.pad(h, [total // 2, total - total // 2] * 2)
    y = torch.nn.functional.conv2d(h, w["conv2d_2.kernel"], w["conv2d_2.bias"], stride=stride)
    np.testing.assert_allclose(events[2].output, y.detach().numpy().reshape(5, -1), rtol=1e-10, atol=1e-12)
    loss = ((y.reshape(5, -1) - torch.from_numpy(t[:5])) ** 2).mean()
    loss.backward()
    for key, tensor in w.items():
        np.testing.assert_allclose(grads[key], tensor.grad.numpy(), rtol=1e-9, atol=1e-12, err_msg=key)
