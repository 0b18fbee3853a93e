"""Small form pieces the side panels share: red reasons under fields, quiet write-backs, number fields.

A panel writes a value back into a widget (after the network or the trainer changed, or after a refused edit)
with :func:`write_quietly`, which blocks the widget's signals, so a write-back never looks like a new edit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import Constant, Normal, Uniform, initializer_from_config
from engine.activations import ACTIVATIONS, DESCRIPTIONS
from engine.initializers import Initializer

ERROR_COLOUR = "#c5221f"
NOTE_COLOUR = "#5f6368"

#: TensorFlow Playground's learning rates, and its regularisation rates.
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REGULARIZATION_RATES = (0.0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)

INITIALIZER_TIPS: dict[str, str] = {
    "zeros": "Every value 0",
    "constant": "Every value the same number (the Playground starts biases at 0.1)",
    "uniform": "Drawn evenly from [low, high] (the Playground draws weights from [−0.5, 0.5])",
    "normal": "Drawn from a normal distribution with this mean and standard deviation",
    "glorot_uniform": "Evenly within ±√(6 / (fan_in + fan_out)): keeps signals steady through tanh, sigmoid",
    "glorot_normal": "Normal with std √(2 / (fan_in + fan_out))",
    "he_uniform": "Evenly within ±√(6 / fan_in): keeps signals steady through relu layers",
    "he_normal": "Normal with std √(2 / fan_in), for relu layers",
}
#: which number fields each initialiser type has, with their defaults
INITIALIZER_FIELDS: dict[str, tuple[tuple[str, float], ...]] = {
    "constant": (("value", Constant().value),),
    "uniform": (("low", Uniform().low), ("high", Uniform().high)),
    "normal": (("mean", Normal().mean), ("std", Normal().std)),
}


def write_quietly(widget: QWidget, value: object) -> None:
    """Show ``value`` in ``widget`` without emitting its change signals.

    Spin boxes and sliders take a number, check boxes a bool, combo boxes the item data (or text) to pick,
    :class:`NumberField` and :class:`LadderCombo` a float, line edits and labels a string.
    """
    blocker = QSignalBlocker(widget)
    try:
        if isinstance(widget, (NumberField, LadderCombo)):
            widget.set_value(float(value))
        elif isinstance(widget, (QSpinBox, QSlider)):
            widget.setValue(int(value))
        elif isinstance(widget, QDoubleSpinBox):
            widget.setValue(float(value))
        elif isinstance(widget, QAbstractButton):
            widget.setChecked(bool(value))
        elif isinstance(widget, QComboBox):
            index = widget.findData(value)
            if index < 0:
                index = widget.findText(str(value))
            widget.setCurrentIndex(index)
        elif isinstance(widget, (QLineEdit, QLabel)):
            widget.setText(str(value))
        else:
            raise TypeError(f"write_quietly does not know {type(widget).__name__}")
    finally:
        blocker.unblock()


def format_number(value: float) -> str:
    """``0.03``, ``1e-05``, ``10``: the shortest faithful spelling for a field."""
    return f"{value:.6g}"


def parse_number(text: str) -> float | None:
    """The finite number in ``text`` (comma or point as decimal mark), or None."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class ErrorLabel(QLabel):
    """Red text under a field saying why an edit was refused; hidden while there is nothing to say."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.setToolTip("Why the last change here was refused; the field shows the value still in use")
        self.hide()

    def show_error(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def clear_error(self) -> None:
        self.show_error("")


def with_error(widget: QWidget) -> tuple[QWidget, ErrorLabel]:
    """Stack ``widget`` over an :class:`ErrorLabel`; returns the pair's container and the label."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(2)
    layout.addWidget(widget)
    error = ErrorLabel()
    layout.addWidget(error)
    return box, error


def note_label(text: str = "", tip: str = "") -> QLabel:
    """A grey, wrapped explanatory line."""
    label = QLabel(text)
    label.setWordWrap(True)
    label.setStyleSheet(f"color: {NOTE_COLOUR};")
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    if tip:
        label.setToolTip(tip)
    return label


def labelled(form: QFormLayout, text: str, field: QWidget, tip: str) -> QLabel:
    """Add a ``text: field`` row to ``form``, with ``tip`` on both; returns the label."""
    label = QLabel(text)
    label.setToolTip(tip)
    field.setToolTip(tip)
    form.addRow(label, field)
    return label


def set_tooltip(widget: QWidget, tip: str) -> None:
    """Give ``widget`` the tooltip ``tip`` unless it has it already (a change posts an event to it)."""
    if widget.toolTip() != tip:
        widget.setToolTip(tip)


def set_item_enabled(combo: QComboBox, index: int, enabled: bool, tip: str) -> None:
    """Enable or grey out one entry of ``combo`` (its model must be a QStandardItemModel)."""
    model = combo.model()
    if isinstance(model, QStandardItemModel):
        item = model.item(index)
        item.setEnabled(enabled)
        item.setToolTip(tip)


