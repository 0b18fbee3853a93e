"""The scene controller: edits are checked by the engine, keep weights, and undo exactly."""

from __future__ import annotations

import numpy as np
import pytest

from engine import SGD, Add, Dense, Input, Network, Trainer, data

pytestmark = pytest.mark.gui


@pytest.fixture
def controller(qtbot):
    from simulator.controller import SceneController

    net = Network.sequential(Input(2), Dense(4, "tanh"), Dense(1, "tanh"))
    trainer = Trainer(net.build(seed=0), data.playground("xor", n_points=100), optimizer=SGD(0.03))
    return SceneController(trainer)


def test_a_new_layer_waits_unconnected_and_training_goes_on(controller):
    before = controller.trainer.model.flat.copy()
    new_id = controller.add_layer(Dense(3, "relu"), (50.0, 50.0))
    assert new_id in controller.draft.unfinished
    assert controller.trainable
    assert np.array_equal(controller.trainer.model.flat, before)
    assert controller.positions[new_id] == (50.0, 50.0)


def test_connecting_a_new_hidden_layer_keeps_the_other_weights(controller):
    w1 = controller.trainer.model.params["dense_1.kernel"].copy()
    new_id = controller.add_layer(Dense(4, "tanh"), (0.0, 0.0))
    assert controller.connect_layers("dense_1", new_id)
    assert controller.connect_layers(new_id, "dense_2")
    model = controller.trainer.model
    assert [n.id for n in model.resolved.order] == ["input", "dense_1", new_id, "dense_2"]
    assert np.array_equal(model.params["dense_1.kernel"], w1)


def test_an_impossible_connection_is_refused_with_the_reason_and_changes_nothing(controller, qtbot):
    add = controller.add_layer(Add(), (0.0, 0.0))
    assert controller.connect_layers("dense_1", add)
    network = controller.network
    depth = controller.undo_stack.count()
    with qtbot.waitSignal(controller.edit_refused) as blocker:
        assert not controller.connect_layers("input", add)
    layer, reason = blocker.args
    assert layer == add and "equal size" in reason
    assert controller.network is network and controller.undo_stack.count() == depth


def test_a_cycle_is_refused(controller, qtbot):
    with qtbot.waitSignal(controller.edit_refused) as blocker:
        assert not controller.connect_layers("dense_2", "dense_1")
    assert "cycle" in blocker.args[1]


def test_removing_a_neuron_then_undo_restores_the_exact_weights(controller):
    controller.trainer.run(20)
    trained = controller.trainer.model.get_weights()
    assert controller.remove_neuron("dense_1", 1)
    model = controller.trainer.model
    assert model.params["dense_1.kernel"].shape == (2, 3)
    expected_1 = np.delete(trained["dense_1.kernel"], 1, axis=1)
    expected_2 = np.delete(trained["dense_2.kernel"], 1, axis=0)
    np.testing.assert_array_equal(model.params["dense_1.kernel"], expected_1)
    np.testing.assert_array_equal(model.params["dense_2.kernel"], expected_2)
    controller.undo_stack.undo()
    for key, value in trained.items():
        np.testing.assert_array_equal(controller.trainer.model.params[key], value)
    controller.undo_stack.redo()
    assert controller.trainer.model.params["dense_1.kernel"].shape == (2, 3)


def test_typing_a_weight_is_undoable(controller):
    old = float(controller.trainer.model.params["dense_2.kernel"][2, 0])
    assert controller.set_weight("dense_2.kernel", (2, 0), 1.25)
    assert controller.trainer.model.params["dense_2.kernel"][2, 0] == np.float32(1.25)
    controller.undo_stack.undo()
    assert controller.trainer.model.params["dense_2.kernel"][2, 0] == np.float32(old)


def test_more_features_resize_the_input_and_keep_the_matching_rows(controller):
    old_kernel = controller.trainer.model.params["dense_1.kernel"].copy()
    ds = data.playground("xor", n_points=100, features=("x1", "x2", "x1*x2"))
    assert controller.set_dataset(ds)
    model = controller.trainer.model
    assert model.resolved.shapes["input"] == (3,)
    np.testing.assert_array_equal(model.params["dense_1.kernel"][:2], old_kernel)
    assert controller.trainer.data is ds
    controller.trainer.run(5)


def test_the_input_layer_cannot_be_deleted_and_an_output_that_misfits_the_data_is_refused(controller, qtbot):
    with qtbot.waitSignal(controller.edit_refused):
        assert not controller.remove_layer("input")
    with qtbot.waitSignal(controller.edit_refused) as blocker:
        assert not controller.set_layer("dense_2", Dense(3, "tanh"))
    assert "3 unit" in blocker.args[1]
    assert controller.trainer.model.params["dense_2.kernel"].shape == (4, 1)


def test_moves_merge_into_one_undo_step(controller):
    depth = controller.undo_stack.count()
    for x in range(5):
        controller.move_layers({"dense_1": (float(x), 0.0)})
    assert controller.undo_stack.count() == depth + 1
    controller.undo_stack.undo()
    assert controller.positions["dense_1"] != (4.0, 0.0)


def test_moving_layers_never_touches_the_trained_weights(controller):
    controller.trainer.run(30)
    trained = controller.trainer.model.flat.copy()
    step = controller.trainer.step_count
    controller.move_layers({"dense_1": (10.0, 20.0)})
    controller.auto_layout()
    assert np.array_equal(controller.trainer.model.flat, trained)
    controller.undo_stack.undo()
    controller.undo_stack.undo()
    assert np.array_equal(controller.trainer.model.flat, trained)
    assert controller.trainer.step_count == step


def test_locked_layers_and_params_refuse_edits_except_in_teacher_mode(controller, qtbot):
    controller.locked_layers.add("dense_2")
    controller.locked_params.add("dense_1.units")
    with qtbot.waitSignal(controller.edit_refused) as blocker:
        assert not controller.set_layer("dense_2", Dense(1, "sigmoid"))
    assert "locked" in blocker.args[1]
    with qtbot.waitSignal(controller.edit_refused):
        assert not controller.add_neuron("dense_1")
    assert controller.set_layer("dense_1", Dense(4, "relu"))  # its activation is not locked
    controller.teacher_mode = True
    assert controller.add_neuron("dense_1")
