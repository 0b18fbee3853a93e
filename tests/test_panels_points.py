"""Clicking on the output view adds training points of the chosen class; erasing removes them; undo works."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt

pytestmark = pytest.mark.gui


@pytest.fixture
def scene(qtbot):
    from simulator.controller import SceneController
    from simulator.default_scene import make_default_trainer
    from simulator.panels.data_panel import DataPanel
    from simulator.views.decision_view import DecisionView
    from simulator.views.point_editor import PointEditor

    controller = SceneController(make_default_trainer())
    view = DecisionView()
    qtbot.addWidget(view)
    view.resize(420, 420)
    view.show()
    editor = PointEditor(view, controller)
    panel = DataPanel(controller, editor)
    qtbot.addWidget(panel)
    return controller, view, editor, panel


def pixel(view, x1, x2) -> QPoint:
    from simulator.views.point_editor import data_to_pixel

    return data_to_pixel(view, x1, x2).toPoint()


def test_pixels_and_data_coordinates_round_trip(scene):
    from simulator.views.point_editor import data_to_pixel, pixel_to_data

    _, view, _, _ = scene
    rect = view.plot_rect()
    assert pixel_to_data(view, rect.topLeft()) == pytest.approx((-6.0, 6.0))
    assert pixel_to_data(view, rect.center()) == pytest.approx((0.0, 0.0))
    assert pixel_to_data(view, QPointF(rect.left() - 3, rect.top())) is None
    assert pixel_to_data(view, data_to_pixel(view, 2.5, -1.0)) == pytest.approx((2.5, -1.0))


def test_a_click_adds_a_training_point_of_the_chosen_class(scene, qtbot):
    controller, view, editor, panel = scene
    n = controller.dataset.n_train
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pixel(view, 1.0, 2.0))
    assert controller.dataset.n_train == n  # off by default: clicks do nothing
    panel.point_tools.choose("class:1")
    assert editor.mode == "add"
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pixel(view, 1.0, 2.0))
    ds = controller.dataset
    assert ds.n_train == n + 1
    assert ds.t_train[-1] == 1
    step = 12 / view.plot_rect().width()
    assert ds.points_train[-1] == pytest.approx((1.0, 2.0), abs=step)
    assert ds.x_train.shape == (n + 1, 4)  # features computed for the new point too
    panel.point_tools.choose("class:0")
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pixel(view, -3.0, 0.5))
    assert controller.dataset.n_train == n + 2 and controller.dataset.t_train[-1] == 0
    assert controller.trainer.run(5) == 5


def test_undo_takes_a_point_back(scene, qtbot):
    controller, view, _, panel = scene
    before = controller.dataset
    panel.point_tools.choose("class:1")
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pixel(view, 4.0, 4.0))
    assert controller.undo_stack.undoText() == "Add a point"
    controller.undo_stack.undo()
    assert controller.dataset is before
    assert panel.choice.source == "spiral"


def test_erase_removes_the_points_under_the_brush(scene, qtbot):
    controller, view, editor, panel = scene
    ds = controller.dataset
    x, y = ds.points_train[0]
    total = ds.n_train + ds.n_test
    depth = controller.undo_stack.count()
    panel.point_tools.choose("erase")
    assert editor.mode == "erase"
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pixel(view, x, y))
    after = controller.dataset
    assert after.n_train + after.n_test < total
    centre = np.array([x, y])
    for pts in (after.points_train, after.points_test):
        assert np.all(np.hypot(*(pts - centre).T) > editor.radius - 12 / view.plot_rect().width())
    assert controller.undo_stack.count() == depth + 1
    controller.undo_stack.undo()
    assert controller.dataset is ds


def test_dragging_the_eraser_is_one_undo_step(scene, qtbot):
    controller, view, editor, panel = scene
    ds = controller.dataset
    panel.point_tools.choose("erase")
    depth = controller.undo_stack.count()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=pixel(view, -4.0, 0.0))
    for x in np.linspace(-4.0, 4.0, 9):
        qtbot.mouseMove(view, pixel(view, float(x), 0.0))
        view.grab()  # let the brush paint
    qtbot.mouseRelease(view, Qt.MouseButton.LeftButton, pos=pixel(view, 4.0, 0.0))
    assert controller.dataset.n_train + controller.dataset.n_test < ds.n_train + ds.n_test
    assert controller.undo_stack.count() == depth + 1
    controller.undo_stack.undo()
    assert controller.dataset is ds


def test_regression_points_take_the_chosen_value(scene, qtbot):
    controller, view, editor, panel = scene
    panel.source.setCurrentIndex(panel.source.findData("plane"))
    assert controller.dataset.task == "regression"
    panel.point_tools.value.setValue(-0.3)
    panel.point_tools.choose("value")
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pixel(view, 0.0, 0.0))
    assert controller.dataset.t_train[-1, 0] == pytest.approx(-0.3)


def test_tables_take_no_clicks(scene, qtbot):
    controller, view, editor, panel = scene
    panel.source.setCurrentIndex(panel.source.findData("iris"))
    panel.apply_fix()
    assert controller.dataset.name == "iris"
    assert not panel.point_tools.isEnabled()
    assert editor.mode == "off"


def test_changing_features_keeps_clicked_points(scene, qtbot):
    controller, view, _, panel = scene
    panel.point_tools.choose("class:0")
    qtbot.mouseClick(view, Qt.MouseButton.LeftButton, pos=pixel(view, 5.0, -5.0))
    n = controller.dataset.n_train
    panel.feature_boxes["x1*x2"].setChecked(True)
    ds = controller.dataset
    assert ds.n_train == n and "x1*x2" in ds.feature_names
    assert controller.network.node("input").layer.size == 5
    assert ds.x_train[-1, ds.feature_names.index("x1*x2")] == pytest.approx(
        ds.points_train[-1, 0] * ds.points_train[-1, 1]
    )
