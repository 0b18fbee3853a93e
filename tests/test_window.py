"""The assembled window, driven as a student would: build, connect, edit, undo, step, rewind, add points."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QApplication

from engine import Add, Dense, Phase
from tests.conftest import READY_TIMEOUT_MS
from tests.test_canvas import at, drop

pytestmark = pytest.mark.gui


def weights(window) -> np.ndarray:
    return window.controller.trainer.model.flat.copy()


def test_opens_on_the_default_scene_with_every_panel(window):
    assert "spiral" in window.windowTitle()
    assert window.controller.trainable
    assert window.banner.isHidden()
    for widget in (
        window.canvas,
        window.caption,
        window.timeline,
        window.palette,
        window.data_panel,
        window.inspector,
        window.training_panel,
        window.decision_view,
        window.curves,
    ):
        assert widget is not None
    layer_items = window.canvas.graph_scene.layer_items()
    assert set(layer_items) == set(window.controller.trainer.model.layer_ids)
    assert window.transport.play_action.isEnabled()


def test_every_visible_control_has_a_tooltip(window):
    from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QSlider

    missing = []
    for kind in (QAbstractButton, QAbstractSpinBox, QComboBox, QSlider):
        for widget in window.findChildren(kind):
            if not widget.isVisible() or widget.toolTip() or widget.objectName().startswith("qt_"):
                continue  # Qt's own dock buttons carry accessible names instead
            action = widget.defaultAction() if hasattr(widget, "defaultAction") else None
            if action is not None and action.toolTip():
                continue
            parent = widget.parentWidget()
            if parent is not None and parent.toolTip():
                continue
            missing.append(f"{type(widget).__name__} {widget.objectName()!r}")
    assert not missing, missing


def test_drag_a_layer_from_the_palette_connect_edit_undo_and_redo(window, qtbot):
    c = window.controller
    canvas = window.canvas
    mime = window.palette.mime_data("Dense")
    assert drop(canvas, mime, QPointF(canvas.viewport().width() - 60, 40))
    new_id = next(n.id for n in c.network.nodes if n.id not in window.controller.trainer.model.layer_ids)
    assert new_id in c.draft.unfinished

    # connect the last hidden layer to the new layer by dragging between their ports
    x, y = c.positions["dense_3"]
    c.move_layers({new_id: (x + 40.0, y + 330.0)})
    qtbot.wait(50)  # the canvas follows the controller on the next turn of the event loop
    canvas.fit_to_view()
    scene = canvas.graph_scene
    start = at(canvas, scene.layer_item("dense_3").out_port.scenePos())
    end = at(canvas, scene.layer_item(new_id).in_port.scenePos())
    qtbot.mousePress(canvas.viewport(), Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(canvas.viewport(), pos=(start + end) / 2)
    qtbot.mouseMove(canvas.viewport(), pos=end)
    qtbot.mouseRelease(canvas.viewport(), Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: "dense_3" in c.network.node(new_id).inputs, timeout=2000)

    # edit it in the inspector, through the controller the inspector uses
    c.select(new_id)
    assert c.set_layer(new_id, Dense(5, "relu"))
    assert c.network.node(new_id).layer.units == 5
    assert scene.layer_item(new_id) is not None

    depth = c.undo_stack.index()
    window.undo_action.trigger()
    assert c.network.node(new_id).layer.units != 5
    window.redo_action.trigger()
    assert c.network.node(new_id).layer.units == 5
    assert c.undo_stack.index() == depth


def test_an_invalid_connection_shows_a_message_and_changes_nothing(window, qtbot):
    c = window.controller
    add = c.add_layer(Add(), (0.0, 300.0))
    assert c.connect_layers("dense_1", add)
    network, weights_before = c.network, weights(window)
    assert not c.connect_layers("input", add)  # 4 features cannot be added to 8 units
    qtbot.wait(50)
    assert c.network is network
    assert np.array_equal(weights(window), weights_before)
    assert "equal size" in window.statusBar().currentMessage()
    assert any("equal size" in b.text for b in window.canvas.graph_scene.balloons)


def test_step_phase_walks_forward_loss_backward_update_with_highlight_and_caption(window, qtbot):
    events = []
    window.runner.phase.connect(lambda e: events.append(e) if e is not None else None)
    order = window.controller.trainer.model.layer_ids
    before = weights(window)
    n_phases = len(order) + 1 + (len(order) - 1) + 1
    for _ in range(n_phases):
        window.transport.step_phase_action.trigger()
        event = events[-1]
        if event.layer is not None:
            assert window.canvas.phase_event is event
        assert window.caption.event is event
        assert window.caption.text.text()
    kinds = [e.phase for e in events]
    assert kinds == [Phase.FORWARD] * len(order) + [Phase.LOSS] + [Phase.BACKWARD] * (len(order) - 1) + [
        Phase.UPDATE
    ]
    assert [e.layer for e in events[: len(order)]] == order
    assert [e.layer for e in events[len(order) + 1 : -1]] == order[:0:-1]
    assert "Update" in window.caption.tag.text() or "update" in window.caption.text.text().lower()
    assert not np.array_equal(weights(window), before)
    assert window.controller.trainer.step_count == 1


def test_play_then_pause_changes_the_weights(window, qtbot):
    before = weights(window)
    window.transport.play_action.trigger()
    qtbot.wait(400)
    window.transport.play_action.trigger()
    assert not window.runner.is_playing
    assert window.controller.trainer.step_count > 0
    assert not np.array_equal(weights(window), before)


def test_the_timeline_rewinds_and_replays_to_identical_weights(window, qtbot):
    runner = window.runner
    for _ in range(60):
        runner.step()
    at_30 = None
    trainer = window.controller.trainer
    window.timeline.go_to(30)
    assert trainer.step_count == 30
    at_30 = weights(window)
    for _ in range(30):
        runner.step()
    at_60 = weights(window)
    window.timeline.go_to(30)
    assert np.array_equal(weights(window), at_30)
    for _ in range(30):
        runner.step()
    assert np.array_equal(weights(window), at_60)
    window.transport.step_back_action.trigger()
    assert trainer.step_count == 59


def test_clicking_on_the_output_adds_a_training_point(window, qtbot):
    from simulator.views.point_editor import data_to_pixel

    c = window.controller
    n_before = c.dataset.n_train
    window.point_editor.set_mode("add")
    window.point_editor.set_label(0)
    pos = data_to_pixel(window.decision_view, 1.5, -2.0).toPoint()
    qtbot.mouseClick(window.decision_view, Qt.MouseButton.LeftButton, pos=pos)
    QApplication.processEvents()
    assert c.dataset.n_train == n_before + 1
    assert c.dataset.t_train[-1] == 0
    np.testing.assert_allclose(c.dataset.points_train[-1], (1.5, -2.0), atol=0.1)
    window.point_editor.set_mode("off")


def test_a_diverging_learning_rate_is_reported_and_the_weights_stay_finite(qtbot):
    from engine import SGD, Input, Network, Trainer, data
    from simulator.main_window import MainWindow

    net = Network.sequential(Input(2), Dense(8, "relu"), Dense(1))
    trainer = Trainer(net.build(seed=0), data.playground("plane", n_points=200), optimizer=SGD(1e4))
    w = MainWindow(trainer)
    qtbot.addWidget(w)
    w.show()
    if not w.ready:
        with qtbot.waitSignal(w.engine_ready, timeout=READY_TIMEOUT_MS):
            pass
    w.transport.play_action.trigger()
    qtbot.waitUntil(lambda: "diverged" in w.statusBar().currentMessage(), timeout=10000)
    qtbot.waitUntil(lambda: not w.runner.is_playing, timeout=5000)
    assert np.all(np.isfinite(w.controller.trainer.model.flat))
    w.close()


def test_window_takes_a_table_dataset_without_a_plane(qtbot):
    from engine import SGD, Input, Network, Trainer, data
    from simulator.main_window import MainWindow

    net = Network.sequential(Input(4), Dense(5, "tanh"), Dense(3, "softmax"))
    trainer = Trainer(net.build(seed=1), data.load_iris(), loss="cross_entropy", optimizer=SGD(0.1))
    w = MainWindow(trainer)
    qtbot.addWidget(w)
    w.show()
    if not w.ready:
        with qtbot.waitSignal(w.engine_ready, timeout=READY_TIMEOUT_MS):
            pass
    assert not w.output_dock.isVisible()
    w.runner.step()
    assert w.controller.trainer.step_count == 1
    w.close()
