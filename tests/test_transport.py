"""The transport bar, the timeline slider and the Train N epochs dialog, driven like a user would."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow, QVBoxLayout, QWidget

from engine import Phase
from simulator.caption import IDLE_TEXT, PhaseCaption
from simulator.default_scene import make_default_trainer
from simulator.runner import Speed, TrainingRunner
from simulator.transport import SPEEDS, TimelineSlider, TrainEpochsDialog, TransportBar

pytestmark = pytest.mark.gui

TIMEOUT_MS = 60_000


class Window(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.runner = TrainingRunner(make_default_trainer(), self)
        self.bar = TransportBar(self.runner)
        self.caption = PhaseCaption(self.runner)
        self.timeline = TimelineSlider(self.runner)
        self.canvas = QWidget()
        self.canvas.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        central = QWidget()
        column = QVBoxLayout(central)
        column.addWidget(self.bar)
        column.addWidget(self.caption)
        column.addWidget(self.canvas, 1)
        column.addWidget(self.timeline)
        self.setCentralWidget(central)
        self.resize(1150, 400)


@pytest.fixture(scope="module", autouse=True)
def compiled():
    make_default_trainer().run_epochs(1)


@pytest.fixture
def window(qtbot):
    w = Window()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.activateWindow()
    w.canvas.setFocus()
    yield w
    w.runner.shutdown()


def press(qtbot, window, key, modifier=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(window.canvas, key, modifier)


def test_every_control_has_a_tooltip_naming_its_shortcut(window):
    bar = window.bar
    shortcuts = {
        bar.reset_action: "Ctrl+R",
        bar.step_back_action: "Left",
        bar.play_action: "Space",
        bar.step_phase_action: "Shift+Right",
        bar.step_action: "Right",
        bar.step_epoch_action: "E",
    }
    for action, key in shortcuts.items():
        assert action.shortcut().toString() == key
        assert f"({key}" in action.toolTip(), action.toolTip()
        assert bar.buttons[action].toolTip()
    assert bar.buttons[bar.train_epochs_action].toolTip()
    for widget in (
        bar.speed_slider,
        bar.speed_label,
        bar.step_label,
        bar.epoch_label,
        window.caption,
        window.caption.tag,
        window.timeline.slider,
        window.timeline.label,
    ):
        assert widget.toolTip(), widget


def test_keyboard_shortcuts(window, qtbot):
    runner, trainer = window.runner, window.runner.trainer
    press(qtbot, window, Qt.Key.Key_Right)
    assert trainer.step_count == 1 and window.bar.step_label.text() == "Step 1"
    press(qtbot, window, Qt.Key.Key_Right, Qt.KeyboardModifier.ShiftModifier)
    assert runner.walking and runner.current_phase.phase is Phase.FORWARD
    assert window.caption.text.text().startswith("Step 2, epoch 1:")
    press(qtbot, window, Qt.Key.Key_Left)
    assert not runner.walking and window.caption.text.text() == IDLE_TEXT
    press(qtbot, window, Qt.Key.Key_Left)
    assert trainer.step_count == 0
    press(qtbot, window, Qt.Key.Key_E)
    assert trainer.epoch == 1 and window.bar.epoch_label.text() == "Epoch 1"
    press(qtbot, window, Qt.Key.Key_Space)
    assert runner.is_playing and window.bar.play_action.text() == "&Pause"
    qtbot.wait(50)
    press(qtbot, window, Qt.Key.Key_Space)
    assert not runner.is_playing and trainer.step_count > 25
    press(qtbot, window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)
    assert trainer.step_count == 0 and window.bar.step_label.text() == "Step 0"


def test_play_then_pause_with_the_button(window, qtbot):
    trainer = window.runner.trainer
    before = trainer.model.flat.copy()
    button = window.bar.buttons[window.bar.play_action]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert window.runner.is_playing
    qtbot.wait(150)
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert not window.runner.is_playing
    assert not np.array_equal(trainer.model.flat, before)
    assert window.bar.step_label.text() == f"Step {trainer.step_count:,}"


def test_step_buttons(window, qtbot):
    bar, trainer = window.bar, window.runner.trainer
    assert not bar.step_back_action.isEnabled()  # nothing to undo at step 0
    qtbot.mouseClick(bar.buttons[bar.step_phase_action], Qt.MouseButton.LeftButton)
    assert window.caption.tag.text() == "Step 1 · Forward 1/5"
    for _ in range(10):
        qtbot.mouseClick(bar.buttons[bar.step_phase_action], Qt.MouseButton.LeftButton)
    assert window.caption.tag.text() == "Step 1 · Update" and trainer.step_count == 1
    qtbot.mouseClick(bar.buttons[bar.step_action], Qt.MouseButton.LeftButton)
    qtbot.mouseClick(bar.buttons[bar.step_epoch_action], Qt.MouseButton.LeftButton)
    assert trainer.step_count == 25 and trainer.epoch == 1
    assert bar.step_back_action.isEnabled()
    qtbot.mouseClick(bar.buttons[bar.step_back_action], Qt.MouseButton.LeftButton)
    assert trainer.step_count == 24


def test_speed_slider_sets_the_runner_speed(window, qtbot):
    bar, runner = window.bar, window.runner
    assert runner.speed is Speed.FULL and bar.speed_label.text() == "Full speed"
    bar.set_speed_index(0)
    assert runner.speed is Speed.PHASE_SLOW and runner.phase_interval_ms == 1000
    assert bar.speed_label.text() == "1 phase/s"
    bar.set_speed_index(6)
    assert runner.speed is Speed.BATCH and runner.batch_interval_ms == 0
    runner.set_speed(Speed.PHASE_SLOW, 200)  # from elsewhere: the slider follows
    assert SPEEDS[bar.speed_slider.value()].label == "5 phases/s" and bar.speed_label.text() == "5 phases/s"
    events = []
    runner.phase.connect(events.append)
    runner.set_speed(Speed.PHASE_SLOW, 20)
    qtbot.mouseClick(bar.buttons[bar.play_action], Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(events) >= 4, timeout=5000)
    runner.pause()
    assert [e.phase for e in events[:4]] == [Phase.FORWARD] * 4


def release_at(slider, value: int) -> None:
    """Drag the slider's handle to ``value`` and let go."""
    slider.setSliderDown(True)
    slider.setSliderPosition(value)
    slider.setSliderDown(False)


