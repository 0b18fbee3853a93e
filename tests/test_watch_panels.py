"""The "watching it learn" panels: layer heatmaps, training curves, confusion matrix, prediction plot."""

from __future__ import annotations

import time

import numpy as np
import pytest
from PySide6.QtWidgets import QAbstractButton, QApplication, QComboBox, QWidget

from engine import SGD, Dense, Input, Network, Phase, Trainer, data, metrics, tfp_dense
from simulator.controller import SceneController
from simulator.default_scene import make_default_trainer

pytestmark = pytest.mark.gui


def show(qtbot, widget: QWidget, size=(620, 560)) -> QWidget:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


@pytest.fixture
def spiral():
    return SceneController(make_default_trainer())


@pytest.fixture
def iris():
    net = Network.sequential(Input(4), Dense(8, "tanh"), Dense(3, "softmax"))
    trainer = Trainer(net.build(seed=1), data.load_iris(), loss="cross_entropy", optimizer=SGD(0.1))
    trainer.run_epochs(5)
    return SceneController(trainer)


@pytest.fixture
def plane():
    dataset = data.playground("plane", noise=0.1, features=("x1", "x2"))
    net = Network.sequential(Input(2), tfp_dense(4, "tanh"), Dense(1, "linear"))
    trainer = Trainer(net.build(seed=0), dataset, loss="mse", optimizer=SGD(0.03))
    trainer.run_epochs(5)
    return SceneController(trainer)


def synthetic_mnist(n_train: int = 512, n_test: int = 128) -> data.Dataset:
    """MNIST's shapes (784 pixels in [0, 1], 10 classes), random values: enough for timing."""
    rng = np.random.default_rng(1)
    x = rng.integers(0, 256, size=(n_train + n_test, 784)).astype(np.float64) / 255.0
    t = rng.integers(0, 10, size=n_train + n_test)
    return data.Dataset(
        "mnist-shaped", "classification", x[:n_train], x[n_train:], t[:n_train], t[n_train:], n_classes=10
    )


def points(curve) -> int:
    x = curve.getData()[0]
    return 0 if x is None else len(x)


# ------------------------------------------------------------------------------------ layer detail
def test_layer_detail_shows_the_selected_layer(qtbot, spiral):
    from simulator.panels.layer_detail import LayerDetailPanel

    panel = show(qtbot, LayerDetailPanel(spiral))
    assert panel.stack.currentWidget() is panel.hint  # nothing selected yet
    spiral.select("dense_1")
    kernel = panel.matrices["kernel"].item.values
    assert kernel.shape == (4, 8)
    np.testing.assert_array_equal(kernel, spiral.trainer.model.params["dense_1.kernel"])
    np.testing.assert_array_equal(
        panel.matrices["bias"].item.values[0], spiral.trainer.model.params["dense_1.bias"]
    )
    assert "4 × 8" in panel.title.text()
    assert panel.layer_menu.currentData() == "dense_1"

    spiral.select("dense_4")
    assert panel.matrices["kernel"].item.values.shape == (8, 1)
    assert "8 × 1" in panel.title.text()

    panel.layer_menu.setCurrentIndex(panel.layer_menu.findData("dense_2"))
    panel.layer_menu.activated.emit(panel.layer_menu.currentIndex())
    assert spiral.selected == "dense_2" and panel.layer == "dense_2"

    spiral.select("input")
    assert "kernel" not in panel.matrices
    assert panel.matrices["batch"].item.values.shape == (32, 4)  # the features of 32 samples


def test_layer_detail_sample_batch_and_last_gradients(qtbot, spiral):
    from simulator.panels.layer_detail import SAMPLE_ROWS, LayerDetailPanel

    panel = show(qtbot, LayerDetailPanel(spiral))
    spiral.select("dense_2")
    trainer = spiral.trainer
    assert panel.matrices["kernel_grad"].item.values is None  # no step trained yet
    trainer.run(30)
    panel.refresh()
    x = trainer.data.x_train[:SAMPLE_ROWS]
    np.testing.assert_allclose(panel.matrices["batch"].item.values, trainer.model.activations(x)["dense_2"])
    slot = trainer.model.program.slot("dense_2.kernel")
    np.testing.assert_array_equal(
        panel.matrices["kernel_grad"].item.values,
        trainer.grads[slot.offset : slot.offset + slot.size].reshape(8, 8),
    )
    assert panel.matrices["batch_grad"].item.values is None  # needs a phase-by-phase step
    panel.batch_menu.setCurrentIndex(panel.batch_menu.findData("z"))
    acts = trainer.model.activations(x)
    z = acts["dense_1"] @ trainer.model.params["dense_2.kernel"] + trainer.model.params["dense_2.bias"]
    np.testing.assert_allclose(panel.matrices["batch"].item.values, z, rtol=1e-5, atol=1e-6)


