"""Every scene in scenes/ opens in a working state with a lesson, trains, and is saved in canonical form."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine import DivergenceError
from engine.scene import SceneError, dumps_scene, load_scene, load_schema, loads_scene

jsonschema = pytest.importorskip("jsonschema")

ROOT = Path(__file__).resolve().parents[1]
SCENES = sorted((ROOT / "scenes").glob("*.nnscene"))
STEPS = 5


def test_at_least_ten_scenes_ship_with_distinct_titles():
    assert len(SCENES) >= 10
    titles = [load_scene(p).title for p in SCENES]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("path", SCENES, ids=lambda p: p.stem)
def test_scene_loads_round_trips_and_is_canonical(path):
    text = path.read_text(encoding="utf-8")
    scene = load_scene(path)
    assert dumps_scene(scene) == text, "save the file with engine.scene.save_scene to normalise it"
    assert loads_scene(dumps_scene(scene)) == scene


@pytest.mark.parametrize("path", SCENES, ids=lambda p: p.stem)
def test_scene_conforms_to_the_json_schema(path):
    jsonschema.Draft202012Validator(load_schema()).validate(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("path", SCENES, ids=lambda p: p.stem)
def test_scene_trains_a_few_steps_and_has_a_lesson(path):
    scene = load_scene(path)
    assert scene.description and scene.lesson.text and len(scene.lesson.steps) >= 3
    assert all(step.text for step in scene.lesson.steps)
    assert set(scene.layout) == {n.id for n in scene.network.nodes}
    trainer = scene.make_trainer()
    before = trainer.model.flat.copy()
    start = trainer.step_count
    trainer.run(STEPS)
    assert trainer.step_count == start + STEPS
    assert not np.array_equal(before, trainer.model.flat)
    assert np.all(np.isfinite(trainer.model.flat))


def test_schema_lists_what_the_engine_knows():
    from engine.activations import ACTIVATIONS
    from engine.initializers import INITIALIZERS
    from engine.layers import LAYER_TYPES
    from engine.losses import LOSSES
    from engine.optimizers import OPTIMIZERS
    from engine.scene.vocabulary import ACTIONS

    schema = load_schema()
    props = schema["properties"]
    layers = props["network"]["properties"]["nodes"]["items"]["properties"]["layer"]["oneOf"]
    assert {variant["properties"]["type"]["const"] for variant in layers} == set(LAYER_TYPES)
    dense = next(v for v in layers if v["properties"]["type"]["const"] == "Dense")
    assert dense["properties"]["activation"]["enum"] == list(ACTIVATIONS)
    assert schema["$defs"]["initializer"]["oneOf"][0]["enum"] == list(INITIALIZERS)
    assert props["training"]["properties"]["loss"]["enum"] == list(LOSSES)
    assert props["training"]["properties"]["optimizer"]["oneOf"][0]["enum"] == list(OPTIMIZERS)
    actions = props["lesson"]["properties"]["steps"]["items"]["properties"]["action"]["oneOf"]
    assert {a["properties"]["type"]["const"] for a in actions if "properties" in a} == set(ACTIONS)


def test_lessons_only_name_layers_and_settings_that_exist():
    for path in SCENES:
        scene = load_scene(path)
        ids = {n.id for n in scene.network.nodes}
        for step in scene.lesson.steps:
            if step.action and step.action["type"] == "select_layer":
                assert step.action["layer"] in ids


def test_the_trained_scene_reloads_its_weights_and_history():
    scene = load_scene(ROOT / "scenes" / "11-trained-xor.nnscene")
    assert scene.state is not None and scene.state.step == 2000
    trainer = scene.make_trainer()
    loss, acc = trainer.evaluate("test")
    assert acc > 0.9
    assert len(trainer.history) == scene.state.epoch
    assert trainer.step_count == 2000


def test_the_learning_rate_scene_diverges_then_recovers():
    """The lesson's own steps: run -> diverge; lower the rate; reset; run -> converge."""
    scene = load_scene(ROOT / "scenes" / "05-learning-rate-too-high.nnscene")
    actions = [s.action for s in scene.lesson.steps]
    trainer = scene.make_trainer()
    assert actions[0]["type"] == "run_steps"
    with pytest.raises(DivergenceError):
        trainer.run(actions[0]["steps"])
    assert np.all(np.isfinite(trainer.model.flat))
    lowered = next(a for a in actions if a["type"] == "set_param")
    assert lowered["param"] == "training.learning_rate"
    trainer.configure(learning_rate=lowered["value"])
    assert any(a["type"] == "reset" for a in actions)
    trainer.reset()
    trainer.run(200)
    assert trainer.evaluate("test")[0] < 1e-3


def test_validate_reports_nothing_for_shipped_scenes():
    from simulator.cli import check_scene_file

    assert {p.name: check_scene_file(p) for p in SCENES} == {p.name: None for p in SCENES}


def test_a_shipped_scene_with_a_broken_weight_fails_cleanly(tmp_path):
    doc = json.loads((ROOT / "scenes" / "11-trained-xor.nnscene").read_text(encoding="utf-8"))
    doc["state"]["weights"]["out.kernel"]["shape"] = [4]
    path = tmp_path / "x.nnscene"
    path.write_text(json.dumps(doc))
    with pytest.raises(SceneError, match="needs \\[4, 1\\]"):
        load_scene(path)
