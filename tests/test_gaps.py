"""Locks on training settings and layouts, data set lesson steps, undoable notes, and hover formulas."""

from __future__ import annotations

import pytest

from engine.phases import Phase
from simulator.controller import SceneController
from simulator.default_scene import make_default_trainer
from simulator.formulas import num
from simulator.panels.training_panel import TrainingPanel

pytestmark = pytest.mark.gui


# ------------------------------------------------------------------------- 1. training settings locks
def test_locked_training_settings_are_disabled_and_refused(qtbot):
    controller = SceneController(make_default_trainer())
    panel = TrainingPanel(controller)
    qtbot.addWidget(panel)
    controller.locked_params = {"training.batch_size", "training.learning_rate", "training.optimizer"}
    panel.apply_locks()
    assert not panel.batch_size.isEnabled()
    assert not panel.learning_rate.isEnabled()
    assert not panel.optimizer.isEnabled()
    assert panel.loss.isEnabled() and panel.regularization.isEnabled()
    assert "Locked by the teacher" in panel.batch_size.toolTip()
    assert "training.batch_size" in panel.batch_size.toolTip()

    old = controller.trainer.settings.batch_size
    with qtbot.waitSignal(panel.refused) as blocker:
        panel.batch_size.setValue(old + 7)  # a programmatic change through the panel
    assert "locked by the teacher" in blocker.args[1]
    assert controller.trainer.settings.batch_size == old
    assert panel.batch_size.value() == old
    assert "locked by the teacher" in panel.errors["batch_size"].text()

    assert not panel._configure("learning_rate", learning_rate=0.5)
    assert controller.trainer.settings.optimizer.learning_rate != 0.5

    controller.teacher_mode = True  # the teacher is not held by the locks
    panel.apply_locks()
    assert panel.batch_size.isEnabled()
    assert "Locked" not in panel.batch_size.toolTip()
    panel.batch_size.setValue(old + 7)
    assert controller.trainer.settings.batch_size == old + 7


def test_window_applies_training_locks_and_teacher_mode(window):
    from engine.scene import Locks
    from simulator.teacher import apply_locks

    apply_locks(window, Locks((), ("training.loss", "training.regularization"), ()))
    panel = window.training_panel
    assert not panel.loss.isEnabled()
    assert not panel.regularization.isEnabled() and not panel.regularization_rate.isEnabled()
    assert panel.batch_size.isEnabled()
    window.teacher.set_teacher_mode(True)
    assert panel.loss.isEnabled() and panel.regularization.isEnabled()
    window.teacher.set_teacher_mode(False)
    assert not panel.loss.isEnabled()


# ------------------------------------------------------------------------- 2. locked layers stay put
def test_locked_layer_cannot_be_moved_or_arranged(qtbot):
    controller = SceneController(make_default_trainer())
    controller.locked_layers = {"dense_1"}
    before = controller.positions["dense_1"]
    refusals = []
    controller.edit_refused.connect(lambda layer, why: refusals.append((layer, why)))
    assert controller.move_layers({"dense_1": (999.0, 999.0)}) is False
    assert controller.positions["dense_1"] == before
    assert refusals and refusals[-1][0] == "dense_1" and "locked by the teacher" in refusals[-1][1]
    assert controller.undo_stack.count() == 0

    controller.move_layers({"dense_2": (555.0, 444.0)})
    controller.move_layers({"dense_1": (-300.0, 700.0)})
    controller.auto_layout()
    assert controller.positions["dense_1"] == before  # skipped by the layout
    assert controller.positions["dense_2"] != (555.0, 444.0)  # the others are arranged

    controller.teacher_mode = True
    assert controller.move_layers({"dense_1": (1.0, 2.0)})
    assert controller.positions["dense_1"] == (1.0, 2.0)


# ------------------------------------------------------------------------- 3. data set lesson steps
def test_lesson_step_sets_dataset_noise_and_features(window):
    panel = window.lesson_panel
    assert panel.perform({"type": "set_param", "param": "dataset.noise", "value": 0.25})
    assert window.data_panel.choice.noise == 25
    assert "noise 0.25" in window.controller.dataset.source
    assert "not supported" not in panel.message.text()
    window.controller.undo_stack.undo()
    assert window.data_panel.choice.noise == 0

    assert panel.perform({"type": "set_param", "param": "dataset.features", "value": ["x1", "x2"]})
    assert tuple(window.controller.dataset.features) == ("x1", "x2")
    sizes = [n.layer.size for n in window.controller.network.nodes if type(n.layer).__name__ == "Input"]
    assert sizes == [2]  # the Input layer follows the features
    assert not panel.perform({"type": "set_param", "param": "dataset.points", "value": 1})


def test_lesson_dataset_step_without_a_data_panel(qtbot):
    from simulator.panels.lesson import LessonPanel
    from simulator.runner import TrainingRunner

    controller = SceneController(make_default_trainer())
    runner = TrainingRunner(controller.trainer)
    panel = LessonPanel(controller, runner)
    qtbot.addWidget(panel)
    assert panel.perform({"type": "set_param", "param": "dataset.seed", "value": 7})
    assert "seed 7" in controller.dataset.source
    runner.shutdown()


