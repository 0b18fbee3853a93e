"""Compile the engine's Numba kernels in a background thread, so the window is never frozen meanwhile.

The first call of each kernel after installing compiles it (20-60 s in all); later starts load the
compiled code from Numba's cache in well under a second. :class:`EngineWarmup` trains a throwaway
trainer for one step along every path the window uses and reports back on the GUI thread through a
Qt signal as soon as what Play and the views need is in (the compiled ``run``, the forward pass and
the views' plane kernel); the phase-by-phase ``step`` and ``evaluate`` load after that, on the same
thread (a Step pressed meanwhile waits for them, a tenth of a second at most). On a first start, when
the kernels compile, the window is told once they all are. The window's own trainer is never touched
from the thread.

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
_loading = False  # a warm-up thread has been started and the engine is not ready yet


def warm_up(make_trainer: Callable[[], Trainer], on_ready: Callable[[], None] | None = None) -> None:
    """Run every compiled path once on a throwaway trainer; only the first call in a process does work.

    ``on_ready`` is called (on this thread) once Play and the views can run without waiting: the
    compiled training loop, the forward pass and the plane kernel are loaded. The phase-by-phase step
    and the evaluation load after it.
    """
    global _warm
    with _lock:
        if _warm:
            if on_ready is not None:
                on_ready()
            return
        trainer = make_trainer()
        trainer.run(1)  # Play
        trainer.model.predict(np.asarray(trainer.data.x_test[:4]))  # heatmaps and the output view
        from simulator import plane_kernel  # the views' pass over the input plane

        plane_kernel.load()
        if on_ready is not None and not compiled_here():
            on_ready()  # (a first start compiles the rest too, for a minute: ready waits for it then,
            # as a Step or a curve would otherwise wait on the GUI thread)
        trainer.step()  # Step phase / batch
        trainer.evaluate("train")  # curves and the test metrics
        trainer.reset()
        _warm = True


def compiled_here() -> bool:
    """True when this process compiled the training loop rather than loading it from Numba's cache."""
    from engine.kernels import cpu

    stats = getattr(cpu.train_steps, "stats", None)
    return bool(stats is not None and sum(stats.cache_misses.values()))


def is_warm() -> bool:
    """True once :func:`warm_up` has finished in this process."""
    return _warm


def engine_loading() -> bool:
    """True while a warm-up thread loads (or compiles) the kernels Play and the views need.

    A kernel called on the GUI thread meanwhile would wait for that thread, freezing the window.
    """
    return _loading


class EngineWarmup(QObject):
    """Warms the engine up in a daemon thread and emits ``finished(message)`` on the GUI thread.

    ``finished`` comes once the engine is ready (see :func:`warm_up`); ``message`` is empty on success,
    or says what failed (the window stays usable: the kernels then compile on first use instead). From
    :meth:`start` until then, :func:`engine_loading` is True (unless the process is warm already):
    start it before building the views. After the rest of the kernels, the thread calls ``preload``
    (imports for the views to come, which must create no Qt object) and then emits ``preloaded``.
    """

    finished = Signal(str)
    preloaded = Signal()

    def __init__(
        self,
        make_trainer: Callable[[], Trainer],
        parent: QObject | None = None,
        preload: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(parent)
        self._make_trainer = make_trainer
        self._preload = preload
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
        notifier.preloaded.connect(self.preloaded)
        self._notifier = notifier
        self._thread = threading.Thread(
            target=_work,
            args=(self._make_trainer, self._preload, notifier, self._go, hold_s),
            name="nnsim-engine-warmup",
            daemon=True,
        )
        self._thread.start()

    def release(self) -> None:
        """Let a held thread work now."""
        self._go.set()

    def release_after_paint(self, widget: QWidget) -> None:
        """Once ``widget`` first paints, :meth:`release` the thread after that frame.

        The thread holds the GIL for most of its second: released then, it does not slow the building
        and the first frame of the window.
        """
        if not self._go.is_set():
            widget.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if event.type() == QEvent.Type.Paint:
            obj.removeEventFilter(self)
            QTimer.singleShot(0, self, self.release)
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
    preloaded = Signal()


def _work(
    make_trainer: Callable[[], Trainer],
    preload: Callable[[], None] | None,
    notifier: _Notifier,
    go: threading.Event,
    hold_s: float,
) -> None:
    go.wait(hold_s)
    told = False

    def tell(message: str) -> None:
        global _loading
        nonlocal told
        _loading = False  # the views may call the kernels from now on
        if told:  # a failure after ready (Step's kernels): they compile on first use, and say so then
            return
        told = True
        try:
            notifier.done.emit(message)
        except RuntimeError:  # the window went away before the engine was ready
            pass

    try:
        warm_up(make_trainer, lambda: tell(""))
        tell("")
    except Exception as exc:  # reported in the window; the kernels then compile on first use
        tell(f"preparing the training engine failed: {exc}")
    try:
        if preload is not None:
            preload()
    except Exception:  # nothing lost: what was to be imported here is imported when first used
        pass
    try:
        notifier.preloaded.emit()
    except RuntimeError:  # the window went away meanwhile
        pass