def test_layer_detail_follows_phase_events(qtbot, spiral):
    from simulator.panels.layer_detail import LayerDetailPanel

    panel = show(qtbot, LayerDetailPanel(spiral))
    trainer = spiral.trainer
    trainer.run(12)
    spiral.select("dense_2")
    seen = set()
    for event in trainer.phases():
        panel.show_event(event)
        if event.layer != "dense_2" and event.phase is not Phase.UPDATE:
            continue
        if event.phase is Phase.FORWARD:
            np.testing.assert_array_equal(panel.matrices["batch"].item.values, event.output)
            assert panel.matrices["kernel_grad"].item.values is None  # not computed yet for this batch
            assert panel.matrices["batch"].item.values.shape == (10, 8)  # the mini-batch, not the sample
        elif event.phase is Phase.BACKWARD:
            np.testing.assert_array_equal(panel.matrices["kernel_grad"].item.values, event.grads["kernel"])
            np.testing.assert_array_equal(panel.matrices["bias_grad"].item.values[0], event.grads["bias"])
            np.testing.assert_array_equal(panel.matrices["batch_grad"].item.values, event.output_grad)
        elif event.phase is Phase.UPDATE:
            np.testing.assert_array_equal(
                panel.matrices["kernel"].item.values, trainer.model.params["dense_2.kernel"]
            )
            assert "largest change" in panel.caption.text()
        seen.add(event.phase)
    assert seen == {Phase.FORWARD, Phase.BACKWARD, Phase.UPDATE}
    assert "Step 13" in panel.caption.text()

    trainer.run(5)  # trained on since: the panel goes back to its own sample batch
    panel.refresh()
    assert panel.matrices["batch"].item.values.shape == (32, 8)
    assert panel.matrices["batch_grad"].item.values is None
    panel.show_event(None)
    assert "first 32 training samples" in panel.caption.text()


def test_layer_detail_follows_trainer_changes(qtbot, spiral):
    from simulator.panels.layer_detail import LayerDetailPanel

    panel = show(qtbot, LayerDetailPanel(spiral))
    spiral.select("dense_1")
    assert spiral.add_neuron("dense_1")  # a new model: trainer_changed
    assert panel.matrices["kernel"].item.values.shape == (4, 9)
    np.testing.assert_array_equal(
        panel.matrices["kernel"].item.values, spiral.trainer.model.params["dense_1.kernel"]
    )
    spiral.undo_stack.undo()
    assert panel.matrices["kernel"].item.values.shape == (4, 8)


def test_layer_detail_colour_levels_hold_still(qtbot, spiral):
    from simulator.panels.colormaps import nice_limit
    from simulator.panels.layer_detail import LayerDetailPanel

    assert [nice_limit(v) for v in (0.0, 0.07, 0.1, 0.11, 1.5, 3, 7.2)] == [
        1.0,
        0.1,
        0.1,
        0.2,
        2.0,
        5.0,
        10.0,
    ]
    panel = show(qtbot, LayerDetailPanel(spiral))
    spiral.select("dense_1")
    limit = panel._limits["weights"]
    assert limit == nice_limit(np.abs(spiral.trainer.model.params["dense_1.kernel"]).max())
    panel.hold_check.setChecked(True)
    spiral.trainer.run_epochs(60)
    panel.refresh()
    assert panel._limits["weights"] == limit  # held
    panel.rescale_button.click()
    kernel = spiral.trainer.model.params["dense_1.kernel"]
    bias = spiral.trainer.model.params["dense_1.bias"]
    assert panel._limits["weights"] == nice_limit(max(np.abs(kernel).max(), np.abs(bias).max()))


