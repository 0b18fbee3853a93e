"""The main window on its default scene: transport controls, views, and errors shown rather than raised."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt

pytestmark = pytest.mark.gui

READY_TIMEOUT_MS = 180_000  # the first run after install compiles the engine's kernels


@pytest.fixture
def window(qtbot):
    from simulator.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    if not w.ready:
        with qtbot.waitSignal(w.engine_ready, timeout=READY_TIMEOUT_MS):
            pass
    yield w
    w.runner.pause()


def click(qtbot, window, action):
    qtbot.mouseClick(window.toolbar.widgetForAction(action), Qt.MouseButton.LeftButton)


def test_opens_on_the_default_scene(window):
    trainer = window.trainer
    assert trainer.data.name == "spiral"
    assert trainer.data.feature_names == ("x1", "x2", "sin(x1)", "sin(x2)")
    assert trainer.data.n_train == 250 and trainer.data.n_test == 250
    assert trainer.model.params["dense_1.kernel"].shape == (4, 8)
    assert trainer.model.params["dense_4.kernel"].shape == (8, 1)
    assert trainer.learning_rate == pytest.approx(0.03)
    assert trainer.step_count == 0
    assert window.step_label.text() == "Step 0"
    assert window.lr_box.value() == pytest.approx(0.03)
    assert window.banner.isHidden()
    assert all(a.isEnabled() for a in (window.step_action, window.play_action, window.reset_action))
    assert "Test accuracy" in window.accuracy_label.text()


def test_every_control_has_a_tooltip(window):
    for action in (window.reset_action, window.step_action, window.play_action):
        assert window.toolbar.widgetForAction(action).toolTip()
    for widget in (
        window.lr_box,
        window.step_label,
        window.epoch_label,
        window.accuracy_label,
        window.loss_label,
        window.test_check,
        window.loss_view.log_check,
        window.decision_view,
    ):
        assert widget.toolTip(), widget


def test_step_trains_one_mini_batch(window, qtbot):
    before = window.trainer.model.flat.copy()
    click(qtbot, window, window.step_action)
    assert window.trainer.step_count == 1
    assert window.step_label.text() == "Step 1"
    assert not np.array_equal(window.trainer.model.flat, before)


def test_play_then_pause_trains(window, qtbot):
    before = window.trainer.model.flat.copy()
    click(qtbot, window, window.play_action)
    assert window.runner.is_playing
    assert window.play_action.text().replace("&", "") == "Pause"
    qtbot.wait(300)
    click(qtbot, window, window.play_action)
    assert not window.runner.is_playing
    steps = window.trainer.step_count
    assert steps > 1
    assert window.step_label.text() == f"Step {steps:,}"
    assert not np.array_equal(window.trainer.model.flat, before)
    assert len(window.trainer.history) == window.trainer.epoch
    qtbot.wait(50)
    assert window.trainer.step_count == steps  # paused means paused


def test_space_plays_and_pauses(window, qtbot):
    window.decision_view.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert window.runner.is_playing
    qtbot.wait(50)
    qtbot.keyClick(window, Qt.Key.Key_Space)
    assert not window.runner.is_playing
    assert window.trainer.step_count > 0


def test_reset_restores_the_initial_weights(window, qtbot):
    initial = window.trainer.model.flat.copy()
    for _ in range(3):
        click(qtbot, window, window.step_action)
    window.runner.play()
    qtbot.wait(100)
    click(qtbot, window, window.reset_action)
    assert not window.runner.is_playing
    assert window.trainer.step_count == 0 and window.trainer.epoch == 0
    np.testing.assert_array_equal(window.trainer.model.flat, initial)
    assert window.step_label.text() == "Step 0"
    assert len(window.trainer.history) == 0


def test_decision_view_renders_the_output(window, qtbot):
    window.runner.play()
    qtbot.wait(200)
    window.runner.pause()
    image = window.decision_view.grab().toImage()
    assert image.width() > 100 and image.height() > 100
    rgb32 = image.convertToFormat(image.Format.Format_RGB32)
    pixels = np.frombuffer(rgb32.constBits(), np.uint32, rgb32.width() * rgb32.height()).copy()
    rgb = np.stack([(pixels >> 16) & 255, (pixels >> 8) & 255, pixels & 255], axis=1).astype(int)
    orange = np.sum((rgb[:, 0] > 200) & (rgb[:, 2] < 80))
    blue = np.sum((rgb[:, 2] > 150) & (rgb[:, 0] < 60))
    assert orange > 1000 and blue > 1000  # both classes' colours cover part of the plane
    assert window.decision_view.image is not None
    assert window.decision_view.image.size().width() == 100


def test_test_points_toggle(window, qtbot):
    view = window.decision_view
    without = view.grab().toImage()
    window.test_check.setChecked(True)
    assert view.show_test
    assert view.grab().toImage() != without


def test_learning_rate_field_configures_the_trainer(window, qtbot):
    box = window.lr_box
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "0.1")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert window.trainer.learning_rate == pytest.approx(0.1)
    box.stepBy(1)
    assert window.trainer.learning_rate == pytest.approx(0.3)
    box.stepBy(-2)
    assert window.trainer.learning_rate == pytest.approx(0.03)


def test_huge_learning_rate_reports_divergence(window, qtbot):
    box = window.lr_box
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "1e39")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert window.trainer.learning_rate == pytest.approx(1e39)
    with qtbot.waitSignal(window.runner.error, timeout=5000):
        click(qtbot, window, window.play_action)
    assert not window.runner.is_playing
    message = window.statusBar().currentMessage()
    assert "diverged" in message and "learning rate" in message
    assert np.all(np.isfinite(window.trainer.model.flat))
    assert window.isVisible()

    click(qtbot, window, window.step_action)  # the phase path reports the same way
    assert "diverged" in window.statusBar().currentMessage()
    assert np.all(np.isfinite(window.trainer.model.flat))


def test_loss_view_follows_history(window, qtbot):
    view = window.loss_view
    window.runner.play()
    qtbot.wait(200)
    window.runner.pause()
    x, y = view.test_curve.getData()
    assert len(x) == len(window.trainer.history) > 0
    np.testing.assert_allclose(y, window.trainer.history.test_loss)
    assert not view.log_scale
    view.log_check.setChecked(True)
    assert view.plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_playing_adapts_the_slice_length(window, qtbot):
    runner = window.runner
    assert runner.steps_per_slice == 1
    runner.play()
    qtbot.wait(300)
    runner.pause()
    assert runner.steps_per_slice > 1  # one mini-batch takes far less than a slice's ~12 ms


def test_window_takes_a_trainer_without_a_plane(qtbot):
    from engine import SGD, Dense, Input, Network, Trainer, data
    from simulator.main_window import MainWindow

    net = Network.sequential(Input(4), Dense(5, "tanh"), Dense(3, "softmax"))
    trainer = Trainer(net.build(seed=1), data.load_iris(), loss="cross_entropy", optimizer=SGD(0.1))
    w = MainWindow(trainer)
    qtbot.addWidget(w)
    w.show()
    if not w.ready:
        with qtbot.waitSignal(w.engine_ready, timeout=READY_TIMEOUT_MS):
            pass
    assert w.trainer is trainer and "iris" in w.windowTitle()
    w.step_action.trigger()
    assert trainer.step_count == 1 and w.step_label.text() == "Step 1"
    assert w.decision_view.image is None
    assert "Test accuracy" in w.accuracy_label.text()
    w.close()
