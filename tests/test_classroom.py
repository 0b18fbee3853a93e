"""Classroom features in the assembled window: lessons, locks, teacher mode, notes, arrows and exports."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from engine.scene import Arrow, Lesson, LessonStep, Locks, Note
from simulator.canvas.annotations import (
    ArrowItem,
    LockBadge,
    NoteItem,
    arrows_from_scene,
    notes_from_scene,
    put_annotations,
)
from simulator.teacher import apply_control_locks, apply_locks, locks_from_window

pytestmark = pytest.mark.gui


LESSON = Lesson(
    "# Spirals\n\nTwo spirals need **hidden** layers.",
    (
        LessonStep("Train a little.", {"type": "run_steps", "steps": 50}),
        LessonStep("Look at the first hidden layer.", {"type": "select_layer", "layer": "dense_1"}),
        LessonStep("Slow down.", {"type": "set_param", "param": "training.learning_rate", "value": 0.01}),
        LessonStep("Open the loss curves.", {"type": "show_panel", "panel": "loss"}),
        LessonStep("Start again.", {"type": "reset"}),
        LessonStep("A step from a later version.", {"type": "quiz", "question": "?"}),
        LessonStep("What do you notice about the loss?"),
    ),
)


# ---------------------------------------------------------------------------------- lesson
def test_no_lesson_shows_a_friendly_text(window):
    panel = window.lesson_panel
    assert "no lesson" in panel.intro.toPlainText()
    assert panel.steps == []


def test_lesson_steps_render_and_their_buttons_act(window, qtbot):
    panel = window.lesson_panel
    panel.set_lesson(LESSON)
    assert "Spirals" in panel.intro.toPlainText()
    assert len(panel.steps) == len(LESSON.steps)
    assert [s.number.text() for s in panel.steps] == [str(i) for i in range(1, 8)]
    run, select, set_lr, show, reset, unknown, plain = panel.steps
    assert run.button.text() == "Run 50 steps"
    assert plain.button is None
    assert not unknown.button.isEnabled() and "cannot do" in unknown.note.text()

    assert window.controller.trainer.step_count == 0
    qtbot.mouseClick(run.button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.controller.trainer.step_count == 50, timeout=20_000)

    qtbot.mouseClick(select.button, Qt.MouseButton.LeftButton)
    assert window.controller.selected == "dense_1"
    assert window.canvas.graph_scene.layer_item("dense_1").isSelected()

    qtbot.mouseClick(set_lr.button, Qt.MouseButton.LeftButton)
    assert window.controller.trainer.learning_rate == pytest.approx(0.01)

    qtbot.mouseClick(show.button, Qt.MouseButton.LeftButton)
    assert window.watch_tabs.currentWidget() is window.curves

    qtbot.mouseClick(reset.button, Qt.MouseButton.LeftButton)
    assert window.controller.trainer.step_count == 0

    panel.set_lesson(None)
    assert panel.steps == [] and "no lesson" in panel.intro.toPlainText()


def test_a_lesson_step_that_names_a_missing_layer_says_so(window):
    panel = window.lesson_panel
    assert not panel.perform({"type": "select_layer", "layer": "nope"})
    assert "no layer 'nope'" in panel.message.text()


# ---------------------------------------------------------------------------------- locks
def test_a_locked_layer_shows_a_badge_and_refuses_edits_until_teacher_mode(window, qtbot):
    c, scene = window.controller, window.canvas.graph_scene
    apply_locks(window, Locks(layers=("dense_1",)))
    badges = [i for i in scene.items() if isinstance(i, LockBadge)]
    assert len(badges) == 1 and badges[0].parentItem() is scene.layer_item("dense_1")

    units = c.network.node("dense_1").layer.units
    assert not c.add_neuron("dense_1")
    assert c.network.node("dense_1").layer.units == units
    assert any("locked by the teacher" in b.text for b in scene.balloons)

    c.add_neuron("dense_2")  # a rebuild of the canvas keeps the badge on the new item
    badges = [i for i in scene.items() if isinstance(i, LockBadge)]
    assert len(badges) == 1 and badges[0].parentItem() is scene.layer_item("dense_1")

    window.teacher.mode_action.trigger()
    assert c.teacher_mode
    assert c.add_neuron("dense_1")
    assert c.network.node("dense_1").layer.units == units + 1

    window.teacher.mode_action.trigger()
    assert not c.teacher_mode
    c.select("dense_1")
    window.teacher.set_teacher_mode(True)
    assert window.teacher.unlock_action.isEnabled()
    window.teacher.unlock_action.trigger()
    assert not [i for i in scene.items() if isinstance(i, LockBadge)]
    assert locks_from_window(window).layers == ()


def test_control_locks_disable_the_data_panel_except_in_teacher_mode(window):
    apply_control_locks(window, {"data", "training"})
    assert not window.data_panel.isEnabled()
    assert not window.training_panel.isEnabled()
    assert window.palette.isEnabled()
    window.teacher.set_teacher_mode(True)
    assert window.data_panel.isEnabled()
    window.teacher.set_teacher_mode(False)
    assert not window.data_panel.isEnabled()
    window.runner.busy_changed.emit(False)  # the window enables panels after training; locks hold
    assert not window.data_panel.isEnabled()
    apply_control_locks(window, set())
    assert window.data_panel.isEnabled() and window.training_panel.isEnabled()


def test_locks_round_trip_through_engine_locks(window):
    locks = Locks(layers=("dense_2",), params=("dense_1.units",), controls=("add_layer", "future_control"))
    apply_locks(window, locks)
    assert not window.palette.isEnabled()
    assert locks_from_window(window) == locks
    apply_locks(window, None)
    assert locks_from_window(window) == Locks()
    assert window.palette.isEnabled()


# ---------------------------------------------------------------------------------- notes and arrows
def test_notes_and_arrows_round_trip_and_survive_a_rebuild(window):
    scene = window.canvas.graph_scene
    notes = (Note("One neuron = one line.", (140.0, 120.0), (220.0, 70.0), "#d7f5c8"),)
    arrows = (Arrow((200.0, 120.0), (165.0, 30.0), "#d0402b"),)
    put_annotations(scene, notes, arrows)
    assert notes_from_scene(scene) == notes
    assert arrows_from_scene(scene) == arrows

    window.controller.add_neuron("dense_1")  # structure_changed: the canvas rebuilds its items
    assert notes_from_scene(scene) == notes
    assert arrows_from_scene(scene) == arrows
    assert all(i.scene() is scene for i in window.annotations.items())

    put_annotations(scene, (), ())
    assert notes_from_scene(scene) == () and arrows_from_scene(scene) == ()


def test_notes_move_resize_and_arrow_ends_drag(window):
    note = window.annotations.add_note("hello", (0.0, 0.0))
    note.setPos(30.0, 40.0)
    note.set_size(10.0, 300.0)  # at least the minimum width
    n = note.to_note()
    assert n.position == (30.0, 40.0) and n.size[1] == 300.0 and n.size[0] >= 60.0
    arrow = window.annotations.add_arrow((0.0, 0.0), (50.0, 0.0))
    arrow.setPos(10.0, 10.0)  # the whole arrow moved
    arrow.end_handle.setPos(QPointF(100.0, 0.0))  # one end dragged
    assert arrow.to_arrow().start == (10.0, 10.0) and arrow.to_arrow().end == (110.0, 10.0)


def test_edit_menu_adds_notes_and_arrows_and_delete_removes_them(window, qtbot):
    window.add_note_action.trigger()
    window.add_arrow_action.trigger()
    items = window.annotations.items()
    assert [type(i) for i in items] == [NoteItem, ArrowItem]
    window.canvas.graph_scene.clearFocus()
    for item in items:
        item.setSelected(True)
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert window.annotations.items() == []
    assert set(window.canvas.graph_scene.layer_items()) == set(window.controller.trainer.model.layer_ids)


# ---------------------------------------------------------------------------------- exports
def test_canvas_exports_png_and_svg(window, tmp_path):
    window.annotations.add_note("Exported note", (0.0, -150.0))
    png, svg = tmp_path / "net.png", tmp_path / "net.svg"
    assert window.exports.export("canvas_png", str(png)) == [png]
    image = QImage(str(png))
    assert not image.isNull() and image.width() > 100 and image.height() > 100
    assert window.exports.export("canvas_svg", str(svg)) == [svg]
    text = svg.read_text("utf-8")
    assert "<svg" in text and "</svg>" in text
    assert not list(tmp_path.glob("*.tmp"))


def test_curves_export_png_and_csv(window, tmp_path):
    trainer = window.controller.trainer
    trainer.run_epochs(3)
    window.refresh()
    png = tmp_path / "curves.png"
    window.exports.export("curves_png", str(png))
    assert not QImage(str(png)).isNull()

    asked = []
    window.exports.ask_path = lambda title, name, flt: asked.append(name) or str(tmp_path / "c.csv")
    window.exports.actions["curves_csv"].trigger()
    assert asked == ["curves.csv"]
    with open(tmp_path / "c.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc"]
    assert len(rows) == 1 + len(trainer.history) == 4
    with open(tmp_path / "c-steps.csv", newline="") as f:
        steps = list(csv.reader(f))
    assert steps[0] == ["step", "loss"] and len(steps) == 1 + trainer.step_count


def test_a_cancelled_export_writes_nothing(window, tmp_path):
    window.exports.ask_path = lambda *_a: None
    assert window.exports.export("canvas_png") == []
    assert list(tmp_path.iterdir()) == []


def test_installing_again_replaces_the_classroom_parts(window):
    from simulator.default_scene import make_default_trainer

    window.teacher.set_teacher_mode(True)
    note = window.annotations.add_note("kept")
    window._install_classroom()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # what was replaced is gone
    titles = [a.text() for a in window.menuBar().actions()]
    assert titles.count("&Teacher") == 1
    assert (
        len([d for d in window.findChildren(type(window.lesson_dock)) if d.objectName() == "lessonDock"]) == 1
    )
    assert window.teacher.mode_action.isChecked() and window.controller.teacher_mode
    assert window.annotations.notes == [note]
    if hasattr(window, "open_trainer"):  # a new scene: the window rebuilds its parts around a new controller
        window.open_trainer(make_default_trainer())
        window._install_classroom()
        assert window.controller.teacher_mode
        apply_locks(window, Locks(layers=("dense_1",)))
        window.teacher.set_teacher_mode(False)
        assert not window.controller.add_neuron("dense_1")
        assert any(isinstance(i, LockBadge) for i in window.canvas.graph_scene.items())
        assert [a.text() for a in window.menuBar().actions()].count("&Teacher") == 1


def test_students_cannot_drag_a_locked_layer_or_delete_layers_when_that_control_is_locked(window, qtbot):
    from PySide6.QtWidgets import QGraphicsItem

    scene, c = window.canvas.graph_scene, window.controller
    movable = QGraphicsItem.GraphicsItemFlag.ItemIsMovable
    apply_locks(window, Locks(layers=("dense_1",), controls=("remove_layer",)))
    assert not scene.layer_item("dense_1").flags() & movable
    assert scene.layer_item("dense_2").flags() & movable
    assert not window.delete_action.isEnabled()

    c.select("dense_2")
    window.canvas.setFocus()
    qtbot.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert "dense_2" in {n.id for n in c.network.nodes}
    assert "locked by the teacher" in window.statusBar().currentMessage()

    window.teacher.set_teacher_mode(True)
    assert scene.layer_item("dense_1").flags() & movable
    assert window.delete_action.isEnabled()
