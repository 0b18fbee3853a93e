"""Scene files in the window: open, edit, save and reopen; broken files; crash restore; recent files."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from simulator import cli, scene_files

pytestmark = pytest.mark.gui

ROOT = Path(__file__).resolve().parent.parent
XOR = ROOT / "scenes" / "02-xor-hidden-layer.nnscene"


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv(scene_files.DATA_DIR_ENV, str(folder))
    errors: list[tuple[str, str]] = []
    monkeypatch.setattr(scene_files, "show_error", lambda parent, title, text: errors.append((title, text)))
    monkeypatch.setattr(
        scene_files, "ask_save_changes", lambda *a: pytest.fail("asked about unsaved changes unexpectedly")
    )
    monkeypatch.setattr(scene_files, "ask_restore", lambda *a: pytest.fail("asked to restore unexpectedly"))
    return SimpleNamespace(path=folder, errors=errors)


@pytest.fixture
def make_window(qtbot):
    from simulator.main_window import MainWindow

    def make(**kwargs):
        w = MainWindow(**kwargs)
        qtbot.addWidget(w)
        return w

    return make


def flat(window) -> np.ndarray:
    return window.controller.trainer.model.flat.copy()


def test_open_edit_save_and_reopen_gives_the_same_network_layout_and_weights(make_window, tmp_path):
    w = make_window()
    assert w.files.open_path(XOR)
    assert w.scene.title == "XOR needs a hidden layer"
    assert "02-xor-hidden-layer.nnscene" in w.windowTitle() and "*" not in w.windowTitle()
    lesson = w.scene.lesson

    assert w.controller.add_neuron("h1")
    w.controller.move_layers({"h1": (321.0, -45.0)})
    w.controller.trainer.run(20)
    w.files.update_title()
    assert w.windowTitle().endswith("*")

    target = tmp_path / "mine.nnscene"
    assert w.files.save_as(target)
    assert "mine.nnscene" in w.windowTitle() and "*" not in w.windowTitle()
    network, positions, weights = w.controller.trainer.model.network, w.controller.positions, flat(w)

    assert w.files.save_to(target)  # a second save keeps the first as .bak
    assert target.with_name("mine.nnscene.bak").is_file()

    other = make_window()
    assert other.files.open_path(target)
    assert other.controller.trainer.model.network == network
    assert other.controller.network.nodes == w.controller.network.nodes
    assert other.controller.positions == positions
    np.testing.assert_array_equal(flat(other), weights)
    assert other.controller.trainer.step_count == w.controller.trainer.step_count
    assert other.scene.lesson == lesson  # the lesson travels on with the scene
    assert str(target.absolute()) == scene_files.recent_files()[0]


def test_edited_points_are_saved_in_the_file(make_window, tmp_path):
    from engine.data import Dataset

    w = make_window()
    data = w.controller.dataset
    fewer = Dataset(
        x_train=data.x_train[:50],
        t_train=data.t_train[:50],
        x_test=data.x_test,
        t_test=data.t_test,
        feature_names=data.feature_names,
        points_train=data.points_train[:50],
        points_test=data.points_test,
        features=data.features,
        name=data.name,
        task=data.task,
        n_classes=data.n_classes,
    )
    assert w.controller.set_dataset(fewer)
    target = tmp_path / "points.nnscene"
    assert w.files.save_as(target)
    other = make_window()
    assert other.files.open_path(target)
    assert other.controller.dataset.n_train == 50
    assert other.scene.dataset.source == "inline"


def test_a_broken_file_shows_its_error_and_keeps_the_scene(make_window, tmp_path, data_dir):
    w = make_window()
    assert w.files.open_path(XOR)
    controller, network, weights = w.controller, w.controller.network, flat(w)
    broken = tmp_path / "broken.nnscene"
    text = XOR.read_text(encoding="utf-8").replace('"units": 4', '"units": -3', 1)
    broken.write_text(text, encoding="utf-8")

    assert not w.files.open_path(broken)
    assert w.controller is controller
    assert w.controller.network == network
    np.testing.assert_array_equal(flat(w), weights)
    assert len(data_dir.errors) == 1
    title, message = data_dir.errors[0]
    assert "broken.nnscene" in message and "$.network.nodes[1]" in message

    (tmp_path / "junk.nnscene").write_text("{ not json", encoding="utf-8")
    assert not w.files.open_path(tmp_path / "junk.nnscene")
    assert len(data_dir.errors) == 2 and w.controller is controller


def test_a_failed_save_is_shown_and_nothing_is_lost(make_window, tmp_path, data_dir):
    w = make_window()
    w.controller.add_neuron(w.controller.network.nodes[1].id)
    assert not w.files.save_to(tmp_path / "no-such-folder" / "x.nnscene")
    assert len(data_dir.errors) == 1
    assert w.windowTitle().endswith("*")


def test_crash_restore_offers_and_restores_the_autosave(make_window, data_dir):
    crashed = make_window()
    crashed.files.start_session(ask=lambda *a: pytest.fail("nothing to restore yet"))
    assert crashed.files.open_path(XOR)
    crashed.controller.add_neuron("h1")
    saved = crashed.files.autosave()
    assert saved is not None and saved.parent == data_dir.path / "autosave"
    assert crashed.files.autosave() is None  # nothing new since
    weights = flat(crashed)
    crashed.files.timer.stop()
    scene_files._LIVE_SESSIONS.discard(crashed.files.session_id)  # as if the process had died
    crashed.files.session_id = ""
    crashed.files.confirm = False

    asked = []
    fresh = make_window()
    assert fresh.files.start_session(ask=lambda parent, when: asked.append(when) or True)
    assert len(asked) == 1
    assert fresh.controller.network.node("h1").layer.units == 5
    np.testing.assert_array_equal(flat(fresh), weights)
    assert fresh.files.path == XOR.absolute()
    assert fresh.windowTitle().endswith("*")

    fresh.files.confirm = False
    fresh.close()
    assert not list((data_dir.path / "autosave").glob("*"))  # a clean exit leaves nothing behind

    again = make_window()
    assert not again.files.start_session(ask=lambda *a: pytest.fail("nothing left to restore"))


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(make_window, qtbot, monkeypatch):
    w = make_window()
    w.show()
    qtbot.waitExposed(w)
    w.files.confirm = True
    w.controller.add_neuron(w.controller.network.nodes[1].id)
    answers = ["cancel", "discard"]
    asked = []
    monkeypatch.setattr(
        scene_files, "ask_save_changes", lambda parent, name: asked.append(name) or answers.pop(0)
    )
    w.close()
    assert w.isVisible() and asked == ["spiral"]
    w.close()
    assert not w.isVisible() and len(asked) == 2


def test_recent_files_and_examples(make_window, tmp_path):
    assert scene_files.recent_files() == []
    for k in range(10):
        scene_files.add_recent(tmp_path / f"s{k}.nnscene")
    recent = scene_files.recent_files()
    assert len(recent) == scene_files.RECENT_MAX and recent[0].endswith("s9.nnscene")
    scene_files.add_recent(tmp_path / "s5.nnscene")
    assert scene_files.recent_files()[0].endswith("s5.nnscene")

    w = make_window()
    w.recent_menu.aboutToShow.emit()
    assert [a.text() for a in w.recent_menu.actions()][0] == "s5.nnscene"
    titles = [a.text() for a in w.examples_menu.actions()]
    assert "XOR needs a hidden layer" in titles
    file_menu = w.quit_action.associatedObjects()[0]
    texts = [a.text().replace("&", "") for a in file_menu.actions() if a.text()]
    assert texts[-1] == "Quit" and "Save" in texts and "Save As…" in texts
    next(a for a in w.examples_menu.actions() if a.text() == "XOR needs a hidden layer").trigger()
    assert w.scene.title == "XOR needs a hidden layer"
    assert w.controller.network.node("h1").layer.units == 4


def test_the_command_line_opens_a_scene(make_window, monkeypatch):
    parser = cli.build_parser()
    args = cli.parse_arguments(parser, [str(XOR)])
    assert args.handler is cli.open_window and args.scene_path == str(XOR)
    assert cli.parse_arguments(parser, ["lesson.nnscene"]).scene_path == "lesson.nnscene"
    assert cli.parse_arguments(parser, ["info", str(XOR)]).handler is cli.run_info
    assert cli.parse_arguments(parser, []).scene_path is None
    with pytest.raises(SystemExit):
        cli.parse_arguments(parser, [str(XOR), "extra"])

    opened = []
    import simulator.app

    monkeypatch.setattr(
        simulator.app, "run_app", lambda argv, scene_path=None: opened.append(scene_path) or 0
    )
    assert cli.main([str(XOR)]) == 0 and opened == [str(XOR)]

    w = make_window(scene_path=str(XOR))
    assert w.scene.title == "XOR needs a hidden layer"
    assert "02-xor-hidden-layer.nnscene" in w.windowTitle()


def test_lesson_locks_notes_and_arrows_open_with_the_scene_and_save_with_it(make_window, tmp_path):
    from engine.scene import Arrow, Locks, Note
    from simulator.canvas.annotations import arrows_from_scene, notes_from_scene, put_annotations
    from simulator.teacher import apply_locks

    w = make_window()
    assert w.files.open_path(XOR)
    assert w.lesson_panel.lesson == w.scene.lesson and w.scene.lesson.steps
    apply_locks(w, Locks(layers=("h1",), params=(), controls=("dataset",)))
    put_annotations(
        w.canvas.graph_scene, (Note("look here", (10.0, 20.0)),), (Arrow((0.0, 0.0), (50.0, 60.0)),)
    )
    target = tmp_path / "classroom.nnscene"
    assert w.files.save_as(target)

    other = make_window()
    assert other.files.open_path(target)
    assert other.controller.is_locked("h1")
    assert "dataset" in other.scene.locks.controls
    assert [n.text for n in notes_from_scene(other.canvas.graph_scene)] == ["look here"]
    assert [a.end for a in arrows_from_scene(other.canvas.graph_scene)] == [(50.0, 60.0)]
    assert other.lesson_panel.lesson == w.scene.lesson


def test_a_layer_dropped_on_the_canvas_and_not_connected_is_saved_with_its_place(make_window, tmp_path):
    from PySide6.QtCore import QPointF

    from tests.test_canvas import drop

    w = make_window()
    assert w.files.open_path(XOR)
    c = w.controller
    canvas = w.canvas
    trained_ids = {n.id for n in c.network.nodes}
    assert drop(canvas, w.palette.mime_data("Dense"), QPointF(canvas.viewport().width() - 60, 40))
    new_id = next(n.id for n in c.network.nodes if n.id not in trained_ids)
    assert new_id in c.draft.unfinished
    c.move_layers({new_id: (512.0, -128.0)})
    c.trainer.run(10)
    network, weights = c.network, flat(w)

    target = tmp_path / "draft.nnscene"
    assert w.files.save_as(target)
    assert "not saved" not in w.statusBar().currentMessage()

    other = make_window()
    assert other.files.open_path(target)
    oc = other.controller
    assert oc.network.nodes == network.nodes  # the output is stored by name: the one the trainer trains
    assert oc.draft.trainable.nodes == c.draft.trainable.nodes
    assert new_id in oc.draft.unfinished
    assert oc.positions[new_id] == (512.0, -128.0)
    assert oc.positions == c.positions
    assert new_id not in {n.id for n in oc.trainer.model.network.nodes}
    np.testing.assert_array_equal(flat(other), weights)
    assert oc.trainable
    step = oc.trainer.step_count
    oc.trainer.run(10)
    assert oc.trainer.step_count == step + 10
    assert not np.array_equal(flat(other), weights)

    # the student wires it in later: it joins the trainable part
    assert oc.connect_layers("h1", new_id)
    assert new_id not in oc.draft.unfinished or "output" in oc.draft.unfinished[new_id]
