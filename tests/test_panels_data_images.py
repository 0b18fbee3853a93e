"""The data panel with image sets: MNIST 5k, IDX files and picture folders, shown as a grid of pictures."""

from __future__ import annotations

import gzip
import os
import struct

import numpy as np
import pytest

pytestmark = pytest.mark.gui


@pytest.fixture
def controller(qtbot):
    from simulator.controller import SceneController
    from simulator.default_scene import make_default_trainer

    return SceneController(make_default_trainer())


@pytest.fixture
def panel(qtbot, controller):
    from simulator.panels.data_panel import DataPanel

    w = DataPanel(controller)
    qtbot.addWidget(w)
    w.resize(340, 900)
    w.show()
    return w


def choose(panel, source):
    panel.source.setCurrentIndex(panel.source.findData(source))


def accept(panel, controller, name):
    """The default network has one tanh output: the panel offers ten outputs, and the fix is taken."""
    if controller.dataset.name != name:
        assert panel.fix_button.isVisibleTo(panel), panel.error.text()
        assert panel.apply_fix(), panel.error.text()
    assert controller.dataset.name == name


def grid_pixels(panel) -> np.ndarray:
    image = panel.preview.images.pixmap().toImage()
    ptr = image.constBits()
    return np.array(ptr, copy=True).reshape(image.height(), image.bytesPerLine())


def test_choosing_mnist5k_resizes_the_input_trains_and_shows_pictures(panel, controller):
    before = controller.dataset
    choose(panel, "mnist5k")
    accept(panel, controller, "mnist5k")
    ds = controller.dataset
    assert ds is not before and ds.image_shape == (1, 28, 28) and ds.n_classes == 10
    assert (ds.n_train, ds.n_test) == (4000, 1000)  # switching to images keeps 80 % for training
    assert controller.network.node("input").layer.size == 784
    assert controller.network.node("dense_4").layer.units == 10
    assert controller.trainer.run(3) == 3
    preview = panel.preview
    assert preview.images.isVisibleTo(panel) and not preview.scatter.isVisibleTo(panel)
    assert not preview.table.isVisibleTo(panel)
    assert not preview.images.pixmap().isNull() and preview.images.pixmap().width() > 200
    assert grid_pixels(panel).std() > 10  # pictures, not a blank image
    assert "28×28 pixels" in preview.counts.text() and "0 400/100" in preview.counts.text()
    assert panel.source.currentData() == "mnist5k"
    assert not panel.form.isRowVisible(panel._rows["noise"])
    assert panel.form.isRowVisible(panel._rows["share"])
    if os.environ.get("NNSIM_PREVIEW_PNG"):
        panel.grab().save(os.environ["NNSIM_PREVIEW_PNG"])


def test_a_saved_scene_names_the_image_set_not_its_pixels(panel, controller):
    from engine.scene import ImageSetData, spec_of

    choose(panel, "digits")
    accept(panel, controller, "digits")
    panel.seed.setValue(4)
    assert spec_of(controller.dataset) == ImageSetData("digits", 0.2, 4)


def test_fashion_has_its_own_test_pictures_and_class_names(panel, controller):
    choose(panel, "fashion_mnist")
    accept(panel, controller, "fashion_mnist")
    assert controller.dataset.n_test in (1000, 10_000)
    assert not panel.form.isRowVisible(panel._rows["share"])
    assert panel.form.isRowVisible(panel._rows["full"])
    assert "Ankle boot" in panel.preview.counts.text()


def test_a_picture_folder_with_a_broken_png_is_refused(panel, controller, tmp_path):
    image = pytest.importorskip("PIL.Image")
    for name, grey in (("circles", 20), ("squares", 230)):
        (tmp_path / "shapes" / name).mkdir(parents=True)
        for k in range(5):
            image.new("L", (12, 12), grey + k).save(tmp_path / "shapes" / name / f"{k}.png")
    (tmp_path / "shapes" / "squares" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    before = controller.dataset
    assert not panel.load_folder(str(tmp_path / "shapes"))
    assert controller.dataset is before and "bad.png" in panel.error.text()
    (tmp_path / "shapes" / "squares" / "bad.png").unlink()
    panel.image_side.setValue(10)  # fields for the folder are kept, so a smaller size retries it
    assert panel.load_folder(str(tmp_path / "shapes")) or panel.apply_fix()
    ds = controller.dataset
    assert ds.class_names == ("circles", "squares") and ds.image_shape == (1, 10, 10)
    assert controller.network.node("input").layer.size == 100
    assert panel.preview.images.isVisibleTo(panel)


def test_idx_files_are_told_apart_by_name(panel, controller, tmp_path):
    rng = np.random.default_rng(0)

    def idx(name, arr):
        header = bytes([0, 0, 8, arr.ndim]) + struct.pack(f">{arr.ndim}I", *arr.shape)
        (tmp_path / name).write_bytes(gzip.compress(header + arr.astype(np.uint8).tobytes()))
        return str(tmp_path / name)

    files = [
        idx("t10k-labels-idx1-ubyte.gz", np.arange(6) % 2),
        idx("train-images-idx3-ubyte.gz", rng.integers(0, 255, (20, 7, 7))),
        idx("t10k-images-idx3-ubyte.gz", rng.integers(0, 255, (6, 7, 7))),
        idx("train-labels-idx1-ubyte.gz", np.arange(20) % 2),
    ]
    assert panel.load_idx_files(files) or panel.apply_fix()
    ds = controller.dataset
    assert (ds.n_train, ds.n_test, ds.n_inputs) == (20, 6, 49)
    assert panel.source.currentData() == "idx" and "train-images" in panel.idx_open.text()
    assert not panel.load_idx_files(files[:3])
    assert "2 IDX files" in panel.error.text() and controller.dataset is ds
