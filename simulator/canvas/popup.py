"""The enlarged heatmap of one neuron: its output over the whole input plane, with the axes' range."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsSceneMouseEvent, QStyleOptionGraphicsItem, QWidget

from simulator.canvas.colors import CARD_EDGE, INK, MUTED
from simulator.canvas.fonts import SMALL_FONT, TITLE_FONT
from simulator.plane import EXTENT

SIDE = 200.0


class NeuronPopupItem(QGraphicsItem):
    """A card with a big picture of one neuron's output; it keeps its size on screen. Click to close."""

    def __init__(self, layer_id: str, unit: int, caption: str = "") -> None:
        super().__init__()
        self.layer_id = layer_id
        self.unit = unit
        self.caption = caption
        self.image: QImage | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(20)
        self.setToolTip("The neuron's output over the input plane of the data. Click anywhere to close.")
        self._box = QRectF(0, 0, SIDE + 40, SIDE + 62)
        self._plot = QRectF(28, 26, SIDE, SIDE)

    def set_image(self, image: QImage | None, caption: str | None = None) -> None:
        self.image = image
        if caption is not None:
            self.caption = caption
        self.update()

    def boundingRect(self) -> QRectF:
        return self._box.adjusted(-1, -1, 1, 1)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        p.setPen(QPen(CARD_EDGE, 1))
        p.setBrush(QBrush(QColor("white")))
        p.drawRoundedRect(self._box, 8, 8)
        p.setPen(INK)
        p.setFont(TITLE_FONT)
        p.drawText(
            QRectF(10, 5, self._box.width() - 20, 18),
            Qt.AlignmentFlag.AlignLeft,
            f"{self.layer_id} neuron {self.unit}",
        )
        if self.image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(self._plot, self.image)
        p.setPen(QPen(CARD_EDGE, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(self._plot)
        p.setFont(SMALL_FONT)
        p.setPen(MUTED)
        e = f"{EXTENT:g}"
        r = self._plot
        p.drawText(QRectF(r.left() - 26, r.top() - 2, 22, 12), Qt.AlignmentFlag.AlignRight, e)
        p.drawText(QRectF(r.left() - 26, r.bottom() - 10, 22, 12), Qt.AlignmentFlag.AlignRight, "\u2212" + e)
        p.drawText(QRectF(r.left() - 12, r.bottom() + 2, 24, 12), Qt.AlignmentFlag.AlignCenter, "\u2212" + e)
        p.drawText(QRectF(r.right() - 12, r.bottom() + 2, 24, 12), Qt.AlignmentFlag.AlignCenter, e)
        p.drawText(
            QRectF(8, r.bottom() + 16, self._box.width() - 16, 14),
            Qt.AlignmentFlag.AlignCenter,
            self.caption or "x1 across, x2 up",
        )

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        event.accept()
        self.scene().close_popup()
