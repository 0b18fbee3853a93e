"""The base of the inspector's per-type editors: a form of fields, each with a red reason under it."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

from engine import LayerSpec
from simulator.panels.forms import ErrorLabel, set_tooltip, with_error


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
