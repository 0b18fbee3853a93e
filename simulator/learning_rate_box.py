"""A learning-rate field: any non-negative number, typed plainly or in scientific notation.

The arrows step along the Playground's 1-3 ladder (…, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10, …).
A student may type any finite value up to 1e300 to see what a far too large step does: the engine stops
with a clear message when the weights blow up, and the window shows it.
"""

from __future__ import annotations

import math

from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QDoubleSpinBox, QWidget

MINIMUM, MAXIMUM = 0.0, 1e300
LADDER_LOW, LADDER_HIGH = -6, 3  # decades the arrows step through: 1e-6 .. 3e3


def ladder() -> list[float]:
    """The values the arrows visit, ascending: 1 and 3 times each power of ten in the ladder's range."""
    return [m * 10.0**e for e in range(LADDER_LOW, LADDER_HIGH + 1) for m in (1, 3)]


def parse(text: str) -> float | None:
    """The number in ``text`` (comma or point as decimal mark), or None when it is not a finite number."""
    try:
        value = float(text.strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class LearningRateBox(QDoubleSpinBox):
    """A ``QDoubleSpinBox`` for learning rates: shows ``0.03`` or ``1e-05``, accepts ``1e39``.

    Emits ``valueChanged`` only when editing is finished (Enter or leaving the field), not per key.
    """

    def __init__(self, value: float = 0.03, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setDecimals(320)  # no rounding: tiny and huge values keep their digits
        self.setRange(MINIMUM, MAXIMUM)
        self.setKeyboardTracking(False)
        self.setCorrectionMode(QAbstractSpinBox.CorrectionMode.CorrectToPreviousValue)
        self.setAccelerated(False)
        self.setValue(value)
        self.setMinimumWidth(self.fontMetrics().horizontalAdvance("0.00003") + 40)

    def textFromValue(self, value: float) -> str:
        return f"{value:.6g}"

    def valueFromText(self, text: str) -> float:
        value = parse(text)
        return self.value() if value is None else value

    def validate(self, text: str, pos: int) -> object:
        stripped = text.strip()
        value = parse(stripped)
        if value is not None and MINIMUM <= value <= MAXIMUM:
            return QValidator.State.Acceptable, text, pos
        partial = stripped.replace(",", ".").lower()
        if partial == "" or (value is None and all(ch in "0123456789.e+-" for ch in partial)):
            return QValidator.State.Intermediate, text, pos
        return QValidator.State.Invalid, text, pos

    def fixup(self, text: str) -> str:
        return self.textFromValue(self.value())

    def stepBy(self, steps: int) -> None:
        rungs = ladder()
        value = self.value()
        if steps > 0:
            above = [r for r in rungs if r > value * (1 + 1e-9)]
            target = above[min(steps, len(above)) - 1] if above else value
        else:
            below = [r for r in rungs if r < value * (1 - 1e-9)]
            target = below[max(steps, -len(below))] if below else MINIMUM
        self.setValue(target)

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        flags = QAbstractSpinBox.StepEnabledFlag.StepNone
        if self.isReadOnly():
            return flags
        if self.value() < ladder()[-1]:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
        if self.value() > MINIMUM:
            flags |= QAbstractSpinBox.StepEnabledFlag.StepDownEnabled
        return flags
