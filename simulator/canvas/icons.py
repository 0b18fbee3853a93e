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
    "Conv2D": QColor("#1a73e8"),
    "MaxPool2D": QColor("#e37400"),
    "AvgPool2D": QColor("#e37400"),
    "Flatten": QColor("#5f6368"),
    "Reshape": QColor("#5f6368"),
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
    elif type_name in IMAGE_GLYPHS:
        IMAGE_GLYPHS[type_name](p, pt, u, ink)
    else:
        p.drawRoundedRect(QRectF(pt(-6, -6), pt(6, 6)), 2 * u, 2 * u)
    p.restore()


def _grid(p: QPainter, pt, x0: float, y0: float, n: int, cell: float) -> None:
    for k in range(n + 1):
        p.drawLine(pt(x0 + k * cell, y0), pt(x0 + k * cell, y0 + n * cell))
        p.drawLine(pt(x0, y0 + k * cell), pt(x0 + n * cell, y0 + k * cell))


def _conv_glyph(p: QPainter, pt, u: float, ink: QColor) -> None:
    """An image grid with a 2 × 2 window sliding over it, and the map it makes."""
    p.setPen(QPen(ink, max(0.8, 0.7 * u)))
    _grid(p, pt, -7, -6, 4, 2.5)
    p.setPen(QPen(ink, max(1.2, 1.5 * u)))
    p.setBrush(QBrush(QColor(ink.red(), ink.green(), ink.blue(), 90)))
    p.drawRect(QRectF(pt(-4.5, -3.5), pt(0.5, 1.5)))
    p.setBrush(QBrush(ink))
    p.drawRect(QRectF(pt(4, -1), pt(7, 2)))
    p.setPen(QPen(ink, max(0.8, 0.7 * u)))
    p.drawLine(pt(0.5, -3.5), pt(4, -1))
    p.drawLine(pt(0.5, 1.5), pt(4, 2))


def _pool_glyph(p: QPainter, pt, u: float, ink: QColor, average: bool) -> None:
    """A 2 × 2 window of cells becoming one cell (the largest: one dark cell; the average: all grey)."""
    p.setPen(QPen(ink, max(0.8, 0.8 * u)))
    for k, (x, y) in enumerate(((-7, -5), (-3, -5), (-7, -1), (-3, -1))):
        shade = 110 if average else (255 if k == 1 else 40)
        p.setBrush(QBrush(QColor(ink.red(), ink.green(), ink.blue(), shade)))
        p.drawRect(QRectF(pt(x, y), pt(x + 4, y + 4)))
    p.setBrush(QBrush(QColor(ink.red(), ink.green(), ink.blue(), 110 if average else 255)))
    p.drawRect(QRectF(pt(3, -2), pt(7, 2)))
    p.drawLine(pt(1.5, 0), pt(2.5, 0))


def _reshape_glyph(p: QPainter, pt, u: float, ink: QColor, to_flat: bool) -> None:
    """A square of cells and a column of the same cells, an arrow between them."""
    p.setPen(QPen(ink, max(0.8, 0.8 * u)))
    sx, cx = (-7, 5) if to_flat else (3, -7)
    _grid(p, pt, sx, -3, 2, 2.0)
    for k in range(4):
        p.drawRect(QRectF(pt(cx, -7 + 3.5 * k), pt(cx + 2, -3.5 + 3.5 * k)))
    a, b = (-2, 3.5) if to_flat else (-3.5, 2)
    p.setPen(QPen(ink, max(1.0, 1.2 * u)))
    p.drawLine(pt(a, 0), pt(b, 0))
    tip = b if to_flat else a
    d = -1.5 if to_flat else 1.5
    p.drawLine(pt(tip + d, -1.5), pt(tip, 0))
    p.drawLine(pt(tip + d, 1.5), pt(tip, 0))


IMAGE_GLYPHS = {
    "Conv2D": _conv_glyph,
    "MaxPool2D": lambda p, pt, u, ink: _pool_glyph(p, pt, u, ink, False),
    "AvgPool2D": lambda p, pt, u, ink: _pool_glyph(p, pt, u, ink, True),
    "Flatten": lambda p, pt, u, ink: _reshape_glyph(p, pt, u, ink, True),
    "Reshape": lambda p, pt, u, ink: _reshape_glyph(p, pt, u, ink, False),
}


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
