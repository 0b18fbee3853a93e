"""The output view: the network's output over the input plane, with the data points on top.

As in TensorFlow Playground, the model is evaluated on a 100 × 100 grid over [-6, 6]² and coloured
orange (-1) → white (0) → blue (+1). The grid becomes one RGB32 ``QImage`` through a 256-entry colour
lookup (numpy only), and ``paintEvent`` draws it smoothly scaled, then the cached points image and the
axis ticks. No pyqtgraph items: one image per frame is far cheaper.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QImage, QPainter, QPaintEvent, QPen, QPixmap, QResizeEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from engine import Model
from engine.data import Dataset
from simulator import plane
from simulator.colours import LUT, NEUTRAL, colour_image
from simulator.plane import EXTENT, GRID

TICKS = (-6, -4, -2, 0, 2, 4, 6)


def signed_output(model: Model, outputs: np.ndarray) -> np.ndarray:
    """Map the model's outputs to one value per row in [-1, 1] (negative class → -1, positive → +1).

    A single tanh or linear unit is used as it is, a sigmoid unit as ``2p - 1``, and two or more units
    as the difference between the last two (a two-class softmax's ``p1 - p0``).
    """
    out = np.asarray(outputs, np.float64)
    if out.shape[1] > 1:
        return out[:, -1] - out[:, -2]
    resolved = model.resolved
    layer = resolved.order[resolved.index(resolved.output)].layer
    if getattr(layer, "activation", "") == "sigmoid":
        return 2.0 * out[:, 0] - 1.0
    return out[:, 0]


class DecisionView(QWidget):
    """Draws a model's output over the plane of a 2-D dataset, with its points.

    Call :meth:`set_scene` with the model and dataset, then :meth:`refresh` whenever the weights
    changed; until the first refresh only the points are drawn.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(260, 260)
        # paintEvent fills every pixel: Qt then skips repainting the dock and window behind it each frame
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)
        self.setToolTip(
            "The network's output over the input plane: blue where it says +1, orange where it says -1.\n"
            "Dots are the data: white rims are training points, dark rims test points."
        )
        self._model: Model | None = None
        self._dataset: Dataset | None = None
        self._image: QImage | None = None
        self._points_cache: tuple[QSize, QImage] | None = None
        self._frame_cache: tuple[tuple, QPixmap] | None = None
        self._show_test = False
        self._discretize = False
        self._values: np.ndarray | None = None  # the last continuous output on the grid
        self._note = ""

    # ------------------------------------------------------------------------------- data
    def set_scene(self, model: Model, dataset: Dataset) -> None:
        """Show ``model``'s output on ``dataset``; clears the image.

        A dataset without 2-D points (iris, a CSV table) has no plane to draw: the view then says so.
        """
        if not dataset.is_2d:
            self._model = self._dataset = self._image = self._values = None
            self._points_cache = None
            self._note = f"'{dataset.name}' has no 2-D points: no output plane to draw"
            self.update()
            return
        self._note = ""
        self._model = model
        if dataset is not self._dataset:
            self._dataset = dataset
            self._points_cache = None
        self._image = self._values = None
        self.update()

    def refresh(self) -> None:
        """Take the model's output on the grid (the pass the canvas shares, ``plane.shared``) and repaint."""
        model = self._model
        if model is None or self._dataset is None:
            return
        outputs = plane.shared(model, self._dataset)[model.resolved.output]
        self._values = signed_output(model, outputs.reshape(GRID * GRID, -1)).reshape(GRID, GRID)
        self._colour()

    def _colour(self) -> None:
        values = self._values
        if values is None:
            return
        if self._discretize:  # one colour per side of the boundary: the class (or the sign) only
            values = np.where(values >= 0.0, 1.0, -1.0)
        self._image = colour_image(values)
        self.update()

    @property
    def discretize(self) -> bool:
        return self._discretize

    def set_discretize(self, on: bool) -> None:
        """Colour the output by class (its sign: blue +1, orange −1) instead of continuously."""
        if bool(on) != self._discretize:
            self._discretize = bool(on)
            if self._image is not None:
                self._colour()

    def clear(self) -> None:
        """Forget the output image (points stay)."""
        self._image = self._values = None
        self.update()

    @property
    def show_test(self) -> bool:
        return self._show_test

    def set_show_test(self, show: bool) -> None:
        """Draw the test points too (dark rims) when ``show`` is True."""
        if bool(show) != self._show_test:
            self._show_test = bool(show)
            self._points_cache = None
            self.update()

    @property
    def image(self) -> QImage | None:
        """The current 100 × 100 output image, or None before the first refresh."""
        return self._image

    # ----------------------------------------------------------------------------- drawing
    def sizeHint(self) -> QSize:
        return QSize(520, 520)

    def plot_rect(self) -> QRectF:
        """The square, in widget pixels, that shows [-6, 6]²."""
        fm = self.fontMetrics()
        left = fm.horizontalAdvance("-6") + 10
        bottom = fm.height() + 8
        side = max(10.0, min(self.width() - left - 8, self.height() - bottom - 8))
        x = left + (self.width() - left - 8 - side) / 2
        y = 8 + (self.height() - bottom - 8 - side) / 2
        return QRectF(x, y, side, side)

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._points_cache = None
        super().resizeEvent(event)

    def paintEvent(self, event: QPaintEvent) -> None:
        rect = self.plot_rect()
        p = QPainter(self)
        if self._note:
            p.fillRect(self.rect(), self.palette().window())
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._note)
            p.end()
            return
        p.drawPixmap(0, 0, self._frame_pixmap(rect))
        if self._image is not None:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            p.drawImage(rect, self._image)
        else:
            p.fillRect(rect, QColor(NEUTRAL))
        p.drawImage(rect.topLeft(), self._points_image(rect))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(QPen(QColor("#9aa0a6"), 1))
        p.drawRect(rect.adjusted(0, 0, -1, -1))
        p.end()

    def _frame_pixmap(self, rect: QRectF) -> QPixmap:
        """The background and the tick labels round the plot, drawn once per size, font and palette:
        text is the dearest part of a repaint, and the image inside changes every frame."""
        key = (self.size(), self.font().key(), self.palette().cacheKey(), self.devicePixelRatioF())
        if self._frame_cache is not None and self._frame_cache[0] == key:
            return self._frame_cache[1]
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(self.size() * ratio)
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(self.palette().window().color())
        p = QPainter(pixmap)
        p.setFont(self.font())
        self._draw_ticks(p, rect)
        p.end()
        self._frame_cache = (key, pixmap)
        return pixmap

    def _draw_ticks(self, p: QPainter, rect: QRectF) -> None:
        fm = self.fontMetrics()
        p.setPen(self.palette().windowText().color())
        scale = rect.width() / (2 * EXTENT)
        for t in TICKS:
            text = str(t)
            x = rect.left() + (t + EXTENT) * scale
            y = rect.bottom() - (t + EXTENT) * scale
            w = fm.horizontalAdvance(text)
            p.drawLine(QPointF(x, rect.bottom()), QPointF(x, rect.bottom() + 3))
            p.drawText(QPointF(x - w / 2, rect.bottom() + 4 + fm.ascent()), text)
            p.drawLine(QPointF(rect.left() - 3, y), QPointF(rect.left(), y))
            p.drawText(QPointF(rect.left() - 5 - w, y + fm.ascent() / 2 - 1), text)

    def _points_image(self, rect: QRectF) -> QImage:
        size = QSize(max(1, int(rect.width())), max(1, int(rect.height())))
        if self._points_cache is not None and self._points_cache[0] == size:
            return self._points_cache[1]
        img = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
        img.fill(Qt.GlobalColor.transparent)
        if self._dataset is not None:
            p = QPainter(img)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            radius = max(2.5, size.width() / 110)
            splits = [("train", QColor("white"))]
            if self._show_test:
                splits.append(("test", QColor("#202124")))
            for split, rim in splits:
                self._draw_points(p, split, rim, size, radius)
            p.end()
        self._points_cache = (size, img)
        return img

    def _draw_points(self, p: QPainter, split: str, rim: QColor, size: QSize, radius: float) -> None:
        ds = self._dataset
        pts = ds.points_train if split == "train" else ds.points_test
        t = ds.t_train if split == "train" else ds.t_test
        if ds.task == "classification":
            values = np.where(t == ds.n_classes - 1, 1.0, -1.0) if ds.n_classes == 2 else np.zeros(len(t))
        else:
            values = np.asarray(t, np.float64)[:, 0]
        scale = size.width() / (2 * EXTENT)
        xs = (pts[:, 0] + EXTENT) * scale
        ys = (EXTENT - pts[:, 1]) * scale
        idx = np.rint((np.clip(values, -1, 1) + 1) * (0.5 * (LUT.size - 1))).astype(np.intp)
        brushes = {k: _qcolor(LUT[k]) for k in set(idx.tolist())}  # (np.unique would import numpy.ma)
        p.setPen(QPen(rim, max(1.0, radius / 3)))
        for x, y, k in zip(xs.tolist(), ys.tolist(), idx.tolist(), strict=True):
            p.setBrush(brushes[k])
            p.drawEllipse(QPointF(x, y), radius, radius)


def _qcolor(argb: np.uint32) -> QColor:
    v = int(argb)
    return QColor((v >> 16) & 0xFF, (v >> 8) & 0xFF, v & 0xFF)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    trainer = make_default_trainer()
    trainer.run_epochs(300)
    view = DecisionView()
    view.set_scene(trainer.model, trainer.data)
    view.set_show_test(True)
    view.refresh()
    view.setFont(QFont(view.font().family(), 9))
    view.show()
    raise SystemExit(app.exec())
