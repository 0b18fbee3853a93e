"""The whole window with an image set: choosing MNIST 5k keeps the dense network training and saves small."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from simulator import scene_files

pytestmark = pytest.mark.gui


@pytest.fixture(autouse=True)
def data_dir(tmp_path, monkeypatch):
    folder = tmp_path / "data"
    monkeypatch.setenv(scene_files.DATA_DIR_ENV, str(folder))
    errors: list[tuple[str, str]] = []
    monkeypatch.setattr(scene_files, "show_error", lambda parent, title, text: errors.append((title, text)))
    monkeypatch.setattr(scene_files, "ask_save_changes", lambda *a: pytest.fail("asked to save"))
    monkeypatch.setattr(scene_files, "ask_restore", lambda *a: pytest.fail("asked to restore unexpectedly"))
    return SimpleNamespace(path=folder, errors=errors)


def test_mnist5k_in_the_window_trains_saves_by_name_and_reopens(qtbot, tmp_path, data_dir):
    from simulator.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    panel = w.data_panel
    panel.source.setCurrentIndex(panel.source.findData("mnist5k"))
    if w.controller.dataset.name != "mnist5k":
        assert panel.apply_fix(), panel.error.text()
    qtbot.wait(50)  # let the views redraw with 784 inputs
    c = w.controller
    assert c.dataset.name == "mnist5k" and c.network.node("input").layer.size == 784
    first = c.trainer.evaluate("train")[0]
    assert c.trainer.run(40) == 40
    assert c.trainer.evaluate("train")[0] < first
    target = tmp_path / "mnist.nnscene"
    assert w.files.save_to(target), data_dir.errors
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert doc["dataset"] == {"source": "images", "name": "mnist5k", "test_ratio": 0.2, "seed": 0}
    assert target.stat().st_size < 2_000_000  # weights only (784 × 8 and the rest), no pixels

    other = MainWindow()
    qtbot.addWidget(other)
    assert other.files.open_path(target), data_dir.errors
    assert other.controller.dataset.name == "mnist5k" and other.controller.dataset.n_train == 4000
    assert other.data_panel.source.currentData() == "mnist5k"
    assert other.data_panel.preview.images.isVisibleTo(other.data_panel)
    assert not data_dir.errors
