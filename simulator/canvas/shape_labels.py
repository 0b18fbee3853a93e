"""What flows along each link: the source layer's shape printed on the connection ("8×26×26", "5408").

One item draws every label (a few words each), so a rebuild adds and removes nothing; the scene tells it
the shapes after each structural change and the link ends after each move. The midpoint of a link's
S-curve is the midpoint of its two ports, so the label needs no path arithmetic.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter
from PySide6.QtWidgets import QGraphicsItem, QStyleOptionGraphicsItem, QWidget

from engine import AvgPool2D, Conv2D, LayerSpec, MaxPool2D, Reshape
from engine.image_layers import pair
from simulator.canvas.colors import MUTED
from simulator.canvas.fonts import SMALL_FONT
from simulator.canvas.ports import IN, OUT

BACKING = QColor(255, 255, 255, 215)
LIFT = 11.0  # how far above the link the label sits


def shape_text(shape: tuple[int, ...] | None) -> str:
    """``"8×26×26"`` for an image, ``"5408"`` for a flat vector, ``"?"`` when unknown."""
    if shape is None:
        return "?"
    return "×".join(str(int(s)) for s in shape)


def window_text(value: int | tuple[int, int]) -> str:
    rows, cols = pair(value)
    return f"{rows}×{cols}"


def describe_image_layer(spec: LayerSpec) -> str:
    """An image layer's key parameters in a few words ("8 × 3×3, relu", "max 2×2"), or ""."""
    if isinstance(spec, Conv2D):
        return f"{spec.filters} × {window_text(spec.kernel_size)}, {spec.activation}"
    if isinstance(spec, (MaxPool2D, AvgPool2D)):
        kind = "max" if isinstance(spec, MaxPool2D) else "average"
        return f"{kind} {window_text(spec.pool_size)}"
    if isinstance(spec, Reshape):
        return f"to {shape_text(spec.shape)}"
    return ""


class ShapeLabelsItem(QGraphicsItem):
    """The shape on every link, in one item."""

    def __init__(self) -> None:
        super().__init__()
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setZValue(-1)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # text costs most in a frame
        self.shapes: dict[str, tuple[int, ...]] = {}
        self.labels: dict[tuple[str, str], tuple[str, QRectF]] = {}  # (source, target) → (text, rect)
        self._bounds = QRectF()
        self._metrics = QFontMetricsF(SMALL_FONT)

    def set_shapes(self, shapes: dict[str, tuple[int, ...]]) -> None:
        """The output shape of every layer that has one (after a structural change)."""
        self.shapes = dict(shapes)

    def follow(self, items: dict, links: list) -> None:
        """Place a label on each link whose source has a shape (after any move)."""
        labels = {}
        for link in links:
            src, dst = items.get(link.source), items.get(link.target)
            shape = self.shapes.get(link.source)
            if src is None or dst is None or shape is None:
                continue
            text = shape_text(shape)
            a, b = src.port_position(OUT), dst.port_position(IN)
            mid = QPointF((a.x() + b.x()) / 2, (a.y() + b.y()) / 2)
            w, h = self._metrics.horizontalAdvance(text) + 8, self._metrics.height() + 2
            labels[(link.source, link.target)] = (text, QRectF(mid.x() - w / 2, mid.y() - LIFT - h, w, h))
        self.prepareGeometryChange()
        self.labels = labels
        bounds = QRectF()
        for _, rect in labels.values():
            bounds = bounds.united(rect)
        self._bounds = bounds
        self.update()  # draw the cached labels again

    def text(self, source: str, target: str) -> str | None:
        """The label on the link ``source → target``, or None."""
        found = self.labels.get((source, target))
        return found[0] if found else None

    def boundingRect(self) -> QRectF:
        return self._bounds

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        p.setFont(SMALL_FONT)
        for text, rect in self.labels.values():
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(BACKING)
            p.drawRoundedRect(rect, 4, 4)
            p.setPen(MUTED)
            p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
