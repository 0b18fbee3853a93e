"""The data panel: each choice becomes a new data set in the scene; bad files and misfits change nothing."""

from __future__ import annotations

import numpy as np
import pytest

from tests.test_panels_inspector import controls_without_tooltips

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
    w.resize(340, 760)
    w.show()
    return w


def choose(panel, source):
    panel.source.setCurrentIndex(panel.source.findData(source))


def test_shows_the_scene_data(panel, controller):
    c = panel.choice
    assert (c.source, c.n_points, c.noise, c.train_percent, c.seed) == ("spiral", 500, 0, 50, 0)
    assert c.features == ("x1", "x2", "sin(x1)", "sin(x2)")
    assert panel.feature_boxes["sin(x1)"].isChecked() and not panel.feature_boxes["x1^2"].isChecked()
    assert panel.preview.scatter.isVisibleTo(panel) and not panel.preview.table.isVisibleTo(panel)
    assert "250 training and 250 test rows" in panel.preview.counts.text()


def test_circle_with_squares_resizes_the_input_and_trains(panel, controller):
    choose(panel, "circle")
    assert controller.dataset.name == "circle"
    panel.feature_boxes["x1^2"].setChecked(True)
    panel.feature_boxes["x2^2"].setChecked(True)
    for name in ("x1", "x2", "sin(x1)", "sin(x2)"):
        panel.feature_boxes[name].setChecked(False)
    assert controller.dataset.feature_names == ("x1^2", "x2^2")
    assert controller.network.node("input").layer.size == 2
    assert controller.trainer.model.params["dense_1.kernel"].shape == (2, 8)
    trainer = controller.trainer
    first = trainer.evaluate("train")[0]
    assert trainer.run(300) == 300
    assert trainer.evaluate("train")[0] < first


def test_at_least_one_feature(panel, controller):
    for name in ("x1", "x2", "sin(x1)"):
        panel.feature_boxes[name].setChecked(False)
    before = controller.dataset
    panel.feature_boxes["sin(x2)"].setChecked(False)
    assert controller.dataset is before
    assert panel.feature_boxes["sin(x2)"].isChecked()
    assert "at least one" in panel.error.text()


def test_noise_ratio_points_and_regenerate_make_new_data(panel, controller):
    first = controller.dataset
    panel.noise.setValue(30)
    noisy = controller.dataset
    assert noisy is not first and "noise 0.3" in noisy.source
    assert not np.array_equal(noisy.points_train, first.points_train)
    assert panel.noise_label.text() == "30 %"
    panel.train_share.setValue(70)
    assert controller.dataset.n_train == 350 and controller.dataset.n_test == 150
    panel.points.setValue(200)
    assert controller.dataset.n_train + controller.dataset.n_test == 200
    before = controller.dataset
    panel.regenerate.click()
    assert panel.seed.value() == 1 and panel.choice.seed == 1
    assert not np.array_equal(controller.dataset.points_train, before.points_train)
    assert controller.trainer.run(5) == 5


def test_undo_brings_back_the_old_data_and_fields(panel, controller):
    panel.noise.setValue(20)
    controller.undo_stack.undo()
    assert panel.noise.value() == 0 and "noise 0," in controller.dataset.source
    controller.undo_stack.redo()
    assert panel.noise.value() == 20


def test_more_classes_need_a_wider_output_and_the_fix_gives_it(panel, controller):
    before = controller.dataset
    panel.classes.setValue(3)
    assert controller.dataset is before and panel.classes.value() == 2
    assert "3 classes" in panel.error.text()
    assert panel.fix_button.isVisibleTo(panel)
    panel.fix_button.click()
    assert controller.dataset.n_classes == 3
    assert controller.network.node("dense_4").layer.units == 3
    assert panel.classes.value() == 3 and not panel.fix_button.isVisibleTo(panel)
    assert controller.trainer.run(5) == 5
    controller.undo_stack.undo()  # one step takes back data and output layer together
    assert controller.dataset is before and controller.network.node("dense_4").layer.units == 1


def test_iris_switches_to_four_inputs_with_the_offered_fix(panel, controller):
    choose(panel, "iris")
    assert controller.dataset.name == "spiral"
    assert panel.source.currentData() == "spiral"
    assert panel.fix_button.isVisibleTo(panel)
    assert "3 units" in panel.fix_label.text()
    assert panel.apply_fix()
    assert controller.dataset.name == "iris"
    assert controller.network.node("input").layer.size == 4
    assert controller.network.node("dense_4").layer.units == 3
    assert panel.source.currentData() == "iris"
    assert panel.preview.table.isVisibleTo(panel) and panel.preview.table.rowCount() > 0
    assert "setosa" in panel.preview.counts.text()
    assert controller.trainer.run(5) == 5


def test_regression_sets(panel, controller):
    choose(panel, "plane")
    assert controller.dataset.task == "regression"
    assert not panel.classes.isVisibleTo(panel)
    assert controller.trainer.run(5) == 5


def write_csv(tmp_path, rows):
    path = tmp_path / "flowers.csv"
    path.write_text("a,b,kind\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_a_csv_with_a_junk_row_is_refused_naming_the_row(panel, controller, tmp_path):
    rows = [f"{i * 0.1:.2f},{i % 3},{'x' if i % 2 else 'y'}" for i in range(8)]
    rows[3] = "0.3,oops,x"  # line 5 of the file (the header is line 1)
    path = write_csv(tmp_path, rows)
    before, network = controller.dataset, controller.network
    assert not panel.load_csv_file(path)
    assert controller.dataset is before and controller.network is network
    assert "flowers.csv" in panel.error.text() and "row 5" in panel.error.text()
    assert panel.source.currentData() == "spiral"


def test_a_good_csv_loads_and_its_target_can_be_chosen(panel, controller, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    rows = [f"{i * 0.1:.2f},{(i * 7) % 5 * 0.3:.2f},{'x' if i % 2 else 'y'}" for i in range(20)]
    path = write_csv(tmp_path, rows)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (path, ""))
    panel.csv_open.click()
    assert controller.dataset.name == "flowers"
    assert controller.dataset.feature_names == ("a", "b")
    assert controller.network.node("input").layer.size == 2
    assert [panel.csv_target.itemText(i) for i in range(panel.csv_target.count())] == ["a", "b", "kind"]
    assert panel.csv_open.text() == "flowers.csv"
    panel.csv_target.setCurrentIndex(0)  # predict column a from b and kind
    assert "kind" in panel.error.text()  # kind holds names, so it cannot be an input
    assert controller.dataset.feature_names == ("a", "b")
    assert panel.csv_target.currentText() == "kind"


def test_every_control_has_a_tooltip(panel):
    assert controls_without_tooltips(panel) == []
