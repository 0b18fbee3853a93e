"""The training settings panel: each change reaches the trainer and training goes on; refusals revert."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from engine import SGD, Adam, Regularization, RMSprop
from engine.kernels import layout as L
from engine.losses import LOSSES
from tests.test_panels_inspector import controls_without_tooltips

pytestmark = pytest.mark.gui


@pytest.fixture
def controller(qtbot):
    from simulator.controller import SceneController
    from simulator.default_scene import make_default_trainer

    return SceneController(make_default_trainer())


@pytest.fixture
def panel(qtbot, controller):
    from simulator.panels.training_panel import TrainingPanel

    w = TrainingPanel(controller)
    qtbot.addWidget(w)
    w.show()
    return w


def type_into(qtbot, line_edit, text):
    line_edit.selectAll()
    qtbot.keyClicks(line_edit, text)
    qtbot.keyClick(line_edit, Qt.Key.Key_Return)


def trains(controller, n=5):
    before = controller.trainer.step_count
    assert controller.trainer.run(n) == n
    return controller.trainer.step_count == before + n


def test_shows_the_trainers_settings(panel, controller):
    assert panel.learning_rate.value() == pytest.approx(0.03)
    assert panel.learning_rate.currentText() == "0.03"
    assert panel.batch_size.value() == 10
    assert panel.optimizer.currentData() == "sgd"
    assert panel.loss.currentData() == "mse"
    assert panel.regularization.currentData() == "none"


def test_learning_rate_from_the_ladder_and_typed(panel, controller, qtbot):
    panel.learning_rate.activated.emit(panel.learning_rate.findData(0.3))
    assert controller.trainer.learning_rate == pytest.approx(0.3)
    assert trains(controller)
    type_into(qtbot, panel.learning_rate.lineEdit(), "0.05")
    assert controller.trainer.learning_rate == pytest.approx(0.05)
    assert trains(controller)


def test_a_typed_non_number_is_refused(panel, controller, qtbot):
    type_into(qtbot, panel.learning_rate.lineEdit(), "fast")
    assert controller.trainer.learning_rate == pytest.approx(0.03)
    assert panel.learning_rate.currentText() == "0.03"
    assert "not a number" in panel.errors["learning_rate"].text()


def test_batch_size(panel, controller):
    panel.batch_size.setValue(25)
    assert controller.trainer.settings.batch_size == 25
    assert trains(controller)


def test_optimisers_with_their_own_fields(panel, controller, qtbot):
    panel.opt_fields["sgd.momentum"].setValue(0.9)
    assert controller.trainer.settings.optimizer == SGD(0.03, momentum=0.9)
    assert panel.opt_fields["sgd.nesterov"].isEnabled()
    panel.opt_fields["sgd.nesterov"].setChecked(True)
    assert controller.trainer.settings.optimizer == SGD(0.03, momentum=0.9, nesterov=True)
    assert trains(controller)

    panel.optimizer.setCurrentIndex(panel.optimizer.findData("adam"))
    assert controller.trainer.settings.optimizer == Adam(0.03)
    assert panel.opt_fields["adam.beta1"].isVisibleTo(panel)
    assert not panel.opt_fields["sgd.momentum"].isVisibleTo(panel)
    type_into(qtbot, panel.opt_fields["adam.beta1"], "0.8")
    assert controller.trainer.settings.optimizer == Adam(0.03, beta1=0.8)
    assert trains(controller)

    panel.optimizer.setCurrentIndex(panel.optimizer.findData("rmsprop"))
    panel.opt_fields["rmsprop.momentum"].setValue(0.5)
    assert controller.trainer.settings.optimizer == RMSprop(0.03, momentum=0.5)
    assert trains(controller)


def test_a_refused_optimiser_field_reverts(panel, controller, qtbot):
    panel.optimizer.setCurrentIndex(panel.optimizer.findData("adam"))
    type_into(qtbot, panel.opt_fields["adam.beta2"], "1.5")
    assert controller.trainer.settings.optimizer == Adam(0.03)
    assert panel.opt_fields["adam.beta2"].value() == pytest.approx(0.999)
    assert "beta2" in panel.errors["adam.beta2"].text()


def test_regularisation_and_its_rate(panel, controller):
    panel.regularization.setCurrentIndex(panel.regularization.findData("l2"))
    panel.regularization_rate.activated.emit(panel.regularization_rate.findData(0.01))
    assert controller.trainer.settings.regularization == Regularization("l2", 0.01)
    assert trains(controller)
    panel.regularization.setCurrentIndex(panel.regularization.findData("l1"))
    assert controller.trainer.settings.regularization == Regularization("l1", 0.01)
    assert trains(controller)


def test_losses_that_do_not_fit_are_greyed_and_refused(panel, controller):
    model = panel.loss.model()
    ce = panel.loss.findData("cross_entropy")
    assert not model.item(ce).isEnabled()
    assert "one output unit per class" in model.item(ce).toolTip()
    panel.loss.setCurrentIndex(panel.loss.findData("binary_cross_entropy"))
    assert controller.trainer.settings.loss == "binary_cross_entropy"
    assert trains(controller)
    panel.loss.setCurrentIndex(ce)  # greyed out, but forced: the engine refuses it
    assert controller.trainer.settings.loss == "binary_cross_entropy"
    assert panel.loss.currentData() == "binary_cross_entropy"
    assert "2 units" in panel.errors["loss"].text()
    assert controller.trainer.IH[L.I_LOSS] == LOSSES["binary_cross_entropy"][0]  # the kernels agree
    assert trains(controller)


def test_a_new_trainer_is_read_again(panel, controller):
    from engine import data

    panel.batch_size.setValue(20)
    old = controller.trainer
    assert controller.set_dataset(data.playground("xor", features=("x1", "x2", "sin(x1)", "sin(x2)")))
    assert controller.trainer is not old
    assert controller.trainer.settings.batch_size == 20
    controller.trainer.configure(batch_size=7, optimizer=Adam(0.001))
    controller.trainer_changed.emit()
    assert panel.batch_size.value() == 7
    assert panel.optimizer.currentData() == "adam"
    assert panel.learning_rate.value() == pytest.approx(0.001)


def test_every_control_has_a_tooltip(panel):
    assert controls_without_tooltips(panel) == []