def test_layer_detail_heatmap_colours(qtbot, spiral):
    from simulator.panels.colormaps import DIVERGING_LUT, colour_pixels
    from simulator.panels.layer_detail import LayerDetailPanel

    pixels = colour_pixels(np.array([[-1.0, 0.0, 1.0, 5.0, np.nan]]), -1.0, 1.0)
    assert (
        pixels[0, 0] == DIVERGING_LUT[0]
        and pixels[0, 2] == DIVERGING_LUT[-1]
        and pixels[0, 3] == DIVERGING_LUT[-1]
    )
    assert pixels[0, 1] == DIVERGING_LUT[128]
    panel = show(qtbot, LayerDetailPanel(spiral))
    spiral.select("dense_1")
    panel.grab()  # paints: the items colour their images
    item = panel.matrices["kernel"].item
    assert item.pixels() is not None and item.pixels().shape == (4, 8)


def test_layer_detail_redraw_speed_on_a_784_128_64_10_net(qtbot):
    """Times refresh + repaint of dense_1 (a 784 × 128 kernel) while training; prints, asserts nothing."""
    from simulator.panels.layer_detail import LayerDetailPanel

    net = Network.sequential(Input(784), Dense(128, "relu"), Dense(64, "relu"), Dense(10, "linear"))
    trainer = Trainer(
        net.build(seed=0), synthetic_mnist(), loss="cross_entropy", optimizer=SGD(0.01), batch_size=64
    )
    trainer.run(3)
    controller = SceneController(trainer)
    panel = show(qtbot, LayerDetailPanel(controller), (620, 560))
    controller.select("dense_1")
    assert panel.matrices["kernel"].item.values.shape == (784, 128)
    app = QApplication.instance()
    costs = []
    for _ in range(40):
        trainer.run(1)
        start = time.perf_counter()
        panel.refresh()
        app.processEvents()
        costs.append(time.perf_counter() - start)
    ms = np.array(costs[5:]) * 1e3
    print(f"\nlayer detail, 784 × 128 kernel: p50 {np.median(ms):.2f} ms, p95 {np.percentile(ms, 95):.2f} ms")


# ------------------------------------------------------------------------------------------ curves
def test_min_max_series_keeps_every_bucket_extreme():
    from simulator.panels.curves import MinMaxSeries

    rng = np.random.default_rng(0)
    for _ in range(50):
        series = MinMaxSeries(max_buckets=int(rng.integers(2, 16)))
        chunks = [rng.normal(size=int(rng.integers(0, 40))) for _ in range(int(rng.integers(1, 25)))]
        for chunk in chunks:
            series.extend(chunk)
        values = np.concatenate(chunks)
        assert series.n == values.size
        x, y = series.polyline()
        lo, hi = y[0::2], y[1::2]
        assert lo.size <= series.max_buckets + 1
        for i in range(lo.size):
            part = values[i * series.size : (i + 1) * series.size]
            assert lo[i] == part.min() and hi[i] == part.max()
        if values.size:
            assert y.min() == values.min() and y.max() == values.max()


def test_curves_gain_points_after_training(qtbot, spiral):
    from simulator.panels.curves import CurvesPanel

    panel = show(qtbot, CurvesPanel(spiral), (560, 480))
    trainer = spiral.trainer
    panel.refresh()
    assert points(panel.train_loss) == 0
    trainer.run_epochs(5)
    panel.refresh()
    x, y = panel.test_loss.getData()
    np.testing.assert_array_equal(np.unique(x), np.arange(1, 6))
    np.testing.assert_allclose(y[0::2], trainer.history.test_loss)
    trainer.run_epochs(20)
    panel.refresh()
    assert np.unique(panel.train_loss.getData()[0]).size == 25
    np.testing.assert_allclose(panel.train_acc.getData()[1][1::2], 100 * trainer.history.train_acc)
    assert panel.accuracy_plot.isVisible()

    panel.steps_check.setChecked(True)
    sx, sy = panel.step_curve.getData()
    assert sy.min() == trainer.step_losses.min() and sy.max() == trainer.step_losses.max()
    assert 0 < sx[0] < 1 and sx[-1] == pytest.approx(25, abs=0.05)

    panel.log_check.setChecked(True)
    assert panel.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()
    trainer.reset()
    panel.refresh()
    assert points(panel.train_loss) == 0 and points(panel.step_curve) == 0