def test_timeline_rewinds_and_replays_exactly(window, qtbot):
    runner, timeline = window.runner, window.timeline
    recorded = [runner.trainer.model.flat.copy()]
    for _ in range(40):
        runner.step()
        recorded.append(runner.trainer.model.flat.copy())
    slider = timeline.slider
    assert (slider.minimum(), slider.maximum(), slider.value()) == (0, 40, 40)
    assert timeline.label.text() == "Step 40"

    slider.setSliderDown(True)
    slider.setSliderPosition(17)
    assert runner.trainer.step_count == 40  # nothing happens while dragging
    assert timeline.label.text() == "← step 17 (release)"
    slider.setSliderDown(False)
    assert runner.trainer.step_count == 17
    np.testing.assert_array_equal(runner.trainer.model.flat, recorded[17])
    assert (slider.maximum(), slider.value()) == (40, 17) and timeline.label.text() == "Step 17 of 40"

    for k in range(18, 26):  # step forward again: the same weights as the first time
        press(qtbot, window, Qt.Key.Key_Right)
        np.testing.assert_array_equal(runner.trainer.model.flat, recorded[k])
    release_at(slider, 40)  # forward along the timeline: replays to the furthest step
    assert runner.trainer.step_count == 40
    np.testing.assert_array_equal(runner.trainer.model.flat, recorded[40])

    slider.setValue(5)  # a click on the groove or a key: goes there after a short pause
    qtbot.waitUntil(lambda: runner.trainer.step_count == 5, timeout=2000)
    np.testing.assert_array_equal(runner.trainer.model.flat, recorded[5])

    runner.set_learning_rate(0.1)  # a new setting makes a new future: the old end is dropped
    release_at(slider, 30)
    assert runner.trainer.step_count == 5
    assert timeline.furthest == 5 and slider.maximum() == 5
    runner.reset()
    assert timeline.furthest == 0 and timeline.label.text() == "Step 0"


def test_timeline_cancels_a_phase_walk(window):
    runner = window.runner
    for _ in range(5):
        runner.step()
    weights_at_3 = None
    runner.rewind(3)
    weights_at_3 = runner.trainer.model.flat.copy()
    runner.run_to(5)
    for _ in range(6):
        runner.step_phase()
    release_at(window.timeline.slider, 3)
    assert not runner.walking and runner.trainer.step_count == 3
    np.testing.assert_array_equal(runner.trainer.model.flat, weights_at_3)


def test_train_epochs_dialog(window, qtbot):
    bar, runner = window.bar, window.runner
    dialog = bar.open_train_dialog()
    assert isinstance(dialog, TrainEpochsDialog) and dialog.isVisible()
    for widget in (dialog.epochs, dialog.bar, dialog.train_button, dialog.cancel_button, dialog.status):
        assert widget.toolTip()
    dialog.epochs.setValue(30)
    with qtbot.waitSignal(runner.train_finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
        assert not bar.step_action.isEnabled() and not window.timeline.slider.isEnabled()
    assert runner.trainer.epoch == 30 and dialog.bar.value() == 30
    assert dialog.status.text().startswith("Done: trained 30 epochs")
    assert bar.step_action.isEnabled() and bar.epoch_label.text() == "Epoch 30"
    assert window.timeline.slider.maximum() == 750

    dialog.epochs.setValue(1_000_000)
    qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.bar.value() >= 32, timeout=TIMEOUT_MS)
    with qtbot.waitSignal(runner.train_finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    assert dialog.isVisible() and dialog.status.text().startswith("Cancelled after")
    trainer = runner.trainer
    assert np.all(np.isfinite(trainer.model.flat)) and trainer.step_count == len(trainer.step_losses)
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)  # now it closes
    assert not dialog.isVisible()


def test_the_bar_looks_right(window, tmp_path):
    window.runner.step()
    image = window.bar.grab()
    image.save(str(tmp_path / "transport.png"))
    assert image.width() >= 900 and 20 <= image.height() <= 60
    assert window.bar.sizeHint().width() <= 1150  # fits the default window
