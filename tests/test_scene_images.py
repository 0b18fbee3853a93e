"""Scenes that train on image sets: shipped sets, IDX files and picture folders, saved as settings only."""

from __future__ import annotations

import gzip
import json
import struct
from pathlib import Path

import numpy as np
import pytest

from engine import Dense, Input, Network
from engine.scene import (
    IdxData,
    ImageFolderData,
    ImageSetData,
    Scene,
    SceneError,
    TrainingSpec,
    describe,
    dumps_scene,
    load_scene,
    load_schema,
    loads_scene,
    save_scene,
    spec_of,
)

jsonschema = pytest.importorskip("jsonschema")
SCHEMA = jsonschema.Draft202012Validator(load_schema())


def image_scene(dataset, n_inputs: int, n_classes: int = 10, **changes) -> Scene:
    net = Network.sequential(
        Input(n_inputs), Dense(8, "relu"), Dense(n_classes, "softmax"), ids=["input", "h", "out"]
    )
    scene = Scene(
        title="Pictures",
        network=net,
        dataset=dataset,
        training=TrainingSpec(loss="cross_entropy", batch_size=32),
    )
    return scene.replace(**changes)


def idx_file(path: Path, arr: np.ndarray) -> str:
    header = bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
    path.write_bytes(gzip.compress(header + arr.astype(np.uint8).tobytes()))
    return path.name


@pytest.mark.parametrize(
    "spec",
    [
        ImageSetData("digits", 0.25, 7),
        ImageSetData("mnist5k", 0.1, 2),
        ImageSetData("fashion_mnist", seed=3, full=False),
        ImageSetData("fashion_mnist", seed=3),
    ],
    ids=["digits", "mnist5k", "fashion-subset", "fashion-auto"],
)
def test_shipped_image_sets_round_trip(spec):
    scene = image_scene(spec, 64 if spec.name == "digits" else 784)
    text = dumps_scene(scene)
    doc = json.loads(text)
    SCHEMA.validate(doc)
    assert doc["dataset"]["name"] == spec.name and "train" not in doc["dataset"]  # settings, not pixels
    back = loads_scene(text)
    assert back == scene and back.dataset == spec
    if spec.name != "fashion_mnist" or spec.full is False:
        data = back.make_dataset()
        assert data.is_image and data.n_inputs == scene.network.node("input").layer.size
        assert spec_of(data) == spec
        if spec.name != "fashion_mnist":
            expected = round(0.25 * 1797) if spec.name == "digits" else 500
            assert abs(data.n_test - expected) <= 10


def test_digits_scene_trains_and_its_summary_names_the_images():
    scene = image_scene(ImageSetData("digits", 0.2, 0), 64)
    trainer = scene.make_trainer()
    first = trainer.evaluate("train")[0]
    trainer.run(60)
    assert trainer.evaluate("train")[0] < first
    text = describe(scene, scene.make_dataset())
    assert "image set 8×8 handwritten digits" in text and "20% held out" in text
    assert "grey images of 8×8 pixels" in text and "px0_0" not in text


def test_idx_files_beside_the_scene(tmp_path):
    rng = np.random.default_rng(0)
    folder = tmp_path / "course"
    (folder / "mnist").mkdir(parents=True)
    labels = np.arange(40) % 4
    images = rng.integers(0, 255, size=(40, 5, 5))
    spec = IdxData(
        idx_file(folder / "mnist" / "tr-img.gz", images) and "mnist/tr-img.gz",
        idx_file(folder / "mnist" / "tr-lab.gz", labels) and "mnist/tr-lab.gz",
        seed=4,
    )
    scene = image_scene(spec, 25, 4)
    save_scene(scene, folder / "idx.nnscene")
    SCHEMA.validate(json.loads((folder / "idx.nnscene").read_text()))
    loaded = load_scene(folder / "idx.nnscene")
    assert loaded == scene
    data = loaded.make_dataset()
    assert data.image_shape == (1, 5, 5) and data.n_train + data.n_test == 40
    loaded.make_trainer().run(2)
    assert "IDX files 'mnist/tr-img.gz'" in describe(loaded)

    broken = folder / "mnist" / "tr-lab.gz"
    broken.write_bytes(gzip.compress(bytes([0, 0, 8, 1]) + struct.pack(">I", 39) + bytes(39)))
    with pytest.raises(SceneError) as info:
        loaded.make_dataset()
    assert info.value.path == "$.dataset.train_labels" and "tr-lab.gz" in str(info.value)


def test_image_folder_beside_the_scene(tmp_path):
    image = pytest.importorskip("PIL.Image")
    folder = tmp_path / "course"
    for name, grey in (("cats", 30), ("dogs", 220)):
        (folder / "pics" / name).mkdir(parents=True)
        for k in range(3):
            image.new("L", (9, 7), grey + k).save(folder / "pics" / name / f"{k}.png")
    spec = ImageFolderData("pics", (6, 4), True, 0.34, 1)
    scene = image_scene(spec, 24, 2)
    save_scene(scene, folder / "pics.nnscene")
    SCHEMA.validate(json.loads((folder / "pics.nnscene").read_text()))
    loaded = load_scene(folder / "pics.nnscene")
    assert loaded == scene and loaded.dataset.size == (6, 4)
    data = loaded.make_dataset()
    assert data.class_names == ("cats", "dogs") and data.image_shape == (1, 6, 4)
    assert "pictures in folder 'pics', resized to 6×4 grey" in describe(loaded, data)


def test_a_missing_image_folder_is_a_scene_error_at_the_path(tmp_path):
    scene = image_scene(ImageFolderData("nowhere/pics"), 784, 2, base_dir=tmp_path)
    with pytest.raises(SceneError) as info:
        scene.make_trainer()
    assert info.value.path == "$.dataset.path"
    assert "does not exist" in info.value.reason and "nowhere" in info.value.reason


def _doc(dataset: dict) -> str:
    doc = json.loads(dumps_scene(image_scene(ImageSetData("digits"), 64)))
    doc["dataset"] = dataset
    return json.dumps(doc)


@pytest.mark.parametrize(
    ("dataset", "path", "message"),
    [
        ({"source": "images", "name": "cifar"}, "$.dataset.name", "unknown image set 'cifar'"),
        (
            {"source": "images", "name": "fashion_mnist", "test_ratio": 0.2},
            "$.dataset.test_ratio",
            "own test",
        ),
        ({"source": "images", "name": "digits", "full": True}, "$.dataset.full", "only Fashion-MNIST"),
        ({"source": "images", "name": "digits", "test_ratio": 1}, "$.dataset.test_ratio", "[0, 1)"),
        (
            {"source": "idx", "train_images": "/etc/a", "train_labels": "b"},
            "$.dataset.train_images",
            "relative",
        ),
        (
            {"source": "idx", "train_images": "a", "train_labels": "b", "test_images": "c"},
            "$.dataset",
            "both test",
        ),
        ({"source": "image_folder", "path": "p", "size": [28]}, "$.dataset.size", "at least 2"),
        ({"source": "image_folder", "path": "p", "size": [28, 999]}, "$.dataset.size[1]", "256"),
        ({"source": "image_folder", "path": "C:/pics"}, "$.dataset.path", "relative"),
    ],
)
def test_bad_image_specs_name_the_json_path(dataset, path, message):
    with pytest.raises(SceneError) as info:
        loads_scene(_doc(dataset))
    assert info.value.path == path, str(info.value)
    assert message in info.value.reason, str(info.value)
    with pytest.raises(jsonschema.ValidationError):
        SCHEMA.validate(json.loads(_doc(dataset)))