def _drawn_columns(curve, x: np.ndarray, y: np.ndarray) -> tuple[dict, dict]:
    """{pixel column: sorted device y} as drawn by ``curve``, and as computed from the points (x, y)."""
    import pyqtgraph as pg

    transform = curve.deviceTransform(curve.scene().views()[0].viewportTransform())
    drawn = pg.functions.ndarray_from_qpolygonf(curve.device_polyline(transform)).copy()
    got: dict[int, list[float]] = {}
    for cx, cy in drawn:
        got.setdefault(int(np.floor(cx)), []).append(cy)
    xd = x * transform.m11() + transform.m31()
    yd = y * transform.m22() + transform.m32()
    expected: dict[int, list[float]] = {}
    for column, value in zip(np.floor(xd).astype(int), yd, strict=True):
        expected.setdefault(int(column), []).append(value)
    return got, expected


def test_curves_draw_the_min_and_max_of_each_pixel_column(qtbot, spiral):
    from simulator.panels.curves import CurvesPanel

    panel = show(qtbot, CurvesPanel(spiral), (560, 480))
    trainer = spiral.trainer
    trainer.run_epochs(700)  # more epochs than pixel columns
    panel.refresh()
    panel.grab()  # painted once: the view's transform is final
    epochs = np.arange(1, len(trainer.history) + 1, dtype=np.float64)
    history = trainer.history
    for curve, values in (
        (panel.train_loss, history.train_loss),
        (panel.test_loss, history.test_loss),
        (panel.test_acc, 100 * history.test_acc),
    ):
        got, expected = _drawn_columns(curve, epochs, np.asarray(values, np.float64))
        assert len(expected) < len(values)  # several epochs share a column
        assert set(got) == set(expected)
        for column, ys in expected.items():
            assert min(got[column]) == pytest.approx(min(ys), abs=1e-6)
            assert max(got[column]) == pytest.approx(max(ys), abs=1e-6)
            assert len(got[column]) == 2  # one stroke per column
    assert panel.train_loss._cache is not None  # what was painted came from ``device_polyline``


def test_the_epoch_axis_shows_every_epoch_and_changes_only_now_and_then(qtbot, spiral):
    from simulator.panels.curves import CurvesPanel

    panel = show(qtbot, CurvesPanel(spiral), (560, 480))
    trainer = spiral.trainer
    vb = panel.loss_plot.getPlotItem().getViewBox()
    ranges = []
    for _ in range(40):
        trainer.run_epochs(10)
        panel.refresh()
        x0, x1 = vb.viewRange()[0]
        assert x0 <= 1 and x1 >= len(trainer.history)  # every epoch in view
        assert len(trainer.history) > 0.35 * x1  # and the curves fill a good part of it
        ranges.append(x1)
    assert len(set(ranges)) <= 8  # 40 refreshes, a handful of axis layouts


def test_curves_handle_many_epochs_and_regression(qtbot, spiral, plane):
    from simulator.panels.curves import MAX_BUCKETS, CurvesPanel

    panel = show(qtbot, CurvesPanel(spiral), (560, 480))
    panel.steps_check.setChecked(True)
    spiral.trainer.run_epochs(3000)
    panel.refresh()
    assert len(panel.train_loss.getData()[0]) <= 2 * MAX_BUCKETS + 2
    assert len(panel.step_curve.getData()[0]) <= 2 * MAX_BUCKETS + 2

    other = show(qtbot, CurvesPanel(plane), (560, 480))
    other.refresh()
    assert not other.accuracy_plot.isVisible()  # no accuracy for regression
    assert len(other.train_loss.getData()[0]) == 2 * 5


# -------------------------------------------------------------------------------- confusion matrix
def test_confusion_matrix_matches_engine_metrics(qtbot, iris):
    from simulator.panels.confusion import ConfusionPanel

    panel = show(qtbot, ConfusionPanel(iris), (460, 520))
    trainer = iris.trainer
    d = trainer.data
    assert panel.matrix.sum() == d.n_test
    pred = metrics.classes_from_outputs(trainer.model.predict(d.x_test))
    np.testing.assert_array_equal(panel.matrix, metrics.confusion_matrix(d.t_test, pred, 3))
    expected = metrics.precision_recall_f1(d.t_test, pred, 3)
    np.testing.assert_allclose(panel.report["f1"], expected["f1"])
    assert f"{expected['macro']['f1']:.3f}" in panel.summary.text()
    assert panel.table.rowCount() == 4 and panel.table.item(3, 2).text() == f"{expected['macro']['f1']:.3f}"
    assert panel.table.verticalHeaderItem(0).text() == d.class_names[0]

    panel.split_menu.setCurrentIndex(panel.split_menu.findData("train"))
    assert panel.matrix.sum() == d.n_train

    trainer.run_epochs(30)  # later weights: redrawn at most every 0.1 s, but always in the end
    panel.refresh()
    pred = metrics.classes_from_outputs(trainer.model.predict(d.x_train))
    expected = metrics.confusion_matrix(d.t_train, pred, 3)
    qtbot.waitUntil(lambda: np.array_equal(panel.matrix, expected), timeout=3000)


