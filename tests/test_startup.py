"""Start-up: a trainer and the window come up without Numba; the kernels load on the warm-up thread.

The window shows its scene before any kernel runs (the first epoch's order comes from a numpy twin of
the kernels' generator), and Play pressed while the kernels load starts training once they are ready.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest

from engine.kernels import shuffle

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_MS = 180_000  # a cold Numba cache compiles the kernels first


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**40 + 7, -3])
@pytest.mark.parametrize("n", [0, 1, 2, 3, 10, 250, 4099])
def test_numpy_permutation_is_the_kernels_permutation(seed, n):
    from engine.kernels import cpu

    for epoch in (0, 1, 2, 977):
        for on in (1, 0):
            compiled = np.full(n, -1, np.int64)
            cpu.epoch_permutation(seed, epoch, compiled, on)
            np.testing.assert_array_equal(shuffle.numpy_permutation(seed, epoch, n, on), compiled)


def test_numpy_permutation_is_a_permutation_that_changes_with_epoch_and_seed():
    first = shuffle.numpy_permutation(0, 0, 500, 1)
    assert sorted(first.tolist()) == list(range(500))
    assert not np.array_equal(first, np.arange(500))
    assert not np.array_equal(first, shuffle.numpy_permutation(0, 1, 500, 1))
    assert not np.array_equal(first, shuffle.numpy_permutation(1, 0, 500, 1))


def _run_python(code: str, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_new_trainer_needs_no_numba_and_trains_like_before():
    result = _run_python(
        """
        import sys
        from engine import SGD, Input, Network, Trainer, data, tfp_dense

        net = Network.sequential(Input(2), tfp_dense(4, "tanh"), tfp_dense(1, "tanh"))
        trainer = Trainer(net.build(seed=3), data.playground("xor", n_points=120), optimizer=SGD(0.1), seed=5)
        assert "numba" not in sys.modules, "building a trainer imported numba"
        first = trainer.perm.copy()
        trainer.run_epochs(2)
        trainer.rewind(0)  # the compiled kernel recomputes epoch 0's order
        assert (trainer.perm == first).all()
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ok" in result.stdout


