"""The colour key of the canvas: the diverging bar with its range and what line widths mean.

Lines normally show weights; while a training phase is shown they may show ∂L/∂w or Δw instead
(``set_quantity``), each layer scaled to its own largest magnitude, and the key says so.
"""

from __future__ import annotations

from PySide6.QtCore import QLineF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from simulator.canvas.colors import CARD_EDGE, INK, MUTED, fmt, weight_width
from simulator.canvas.fonts import SMALL_FONT, TEXT_FONT
from simulator.colours import NEGATIVE, NEUTRAL, POSITIVE

WIDTH, HEIGHT = 206.0, 74.0
WEIGHT_TIP = (
    "Colours: orange is negative, blue positive, on the range −1 … +1 (beyond it the colour stays).\n"
    "Neurons show their output; lines show weights, thicker for larger |w| (1 px at 0, 10 px at 5)."
)
PHASE_TIP = (
    "Lines show {q} of each weight: orange negative, blue positive; within each layer the largest |{q}| "
    "is the thickest, most saturated line.\nNeurons show this mini-batch's mean output, or (backward) "
    "their error signal δ = ∂L/∂z, coloured relative to the layer's largest |δ|."
)
RANGE_RECT = QRectF(8, 53, WIDTH - 16, 16)


class _RangeText(QGraphicsItem):
    """The legend's changing line (the weight range), apart so the rest of the legend stays cached."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.text = ""
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # repainted when the text changes

    def boundingRect(self) -> QRectF:
        return RANGE_RECT

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        p.setPen(MUTED)
        p.setFont(TEXT_FONT)
        p.drawText(RANGE_RECT, Qt.AlignmentFlag.AlignVCenter, self.text)


class LegendItem(QGraphicsItem):
    """A small key that keeps its size on screen; the view pins it to a corner."""

    def __init__(self) -> None:
        super().__init__()
        self.low = self.high = None
        self.quantity = "weight"
        self._range = _RangeText(self)
        self._range.text = self.range_text
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(8)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        self.setToolTip(WEIGHT_TIP)

    def set_quantity(self, quantity: str) -> None:
        """What the lines show: "weight" (the normal key), "∂L/∂w" or "Δw" (scaled per layer)."""
        if quantity != self.quantity:
            self.quantity = quantity
            self.setToolTip(WEIGHT_TIP if quantity == "weight" else PHASE_TIP.format(q=quantity))
            self._range.text = self.range_text
            self._range.update()
            self.update()

    def set_range(self, low: float | None, high: float | None) -> None:
        """The current smallest and largest weight (None when no weights are drawn)."""
        if (low, high) != (self.low, self.high):
            self.low, self.high = low, high
            text = self.range_text
            if text != self._range.text:
                self._range.text = text
                self._range.update()

    @property
    def range_text(self) -> str:
        if self.quantity != "weight":
            if self.low is None or self.high is None:
                return f"{self.quantity}: none yet"
            return f"{self.quantity} {fmt(self.low)} … {fmt(self.high)}"
        if self.low is None or self.high is None:
            return "no weights drawn"
        return f"weights now {fmt(self.low)} … {fmt(self.high)}"

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, WIDTH, HEIGHT)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        box = QRectF(0.5, 0.5, WIDTH - 1, HEIGHT - 1)
        p.setPen(QPen(CARD_EDGE, 1))
        p.setBrush(QBrush(QColor(255, 255, 255, 230)))
        p.drawRoundedRect(box, 6, 6)
        bar = QRectF(26, 10, WIDTH - 52, 10)
        grad = QLinearGradient(bar.topLeft(), bar.topRight())
        grad.setColorAt(0.0, QColor(NEGATIVE))
        grad.setColorAt(0.5, QColor(NEUTRAL))
        grad.setColorAt(1.0, QColor(POSITIVE))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(grad))
        p.drawRect(bar)
        p.setPen(INK)
        p.setFont(SMALL_FONT)
        weights = self.quantity == "weight"
        p.drawText(
            QRectF(2, 8, 22, 14),
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
            "\u22121" if weights else "\u2212",
        )
        p.drawText(
            QRectF(bar.right() + 3, 8, 22, 14),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            "+1" if weights else "+",
        )
        p.drawText(QRectF(bar.center().x() - 10, 21, 20, 12), Qt.AlignmentFlag.AlignCenter, "0")
        y = 41.0
        x = 10.0
        for w in (0.0, 1.0, 2.5, 5.0):
            pen = QPen(QColor(POSITIVE), weight_width(w))
            pen.setCapStyle(Qt.PenCapStyle.FlatCap)
            p.setPen(pen)
            p.drawLine(QLineF(x, y, x + 18, y))
            x += 24
        p.setPen(INK)
        p.setFont(SMALL_FONT)
        key = "|w| 0 … 5" if weights else "0 … layer max"
        p.drawText(QRectF(x + 2, y - 7, WIDTH - x - 6, 14), Qt.AlignmentFlag.AlignVCenter, key)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView

    app = QApplication(sys.argv)
    scene = QGraphicsScene(-10, -10, WIDTH + 20, HEIGHT + 20)
    legend = LegendItem()
    legend.set_range(-1.234, 0.987)
    scene.addItem(legend)
    view = QGraphicsView(scene)
    view.show()
    raise SystemExit(app.exec())
