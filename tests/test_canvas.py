"""The network canvas: what it draws (neurons, heatmaps, weight lines, blocks, legend) and how it is viewed.

The helpers here (``new_canvas``, ``at``, ``drop``) are shared by the other ``test_canvas_*`` modules.
"""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from engine import SGD, Dense, Input, Network, Trainer, data

pytestmark = pytest.mark.gui


def xor_trainer() -> Trainer:
    net = Network.sequential(Input(2), Dense(4, "tanh"), Dense(1, "tanh"))
    return Trainer(net.build(seed=0), data.playground("xor", n_points=100), optimizer=SGD(0.03))


def new_canvas(qtbot, trainer: Trainer | None = None):
    """A shown CanvasView on a fresh SceneController (the xor net by default), fitted to its network."""
    from simulator.canvas import CanvasView
    from simulator.controller import SceneController

    view = CanvasView(SceneController(trainer or xor_trainer()))
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    view.fit_to_view()
    return view


@pytest.fixture
def canvas(qtbot):
    return new_canvas(qtbot)


def at(view, scene_point: QPointF) -> QPoint:
    """Viewport pixel of a scene point."""
    return view.mapFromScene(scene_point)


def drop(view, mime, pos: QPointF) -> bool:
    """Drag ``mime`` into the canvas and drop it at ``pos`` (viewport pixels), as a real drag does."""
    buttons, mods, copy = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos.toPoint(), copy, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), enter)
    move = QDragMoveEvent(pos.toPoint(), copy, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), move)
    event = QDropEvent(pos, copy, mime, buttons, mods)
    QApplication.sendEvent(view.viewport(), event)
    return enter.isAccepted()


def test_weight_lines_are_coloured_by_sign_and_sized_by_magnitude(canvas):
    controller = canvas.controller
    controller.set_weight("dense_1.kernel", (0, 0), -0.8)
    controller.set_weight("dense_1.kernel", (0, 1), 0.8)
    controller.set_weight("dense_1.kernel", (1, 0), 3.0)
    canvas.refresh()
    weights = canvas.graph_scene.weights
    negative = weights.pen_for("dense_1.kernel", 0, 0)
    positive = weights.pen_for("dense_1.kernel", 0, 1)
    big = weights.pen_for("dense_1.kernel", 1, 0)
    orange, blue = negative.color(), positive.color()
    assert orange.red() > orange.blue() and blue.blue() > blue.red()
    assert negative.widthF() == pytest.approx(positive.widthF())
    assert big.widthF() > positive.widthF() + 2
    assert len({weights.bucket_of("dense_1.kernel", i, j) for i in range(2) for j in range(4)}) >= 2
    assert weights.n_lines == 12
    assert len({id(p) for p in weights.pens}) <= 20
    assert "weight dense_1→dense_2" in weights.describe(weights.index_of("dense_2.kernel", 3, 0))
    assert "[3, 0]" in weights.describe(weights.index_of("dense_2.kernel", 3, 0))


def test_hovering_a_weight_or_a_neuron_tells_its_value(canvas, qtbot):
    scene = canvas.graph_scene
    weights = scene.weights
    k = weights.index_of("dense_1.kernel", 1, 2)
    a, b = weights._a[k], weights._b[k]
    viewport = canvas.viewport()
    qtbot.mouseMove(viewport, at(canvas, QPointF(*(a + 0.2 * (b - a)))))
    qtbot.waitUntil(lambda: weights.toolTip().startswith("weight input→dense_1 ["), timeout=2000)
    g, i, j = weights.locate(weights._hover)
    assert f"= {float(weights.values[weights._hover]):.3g}".replace("-", "\u2212") in weights.toolTip()
    item = scene.layer_item("dense_2")
    qtbot.mouseMove(viewport, at(canvas, item.mapToScene(item.neuron_centre(0))))
    qtbot.waitUntil(lambda: item.toolTip().startswith("dense_2 neuron 0: output "), timeout=2000)
    assert "(mean over the current batch)" in item.toolTip()


def test_space_and_drag_pans_over_layers_too(canvas, qtbot):
    viewport = canvas.viewport()
    item = canvas.graph_scene.layer_item("dense_1")
    on_layer = at(canvas, item.mapToScene(item.card.center()))
    before = canvas.mapToScene(on_layer)
    position = canvas.controller.positions["dense_1"]
    canvas.setFocus()
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=on_layer)
    qtbot.mouseMove(viewport, on_layer + QPoint(50, 0))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=on_layer + QPoint(50, 0))
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert canvas.mapToScene(on_layer).x() < before.x() - 20
    assert canvas.controller.positions["dense_1"] == position


