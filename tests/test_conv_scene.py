"""Image layers and BatchNorm in scene files: they round-trip, the schema accepts them, bad fields are
named by path."""

from __future__ import annotations

import json

import numpy as np
import pytest

from engine import Adam, AvgPool2D, BatchNorm, Conv2D, Dense, Flatten, Input, MaxPool2D, Network, Reshape
from engine.scene import (
    InlineData,
    Scene,
    SceneError,
    TrainingSpec,
    dumps_scene,
    load_schema,
    loads_scene,
    scene_from_trainer,
)

jsonschema = pytest.importorskip("jsonschema")


def cnn_scene() -> Scene:
    net = Network.sequential(
        Input(shape=[1, 6, 6]),
        Conv2D(3, 3, padding="same", activation="relu", kernel_init="he_uniform"),
        MaxPool2D(2),
        BatchNorm(momentum=0.2),
        AvgPool2D([1, 3], stride=1),
        Flatten(),
        Reshape([3, 3, 1]),
        Flatten(),
        Dense(2, "softmax"),
    )
    rng = np.random.default_rng(0)
    x = rng.random((24, 36))
    t = (x[:, :18].sum(axis=1) > x[:, 18:].sum(axis=1)).astype(np.int64)
    return Scene(
        title="Tiny CNN",
        network=net,
        dataset=InlineData("halves", "classification", x[:16], t[:16], x[16:], t[16:], n_classes=2),
        training=TrainingSpec(loss="cross_entropy", optimizer=Adam(0.01), batch_size=8, seed=1, init_seed=2),
    )


def test_a_cnn_scene_round_trips_and_matches_the_schema():
    scene = cnn_scene()
    text = dumps_scene(scene)
    jsonschema.Draft202012Validator(load_schema()).validate(json.loads(text))
    again = loads_scene(text)
    assert again == scene and again.network == scene.network
    assert dumps_scene(again) == text


def test_a_trained_cnn_scene_keeps_its_weights():
    scene = cnn_scene()
    trainer = scene.make_trainer()
    trainer.run(5)
    saved = loads_scene(dumps_scene(scene_from_trainer(trainer, scene)))
    again = saved.make_trainer()
    np.testing.assert_array_equal(again.model.flat, trainer.model.flat)
    assert again.model.params["conv2d_1.kernel"].shape == (3, 1, 3, 3)
    assert not np.all(again.model.params["batchnorm_1.moving_mean"] == 0)  # the running statistics too
    trainer.run(3)
    again.run(3)
    np.testing.assert_array_equal(again.model.flat, trainer.model.flat)


@pytest.mark.parametrize(
    ("index", "field", "value"),
    [
        (1, "padding", "full"),
        (1, "kernel_size", [0, 3]),
        (1, "kernel_size", [3, 3, 3]),
        (1, "filters", 0),
        (2, "pool_size", 0),
        (2, "stride", "2"),
        (6, "shape", [3, 0, 1]),
        (3, "momentum", 2),
        (3, "epsilon", 0),
        (0, "shape", [1, 6]),
    ],
)
def test_bad_image_layer_fields_are_named_by_path(index, field, value):
    doc = json.loads(dumps_scene(cnn_scene()))
    doc["network"]["nodes"][index]["layer"][field] = value
    if field == "shape" and index == 0:
        del doc["network"]["nodes"][0]["layer"]["size"]
    with pytest.raises(SceneError) as info:
        loads_scene(json.dumps(doc))
    assert f"nodes[{index}]" in str(info.value) and "layer" in str(info.value)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(load_schema()).validate(doc)


def test_a_kernel_too_large_for_the_image_is_a_scene_error():
    doc = json.loads(dumps_scene(cnn_scene()))
    doc["network"]["nodes"][1]["layer"].update(kernel_size=9, padding="valid")
    with pytest.raises(SceneError, match="kernel_size"):
        loads_scene(json.dumps(doc))
