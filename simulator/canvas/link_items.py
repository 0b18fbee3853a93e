"""Links between layers: a curve from an output port to an input port, selectable for deletion.

Where weight lines already show a connection neuron by neuron, the link curve is drawn only while it
is hovered or selected (it stays there to be clicked). Links into or out of a block layer are drawn
as one thick bundle.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPainterPathStroker, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from simulator.canvas.colors import SELECTED

LINK = QColor("#9aa0a6")
BUNDLE = QColor(154, 160, 166, 150)


def link_path(a: QPointF, b: QPointF) -> QPainterPath:
    """A horizontal S-curve from ``a`` (an output port) to ``b`` (an input port)."""
    dx = max(40.0, abs(b.x() - a.x()) * 0.5)
    path = QPainterPath(a)
    path.cubicTo(QPointF(a.x() + dx, a.y()), QPointF(b.x() - dx, b.y()), b)
    return path


class LinkItem(QGraphicsItem):
    """The link ``source → target`` in scene coordinates; ``update_geometry`` follows the ports."""

    def __init__(self, source: str, target: str, bundled: bool = False, under_weights: bool = False) -> None:
        super().__init__()
        self.source = source
        self.target = target
        self.bundled = bundled
        self.under_weights = under_weights
        self._path = QPainterPath()
        self._shape = QPainterPath()
        self._hover = False
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setAcceptHoverEvents(True)
        self.setZValue(-2)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # it changes far less than a frame
        self.setToolTip(f"Link {source} → {target}: click to select it, Delete to remove it")

    def set_under_weights(self, under: bool) -> None:
        """Whether weight lines draw this connection (then the curve shows only when hovered or selected)."""
        if under != self.under_weights:
            self.under_weights = under
            self.update()

    @property
    def width(self) -> float:
        return 7.0 if self.bundled else 2.0

    def update_geometry(self, a: QPointF, b: QPointF) -> None:
        self.prepareGeometryChange()
        self._path = link_path(a, b)
        stroker = QPainterPathStroker()
        stroker.setWidth(max(10.0, self.width + 6))
        self._shape = stroker.createStroke(self._path)
        self.update()  # draw the cached curve again

    def boundingRect(self) -> QRectF:
        m = max(6.0, self.width)
        return self._path.boundingRect().adjusted(-m, -m, m, m)

    def shape(self) -> QPainterPath:
        return self._shape

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        selected = self.isSelected()
        if self.under_weights and not (selected or self._hover):
            return
        if selected:
            pen = QPen(SELECTED, self.width + 1.5)
        elif self.bundled:
            pen = QPen(BUNDLE, self.width)
        else:
            pen = QPen(LINK, self.width)
        if self.under_weights:
            pen.setStyle(Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(self._path)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hover = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hover = False
        self.update()


class DraftLinkItem(QGraphicsItem):
    """The dashed link that follows the cursor while a connection is dragged from a port."""

    def __init__(self, start: QPointF, from_output: bool) -> None:
        super().__init__()
        self.start = start
        self.from_output = from_output
        self._path = QPainterPath()
        self.setZValue(5)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.move_to(start)

    def move_to(self, end: QPointF) -> None:
        self.prepareGeometryChange()
        a, b = (self.start, end) if self.from_output else (end, self.start)
        self._path = link_path(a, b)

    def boundingRect(self) -> QRectF:
        return self._path.boundingRect().adjusted(-4, -4, 4, 4)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        pen = QPen(SELECTED, 2.0, Qt.PenStyle.DashLine)
        p.setPen(pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPath(self._path)