def test_a_space_tap_without_a_drag_reaches_the_windows_space_action(qtbot):
    from PySide6.QtGui import QAction, QKeySequence
    from PySide6.QtWidgets import QMainWindow

    from simulator.canvas import CanvasView
    from simulator.controller import SceneController

    window = QMainWindow()
    qtbot.addWidget(window)
    canvas = CanvasView(SceneController(xor_trainer()))
    window.setCentralWidget(canvas)
    play = QAction("Play", window)
    play.setShortcut(QKeySequence(Qt.Key.Key_Space))
    window.addAction(play)
    presses = []
    play.triggered.connect(lambda: presses.append(1))
    window.show()
    qtbot.waitExposed(window)
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_Space)
    assert presses == [1]
    viewport, start = canvas.viewport(), QPoint(40, 40)
    qtbot.keyPress(canvas, Qt.Key.Key_Space)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, start + QPoint(30, 10))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start + QPoint(30, 10))
    qtbot.keyRelease(canvas, Qt.Key.Key_Space)
    assert presses == [1]  # Space held for panning is not a press of Play


def test_a_wide_dense_layer_is_a_block_with_one_bundled_link(canvas):
    from simulator.canvas.layer_items import BlockLayerItem, NeuronLayerItem

    controller = canvas.controller
    assert controller.set_layer("dense_1", Dense(100, "relu"))
    scene = canvas.graph_scene
    assert isinstance(scene.layer_item("dense_1"), BlockLayerItem)
    assert isinstance(scene.layer_item("dense_2"), NeuronLayerItem)
    assert scene.link_item("dense_1", "dense_2").bundled
    assert scene.weights.n_lines == 0
    canvas.refresh()
    assert scene.layer_item("dense_1").values.shape == (100,)


def test_neurons_show_heatmaps_for_2d_data_and_enlarge_on_click(canvas, qtbot):
    from simulator.canvas.layer_items import NeuronLayerItem

    scene = canvas.graph_scene
    item = scene.layer_item("dense_1")
    assert isinstance(item, NeuronLayerItem) and item.has_heatmaps
    assert scene.atlas.image is not None and scene.atlas.n_tiles == 2 + 4 + 1
    centre = item.mapToScene(item.neuron_centre(2))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(canvas, centre))
    assert scene.popup is not None and (scene.popup.layer_id, scene.popup.unit) == ("dense_1", 2)
    assert scene.popup.image is not None and scene.popup.image.width() >= 32
    empty = canvas.mapToScene(QPoint(5, 5))
    qtbot.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton, pos=at(canvas, empty))
    assert scene.popup is None
    text = item.unit_text(3)
    assert text.startswith("dense_1 neuron 3: output ") and "(mean over the current batch)" in text


def test_iris_has_no_heatmaps_but_coloured_neurons(qtbot):
    iris = data.load_iris()
    net = Network.sequential(Input(4), Dense(6, "tanh"), Dense(3, "softmax"))
    view = new_canvas(qtbot, Trainer(net.build(seed=0), iris, loss="cross_entropy", optimizer=SGD(0.1)))
    scene = view.graph_scene
    assert scene.atlas.image is None and scene.activity.plane == {}
    item = scene.layer_item("dense_1")
    assert not item.has_heatmaps and item.values is not None and item.values.shape == (6,)
    assert "petal" in " ".join(scene.layer_item("input").info.labels)
    view.grab()


def test_refresh_updates_values_without_rebuilding_items(canvas):
    scene = canvas.graph_scene
    items = scene.layer_items()
    before = scene.weights.values.copy()
    canvas.controller.trainer.run(30)
    canvas.refresh()
    assert scene.layer_items() == items
    assert not np.array_equal(before, scene.weights.values)


