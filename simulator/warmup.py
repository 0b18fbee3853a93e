"""Compile the engine's Numba kernels in a background thread, so the window is never frozen meanwhile.

The first call of each kernel after installing compiles it (20-60 s in all); later starts load the
compiled code from Numba's cache in well under a second. :class:`EngineWarmup` trains a throwaway
trainer for one step along every path the window uses (the compiled ``run``, the phase-by-phase
``step``, ``evaluate`` and ``predict``) and reports back on the GUI thread through a Qt signal. The
window's own trainer is never touched from the thread.

The thread also does the process's first Numba import (``engine.kernels.cpu`` is imported on first use),
so a window shows its scene before any kernel is loaded. While a warm-up is under way,
:func:`engine_loading` is True: views that need a kernel (the canvas's heatmaps) wait for it instead of
loading the kernels on the GUI thread, and draw when the window says the engine is ready.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QWidget

from engine import Trainer

PREPARING_TEXT = "Preparing the training engine (first start compiles; later starts are instant)…"

_lock = threading.Lock()
_warm = False
_loading = False  # a warm-up thread has been started and has not finished


def warm_up(make_trainer: Callable[[], Trainer]) -> None:
    """Run every compiled path once on a throwaway trainer; only the first call in a process does work."""
    global _warm
    with _lock:
        if _warm:
            return
        trainer = make_trainer()
        trainer.run(1)
        trainer.step()
        trainer.evaluate("train")
        trainer.model.predict(np.asarray(trainer.data.x_test[:4]))
        trainer.reset()
        from simulator import plane_kernel  # the views' pass over the input plane

        plane_kernel.load()
        _warm = True


def is_warm() -> bool:
    """True once :func:`warm_up` has finished in this process."""
    return _warm


def engine_loading() -> bool:
    """True while a warm-up thread loads (or compiles) the kernels.

    A kernel called on the GUI thread meanwhile would wait for that thread, freezing the window.
    """
    return _loading


class EngineWarmup(QObject):
    """Warms the engine up in a daemon thread and emits ``finished(message)`` on the GUI thread.

    ``message`` is empty on success, or says what failed (the window stays usable: the kernels then
    compile on first use instead). From :meth:`start` until the thread ends, :func:`engine_loading` is
    True (unless the process is warm already): start it before building the views.
    """

    finished = Signal(str)

    def __init__(self, make_trainer: Callable[[], Trainer], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._make_trainer = make_trainer
        self._thread: threading.Thread | None = None
        self._go = threading.Event()

    def start(self, hold_s: float = 0.0) -> None:
        """Start the thread (once); it waits up to ``hold_s`` for :meth:`release` before working."""
        global _loading
        if self._thread is not None:
            return
        _loading = not _warm
        if hold_s <= 0:
            self._go.set()
        notifier = _Notifier()  # lives on the GUI thread; its queued signal carries the result across
        notifier.done.connect(self.finished)
        self._notifier = notifier
        self._thread = threading.Thread(
            target=_work,
            args=(self._make_trainer, notifier, self._go, hold_s),
            name="nnsim-engine-warmup",
            daemon=True,
        )
        self._thread.start()

    def release(self) -> None:
        """Let a held thread work now."""
        self._go.set()

    def release_after_paint(self, widget: QWidget, then: Callable[[], None] | None = None) -> None:
        """Once ``widget`` first paints, call ``then`` (default :meth:`release`) after that frame.

        The thread holds the GIL for most of its second: released then, it does not slow the building
        and the first frame of the window.
        """
        if not self._go.is_set():
            self._after_paint = then or self.release
            widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self, self._after_paint)
        return False

    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the thread ends (for tests and shutdown); returns False on timeout."""
        if self._thread is None:
            return True
        self._thread.join(timeout)
        return not self._thread.is_alive()


class _Notifier(QObject):
    done = Signal(str)


def _work(
    make_trainer: Callable[[], Trainer], notifier: _Notifier, go: threading.Event, hold_s: float
) -> None:
    global _loading
    go.wait(hold_s)
    try:
        warm_up(make_trainer)
        message = ""
    except Exception as exc:  # reported in the window; the kernels then compile on first use
        message = f"preparing the training engine failed: {exc}"
    finally:
        _loading = False
    try:
        notifier.done.emit(message)
    except RuntimeError:  # the window went away before the engine was ready
        pass
