"""What the layer detail panel shows, checked against the engine's own numbers (no window needed)."""

from __future__ import annotations

import numpy as np

from engine import Phase
from simulator.default_scene import make_default_trainer
from simulator.panels.detail_data import SAMPLE_ROWS, StepData, gather, last_grads, make_plan


def _trainer():
    trainer = make_default_trainer()
    trainer.run(5)
    return trainer


def test_the_plan_names_a_dense_layers_inputs_and_refuses_unknown_layers():
    trainer = _trainer()
    names = tuple(trainer.data.feature_names)
    plan = make_plan(trainer, "dense_1", names)
    assert (plan.kind, plan.n_in, plan.source, plan.input_names) == ("dense", len(names), "input", names)
    assert plan.n_out == trainer.model.params["dense_1.kernel"].shape[1] and plan.has_bias
    assert make_plan(trainer, "input", names).kind == "input"
    assert make_plan(trainer, "no_such_layer", names) is None and make_plan(trainer, "", names) is None


def test_between_steps_the_outputs_are_the_samples_at_the_current_weights():
    trainer = _trainer()
    plan = make_plan(trainer, "dense_2", tuple(trainer.data.feature_names))
    x = np.asarray(trainer.data.x_train[:SAMPLE_ROWS])
    acts = trainer.model.activations(x)
    shown = gather(plan, trainer, None, "a", x)
    np.testing.assert_array_equal(shown.values["batch"], acts["dense_2"])
    z = gather(plan, trainer, None, "z", x).values["batch"]
    kernel, bias = trainer.model.params["dense_2.kernel"], trainer.model.params["dense_2.bias"]
    np.testing.assert_allclose(z, acts["dense_1"] @ kernel + bias, rtol=1e-6)
    assert shown.values["batch_grad"] is None and "phase by phase" in shown.notes["batch_grad"]
    grads = last_grads(trainer, "dense_2")
    np.testing.assert_array_equal(shown.values["kernel_grad"], grads["kernel"])
    assert shown.rows.tolist() == list(range(SAMPLE_ROWS))


def test_while_stepping_the_arrays_are_the_phase_events_own():
    trainer = _trainer()
    plan = make_plan(trainer, "dense_2", tuple(trainer.data.feature_names))
    steps = StepData(trainer.step_count, trainer)
    changed = {}
    events = list(trainer.phases())
    for event in events:
        changed[event.phase, event.layer] = steps.take(event, "dense_2")
    forward = next(e for e in events if e.phase is Phase.FORWARD and e.layer == "dense_2")
    backward = next(e for e in events if e.phase is Phase.BACKWARD and e.layer == "dense_2")
    assert changed[Phase.FORWARD, "dense_2"] == ("batch",)
    assert changed[Phase.BACKWARD, "dense_2"] == ("batch_grads", "weight_grads")
    assert changed[Phase.FORWARD, "dense_1"] == ()
    shown = gather(plan, trainer, steps, "a", np.empty((0,)))
    np.testing.assert_array_equal(shown.values["batch"], forward.output)
    np.testing.assert_array_equal(shown.values["kernel_grad"], backward.grads["kernel"])
    np.testing.assert_array_equal(
        gather(plan, trainer, steps, "z", np.empty((0,))).values["batch"], forward.pre_activation
    )
    assert shown.caption.startswith(f"Step {steps.step + 1}, a mini-batch of {len(steps.batch)}")
    assert "largest change of a weight" in shown.caption  # the update phase came too
