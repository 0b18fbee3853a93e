"""A square canvas to draw on with the mouse: white ink on black, a thick brush with a soft edge.

Strokes are kept as lists of points in canvas units (0..1), so the last one can be taken back and the
ink redrawn at any resolution. :meth:`DrawingCanvas.ink` gives the drawing as an (n, n) array of
values in [0, 1] (1 where the ink is full), which ``digit_fit.fit_drawing`` turns into a data-set image.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

RESOLUTION = 168  # ink pixels a side: 6 per pixel of a 28 × 28 image, 21 per pixel of an 8 × 8 one
BRUSH = 0.085  # the brush's full-ink width, as a share of the canvas side
SOFT_EDGE = ((0.15, 35), (0.125, 60), (0.105, 110))  # wider, fainter strokes under it: (width, alpha)
GUIDE = "#3c4043"


class DrawingCanvas(QWidget):
    """Draw with the left button; ``changed`` while drawing, ``stroke_finished`` when the button is let go."""

    changed = Signal()
    stroke_finished = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strokes: list[list[QPointF]] = []
        self._drawing = False
        self._image = QImage(RESOLUTION, RESOLUTION, QImage.Format.Format_RGB32)
        self._image.fill(QColor("black"))
        self.setMinimumSize(140, 140)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the mouse (left button); Undo takes back the last stroke")

    # ---------------------------------------------------------------------------------- public
    def ink(self) -> np.ndarray:
        """The drawing as (RESOLUTION, RESOLUTION) float64 in [0, 1]."""
        image = self._image
        bits = np.frombuffer(image.constBits(), np.uint32, RESOLUTION * image.bytesPerLine() // 4)
        pixels = bits.reshape(RESOLUTION, image.bytesPerLine() // 4)[:, :RESOLUTION]
        return ((pixels >> 16) & 0xFF).astype(np.float64) / 255.0

    def is_empty(self) -> bool:
        return not self.strokes

    def clear(self) -> None:
        """Remove every stroke."""
        self.strokes = []
        self._redraw()

    def undo(self) -> None:
        """Take back the last stroke."""
        if self.strokes:
            self.strokes.pop()
            self._redraw()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(220, 220)

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        return width

    # --------------------------------------------------------------------------------- drawing
    def area(self) -> QRectF:
        """The square the canvas is drawn in, in widget coordinates."""
        side = min(self.width(), self.height()) - 2
        return QRectF((self.width() - side) / 2, 1, side, side)

    def _to_unit(self, pos: QPointF) -> QPointF:
        a = self.area()
        x = min(max((pos.x() - a.left()) / a.width(), 0.0), 1.0)
        y = min(max((pos.y() - a.top()) / a.height(), 0.0), 1.0)
        return QPointF(x, y)

    def _paint_stroke(self, painter: QPainter, points: list[QPointF]) -> None:
        """Paint ``points`` (canvas units) as a halo and then a full-ink core, round ends."""
        scaled = [QPointF(p.x() * RESOLUTION, p.y() * RESOLUTION) for p in points]
        for width, alpha in (*SOFT_EDGE, (BRUSH, 255)):
            pen = QPen(QColor(255, 255, 255, alpha), width * RESOLUTION)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            if len(scaled) == 1:
                painter.drawPoint(scaled[0])
            else:
                painter.drawPolyline(scaled)

    def _redraw(self) -> None:
        self._image.fill(QColor("black"))
        painter = QPainter(self._image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        for stroke in self.strokes:
            self._paint_stroke(painter, stroke)
        painter.end()
        self.update()
        self.changed.emit()

    def _extend(self, pos: QPointF) -> None:
        stroke = self.strokes[-1]
        point = self._to_unit(pos)
        if stroke and (point - stroke[-1]).manhattanLength() < 0.004:
            return
        stroke.append(point)
        self._redraw()  # whole strokes: a translucent edge painted twice would look darker

    # ----------------------------------------------------------------------------------- mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        self._drawing = True
        self.strokes.append([])
        self._extend(event.position())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._drawing:
            self._extend(event.position())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._drawing and event.button() == Qt.MouseButton.LeftButton:
            self._drawing = False
            self._extend(event.position())
            self.stroke_finished.emit()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        a = self.area()
        p.drawImage(a, self._image)
        p.setPen(QPen(QColor(GUIDE), 1, Qt.PenStyle.DotLine))
        p.drawRect(a.adjusted(0.5, 0.5, -0.5, -0.5))
        if not self.strokes:
            p.setPen(QColor("#9aa0a6"))
            p.drawText(a, Qt.AlignmentFlag.AlignCenter, "Draw a digit here")


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    canvas = DrawingCanvas()
    canvas.stroke_finished.connect(lambda: print(f"ink drawn: {canvas.ink().mean():.3f} of the canvas"))
    canvas.resize(300, 300)
    canvas.show()
    raise SystemExit(app.exec())
