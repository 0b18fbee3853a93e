"""Scenes whose network holds layers not connected yet: they are kept, and the connected part trains."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import SGD, Add, Dense, Input, Network
from engine.draft import check_draft
from engine.scene import (
    PlaygroundData,
    Scene,
    SceneError,
    TrainingSpec,
    describe,
    dumps_scene,
    loads_scene,
    scene_from_trainer,
)


def _draft_network() -> Network:
    """input -> h1 -> out, plus an unconnected Dense and a side branch that does not reach the output."""
    net = Network.sequential(Input(2), Dense(4, "tanh"), Dense(1, "sigmoid"), ids=["input", "h1", "out"])
    net = net.add(Dense(3, "relu"), id="loose", inputs=[])
    net = net.add(Dense(5, "relu"), id="side", inputs=["input"])
    net = net.add(Dense(2), id="side2", inputs=["side"])
    return net.with_output("out")


def _scene(net: Network | None = None) -> Scene:
    net = _draft_network() if net is None else net
    layout = {n.id: (float(10 * k), float(-5 * k)) for k, n in enumerate(net.nodes)}
    return Scene(
        "Draft",
        net,
        dataset=PlaygroundData("xor", 80, 0.0, 0.5, 3),
        training=TrainingSpec(
            loss="binary_cross_entropy", optimizer=SGD(0.3), batch_size=8, seed=1, init_seed=2
        ),
        layout=layout,
    )


def test_a_draft_scene_round_trips_and_its_connected_part_trains():
    scene = _scene()
    text = dumps_scene(scene)
    back = loads_scene(text)
    assert back.network == scene.network
    assert back.layout == scene.layout
    assert dumps_scene(back) == text
    assert set(check_draft(back.network).unfinished) == {"loose", "side", "side2"}

    trainer = back.make_trainer()
    assert [n.id for n in trainer.model.network.nodes] == ["input", "h1", "out"]
    before = trainer.model.flat.copy()
    trainer.run(30)
    assert trainer.step_count == 30
    assert not np.array_equal(before, trainer.model.flat)

    # the trained state is saved with the whole drawn network, and reloads exactly
    saved = scene_from_trainer(trainer, back)
    assert saved.network == scene.network
    assert saved.layout == scene.layout
    again = loads_scene(dumps_scene(saved))
    assert again.network == scene.network
    assert set(again.state.weights) == {"h1.kernel", "h1.bias", "out.kernel", "out.bias"}
    resumed = again.make_trainer()
    np.testing.assert_array_equal(resumed.model.flat, trainer.model.flat)
    resumed.run(5)
    assert resumed.step_count == 35
    assert "not connected yet: loose" in describe(again)


def test_a_scene_without_draft_layers_saves_as_before():
    net = Network.sequential(Input(2), Dense(4, "tanh"), Dense(1, "sigmoid"), ids=["input", "h1", "out"])
    scene = _scene(net)
    trainer = loads_scene(dumps_scene(scene)).make_trainer()
    assert trainer.model.network == net
    saved = scene_from_trainer(trainer, scene)
    assert saved.network == net


def test_weights_of_an_unconnected_layer_are_refused():
    scene = _scene()
    trainer = scene.make_trainer()
    doc = json.loads(dumps_scene(scene_from_trainer(trainer, scene)))
    doc["state"]["weights"]["side.kernel"] = doc["state"]["weights"]["h1.kernel"]
    with pytest.raises(SceneError) as info:
        loads_scene(json.dumps(doc))
    assert info.value.path == "$.state.weights['side.kernel']"
    assert "not part of the trained network" in str(info.value)


def _doc() -> dict:
    return json.loads(dumps_scene(_scene()))


def _node(doc: dict, node_id: str) -> tuple[int, dict]:
    return next((k, n) for k, n in enumerate(doc["network"]["nodes"]) if n["id"] == node_id)


def test_a_cycle_among_draft_layers_is_refused_with_its_path():
    doc = _doc()
    k, side = _node(doc, "side")
    side["inputs"] = ["side2"]
    with pytest.raises(SceneError) as info:
        loads_scene(json.dumps(doc))
    assert "cycle" in str(info.value)
    assert info.value.path.startswith("$.network.nodes[")


def test_a_shape_mismatch_among_draft_layers_is_refused_with_its_path():
    doc = _doc()
    doc["network"]["nodes"].append({"id": "merge", "layer": {"type": "Add"}, "inputs": ["side", "side2"]})
    with pytest.raises(SceneError) as info:
        loads_scene(json.dumps(doc))
    k, _ = _node(doc, "merge")
    assert info.value.path == f"$.network.nodes[{k}]"
    assert "shape mismatch" in str(info.value)


def test_too_many_inputs_on_a_draft_layer_are_refused_with_its_path():
    doc = _doc()
    k, loose = _node(doc, "loose")
    loose["inputs"] = ["side", "side2"]
    with pytest.raises(SceneError) as info:
        loads_scene(json.dumps(doc))
    assert info.value.path == f"$.network.nodes[{k}]"
    assert "Add or Concat" in str(info.value)


def test_a_scene_with_nothing_trainable_says_what_to_connect():
    net = (
        Network().add(Input(2), id="input").add(Dense(3), id="a", inputs=[]).add(Dense(1), id="b", inputs=[])
    )
    net = net.add(Add(), id="c", inputs=[])
    scene = Scene("Nothing yet", net, dataset=PlaygroundData("xor", 40))
    text = dumps_scene(scene)
    with pytest.raises(SceneError) as info:
        loads_scene(text)
    assert info.value.path == "$.network"
    assert "nothing can be trained yet" in str(info.value)
    assert "connect" in str(info.value)
    with pytest.raises(SceneError, match="nothing can be trained yet"):
        scene.make_trainer()

    loose_ends = Network.sequential(Input(2), Dense(3), ids=["input", "a"]).add(
        Dense(1), id="b", inputs=["input"]
    )
    with pytest.raises(SceneError, match=r"connect the loose ends \(a, b\)"):
        loads_scene(dumps_scene(Scene("Two ends", loose_ends)))
