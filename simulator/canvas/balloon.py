"""A refusal message shown at the place: a small balloon beside the layer the engine named, fading out."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QPropertyAnimation, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QFontMetricsF, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsSceneMouseEvent,
    QGraphicsView,
    QStyleOptionGraphicsItem,
    QWidget,
)

from simulator.canvas.fonts import TEXT_FONT, TITLE_FONT

SHOW_MS = 4500
FADE_MS = 700
MAX_WIDTH = 300.0
BACK = QColor("#fce8e6")
EDGE = QColor("#d93025")
TEXT = QColor("#5f2120")


class BalloonItem(QGraphicsObject):
    """``text`` in a balloon whose tip points at ``anchor`` (scene coordinates); fades after a few seconds.

    It keeps its size on screen at every zoom; a click dismisses it at once.
    """

    def __init__(
        self, title: str, text: str, anchor: QPointF, show_ms: int = SHOW_MS, left: bool = False
    ) -> None:
        super().__init__()
        self.title = title
        self.text = text
        self.left = left
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)
        self.setZValue(10)
        self.setPos(anchor)
        self.setToolTip("Why the edit was refused; click to dismiss")
        fm = QFontMetricsF(TEXT_FONT)
        flags = int(Qt.TextFlag.TextWordWrap)
        body = fm.boundingRect(QRectF(0, 0, MAX_WIDTH, 1000), flags, text)
        width = max(body.width(), QFontMetricsF(TITLE_FONT).horizontalAdvance(title)) + 20
        x = -10 - width if left else 10.0  # the box lies right of the tip, or left of it
        self._box = QRectF(x, -16, width, body.height() + 36)
        self._title_rect = QRectF(x + 10, -12, width - 16, 16)
        self._text_rect = QRectF(x + 10, 4, width - 20, body.height() + 4)
        self._fade = QPropertyAnimation(self, b"opacity", self)
        self._fade.setDuration(FADE_MS)
        self._fade.setStartValue(1.0)
        self._fade.setEndValue(0.0)
        self._fade.finished.connect(self.dismiss)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._fade.start)
        self._timer.start(show_ms)

    def boundingRect(self) -> QRectF:
        return self._box.united(QRectF(-1, -8, 2, 16)).adjusted(-2, -2, 2, 2)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        path = QPainterPath()
        path.addRoundedRect(self._box, 7, 7)
        edge = -12.0 if self.left else 12.0
        tip = QPainterPath(QPointF(0, 0))
        tip.lineTo(QPointF(edge, -7))
        tip.lineTo(QPointF(edge, 7))
        tip.closeSubpath()
        path = path.united(tip)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(EDGE, 1.2))
        p.setBrush(QBrush(BACK))
        p.drawPath(path)
        p.setPen(EDGE)
        p.setFont(TITLE_FONT)
        p.drawText(self._title_rect, Qt.AlignmentFlag.AlignLeft, self.title)
        p.setPen(TEXT)
        p.setFont(TEXT_FONT)
        p.drawText(self._text_rect, Qt.TextFlag.TextWordWrap, self.text)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        event.accept()
        self.dismiss()

    def dismiss(self) -> None:
        """Remove the balloon now."""
        self._timer.stop()
        self._fade.stop()
        scene = self.scene()
        if scene is not None:
            scene.removeItem(self)
            if hasattr(scene, "balloon_closed"):
                scene.balloon_closed(self)


def refusal_balloon(
    layer_id: str, reason: str, item: QGraphicsItem | None, view: QGraphicsView | None, fallback: QPointF
) -> BalloonItem:
    """A balloon with the engine's ``reason``, beside the card of ``item`` (the layer the engine named).

    It points from the card's right side, or from its left when the view has no room on the right;
    without an item it sits in the middle of the view (or at ``fallback``).
    """
    visible = view.mapToScene(view.viewport().rect()).boundingRect() if view is not None else None
    if item is not None:
        anchor = item.mapToScene(QPointF(item.card.right() + 6, item.card.top() + 16))
    else:
        anchor = visible.center() if visible is not None else fallback
    text = reason[:1].upper() + reason[1:]
    title = f"Not possible here ({layer_id})" if layer_id else "Not possible"
    balloon = BalloonItem(title, text, anchor)
    if item is not None and visible is not None:
        width = balloon.boundingRect().width() / max(view.transform().m11(), 1e-6)
        if anchor.x() + width > visible.right():
            anchor = item.mapToScene(QPointF(item.card.left() - 6, item.card.top() + 16))
            balloon = BalloonItem(title, text, anchor, left=True)
    return balloon


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView

    app = QApplication(sys.argv)
    scene = QGraphicsScene(-50, -60, 420, 160)
    reason = "Add needs inputs of equal size, but they have sizes 4, 2"
    scene.addItem(BalloonItem("Not possible here (add_1)", reason, QPointF(0, 0), show_ms=60_000))
    view = QGraphicsView(scene)
    view.show()
    raise SystemExit(app.exec())
