"""Panels for image data sets: the sample browser, the drawing pad and the confusion matrix's images."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QImage
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QComboBox, QWidget

from engine import SGD, Dense, Input, Network, Trainer
from simulator.controller import SceneController
from simulator.panels.digit_fit import area_resize, fit_drawing
from simulator.panels.digits_demo import digits_dataset

pytestmark = pytest.mark.gui
NO_MODIFIER = Qt.KeyboardModifier.NoModifier
LEFT = Qt.MouseButton.LeftButton


def show(qtbot, widget: QWidget, size=(900, 360)) -> QWidget:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def digits_scene(output: str = "softmax", epochs: int = 2) -> SceneController:
    net = Network.sequential(Input(64), Dense(32, "relu"), Dense(10, output))
    trainer = Trainer(net.build(seed=0), digits_dataset(), loss="cross_entropy", optimizer=SGD(0.1))
    trainer.run_epochs(epochs)
    return SceneController(trainer)


@pytest.fixture(scope="module")
def dataset():
    return digits_dataset()


def image_bits(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    bits = np.frombuffer(image.constBits(), np.uint32, image.height() * image.bytesPerLine() // 4)
    return bits.reshape(image.height(), -1)[:, : image.width()] & 0xFFFFFF


def grey_levels(row: np.ndarray) -> np.ndarray:
    """What one 8 × 8 grey image should look like: 0xRRGGBB with R = G = B = round(255 v)."""
    v = np.rint(255 * row.reshape(8, 8)).astype(np.uint32)
    return (v << 16) | (v << 8) | v


# ---------------------------------------------------------------------------------- sample browser
def test_sample_browser_shows_the_image_its_probabilities_and_activations(qtbot):
    from simulator.panels.sample_browser import SampleBrowser

    scene = digits_scene()
    trainer = scene.trainer
    browser = show(qtbot, SampleBrowser(scene))
    browser.show_sample(17)
    d = trainer.data
    row = d.x_test[17]
    np.testing.assert_array_equal(image_bits(browser.image_view.image), grey_levels(row))
    expected = trainer.model.predict(row[None, :])[0]
    assert browser.probabilities.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(browser.probabilities, expected, rtol=1e-6)
    assert browser.bars.true_class == d.t_test[17]
    assert d.class_names[int(np.argmax(expected))] in browser.caption.text()
    acts = trainer.model.activations(row[None, :])
    for layer in ("dense_1", "dense_2"):
        np.testing.assert_allclose(browser.activations.values(layer), acts[layer][0])
    assert browser.activations.values("input").shape == (1, 8, 8)  # the input drawn as the image

    browser.next_button.click()
    assert browser.index == 18 and browser.spin.value() == 18
    np.testing.assert_allclose(browser.probabilities, trainer.model.predict(d.x_test[18:19])[0], rtol=1e-6)
    browser.split_menu.setCurrentIndex(browser.split_menu.findData("train"))
    assert browser.bars.true_class == d.t_train[18]
    browser.strip.clicked.emit(3)
    assert browser.index == 3 and browser.strip.current == 3

    before = browser.probabilities.copy()
    trainer.run(200)  # new weights: the next refresh shows them
    browser.refresh()
    np.testing.assert_allclose(browser.probabilities, trainer.model.predict(d.x_train[3:4])[0], rtol=1e-6)
    assert not np.allclose(browser.probabilities, before)


def test_sample_browser_takes_the_softmax_of_logits(qtbot):
    from simulator.panels.sample_browser import SampleBrowser

    scene = digits_scene(output="linear", epochs=1)
    browser = show(qtbot, SampleBrowser(scene))
    browser.show_sample(5)
    z = scene.trainer.model.predict(scene.trainer.data.x_test[5:6])[0].astype(np.float64)
    expected = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
    np.testing.assert_allclose(browser.probabilities, expected, rtol=1e-9)
    assert browser.probabilities.sum() == pytest.approx(1.0)
    assert "softmax" in browser.how_label.text()
    browser.random_button.click()
    assert 0 <= browser.index < scene.trainer.data.n_test


def test_activation_view_draws_image_layers_as_channel_maps(qtbot):
    """A layer whose shape is (channels, height, width) gets one map per channel (as a CNN's will)."""
    from simulator.panels.activation_view import ActivationView

    shapes = {"input": (2, 4, 5), "conv": (3, 2, 2), "dense": (6,)}
    layers = {
        "input": Input(40),
        "conv": SimpleNamespace(type_name="Conv2D", filters=3, activation="relu"),
        "dense": Dense(6),
    }
    rng = np.random.default_rng(0)
    acts = {k: rng.normal(size=(1, int(np.prod(s)))) for k, s in shapes.items()}
    model = SimpleNamespace(
        resolved=SimpleNamespace(
            order=[SimpleNamespace(id=k, layer=layers[k]) for k in shapes], shapes=shapes
        ),
        activations=lambda x: acts,
    )
    view = show(qtbot, ActivationView(), (520, 300))
    view.show_activations(model, np.zeros(40), image_shape=(2, 4, 5))
    kinds = {row.layer: (row.kind, len(row.images)) for row in view.rows}
    assert kinds == {"input": ("picture", 1), "conv": ("image", 3), "dense": ("vector", 1)}
    np.testing.assert_array_equal(view.values("conv"), acts["conv"][0].reshape(3, 2, 2))
    conv = view.rows[1]
    tile = conv.tiles[2]
    text = view.describe_at(QPointF(tile.right() - 1, tile.top() + 1))  # channel 3, row 1, column 2
    assert text.startswith("conv, channel 3, row 1, column 2") and f"{acts['conv'][0][9]:.4g}" in text
    strip = view.rows[2].tiles[0]
    text = view.describe_at(QPointF(strip.left() + 1, strip.center().y()))
    assert text == f"dense, unit 1: {acts['dense'][0][0]:.4g}"
    view.grab()  # paints without error


# ------------------------------------------------------------------------------------- drawing pad
def drag(widget, points) -> None:
    """Press at the first point, move through the others, release at the last (widget coordinates)."""
    QTest.mousePress(widget, LEFT, NO_MODIFIER, points[0])
    for p in points[1:]:
        QTest.mouseMove(widget, p)
    QTest.mouseRelease(widget, LEFT, NO_MODIFIER, points[-1])


def canvas_points(canvas, unit_points) -> list[QPoint]:
    a = canvas.area()
    return [QPoint(int(a.left() + u * a.width()), int(a.top() + v * a.height())) for u, v in unit_points]


def test_drawing_a_stroke_changes_the_image_and_the_prediction(qtbot):
    from simulator.panels.drawing_pad import DrawingPad

    scene = digits_scene()
    pad = show(qtbot, DrawingPad(scene))
    model = scene.trainer.model
    assert pad.canvas.ink().max() == 0 and pad.probabilities.size == 0
    line = [(0.3 + 0.4 * k / 12, 0.2) for k in range(13)] + [
        (0.7 - 0.25 * k / 12, 0.2 + 0.6 * k / 12) for k in range(13)
    ]
    drag(pad.canvas, canvas_points(pad.canvas, line))  # a "7"
    ink = pad.canvas.ink()
    assert ink.max() == pytest.approx(1.0) and 0.02 < ink.mean() < 0.3
    assert pad.image_row.shape == (64,) and pad.image_row.max() == pytest.approx(1.0)
    np.testing.assert_allclose(pad.image_row, fit_drawing(ink, (1, 8, 8)))
    first = pad.probabilities.copy()
    assert first.sum() == pytest.approx(1.0)
    np.testing.assert_allclose(first, model.predict(pad.image_row[None, :])[0], rtol=1e-6)
    np.testing.assert_allclose(
        pad.activations.values("dense_1"), model.activations(pad.image_row[None, :])["dense_1"][0]
    )

    drag(pad.canvas, canvas_points(pad.canvas, [(0.3, 0.5 + 0.3 * k / 8) for k in range(9)]))
    assert len(pad.canvas.strokes) == 2
    assert not np.allclose(pad.probabilities, first)
    pad.undo_button.click()
    qtbot.waitUntil(lambda: np.allclose(pad.probabilities, first), timeout=2000)
    pad.clear_button.click()
    qtbot.waitUntil(lambda: pad.probabilities.size == 0, timeout=2000)
    assert pad.canvas.ink().max() == 0


def test_fit_drawing_normalises_like_mnist():
    rng = np.random.default_rng(0)
    img = rng.random((16, 12))
    np.testing.assert_allclose(area_resize(img, 8, 6), img.reshape(8, 2, 6, 2).mean(axis=(1, 3)))
    assert area_resize(img, 5, 7).mean() == pytest.approx(img.mean())  # area means keep the total

    ink = np.zeros((200, 200))
    ink[30:150, 130:160] = 1.0  # a tall bar up and to the right
    big = fit_drawing(ink, (1, 28, 28)).reshape(28, 28)
    rows = np.flatnonzero(big.any(axis=1))
    assert rows[-1] - rows[0] + 1 == 20  # the longer side fits 20 of 28 pixels
    mass = big.sum()
    cy = (big.sum(axis=1) * (np.arange(28) + 0.5)).sum() / mass
    cx = (big.sum(axis=0) * (np.arange(28) + 0.5)).sum() / mass
    assert abs(cy - 14) <= 0.5 and abs(cx - 14) <= 0.5  # centre of mass in the middle
    assert big.max() == pytest.approx(1.0) and big.min() >= 0

    small = fit_drawing(ink, (1, 8, 8)).reshape(8, 8)
    rows = np.flatnonzero(small.any(axis=1))
    assert rows[0] == 0 and rows[-1] == 7  # an 8 × 8 digit fills the height
    colour = fit_drawing(ink, (3, 8, 8)).reshape(3, 8, 8)
    np.testing.assert_array_equal(colour[0], small)
    np.testing.assert_array_equal(colour[2], small)
    assert not fit_drawing(np.zeros((50, 50)), (1, 8, 8)).any()


# -------------------------------------------------------------------------------- confusion matrix
def test_clicking_a_confusion_cell_lists_exactly_its_images(qtbot):
    from simulator.panels.confusion import ConfusionPanel

    scene = digits_scene(epochs=1)
    panel = show(qtbot, ConfusionPanel(scene), (760, 460))
    d = scene.trainer.data
    pred = np.argmax(scene.trainer.model.predict(d.x_test), axis=1)
    off = panel.matrix.copy()
    np.fill_diagonal(off, 0)
    true, wrong = np.unravel_index(np.argmax(off), off.shape)
    assert off[true, wrong] > 0
    panel.view.grab()  # painted: the cells have their places
    x, y = panel.view.cell_centre(true, wrong)
    QTest.mouseClick(panel.view, LEFT, NO_MODIFIER, QPoint(int(x), int(y)))
    expected = np.flatnonzero((d.t_test == true) & (pred == wrong))
    np.testing.assert_array_equal(panel.listed, expected)
    assert len(expected) == panel.matrix[true, wrong]
    assert panel.listing.isVisible()
    np.testing.assert_array_equal(panel.listing.thumbnails.indices, expected)
    assert f"{len(expected)} test image" in panel.listing.label.text()

    with qtbot.waitSignal(panel.sample_requested) as blocker:
        grid = panel.listing.thumbnails
        rect = grid._layout()[1][0]
        QTest.mouseClick(grid, LEFT, NO_MODIFIER, rect.center().toPoint())
    assert blocker.args == ["test", int(expected[1])]

    panel.split_menu.setCurrentIndex(panel.split_menu.findData("train"))  # listed again for that set
    pred = np.argmax(scene.trainer.model.predict(d.x_train), axis=1)
    np.testing.assert_array_equal(panel.listed, np.flatnonzero((d.t_train == true) & (pred == wrong)))


def test_confusion_cells_list_nothing_for_sets_that_are_not_images(qtbot):
    from simulator.panels.confusion import ConfusionPanel

    net = Network.sequential(Input(4), Dense(3, "softmax"))
    from engine import data

    trainer = Trainer(net.build(seed=0), data.load_iris(), loss="cross_entropy", optimizer=SGD(0.1))
    panel = show(qtbot, ConfusionPanel(SceneController(trainer)), (500, 460))
    panel.view.grab()
    x, y = panel.view.cell_centre(0, 0)
    QTest.mouseClick(panel.view, LEFT, NO_MODIFIER, QPoint(int(x), int(y)))
    assert not panel.listing.isVisible() and panel.listed.size == 0


# ------------------------------------------------------------------------------------------ window
def test_image_tabs_show_for_image_sets_only(window, qtbot):
    from simulator.panels.digits_demo import digits_trainer

    def visible(panel) -> bool:
        tabs = window.watch_tabs  # opening a scene rebuilds the panels and their tabs
        return tabs.isTabVisible(tabs.indexOf(panel))

    assert not visible(window.sample_browser) and not visible(window.drawing_pad)  # the spiral
    window.open_trainer(digits_trainer(epochs=1))
    assert visible(window.sample_browser) and visible(window.drawing_pad)
    window.watch_tabs.setCurrentWidget(window.confusion)
    window.confusion.sample_requested.emit("train", 40)  # a thumbnail of the matrix was clicked
    assert window.watch_tabs.currentWidget() is window.sample_browser
    assert window.sample_browser.split == "train" and window.sample_browser.index == 40
    row = window.trainer.data.x_train[40]
    qtbot.waitUntil(lambda: window.sample_browser.probabilities.size == 10, timeout=3000)
    np.testing.assert_allclose(
        window.sample_browser.probabilities, window.trainer.model.predict(row[None, :])[0], rtol=1e-6
    )

    from simulator.default_scene import make_default_trainer

    window.open_trainer(make_default_trainer())
    assert not visible(window.sample_browser) and not visible(window.drawing_pad)


def test_image_panel_controls_have_tooltips(qtbot):
    from simulator.panels.confusion import ConfusionPanel
    from simulator.panels.drawing_pad import DrawingPad
    from simulator.panels.sample_browser import SampleBrowser

    scene = digits_scene(epochs=0)
    for panel in (SampleBrowser(scene), DrawingPad(scene), ConfusionPanel(scene)):
        show(qtbot, panel)
        controls = panel.findChildren(QAbstractButton) + panel.findChildren(QComboBox)
        assert controls
        for control in controls:
            if not control.objectName().startswith("qt_"):
                assert control.toolTip(), (type(panel).__name__, control)


def test_image_panels_empty_themselves_for_other_data(qtbot):
    import dataclasses

    from simulator.panels.drawing_pad import DrawingPad
    from simulator.panels.sample_browser import SampleBrowser

    scene = digits_scene(epochs=0)
    browser = show(qtbot, SampleBrowser(scene))
    pad = show(qtbot, DrawingPad(scene))
    drag(pad.canvas, canvas_points(pad.canvas, [(0.5, 0.2 + 0.6 * k / 8) for k in range(9)]))
    assert browser.probabilities.size == 10 and pad.probabilities.size == 10
    assert not browser.note.isVisible()
    flat = dataclasses.replace(scene.trainer.data, image_shape=None)  # the same numbers, not images
    assert scene.set_dataset(flat)
    for panel in (browser, pad):
        assert panel.note.isVisible() and panel.probabilities.size == 0
        assert panel.activations.rows == []
