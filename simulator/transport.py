"""The training transport: buttons and shortcuts, the speed control, counters, the timeline slider and
the "Train N epochs" dialog. Every widget here talks to the trainer only through a
:class:`~simulator.runner.TrainingRunner`.

- :class:`TransportBar`: Reset, Step back, Play/Pause, Step phase, Step batch, Step epoch, Train N
  epochs…, a speed slider (1 phase/s … full speed) and the step/epoch counters. Its ``QAction``\\ s
  carry the keyboard shortcuts (window-wide) and can be put in menus too (:attr:`TransportBar.actions_list`).
- :class:`TimelineSlider`: goes back to any earlier step of this run (on release), or forward again
  to a step the run had reached.
- :class:`TrainEpochsDialog`: asks N, shows the progress, and Cancel stops the worker.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QRect, QSignalBlocker, QSize, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSlider,
    QSpinBox,
    QStyle,
    QStyleOptionSlider,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from simulator.runner import Speed, TrainingRunner


@dataclass(frozen=True)
class SpeedPreset:
    label: str
    speed: Speed
    interval_ms: int = 0


SPEEDS: tuple[SpeedPreset, ...] = (
    SpeedPreset("1 phase/s", Speed.PHASE_SLOW, 1000),
    SpeedPreset("2 phases/s", Speed.PHASE_SLOW, 500),
    SpeedPreset("5 phases/s", Speed.PHASE_SLOW, 200),
    SpeedPreset("15 phases/s", Speed.PHASE_SLOW, 67),
    SpeedPreset("2 batches/s", Speed.BATCH, 500),
    SpeedPreset("10 batches/s", Speed.BATCH, 100),
    SpeedPreset("1 batch/frame", Speed.BATCH, 0),
    SpeedPreset("Full speed", Speed.FULL, 0),
)
DEFAULT_SPEED = len(SPEEDS) - 1
SPEED_TIP = (
    "Playing speed: from one phase per second (watch each layer compute, the loss, the error flowing "
    "back and the update) through one mini-batch per frame, up to full speed"
)


def preset_index(speed: Speed, interval_ms: int) -> int:
    """The preset nearest to ``speed`` at ``interval_ms``."""
    same = [k for k, p in enumerate(SPEEDS) if p.speed is speed]
    if not same:
        return DEFAULT_SPEED
    return min(same, key=lambda k: abs(SPEEDS[k].interval_ms - interval_ms))


class TransportBar(QWidget):
    """The transport controls for ``runner``.

    Attributes
    ----------
    reset_action, step_back_action, play_action, step_phase_action, step_action, step_epoch_action,
    train_epochs_action : QAction
        Ctrl+R, Left, Space, Shift+Right, Right, E, and (no key) "Train N epochs…".
    speed_slider : QSlider
        Index into :data:`SPEEDS`.
    step_label, epoch_label : QLabel
        The counters.
    """

    def __init__(self, runner: TrainingRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setObjectName("transport")
        self.dialog: TrainEpochsDialog | None = None
        self._make_actions()
        self._make_layout()
        runner.updated.connect(self.refresh)
        runner.playing_changed.connect(self._on_playing_changed)
        runner.busy_changed.connect(self._on_busy_changed)
        runner.speed_changed.connect(lambda _s: self._sync_speed())
        self._on_playing_changed(runner.is_playing)
        self._sync_speed()
        self.refresh()

    # ---------------------------------------------------------------------------- building
    def _action(self, icon: QStyle.StandardPixmap, text: str, key, tip: str, slot) -> QAction:
        action = QAction(self.style().standardIcon(icon), text, self)
        if key is not None:
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        r = self.runner
        sp = QStyle.StandardPixmap
        self.reset_action = self._action(
            sp.SP_BrowserReload,
            "&Reset",
            "Ctrl+R",
            "Reset (Ctrl+R): put every weight back to its starting value (same seed) and go back to step 0",
            r.reset,
        )
        self.step_back_action = self._action(
            sp.SP_MediaSkipBackward,
            "Step &back",
            "Left",
            "Step back (Left arrow): undo the last mini-batch, or drop a half-walked one",
            r.step_back,
        )
        self.play_action = self._action(sp.SP_MediaPlay, "&Play", "Space", "", r.toggle)
        self.step_phase_action = self._action(
            sp.SP_ArrowRight,
            "P&hase",
            "Shift+Right",
            "Step phase (Shift+Right): one phase of the mini-batch — one layer forward, the loss, "
            "one layer backward, or the update",
            r.step_phase,
        )
        self.step_action = self._action(
            sp.SP_MediaSkipForward,
            "&Batch",
            "Right",
            "Step batch (Right arrow): train on one mini-batch, then stop",
            r.step,
        )
        self.step_epoch_action = self._action(
            sp.SP_MediaSeekForward,
            "&Epoch",
            "E",
            "Step epoch (E): train until the current pass through the training points ends",
            r.step_epoch,
        )
        self.train_epochs_action = self._action(
            sp.SP_DialogApplyButton,
            "Train &N epochs…",
            None,
            "Train N epochs: train many epochs at full speed in the background, with a progress bar",
            self.open_train_dialog,
        )

    @property
    def actions_list(self) -> tuple[QAction, ...]:
        """The transport's actions in bar order (for a menu)."""
        return (
            self.reset_action,
            self.step_back_action,
            self.play_action,
            self.step_phase_action,
            self.step_action,
            self.step_epoch_action,
            self.train_epochs_action,
        )

    def _make_layout(self) -> None:
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.setSpacing(2)
        self.buttons: dict[QAction, QToolButton] = {}
        for action in self.actions_list:
            if action is self.train_epochs_action:
                layout.addWidget(_separator())
            button = QToolButton()
            button.setDefaultAction(action)
            button.setIconSize(QSize(18, 18))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            layout.addWidget(button)
            self.buttons[action] = button
        layout.addWidget(_separator())

        speed_title = QLabel("Speed")
        speed_title.setToolTip(SPEED_TIP)
        self.speed_slider = QSlider(Qt.Orientation.Horizontal)
        self.speed_slider.setRange(0, len(SPEEDS) - 1)
        self.speed_slider.setPageStep(1)
        self.speed_slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.speed_slider.setFixedWidth(110)
        self.speed_slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows are the step shortcuts
        self.speed_slider.setToolTip(SPEED_TIP)
        self.speed_slider.valueChanged.connect(self._on_speed_slider)
        self.speed_label = QLabel()
        self.speed_label.setToolTip(SPEED_TIP)
        self.speed_label.setMinimumWidth(
            self.speed_label.fontMetrics().horizontalAdvance("1 batch/frame") + 8
        )
        layout.addWidget(speed_title)
        layout.addWidget(self.speed_slider)
        layout.addWidget(self.speed_label)
        layout.addStretch(1)

        self.step_label = _counter("Step 000,000", "Mini-batches trained so far (one weight update each)")
        self.epoch_label = _counter("Epoch 00,000", "Full passes through the training points so far")
        layout.addWidget(self.step_label)
        layout.addWidget(self.epoch_label)

    # ------------------------------------------------------------------------------ slots
    def refresh(self) -> None:
        """Show the trainer's step and epoch."""
        t = self.runner.trainer
        self.step_label.show_text(f"Step {t.step_count:,}")
        self.epoch_label.show_text(f"Epoch {t.epoch:,}")
        self.step_back_action.setEnabled(
            not self.runner.is_busy and (t.step_count > 0 or self.runner.walking)
        )

    def _on_playing_changed(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_action.setIcon(self.style().standardIcon(icon))
        self.play_action.setText("&Pause" if playing else "&Play")
        self.play_action.setToolTip(
            "Pause (Space): stop training"
            if playing
            else "Play (Space): train continuously at the chosen speed"
        )

    def _on_busy_changed(self, busy: bool) -> None:
        for action in self.actions_list:
            action.setEnabled(not busy)
        self.speed_slider.setEnabled(not busy)
        self.refresh()

    def _on_speed_slider(self, index: int) -> None:
        preset = SPEEDS[index]
        self.speed_label.setText(preset.label)
        self.runner.set_speed(preset.speed, preset.interval_ms)

    def _sync_speed(self) -> None:
        r = self.runner
        interval = r.phase_interval_ms if r.speed is Speed.PHASE_SLOW else r.batch_interval_ms
        current = SPEEDS[self.speed_slider.value()]
        if current.speed is r.speed and (r.speed is Speed.FULL or current.interval_ms == interval):
            self.speed_label.setText(current.label)
            return
        index = preset_index(r.speed, interval)
        with QSignalBlocker(self.speed_slider):
            self.speed_slider.setValue(index)
        self.speed_label.setText(SPEEDS[index].label)

    def set_speed_index(self, index: int) -> None:
        """Choose preset ``index`` of :data:`SPEEDS` (as the slider does)."""
        self.speed_slider.setValue(index)
        self._on_speed_slider(index)

    def open_train_dialog(self) -> TrainEpochsDialog:
        """Show the "Train N epochs" dialog (window-modal) and return it."""
        if self.dialog is None:
            self.dialog = TrainEpochsDialog(self.runner, self.window())
        self.dialog.prepare()
        self.dialog.open()
        return self.dialog


class QuietSlider(QSlider):
    """A slider whose :meth:`set_state` repaints it only when its handle moves on screen.

    While training, the timeline's range grows every frame and its handle stays at the right end: a
    plain slider would repaint itself every frame for nothing.
    """

    def __init__(self, orientation: Qt.Orientation, parent: QWidget | None = None) -> None:
        super().__init__(orientation, parent)
        self._quiet = False

    def handle_rect(self) -> QRect:
        """Where the handle is drawn for the current range and value."""
        option = QStyleOptionSlider()
        self.initStyleOption(option)
        return self.style().subControlRect(
            QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, self
        )

    def set_state(self, minimum: int, maximum: int, value: int, page_step: int) -> None:
        """Set range, value and page step (signals blocked); repaint only if the picture changed."""
        before = self.handle_rect()
        self._quiet = True
        try:
            with QSignalBlocker(self):
                self.setRange(minimum, maximum)
                self.setValue(value)
                self.setPageStep(page_step)
        finally:
            self._quiet = False
        if self.tickPosition() != QSlider.TickPosition.NoTicks or self.handle_rect() != before:
            self.update()

    def sliderChange(self, change: QSlider.SliderChange) -> None:  # noqa: N802 - Qt's name
        if not self._quiet:
            super().sliderChange(change)


class TimelineSlider(QWidget):
    """A slider over the steps of this run: release it on an earlier step to go back there exactly.

    The run's furthest step stays reachable: moving right again trains forward to it, which replays
    the dropped steps exactly unless a setting was changed meanwhile (the mark is then dropped).
    """

    THROTTLE_MS = 120

    def __init__(self, runner: TrainingRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self._furthest = 0
        self._settings = None
        self._generation = runner.generation
        self.slider = QuietSlider(Qt.Orientation.Horizontal)
        self.slider.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # arrows are the step shortcuts
        self.slider.setToolTip(
            "Timeline: drag back to any earlier step of this run and release to go there exactly; "
            "training on from there replays the same steps. Drag right to train forward again."
        )
        self.label = CounterLabel("Step 000,000 of 000,000", 8)
        self.label.setToolTip("The step shown now, and the furthest step this run has reached")
        self.label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(self.THROTTLE_MS)
        self._pending.timeout.connect(self._go)
        self.slider.sliderPressed.connect(self._on_pressed)
        self.slider.sliderMoved.connect(self._preview)
        self.slider.sliderReleased.connect(self._go)
        self.slider.valueChanged.connect(self._on_value)
        runner.updated.connect(self.refresh)
        runner.busy_changed.connect(lambda busy: self.slider.setEnabled(not busy))
        self.refresh()

    @property
    def furthest(self) -> int:
        """The furthest step of this run that the slider can go forward to."""
        return self._furthest

    def refresh(self) -> None:
        """Follow the trainer: range from the earliest kept step to the furthest one reached."""
        t = self.runner.trainer
        step = t.step_count
        earliest = t.timeline.earliest
        if self.runner.generation != self._generation:  # reset or another trainer: a new run
            self._generation = self.runner.generation
            self._furthest = 0
        elif t.settings is not self._settings and self._furthest > step:
            self._furthest = step  # a changed setting makes another future: forget the old one
        self._settings = t.settings
        self._furthest = max(self._furthest, step)
        if not self.slider.isSliderDown():
            self._set_range(step, earliest)

    def _set_range(self, step: int, earliest: int | None) -> None:
        low = earliest if earliest is not None else 0
        self.slider.set_state(low, self._furthest, step, max(1, self._furthest // 20))
        self._show(step)

    def _show(self, target: int) -> None:
        step = self.runner.trainer.step_count
        if target == step:
            text = f"Step {step:,}" if self._furthest == step else f"Step {step:,} of {self._furthest:,}"
        elif target < step:
            text = f"← step {target:,} (release)"
        else:
            text = f"→ step {target:,} (release)"
        self.label.show_text(text)

    def _on_pressed(self) -> None:
        t = self.runner.trainer
        if t.settings is not self._settings:  # changed without a step since: the old future is gone
            self.refresh()
            self._set_range(t.step_count, t.timeline.earliest)

    def _preview(self, value: int) -> None:
        self._show(value)

    def _on_value(self, value: int) -> None:
        if not self.slider.isSliderDown():  # a click on the groove or the keyboard: go there shortly
            self._pending.start()

    def go_to(self, step: int) -> bool:
        """Go back to ``step`` (rewind) or forward to it (train); False if refused or already there."""
        t = self.runner.trainer
        now = t.step_count
        if step < now:
            return self.runner.rewind(step)
        if step > now and t.settings is self._settings and step <= self._furthest:
            return self.runner.run_to(step)
        return False

    def _go(self) -> None:
        self._pending.stop()
        target = self.slider.value()
        if not self.go_to(target):
            self.refresh()


class TrainEpochsDialog(QDialog):
    """Asks for N, trains N epochs in the background with a progress bar; Cancel stops early."""

    def __init__(self, runner: TrainingRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.setWindowTitle("Train N epochs")
        self.setMinimumWidth(380)
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 1_000_000)
        self.epochs.setValue(100)
        self.epochs.setGroupSeparatorShown(True)
        self.epochs.setToolTip("How many more passes through the training points to train")
        self.bar = QProgressBar()
        self.bar.setToolTip("Epochs trained so far of those asked")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setToolTip("Where training stands")
        self.buttons = QDialogButtonBox()
        self.train_button = QPushButton("Train")
        self.train_button.setDefault(True)
        self.train_button.setToolTip("Start training in the background; the window keeps showing progress")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop training now (the weights stay as trained so far), or close")
        self.buttons.addButton(self.train_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.cancel_button, QDialogButtonBox.ButtonRole.RejectRole)
        self.train_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.reject)
        form = QFormLayout()
        form.addRow("Epochs", self.epochs)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        runner.epochs_progress.connect(self._on_progress)
        runner.train_finished.connect(self._on_finished)
        runner.error.connect(self._on_error)
        self._running = False
        self.prepare()

    @property
    def running(self) -> bool:
        return self._running

    def prepare(self) -> None:
        """Ready to ask N again."""
        self._running = False
        self.epochs.setEnabled(True)
        self.train_button.setEnabled(True)
        self.cancel_button.setText("Close")
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        self.status.setText(f"Now at epoch {self.runner.trainer.epoch:,}.")

    def start(self) -> bool:
        """Train the asked number of epochs; False if the runner refused."""
        n = self.epochs.value()
        if not self.runner.train_epochs(n):
            self.status.setText("Busy: training is already running.")
            return False
        self._running = True
        self.epochs.setEnabled(False)
        self.train_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.bar.setRange(0, n)
        return True

    def _on_progress(self, done: int, total: int) -> None:
        if not self._running:
            return
        self.bar.setRange(0, total)
        self.bar.setValue(done)
        t = self.runner.trainer  # safe: the worker is paused while this signal is handled
        self.status.setText(f"Epoch {done:,} of {total:,} · step {t.step_count:,}")

    def _on_finished(self, completed: bool) -> None:
        if not self._running:
            return
        self._running = False
        self.train_button.setEnabled(True)
        self.epochs.setEnabled(True)
        self.cancel_button.setText("Close")
        done = self.bar.value()
        if completed:
            self.status.setText(
                f"Done: trained {done:,} epochs (now at epoch {self.runner.trainer.epoch:,})."
            )
        elif not self.status.text().startswith("Stopped"):
            self.status.setText(
                f"Cancelled after {done:,} epochs (now at epoch {self.runner.trainer.epoch:,})."
            )

    def _on_error(self, message: str) -> None:
        if self._running:
            self.status.setText(f"Stopped: {message}")

    def reject(self) -> None:
        """Cancel stops a running training first; a second Cancel (or Close) closes."""
        if self._running:
            self.runner.cancel()
            return
        super().reject()


def _separator() -> QFrame:
    line = QFrame()
    line.setFrameShape(QFrame.Shape.VLine)
    line.setFrameShadow(QFrame.Shadow.Sunken)
    return line


class CounterLabel(QLabel):
    """A label whose text changes with every frame while training. Its size is fixed, so a new number
    only repaints it, where a label sized by its text would lay the whole window out again each frame;
    it widens (one layout) when a number needs more room than it has."""

    def __init__(self, widest: str, padding: int, parent: QWidget | None = None) -> None:
        super().__init__(widest, parent)
        self._padding = padding
        self.setFixedSize(self.fontMetrics().horizontalAdvance(widest) + padding, self.sizeHint().height())
        self.setText("")

    def show_text(self, text: str) -> None:
        """Show ``text``; nothing happens when it is shown already."""
        if text == self.text():
            return
        needed = self.fontMetrics().horizontalAdvance(text) + self._padding
        if needed > self.minimumWidth():
            self.setFixedWidth(needed)
        self.setText(text)


def _counter(widest: str, tip: str) -> CounterLabel:
    label = CounterLabel(widest, 12)
    label.setToolTip(tip)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.caption import PhaseCaption
    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    runner = TrainingRunner(make_default_trainer())
    window = QWidget()
    column = QVBoxLayout(window)
    column.addWidget(TransportBar(runner))
    column.addWidget(PhaseCaption(runner))
    column.addStretch(1)
    column.addWidget(TimelineSlider(runner))
    window.resize(1100, 220)
    window.show()
    raise SystemExit(app.exec())
