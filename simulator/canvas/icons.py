"""Small glyphs for the layer types, drawn with QPainter (palette icons and canvas nodes share them)."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap

from simulator.colours import NEGATIVE, POSITIVE

GLYPH_COLOURS = {
    "Input": QColor("#5f6368"),
    "Dense": QColor(POSITIVE),
    "Activation": QColor("#188038"),
    "Dropout": QColor("#9334e6"),
    "Add": QColor(NEGATIVE),
    "Concat": QColor("#d93025"),
}


def draw_glyph(p: QPainter, rect: QRectF, type_name: str) -> None:
    """Draw the glyph of ``type_name`` inside ``rect`` (any size; drawn for about 16–48 px)."""
    s = min(rect.width(), rect.height())
    c = rect.center()
    u = s / 16.0  # one unit of a 16 × 16 design grid
    ink = GLYPH_COLOURS.get(type_name, QColor("#5f6368"))
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    pen = QPen(ink, max(1.0, 1.3 * u))
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.setBrush(Qt.BrushStyle.NoBrush)

    def pt(x: float, y: float) -> QPointF:
        return QPointF(c.x() + x * u, c.y() + y * u)

    if type_name == "Input":
        p.drawRoundedRect(QRectF(pt(1, -6), pt(6, 6)), u, u)
        p.drawLine(pt(-7, 0), pt(-0.5, 0))
        p.drawLine(pt(-3, -3), pt(-0.5, 0))
        p.drawLine(pt(-3, 3), pt(-0.5, 0))
    elif type_name == "Dense":
        left = [pt(-5, y) for y in (-4.5, 0, 4.5)]
        right = [pt(5, y) for y in (-3, 3)]
        thin = QPen(ink, max(0.8, 0.7 * u))
        p.setPen(thin)
        for a in left:
            for b in right:
                p.drawLine(a, b)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(ink))
        for q in left + right:
            p.drawEllipse(q, 1.8 * u, 1.8 * u)
    elif type_name == "Activation":
        p.drawLine(pt(-7, 0), pt(7, 0))
        path = QPainterPath(pt(-7, 5))
        for k in range(1, 29):
            x = -7 + k * 0.5
            path.lineTo(pt(x, -5 * math.tanh(x / 2.2)))
        p.setPen(QPen(ink, max(1.2, 1.6 * u)))
        p.drawPath(path)
    elif type_name == "Dropout":
        p.setBrush(QBrush(ink))
        for k, (x, y) in enumerate(
            [
                (-4.5, -4.5),
                (0, -4.5),
                (4.5, -4.5),
                (-4.5, 0),
                (0, 0),
                (4.5, 0),
                (-4.5, 4.5),
                (0, 4.5),
                (4.5, 4.5),
            ]
        ):
            if k in (1, 3, 8):
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(pt(x, y), 1.6 * u, 1.6 * u)
                p.setBrush(QBrush(ink))
            else:
                p.drawEllipse(pt(x, y), 1.6 * u, 1.6 * u)
    elif type_name == "Add":
        p.drawEllipse(pt(0, 0), 6.5 * u, 6.5 * u)
        p.drawLine(pt(-3.5, 0), pt(3.5, 0))
        p.drawLine(pt(0, -3.5), pt(0, 3.5))
    elif type_name == "Concat":
        p.drawRect(QRectF(pt(-7, -6), pt(-1.5, 6)))
        p.setBrush(QBrush(ink))
        p.drawRect(QRectF(pt(1.5, -6), pt(7, 6)))
        p.drawLine(pt(-1.5, 0), pt(1.5, 0))
    else:
        p.drawRoundedRect(QRectF(pt(-6, -6), pt(6, 6)), 2 * u, 2 * u)
    p.restore()


def layer_pixmap(type_name: str, size: int = 32) -> QPixmap:
    """A transparent square pixmap holding the glyph."""
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    p = QPainter(pix)
    draw_glyph(p, QRectF(0, 0, size, size), type_name)
    p.end()
    return pix


def layer_icon(type_name: str) -> QIcon:
    """An icon of the layer type at 16, 24, 32 and 48 px."""
    icon = QIcon()
    for size in (16, 24, 32, 48):
        icon.addPixmap(layer_pixmap(type_name, size))
    return icon


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QWidget

    from engine import LAYER_TYPES

    app = QApplication(sys.argv)
    w = QWidget()
    row = QHBoxLayout(w)
    for name in LAYER_TYPES:
        label = QLabel()
        label.setPixmap(layer_pixmap(name, 48))
        label.setToolTip(name)
        row.addWidget(label)
    w.show()
    raise SystemExit(app.exec())