def test_confusion_matrix_thresholds(qtbot, spiral):
    from simulator.panels.confusion import ConfusionPanel, output_threshold

    trainer = spiral.trainer
    trainer.run_epochs(20)
    panel = show(qtbot, ConfusionPanel(spiral), (420, 440))
    assert output_threshold(trainer) == 0.0  # a tanh unit trained on ±1
    d = trainer.data
    pred = (trainer.model.predict(d.x_test)[:, 0] > 0).astype(int)
    np.testing.assert_array_equal(panel.matrix, metrics.confusion_matrix(d.t_test, pred, 2))
    assert panel.matrix.sum() == 250

    net = Network.sequential(Input(4), Dense(6, "tanh"), Dense(1, "sigmoid"))
    sigmoid = Trainer(net.build(seed=0), d, loss="binary_cross_entropy", optimizer=SGD(0.1))
    assert output_threshold(sigmoid) == 0.5


def test_confusion_panel_is_idle_while_hidden_and_for_regression(qtbot, iris, plane):
    from simulator.panels.confusion import ConfusionPanel

    hidden = ConfusionPanel(iris)
    qtbot.addWidget(hidden)
    hidden.refresh()
    assert hidden.matrix.size == 0  # no work while hidden
    show(qtbot, hidden, (400, 400))
    assert hidden.matrix.sum() == iris.trainer.data.n_test  # done when shown

    regression = show(qtbot, ConfusionPanel(plane), (400, 400))
    assert regression.note.isVisible() and not regression.view.isVisible()


# --------------------------------------------------------------------------------- prediction plot
def test_prediction_plot_scores_match_engine_metrics(qtbot, plane):
    from simulator.panels.prediction_plot import PredictionPanel

    panel = show(qtbot, PredictionPanel(plane), (460, 480))
    trainer = plane.trainer
    d = trainer.data
    pred = trainer.model.predict(d.x_test)
    assert panel.scores["r2"] == pytest.approx(metrics.r2(d.t_test, pred))
    assert panel.scores["mae"] == pytest.approx(metrics.mae(d.t_test, pred))
    assert panel.scores["rmse"] == pytest.approx(metrics.rmse(d.t_test, pred))
    assert f"R² {panel.scores['r2']:.4f}" in panel.scores_label.text()
    x, y = panel.scatter.getData()
    assert len(x) == d.n_test
    np.testing.assert_allclose(x, d.t_test[:, 0])
    np.testing.assert_allclose(y, pred[:, 0], rtol=1e-6)
    lo, hi = panel.diagonal.getData()[0]
    assert lo <= min(x.min(), y.min()) and hi >= max(x.max(), y.max())  # y = x spans the points

    panel.split_menu.setCurrentIndex(panel.split_menu.findData("train"))
    assert len(panel.scatter.getData()[0]) == d.n_train


def test_prediction_plot_says_it_is_for_regression(qtbot, iris):
    from simulator.panels.prediction_plot import PredictionPanel

    panel = show(qtbot, PredictionPanel(iris), (400, 400))
    assert panel.note.isVisible() and not panel.plot.isVisible()
    assert panel.scores == {}


# -------------------------------------------------------------------------------------------- all
def test_every_control_has_a_tooltip(qtbot, spiral, plane):
    from simulator.panels.confusion import ConfusionPanel
    from simulator.panels.curves import CurvesPanel
    from simulator.panels.layer_detail import LayerDetailPanel
    from simulator.panels.prediction_plot import PredictionPanel

    spiral.select("dense_1")
    for panel in (
        LayerDetailPanel(spiral),
        CurvesPanel(spiral),
        ConfusionPanel(spiral),
        PredictionPanel(plane),
    ):
        show(qtbot, panel)
        controls = panel.findChildren(QAbstractButton) + panel.findChildren(QComboBox)
        assert controls
        for control in controls:
            if not control.objectName().startswith("qt_"):  # Qt's own parts, e.g. a table's corner
                assert control.toolTip(), (type(panel).__name__, control)
