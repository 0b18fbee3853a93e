"""The one bridge between the window and the engine: play, pause, step and reset a ``Trainer``.

Playing runs ``trainer.run(n)`` in short slices from a single-shot ``QTimer`` on the GUI thread. Each
slice aims at about 12 ms: ``n`` grows or shrinks with the time the last slice took, so the event loop
gets control back many times a second and the window never freezes. Views redraw on ``updated``, which
is emitted at most about 30 times a second while playing, and once after every step, pause or reset.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from PySide6.QtCore import QObject, QTimer, Signal

from engine import NnsimError, Trainer

SLICE_SECONDS = 0.012
FRAME_SECONDS = 1 / 30
MAX_STEPS_PER_SLICE = 1 << 16


@dataclass(frozen=True)
class Progress:
    """Where training stands, for the window's labels: losses and accuracies over the whole sets, now."""

    step: int
    epoch: int
    train_loss: float
    test_loss: float
    train_accuracy: float  # NaN for regression
    test_accuracy: float

    @property
    def finite(self) -> bool:
        return math.isfinite(self.train_loss) and math.isfinite(self.test_loss)


class TrainingRunner(QObject):
    """Drives a ``Trainer`` from the Qt event loop.

    Signals
    -------
    updated()
        The trainer's state changed; views should redraw (merged to ~30 per second while playing).
    error(str)
        Training stopped with an engine error (a ``DivergenceError`` or a bad setting); the runner has
        paused and the trainer is at its last good state.
    playing_changed(bool)
        Play started (True) or stopped (False).
    """

    updated = Signal()
    error = Signal(str)
    playing_changed = Signal(bool)

    def __init__(
        self,
        trainer: Trainer,
        parent: QObject | None = None,
        slice_seconds: float = SLICE_SECONDS,
        frame_seconds: float = FRAME_SECONDS,
    ) -> None:
        super().__init__(parent)
        self._trainer = trainer
        self.slice_seconds = float(slice_seconds)
        self.frame_seconds = float(frame_seconds)
        self._steps_per_slice = 1
        self._playing = False
        self._last_emit = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._slice)

    # ----------------------------------------------------------------------------- state
    @property
    def trainer(self) -> Trainer:
        """The trainer being driven."""
        return self._trainer

    def set_trainer(self, trainer: Trainer) -> None:
        """Drive another trainer from now on (pauses first)."""
        self.pause()
        self._trainer = trainer
        self._steps_per_slice = 1
        self.updated.emit()

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def steps_per_slice(self) -> int:
        """How many mini-batches the next slice will run (adapted to the measured time per slice)."""
        return self._steps_per_slice

    def progress(self) -> Progress:
        """Step, epoch, and loss and accuracy over all training and test points at the current weights."""
        t = self._trainer
        train_loss, train_acc = t.evaluate("train")
        test_loss, test_acc = t.evaluate("test") if t.data.n_test else (math.nan, math.nan)
        return Progress(t.step_count, t.epoch, train_loss, test_loss, train_acc, test_acc)

    # ---------------------------------------------------------------------------- controls
    def play(self) -> None:
        """Start training in slices until :meth:`pause` or an error."""
        if self._playing:
            return
        self._playing = True
        self._last_emit = time.perf_counter()
        self.playing_changed.emit(True)
        self._timer.start()

    def pause(self) -> None:
        """Stop after the current slice and redraw once."""
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        self.playing_changed.emit(False)
        self.updated.emit()

    def toggle(self) -> None:
        """Play when paused, pause when playing."""
        if self._playing:
            self.pause()
        else:
            self.play()

    def step(self) -> None:
        """Pause, then train exactly one mini-batch."""
        self.pause()
        try:
            self._trainer.step()
        except NnsimError as exc:
            self._fail(exc)
            return
        self.updated.emit()

    def reset(self) -> None:
        """Pause and put the weights back to their initial values (step 0); settings are kept."""
        self.pause()
        self._trainer.reset()
        self._steps_per_slice = 1
        self.updated.emit()

    def set_learning_rate(self, value: float) -> bool:
        """Use learning rate ``value`` from the next step on; False (and ``error`` emitted) if refused."""
        try:
            self._trainer.configure(learning_rate=float(value))
        except NnsimError as exc:
            self._fail(exc)
            return False
        return True

    # ---------------------------------------------------------------------------- internals
    def _slice(self) -> None:
        if not self._playing:
            return
        n = self._steps_per_slice
        start = time.perf_counter()
        try:
            self._trainer.run(n)
        except NnsimError as exc:
            self._fail(exc)
            return
        now = time.perf_counter()
        self._adapt(n, now - start)
        if now - self._last_emit >= self.frame_seconds:
            self._last_emit = now
            self.updated.emit()
        if self._playing:  # a slot of ``updated`` may have paused
            self._timer.start()

    def _adapt(self, n: int, elapsed: float) -> None:
        """Scale the next slice to take about ``slice_seconds`` (at most 2× larger or smaller at once)."""
        if elapsed <= 0:
            factor = 2.0
        else:
            factor = min(2.0, max(0.5, self.slice_seconds / elapsed))
        self._steps_per_slice = int(min(MAX_STEPS_PER_SLICE, max(1, round(n * factor))))

    def _fail(self, exc: Exception) -> None:
        was_playing = self._playing
        self._playing = False
        self._timer.stop()
        if was_playing:
            self.playing_changed.emit(False)
        self.error.emit(str(exc))
        self.updated.emit()