# ------------------------------------------------------------------------- 4. notes: dirty and undo
def test_notes_and_arrows_are_unsaved_changes_and_undoable(window):
    files, stack, ann = window.files, window.controller.undo_stack, window.annotations
    files.mark_saved()
    assert not files.is_modified() and not window.windowTitle().endswith("*")

    note = ann.add_note("hello", (10.0, 20.0))
    assert note in ann.notes and note.scene() is window.canvas.graph_scene
    assert files.is_modified() and window.windowTitle().endswith("*")
    stack.undo()
    assert note not in ann.notes and note.scene() is None
    assert not files.is_modified() and not window.windowTitle().endswith("*")
    stack.redo()
    assert note in ann.notes and note.scene() is window.canvas.graph_scene

    files.mark_saved()
    note.text_item.setPlainText("edited")  # typing in the note
    assert files.is_modified() and window.windowTitle().endswith("*")

    files.mark_saved()
    arrow = ann.add_arrow((0.0, 0.0), (50.0, 50.0))
    files.mark_saved()
    arrow.setSelected(True)
    note.setSelected(False)
    assert ann.delete_selected()
    assert arrow not in ann.arrows and files.is_modified()
    stack.undo()
    assert arrow in ann.arrows and arrow.scene() is window.canvas.graph_scene
    assert not files.is_modified()

    files.mark_saved()
    note.set_color("#d7f5c8")
    assert files.is_modified()


def test_dragging_a_note_is_an_unsaved_change(window, qtbot):
    from PySide6.QtCore import QPoint, Qt

    files, view = window.files, window.canvas
    note = window.annotations.add_note("drag me", (0.0, 0.0))
    files.mark_saved()
    centre = view.mapFromScene(note.mapToScene(note.boundingRect().center()))
    qtbot.mousePress(view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
    for step in range(1, 6):
        qtbot.mouseMove(view.viewport(), centre + QPoint(8 * step, 6 * step))
    qtbot.mouseRelease(view.viewport(), Qt.MouseButton.LeftButton, pos=centre + QPoint(40, 30))
    assert note.pos().x() != 0.0
    assert files.is_modified() and window.windowTitle().endswith("*")


def test_scene_notes_put_in_place_are_not_changes(window):
    from engine.scene import Note
    from simulator.canvas.annotations import put_annotations

    window.files.mark_saved()
    count = window.controller.undo_stack.count()
    put_annotations(window.canvas.graph_scene, (Note("from the file", (0.0, 0.0)),), ())
    assert window.controller.undo_stack.count() == count
    assert not window.files.is_modified()


# ------------------------------------------------------------------------- 5. hover formulas
def _walk_to(runner, phase):
    for _ in range(200):
        event = runner.step_phase()
        if event is not None and event.phase is phase:
            return event
    raise AssertionError(f"no {phase} phase")


def test_weight_tooltip_shows_the_update_formula(window):
    runner, scene = window.runner, window.canvas.graph_scene
    weights = scene.weights
    k = weights.index_of("dense_2.kernel", 3, 0)
    assert "Δ" not in weights.hover_text(k)  # no phase shown: value only

    event = _walk_to(runner, Phase.UPDATE)
    assert window.canvas.phase_event is event
    text = weights.hover_text(k)
    assert "Δw" in text
    assert num(float(event.deltas["dense_2.kernel"][3, 0]), signed=True) in text
    assert "Click to type a new value." in text


def test_tooltips_follow_the_phase(window):
    runner, scene = window.runner, window.canvas.graph_scene
    event = _walk_to(runner, Phase.FORWARD)
    while event.layer != "dense_1":
        event = runner.step_phase()
    assert event.phase is Phase.FORWARD
    text = scene.layer_item("dense_1").unit_text(0)
    assert "a = tanh(Σ" in text  # a = f(Σ w x + b) with numbers

    _walk_to(runner, Phase.BACKWARD)
    k = scene.weights.index_of("dense_2.kernel", 0, 0)
    while runner.trace.backward("dense_2") is None:
        runner.step_phase()
    assert "∂L/∂w" in scene.weights.hover_text(k)

    window.canvas.show_phase(None)
    assert "∂L" not in scene.weights.hover_text(k)


def test_the_inspector_shows_a_locked_parameter_as_locked(qtbot):
    from simulator.panels.inspector import InspectorPanel

    controller = SceneController(make_default_trainer())
    panel = InspectorPanel(controller)
    qtbot.addWidget(panel)
    controller.locked_params.add("dense_1.units")
    controller.select("dense_1")
    editor = panel.editors[type(controller.network.node("dense_1").layer)]
    units, _ = editor.fields["units"]
    assert not units.isEnabled() and "Locked by the teacher" in units.toolTip()
    controller.teacher_mode = True
    panel.refresh()
    assert units.isEnabled()
