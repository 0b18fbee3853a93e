"""Ports on a layer's sides: drag from an output port to an input port (or the other way) to connect.

A port only reports the drag to its scene (``begin_connect`` / ``drag_connect`` / ``end_connect``); the
scene draws the dangling link, finds the layer under the cursor and asks the controller to connect.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from simulator.canvas.colors import INK, SELECTED

IN, OUT = "in", "out"
RADIUS = 5.5
HIT_RADIUS = 10.0


class PortItem(QGraphicsItem):
    """A small disc on a layer's left (input) or right (output) edge; a child of the layer item."""

    def __init__(self, parent: QGraphicsItem, kind: str) -> None:
        super().__init__(parent)
        self.kind = kind
        self._hot = False
        self.setAcceptHoverEvents(True)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setZValue(2)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        if kind == OUT:
            self.setToolTip("Output: drag from here onto another layer to feed it this layer's values")
        else:
            self.setToolTip("Input: drag from here onto a layer's output port to feed this layer from it")

    @property
    def layer_id(self) -> str:
        return self.parentItem().layer_id

    def set_hot(self, hot: bool) -> None:
        """Enlarge while hovered or while a dragged link could end here."""
        if hot != self._hot:
            self._hot = hot
            self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(-HIT_RADIUS, -HIT_RADIUS, 2 * HIT_RADIUS, 2 * HIT_RADIUS)

    def shape(self) -> QPainterPath:
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), HIT_RADIUS, HIT_RADIUS)
        return path

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        r = RADIUS + (2.0 if self._hot else 0.0)
        p.setPen(QPen(SELECTED if self._hot else INK, 1.4))
        p.setBrush(QBrush(INK if self.kind == OUT else QColor("white")))
        p.drawEllipse(QPointF(0, 0), r, r)

    # ---------------------------------------------------------------------------- dragging
    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.set_hot(True)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.set_hot(False)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            event.ignore()
            return
        event.accept()
        self.scene().begin_connect(self, event.scenePos())

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.scene().drag_connect(event.scenePos())

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.scene().end_connect(event.scenePos())
