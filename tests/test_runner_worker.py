"""Playing at full speed in the worker thread: it trains while the GUI thread stays live, stops cleanly."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from simulator.default_scene import make_default_trainer
from simulator.runner import Speed, TrainingRunner

pytestmark = pytest.mark.gui

TIMEOUT_MS = 30_000


@pytest.fixture(scope="module", autouse=True)
def compiled():
    """Compile the kernels on this thread first (a cold cache compiles for a minute or more)."""
    make_default_trainer().run_epochs(1)


@pytest.fixture
def runner(qtbot):
    r = TrainingRunner(make_default_trainer())
    r.set_speed(Speed.FULL)
    yield r
    r.shutdown()


def test_full_speed_trains_in_the_worker_while_events_run(runner, qtbot):
    ticks = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(runner.trainer.step_count))
    timer.start(5)
    updates = []
    runner.updated.connect(lambda: updates.append(runner.trainer.step_count))
    runner.play()
    assert runner.is_playing
    assert runner._worker is not None and runner._worker.running
    qtbot.waitUntil(lambda: runner.trainer.step_count > 2000 and len(ticks) > 20, timeout=TIMEOUT_MS)
    timer.stop()
    assert len(updates) >= 2
    assert ticks[-1] > ticks[0]  # the GUI thread saw training go on between its own events
    progress = runner.progress()  # read from the history while the worker plays
    assert progress.step >= 0
    runner.pause()
    assert np.all(np.isfinite(runner.trainer.model.flat))


def test_pause_stops_the_worker(runner, qtbot):
    runner.play()
    qtbot.waitUntil(lambda: runner.trainer.step_count > 200, timeout=TIMEOUT_MS)
    runner.pause()
    assert not runner.is_playing
    assert runner._worker is None
    step = runner.trainer.step_count
    time.sleep(0.1)
    QApplication.processEvents()
    assert runner.trainer.step_count == step
    assert np.isfinite(runner.progress().train_loss)  # evaluated again once paused


def test_diverging_learning_rate_while_playing_reports_error(runner, qtbot):
    errors = []
    playing = []
    runner.error.connect(errors.append)
    runner.playing_changed.connect(playing.append)
    runner.play()
    qtbot.waitUntil(lambda: runner.trainer.step_count > 100, timeout=TIMEOUT_MS)
    assert runner.set_learning_rate(1e39)  # the worker stops for the change, then goes on
    qtbot.waitUntil(lambda: bool(errors), timeout=TIMEOUT_MS)
    assert not runner.is_playing
    assert playing[-1] is False
    assert runner._worker is None
    assert np.all(np.isfinite(runner.trainer.model.flat))


def test_play_step_play(runner, qtbot):
    runner.play()
    qtbot.waitUntil(lambda: runner.trainer.step_count > 100, timeout=TIMEOUT_MS)
    runner.step()
    assert not runner.is_playing
    step = runner.trainer.step_count
    runner.step()
    assert runner.trainer.step_count == step + 1
    runner.play()
    qtbot.waitUntil(lambda: runner.trainer.step_count > step + 100, timeout=TIMEOUT_MS)
    assert runner.is_playing
    runner.pause()


def test_settings_change_while_playing_stops_the_worker_for_it(runner, qtbot):
    runner.play()
    qtbot.waitUntil(lambda: runner.trainer.step_count > 100, timeout=TIMEOUT_MS)
    runner.trainer.configure(batch_size=5)  # as a settings panel does: the worker is held for it
    assert runner.trainer.settings.batch_size == 5
    assert runner.is_playing
    step = runner.trainer.step_count
    qtbot.waitUntil(lambda: runner.trainer.step_count > step + 100, timeout=TIMEOUT_MS)
    runner.pause()


def test_closing_the_window_while_playing_stops_the_worker(qtbot):
    from simulator.main_window import MainWindow

    window = MainWindow(trainer=make_default_trainer())
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(lambda: window.ready, timeout=TIMEOUT_MS)
    window.runner.set_speed(Speed.FULL)
    window.runner.play()
    qtbot.waitUntil(lambda: window.trainer.step_count > 200, timeout=TIMEOUT_MS)
    worker = window.runner._worker
    assert worker is not None and worker.running
    window.files.confirm_close = lambda: True
    window.close()
    assert not worker.running
    assert not window.runner.is_playing
    step = window.trainer.step_count
    time.sleep(0.05)
    assert window.trainer.step_count == step
