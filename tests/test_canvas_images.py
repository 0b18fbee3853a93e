"""Convolutional nets in the window: the palette's image layers, their inspector fields, feature-map
stacks and shape labels on the canvas, the layer detail's filters and maps, and a CNN stepped and played."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt

from engine import SGD, Conv2D, Dense, Flatten, Input, MaxPool2D, Network, Phase, Trainer
from engine.data import Dataset
from engine.layers import ShapeError
from tests.test_canvas import at, drop, new_canvas

pytestmark = pytest.mark.gui

IMAGE = (1, 8, 8)


def digits() -> Dataset:
    """The 8×8 digits that ship with scikit-learn, as an image set (pixels / 16)."""
    from sklearn.datasets import load_digits

    d = load_digits()
    x, t = d.data / 16.0, d.target.astype(np.int64)
    return Dataset(
        "digits", "classification", x[:300], x[300:400], t[:300], t[300:400], n_classes=10, image_shape=IMAGE
    )


def cnn_trainer() -> Trainer:
    net = Network.sequential(
        Input(shape=IMAGE), Conv2D(4, 3, activation="relu"), MaxPool2D(2), Flatten(), Dense(10, "softmax")
    )
    return Trainer(net.build(seed=0), digits(), loss="cross_entropy", optimizer=SGD(0.1), batch_size=8)


def close(actual, desired) -> None:
    np.testing.assert_allclose(actual, desired, rtol=1e-5, atol=1e-6)


def test_the_palette_has_an_images_group_with_icons_and_summaries(qtbot):
    from engine import LAYER_TYPES
    from simulator.panels.palette import LayerPalette

    palette = LayerPalette()
    qtbot.addWidget(palette)
    for name in ("Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Reshape"):
        item = palette.items[name]
        assert item.parent().text(0) == "Images"
        assert not item.icon(0).isNull()
        assert LAYER_TYPES[name].summary in item.toolTip(0)


def test_a_dropped_conv2d_connects_and_the_links_print_their_shapes(qtbot):
    from simulator.panels.palette import LayerPalette

    canvas = new_canvas(qtbot, cnn_trainer())
    controller, scene = canvas.controller, canvas.graph_scene
    labels = scene.shape_labels
    assert labels.text("input", "conv2d_1") == "1×8×8"
    assert labels.text("conv2d_1", "maxpool2d_1") == "4×6×6"
    assert labels.text("flatten_1", "dense_1") == "36"

    palette = LayerPalette()
    qtbot.addWidget(palette)
    assert drop(canvas, palette.mime_data("Conv2D"), QPointF(canvas.viewport().width() - 80, 60))
    new_id = controller.selected
    assert isinstance(controller.network.node(new_id).layer, Conv2D)
    canvas.fit_to_view()
    source, target = scene.layer_item("conv2d_1").out_port, scene.layer_item(new_id).in_port
    start, end = at(canvas, source.scenePos()), at(canvas, target.scenePos())
    viewport = canvas.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    qtbot.mouseMove(viewport, (start + end) / 2)
    qtbot.mouseMove(viewport, end)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=end)
    qtbot.waitUntil(lambda: controller.network.node(new_id).inputs == ("conv2d_1",), timeout=2000)
    assert controller.connect_layers(new_id, "maxpool2d_1")  # pooling takes one input: the new one
    # 8 filters of 3×3 over 4×6×6 maps: 8×4×4 maps, pooled to 8×2×2, 32 values once flattened
    assert labels.text("conv2d_1", new_id) == "4×6×6"
    assert labels.text(new_id, "maxpool2d_1") == "8×4×4"
    assert labels.text("maxpool2d_1", "flatten_1") == "8×2×2"
    assert labels.text("flatten_1", "dense_1") == "32"
    assert controller.trainer.model.params["dense_1.kernel"].shape == (32, 10)
    assert controller.trainer.model.params[f"{new_id}.kernel"].shape == (8, 4, 3, 3)
    item = scene.layer_item(new_id)
    assert type(item).__name__ == "FeatureMapsItem" and item.channels == 8
    assert "8×2×2 → 32" in scene.layer_item("flatten_1").subtitle


def test_feature_map_stacks_show_the_chosen_samples_maps(qtbot):
    canvas = new_canvas(qtbot, cnn_trainer())
    controller, scene = canvas.controller, canvas.graph_scene
    controller.select_sample(7)
    canvas.refresh()
    model = controller.trainer.model
    acts = model.activations(controller.dataset.x_train[7:8])
    for layer in ("input", "conv2d_1", "maxpool2d_1"):
        item = scene.layer_item(layer)
        shape = model.resolved.shapes[layer]
        close(item.shown, acts[layer][0].reshape(shape))
        assert item.n_tiles == min(shape[0], 5)
    assert "training sample #7" in scene.layer_item("conv2d_1").shown_note


def test_dense_nets_have_no_image_items_and_label_their_links(qtbot):
    canvas = new_canvas(qtbot)  # the xor net
    scene = canvas.graph_scene
    assert {type(i).__name__ for i in scene.layer_items().values()} == {"NeuronLayerItem"}
    assert scene.shape_labels.text("input", "dense_1") == "2"
    assert scene.sample_maps.maps == {}  # no extra forward pass for dense nets


def test_an_impossible_conv_edit_is_refused_with_the_engines_message(qtbot):
    from simulator.controller import SceneController
    from simulator.panels.inspector import InspectorPanel

    controller = SceneController(cnn_trainer())
    panel = InspectorPanel(controller)
    qtbot.addWidget(panel)
    panel.show()
    controller.select("conv2d_1")
    editor = panel.editor
    before = controller.network
    weights = controller.trainer.model.params["conv2d_1.kernel"].copy()
    with pytest.raises(ShapeError) as engine:
        Conv2D(4, 9).infer_shape([IMAGE])
    editor.kernel_size.rows.setValue(9)
    assert controller.network is before
    assert controller.network.node("conv2d_1").layer.kernel_size == 3
    close(controller.trainer.model.params["conv2d_1.kernel"], weights)
    error = editor.errors["kernel_size"]
    assert not error.isHidden() and str(engine.value) in error.text()
    assert editor.kernel_size.rows.value() == 3  # the field shows the value still in use

    editor.filters.setValue(6)  # a possible edit goes through
    assert controller.trainer.model.params["conv2d_1.kernel"].shape == (6, 1, 3, 3)
    editor.padding.setCurrentIndex(editor.padding.findData("same"))
    assert controller.draft.shapes["conv2d_1"] == (6, 8, 8)


def test_pool_and_reshape_editors_change_the_shapes(qtbot):
    from simulator.controller import SceneController
    from simulator.panels.inspector import InspectorPanel

    controller = SceneController(cnn_trainer())
    panel = InspectorPanel(controller)
    qtbot.addWidget(panel)
    panel.show()
    controller.select("maxpool2d_1")
    panel.editor.pool_size.rows.setValue(3)
    panel.editor.pool_size.cols.setValue(3)
    assert controller.draft.shapes["maxpool2d_1"] == (4, 2, 2)
    panel.editor.pool_size.rows.setValue(7)  # a 7-row window on 6-row maps
    assert controller.network.node("maxpool2d_1").layer.pool_size == 3
    assert "window is 7 rows" in panel.editor.errors["pool_size"].text()


def detail_panel(qtbot, controller):
    from simulator.panels.layer_detail import LayerDetailPanel

    panel = LayerDetailPanel(controller)
    qtbot.addWidget(panel)
    panel.resize(640, 620)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_layer_detail_shows_every_filter_and_the_samples_feature_maps(qtbot):
    from simulator.controller import SceneController

    trainer = cnn_trainer()
    trainer.run(20)
    controller = SceneController(trainer)
    panel = detail_panel(qtbot, controller)
    controller.select("conv2d_1")
    view = panel.image_view
    assert panel.stack.currentWidget() is view
    controller.select_sample(11)
    model = trainer.model
    kernel = model.params["conv2d_1.kernel"]
    maps = model.activations(trainer.data.x_train[11:12])["conv2d_1"][0].reshape(4, 6, 6)
    assert len(view.mosaics["kernels"].tiles) == 4  # 4 filters × 1 input channel
    assert len(view.mosaics["maps"].tiles) == 4
    for f in range(4):
        close(view.tile("kernels", f), kernel[f, 0])
        close(view.tile("maps", f), maps[f])
    assert view.sample_box.value() == 11
    slot = model.program.slot("conv2d_1.kernel")  # not stepping: the last mini-batch's gradient
    last = trainer.grads[slot.offset : slot.offset + slot.size].reshape(slot.shape)
    close(view.tile("kernel_grad", 0), last[view.selected_filter, 0])

    controller.select("maxpool2d_1")  # pooling: the maps in and out
    pooled = model.activations(trainer.data.x_train[11:12])["maxpool2d_1"][0].reshape(4, 3, 3)
    assert set(view.mosaics) == {"in_maps", "maps"}
    for c in range(4):
        close(view.tile("in_maps", c), maps[c])
        close(view.tile("maps", c), pooled[c])


def test_stepping_phases_through_a_cnn_highlights_layers_and_shows_the_filters_gradient(qtbot):
    trainer = cnn_trainer()
    canvas = new_canvas(qtbot, trainer)
    canvas.controller.select("conv2d_1")
    panel = detail_panel(qtbot, canvas.controller)
    view = panel.image_view
    view.select_filter(2)
    order, grads = [], None
    for event in trainer.phases():
        canvas.show_phase(event)
        panel.show_event(event)
        canvas.refresh()
        if event.layer is not None:
            assert canvas.graph_scene.highlighted == event.layer
            order.append((event.phase, event.layer))
        if event.phase is Phase.BACKWARD and event.layer == "conv2d_1":
            grads = event.grads["kernel"]
            close(view.tile("kernel_grad", 0), grads[2, 0])
            assert "in this backward pass" in view._plots["kernel_grad"].titleLabel.text
            item = canvas.graph_scene.layer_item("conv2d_1")
            assert item.value_name != "output" and item.shown is not None  # δ maps of the batch
    forward = [layer for phase, layer in order if phase is Phase.FORWARD]
    assert forward == ["input", "conv2d_1", "maxpool2d_1", "flatten_1", "dense_1"]
    backward = [layer for phase, layer in order if phase is Phase.BACKWARD]
    assert backward == ["dense_1", "flatten_1", "maxpool2d_1", "conv2d_1"]
    assert grads is not None


def test_a_cnn_trains_in_the_window_with_play_step_phase_and_rewind(window, qtbot):
    window.open_trainer(cnn_trainer())
    runner, controller = window.runner, window.controller
    assert not window.output_dock.isVisible()  # the 2-D output view has nothing to show for images
    controller.select("conv2d_1")
    window.watch_tabs.setCurrentWidget(window.layer_detail)
    runner.step()
    assert controller.trainer.step_count == 1
    phases = [runner.step_phase() for _ in range(8)]
    assert any(e is not None and e.phase is Phase.BACKWARD for e in phases)
    qtbot.wait(50)
    runner.play()
    qtbot.waitUntil(lambda: controller.trainer.step_count > 20, timeout=20000)
    runner.pause()
    qtbot.wait(50)
    window.refresh()
    assert runner.rewind(1)
    assert controller.trainer.step_count == 1
    window.refresh()
    item = window.canvas.graph_scene.layer_item("conv2d_1")
    assert item.shown is not None and np.all(np.isfinite(item.shown))
    window.grab()  # paints every panel once without error
