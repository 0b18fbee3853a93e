"""Train many epochs in a worker thread while the window stays live: "Train N epochs".

The engine's kernels release the GIL, so ``trainer.run`` in a plain ``threading.Thread`` trains at
close to full speed beside the event loop, as long as each call lasts a few tens of milliseconds
(see SETUP-NOTES: ~30 ms chunks). The worker owns the trainer from :meth:`FastForward.start` until
``finished``; the GUI thread must not call the trainer meanwhile.

About 30 times a second the worker *pauses* and emits ``frame(done, total)``; it waits until the GUI
thread calls :meth:`resume`. While it waits, the GUI may read anything from the trainer (weights,
``evaluate``, ``history``): that is how views redraw the latest state without racing the worker.
:meth:`cancel` never blocks: it asks the running chunk to stop (``trainer.request_stop()``) and wakes
a waiting worker, which then ends after at most one step.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QObject, Signal

from engine import NnsimError, Trainer

CHUNK_SECONDS = 0.03
FRAME_SECONDS = 1 / 30
MAX_CHUNK = 1 << 20
_POLL_SECONDS = 0.05


class FastForward(QObject):
    """Trains ``n_epochs`` more epochs of ``trainer`` in a daemon thread.

    Signals (emitted from the worker thread; connect with the default, queued, connection)
    -------
    frame(int, int)
        ``(epochs done, epochs asked)``. The worker is paused until :meth:`resume` is called: read
        the trainer in the slot, then call ``resume()`` (always, even when the slot fails).
    finished(str)
        The worker has stopped: ``""`` when it trained all epochs or was cancelled, otherwise the
        engine's error message (the trainer is then at its last good state).
    """

    frame = Signal(int, int)
    finished = Signal(str)

    def __init__(
        self,
        trainer: Trainer,
        n_epochs: int,
        parent: QObject | None = None,
        chunk_seconds: float = CHUNK_SECONDS,
        frame_seconds: float = FRAME_SECONDS,
    ) -> None:
        super().__init__(parent)
        if n_epochs < 1:
            raise ValueError(f"the number of epochs must be at least 1, not {n_epochs}")
        self.trainer = trainer
        self.total = int(n_epochs)
        self.chunk_seconds = float(chunk_seconds)
        self.frame_seconds = float(frame_seconds)
        self.start_epoch = trainer.epoch
        self.start_step = trainer.step_count
        self.done = 0  # epochs trained so far (written by the worker)
        self.error = ""
        self._cancel = threading.Event()
        self._resume = threading.Event()
        self._thread: threading.Thread | None = None

    # --------------------------------------------------------------------------- control
    def start(self) -> None:
        """Start the worker; the trainer belongs to it until ``finished``."""
        if self._thread is not None:
            raise RuntimeError("a FastForward runs only once")
        self._thread = threading.Thread(target=self._work, name="nnsim-fast-forward", daemon=True)
        self._thread.start()

    def cancel(self) -> None:
        """Stop as soon as possible (never blocks; the trainer stays consistent)."""
        self._cancel.set()
        self.trainer.request_stop()
        self._resume.set()

    def resume(self) -> None:
        """Let the worker go on after a ``frame``."""
        self._resume.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the worker has ended; True if it has. Call :meth:`cancel` first to make it quick."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def completed(self) -> bool:
        """True when every asked epoch was trained."""
        return self.done >= self.total

    # ---------------------------------------------------------------------------- worker
    def _work(self) -> None:
        t = self.trainer
        target = self.start_epoch + self.total
        n = 1
        last_frame = time.perf_counter()
        try:
            while t.epoch < target and not self._cancel.is_set():
                start = time.perf_counter()
                did = t.run(n, stop_at_epoch_end=True)
                elapsed = time.perf_counter() - start
                self.done = t.epoch - self.start_epoch
                if self._cancel.is_set():
                    break
                n = self._next_chunk(n, did, elapsed)
                now = time.perf_counter()
                if t.epoch < target and now - last_frame >= self.frame_seconds:
                    self._pause_for_frame()
                    last_frame = time.perf_counter()
        except NnsimError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            self.error = f"training stopped: {exc}"
        finally:
            self.done = t.epoch - self.start_epoch
            self.finished.emit(self.error)

    def _next_chunk(self, n: int, did: int, elapsed: float) -> int:
        """About ``chunk_seconds`` of steps next time, growing at most 4× at once."""
        if did <= 0:
            return n
        if elapsed <= 0:
            return min(MAX_CHUNK, 4 * n)
        ideal = did * self.chunk_seconds / elapsed
        return int(max(1, min(MAX_CHUNK, 4 * n, ideal)))

    def _pause_for_frame(self) -> None:
        self._resume.clear()
        if self._cancel.is_set():
            return
        self.frame.emit(self.done, self.total)
        while not self._resume.wait(_POLL_SECONDS):
            if self._cancel.is_set():
                return


class PlayWorker(QObject):
    """Plays at full speed: ``trainer.run`` in ~``chunk_seconds`` chunks in a daemon thread until stopped.

    There is no handshake with the GUI thread: views redraw from the live weights and history while it
    trains (the model's own work buffers serve the GUI; the trainer's are the worker's alone), so the GUI
    thread must not call the trainer (``evaluate``, ``step``, ``configure``...) until :meth:`stop` returned.

    Signals (emitted from the worker thread; connect with the default, queued, connection)
    -------
    failed(str)
        The engine raised an error (the trainer is at its last good state); the worker has ended.
    """

    failed = Signal(str)

    def __init__(self, trainer: Trainer, parent: QObject | None = None, chunk_seconds: float = CHUNK_SECONDS):
        super().__init__(parent)
        self.trainer = trainer
        self.chunk_seconds = float(chunk_seconds)
        self.error = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start training; the trainer belongs to the worker until :meth:`stop` returns."""
        if self._thread is not None:
            raise RuntimeError("a PlayWorker runs only once")
        self._thread = threading.Thread(target=self._work, name="nnsim-play", daemon=True)
        self._thread.start()

    def stop(self) -> str:
        """Stop after the current step and wait for the thread; returns the engine's error or ``""``."""
        self._stop.set()
        self.trainer.request_stop()
        if self._thread is not None:
            while self._thread.is_alive():
                self.trainer.request_stop()  # ``run`` clears the flag when it starts a chunk
                self._thread.join(_POLL_SECONDS)
        return self.error

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def ident(self) -> int | None:
        """The worker thread's ``threading.get_ident()`` (None before :meth:`start`)."""
        return None if self._thread is None else self._thread.ident

    def _work(self) -> None:
        t = self.trainer
        n = 1
        try:
            while not self._stop.is_set():
                start = time.perf_counter()
                did = t.run(n)
                elapsed = time.perf_counter() - start
                if did <= 0 or elapsed <= 0:
                    n = min(MAX_CHUNK, 4 * n)
                else:
                    n = int(max(1, min(MAX_CHUNK, 4 * n, did * self.chunk_seconds / elapsed)))
        except NnsimError as exc:
            self.error = str(exc)
        except Exception as exc:  # noqa: BLE001 - a worker must report, never die silently
            self.error = f"training stopped: {exc}"
        if self.error and not self._stop.is_set():
            self.failed.emit(self.error)
