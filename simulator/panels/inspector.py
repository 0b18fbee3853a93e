"""The inspector: the selected layer's id, shape and parameter count, and fields for its settings.

One editor per layer type (``EDITORS``). An edit builds a new spec with ``dataclasses.replace`` and hands it
to ``SceneController.set_layer``; if the engine refuses it, its reason appears in red under the field and the
field goes back to the value the network still has.
"""

from __future__ import annotations

import dataclasses
import math

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QLabel,
    QPushButton,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine import Activation, Add, Concat, ConfigError, Dense, Dropout, GraphError, Input, LayerSpec
from simulator.controller import SceneController
from simulator.panels.forms import (
    ErrorLabel,
    NumberField,
    activation_combo,
    note_label,
    write_quietly,
)
from simulator.panels.image_editors import IMAGE_EDITORS
from simulator.panels.layer_editor import LayerEditor, WeightedEditor

MAX_UNITS = 4096
EMPTY_TEXT = "Select a layer on the canvas to see and change its settings."


class DenseEditor(WeightedEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.units = QSpinBox()
        self.units.setRange(1, MAX_UNITS)
        self.units.setKeyboardTracking(False)
        self.units.setMaximumWidth(110)
        self.units.valueChanged.connect(lambda _v: self.edited.emit("units"))
        self.add_field("units", "Units", self.units, "Number of neurons in this layer")
        self.add_weight_fields(
            "The function each neuron applies to its weighted sum",
            "Add a learned bias b to each neuron: y = f(x·W + b)",
        )

    def set_spec(self, spec: Dense) -> None:
        write_quietly(self.units, spec.units)
        self.set_weight_fields(spec)

    def build(self, spec: Dense) -> Dense:
        return dataclasses.replace(spec, units=self.units.value(), **self.weight_fields())


class ActivationEditor(LayerEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.activation = activation_combo()
        self.activation.currentIndexChanged.connect(lambda _i: self.edited.emit("activation"))
        self.add_field("activation", "Activation", self.activation, "The function applied to each value")
        self.alpha = NumberField(0.01)
        self.alpha.value_changed.connect(lambda _v: self.edited.emit("alpha"))
        self.alpha.invalid.connect(lambda text: self.show_error("alpha", text))
        self.add_field("alpha", "Leak α", self.alpha, "Slope of leaky_relu for negative inputs: f(z) = α·z")

    def set_spec(self, spec: Activation) -> None:
        write_quietly(self.activation, spec.activation)
        write_quietly(self.alpha, spec.alpha)
        self.form.setRowVisible(self.rows["alpha"], spec.activation == "leaky_relu")

    def build(self, spec: Activation) -> Activation:
        return dataclasses.replace(spec, activation=self.activation.currentData(), alpha=self.alpha.value())


class DropoutEditor(LayerEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rate = QDoubleSpinBox()
        self.rate.setRange(0.0, 0.99)
        self.rate.setDecimals(2)
        self.rate.setSingleStep(0.05)
        self.rate.setKeyboardTracking(False)
        self.rate.setMaximumWidth(110)
        self.rate.valueChanged.connect(lambda _v: self.edited.emit("rate"))
        self.add_field(
            "rate",
            "Rate",
            self.rate,
            "Share of values silenced at each training step (0 to below 1);\n"
            "the rest are scaled by 1/(1 − rate)",
        )

    def set_spec(self, spec: Dropout) -> None:
        write_quietly(self.rate, spec.rate)

    def build(self, spec: Dropout) -> Dropout:
        return dataclasses.replace(spec, rate=round(self.rate.value(), 4))


class InputEditor(LayerEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.size = QLabel()
        self.add_field("size", "Features", self.size, "How many numbers describe one sample")
        self.form.addRow(
            note_label(
                "Set by the data: choose the data set and its input features in the Data panel.",
                "The Input layer always takes as many values as the data has input features",
            )
        )

    def set_spec(self, spec: Input) -> None:
        if spec.shape is None:
            self.size.setText(str(spec.size))
        else:
            self.size.setText(f"{' × '.join(map(str, spec.shape))} image ({spec.size} values)")


class MergeEditor(LayerEditor):
    TEXTS = {
        "Add": "Adds its inputs value by value, so all of them must have the same size. "
        "It has nothing to set: connect two or more layers into it.",
        "Concat": "Places its inputs side by side in one longer vector (sizes add up). "
        "It has nothing to set: connect two or more layers into it.",
    }

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.text = note_label()
        self.form.addRow(self.text)

    def set_spec(self, spec: LayerSpec) -> None:
        self.text.setText(self.TEXTS.get(spec.type_name, spec.summary))


#: the editor for each layer type
EDITORS: dict[type[LayerSpec], type[LayerEditor]] = {
    Dense: DenseEditor,
    Activation: ActivationEditor,
    Dropout: DropoutEditor,
    Input: InputEditor,
    Add: MergeEditor,
    Concat: MergeEditor,
    **IMAGE_EDITORS,
}


class InspectorPanel(QWidget):
    """Shows and edits the layer selected in ``controller``.

    Parameters
    ----------
    controller : SceneController
        Read for the selection, the drawn network and its shapes; edited through ``set_layer`` and
        ``set_output``.

    Signals
    -------
    refused(str, str)
        ``(field, reason)``: the engine refused an edit made here; the reason is also shown under the field.
    """

    refused = Signal(str, str)

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self._editing = False
        self._refusal = ""
        self._shown = ""

        self.title = QLabel()
        self.title.setToolTip("The selected layer's id and type")
        self.summary = note_label(tip="What this kind of layer does")
        self.shape = QLabel()
        self.params = QLabel()
        self.params.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setToolTip("Whether this layer takes part in training, and if not, why not")
        self.output_button = QPushButton("Make this the output layer")
        self.output_button.setToolTip(
            "Train the network with this layer's values as its output\n"
            "(what the loss compares with the targets)"
        )
        self.output_button.clicked.connect(self._make_output)
        self.output_error = ErrorLabel()
        info = QFormLayout()
        info.setContentsMargins(0, 0, 0, 0)
        for text, widget, tip in (
            ("Output shape", self.shape, "How many values this layer passes on for each sample"),
            ("Parameters", self.params, "How many weights and biases this layer learns"),
        ):
            label = QLabel(text)
            label.setToolTip(tip)
            widget.setToolTip(tip)
            info.addRow(label, widget)

        self.stack = QStackedWidget()
        self.empty = note_label(EMPTY_TEXT)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.stack.addWidget(self.empty)
        self.editors: dict[type[LayerSpec], LayerEditor] = {}  # built when first needed (editor_for)

        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(self.summary)
        details.addLayout(info)
        details.addWidget(self.status)
        details.addWidget(self.output_button)
        details.addWidget(self.output_error)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        details.addWidget(line)

        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.details)
        layout.addWidget(self.stack)
        layout.addStretch(1)

        controller.selection_changed.connect(self._on_selection)
        controller.structure_changed.connect(self.refresh)
        controller.trainer_changed.connect(self.refresh)
        controller.edit_refused.connect(self._on_refused)
        self.refresh()

    # ------------------------------------------------------------------------------- reading
    def editor_for(self, spec_type: type[LayerSpec]) -> LayerEditor:
        """The editor of ``spec_type`` layers, built the first time (building all of them at start-up
        would cost the window's first frame some 30 ms)."""
        editor = self.editors.get(spec_type)
        if editor is None:
            editor = EDITORS[spec_type]()
            editor.edited.connect(self._on_edited)
            self.stack.addWidget(editor)
            self.editors[spec_type] = editor
        return editor

    @property
    def editor(self) -> LayerEditor | None:
        """The editor on show, or None when no layer is selected."""
        widget = self.stack.currentWidget()
        return widget if isinstance(widget, LayerEditor) else None

    def _spec(self) -> LayerSpec | None:
        layer_id = self.controller.selected
        if not layer_id:
            return None
        try:
            return self.controller.network.node(layer_id).layer
        except GraphError:
            return None

    def refresh(self) -> None:
        """Show the selected layer as the network has it now."""
        spec = self._spec()
        layer_id = self.controller.selected
        if spec is None:
            self.title.setText("<b>Inspector</b>")
            self.details.hide()
            self.stack.setCurrentWidget(self.empty)
            self._shown = ""
            return
        if layer_id != self._shown:
            for editor in self.editors.values():
                editor.clear_errors()
            self.output_error.clear_error()
            self._shown = layer_id
        self.title.setText(f"<b>{layer_id}</b> · {spec.type_name}")
        self.summary.setText(spec.summary)
        self.details.show()
        editor = self.editor_for(type(spec))
        editor.set_spec(spec)
        editor.show_locks(lambda field: self.controller.is_locked(layer_id, field))
        self.stack.setCurrentWidget(editor)
        self._show_info(layer_id, spec)

    def _show_info(self, layer_id: str, spec: LayerSpec) -> None:
        draft = self.controller.draft
        shape = draft.shapes.get(layer_id)
        self.shape.setText("–" if shape is None else " × ".join(str(s) for s in shape))
        self.params.setText(_param_text(self.controller, layer_id, spec))
        reason = draft.unfinished.get(layer_id)
        if reason:
            self.status.setStyleSheet("color: #b06000;")
            self.status.setText(f"Not trained yet: {reason}")
        elif draft.trainable is None:
            self.status.setStyleSheet("color: #b06000;")
            self.status.setText(f"Nothing can be trained yet: {draft.why_not}")
        else:
            self.status.setStyleSheet("")
            self.status.setText("Takes part in training.")
        is_input = isinstance(spec, Input)
        self.output_button.setVisible(not is_input)
        is_output = _output_of(self.controller) == layer_id
        self.output_button.setEnabled(not is_output)
        self.output_button.setText("This is the output layer" if is_output else "Make this the output layer")

    # ------------------------------------------------------------------------------- editing
    def _on_selection(self, _layer_id: str) -> None:
        self.refresh()

    def _on_refused(self, _layer_id: str, reason: str) -> None:
        if self._editing:
            self._refusal = reason

    def _apply(self, action) -> tuple[bool, str]:
        """Run a controller edit, catching the reason of a refusal."""
        self._refusal = ""
        self._editing = True
        try:
            ok = action()
        finally:
            self._editing = False
        return bool(ok), self._refusal or "the change was refused"

    def _on_edited(self, field: str) -> None:
        editor = self.editor
        spec = self._spec()
        if editor is None or spec is None:
            return
        editor.clear_errors()
        try:
            new_spec = editor.build(spec)
        except (ConfigError, ValueError, TypeError) as exc:
            self._refuse(editor, field, str(exc), spec)
            return
        ok, reason = self._apply(lambda: self.controller.set_layer(self.controller.selected, new_spec))
        if not ok:
            self._refuse(editor, field, reason, spec)
        else:
            self.refresh()

    def _refuse(self, editor: LayerEditor, field: str, reason: str, spec: LayerSpec) -> None:
        editor.set_spec(spec)
        editor.show_error(field, reason)
        self.refused.emit(field, reason)

    def _make_output(self) -> None:
        self.output_error.clear_error()
        layer_id = self.controller.selected
        ok, reason = self._apply(lambda: self.controller.set_output(layer_id))
        if not ok:
            self.output_error.show_error(reason)
            self.refused.emit("output", reason)
        self.refresh()


def _output_of(controller: SceneController) -> str | None:
    """The layer trained as the output: the one chosen, else the network's single loose end."""
    net = controller.network
    if net.output is not None:
        return net.output
    trainable = controller.draft.trainable
    return trainable.output if trainable is not None else None


def _param_text(controller: SceneController, layer_id: str, spec: LayerSpec) -> str:
    node = controller.network.node(layer_id)
    shapes = controller.draft.shapes
    if layer_id not in shapes or any(i not in shapes for i in node.inputs):
        return "– (connect its inputs first)"
    params = spec.param_shapes([shapes[i] for i in node.inputs])
    if not params:
        return "none"
    total = sum(math.prod(s) for s in params.values())
    parts = ", ".join(f"{name} {' × '.join(map(str, s))}" for name, s in params.items())
    return f"{total:,}  ({parts})"


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    scene = SceneController(make_default_trainer())
    panel = InspectorPanel(scene)
    scene.select("dense_1")
    panel.resize(340, 640)
    panel.show()
    raise SystemExit(app.exec())
