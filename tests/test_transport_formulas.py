"""Formulas with numbers: every final number is the engine's, and the numbers shown compute to it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from engine import (
    SGD,
    Activation,
    Adam,
    Add,
    Concat,
    Dense,
    Dropout,
    Input,
    Network,
    Phase,
    Regularization,
    RMSprop,
    Trainer,
    data,
)
from simulator import formulas as F
from simulator.default_scene import make_default_trainer


def walk(trainer: Trainer) -> tuple[F.BatchTrace, list[F.BatchTrace]]:
    """Walk one mini-batch; return the full trace and the trace as it stood after each phase."""
    trace = F.BatchTrace()
    stages = []
    for event in trainer.phases():
        trace.add(event)
        stages.append(F.BatchTrace(list(trace.events)))
    return trace, stages


def check(formula: F.Formula | None, expected: float) -> F.Formula:
    assert formula is not None
    assert formula.value == float(expected)
    assert math.isclose(formula.computed, formula.value, rel_tol=2e-4, abs_tol=1e-6), formula.text
    body = formula.text.removesuffix(f"  ({formula.note})") if formula.note else formula.text
    assert body.endswith(F.num(formula.value, formula.signed)), formula.text
    return formula


def check_everything(trainer: Trainer, sample: int = 0) -> F.BatchTrace:
    """Every unit, weight and bias formula of one mini-batch against the events."""
    weights_before = {k: v.copy() for k, v in trainer.model.params.items()}
    trace, _ = walk(trainer)
    model, settings = trainer.model, trainer.settings
    for node in model.resolved.order:
        fwd = trace.forward(node.id)
        for unit in range(fwd.output.shape[1]):
            check(F.forward_formula(trace, model, node.id, unit, sample), fwd.output[sample, unit])
        bwd = trace.backward(node.id)
        if bwd is None:
            continue
        for unit in range(bwd.output_grad.shape[1]):
            formula = F.backward_formula(trace, model, settings, node.id, unit, sample)
            if isinstance(node.layer, Dense):
                check(formula, bwd.pre_activation_grad[sample, unit])
            elif formula is not None and "share" in formula.note:  # the input also feeds other layers
                check(formula, formula.computed)
            elif formula is not None:
                check(formula, bwd.input_grad[sample, unit])
        for name, grad in bwd.grads.items():
            key = f"{node.id}.{name}"
            for index in np.ndindex(grad.shape):
                check(F.gradient_formula(trace, model, key, index), grad[index])
                update = check(
                    F.update_formula(trace, model, settings, key, index), trace.update.deltas[key][index]
                )
                assert update.signed
    out = trace.loss
    for unit in range(out.output.shape[1]):
        check(F.loss_gradient_formula(trace, model, settings, unit, sample), out.output_grad[sample, unit])
    check(F.loss_formula(trace, settings), out.loss)
    # the weights used in the forward formulas were those before the update
    for key, before in weights_before.items():
        np.testing.assert_allclose(model.params[key] - before, trace.update.deltas[key], rtol=1e-5, atol=1e-7)
    return trace


def test_number_format():
    assert F.num(-0.12) == "−0.12"
    assert F.num(0.0015, signed=True) == "+0.0015"
    assert F.num(1.23e-5) == "1.23×10⁻⁵"
    assert F.par(-0.12) == "(−0.12)" and F.par(0.41) == "0.41"
    assert F.sub(2) == "₃"


def test_default_scene_formulas_match_the_events():
    trainer = make_default_trainer()
    trainer.run(7)
    trace = check_everything(trainer)
    formula = F.forward_formula(trace, trainer.model, "dense_2", 3)
    assert formula.text.startswith("a = tanh(Σ wᵢxᵢ + b) = tanh(")
    assert "first sample of the batch" in formula.text
    grad = F.gradient_formula(trace, trainer.model, "dense_2.kernel", (2, 0))
    assert grad.symbolic == "∂L/∂w₃,₁ = Σ_b a₃·δ₁"
    assert "summed over the batch of 10" in grad.note and "mean a₃ = " in grad.note
    update = F.update_formula(trace, trainer.model, trainer.settings, "dense_2.kernel", (2, 0))
    assert update.text.startswith("Δw = −η · Σ_b a₃·δ₁ = −0.03 × ")
    delta = F.backward_formula(trace, trainer.model, trainer.settings, "dense_4", 0)
    assert delta.symbolic == "δ = ∂L/∂a · f′(z)"
    loss_grad = F.loss_gradient_formula(trace, trainer.model, trainer.settings, 0)
    assert loss_grad.symbolic == "∂L/∂y = 2(y − t) / 10"


def test_single_sample_update_shows_the_product():
    trainer = make_default_trainer()
    trainer.configure(batch_size=1)
    trace = check_everything(trainer)
    update = F.update_formula(trace, trainer.model, trainer.settings, "dense_3.kernel", (1, 4))
    fwd = trace.forward("dense_3").inputs[0][0, 1]
    delta = trace.backward("dense_3").pre_activation_grad[0, 4]
    assert update.text.startswith(f"Δw = −η · a₂ · δ₅ = −0.03 × {F.par(fwd)} × {F.par(delta)} = ")
    assert "batch" not in F.forward_formula(trace, trainer.model, "dense_3", 0).text


def test_later_samples_of_the_batch():
    trainer = make_default_trainer()
    check_everything(trainer, sample=4)


def test_softmax_cross_entropy_fused_with_momentum():
    net = Network.sequential(Input(4), Dense(5, "relu"), Dense(3, "softmax"))
    trainer = Trainer(
        net.build(seed=1),
        data.load_iris(),
        loss="cross_entropy",
        optimizer=SGD(0.1, momentum=0.9),
        batch_size=4,
    )
    trainer.run(3)
    trace = check_everything(trainer)
    out = F.backward_formula(trace, trainer.model, trainer.settings, "dense_2", 1)
    assert "fused" in out.note
    assert (
        F.loss_gradient_formula(trace, trainer.model, trainer.settings, 1).symbolic == "∂L/∂z = (p − t) / 4"
    )
    assert "e^z" in F.forward_formula(trace, trainer.model, "dense_2", 0).symbolic
    assert (
        F.update_formula(trace, trainer.model, trainer.settings, "dense_1.kernel", (0, 0)).symbolic
        == "Δw = −η · v"
    )


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "gelu", "sigmoid", "linear"])
def test_cross_entropy_on_logits_and_hidden_activations(activation):
    net = Network.sequential(Input(4), Dense(6, activation), Dense(3, "linear"))
    trainer = Trainer(
        net.build(seed=2), data.load_iris(), loss="cross_entropy", optimizer=SGD(0.05), batch_size=5
    )
    trainer.run(2)
    check_everything(trainer)


def test_softmax_after_mse_is_not_fused():
    net = Network.sequential(Input(4), Dense(4, "tanh"), Dense(3, "softmax"))
    trainer = Trainer(net.build(seed=3), data.load_iris(), loss="mse", optimizer=SGD(0.1), batch_size=6)
    trace = check_everything(trainer)
    assert F.backward_formula(trace, trainer.model, trainer.settings, "dense_2", 0).symbolic.startswith(
        "δ = a · ("
    )


def test_binary_cross_entropy_with_l2():
    ds = data.playground("circle", n_points=80, seed=1)
    net = Network.sequential(Input(2), Dense(4, "tanh"), Dense(1, "sigmoid"))
    reg = Regularization("l2", 0.01)
    trainer = Trainer(
        net.build(seed=4), ds, loss="binary_cross_entropy", regularization=reg, optimizer=SGD(0.3)
    )
    trainer.run(2)
    trace = check_everything(trainer)
    update = F.update_formula(trace, trainer.model, trainer.settings, "dense_1.kernel", (1, 2))
    assert update.symbolic == "Δw = −η · (∂L/∂w + λ·w)" and "L2" in update.note
    bias = F.update_formula(trace, trainer.model, trainer.settings, "dense_1.bias", (2,))
    assert bias.symbolic.startswith("Δb = −η · Σ_b δ₃")


def test_l1_and_binary_cross_entropy_on_logits():
    ds = data.playground("xor", n_points=60, seed=2)
    net = Network.sequential(Input(2), Dense(3, "relu"), Dense(1, "linear"))
    trainer = Trainer(
        net.build(seed=5), ds, loss="binary_cross_entropy", regularization=Regularization("l1", 0.001)
    )
    check_everything(trainer)


@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_regression_losses(loss):
    ds = data.playground("plane", n_points=60, seed=3)
    net = Network.sequential(Input(2), Dense(3, "tanh"), Dense(1, "linear"))
    trainer = Trainer(net.build(seed=6), ds, loss=loss, optimizer=SGD(0.01), batch_size=7)
    check_everything(trainer)


@pytest.mark.parametrize("optimizer", [Adam(0.01), RMSprop(0.01), SGD(0.1, momentum=0.5, nesterov=True)])
def test_adaptive_optimisers_report_their_step(optimizer):
    trainer = make_default_trainer()
    trainer.configure(optimizer=optimizer)
    trainer.run(3)
    check_everything(trainer)


def test_activation_dropout_add_and_concat_layers():
    net = Network.sequential(Input(2), Dense(4, "linear"), Activation("relu"))
    net = net.add(Dense(4, "tanh"), id="side", inputs=["input"])
    net = net.add(Add(), id="sum", inputs=["activation_1", "side"])
    net = net.add(Concat(), id="both", inputs=["sum", "dense_1"])
    net = net.add(Dropout(0.4), id="drop", inputs=["both"])
    net = net.add(Dense(1, "tanh"), id="out", inputs=["drop"])
    ds = data.playground("circle", n_points=60, seed=4)
    trainer = Trainer(net.build(seed=7), ds, loss="mse", optimizer=SGD(0.05), batch_size=6)
    trainer.run(2)
    trace = check_everything(trainer)
    model = trainer.model
    assert F.forward_formula(trace, model, "sum", 0).symbolic == "a = x₁ + x₂"
    assert "of input 'dense_1'" in F.forward_formula(trace, model, "both", 5).symbolic
    drop = trace.forward("drop")
    kept = [u for u in range(drop.output.shape[1]) if drop.output[0, u] != 0]
    dropped = [u for u in range(drop.output.shape[1]) if drop.output[0, u] == 0 and drop.inputs[0][0, u] != 0]
    assert kept and dropped
    assert F.forward_formula(trace, model, "drop", kept[0]).note == "kept for this sample"
    assert F.forward_formula(trace, model, "drop", dropped[0]).note == "dropped for this sample"
    check(
        F.backward_formula(trace, model, trainer.settings, "drop", kept[0]),
        trace.backward("drop").input_grad[0, kept[0]],
    )


def test_dispatch_follows_the_phase():
    trainer = make_default_trainer()
    model, settings = trainer.model, trainer.settings
    _, stages = walk(trainer)
    seen = []
    for trace in stages:
        neuron = F.neuron_formula(trace, model, settings, "dense_4", 0)
        weight = F.weight_formula(trace, model, settings, "dense_4.kernel", (0, 0))
        seen.append(
            (trace.last.phase, neuron and neuron.symbolic.split(" =")[0], weight and weight.symbolic[:4])
        )
    assert seen[0] == (Phase.FORWARD, None, None)  # the input: dense_4 has not run yet
    assert seen[4] == (Phase.FORWARD, "a", "w₁,₁")  # dense_4 forward: its output and w·x
    assert seen[5] == (Phase.LOSS, "∂L/∂y", "w₁,₁")
    assert seen[6] == (Phase.BACKWARD, "δ", "∂L/∂")
    assert seen[-1] == (Phase.UPDATE, "δ", "Δw =")
    assert F.neuron_formula(F.BatchTrace(), model, settings, "dense_4", 0) is None
