"""Image layers: shapes and the errors a student sees, configs, and gradients against finite differences.

Gradients are checked as in ``test_gradcheck``: float64, one mini-batch that is the whole training set,
the analytic gradients of the BACKWARD events against central differences of the LOSS event. Images are
deliberately not square (5 rows, 6 columns) and have two channels, so a mixed-up axis shows.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from engine import (
    SGD,
    Activation,
    Add,
    AvgPool2D,
    ConfigError,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    GraphError,
    Input,
    MaxPool2D,
    Network,
    Phase,
    Regularization,
    Reshape,
    Trainer,
    layer_from_config,
)
from engine.data import Dataset
from tests.test_gradcheck import analytic_grads, assert_grads_close, numerical_grads

IMAGE = (2, 5, 6)
N_TRAIN = 4


def images(n: int, shape=IMAGE, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, int(np.prod(shape))))


def regression_for(net: Network, shape=IMAGE) -> Dataset:
    res = net.resolve()
    width = int(np.prod(res.shapes[res.output]))
    x = images(N_TRAIN + 1, shape)
    t = np.random.default_rng(1).normal(size=(N_TRAIN + 1, width))
    return Dataset("img", "regression", x[:N_TRAIN], x[N_TRAIN:], t[:N_TRAIN], t[N_TRAIN:], image_shape=shape)


def fd_trainer(net: Network, shape=IMAGE, regularization=None, loss="mse", data=None) -> Trainer:
    return Trainer(
        net.build(seed=3, dtype="float64"),
        data if data is not None else regression_for(net, shape),
        loss=loss,
        optimizer=SGD(0.0),
        batch_size=N_TRAIN,
        shuffle=False,
        evaluate=False,
        regularization=regularization,
    )


def check(net: Network, shape=IMAGE, **kwargs) -> dict[str, np.ndarray]:
    trainer = fd_trainer(net, shape, **kwargs)
    grads = analytic_grads(trainer)
    assert_grads_close(grads, numerical_grads(trainer))
    return grads


def shapes(*layers, image=IMAGE) -> dict:
    return Network.sequential(Input(shape=image), *layers).resolve().shapes


def refusal(*layers, image=IMAGE) -> GraphError:
    with pytest.raises(GraphError) as info:
        Network.sequential(Input(shape=image), *layers).resolve()
    return info.value


# -- shapes ------------------------------------------------------------------------------------------------


def test_input_takes_an_image_shape_and_its_size_is_the_product():
    layer = Input(shape=[3, 4, 5])
    assert layer.shape == (3, 4, 5) and layer.size == 60
    assert Input(784).shape is None and Input(784).size == 784
    assert Input().size == 2
    with pytest.raises(ConfigError, match="give only the shape"):
        Input(10, shape=(1, 2, 2))
    with pytest.raises(ConfigError, match="shape"):
        Input(shape=(1, 0, 2))


@pytest.mark.parametrize(
    ("layer", "want"),
    [
        (Conv2D(4, 3), (4, 3, 4)),
        (Conv2D(4, 3, padding="same"), (4, 5, 6)),
        (Conv2D(4, 3, stride=2), (4, 2, 2)),
        (Conv2D(4, 3, stride=2, padding="same"), (4, 3, 3)),  # ceil(5/2), ceil(6/2), as Keras/TF
        (Conv2D(4, (1, 5)), (4, 5, 2)),
        (Conv2D(4, 2, padding="same"), (4, 5, 6)),
        (MaxPool2D(), (2, 2, 3)),
        (MaxPool2D(2, stride=1), (2, 4, 5)),
        (AvgPool2D(3), (2, 1, 2)),
        (Flatten(), (60,)),
        (Reshape([6, 5, 2]), (6, 5, 2)),
        (Activation("relu"), IMAGE),
        (Dropout(0.5), IMAGE),
    ],
)
def test_output_shapes(layer, want):
    assert shapes(layer)[f"{layer.type_name.lower()}_1"] == want


def test_conv_output_shapes_match_torch(torch):
    for kernel, stride, padding in [(3, 1, "valid"), (5, 1, "same"), (2, 1, "same"), (3, 2, "valid")]:
        conv = torch.nn.Conv2d(2, 4, kernel, stride=stride, padding=padding)
        got = shapes(Conv2D(4, kernel, stride=stride, padding=padding))["conv2d_1"]
        with warnings.catch_warnings():  # torch notes that an even kernel needs a padded copy
            warnings.simplefilter("ignore", UserWarning)
            want = tuple(conv(torch.zeros(1, *IMAGE)).shape[1:])
        assert got == want


def test_conv_kernel_is_stored_like_torch():
    res = Network.sequential(Input(shape=IMAGE), Conv2D(7, (3, 2), use_bias=True)).resolve()
    assert res.param_shapes["conv2d_1"] == {"kernel": (7, 2, 3, 2), "bias": (7,)}


def test_conv_init_uses_the_receptive_field_for_its_fans():
    model = Network.sequential(Input(shape=(3, 9, 9)), Conv2D(16, 3, kernel_init="he_uniform")).build(seed=0)
    limit = np.sqrt(6.0 / (3 * 3 * 3))
    w = model.params["conv2d_1.kernel"]
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.9 * limit


def test_dense_on_an_image_says_to_add_flatten():
    err = refusal(Dense(3))
    assert err.layer == "dense_1" and "Flatten" in str(err)


def test_conv_on_a_flat_input_says_to_give_the_input_a_shape():
    with pytest.raises(GraphError, match="shape such as") as info:
        Network.sequential(Input(60), Conv2D(2, 3)).resolve()
    assert info.value.layer == "conv2d_1"


def test_kernel_larger_than_the_input_is_refused_with_what_to_do():
    err = refusal(Conv2D(2, 7))
    assert err.layer == "conv2d_1" and "kernel_size" in str(err) and "same" in str(err)
    err = refusal(MaxPool2D(6))
    assert err.layer == "maxpool2d_1" and "pool_size" in str(err)


def test_reshape_to_the_wrong_size_names_the_sizes():
    err = refusal(Reshape([5, 5, 2]))
    assert "50" in str(err) and "60" in str(err)


def test_softmax_needs_a_flat_vector():
    assert "Flatten" in str(refusal(Activation("softmax")))
    with pytest.raises(ConfigError, match="softmax"):
        Conv2D(2, 3, activation="softmax")


def test_add_takes_images_of_equal_shape():
    net = Network().add(Input(shape=IMAGE), id="input")
    net = net.add(Conv2D(2, 3, padding="same"), id="a", inputs=["input"])
    ok = net.add(Add(), id="sum", inputs=["input", "a"])
    assert ok.resolve().shapes["sum"] == IMAGE
    bad = net.add(Conv2D(2, 3), id="b", inputs=["input"]).add(Add(), id="sum", inputs=["a", "b"])
    with pytest.raises(GraphError) as info:
        bad.resolve()
    assert info.value.layer == "sum"


@pytest.mark.parametrize(
    "config",
    [
        {"type": "Conv2D", "filters": 0},
        {"type": "Conv2D", "kernel_size": [3]},
        {"type": "Conv2D", "stride": 0},
        {"type": "Conv2D", "padding": "full"},
        {"type": "MaxPool2D", "pool_size": 0},
        {"type": "AvgPool2D", "stride": 1.5},
        {"type": "Reshape", "shape": [2, 2]},
        {"type": "Reshape", "shape": "2x2"},
    ],
)
def test_bad_fields_are_config_errors(config):
    with pytest.raises(ConfigError, match=config["type"]):
        layer_from_config(config)


def test_configs_round_trip_through_json():
    net = Network.sequential(
        Input(shape=IMAGE),
        Conv2D(3, (3, 2), stride=[1, 2], padding="same", activation="leaky_relu", kernel_init="he_normal"),
        MaxPool2D(2, stride=1),
        AvgPool2D([2, 1]),
        Flatten(),
        Reshape([1, 3, 4]),
        Flatten(),
        Dense(2),
    )
    config = json.loads(json.dumps(net.to_config()))
    again = Network.from_config(config)
    assert again == net
    assert again.to_config() == config
    assert again.resolve().shapes == net.resolve().shapes


def test_activations_reshape_to_images():
    model = Network.sequential(Input(shape=IMAGE), Conv2D(3, 3), Flatten(), Dense(2)).build()
    x = images(4)
    acts = model.activations(x)
    assert acts["conv2d_1"].shape == (4, 3 * 3 * 4)
    assert model.output_shape("conv2d_1") == (3, 3, 4)
    assert acts["conv2d_1"].reshape(4, *model.output_shape("conv2d_1")).shape == (4, 3, 3, 4)
    np.testing.assert_array_equal(model.predict(x.reshape(4, *IMAGE)), model.predict(x))


# -- gradients -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kernel", [1, 3, 5])
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("padding", ["valid", "same"])
def test_conv_gradients(kernel, stride, padding):
    shape = (2, 6, 7) if kernel == 5 and padding == "valid" else IMAGE
    # a first conv so the second one's input gradient is checked too
    net = Network.sequential(
        Input(shape=shape),
        Conv2D(3, 2, padding="same", activation="tanh"),
        Conv2D(2, kernel, stride=stride, padding=padding, activation="tanh"),
    )
    grads = check(net, shape)
    assert grads["conv2d_2.kernel"].shape == (2, 3, kernel, kernel)


def test_conv_gradients_rectangular_kernel_and_stride_without_bias():
    check(
        Network.sequential(
            Input(shape=IMAGE),
            Conv2D(2, 2, activation="sigmoid"),
            Conv2D(3, (2, 3), stride=(2, 1), use_bias=False),
        )
    )


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "gelu", "linear"])
def test_conv_activation_gradients(act):
    check(
        Network.sequential(Input(shape=IMAGE), Conv2D(3, 3, activation=act, alpha=0.2), Flatten(), Dense(2))
    )


@pytest.mark.parametrize("pool", [MaxPool2D(2), MaxPool2D(2, stride=1), AvgPool2D(2), AvgPool2D(3, stride=2)])
def test_pool_gradients(pool):
    check(Network.sequential(Input(shape=IMAGE), Conv2D(3, 2, activation="tanh"), pool, Flatten(), Dense(2)))


def test_maxpool_sends_each_gradient_to_the_winner_only():
    trainer = fd_trainer(
        Network.sequential(Input(shape=(1, 4, 4)), MaxPool2D(2), Flatten(), Dense(1)), (1, 4, 4)
    )
    events = list(trainer.phases())
    back = next(e for e in events if e.phase is Phase.BACKWARD and e.layer == "maxpool2d_1")
    x = next(e for e in events if e.phase is Phase.FORWARD and e.layer == "input").output
    gx = back.input_grad.reshape(-1, 2, 2, 2, 2)  # n, oh, i, ow, j
    xw = x.reshape(-1, 2, 2, 2, 2)
    winners = xw == xw.max(axis=(2, 4), keepdims=True)
    assert np.all(gx[~winners] == 0)
    np.testing.assert_allclose(gx.sum(axis=(2, 4)), back.output_grad.reshape(-1, 2, 2))


def test_flatten_reshape_and_residual_gradients():
    net = Network().add(Input(shape=IMAGE), id="input")
    net = net.add(Conv2D(2, 3, padding="same", activation="tanh"), id="c1", inputs=["input"])
    net = net.add(Add(), id="sum", inputs=["input", "c1"])  # the input gradient of c1 adds up with the skip
    net = net.add(Flatten(), id="flat", inputs=["sum"])
    net = net.add(Dense(8, "tanh"), id="d", inputs=["flat"])
    net = net.add(Reshape([2, 2, 2]), id="img", inputs=["d"])
    net = net.add(Conv2D(2, 2, activation="tanh"), id="c2", inputs=["img"])
    net = net.add(Flatten(), id="out_flat", inputs=["c2"])
    check(net.add(Dense(2), id="out", inputs=["out_flat"]))


def test_l2_regularisation_reaches_conv_kernels():
    rate = 0.5
    net = Network.sequential(Input(shape=IMAGE), Conv2D(2, 3, activation="tanh"), Flatten(), Dense(2))
    trainer = fd_trainer(net, regularization=Regularization("l2", rate))
    grads = analytic_grads(trainer)  # of the data loss alone
    params = trainer.model.params
    total = {k: g + (rate * params[k] if k.endswith(".kernel") else 0.0) for k, g in grads.items()}
    assert_grads_close(total, numerical_grads(trainer))  # differences of loss + penalty
    # and the update applies it: an SGD step moves the conv kernel by lr·(g + rate·w)
    trainer.configure(optimizer=SGD(0.1))
    before = params["conv2d_1.kernel"].copy()
    trainer.step()
    np.testing.assert_allclose(
        before - params["conv2d_1.kernel"], 0.1 * (grads["conv2d_1.kernel"] + rate * before), rtol=1e-9
    )


def test_conv_cross_entropy_gradients():
    net = Network.sequential(
        Input(shape=IMAGE), Conv2D(3, 3, activation="relu"), MaxPool2D(), Flatten(), Dense(3, "softmax")
    )
    x = images(N_TRAIN + 1)
    labels = np.arange(N_TRAIN + 1) % 3
    data = Dataset(
        "img",
        "classification",
        x[:N_TRAIN],
        x[N_TRAIN:],
        labels[:N_TRAIN],
        labels[N_TRAIN:],
        n_classes=3,
        image_shape=IMAGE,
    )
    trainer = fd_trainer(net, data=data, loss="cross_entropy")
    assert_grads_close(analytic_grads(trainer), numerical_grads(trainer))


def test_editing_a_cnn_keeps_the_conv_weights_that_still_fit():
    from engine.editing import rebuild

    net = Network.sequential(
        Input(shape=IMAGE), Conv2D(3, 3, activation="relu"), Conv2D(2, 2), Flatten(), Dense(2)
    )
    old = net.build(seed=1)
    old.flat[:] = np.random.default_rng(0).normal(size=old.flat.shape)
    edited = net.replace_layer("conv2d_2", Conv2D(4, 2)).replace_layer(
        "conv2d_1", Conv2D(3, 3, activation="tanh")
    )
    new = rebuild(old, edited)
    np.testing.assert_array_equal(new.params["conv2d_1.kernel"], old.params["conv2d_1.kernel"])
    assert new.params["conv2d_2.kernel"].shape == (4, 3, 2, 2)
    assert not np.array_equal(new.params["conv2d_2.kernel"][:2], old.params["conv2d_2.kernel"])
