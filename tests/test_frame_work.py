"""Work per frame while training: one forward pass over the input plane feeds the canvas and the output
view, and what they show is the model's output on that plane."""

from __future__ import annotations

import numpy as np
import pytest

from engine import Activation, Add, Dense, Dropout, Input, Network, data
from simulator import plane, plane_kernel
from simulator.views.decision_view import signed_output

pytestmark = pytest.mark.gui


def test_a_refresh_makes_one_plane_pass_for_the_canvas_and_the_output_view(window):
    trainer = window.controller.trainer
    trainer.run_epochs(3)
    before = plane.shared.passes
    window.refresh()
    assert plane.shared.passes == before + 1
    window.refresh()  # nothing changed: nothing recomputed
    assert plane.shared.passes == before + 1
    trainer.run_epochs(1)
    window.refresh()
    assert plane.shared.passes == before + 2


@pytest.mark.parametrize("compiled", [False, True], ids=["engine", "plane kernel"])
def test_the_shared_pass_shows_the_models_output_on_the_grid(window, monkeypatch, compiled):
    if compiled:
        plane_kernel.load()
    else:
        monkeypatch.setattr(plane_kernel, "ready", lambda: False)
    trainer = window.controller.trainer
    trainer.run_epochs(5)
    window.refresh()
    model = trainer.model
    assert plane_kernel.supports(model)
    expected = signed_output(model, model.predict(plane.grid_features(trainer.data, plane.GRID)))
    values = window.decision_view._values
    # the kernel sums in another order (float32): 1e-5 is far below a colour step (1/255)
    np.testing.assert_allclose(values.ravel(), expected, rtol=0, atol=1e-5 if compiled else 1e-6)
    canvas_plane = window.canvas.graph_scene.activity.plane
    assert set(canvas_plane) == set(model.layer_ids)
    np.testing.assert_array_equal(canvas_plane[model.resolved.output][:, :, 0].ravel(), values.ravel())


def test_the_pass_is_redone_when_a_weight_is_edited_in_place(window):
    trainer = window.controller.trainer
    model = trainer.model
    first = plane.shared(model, trainer.data)[model.resolved.output].copy()
    model.flat[-1] += 0.5  # the output bias: every output moves
    second = plane.shared(model, trainer.data)[model.resolved.output]
    assert not np.allclose(first, second)


def test_heatmap_tiles_follow_the_zoom_and_keep_their_colours(window):
    from simulator.canvas.heatmap_atlas import TILE, tile_for_scale

    assert tile_for_scale(1.0) == TILE and tile_for_scale(4.0) == TILE
    assert tile_for_scale(0.47) == 16 and tile_for_scale(0.01) == 8
    view = window.canvas
    scene = view.graph_scene
    window.controller.trainer.run_epochs(2)
    window.refresh()
    view.zoom_by(0.5 / view.zoom)
    small = scene.atlas.tile
    assert small == tile_for_scale(view.zoom * view.devicePixelRatioF()) < TILE
    column = scene.atlas.column("dense_1")
    assert (column.width(), column.height()) == (small, 8 * small * 40 // 32)
    centre = column.pixelColor(small // 2, small * 5 // 8)  # the first disc's centre is opaque
    assert centre.alpha() == 255
    view.zoom_by(1.0 / view.zoom)  # zooming in while paused redraws the tiles at full size
    assert scene.atlas.tile == TILE
    assert scene.atlas.column("dense_1").height() == 8 * 40


def test_within_one_frame_weights_moved_by_training_do_not_cost_a_second_pass(window):
    trainer = window.controller.trainer
    model = trainer.model
    with plane.shared.one_frame():
        first = plane.shared(model, trainer.data)
        before = plane.shared.passes
        model.flat[-1] += 0.5  # as the worker thread does while the views redraw
        assert plane.shared(model, trainer.data) is first
        assert plane.shared.passes == before
    assert plane.shared(model, trainer.data) is not first  # the next frame sees the new weights


def _branching_net() -> Network:
    return (
        Network.sequential(Input(2), Dense(4, "tanh"))
        .add(Dense(4, "relu"), id="side", inputs=["input"])
        .add(Add(), id="sum", inputs=["dense_1", "side"])
        .add(Dense(1, "tanh"), id="out", inputs=["sum"])
    )


@pytest.mark.parametrize(
    "layers",
    [
        [Dense(8, "tanh"), Dense(8, "tanh"), Dense(1, "tanh")],
        [Dense(6, "relu"), Dense(5, "leaky_relu", alpha=0.2), Dense(3, "sigmoid"), Dense(2, "linear")],
        [Dense(5, "linear", use_bias=False), Activation("tanh"), Dropout(0.5), Dense(1, "sigmoid")],
    ],
    ids=["tanh", "relu-leaky-sigmoid-linear", "activation-dropout-no-bias"],
)
def test_the_plane_kernel_gives_every_layer_as_the_engine_does(layers):
    plane_kernel.load()
    model = Network.sequential(Input(2), *layers).build(seed=3)
    model.flat[:] = np.random.default_rng(0).normal(0, 1.5, model.flat.size)  # big weights: saturation
    x = np.random.default_rng(1).uniform(-8, 8, (1000, 2))
    assert plane_kernel.supports(model)
    expected = model.activations(x)
    got = plane_kernel.activations(model, x)
    assert list(got) == list(expected)
    for layer_id, values in expected.items():
        assert got[layer_id].shape == values.shape
        np.testing.assert_allclose(got[layer_id], values, rtol=0, atol=2e-5, err_msg=layer_id)


def test_graphs_the_kernel_does_not_handle_use_the_engine():
    plane_kernel.load()
    softmax = Network.sequential(Input(2), Dense(3, "tanh"), Dense(2, "softmax")).build(seed=0)
    wide = Network.sequential(Input(2), Dense(3, "tanh"), Dense(1, "tanh")).build(seed=0, dtype="float64")
    branching = _branching_net().build(seed=0)
    for model in (softmax, wide, branching):
        assert not plane_kernel.supports(model)
    dataset = data.playground("xor", n_points=40, features=("x1", "x2"))
    grid = plane.grid_features(dataset, 20)
    for model in (softmax, branching):
        values = plane.PlaneActivations(20)(model, dataset)
        for layer_id, expected in model.activations(grid).items():
            np.testing.assert_array_equal(values[layer_id].reshape(400, -1), expected)