class NumberField(QLineEdit):
    """A one-line field for any finite number, committed on Enter or on leaving the field.

    Signals
    -------
    value_changed(float)
        A new number was entered.
    invalid(str)
        The text is not a number; the field went back to its value.
    """

    value_changed = Signal(float)
    invalid = Signal(str)

    def __init__(self, value: float = 0.0, minimum: float = -math.inf, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.minimum = minimum
        self._value = float(value)
        self.setText(format_number(self._value))
        self.setMaximumWidth(self.fontMetrics().horizontalAdvance("-0.000000e-00") + 12)
        self.editingFinished.connect(self._commit)

    def value(self) -> float:
        return self._value

    def set_value(self, value: float) -> None:
        self._value = float(value)
        self.setText(format_number(self._value))

    def _commit(self) -> None:
        value = parse_number(self.text())
        if value is None or value < self.minimum:
            bad = self.text()
            self.setText(format_number(self._value))
            low = "" if self.minimum == -math.inf else f" ≥ {format_number(self.minimum)}"
            self.invalid.emit(f"'{bad}' is not a number{low}")
            return
        self.setText(format_number(value))
        if value != self._value:
            self._value = value
            self.value_changed.emit(value)


class LadderCombo(QComboBox):
    """An editable list of rates (the Playground's 1-3 ladder) that also takes any typed number.

    Signals
    -------
    value_changed(float)
        A rung was picked or a new number typed (Enter or leaving the field).
    invalid(str)
        The typed text is not a number ≥ 0; the field went back to its value.
    """

    value_changed = Signal(float)
    invalid = Signal(str)

    def __init__(self, rungs: Sequence[float], value: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        for rung in rungs:
            self.addItem(format_number(rung), float(rung))
        self._value = float(value)
        self.set_value(self._value)
        self.activated.connect(self._on_activated)
        self.lineEdit().editingFinished.connect(self._on_typed)
        self.setMinimumContentsLength(8)

    def value(self) -> float:
        return self._value

    def set_value(self, value: float) -> None:
        self._value = float(value)
        index = self.findData(self._value)
        if index >= 0:
            self.setCurrentIndex(index)
        self.setEditText(format_number(self._value))

    def _on_activated(self, index: int) -> None:
        value = self.itemData(index)
        if value is not None:
            self._commit(float(value))

    def _on_typed(self) -> None:
        value = parse_number(self.currentText())
        if value is None or value < 0:
            bad = self.currentText()
            self.set_value(self._value)
            self.invalid.emit(f"'{bad}' is not a number ≥ 0")
            return
        self._commit(value)

    def _commit(self, value: float) -> None:
        self.setEditText(format_number(value))
        if value != self._value:
            self._value = value
            self.value_changed.emit(value)


def activation_combo() -> QComboBox:
    """The engine's activations, each with its formula as the entry's tooltip."""
    combo = QComboBox()
    for name in ACTIVATIONS:
        combo.addItem(name, name)
        combo.setItemData(combo.count() - 1, DESCRIPTIONS.get(name, name), Qt.ItemDataRole.ToolTipRole)
    return combo


class InitializerEditor(QWidget):
    """Pick an initialiser type and, where it has any, its numbers (value; low, high; mean, std).

    Signals
    -------
    changed()
        The user changed the type or a number; read :meth:`initializer`.
    invalid(str)
        A typed number was not a number.
    """

    changed = Signal()
    invalid = Signal(str)

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = QComboBox()
        for name, tip in INITIALIZER_TIPS.items():
            self.kind.addItem(name, name)
            self.kind.setItemData(self.kind.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
        self.kind.setToolTip(
            f"How the {what} start. The weights in use are kept; this is used for new units and on Reset."
        )
        self.kind.currentIndexChanged.connect(self._on_kind)
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        form.addRow(self.kind)
        self.fields: dict[str, NumberField] = {}
        self._rows: dict[str, int] = {}
        tips = {
            "value": "The value every entry starts at",
            "low": "Smallest value drawn",
            "high": "Largest value drawn (must be above low)",
            "mean": "Centre of the normal distribution",
            "std": "Standard deviation of the normal distribution (≥ 0)",
        }
        for params in INITIALIZER_FIELDS.values():
            for name, default in params:
                field = NumberField(default, minimum=0.0 if name == "std" else -math.inf)
                field.value_changed.connect(lambda _v: self.changed.emit())
                field.invalid.connect(self.invalid)
                self._rows[name] = form.rowCount()
                labelled(form, name, field, tips[name])
                self.fields[name] = field
        self._form = form
        self._show_fields("glorot_uniform")

    def _show_fields(self, kind: str) -> None:
        wanted = {name for name, _ in INITIALIZER_FIELDS.get(kind, ())}
        for name, row in self._rows.items():
            self._form.setRowVisible(row, name in wanted)

    def _on_kind(self, index: int) -> None:
        kind = self.kind.itemData(index)
        for name, default in INITIALIZER_FIELDS.get(kind, ()):
            write_quietly(self.fields[name], default)
        self._show_fields(kind)
        self.changed.emit()

    def initializer(self) -> Initializer:
        """The initialiser the fields describe; raises ConfigError (e.g. low ≥ high)."""
        kind = self.kind.currentData()
        params = {name: self.fields[name].value() for name, _ in INITIALIZER_FIELDS.get(kind, ())}
        return initializer_from_config({"type": kind, **params})

    def set_initializer(self, init: Initializer) -> None:
        """Show ``init`` without emitting ``changed``."""
        write_quietly(self.kind, init.name)
        for name, _ in INITIALIZER_FIELDS.get(init.name, ()):
            write_quietly(self.fields[name], getattr(init, name))
        self._show_fields(init.name)


__all__ = [
    "ErrorLabel",
    "InitializerEditor",
    "LadderCombo",
    "NumberField",
    "activation_combo",
    "labelled",
    "note_label",
    "set_item_enabled",
    "with_error",
    "write_quietly",
]
