"""The one bridge between the window and the engine: play, pause, step, rewind and reset a ``Trainer``.

Playing has three speeds (:class:`Speed`). ``FULL`` trains in a worker thread
(:class:`simulator.fast_forward.PlayWorker`: ``trainer.run(n)`` in chunks of about 25 ms, continuously,
the engine's kernels releasing the GIL) while a ``QTimer`` on the GUI thread emits ``updated`` about 30
times a second, so views redraw from the live weights and history. While the worker plays, slots must
only *read* the trainer (weights, ``history``, ``step_count``, ``epoch``; the model's own ``predict`` and
``activations``), never call it; every control (pause, step, rewind, reset, settings, another trainer)
stops the worker first, and :meth:`TrainingRunner.hold` does so around an outside change. ``run_to``'s
long way still trains in ~12 ms slices on the GUI thread, from a single-shot ``QTimer``. ``BATCH``
trains one mini-batch per timer tick (a frame by default), and ``PHASE_SLOW`` walks the phases of a
mini-batch (forward per layer, loss, backward per layer, update) one per tick, so the canvas can
animate them. Views redraw on ``updated``, emitted at most about 30 times a second while playing and
once after every step, pause, rewind or reset; phase views follow ``phase``.

"Train N epochs" (:meth:`TrainingRunner.train_epochs`) runs in a worker thread
(:mod:`simulator.fast_forward`). While it runs the runner is *busy*: every other control is refused,
and ``updated`` is emitted only while the worker is paused for a frame, so slots may read the
trainer then (and only then).
"""

from __future__ import annotations

import contextlib
import enum
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from PySide6.QtCore import QObject, QTimer, Signal

from engine import NnsimError, Phase, PhaseEvent, Trainer
from simulator.fast_forward import FastForward, PlayWorker
from simulator.formulas import BatchTrace

SLICE_SECONDS = 0.012
FRAME_SECONDS = 1 / 30
MAX_STEPS_PER_SLICE = 1 << 16
PHASE_INTERVAL_MS = 1000
RUN_TO_SECONDS = 0.05
WORKER_CHUNK_SECONDS = 0.025
SWITCH_INTERVAL = 5e-4  # the GIL hand-over time while the worker plays (Python's default is 5 ms)


