"""The canvas while training phases are shown: activations forward, error at the loss, ∂L/∂w and δ backward,
Δw at the update, and the normal display afterwards; plus the output view's "Discretise output" toggle."""

from __future__ import annotations

import numpy as np
import pytest

from engine import SGD, Dense, Input, Network, Phase, Trainer, data
from tests.test_canvas import new_canvas

pytestmark = pytest.mark.gui


def close(actual, desired) -> None:
    """Equal up to float32 rounding (the engine computes in float32, the canvas averages in float64)."""
    np.testing.assert_allclose(actual, desired, rtol=1e-5, atol=1e-8)


def small_xor() -> Trainer:
    net = Network.sequential(Input(2), Dense(3, "tanh"), Dense(2, "tanh"), Dense(1, "tanh"))
    return Trainer(net.build(seed=1), data.playground("xor", n_points=100), optimizer=SGD(0.1))


def group_values(scene, layer_id: str) -> np.ndarray:
    """The values the weight lines into ``layer_id`` show, as a kernel-shaped array."""
    w = scene.weights
    g = next(g for g in w.groups if g.target == layer_id)
    return w.values[g.start : g.start + g.size].reshape(g.n_in, g.n_out)


def test_phases_drive_neurons_weight_lines_and_legend(qtbot):
    canvas = new_canvas(qtbot, small_xor())
    scene = canvas.graph_scene
    trainer = canvas.controller.trainer
    weights_before = {k: v.copy() for k, v in trainer.model.params.items() if k.endswith(".kernel")}
    seen = set()
    for event in trainer.phases():
        canvas.show_phase(event)
        canvas.refresh()  # the window refreshes between phases: the phase's picture must stay
        seen.add(event.phase)
        if event.phase is Phase.FORWARD and event.layer == "dense_1":
            assert not scene.layer_item("input").not_computed
            assert not scene.layer_item("dense_1").not_computed
            assert scene.layer_item("dense_2").not_computed and scene.layer_item("dense_3").not_computed
            assert scene.layer_item("dense_2").opacity() < 1.0
            assert scene.layer_item("dense_2").values is None
            assert "not computed" in scene.layer_item("dense_2").toolTip().lower()
            close(scene.layer_item("dense_1").values, event.output.mean(axis=0))
            assert scene.legend.quantity == "weight"
        elif event.phase is Phase.LOSS:
            out = scene.layer_item(event.layer)
            close(out.values, event.output_grad.mean(axis=0))
            assert "error" in out.unit_text(0)
            assert scene.phase.label.isVisible() and scene.phase.label.text().startswith("loss = ")
        elif event.phase is Phase.BACKWARD:
            close(group_values(scene, event.layer), event.grads["kernel"])
            assert scene.legend.quantity == "\u2202L/\u2202w"
            assert "\u2202L/\u2202w" in scene.legend.range_text
            item = scene.layer_item(event.layer)
            close(item.values, event.pre_activation_grad.mean(axis=0))
            assert item.value_limit == pytest.approx(np.abs(item.values).max())
            assert "\u03b4" in item.unit_text(0)
            # the largest |∂L/∂w| of the layer gets the thickest pen among its lines
            g = next(g for g in scene.weights.groups if g.target == event.layer)
            k = int(np.argmax(np.abs(event.grads["kernel"])))
            buckets = scene.weights.buckets[g.start : g.start + g.size]
            levels = np.where(buckets < 10, 9 - buckets, buckets - 10)
            assert levels[k] == levels.max() >= 7
            if event.layer == "dense_3":  # dense_2 and dense_1 not reached yet: no gradient lines
                assert np.isnan(group_values(scene, "dense_1")).all()
            if event.layer == "dense_1":  # dense_3's gradient stays while backprop moves on
                assert not np.isnan(group_values(scene, "dense_3")).any()
            if event.layer == "dense_1":  # every kernel shows its gradient now
                canvas.grab().save("/tmp/phase_backward.png")
        elif event.phase is Phase.UPDATE:
            for key in ("dense_1.kernel", "dense_2.kernel", "dense_3.kernel"):
                close(group_values(scene, key.split(".")[0]), event.deltas[key])
            assert scene.legend.quantity == "\u0394w"
            assert "\u0394w" in scene.legend.range_text
            assert "\u0394w" in scene.weights.describe(0)
    assert seen == set(Phase)
    canvas.show_phase(None)
    params = trainer.model.params
    for key in weights_before:
        layer = key.split(".")[0]
        close(group_values(scene, layer), params[key])
        assert not np.allclose(params[key], weights_before[key])  # the update did move them
    assert scene.legend.quantity == "weight" and "weights now" in scene.legend.range_text
    assert not scene.phase.label.isVisible()
    for item in scene.layer_items().values():
        assert not item.not_computed and item.opacity() == 1.0
        assert item.value_limit == 1.0
    assert scene.layer_item("dense_1").has_heatmaps  # the heatmaps of 2-D data return


def test_next_forward_phase_brings_the_weights_back(qtbot):
    canvas = new_canvas(qtbot, small_xor())
    scene = canvas.graph_scene
    trainer = canvas.controller.trainer
    for event in trainer.phases():
        canvas.show_phase(event)
    assert scene.legend.quantity == "\u0394w"
    first = next(iter(trainer.phases()))
    canvas.show_phase(first)
    assert scene.legend.quantity == "weight"
    close(group_values(scene, "dense_1"), trainer.model.params["dense_1.kernel"])
    assert scene.layer_item("dense_1").not_computed  # the new batch has only reached the input
    canvas.show_phase(None)


def test_discretise_output_shows_at_most_two_colours(qtbot):
    from simulator.views.decision_view import DecisionView

    trainer = small_xor()
    trainer.run_epochs(5)
    view = DecisionView()
    qtbot.addWidget(view)
    view.set_scene(trainer.model, trainer.data)
    view.refresh()

    def colours() -> int:
        img = view.image
        ptr = img.constBits()
        pixels = np.frombuffer(ptr, np.uint32, img.width() * img.height())
        return len(np.unique(pixels))

    assert colours() > 2
    view.set_discretize(True)
    assert view.discretize and colours() <= 2
    view.refresh()  # stays discrete while training goes on
    assert colours() <= 2
    view.set_discretize(False)
    assert colours() > 2


def test_window_has_the_discretise_toggle(qtbot):
    from simulator.main_window import MainWindow

    window = MainWindow(small_xor())
    qtbot.addWidget(window)
    check = window.discretize_check
    assert check.toolTip()
    check.setChecked(True)
    assert window.decision_view.discretize
