"""Layers and networks round-trip through plain config dicts, and weights are seeded per layer."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import (
    Activation,
    Add,
    Concat,
    ConfigError,
    Dense,
    Dropout,
    HeNormal,
    Input,
    Network,
    Uniform,
    layer_from_config,
)

LAYERS = [
    Input(3),
    Dense(5, "tanh", kernel_init=Uniform(-0.3, 0.2), bias_init={"type": "constant", "value": 0.1}),
    Dense(2, "leaky_relu", use_bias=False, kernel_init=HeNormal(), alpha=0.2),
    Activation("gelu"),
    Dropout(0.25),
    Add(),
    Concat(),
]


@pytest.mark.parametrize("layer", LAYERS, ids=lambda layer: layer.type_name)
def test_layer_config_round_trips_through_json(layer):
    config = json.loads(json.dumps(layer.to_config()))
    assert layer_from_config(config) == layer


def branching() -> Network:
    net = Network().add(Input(2), "x")
    net = net.add(Dense(4, "relu"), "a", inputs="x").add(Dense(4, "tanh"), "b", inputs="x")
    net = net.add(Add(), "sum", inputs=["a", "b"]).add(Dense(3, "relu"), "c", inputs="x")
    net = net.add(Concat(), "cat", inputs=["sum", "c"]).add(Dropout(0.1), "drop", inputs="cat")
    return net.add(Dense(1, "sigmoid"), "out", inputs="drop")


def test_network_config_round_trip_builds_identical_weights():
    net = branching()
    again = Network.from_config(json.loads(json.dumps(net.to_config())))
    assert again.to_config() == net.to_config()
    a, b = net.build(seed=7), again.build(seed=7)
    assert a.params.keys() == b.params.keys()
    assert np.array_equal(a.flat, b.flat)


def test_shapes_are_inferred_through_branches():
    res = branching().resolve()
    assert res.shapes["sum"] == (4,)
    assert res.shapes["cat"] == (7,)
    assert res.param_shapes["out"] == {"kernel": (7, 1), "bias": (1,)}
    order = [n.id for n in res.order]
    assert order.index("cat") > order.index("sum") > order.index("a")


def test_same_seed_same_weights_other_seed_other_weights():
    net = branching()
    assert np.array_equal(net.build(seed=3).flat, net.build(seed=3).flat)
    assert not np.array_equal(net.build(seed=3).flat, net.build(seed=4).flat)


def test_weights_of_one_layer_do_not_depend_on_other_layers():
    small = Network.sequential(Input(2), Dense(4, "tanh"), Dense(1))
    grown = Network.sequential(Input(2), Dense(4, "tanh"), Dense(3, "tanh"), Dense(1))
    assert np.array_equal(
        small.build(seed=1).params["dense_1.kernel"], grown.build(seed=1).params["dense_1.kernel"]
    )


def test_initialisers_honour_their_parameters():
    net = Network.sequential(
        Input(50), Dense(40, kernel_init=Uniform(-0.5, 0.5), bias_init={"type": "constant", "value": 0.1})
    )
    model = net.build(seed=0)
    kernel = model.params["dense_1.kernel"]
    assert kernel.min() >= -0.5 and kernel.max() <= 0.5 and kernel.std() > 0.2
    assert np.all(model.params["dense_1.bias"] == np.float32(0.1))


@pytest.mark.parametrize(
    "config, message",
    [
        ({"type": "Dense", "units": 0}, "units"),
        ({"type": "Dense", "units": 4, "activation": "swish"}, "unknown activation 'swish'"),
        ({"type": "Conv9D"}, "unknown layer type 'Conv9D'"),
        ({"type": "Dense", "units": 4, "colour": "red"}, "no parameter 'colour'"),
        ({"type": "Dropout", "rate": 1.0}, "rate"),
        (
            {"type": "Dense", "units": 2, "kernel_init": {"type": "uniform", "low": 1, "high": 0}},
            "low < high",
        ),
        ({"units": 3}, "'type'"),
    ],
)
def test_bad_layer_configs_say_what_is_wrong(config, message):
    with pytest.raises(ConfigError, match=message):
        layer_from_config(config)


def test_predict_matches_numpy_forward():
    net = Network.sequential(Input(3), Dense(5, "relu"), Dense(4, "sigmoid"), Dense(2, "softmax"))
    model = net.build(seed=2, dtype="float64")
    x = np.random.default_rng(0).normal(size=(7, 3))
    p = model.params
    h = np.maximum(x @ p["dense_1.kernel"] + p["dense_1.bias"], 0)
    h = 1 / (1 + np.exp(-(h @ p["dense_2.kernel"] + p["dense_2.bias"])))
    z = h @ p["dense_3.kernel"] + p["dense_3.bias"]
    expected = np.exp(z - z.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(model.predict(x), expected, rtol=1e-12)
    acts = model.activations(x)
    np.testing.assert_allclose(acts["dense_1"], np.maximum(x @ p["dense_1.kernel"] + p["dense_1.bias"], 0))


def test_set_weights_checks_shapes_and_values():
    model = Network.sequential(Input(2), Dense(3)).build()
    with pytest.raises(ConfigError, match="shape"):
        model.set_weights({"dense_1.kernel": np.zeros((3, 3))}, strict=False)
    with pytest.raises(ConfigError, match="NaN"):
        model.set_weights({"dense_1.kernel": np.full((2, 3), np.nan)}, strict=False)
    model.set_weights({"dense_1.kernel": np.ones((2, 3))}, strict=False)
    assert np.all(model.params["dense_1.kernel"] == 1)