class Speed(enum.Enum):
    """How :meth:`TrainingRunner.play` advances."""

    PHASE_SLOW = "phase"  # one phase every ``phase_interval_ms``
    BATCH = "batch"  # one mini-batch every ``batch_interval_ms`` (0: every frame)
    FULL = "full"  # as fast as the engine goes, in adaptive slices


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
    phase(object)
        A ``PhaseEvent`` when a phase was walked (``step_phase`` or playing at ``PHASE_SLOW``);
        ``None`` when the last phase shown no longer describes the trainer (the batch was finished
        another way, cancelled, rewound, reset, or training moved on).
    speed_changed(object)
        The new :class:`Speed`.
    busy_changed(bool)
        "Train N epochs" started (True: disable the controls) or ended (False).
    epochs_progress(int, int)
        ``(epochs done, epochs asked)`` while training N epochs.
    train_finished(bool)
        "Train N epochs" ended: True if every epoch was trained, False if cancelled or stopped by an error.
    """

    updated = Signal()
    error = Signal(str)
    playing_changed = Signal(bool)
    phase = Signal(object)
    speed_changed = Signal(object)
    busy_changed = Signal(bool)
    epochs_progress = Signal(int, int)
    train_finished = Signal(bool)

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
        self._speed = Speed.FULL
        self.phase_interval_ms = PHASE_INTERVAL_MS
        self.batch_interval_ms = 0
        self._walk: Iterator[PhaseEvent] | None = None  # the half-walked mini-batch
        self._trace = BatchTrace()
        self._shown: PhaseEvent | None = None
        self._ff: FastForward | None = None
        self._in_frame = False
        self._last_progress: Progress | None = None
        self._target: int | None = None  # the step run_to is heading for
        self.generation = 0  # counts restarts of the run (reset, another trainer): timelines start over
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._tick)
        self._worker: PlayWorker | None = None
        self._saved_switch: float | None = None
        self._frame_timer = QTimer(self)
        self._frame_timer.setInterval(max(1, round(1000 * self.frame_seconds)))
        self._frame_timer.timeout.connect(self._on_worker_frame)
        self._engine_pending = False  # Play is accepted but waits for engine_ready (see wait_for_engine)

    # ----------------------------------------------------------------------------- engine warm-up
    def wait_for_engine(self) -> None:
        """Accept Play before the engine's kernels are loaded, and train from :meth:`engine_ready` on.

        The window shows its scene while another thread loads (or, after install, compiles) the kernels;
        Play pressed meanwhile shows as playing and starts training the moment they are ready, instead
        of freezing the window on a kernel call. Pause before then cancels it.
        """
        self._engine_pending = True

    def engine_ready(self) -> None:
        """The kernels are loaded: start training if Play was pressed while they loaded."""
        if not self._engine_pending:
            return
        self._engine_pending = False
        if self._playing:
            self._last_emit = time.perf_counter()
            self._restart_play()

    @property
    def waiting_for_engine(self) -> bool:
        """True while Play would wait for the engine (see :meth:`wait_for_engine`)."""
        return self._engine_pending

    # ----------------------------------------------------------------------------- state
    @property
    def trainer(self) -> Trainer:
        """The trainer being driven."""
        return self._trainer

    def set_trainer(self, trainer: Trainer) -> None:
        """Drive another trainer (or the same one after an edit) from now on: pauses, drops any phase walk."""
        self._stop_fast_forward()
        self.pause()
        self._cancel_walk()
        self._trainer = trainer
        self._steps_per_slice = 1
        self._last_progress = None
        self.generation += 1
        self.updated.emit()

    @property
    def is_playing(self) -> bool:
        return self._playing

    @property
    def is_busy(self) -> bool:
        """True while "Train N epochs" owns the trainer (every other control is refused)."""
        return self._ff is not None

    @property
    def walking(self) -> bool:
        """True while a mini-batch is half-walked phase by phase (its weights not yet updated)."""
        return self._walk is not None

    @property
    def current_phase(self) -> PhaseEvent | None:
        """The phase shown last, or None."""
        return self._shown

    @property
    def trace(self) -> BatchTrace:
        """The phases so far of the mini-batch shown (empty when none is), for :mod:`simulator.formulas`."""
        return self._trace

    @property
    def steps_per_slice(self) -> int:
        """How many mini-batches the next slice will run (adapted to the measured time per slice)."""
        return self._steps_per_slice

    @property
    def speed(self) -> Speed:
        return self._speed

    def set_speed(self, speed: Speed, interval_ms: int | None = None) -> None:
        """Play at ``speed`` from now on; ``interval_ms`` sets the phase or batch interval of that speed."""
        speed = Speed(speed)
        if interval_ms is not None:
            if speed is Speed.PHASE_SLOW:
                self.phase_interval_ms = max(1, int(interval_ms))
            elif speed is Speed.BATCH:
                self.batch_interval_ms = max(0, int(interval_ms))
        changed = speed is not self._speed
        self._speed = speed
        if self._playing:
            self._restart_play()
        if changed:
            self.speed_changed.emit(speed)

    def progress(self) -> Progress:
        """Step, epoch, and loss and accuracy over all training and test points at the current weights.

        While a mini-batch is half-walked, or while "Train N epochs" runs outside a frame, the losses
        are those measured last (evaluating would disturb the trainer); while the worker plays at full
        speed they are those of the last epoch's end (the trainer's buffers are the worker's).
        """
        t = self._trainer
        if self._worker is not None:
            return self._progress_from_history()
        if self.walking or (self.is_busy and not self._in_frame):
            last = self._last_progress
            nan = math.nan
            if last is None:
                return Progress(t.step_count, t.epoch, nan, nan, nan, nan)
            return Progress(t.step_count, t.epoch, *self._losses_of(last))
        train_loss, train_acc = t.evaluate("train")
        test_loss, test_acc = t.evaluate("test") if t.data.n_test else (math.nan, math.nan)
        self._last_progress = Progress(t.step_count, t.epoch, train_loss, test_loss, train_acc, test_acc)
        return self._last_progress

    def _progress_from_history(self) -> Progress:
        t = self._trainer
        h = t.history
        step, epoch = t.step_count, t.epoch
        if len(h):
            return Progress(
                step,
                epoch,
                float(h.train_loss[-1]),
                float(h.test_loss[-1]),
                float(h.train_acc[-1]),
                float(h.test_acc[-1]),
            )
        last = self._last_progress
        if last is not None:
            return Progress(step, epoch, *self._losses_of(last))
        return Progress(step, epoch, math.nan, math.nan, math.nan, math.nan)

    @staticmethod
    def _losses_of(p: Progress) -> tuple[float, float, float, float]:
        return p.train_loss, p.test_loss, p.train_accuracy, p.test_accuracy

    # ---------------------------------------------------------------------------- controls
    def play(self) -> None:
        """Start training at the current :attr:`speed` until :meth:`pause` or an error."""
        if self._playing or self.is_busy:
            return
        self._playing = True
        self._last_emit = time.perf_counter()
        self.playing_changed.emit(True)
        self._restart_play()

    def pause(self) -> None:
        """Stop after the current slice and redraw once (a half-walked mini-batch stays half-walked)."""
        if not self._playing:
            return
        self._playing = False
        self._target = None
        self._timer.stop()
        message = self._stop_worker()
        self.playing_changed.emit(False)
        if message:
            self.error.emit(message)
        self.updated.emit()

    def toggle(self) -> None:
        """Play when paused, pause when playing."""
        if self._playing:
            self.pause()
        else:
            self.play()

    def step(self) -> None:
        """Pause, then train exactly one mini-batch (finishing a half-walked one counts as that one)."""
        if self.is_busy:
            return
        self.pause()
        if self.walking:
            self._finish_walk()
        else:
            self._clear_phase()
            self._guard(self._trainer.step)
        self.updated.emit()

    def step_phase(self) -> PhaseEvent | None:
        """Pause, then walk one phase of the current mini-batch (starting a new one after UPDATE)."""
        if self.is_busy:
            return None
        self.pause()
        return self._advance_phase()

    def step_epoch(self) -> None:
        """Pause, then train until the current epoch ends (a whole epoch from an epoch's start)."""
        if self.is_busy:
            return
        self.pause()
        if self._finish_walk():  # a half-walked mini-batch is finished first, as part of the epoch
            self._clear_phase()
            self._guard(lambda: self._trainer.run_epochs(1))
        self.updated.emit()

    def step_back(self) -> None:
        """Undo one step: drop a half-walked mini-batch, or else go back to the start of the last step."""
        if self.is_busy:
            return
        self.pause()
        if self.walking:
            self._cancel_walk()
            self.updated.emit()
            return
        if self._trainer.step_count > 0:
            self.rewind(self._trainer.step_count - 1)

    def rewind(self, step: int) -> bool:
        """Go back to the start of ``step`` of this run exactly, dropping later steps; False if refused."""
        if self.is_busy:
            return False
        self.pause()
        self._cancel_walk()
        ok = self._guard(lambda: self._trainer.rewind(int(step)))
        self._steps_per_slice = 1
        self.updated.emit()
        return ok

    def run_to(self, step: int) -> bool:
        """Train forward to step ``step`` (later than now); False if refused.

        After a rewind this replays the dropped steps exactly, as long as no setting was changed since.
        A short way is done before returning; a long one goes on as playing at full speed (so the
        window stays live) and pauses at ``step``.
        """
        if self.is_busy or step <= self._trainer.step_count:
            return False
        self.pause()
        if not self._finish_walk():
            return False
        self._clear_phase()
        self._target = int(step)
        deadline = time.perf_counter() + RUN_TO_SECONDS
        while self._trainer.step_count < self._target and time.perf_counter() < deadline:
            if not self._run_slice():
                self._target = None
                return False
        if self._trainer.step_count < self._target:
            self.play()
            return True
        self._target = None
        self.updated.emit()
        return True

    def reset(self) -> None:
        """Pause and put the weights back to their initial values (step 0); settings are kept."""
        if self.is_busy:
            return
        self.pause()
        self._cancel_walk()
        self._trainer.reset()
        self._steps_per_slice = 1
        self.generation += 1
        self.updated.emit()

    def set_learning_rate(self, value: float) -> bool:
        """Use learning rate ``value`` from the next step on; False (and ``error`` emitted) if refused.

        A half-walked mini-batch is finished first, at the old rate (as the engine does).
        """
        if self.is_busy:
            return False
        if self.walking:
            self._finish_walk()
            self.updated.emit()
        with self.hold():
            return self._guard(lambda: self._trainer.configure(learning_rate=float(value)))

    # ------------------------------------------------------------------------ train N epochs
    def train_epochs(self, n: int) -> bool:
        """Train ``n`` more epochs in a worker thread; False if busy already or ``n`` < 1.

        Emits ``busy_changed(True)``, then ``epochs_progress`` and ``updated`` ~30 times a second, and
        at the end ``epochs_progress``, ``updated``, ``busy_changed(False)`` and ``train_finished``.
        """
        if self.is_busy or n < 1:
            return False
        self.pause()
        if self.walking and not self._finish_walk():
            return False
        self._clear_phase()
        ff = FastForward(self._trainer, int(n), self, frame_seconds=self.frame_seconds)
        ff.frame.connect(partial(self._on_frame, ff))
        ff.finished.connect(partial(self._on_ff_finished, ff))
        self._ff = ff
        self.busy_changed.emit(True)
        self.epochs_progress.emit(0, ff.total)
        ff.start()
        return True

    def cancel(self) -> None:
        """Stop "Train N epochs" as soon as possible (after the current step); never blocks."""
        if self._ff is not None:
            self._ff.cancel()

    def shutdown(self) -> None:
        """Pause, and stop and wait for a running worker (for the window's close)."""
        self._stop_fast_forward()
        self.pause()
        self._stop_worker()

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Stop the full-speed worker for the ``with`` block (to call the trainer), then let it go on.

        Playing stays playing (no signal); the worker starts again from the event loop, unless the
        block's consequences paused (an edit replacing the trainer does). An engine error met while
        stopping is reported as ``error``.
        """
        if self._worker is None:
            yield
            return
        message = self._stop_worker()
        if message:
            self._fail_message(message)
        try:
            yield
        finally:
            QTimer.singleShot(0, self, self._resume_play)

    def _resume_play(self) -> None:
        if self._playing and self._worker is None and self._speed is Speed.FULL and self._target is None:
            self._restart_play()

    # ---------------------------------------------------------------------------- full-speed worker
    def _restart_play(self) -> None:
        """(Re)start what plays at the current speed: the worker for ``FULL``, else the tick timer."""
        if self._engine_pending:  # engine_ready starts it
            return
        if self._speed is Speed.FULL and self._target is None:
            self._timer.stop()
            if self._worker is None:
                self._start_worker()
        else:
            message = self._stop_worker()
            if message:
                self._fail_message(message)
                return
            self._timer.start(self._interval())

    def _start_worker(self) -> None:
        if self.walking and not self._finish_walk():
            return
        self._clear_phase()
        worker = PlayWorker(self._trainer, self, chunk_seconds=WORKER_CHUNK_SECONDS)
        worker.failed.connect(partial(self._on_worker_failed, worker))
        self._worker = worker
        if self._saved_switch is None:
            self._saved_switch = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        self._frame_timer.start()
        worker.start()

    def _stop_worker(self) -> str:
        """Stop the worker and wait for it; returns its engine error message or ``""``."""
        worker, self._worker = self._worker, None
        self._frame_timer.stop()
        if self._saved_switch is not None:
            sys.setswitchinterval(self._saved_switch)
            self._saved_switch = None
        if worker is None:
            return ""
        message = worker.stop()
        return message

    def _on_worker_frame(self) -> None:
        if self._worker is not None and self._playing:
            self._last_emit = time.perf_counter()
            self.updated.emit()

    def _on_worker_failed(self, worker: PlayWorker, message: str) -> None:
        if worker is not self._worker:
            return  # already stopped (and reported) by a control
        self._stop_worker()
        self._fail_message(message)

    def _on_frame(self, ff: FastForward, done: int, total: int) -> None:
        try:
            if ff is not self._ff or ff.cancelled:
                return
            self._in_frame = True
            self.epochs_progress.emit(done, total)
            self.updated.emit()
        finally:
            self._in_frame = False
            ff.resume()

    def _on_ff_finished(self, ff: FastForward, message: str) -> None:
        if ff is not self._ff:
            return
        ff.wait()
        self._ff = None
        self.epochs_progress.emit(ff.done, ff.total)
        self.updated.emit()
        self.busy_changed.emit(False)
        if message:
            self.error.emit(message)
        self.train_finished.emit(ff.completed and not message)

    def _stop_fast_forward(self) -> None:
        ff = self._ff
        if ff is None:
            return
        ff.cancel()
        ff.wait()
        self._ff = None
        self.busy_changed.emit(False)
        self.train_finished.emit(False)

    # ---------------------------------------------------------------------------- phases
    def _advance_phase(self) -> PhaseEvent | None:
        for _attempt in range(2):
            if self._walk is None:
                self._walk = self._trainer.phases()
                self._trace = BatchTrace()
            try:
                event = next(self._walk)
            except StopIteration:  # the engine finished the batch on another call: start a new one
                self._walk = None
                continue
            except NnsimError as exc:
                self._walk = None
                self._fail(exc)
                return None
            self._trace.add(event)
            self._shown = event
            if event.phase is Phase.UPDATE:
                self._walk.close()  # nothing is left after UPDATE
                self._walk = None
            self.phase.emit(event)
            if event.phase is Phase.UPDATE:
                self.updated.emit()
            return event
        return None

    def _finish_walk(self) -> bool:
        """Complete the half-walked mini-batch (its weights update); False if that raised an error."""
        walk, self._walk = self._walk, None
        if walk is None:
            return True
        try:
            for _event in walk:
                pass
        except NnsimError as exc:
            self._fail(exc)
            return False
        finally:
            self._clear_phase()
        return True

    def _cancel_walk(self) -> None:
        """Drop the half-walked mini-batch: the weights stay as before it."""
        walk, self._walk = self._walk, None
        if walk is not None:
            walk.close()
        self._clear_phase()

    def _clear_phase(self) -> None:
        self._trace = BatchTrace()
        if self._shown is not None:
            self._shown = None
            self.phase.emit(None)

    # ---------------------------------------------------------------------------- internals
    def _interval(self) -> int:
        if self._target is not None:
            return 0
        if self._speed is Speed.PHASE_SLOW:
            return self.phase_interval_ms
        if self._speed is Speed.BATCH:
            return self.batch_interval_ms or max(1, round(1000 * self.frame_seconds))
        return 0

    def _tick(self) -> None:
        if not self._playing:
            return
        if self._target is not None:
            self._slice()
        elif self._speed is Speed.PHASE_SLOW:
            self._advance_phase()
        elif self._speed is Speed.BATCH:
            self._batch_tick()
        else:
            self._slice()
        if self._playing:  # a slot may have paused, or an error stopped play
            self._timer.start(self._interval())

    def _batch_tick(self) -> None:
        if self.walking:
            self._finish_walk()
        else:
            self._clear_phase()
            self._guard(lambda: self._trainer.run(1))
        if self._playing:
            self.updated.emit()

    def _slice(self) -> None:
        if self.walking and not self._finish_walk():
            return
        self._clear_phase()
        if not self._run_slice():
            return
        if self._target is not None and self._trainer.step_count >= self._target:
            self.pause()  # reached the step asked by run_to
            return
        now = time.perf_counter()
        if now - self._last_emit >= self.frame_seconds:
            self._last_emit = now
            self.updated.emit()

    def _run_slice(self) -> bool:
        """Train one adaptive slice (up to ``_target`` when set); False on an engine error."""
        n = self._steps_per_slice
        if self._target is not None:
            n = min(n, self._target - self._trainer.step_count)
        start = time.perf_counter()
        if not self._guard(lambda: self._trainer.run(n)):
            return False
        self._adapt(n, time.perf_counter() - start)
        return True

    def _adapt(self, n: int, elapsed: float) -> None:
        """Scale the next slice to take about ``slice_seconds`` (at most 2× larger or smaller at once)."""
        if elapsed <= 0:
            factor = 2.0
        else:
            factor = min(2.0, max(0.5, self.slice_seconds / elapsed))
        self._steps_per_slice = int(min(MAX_STEPS_PER_SLICE, max(1, round(n * factor))))

    def _guard(self, call: Callable[[], object]) -> bool:
        """Run an engine call; on an engine error pause, emit ``error`` and return False."""
        try:
            call()
        except NnsimError as exc:
            self._fail(exc)
            return False
        return True

    def _fail(self, exc: Exception) -> None:
        self._fail_message(str(exc))

    def _fail_message(self, message: str) -> None:
        was_playing = self._playing
        self._playing = False
        self._target = None
        self._timer.stop()
        self._stop_worker()
        walk, self._walk = self._walk, None
        if walk is not None:
            walk.close()
        self._clear_phase()
        if was_playing:
            self.playing_changed.emit(False)
        self.error.emit(message)
        self.updated.emit()


def bind_runner_to_controller(runner: TrainingRunner, controller: QObject) -> Callable[[], None]:
    """Keep ``runner`` on ``controller.trainer`` (follows ``trainer_changed``); returns an unbind function."""

    def follow() -> None:
        runner.set_trainer(controller.trainer)

    controller.trainer_changed.connect(follow)
    if runner.trainer is not controller.trainer:
        runner.set_trainer(controller.trainer)

    def unbind() -> None:
        controller.trainer_changed.disconnect(follow)

    return unbind
