"""Reading and writing scenes: round trips, clear errors with JSON paths, atomic saves with a backup."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import numpy as np
import pytest

from engine import SGD, Adam, Dense, Input, Network, data
from engine.scene import (
    Arrow,
    CsvData,
    InlineData,
    IrisData,
    Lesson,
    LessonStep,
    Locks,
    Note,
    PlaygroundData,
    Scene,
    SceneError,
    TrainingSpec,
    dumps_scene,
    load_scene,
    loads_scene,
    save_scene,
    scene_from_trainer,
)

ROOT = Path(__file__).resolve().parents[1]
TRAINED = ROOT / "scenes" / "11-trained-xor.nnscene"


def small_scene(**changes) -> Scene:
    net = Network.sequential(Input(2), Dense(3, "tanh"), Dense(1, "tanh"), ids=["input", "h1", "out"])
    scene = Scene(
        title="Small",
        network=net,
        dataset=PlaygroundData("xor", n_points=60, noise=0.1, seed=3),
        training=TrainingSpec(loss="mse", optimizer=Adam(0.01), batch_size=8, seed=5, init_seed=2),
        layout={"input": (0.0, 0.0), "h1": (150.0, 10.5), "out": (300.0, -2.0)},
        description="A small test scene.",
        view={"panels": ["loss"], "zoom": 1.5, "nested": {"a": [1, None, True, "x"]}},
        lesson=Lesson(
            "Intro *markdown*", (LessonStep("Run it", {"type": "run_steps", "steps": 5}), LessonStep("Read"))
        ),
        locks=Locks(("h1",), ("h1.units", "training.learning_rate", "dataset.noise"), ("add_layer",)),
        notes=(Note("Look here", (10.0, 20.0), (120.0, 40.0), "#ffeeaa"),),
        arrows=(Arrow((0.0, 0.0), (100.0, 50.0)),),
    )
    return scene.replace(**changes)


def doc_of(scene: Scene) -> dict:
    return json.loads(dumps_scene(scene))


def load_doc(doc: dict) -> Scene:
    return loads_scene(json.dumps(doc))


# -- round trips -----------------------------------------------------------------------------------
def test_text_round_trip_is_exact():
    scene = small_scene()
    text = dumps_scene(scene)
    again = loads_scene(text)
    assert again == scene
    assert dumps_scene(again) == text
    assert again.layout == scene.layout and again.view == scene.view and again.lesson == scene.lesson
    assert again.network == scene.network


def test_file_is_human_readable_utf8_json_with_format_and_version(tmp_path):
    path = tmp_path / "s.nnscene"
    save_scene(small_scene(title="Zwei Schichten · x₁²"), path)
    raw = path.read_bytes()
    text = raw.decode("utf-8")
    assert "x₁²" in text  # not \u escapes
    doc = json.loads(text)
    assert list(doc)[:3] == ["format", "version", "title"]
    assert doc["format"] == "nnsim.scene" and doc["version"] == 1
    assert text.endswith("}\n")
    assert max(len(line) for line in text.splitlines()) < 200  # no weights here: every line short


def test_trained_scene_reloads_with_bit_identical_predictions_and_continues_exactly(tmp_path):
    scene = small_scene()
    trainer = scene.make_trainer()
    trainer.run(23)  # mid-epoch: the cursor and data order must come back too
    path = tmp_path / "trained.nnscene"
    save_scene(scene_from_trainer(trainer, scene), path)
    again = load_scene(path).make_trainer()
    x = trainer.data.x_test
    assert np.array_equal(trainer.model.predict(x), again.model.predict(x))
    assert again.step_count == 23 and again.epoch == trainer.epoch
    np.testing.assert_array_equal(again.history.train_loss, trainer.history.train_loss)
    np.testing.assert_array_equal(again.step_losses, trainer.step_losses)
    trainer.run(31)
    again.run(31)
    assert np.array_equal(trainer.model.flat, again.model.flat)
    assert np.array_equal(trainer.m1, again.m1) and np.array_equal(trainer.m2, again.m2)
    np.testing.assert_array_equal(trainer.history.test_loss, again.history.test_loss)


def test_float64_models_keep_every_bit():
    scene = small_scene(training=TrainingSpec(optimizer=SGD(0.1), dtype="float64"))
    trainer = scene.make_trainer()
    trainer.run(10)
    again = loads_scene(dumps_scene(scene_from_trainer(trainer, scene))).make_trainer()
    assert again.model.dtype == np.float64
    assert np.array_equal(trainer.model.flat, again.model.flat)


def test_weights_only_scene_predicts_identically_and_restarts_counters():
    scene = small_scene()
    trainer = scene.make_trainer()
    trainer.run(12)
    light = scene_from_trainer(trainer, scene, optimizer=False, history=False)
    doc = doc_of(light)
    assert set(doc["state"]) == {"step", "epoch", "cursor", "weights"}
    again = loads_scene(dumps_scene(light)).make_trainer()
    x = trainer.data.x_train
    assert np.array_equal(trainer.model.predict(x), again.model.predict(x))
    assert len(again.history) == 0


def test_regression_history_keeps_nan_accuracy():
    scene = small_scene(
        network=Network.sequential(Input(2), Dense(1), ids=["input", "out"]),
        layout={},
        locks=Locks(),
        lesson=Lesson(),
        dataset=PlaygroundData("plane", n_points=40),
        training=TrainingSpec(optimizer=SGD(0.01)),
    )
    trainer = scene.make_trainer()
    trainer.run(9)
    again = loads_scene(dumps_scene(scene_from_trainer(trainer, scene))).make_trainer()
    assert np.all(np.isnan(again.history.train_acc))
    np.testing.assert_array_equal(again.history.train_loss, trainer.history.train_loss)


def test_iris_csv_and_inline_data_round_trip(tmp_path):
    folder = tmp_path / "course"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "small.csv").write_text(
        "a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(30))
    )
    net = Network.sequential(Input(2), Dense(2, "softmax"), ids=["input", "out"])
    csv_scene = small_scene(
        network=net,
        layout={},
        locks=Locks(),
        lesson=Lesson(),
        dataset=CsvData("data/small.csv", target="label", test_ratio=0.2),
        training=TrainingSpec(loss="cross_entropy"),
    )
    save_scene(csv_scene, folder / "csv.nnscene")
    loaded = load_scene(folder / "csv.nnscene")
    assert loaded == csv_scene and loaded.base_dir == folder
    assert loaded.make_dataset().n_train == 24
    loaded.make_trainer().run(3)

    iris = small_scene(
        network=Network.sequential(Input(4), Dense(3, "softmax")),
        layout={},
        locks=Locks(),
        lesson=Lesson(),
        dataset=IrisData(0.2, 4, False),
        training=TrainingSpec(loss="cross_entropy"),
    )
    assert loads_scene(dumps_scene(iris)) == iris

    edited = data.playground("circle", n_points=40, features=("x1", "x1^2")).with_points([[0.5, 0.25]], [1])
    inline = small_scene(dataset=InlineData.from_dataset(edited))
    back = loads_scene(dumps_scene(inline))
    assert back == inline
    made = back.make_dataset()
    np.testing.assert_array_equal(made.x_train, edited.x_train)
    np.testing.assert_array_equal(made.t_train, edited.t_train)
    assert made.features == ("x1", "x1^2")


def test_inline_table_data_keeps_its_scaling():
    iris = data.load_iris(standardize=True)
    spec = InlineData.from_dataset(iris)
    made = loads_scene(
        dumps_scene(
            small_scene(
                network=Network.sequential(Input(4), Dense(3, "softmax")),
                layout={},
                locks=Locks(),
                lesson=Lesson(),
                dataset=spec,
                training=TrainingSpec(loss="cross_entropy"),
            )
        )
    ).make_dataset()
    np.testing.assert_allclose(made.x_train, iris.x_train, atol=1e-12)
    assert made.class_names == iris.class_names


def test_a_missing_csv_file_is_a_scene_error_at_the_path(tmp_path):
    scene = small_scene(dataset=CsvData("nowhere/x.csv"), base_dir=tmp_path)
    with pytest.raises(SceneError) as info:
        scene.make_trainer()
    assert info.value.path == "$.dataset.path"


# -- clear errors ----------------------------------------------------------------------------------
def _trained_doc() -> dict:
    return json.loads(TRAINED.read_text(encoding="utf-8"))


def _set_weight(doc, key, arr):
    doc["state"]["weights"][key]["data"] = base64.b64encode(np.asarray(arr, "<f4").tobytes()).decode()


def _cases():
    def unknown_layer(d):
        d["network"]["nodes"][1]["layer"]["type"] = "Capsule2D"

    def wrong_shape(d):
        d["network"]["nodes"][1]["layer"]["units"] = 5

    def wrong_count(d):
        _set_weight(d, "h1.kernel", np.zeros(7))

    def nan_weights(d):
        _set_weight(d, "h1.bias", [0.0, np.nan, 0.0, 0.0])

    def newer(d):
        d["version"] = 2

    def missing_weight(d):
        del d["state"]["weights"]["out.bias"]

    def extra_weight(d):
        d["state"]["weights"]["h9.kernel"] = d["state"]["weights"]["out.bias"]

    def bad_units(d):
        d["network"]["nodes"][1]["layer"]["units"] = 0

    def bad_activation(d):
        d["network"]["nodes"][2]["layer"]["activation"] = "swish"

    def cycle(d):
        d["network"]["nodes"][1]["inputs"] = ["out"]

    def dangling(d):
        d["network"]["nodes"][2]["inputs"] = []

    def bad_input_ref(d):
        d["network"]["nodes"][2]["inputs"] = ["h7"]

    def duplicate_id(d):
        d["network"]["nodes"][2]["id"] = "h1"

    def bad_lock(d):
        d["locks"]["layers"] = ["h1", "ghost"]

    def bad_param(d):
        d["locks"]["params"] = ["h1.colour"]

    def bad_action(d):
        d["lesson"]["steps"][0]["action"] = {"type": "dance"}

    def bad_select(d):
        d["lesson"]["steps"][1]["action"]["layer"] = "h2"

    def typo_key(d):
        d["trainig"] = {}

    def bad_lr(d):
        d["training"]["optimizer"]["learning_rate"] = -1

    def bad_kind(d):
        d["dataset"]["kind"] = "moons"

    def bad_note(d):
        d["notes"] = [{"text": "x", "position": [1]}]

    def long_title(d):
        d["title"] = "x" * 10_000

    def view_too_deep(d):
        v = {}
        for _ in range(12):
            v = {"a": v}
        d["view"] = v

    def absolute_csv(d):
        d["dataset"] = {"source": "csv", "path": "/etc/passwd"}

    def cursor(d):
        d["state"]["cursor"] = 10_000

    return [
        (unknown_layer, "$.network.nodes[1].layer.type", "unknown layer type 'Capsule2D'"),
        (wrong_shape, "$.state.weights['h1.kernel'].shape", "needs [2, 5]"),
        (wrong_count, "$.state.weights['h1.kernel'].data", "needs 8 values"),
        (nan_weights, "$.state.weights['h1.bias'].data", "NaN"),
        (newer, "$.version", "newer nnsim"),
        (missing_weight, "$.state.weights", "missing for out.bias"),
        (extra_weight, "$.state.weights['h9.kernel']", "no weight 'h9.kernel'"),
        (bad_units, "$.network.nodes[1].layer.units", "between 1"),
        (bad_activation, "$.network.nodes[2].layer.activation", "unknown activation 'swish'"),
        (cycle, "$.network.nodes[1]", "cycle"),
        (dangling, "$.state.weights['out.kernel']", "layer 'out' is not part of the trained network"),
        (bad_input_ref, "$.network.nodes[2].inputs[0]", "no layer 'h7'"),
        (duplicate_id, "$.network.nodes[2].id", "already has the id 'h1'"),
        (bad_lock, "$.locks.layers[1]", "no layer 'ghost'"),
        (bad_param, "$.locks.params[0]", "unknown setting 'h1.colour'"),
        (bad_action, "$.lesson.steps[0].action.type", "unknown action 'dance'"),
        (bad_select, "$.lesson.steps[1].action.layer", "no layer 'h2'"),
        (typo_key, "$.trainig", "unknown key 'trainig'"),
        (bad_lr, "$.training.optimizer.learning_rate", "must be in"),
        (bad_kind, "$.dataset.kind", "unknown Playground set 'moons'"),
        (bad_note, "$.notes[0].position", "at least 2"),
        (long_title, "$.title", "at most 200"),
        (view_too_deep, "$.view.a.a.a.a.a.a.a.a", "nested more than 8"),
        (absolute_csv, "$.dataset.path", "relative to the scene file"),
    ]


@pytest.mark.parametrize(("corrupt", "path", "message"), _cases(), ids=[c[0].__name__ for c in _cases()])
def test_bad_files_name_the_path_and_the_problem(corrupt, path, message, tmp_path):
    doc = _trained_doc()
    corrupt(doc)
    file = tmp_path / "bad.nnscene"
    file.write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(SceneError) as info:
        load_scene(file)
    err = info.value
    assert err.path == path, str(err)
    assert message in err.reason, str(err)
    assert str(err).startswith(f"{file}: {path}: ")
    assert err.__cause__ is None  # a planned check, not the catch-all


def test_a_cursor_beyond_the_data_is_caught_when_building():
    doc = _trained_doc()
    doc["state"]["cursor"] = 10_000
    scene = load_doc(doc)
    with pytest.raises(SceneError) as info:
        scene.make_trainer()
    assert info.value.path == "$.state.cursor"


def test_data_that_does_not_fit_the_network_names_the_layer():
    doc = _trained_doc()
    doc["dataset"]["features"] = ["x1", "x2", "x1^2"]
    with pytest.raises(SceneError, match="Input takes 2 features") as info:
        load_doc(doc).make_trainer()
    assert info.value.path == "$.network.nodes[0]"
    doc = _trained_doc()
    doc["dataset"]["n_classes"] = 3
    with pytest.raises(SceneError, match="3 classes") as info:
        load_doc(doc).make_trainer()
    assert info.value.path == "$.network.nodes[2]"


def test_a_huge_batch_is_refused_before_allocating():
    doc = _trained_doc()
    doc["training"]["batch_size"] = 1_000_000
    doc["network"]["nodes"][1]["layer"]["units"] = 60_000
    del doc["state"]
    with pytest.raises(SceneError, match="GB of work memory") as info:
        load_doc(doc).make_trainer()
    assert info.value.path == "$.training.batch_size"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"\xff\xfe{", "not UTF-8"),
        (b"[1, 2]", "one JSON object"),
        (b'"scene"', "one JSON object"),
        (b"{'format': 1}", "not valid JSON"),
        (b'{"format": "nnsim.scene", "version": 1, "title": "t", "x": NaN}', "no NaN"),
        (b'{"format": "nnsim.scene", "version": 1e400}', "finite"),
        (b'{"format": "nnsim.scene", "version": 1, "title": ' + b"9" * 5000 + b"}", "not valid JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested"),
        (b'{"format": "nnsim.scene", "version": 1, "title": "\\ud800"}', "lone surrogate"),
        (b'{"format": "nnsim.scene", "version": 1, "title": "abc', "truncated"),
    ],
)
def test_unreadable_text_gives_a_clean_error(text, message):
    with pytest.raises(SceneError, match=message):
        loads_scene(text)


def test_a_byte_order_mark_is_accepted():
    assert loads_scene(b"\xef\xbb\xbf" + dumps_scene(small_scene()).encode()) == small_scene()


def test_missing_and_oversized_files(tmp_path, monkeypatch):
    from engine.scene import limits

    with pytest.raises(SceneError, match="no such file"):
        load_scene(tmp_path / "none.nnscene")
    with pytest.raises(SceneError, match="folder"):
        load_scene(tmp_path)
    big = tmp_path / "big.nnscene"
    big.write_bytes(b" " * 2000)
    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    with pytest.raises(SceneError, match="at most"):
        load_scene(big)


# -- saving ----------------------------------------------------------------------------------------
def test_save_is_atomic_and_keeps_a_backup(tmp_path):
    path = tmp_path / "s.nnscene"
    first, second = small_scene(title="First"), small_scene(title="Second")
    save_scene(first, path)
    assert not (tmp_path / "s.nnscene.bak").exists()
    os.chmod(path, 0o640)
    save_scene(second, path)
    assert load_scene(path).title == "Second"
    assert load_scene(tmp_path / "s.nnscene.bak").title == "First"
    assert (path.stat().st_mode & 0o777) == 0o640
    save_scene(first, path, backup=False)
    assert load_scene(tmp_path / "s.nnscene.bak").title == "First"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.nnscene", "s.nnscene.bak"]  # no temp files left


def test_a_scene_that_would_not_load_is_never_written(tmp_path):
    path = tmp_path / "s.nnscene"
    save_scene(small_scene(), path)
    before = path.read_bytes()
    broken = small_scene(
        network=Network.sequential(Input(2), Dense(3)).add(Dense(1), inputs=["input"]), locks=Locks()
    )
    with pytest.raises(SceneError, match="loose ends"):
        save_scene(broken, path)
    nan_state = scene_from_trainer(small_scene().make_trainer(), small_scene())
    nan_state.state.weights["h1.bias"][0] = np.nan
    with pytest.raises(SceneError, match="NaN"):
        save_scene(nan_state, path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.nnscene"]


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "s.nnscene"
    save_scene(small_scene(title="Old"), path)

    def no_rename(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", no_rename)
    with pytest.raises(SceneError, match="cannot be written"):
        save_scene(small_scene(title="New"), path)
    monkeypatch.undo()
    assert load_scene(path).title == "Old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.nnscene"]


def test_equal_scenes_and_unequal_ones():
    assert small_scene() == small_scene()
    assert small_scene() != small_scene(title="Other")
    assert small_scene().__eq__(object()) is NotImplemented


def test_the_example_in_the_format_document_loads():
    text = (ROOT / "docs" / "scene-format.md").read_text(encoding="utf-8")
    example = text.split("## An example", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    scene = loads_scene(example)
    assert scene.title == "XOR needs a hidden layer"
    assert [n.id for n in scene.network.nodes] == ["input", "h1", "out"]
    assert loads_scene(dumps_scene(scene)) == scene
