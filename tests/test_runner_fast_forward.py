"""Train N epochs in the worker thread: progress, completion, cancel, errors, and a quiet GUI thread."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from engine import Phase
from simulator.default_scene import make_default_trainer
from simulator.fast_forward import FastForward
from simulator.runner import TrainingRunner

pytestmark = pytest.mark.gui

TIMEOUT_MS = 60_000


@pytest.fixture(scope="module", autouse=True)
def compiled():
    """Compile the kernels on this thread first (a cold cache compiles for a minute or more)."""
    make_default_trainer().run_epochs(1)


@pytest.fixture
def runner(qtbot):
    r = TrainingRunner(make_default_trainer())
    yield r
    r.shutdown()


def assert_consistent(trainer) -> None:
    assert np.all(np.isfinite(trainer.model.flat))
    assert trainer.step_count == len(trainer.step_losses)
    assert trainer.epoch == len(trainer.history)
    assert trainer.step_count >= 25 * trainer.epoch  # 250 points in batches of 10: 25 steps an epoch


def test_train_epochs_reaches_n_epochs(runner, qtbot):
    busy, progress, updates = [], [], []
    runner.busy_changed.connect(busy.append)
    runner.epochs_progress.connect(lambda done, total: progress.append((done, total)))
    runner.updated.connect(lambda: updates.append(runner.progress()))
    threads = set()
    runner.epochs_progress.connect(lambda *_: threads.add(threading.current_thread()))
    with qtbot.waitSignal(runner.train_finished, timeout=TIMEOUT_MS) as finished:
        assert runner.train_epochs(40)
        assert runner.is_busy
    assert finished.args == [True]
    assert busy == [True, False] and not runner.is_busy
    assert progress[0] == (0, 40) and progress[-1] == (40, 40)
    assert all(a[0] <= b[0] for a, b in zip(progress, progress[1:], strict=False))
    trainer = runner.trainer
    assert trainer.epoch == 40 and trainer.step_count == 1000
    assert_consistent(trainer)
    reference = make_default_trainer()
    reference.run_epochs(40)
    np.testing.assert_array_equal(trainer.model.flat, reference.model.flat)  # the same as the fast path
    assert updates[-1].epoch == 40 and np.isfinite(updates[-1].train_loss)
    assert threads == {threading.main_thread()}  # every signal arrives on the GUI thread


def test_cancel_stops_early_without_corrupting_state(runner, qtbot):
    progress = []
    runner.epochs_progress.connect(lambda done, total: progress.append(done))
    assert runner.train_epochs(1_000_000)
    qtbot.waitUntil(lambda: progress and progress[-1] >= 2, timeout=TIMEOUT_MS)
    assert not runner.train_epochs(3)  # one at a time
    with qtbot.waitSignal(runner.train_finished, timeout=TIMEOUT_MS) as finished:
        runner.cancel()
    assert finished.args == [False]
    trainer = runner.trainer
    assert 2 <= trainer.epoch < 1_000_000
    assert_consistent(trainer)
    # the run goes on exactly: a step, a step back, a rewind
    steps = trainer.step_count
    weights = trainer.model.flat.copy()
    runner.step()
    assert trainer.step_count == steps + 1
    runner.step_back()
    np.testing.assert_array_equal(trainer.model.flat, weights)
    reference = make_default_trainer()
    reference.run(steps)
    np.testing.assert_array_equal(weights, reference.model.flat)


def test_controls_are_refused_while_busy(runner, qtbot):
    runner.step_phase()
    assert runner.walking
    assert runner.train_epochs(1_000_000)
    assert not runner.walking  # the half-walked batch was finished before the worker started
    runner.play()
    assert not runner.is_playing
    assert runner.step_phase() is None
    assert not runner.rewind(0) and not runner.set_learning_rate(0.5)
    runner.step()
    runner.reset()
    p = runner.progress()  # cached losses: no evaluation while the worker trains
    assert p.step >= 1
    with qtbot.waitSignal(runner.train_finished, timeout=TIMEOUT_MS):
        runner.cancel()
    assert runner.trainer.learning_rate == pytest.approx(0.03)
    assert_consistent(runner.trainer)


def test_an_error_in_the_worker_is_reported(runner, qtbot):
    assert runner.set_learning_rate(1e39)
    errors = []
    runner.error.connect(errors.append)
    with qtbot.waitSignal(runner.train_finished, timeout=TIMEOUT_MS) as finished:
        runner.train_epochs(5)
    assert finished.args == [False]
    assert errors and "diverged" in errors[0]
    assert np.all(np.isfinite(runner.trainer.model.flat))
    assert not runner.is_busy


def test_set_trainer_stops_the_worker(runner, qtbot):
    assert runner.train_epochs(1_000_000)
    finished = []
    runner.train_finished.connect(finished.append)
    other = make_default_trainer()
    runner.set_trainer(other)
    assert not runner.is_busy and finished == [False]
    assert runner.trainer is other
    qtbot.wait(50)  # a late signal from the old worker is ignored
    assert finished == [False]


def test_frames_pause_the_worker(qtbot):
    trainer = make_default_trainer()
    ff = FastForward(trainer, 1_000_000, frame_seconds=0.0)
    seen = []

    def on_frame(done, total):
        step = trainer.step_count
        qtbot.wait(20)  # the worker waits for resume(): the trainer holds still meanwhile
        seen.append(trainer.step_count == step)
        if len(seen) >= 3:
            ff.cancel()
        ff.resume()

    ff.frame.connect(on_frame)
    with qtbot.waitSignal(ff.finished, timeout=TIMEOUT_MS) as finished:
        ff.start()
    assert ff.wait(5)
    assert finished.args == [""] and ff.cancelled and not ff.completed
    assert seen[:3] == [True, True, True]
    assert_consistent(trainer)
    with pytest.raises(RuntimeError):
        ff.start()
    with pytest.raises(ValueError):
        FastForward(trainer, 0)


def test_phase_walk_after_training_epochs(runner, qtbot):
    with qtbot.waitSignal(runner.train_finished, timeout=TIMEOUT_MS):
        runner.train_epochs(2)
    event = runner.step_phase()
    assert event.phase is Phase.FORWARD and event.step == 50 and event.epoch == 2