def test_wheel_zooms_uniformly_around_the_cursor_and_f_fits(canvas, qtbot):
    from PySide6.QtCore import QPoint as P
    from PySide6.QtGui import QWheelEvent

    cursor = QPointF(300, 200)
    anchor = canvas.mapToScene(cursor.toPoint())
    zoom = canvas.zoom
    event = QWheelEvent(
        cursor,
        canvas.viewport().mapToGlobal(cursor),
        P(0, 0),
        P(0, 240),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(canvas.viewport(), event)
    t = canvas.transform()
    assert canvas.zoom > zoom and t.m11() == pytest.approx(t.m22())
    after = canvas.mapToScene(cursor.toPoint())
    assert abs(after.x() - anchor.x()) < 3 and abs(after.y() - anchor.y()) < 3
    canvas.setFocus()
    qtbot.keyClick(canvas, Qt.Key.Key_F)
    rect = canvas.graph_scene.network_rect()
    assert canvas.mapToScene(canvas.viewport().rect()).boundingRect().contains(rect)


def test_dragging_the_background_or_the_middle_button_pans(canvas, qtbot):
    viewport = canvas.viewport()
    empty = QPoint(viewport.width() - 20, 20)
    assert canvas.itemAt(empty) is None
    before = canvas.mapToScene(empty)
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=empty)
    qtbot.mouseMove(viewport, empty + QPoint(-60, 40))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=empty + QPoint(-60, 40))
    moved = canvas.mapToScene(empty)
    assert moved.x() - before.x() == pytest.approx(60 / canvas.zoom, abs=2)
    before = canvas.mapToScene(empty)
    qtbot.mousePress(viewport, Qt.MouseButton.MiddleButton, pos=empty)
    qtbot.mouseMove(viewport, empty + QPoint(-30, 0))
    qtbot.mouseRelease(viewport, Qt.MouseButton.MiddleButton, pos=empty + QPoint(-30, 0))
    assert canvas.mapToScene(empty).x() - before.x() == pytest.approx(30 / canvas.zoom, abs=2)


def test_output_is_marked_unfinished_layers_dimmed_and_phase_glows(canvas):
    from engine import Phase, PhaseEvent

    scene = canvas.graph_scene
    assert scene.layer_item("dense_2").info.is_output
    assert not scene.layer_item("dense_1").info.is_output
    assert scene.layer_item("dense_1").opacity() == 1.0
    event = PhaseEvent(step=0, epoch=0, phase=Phase.FORWARD, layer="dense_1", layer_index=1)
    canvas.show_phase(event)
    assert canvas.phase_event is event and scene.layer_item("dense_1").highlighted
    assert not scene.layer_item("dense_2").highlighted
    canvas.controller.add_neuron("dense_2")  # refused by the data (1 output): the glow stays
    assert scene.layer_item("dense_1").highlighted
    canvas.show_phase(None)
    assert not scene.layer_item("dense_1").highlighted


def test_new_data_of_the_same_width_rebuilds_labels_and_heatmaps(canvas):
    scene = canvas.graph_scene
    assert scene.atlas.n_tiles == 7
    csv_like = data.Dataset(
        "table",
        "classification",
        np.random.default_rng(0).normal(size=(20, 2)),
        np.random.default_rng(1).normal(size=(10, 2)),
        np.arange(20) % 2,
        np.arange(10) % 2,
        n_classes=2,
        feature_names=("height", "weight"),
    )
    assert canvas.controller.set_dataset(csv_like)
    canvas.refresh()
    assert scene.layer_item("input").info.labels == ("height", "weight")
    assert scene.atlas.n_tiles == 0 and not scene.layer_item("dense_1").has_heatmaps


def test_legend_shows_the_weight_range(canvas):
    legend = canvas.graph_scene.legend
    w = canvas.controller.trainer.model.params
    low = min(float(w["dense_1.kernel"].min()), float(w["dense_2.kernel"].min()))
    assert legend.low == pytest.approx(low)
    assert "weights now" in legend.range_text
    assert legend.toolTip()


def test_every_canvas_control_has_a_tooltip(canvas):
    scene = canvas.graph_scene
    assert canvas.toolTip() and canvas.editor.toolTip()
    for item in scene.layer_items().values():
        assert item.toolTip()
        for port in (item.in_port, item.out_port):
            assert port is None or port.toolTip()
        for button in item.buttons:
            assert button.toolTip()
    for link in scene.link_items():
        assert link.toolTip()


def test_default_scene_screenshot(qtbot):
    from simulator.default_scene import make_default_trainer

    trainer = make_default_trainer()
    trainer.run_epochs(20)
    view = new_canvas(qtbot, trainer)
    view.resize(1200, 760)
    view.fit_to_view()
    image = view.grab().toImage()
    assert image.width() == 1200
    scene = view.graph_scene
    assert scene.atlas.n_tiles == 4 + 3 * 8 + 1
    assert scene.weights.n_lines == 4 * 8 + 8 * 8 * 2 + 8
    # the output neuron's disc is painted with a heatmap, not a blank circle
    item = scene.layer_item("dense_4")
    centre = view.mapFromScene(item.mapToScene(item.neuron_centre(0)))
    colours = {image.pixelColor(centre + QPoint(dx, dy)).name() for dx in (-6, 0, 6) for dy in (-6, 0, 6)}
    assert len(colours) > 1 and QColor("white").name() not in colours or len(colours) > 2
