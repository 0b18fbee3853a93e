"""Typing a weight's value on the canvas: a line edit over the clicked line (Enter sets, Esc cancels)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QLineEdit, QWidget


def parse_number(text: str) -> float | None:
    """A number as people type it ("−0.5", "0,25", "1e-3"), or None."""
    cleaned = text.strip().replace("\u2212", "-").replace(",", ".")
    try:
        return float(cleaned)
    except ValueError:
        return None


class WeightEditor(QLineEdit):
    """An inline editor for one weight, placed over the canvas's viewport.

    Signals
    -------
    value_entered(str, object, float)
        ``(key, index, value)`` when Enter is pressed on a valid number.
    """

    value_entered = Signal(str, object, float)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.key = ""
        self.index: tuple[int, ...] = ()
        self.setFixedWidth(96)
        self.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.setToolTip("Type a new value for this weight and press Enter (Esc cancels)")
        self.hide()
        self.returnPressed.connect(self._commit)
        self.textEdited.connect(lambda _text: self._mark(True))

    def open(self, key: str, index: tuple[int, ...], value: float, at: QPoint, label: str = "") -> None:
        """Show over ``at`` (viewport pixels) with the current ``value`` selected."""
        self.key, self.index = key, tuple(index)
        self.setPlaceholderText(label)
        self.setText(f"{value:.4g}")
        self._mark(True)
        x = max(0, min(at.x() - self.width() // 2, self.parentWidget().width() - self.width()))
        y = max(0, min(at.y() - self.height() - 6, self.parentWidget().height() - self.height()))
        self.move(x, y)
        self.show()
        self.raise_()
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.selectAll()

    def close_editor(self) -> None:
        self.hide()
        self.key = ""

    def _mark(self, ok: bool) -> None:
        self.setStyleSheet("" if ok else "QLineEdit { border: 1px solid #d93025; }")

    def _commit(self) -> None:
        value = parse_number(self.text())
        if value is None:
            self._mark(False)
            return
        key, index = self.key, self.index
        self.close_editor()
        self.value_entered.emit(key, index, value)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.close_editor()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        if self.isVisible():
            self.close_editor()
