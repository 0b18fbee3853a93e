"""Editing a built network keeps the weights of everything the edit did not touch."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import Activation, Concat, ConfigError, Dense, Dropout, GraphError, Input, Network
from engine.editing import (
    add_layer,
    add_neuron,
    rebuild,
    remove_layer,
    remove_neuron,
    set_activation,
    set_units,
)


def _net_2881() -> Network:
    return Network.sequential(Input(2), Dense(8, "tanh"), Dense(8, "tanh"), Dense(1, "tanh"))


def _trained_like(model: engine.Model, seed: int = 1) -> engine.Model:
    """Give every weight (biases too) a distinctive non-zero value, as after some training."""
    rng = np.random.default_rng(seed)
    model.flat[:] = rng.uniform(-1.0, 1.0, model.flat.shape)
    return model


@pytest.fixture
def model() -> engine.Model:
    return _trained_like(_net_2881().build(seed=3, dtype="float64"))


@pytest.fixture
def x() -> np.ndarray:
    return np.random.default_rng(7).normal(size=(64, 2))


def _same(a: np.ndarray, b: np.ndarray) -> None:
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    assert np.array_equal(a, b), "weights are not bit-identical"


def _branching() -> Network:
    """input -> a (3) and input -> b (4); concat(a, b) -> out (1)."""
    return (
        Network()
        .add(Input(2), id="input")
        .add(Dense(3, "relu"), id="a", inputs=["input"])
        .add(Dense(4, "tanh"), id="b", inputs=["input"])
        .add(Concat(), id="cat", inputs=["a", "b"])
        .add(Dense(1), id="out", inputs=["cat"])
    )


# -------------------------------------------------------------------------------------- neurons
def test_add_neuron_keeps_every_other_weight(model):
    before = model.flat.copy()
    new = add_neuron(model, "dense_1")
    old, w = model.params, new.params
    assert new.network.node("dense_1").layer.units == 9
    _same(w["dense_1.kernel"][:, :8], old["dense_1.kernel"])
    _same(w["dense_1.bias"][:8], old["dense_1.bias"])
    _same(w["dense_2.kernel"][:8], old["dense_2.kernel"])
    _same(w["dense_2.bias"], old["dense_2.bias"])
    _same(w["dense_3.kernel"], old["dense_3.kernel"])
    _same(w["dense_3.bias"], old["dense_3.bias"])
    # the new unit's weights are fresh values from the initialisers (same seed as the model)
    fresh = new.network.build(seed=model.seed, dtype="float64").params
    _same(w["dense_1.kernel"][:, 8], fresh["dense_1.kernel"][:, 8])
    _same(w["dense_2.kernel"][8], fresh["dense_2.kernel"][8])
    assert w["dense_1.bias"][8] == 0.0  # Zeros bias initialiser
    assert np.all(w["dense_1.kernel"][:, 8] != 0)
    assert not any(np.array_equal(w["dense_1.kernel"][:, 8], old["dense_1.kernel"][:, j]) for j in range(8))
    # the old model is untouched
    _same(model.flat, before)
    assert model.network.node("dense_1").layer.units == 8


def test_add_neuron_at_an_index(model):
    new = add_neuron(model, "dense_2", index=3)
    old, w = model.params, new.params
    keep = [0, 1, 2, 4, 5, 6, 7, 8]
    _same(w["dense_2.kernel"][:, keep], old["dense_2.kernel"])
    _same(w["dense_2.bias"][keep], old["dense_2.bias"])
    _same(w["dense_3.kernel"][keep], old["dense_3.kernel"])
    _same(w["dense_1.kernel"], old["dense_1.kernel"])


@pytest.mark.parametrize("k", [0, 3, 7])
def test_remove_neuron_removes_exactly_its_weights(model, k):
    new = remove_neuron(model, "dense_1", k)
    old, w = model.params, new.params
    assert new.network.node("dense_1").layer.units == 7
    _same(w["dense_1.kernel"], np.delete(old["dense_1.kernel"], k, axis=1))
    _same(w["dense_1.bias"], np.delete(old["dense_1.bias"], k))
    _same(w["dense_2.kernel"], np.delete(old["dense_2.kernel"], k, axis=0))
    _same(w["dense_2.bias"], old["dense_2.bias"])
    _same(w["dense_3.kernel"], old["dense_3.kernel"])
    _same(w["dense_3.bias"], old["dense_3.bias"])


def test_removing_a_silent_neuron_keeps_predictions(model, x):
    model.params["dense_2.kernel"][5] = 0.0  # unit 5 of dense_1 no longer reaches anything
    new = remove_neuron(model, "dense_1", 5)
    np.testing.assert_allclose(new.predict(x), model.predict(x), rtol=1e-12, atol=1e-14)
    # whereas removing a unit that matters changes them
    other = remove_neuron(model, "dense_1", 2)
    assert not np.allclose(other.predict(x), model.predict(x))


def test_set_units_grows_and_shrinks_at_the_end(model):
    grown = set_units(model, "dense_2", 10)
    _same(grown.params["dense_2.kernel"][:, :8], model.params["dense_2.kernel"])
    _same(grown.params["dense_3.kernel"][:8], model.params["dense_3.kernel"])
    shrunk = set_units(model, "dense_2", 5)
    _same(shrunk.params["dense_2.kernel"], model.params["dense_2.kernel"][:, :5])
    _same(shrunk.params["dense_2.bias"], model.params["dense_2.bias"][:5])
    _same(shrunk.params["dense_3.kernel"], model.params["dense_3.kernel"][:5])
    _same(shrunk.params["dense_1.kernel"], model.params["dense_1.kernel"])


def test_set_activation_keeps_all_weights(model, x):
    new = set_activation(model, "dense_2", "relu")
    assert new.network.node("dense_2").layer.activation == "relu"
    _same(new.flat, model.flat)
    assert model.network.node("dense_2").layer.activation == "tanh"
    assert not np.allclose(new.predict(x), model.predict(x))
    back = set_activation(new, "dense_2", "tanh")
    _same(back.predict(x), model.predict(x))


# -------------------------------------------------------------------------------------- layers
@pytest.mark.parametrize("units", [8, 4, 12])
def test_add_layer_keeps_untouched_layers(model, units):
    new = add_layer(model, "dense_1", Dense(units, "relu"), id="hidden")
    assert [n.id for n in new.resolved.order] == ["input", "dense_1", "hidden", "dense_2", "dense_3"]
    assert new.network.node("dense_2").inputs == ("hidden",)
    old, w = model.params, new.params
    for key in ("dense_1.kernel", "dense_1.bias", "dense_2.bias", "dense_3.kernel", "dense_3.bias"):
        _same(w[key], old[key])
    # dense_2 reads a different layer now: it keeps the overlapping rows, the rest are fresh
    rows = min(units, 8)
    _same(w["dense_2.kernel"][:rows], old["dense_2.kernel"][:rows])
    fresh = new.network.build(seed=model.seed, dtype="float64").params
    _same(w["hidden.kernel"], fresh["hidden.kernel"])
    _same(w["dense_2.kernel"][rows:], fresh["dense_2.kernel"][rows:])


def test_add_and_remove_pass_through_layers_keep_predictions(model, x):
    with_act = add_layer(model, "dense_2", Activation("linear"))
    _same(with_act.predict(x), model.predict(x))
    with_drop = add_layer(model, "dense_1", Dropout(0.3), id="drop")
    _same(with_drop.predict(x), model.predict(x))  # no dropout at inference
    again = remove_layer(with_drop, "drop")
    _same(again.flat, model.flat)
    assert again.network.node("dense_2").inputs == ("dense_1",)


def test_remove_layer_keeps_untouched_layers(model):
    new = remove_layer(model, "dense_2")
    assert [n.id for n in new.resolved.order] == ["input", "dense_1", "dense_3"]
    assert new.network.node("dense_3").inputs == ("dense_1",)
    for key in ("dense_1.kernel", "dense_1.bias", "dense_3.kernel", "dense_3.bias"):
        _same(new.params[key], model.params[key])


def test_add_layer_after_the_output_makes_a_new_output():
    net = _net_2881().with_output("dense_3")
    model = _trained_like(net.build(seed=0))
    new = add_layer(model, "dense_3", Activation("sigmoid"), id="squash")
    assert new.resolved.output == "squash"
    _same(new.flat, model.flat)


def test_removing_an_inner_neuron_after_pass_through_layers():
    net = Network.sequential(Input(2), Dense(5, "linear"), Activation("relu"), Dropout(0.2), Dense(2))
    model = _trained_like(net.build(seed=0))
    new = remove_neuron(model, "dense_1", 1)
    _same(new.params["dense_2.kernel"], np.delete(model.params["dense_2.kernel"], 1, axis=0))


# ------------------------------------------------------------------------------ branching graphs
def test_concat_rows_follow_the_removed_neuron():
    model = _trained_like(_branching().build(seed=0))
    old = model.params["out.kernel"]
    new = remove_neuron(model, "a", 1)  # rows 0..2 of out.kernel come from a, rows 3..6 from b
    _same(new.params["out.kernel"], old[[0, 2, 3, 4, 5, 6]])
    _same(new.params["b.kernel"], model.params["b.kernel"])
    grown = add_neuron(model, "b", index=0)
    _same(grown.params["out.kernel"][[0, 1, 2, 4, 5, 6, 7]], old)
    fresh = grown.network.build(seed=0).params["out.kernel"]
    _same(grown.params["out.kernel"][3], fresh[3])


def test_concat_reordered_and_extended_inputs():
    model = _trained_like(_branching().build(seed=0))
    old = model.params["out.kernel"]
    swapped = model.network.set_inputs("cat", ["b", "a"])
    new = rebuild(model, swapped)
    _same(new.params["out.kernel"], old[[3, 4, 5, 6, 0, 1, 2]])
    x = np.random.default_rng(0).normal(size=(16, 2)).astype(np.float32)
    np.testing.assert_allclose(new.predict(x), model.predict(x), rtol=1e-5, atol=1e-6)

    extra = model.network.add(Dense(2, "tanh"), id="c", inputs=["input"]).set_inputs("cat", ["a", "c", "b"])
    new = rebuild(model, extra)
    w = new.params["out.kernel"]
    _same(w[[0, 1, 2]], old[[0, 1, 2]])
    _same(w[[5, 6, 7, 8]], old[[3, 4, 5, 6]])
    fresh = extra.build(seed=0).params["out.kernel"]
    _same(w[[3, 4]], fresh[[3, 4]])  # rows for the new input are fresh


def test_concat_of_a_layer_and_its_activation():
    net = (
        Network()
        .add(Input(2), id="input")
        .add(Dense(3), id="h", inputs=["input"])
        .add(Activation("relu"), id="act", inputs=["h"])
        .add(Concat(), id="cat", inputs=["h", "act"])
        .add(Dense(1), id="out", inputs=["cat"])
    )
    model = _trained_like(net.build(seed=0))
    new = remove_neuron(model, "h", 0)
    _same(new.params["out.kernel"], model.params["out.kernel"][[1, 2, 4, 5]])


def test_rebuild_with_feature_maps_and_seed(model):
    net = model.network.replace_layer("dense_1", Dense(3, "tanh"))
    new = rebuild(model, net, feature_maps={"dense_1": [6, -1, 1]}, seed=11)
    old = model.params
    _same(new.params["dense_1.kernel"][:, [0, 2]], old["dense_1.kernel"][:, [6, 1]])
    _same(new.params["dense_2.kernel"][[0, 2]], old["dense_2.kernel"][[6, 1]])
    fresh = net.build(seed=11, dtype="float64").params
    _same(new.params["dense_1.kernel"][:, 1], fresh["dense_1.kernel"][:, 1])
    assert new.seed == 11
    with pytest.raises(ConfigError, match="dense_1"):
        rebuild(model, net, feature_maps={"dense_1": [0, 1]})
    with pytest.raises(ConfigError, match="dense_1"):
        rebuild(model, net, feature_maps={"dense_1": [0, 8, 1]})
    with pytest.raises(ConfigError, match="nowhere"):
        rebuild(model, net, feature_maps={"nowhere": [0]})


def test_rebuild_input_map_and_changed_type(model):
    net = model.network.replace_layer("input", Input(3))
    new = rebuild(model, net, feature_maps={"input": [1, -1, 0]})
    old = model.params["dense_1.kernel"]
    _same(new.params["dense_1.kernel"][[0, 2]], old[[1, 0]])
    # a layer whose type changed keeps nothing of the old one; its consumer keeps its kernel
    changed = model.network.replace_layer("dense_2", Activation("relu"))
    new = rebuild(model, changed)
    _same(new.params["dense_3.kernel"], model.params["dense_3.kernel"])
    assert "dense_2.kernel" not in new.params


# ------------------------------------------------------------------------------------ bad edits
def test_bad_edits_raise_naming_the_layer(model):
    before = model.flat.copy()
    with pytest.raises(GraphError, match="nope") as info:
        add_neuron(model, "nope")
    assert info.value.layer == "nope"
    with pytest.raises(ConfigError, match="dense_2"):
        remove_neuron(model, "dense_2", 8)
    with pytest.raises(ConfigError, match="dense_2"):
        add_neuron(model, "dense_2", index=10)
    with pytest.raises(ConfigError, match="'dense_3': a layer needs at least one neuron"):
        remove_neuron(model, "dense_3", 0)
    with pytest.raises(ConfigError, match="dense_1"):
        set_units(model, "dense_1", 0)
    with pytest.raises(ConfigError, match="dense_1.*unknown activation"):
        set_activation(model, "dense_1", "swish-ish")
    with pytest.raises(GraphError, match="Input layer cannot be removed") as info:
        remove_layer(model, "input")
    assert info.value.layer == "input"
    with pytest.raises(GraphError, match="output layer cannot be removed") as info:
        remove_layer(model, "dense_3")
    assert info.value.layer == "dense_3"
    with pytest.raises(GraphError, match="already has this id") as info:
        add_layer(model, "dense_1", Dense(4), id="dense_2")
    assert info.value.layer == "dense_2"
    with pytest.raises(GraphError, match="nowhere"):
        add_layer(model, "nowhere", Dense(4))
    with pytest.raises(ConfigError, match="Input"):
        add_layer(model, "dense_1", Input(2))
    with pytest.raises(GraphError, match="concat_1"):
        add_layer(model, "dense_1", Concat())  # a Concat needs two inputs
    _same(model.flat, before)
    assert model.network == _net_2881()


def test_edits_that_break_a_shape_name_the_layer():
    net = (
        Network()
        .add(Input(2), id="input")
        .add(Dense(4, "tanh"), id="a", inputs=["input"])
        .add(Dense(4, "tanh"), id="b", inputs=["a"])
        .add(engine.Add(), id="sum", inputs=["a", "b"])
        .add(Dense(1), id="out", inputs=["sum"])
    )
    model = net.build(seed=0)
    with pytest.raises(GraphError, match="cannot add a neuron to 'b'") as info:
        add_neuron(model, "b")
    assert info.value.layer == "sum"
    with pytest.raises(GraphError, match="sum"):
        remove_layer(model, "b")  # Add would read 'a' twice
    with pytest.raises(ConfigError, match="'sum'"):
        set_activation(model, "sum", "relu")
    with pytest.raises(ConfigError, match="'sum'"):
        add_neuron(model, "sum")


# ------------------------------------------------------------------------------------ training on
def test_trainer_continues_after_set_model():
    data = engine.data.playground("xor", n_points=100)
    model = Network.sequential(Input(2), Dense(4, "tanh"), Dense(1, "tanh")).build(seed=0)
    trainer = engine.Trainer(model, data, loss="mse", optimizer=engine.SGD(0.03), batch_size=10)
    trainer.run(20)
    trained = model.flat.copy()

    edited = add_neuron(trainer.model, "dense_1")
    _same(edited.params["dense_1.kernel"][:, :4], model.params["dense_1.kernel"])
    trainer.set_model(edited)
    assert trainer.model is edited
    before = edited.flat.copy()
    done = trainer.run(30)
    assert done == 30
    assert not np.array_equal(edited.flat, before)  # the new model's weights are what trains now
    assert np.all(np.isfinite(edited.flat))
    loss, _ = trainer.evaluate("train")
    assert np.isfinite(loss)
    trainer.step()
    _same(model.flat, trained)  # the old model was left alone

    smaller = remove_neuron(trainer.model, "dense_1", 0)
    trainer.set_model(smaller)
    trainer.run(10)
    assert np.all(np.isfinite(smaller.flat))
