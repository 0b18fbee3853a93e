"""Editing on the canvas: drops from the palette, drag-to-connect, refusals shown at the place, deletes,
quick buttons, typed weights and moves — every edit through the controller, undoable."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt

from engine import Add, Dense
from tests.test_canvas import at, drop, new_canvas

pytestmark = pytest.mark.gui


@pytest.fixture
def canvas(qtbot):
    return new_canvas(qtbot)


def test_dropping_a_palette_entry_adds_that_layer_where_it_lands(canvas, qtbot):
    from simulator.panels.palette import LayerPalette

    palette = LayerPalette()
    qtbot.addWidget(palette)
    mime = palette.mime_data("Dense")
    drop_at = QPointF(canvas.viewport().width() - 80, 60)
    assert drop(canvas, mime, drop_at)
    controller = canvas.controller
    new = [n for n in controller.network.nodes if n.id not in ("input", "dense_1", "dense_2")]
    assert len(new) == 1 and isinstance(new[0].layer, Dense)
    new_id = new[0].id
    item = canvas.graph_scene.layer_item(new_id)
    assert item is not None and item.opacity() < 1  # not connected yet: dimmed
    assert "not connected" in item.toolTip()
    expected = canvas.mapToScene(drop_at.toPoint())
    x, y = controller.positions[new_id]
    assert abs(x - expected.x()) <= 1 and abs(y - expected.y()) <= 1
    assert controller.selected == new_id


def test_a_drop_of_something_else_is_ignored(canvas):

    mime = QMimeData()
    mime.setText("Dense")
    before = canvas.controller.network
    assert not drop(canvas, mime, QPointF(50, 50))
    assert canvas.controller.network is before


def test_dragging_from_an_output_port_to_an_input_port_connects(canvas, qtbot):
    controller = canvas.controller
    new_id = controller.add_layer(Dense(3, "tanh"), (200.0, 260.0))
    canvas.fit_to_view()
    scene = canvas.graph_scene
    source = scene.layer_item("dense_1").out_port
    target = scene.layer_item(new_id).in_port
    start, end = at(canvas, source.scenePos()), at(canvas, target.scenePos())
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    middle = (start + end) / 2
    qtbot.mouseMove(viewport, middle)
    qtbot.mouseMove(viewport, end)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: controller.network.node(new_id).inputs == ("dense_1",), timeout=2000)
    assert scene.link_item("dense_1", new_id) is not None
    assert new_id not in controller.draft.unfinished or "output" in controller.draft.unfinished[new_id]


def test_an_impossible_connection_shows_the_engines_reason_and_changes_nothing(canvas, qtbot):
    controller = canvas.controller
    add = controller.add_layer(Add(), (300.0, 200.0))
    assert controller.connect_layers("dense_1", add)
    network, depth = controller.network, controller.undo_stack.count()
    scene = canvas.graph_scene
    port = scene.layer_item("input").out_port
    scene.begin_connect(port, port.scenePos())
    scene.end_connect(scene.layer_item(add).in_port.scenePos())
    qtbot.waitUntil(lambda: len(scene.balloons) == 1, timeout=2000)
    balloon = scene.balloons[0]
    assert "equal size" in balloon.text and add in balloon.title
    item = scene.layer_item(add)
    card = item.mapRectToScene(item.card)
    x = balloon.scenePos().x()
    assert abs(x - card.right()) < 20 or abs(x - card.left()) < 20  # beside the layer the engine named
    assert controller.network is network and controller.undo_stack.count() == depth
    assert scene.layer_item(add) is item  # nothing was rebuilt
    balloon.dismiss()
    assert scene.balloons == []


def test_a_link_dragged_from_an_input_port_back_to_an_output_port_connects_too(canvas, qtbot):
    controller = canvas.controller
    new_id = controller.add_layer(Dense(2, "tanh"), (150.0, 300.0))
    scene = canvas.graph_scene
    port = scene.layer_item(new_id).in_port
    scene.begin_connect(port, port.scenePos())
    scene.drag_connect(scene.layer_item("input").out_port.scenePos())
    scene.end_connect(scene.layer_item("input").out_port.scenePos())
    qtbot.waitUntil(lambda: controller.network.node(new_id).inputs == ("input",), timeout=2000)
    depth = controller.undo_stack.count()
    port = scene.layer_item(new_id).out_port
    scene.begin_connect(port, port.scenePos())
    scene.end_connect(canvas.mapToScene(QPoint(3, 3)))  # dropped on nothing: nothing happens
    qtbot.wait(20)
    assert controller.undo_stack.count() == depth and scene.balloons == []


def test_a_balloon_fades_away_by_itself(canvas, qtbot):
    from simulator.canvas.balloon import BalloonItem

    scene = canvas.graph_scene
    balloon = BalloonItem("Not possible", "a reason", QPointF(0, 0), show_ms=10)
    scene.addItem(balloon)
    scene.balloons.append(balloon)
    qtbot.waitUntil(lambda: balloon.scene() is None, timeout=3000)
    assert scene.balloons == []


def test_deleting_two_layers_is_one_undo_step(canvas, qtbot):
    controller = canvas.controller
    a = controller.add_layer(Dense(2), (100.0, 300.0))
    b = controller.add_layer(Dense(2), (300.0, 300.0))
    depth = controller.undo_stack.count()
    for layer_id in (a, b):
        canvas.graph_scene.layer_item(layer_id).setSelected(True)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert {a, b}.isdisjoint(n.id for n in controller.network.nodes)
    assert controller.undo_stack.count() == depth + 1
    controller.undo_stack.undo()
    assert canvas.graph_scene.layer_item(a) is not None and canvas.graph_scene.layer_item(b) is not None


def test_delete_removes_the_selected_layer_and_undo_brings_it_back(canvas, qtbot):
    controller = canvas.controller
    scene = canvas.graph_scene
    scene.layer_item("dense_1").setSelected(True)
    assert controller.selected == "dense_1"
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert "dense_1" not in {n.id for n in controller.network.nodes}
    assert scene.layer_item("dense_1") is None
    assert scene.link_item("input", "dense_1") is None
    controller.undo_stack.undo()
    assert scene.layer_item("dense_1") is not None
    assert scene.link_item("input", "dense_1") is not None
    assert scene.weights.n_lines == 2 * 4 + 4 * 1


def test_backspace_removes_a_selected_link(canvas, qtbot):
    controller = canvas.controller
    side = controller.add_layer(Dense(2, "tanh"), (200.0, 250.0), inputs=("dense_1",))
    link = canvas.graph_scene.link_item("dense_1", side)
    assert link is not None and not link.under_weights  # no weights yet: the curve itself is drawn
    assert canvas.graph_scene.link_item("input", "dense_1").under_weights
    link.setSelected(True)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Backspace)
    assert controller.network.node(side).inputs == ()
    assert canvas.graph_scene.link_item("dense_1", side) is None


def test_removing_a_link_the_engine_refuses_says_why(canvas, qtbot):
    controller = canvas.controller
    network = controller.network
    canvas.graph_scene.link_item("dense_1", "dense_2").setSelected(True)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    balloons = canvas.graph_scene.balloons
    if controller.network is network:  # refused: the reason is shown, nothing changed
        assert len(balloons) == 1 and balloons[0].text
    else:
        assert controller.network.node("dense_2").inputs == ()


def test_deleting_the_input_is_refused_with_a_balloon(canvas, qtbot):
    scene = canvas.graph_scene
    scene.layer_item("input").setSelected(True)
    qtbot.keyClick(canvas, Qt.Key.Key_Delete)
    assert "input" in {n.id for n in canvas.controller.network.nodes}
    assert len(scene.balloons) == 1 and "cannot be deleted" in scene.balloons[0].text


def click_button(qtbot, canvas, layer_id: str, kind: str) -> None:
    item = canvas.graph_scene.layer_item(layer_id)
    item.setSelected(True)
    button = item.button(kind)
    assert button.isVisible() and button.toolTip()
    centre = button.mapToScene(button.boundingRect().center())
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(canvas, centre))


def test_quick_buttons_add_and_remove_neurons_and_insert_a_layer(canvas, qtbot):
    controller = canvas.controller

    def units() -> int:
        return controller.network.node("dense_1").layer.units

    click_button(qtbot, canvas, "dense_1", "add_neuron")
    qtbot.waitUntil(lambda: units() == 5, timeout=2000)
    assert canvas.graph_scene.layer_item("dense_1").n == 5
    assert controller.trainer.model.params["dense_1.kernel"].shape == (2, 5)
    click_button(qtbot, canvas, "dense_1", "remove_neuron")
    qtbot.waitUntil(lambda: units() == 4, timeout=2000)
    click_button(qtbot, canvas, "dense_1", "insert_layer")
    qtbot.waitUntil(lambda: len(controller.network.nodes) == 4, timeout=2000)
    new = controller.network.node("dense_2").inputs
    inserted = controller.network.nodes[2]
    assert inserted.inputs == ("dense_1",) and inserted.layer.units == 4
    assert inserted.layer.activation == "tanh"
    assert controller.network.node("dense_2").inputs == (inserted.id,) and new == (inserted.id,)


def test_clicking_a_weight_and_typing_a_value_sets_it(canvas, qtbot):
    weights = canvas.graph_scene.weights
    k = weights.index_of("dense_2.kernel", 2, 0)
    a, b = weights._a[k], weights._b[k]
    point = QPointF(*(a + 0.8 * (b - a)))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(canvas, point))
    editor = canvas.editor
    assert editor.isVisible() and editor.key.endswith(".kernel")
    key, index = editor.key, editor.index
    editor.selectAll()
    qtbot.keyClicks(editor, "-0.75")
    qtbot.keyClick(editor, Qt.Key.Key_Return)
    assert not editor.isVisible()
    assert canvas.controller.trainer.model.params[key][index] == np.float32(-0.75)
    canvas.refresh()
    assert weights.values[weights.index_of(key, *index)] == pytest.approx(-0.75)


def test_typed_numbers_may_use_a_true_minus_or_a_comma():
    from simulator.canvas.weight_editor import parse_number

    assert parse_number("\u22120.75") == -0.75
    assert parse_number(" 0,5 ") == 0.5
    assert parse_number("1e-3") == 0.001
    assert parse_number("abc") is None


def test_dragging_a_layer_moves_it_in_one_undo_step_and_keeps_trained_weights(canvas, qtbot):
    controller = canvas.controller
    controller.add_layer(Dense(2), (400.0, 300.0))  # so the model was rebuilt once by an edit
    controller.trainer.run(20)
    trained = controller.trainer.model.flat.copy()
    item = canvas.graph_scene.layer_item("dense_2")
    start = at(canvas, item.mapToScene(item.card.center() + QPointF(0, -4)))
    old = controller.positions["dense_2"]
    depth = controller.undo_stack.count()
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for step in range(1, 6):
        qtbot.mouseMove(viewport, start + QPoint(8 * step, 6 * step))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(40, 30))
    x, y = controller.positions["dense_2"]
    assert (x, y) != old and x > old[0] and y > old[1]
    assert controller.undo_stack.count() == depth + 1
    np.testing.assert_array_equal(controller.trainer.model.flat, trained)
    controller.undo_stack.undo()
    assert item.pos() == QPointF(*old)


def test_canvas_follows_undo_and_auto_layout(canvas):
    controller = canvas.controller
    controller.move_layers({"dense_1": (10.0, 400.0)})
    assert canvas.graph_scene.layer_item("dense_1").pos() == QPointF(10.0, 400.0)
    canvas.auto_layout()
    x, y = controller.positions["dense_1"]
    assert canvas.graph_scene.layer_item("dense_1").pos() == QPointF(x, y)
    assert y == 0.0
