"""The runner's phase walk, speeds, step back and rewind: the trainer moves exactly as asked."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Phase
from simulator.caption import PhaseCaption
from simulator.default_scene import make_default_trainer
from simulator.runner import Speed, TrainingRunner, bind_runner_to_controller

pytestmark = pytest.mark.gui


@pytest.fixture
def runner(qtbot):
    r = TrainingRunner(make_default_trainer())
    yield r
    r.shutdown()


def reference_weights(steps: int) -> np.ndarray:
    t = make_default_trainer()
    t.run(steps)
    return t.model.flat.copy()


def test_step_phase_walks_one_batch_in_order(runner, qtbot):
    caption = PhaseCaption(runner)
    qtbot.addWidget(caption)
    events = []
    runner.phase.connect(events.append)
    trainer = runner.trainer
    order = [n.id for n in trainer.model.resolved.order]
    before = trainer.model.flat.copy()
    texts, formulas = [], []
    for _ in range(2 * len(order) + 1):
        event = runner.step_phase()
        texts.append(caption.text.text())
        formulas.append(caption.formula.text())
        assert caption.event is event
        if event.phase is not Phase.UPDATE:
            assert runner.walking
            np.testing.assert_array_equal(trainer.model.flat, before)  # weights change only at UPDATE
            assert trainer.step_count == 0
    assert not runner.walking
    expected = (
        [(Phase.FORWARD, layer) for layer in order]
        + [(Phase.LOSS, "dense_4")]
        + [(Phase.BACKWARD, layer) for layer in reversed(order[1:])]
        + [(Phase.UPDATE, None)]
    )
    assert [(e.phase, e.layer) for e in events] == expected
    assert [e.layer_index for e in events[: len(order)]] == list(range(len(order)))
    assert trainer.step_count == 1
    np.testing.assert_array_equal(trainer.model.flat, reference_weights(1))
    assert runner.current_phase is events[-1] and runner.trace.update is events[-1]

    assert texts[0].startswith("Step 1, epoch 1: a mini-batch of 10 training samples enters the network")
    assert texts[2].startswith(
        "Forward: layer 'dense_2' multiplies its 8 inputs by the weights, adds the bias and applies tanh"
    )
    assert texts[4].endswith("These are the network's predictions.")
    assert texts[5].startswith("Loss: the loss compares 10 predictions with their targets: mse = ")
    assert texts[6].startswith("Backward: the error signal δ = ∂L/∂a · f′(z) of layer 'dense_4'")
    assert "∂L/∂w = input × δ" in texts[6]
    assert texts[-1].startswith("Update: each weight moves by −η·∂L/∂w = −0.03 × ∂L/∂w")
    assert caption.tag.text() == "Step 1 · Update"
    assert formulas[2].startswith("unit 1 of 'dense_2': a = tanh(Σ wᵢxᵢ + b) = tanh(")
    assert formulas[5].startswith("output 1: ∂L/∂y = 2(y − t) / 10 = 2 × (")
    assert formulas[-1].startswith("'dense_")  # the weight that changed most, with Δw = −η · …
    assert "Δ" in formulas[-1] and "−0.03 × " in formulas[-1]


def test_next_walk_and_step_batch_finish_the_batch(runner):
    events = []
    runner.phase.connect(events.append)
    for _ in range(11):
        runner.step_phase()
    first = runner.step_phase()  # a new mini-batch starts after UPDATE
    assert first.phase is Phase.FORWARD and first.layer == "input" and first.step == 1
    runner.step_phase()
    events.clear()
    runner.step()  # finishes the half-walked mini-batch: that is the one step
    assert events == [None]
    assert not runner.walking and runner.current_phase is None and len(runner.trace) == 0
    assert runner.trainer.step_count == 2
    np.testing.assert_array_equal(runner.trainer.model.flat, reference_weights(2))


def test_progress_does_not_disturb_a_half_walked_batch(runner):
    first = runner.progress()
    for _ in range(3):
        runner.step_phase()
    mid = runner.progress()
    assert runner.walking and mid.step == 0 and mid.train_loss == first.train_loss
    for _ in range(8):
        runner.step_phase()
    np.testing.assert_array_equal(runner.trainer.model.flat, reference_weights(1))


def test_step_back_returns_to_identical_weights(runner):
    for _ in range(3):
        runner.step()
    after_three = runner.trainer.model.flat.copy()
    runner.step()
    assert not np.array_equal(runner.trainer.model.flat, after_three)
    runner.step_back()
    assert runner.trainer.step_count == 3
    np.testing.assert_array_equal(runner.trainer.model.flat, after_three)


def test_step_back_drops_a_half_walked_batch(runner):
    runner.step()
    weights = runner.trainer.model.flat.copy()
    events = []
    runner.phase.connect(events.append)
    for _ in range(7):
        runner.step_phase()
    runner.step_back()
    assert not runner.walking and events[-1] is None
    assert runner.trainer.step_count == 1
    np.testing.assert_array_equal(runner.trainer.model.flat, weights)
    runner.step_back()
    assert runner.trainer.step_count == 0


def test_rewind_cancels_the_walk_and_replays_exactly(runner):
    recorded = [runner.trainer.model.flat.copy()]
    for _ in range(30):
        runner.step()
        recorded.append(runner.trainer.model.flat.copy())
    for _ in range(4):
        runner.step_phase()
    assert runner.rewind(12)
    assert not runner.walking and runner.current_phase is None
    assert runner.trainer.step_count == 12
    np.testing.assert_array_equal(runner.trainer.model.flat, recorded[12])
    for k in range(13, 31):
        runner.step()
        np.testing.assert_array_equal(runner.trainer.model.flat, recorded[k])
    assert runner.rewind(3) and runner.run_to(30)
    np.testing.assert_array_equal(runner.trainer.model.flat, recorded[30])
    errors = []
    runner.error.connect(errors.append)
    assert not runner.rewind(99)  # beyond this run: refused, nothing changes
    assert errors and runner.trainer.step_count == 30


def test_play_then_pause_changes_the_weights(runner, qtbot):
    before = runner.trainer.model.flat.copy()
    runner.play()
    qtbot.wait(150)
    runner.pause()
    steps = runner.trainer.step_count
    assert steps > 1 and not np.array_equal(runner.trainer.model.flat, before)
    qtbot.wait(50)
    assert runner.trainer.step_count == steps


def test_phase_speed_advances_phases_on_a_timer(runner, qtbot):
    events = []
    runner.phase.connect(events.append)
    runner.set_speed(Speed.PHASE_SLOW, 25)
    assert runner.speed is Speed.PHASE_SLOW and runner.phase_interval_ms == 25
    runner.play()
    assert len(events) == 0  # the first phase comes from the timer, not from play() itself
    qtbot.waitUntil(lambda: len(events) >= 13, timeout=5000)
    runner.pause()
    count = len(events)
    assert [e.phase for e in events[:12]] == (
        [Phase.FORWARD] * 5 + [Phase.LOSS] + [Phase.BACKWARD] * 4 + [Phase.UPDATE] + [Phase.FORWARD]
    )
    qtbot.wait(100)
    assert len(events) == count  # paused means paused, even half-way through a batch
    assert runner.trainer.step_count == 1 and runner.walking


def test_phase_speed_is_one_phase_per_interval(runner, qtbot):
    events = []
    runner.phase.connect(events.append)
    runner.set_speed(Speed.PHASE_SLOW, 200)
    runner.play()
    qtbot.wait(500)
    runner.pause()
    assert 1 <= len(events) <= 3


def test_batch_speed_trains_one_batch_per_tick(runner, qtbot):
    runner.step_phase()
    events = []
    runner.phase.connect(events.append)
    runner.set_speed(Speed.BATCH, 10)
    runner.play()
    qtbot.waitUntil(lambda: runner.trainer.step_count >= 4, timeout=5000)
    runner.pause()
    assert events[0] is None  # the half-walked batch was finished by the first tick
    steps = runner.trainer.step_count
    np.testing.assert_array_equal(runner.trainer.model.flat, reference_weights(steps))


def test_switching_speed_while_playing(runner, qtbot):
    runner.set_speed(Speed.PHASE_SLOW, 10)
    runner.play()
    qtbot.waitUntil(lambda: runner.walking, timeout=2000)
    changed = []
    runner.speed_changed.connect(changed.append)
    runner.set_speed(Speed.FULL)
    qtbot.waitUntil(lambda: runner.trainer.step_count > 50, timeout=5000)
    runner.pause()
    assert changed == [Speed.FULL] and not runner.walking


def test_step_epoch_trains_to_the_epoch_end(runner):
    runner.step_epoch()
    trainer = runner.trainer
    assert trainer.epoch == 1 and trainer.step_count == 25 and len(trainer.history) == 1
    runner.step()
    runner.step_epoch()
    assert trainer.epoch == 2 and trainer.step_count == 50


def test_reset_drops_the_walk(runner):
    initial = runner.trainer.model.flat.copy()
    runner.step()
    runner.step_phase()
    events = []
    runner.phase.connect(events.append)
    generation = runner.generation
    runner.reset()
    assert events == [None] and not runner.walking and runner.generation == generation + 1
    assert runner.trainer.step_count == 0
    np.testing.assert_array_equal(runner.trainer.model.flat, initial)


def test_divergence_in_a_phase_walk_is_reported(runner):
    runner.set_learning_rate(1e39)
    errors = []
    runner.error.connect(errors.append)
    for _ in range(40):
        runner.step_phase()
        if errors:
            break
    assert errors and "diverged" in errors[0]
    assert not runner.walking and runner.current_phase is None
    assert np.all(np.isfinite(runner.trainer.model.flat))


def test_learning_rate_change_finishes_the_walk(runner):
    runner.step_phase()
    assert runner.set_learning_rate(0.1)
    assert not runner.walking and runner.trainer.step_count == 1
    assert runner.trainer.learning_rate == pytest.approx(0.1)


def test_bound_runner_follows_the_controller(runner, qtbot):
    from simulator.controller import SceneController

    controller = SceneController(runner.trainer)
    unbind = bind_runner_to_controller(runner, controller)
    runner.step()
    runner.step_phase()
    events = []
    runner.phase.connect(events.append)
    assert controller.add_neuron("dense_2")
    assert runner.trainer is controller.trainer
    assert events == [None] and not runner.walking
    assert runner.trainer.model.params["dense_2.kernel"].shape == (8, 9)
    runner.step()  # trains the edited network
    unbind()


def test_a_long_run_to_plays_to_the_step(runner, qtbot, monkeypatch):
    import simulator.runner as runner_module

    runner.step_epoch()
    runner.step_epoch()
    target = runner.trainer.model.flat.copy()
    runner.rewind(0)
    monkeypatch.setattr(runner_module, "RUN_TO_SECONDS", 0.0)  # nothing before returning
    runner.set_speed(Speed.PHASE_SLOW)  # the way forward ignores the playing speed
    assert runner.run_to(50)
    assert runner.is_playing
    with qtbot.waitSignal(runner.playing_changed, timeout=10_000) as stopped:
        pass
    assert stopped.args == [False] and runner.trainer.step_count == 50
    np.testing.assert_array_equal(runner.trainer.model.flat, target)
    assert not runner.run_to(50) and not runner.run_to(10)  # only forward