def test_the_window_shows_its_scene_before_the_kernels_load():
    """Warm-up held back: the window is built, shown and painted, and no kernel was imported; the
    heatmaps come once the engine is ready, the watch panels (pyqtgraph) after it."""
    result = _run_python(
        f"""
        import sys, threading, time
        from PySide6.QtWidgets import QApplication
        import simulator.warmup as warmup

        gate = threading.Event()
        real = warmup.warm_up
        def held(make_trainer, on_ready=None):
            gate.wait(60)
            real(make_trainer, on_ready)
        warmup.warm_up = held

        from simulator.main_window import MainWindow
        app = QApplication([])
        window = MainWindow()
        assert "pyqtgraph" not in sys.modules, "the watch panels were built before the first paint"
        window.show()
        app.processEvents()
        image = window.grab().toImage()
        assert image.width() > 0
        assert not window.ready and not window.banner.isHidden()
        assert "engine.kernels.cpu" not in sys.modules, "a kernel was loaded before the window showed"
        layers = window.canvas.graph_scene.layer_items()
        assert set(layers) == set(window.trainer.model.layer_ids), "the canvas does not show the network"
        assert window.transport.play_action.isEnabled()
        assert not window.transport.step_action.isEnabled()
        assert not window.canvas.graph_scene.activity.means  # heatmaps wait for the kernels

        gate.set()
        deadline = time.time() + {TIMEOUT_MS / 1000}
        while not window.ready and time.time() < deadline:
            app.processEvents()
            time.sleep(0.005)
        assert window.ready and window.banner.isHidden()
        means = window.canvas.graph_scene.activity.means
        assert set(means) == set(window.trainer.model.layer_ids), "no heatmaps once the engine is ready"
        while not window.watch_tabs.is_built and time.time() < deadline:  # imported on the thread, then
            app.processEvents()  # built here
            time.sleep(0.005)
        assert window.watch_tabs.is_built, "the watch panels did not follow the engine"
        assert window.watch_tabs.currentWidget() is window.curves
        print("ok")
        """
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "ok" in result.stdout


@pytest.fixture
def held_warmup(monkeypatch):
    """Make the next window warm up (even if this process is warm already) and hold it until set."""
    import simulator.main_window as main_window
    import simulator.warmup as warmup

    gate = threading.Event()

    def held(make_trainer, on_ready=None):
        gate.wait(60)

    monkeypatch.setattr(main_window, "is_warm", lambda: False)
    monkeypatch.setattr(warmup, "_warm", False)
    monkeypatch.setattr(warmup, "warm_up", held)
    yield gate
    gate.set()


@pytest.mark.gui
def test_play_pressed_while_the_engine_loads_trains_once_it_is_ready(qtbot, held_warmup):
    from simulator.default_scene import make_default_trainer
    from simulator.main_window import MainWindow

    make_default_trainer().run(1)  # the kernels themselves are loaded in this process already
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    assert not window.ready
    window.transport.play_action.trigger()
    assert window.runner.is_playing
    assert "as soon as the engine is ready" in window.statusBar().currentMessage()
    qtbot.wait(150)
    assert window.trainer.step_count == 0  # nothing trains before the engine is ready
    held_warmup.set()
    qtbot.waitUntil(lambda: window.ready, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.trainer.step_count > 0, timeout=10_000)
    window.runner.pause()
    window.close()


@pytest.mark.gui
def test_pause_before_the_engine_is_ready_cancels_the_waiting_play(qtbot, held_warmup):
    from simulator.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    window.transport.play_action.trigger()
    window.transport.play_action.trigger()  # Pause
    assert not window.runner.is_playing
    held_warmup.set()
    qtbot.waitUntil(lambda: window.ready, timeout=TIMEOUT_MS)
    qtbot.wait(150)
    assert window.trainer.step_count == 0
    window.close()


@pytest.mark.gui
def test_the_runner_holds_play_until_the_engine_is_ready(qtbot):
    from simulator.default_scene import make_default_trainer
    from simulator.runner import Speed, TrainingRunner

    runner = TrainingRunner(make_default_trainer())
    runner.set_speed(Speed.BATCH)
    runner.wait_for_engine()
    runner.play()
    assert runner.is_playing and runner.waiting_for_engine
    qtbot.wait(100)
    runner.set_speed(Speed.FULL)  # another speed while waiting starts nothing either
    qtbot.wait(100)
    assert runner.trainer.step_count == 0
    runner.engine_ready()
    assert not runner.waiting_for_engine
    qtbot.waitUntil(lambda: runner.trainer.step_count > 0, timeout=TIMEOUT_MS)
    runner.shutdown()


@pytest.mark.gui
def test_the_watch_panels_come_within_seconds_while_the_kernels_still_compile(qtbot, held_warmup):
    """A first start compiles for a minute or more: the curves and the other panels do not wait for it."""
    from simulator.main_window import PANELS_LATEST_SECONDS, MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.watch_tabs.is_built, timeout=round(2000 * PANELS_LATEST_SECONDS))
    assert not window.ready and not window.banner.isHidden()  # still compiling, and saying so
    held_warmup.set()
    qtbot.waitUntil(lambda: window.ready, timeout=TIMEOUT_MS)
    window.close()


class _Recorder:
    """A trainer stand-in that records which compiled path the warm-up ran, and when."""

    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.model = self
        self.data = type("Data", (), {"x_test": np.zeros((4, 2), np.float32)})()

    def run(self, n):
        self.log.append("run")

    def predict(self, x):
        self.log.append("predict")

    def step(self):
        self.log.append("step")

    def evaluate(self, split):
        self.log.append("evaluate")

    def reset(self):
        self.log.append("reset")


@pytest.mark.parametrize("compiled", [False, True])
def test_the_engine_is_ready_before_step_loads_unless_the_kernels_are_being_compiled(monkeypatch, compiled):
    import simulator.warmup as warmup

    log: list[str] = []
    monkeypatch.setattr(warmup, "_warm", False)
    monkeypatch.setattr(warmup, "compiled_here", lambda: compiled)
    warmup.warm_up(lambda: _Recorder(log), lambda: log.append("ready"))
    if compiled:  # a Step or a curve would otherwise wait for a compile on the GUI thread
        assert log == ["run", "predict", "step", "evaluate", "reset"]  # ready is told by the caller
    else:
        assert log == ["run", "predict", "ready", "step", "evaluate", "reset"]
    assert warmup.is_warm()
    log.clear()
    warmup.warm_up(lambda: _Recorder(log), lambda: log.append("ready"))  # warm: nothing but ready
    assert log == ["ready"]
