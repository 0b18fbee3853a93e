"""The base of the inspector's per-type editors: a form of fields, each with a red reason under it.

:class:`WeightedEditor` adds the fields every layer with weights shares (activation, leak, bias, and how
weights and biases start), so Dense and Conv2D editors show and build them alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QLabel, QWidget

from engine import LayerSpec
from simulator.panels.forms import (
    ErrorLabel,
    InitializerEditor,
    NumberField,
    activation_combo,
    set_tooltip,
    with_error,
    write_quietly,
)


class LayerEditor(QWidget):
    """Fields for one layer type. ``edited(field)`` asks the inspector to apply :meth:`build`."""

    edited = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form = QFormLayout(self)
        self.form.setContentsMargins(0, 0, 0, 0)
        self.errors: dict[str, ErrorLabel] = {}
        self.rows: dict[str, int] = {}
        self.fields: dict[str, tuple[QWidget, str]] = {}

    def add_field(self, name: str, text: str, widget: QWidget, tip: str) -> None:
        box, error = with_error(widget)
        widget.setToolTip(tip)
        label = QLabel(text)
        label.setToolTip(tip)
        self.rows[name] = self.form.rowCount()
        self.form.addRow(label, box)
        self.errors[name] = error
        self.fields[name] = (widget, tip)

    def show_locks(self, locked: Callable[[str], bool]) -> None:
        """Disable the fields a teacher locked, and say so in their tooltips."""
        for name, (widget, tip) in self.fields.items():
            is_locked = locked(name)
            widget.setEnabled(not is_locked)
            set_tooltip(widget, f"🔒 Locked by the teacher\n{tip}" if is_locked else tip)

    def show_error(self, field: str, text: str) -> None:
        self.errors[field].show_error(text)

    def clear_errors(self) -> None:
        for error in self.errors.values():
            error.clear_error()

    def set_spec(self, spec: LayerSpec) -> None:
        """Show ``spec`` in the fields without emitting ``edited``."""

    def build(self, spec: LayerSpec) -> LayerSpec:
        """The spec the fields describe (raises ConfigError when they describe none)."""
        return spec


class WeightedEditor(LayerEditor):
    """An editor of a layer with weights: activation, leak, bias and initialisers after its own fields."""

    def add_weight_fields(self, activation_tip: str, bias_tip: str, weights: str = "weights") -> None:
        """Add the shared fields; ``weights`` names the layer's weights in the initialiser's tooltip."""
        self.activation = activation_combo()
        self.activation.currentIndexChanged.connect(lambda _i: self.edited.emit("activation"))
        self.add_field("activation", "Activation", self.activation, activation_tip)
        self.alpha = NumberField(0.01)
        self.alpha.value_changed.connect(lambda _v: self.edited.emit("alpha"))
        self.alpha.invalid.connect(lambda text: self.show_error("alpha", text))
        self.add_field("alpha", "Leak α", self.alpha, "Slope of leaky_relu for negative inputs: f(z) = α·z")
        self.use_bias = QCheckBox("Use a bias")
        self.use_bias.toggled.connect(lambda _b: self.edited.emit("use_bias"))
        self.add_field("use_bias", "Bias", self.use_bias, bias_tip)
        self.kernel_init = InitializerEditor(weights)
        self.kernel_init.changed.connect(lambda: self.edited.emit("kernel_init"))
        self.kernel_init.invalid.connect(lambda text: self.show_error("kernel_init", text))
        self.add_field("kernel_init", "Weights start", self.kernel_init, f"How the {weights} start")
        self.bias_init = InitializerEditor("biases")
        self.bias_init.changed.connect(lambda: self.edited.emit("bias_init"))
        self.bias_init.invalid.connect(lambda text: self.show_error("bias_init", text))
        self.add_field("bias_init", "Biases start", self.bias_init, "How the biases start")

    def set_weight_fields(self, spec: Any) -> None:
        """Show the shared fields of ``spec`` without emitting ``edited``."""
        write_quietly(self.activation, spec.activation)
        write_quietly(self.alpha, spec.alpha)
        write_quietly(self.use_bias, spec.use_bias)
        self.kernel_init.set_initializer(spec.kernel_init)
        self.bias_init.set_initializer(spec.bias_init)
        self.form.setRowVisible(self.rows["alpha"], spec.activation == "leaky_relu")
        self.bias_init.setEnabled(spec.use_bias)

    def weight_fields(self) -> dict[str, Any]:
        """The shared fields as keyword arguments of ``dataclasses.replace``."""
        return {
            "activation": self.activation.currentData(),
            "alpha": self.alpha.value(),
            "use_bias": self.use_bias.isChecked(),
            "kernel_init": self.kernel_init.initializer(),
            "bias_init": self.bias_init.initializer(),
        }
