"""The inspector: edits of the selected layer reach the model; refused edits say why and go back."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QWidget

from engine import Dense, Dropout, Uniform
from engine.activations import DESCRIPTIONS

pytestmark = pytest.mark.gui


@pytest.fixture
def controller(qtbot):
    from simulator.controller import SceneController
    from simulator.default_scene import make_default_trainer

    return SceneController(make_default_trainer())


@pytest.fixture
def inspector(qtbot, controller):
    from simulator.panels.inspector import InspectorPanel

    panel = InspectorPanel(controller)
    qtbot.addWidget(panel)
    panel.resize(340, 700)
    panel.show()
    return panel


def controls_without_tooltips(root: QWidget) -> list[str]:
    """Visible input widgets with no tooltip (the line edits inside combo and spin boxes excepted)."""
    from PySide6.QtWidgets import QAbstractButton, QLineEdit, QSlider

    missing = []
    for w in root.findChildren(QWidget):
        if not isinstance(w, (QAbstractButton, QComboBox, QAbstractSpinBox, QLineEdit, QSlider)):
            continue
        if isinstance(w.parent(), (QComboBox, QAbstractSpinBox)) or not w.isVisibleTo(root):
            continue
        if not w.toolTip():
            missing.append(f"{type(w).__name__} {getattr(w, 'text', lambda: '')()!r}")
    return missing


def test_changing_units_changes_the_model(inspector, controller):
    controller.select("dense_1")
    assert inspector.editor.units.value() == 8
    inspector.editor.units.setValue(5)
    assert controller.network.node("dense_1").layer.units == 5
    assert controller.trainer.model.params["dense_1.kernel"].shape == (4, 5)
    assert controller.trainer.model.params["dense_2.kernel"].shape == (5, 8)
    assert "(kernel 4 × 5, bias 5)" in inspector.params.text()
    assert controller.trainer.run(5) == 5


def test_an_impossible_edit_shows_the_reason_and_reverts(inspector, controller):
    controller.select("dense_4")
    network = controller.network
    editor = inspector.editor
    editor.units.setValue(3)
    assert controller.network is network
    assert editor.units.value() == 1
    error = editor.errors["units"]
    assert error.isVisibleTo(inspector)
    assert "2 classes" in error.text()
    editor.units.setValue(1)  # no change: nothing to apply, the reason stays until the next real edit
    editor.activation.setCurrentIndex(editor.activation.findData("sigmoid"))
    assert controller.network.node("dense_4").layer.activation == "sigmoid"
    assert not error.isVisibleTo(inspector)


def test_a_bad_initialiser_is_refused_by_the_engine_and_reverts(inspector, controller):
    controller.select("dense_1")
    editor = inspector.editor
    assert editor.kernel_init.kind.currentData() == "uniform"
    editor.kernel_init.fields["low"].setText("0.9")
    editor.kernel_init.fields["low"].editingFinished.emit()
    assert controller.network.node("dense_1").layer.kernel_init == Uniform(-0.5, 0.5)
    assert editor.kernel_init.fields["low"].value() == -0.5
    assert "low < high" in editor.errors["kernel_init"].text()
    editor.kernel_init.fields["high"].setText("2")
    editor.kernel_init.fields["high"].editingFinished.emit()
    assert controller.network.node("dense_1").layer.kernel_init == Uniform(-0.5, 2.0)


def test_initialiser_type_shows_its_fields(inspector, controller):
    controller.select("dense_1")
    init = inspector.editor.bias_init
    init.kind.setCurrentIndex(init.kind.findData("normal"))
    layer = controller.network.node("dense_1").layer
    assert layer.bias_init.name == "normal"
    assert init.fields["std"].isVisibleTo(inspector) and not init.fields["value"].isVisibleTo(inspector)


def test_leaky_relu_shows_alpha(inspector, controller):
    controller.select("dense_2")
    editor = inspector.editor
    assert not editor.alpha.isVisibleTo(inspector)
    editor.activation.setCurrentIndex(editor.activation.findData("leaky_relu"))
    assert editor.alpha.isVisibleTo(inspector)
    editor.alpha.setText("0.2")
    editor.alpha.editingFinished.emit()
    assert controller.network.node("dense_2").layer == Dense(
        8, "leaky_relu", kernel_init=Uniform(-0.5, 0.5), bias_init=editor.bias_init.initializer(), alpha=0.2
    )


def test_activation_entries_explain_themselves(inspector, controller):
    controller.select("dense_1")
    combo = inspector.editor.activation
    for i in range(combo.count()):
        assert combo.itemData(i, 3) == DESCRIPTIONS[combo.itemData(i)]  # 3: Qt.ToolTipRole


def test_selecting_a_dropout_shows_its_rate(inspector, controller):
    layer = controller.add_layer(Dropout(0.3), (0.0, 0.0))
    controller.select(layer)
    editor = inspector.editor
    assert type(editor).__name__ == "DropoutEditor"
    assert editor.rate.value() == pytest.approx(0.3)
    assert "not connected" in inspector.status.text()
    editor.rate.setValue(0.5)
    assert controller.network.node(layer).layer == Dropout(0.5)


def test_input_and_output_layers(inspector, controller):
    controller.select("input")
    assert inspector.editor.size.text() == "4"
    assert not inspector.output_button.isVisibleTo(inspector)
    controller.select("dense_4")
    assert not inspector.output_button.isEnabled()
    assert inspector.output_button.text() == "This is the output layer"
    controller.select("dense_2")
    inspector.output_button.click()  # 8 units cannot be the output of a 2-class set
    assert controller.network.output in (None, "dense_4")
    assert "2 classes" in inspector.output_error.text()


def test_nothing_selected_and_deleted_layers(inspector, controller):
    assert inspector.editor is None
    layer = controller.add_layer(Dense(3), (0.0, 0.0))
    controller.select(layer)
    assert inspector.editor is not None
    controller.undo_stack.undo()  # the layer is gone again
    assert inspector.editor is None


def test_undo_shows_the_old_value(inspector, controller):
    controller.select("dense_1")
    inspector.editor.units.setValue(6)
    controller.undo_stack.undo()
    assert inspector.editor.units.value() == 8


def test_every_control_has_a_tooltip(inspector, controller, qtbot):
    for layer in ("input", "dense_1", controller.add_layer(Dropout(0.2), (0.0, 0.0))):
        controller.select(layer)
        assert controls_without_tooltips(inspector) == []
