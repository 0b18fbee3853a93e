"""A cheap curve for the training curves: each pixel column drawn as one stroke from its min to its max.

pyqtgraph's ``PlotDataItem.setData`` re-derives bounds, downsampling and clipping and emits signals on
every call, and redraws itself again whenever the view's transform is touched: about 3 ms for the four
training curves, several times a second. :class:`MinMaxCurve` only stores the arrays on ``setData``; when
painted, it reduces the points in view to the min and max of each pixel column (:func:`column_extremes`)
and draws them as one polyline in device pixels, so a curve costs a few thousand line segments at most
however long it is, and looks the same as drawing every point.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QPainter, QPen, QPolygonF


def column_extremes(
    xd: np.ndarray, y: np.ndarray, left: float = -math.inf, right: float = math.inf
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pixel columns that points at device x ``xd`` (sorted) fall in, and each column's min and max y.

    Points left of ``left`` or right of ``right`` are left out, except the nearest one on each side, so
    the line still runs to the edges. Returns ``(column, low, high)``, one entry per occupied column.
    """
    n = xd.size
    if n == 0:
        return np.empty(0, np.int64), np.empty(0), np.empty(0)
    first = max(0, int(np.searchsorted(xd, left, side="left")) - 1)
    last = min(n, int(np.searchsorted(xd, right, side="right")) + 1)
    xd, y = xd[first:last], y[first:last]
    col = np.floor(xd).astype(np.int64)
    starts = np.flatnonzero(np.diff(col)) + 1
    starts = np.concatenate([[0], starts])
    return col[starts], np.minimum.reduceat(y, starts), np.maximum.reduceat(y, starts)


def min_max_polyline(col: np.ndarray, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    """(2k, 2) points through each column's centre from its low to its high value (device y grows down,
    so the caller passes device values and the stroke goes from ``low`` to ``high`` as given)."""
    xy = np.empty((2 * col.size, 2))
    xy[0::2, 0] = xy[1::2, 0] = col + 0.5
    xy[0::2, 1] = low
    xy[1::2, 1] = high
    return xy


class MinMaxCurve(pg.GraphicsObject):
    """A line through ``(x, y)`` (x sorted) in a ViewBox, drawn as min/max per pixel column.

    Enough of ``PlotDataItem``'s interface for a ``PlotItem`` and its legend: ``setData``/``getData``,
    ``setLogMode``, ``dataBounds``, ``name`` and ``opts['pen']``.
    """

    def __init__(self, pen: QPen, name: str | None = None) -> None:
        super().__init__()
        self.opts = {"pen": pen, "name": name, "antialias": False, "symbol": None, "fillLevel": None}
        self._pen = QPen(pen)
        self._pen.setCosmetic(True)
        self._x = np.empty(0)
        self._y = np.empty(0)  # as given
        self._drawn_x = np.empty(0)  # the points drawn: finite ones,
        self._shown = np.empty(0)  # with log10 of y on a log axis
        self._log = False
        self._bounds = QRectF()
        self._cache: tuple[tuple, QPolygonF] | None = None
        self._pixel = (0.0, 0.0)  # a device pixel's width and height in data units, when last painted
        self._version = 0

    # ------------------------------------------------------------------------------- data
    def setData(self, x, y) -> None:  # noqa: N802 - pyqtgraph's name
        """Show the points ``(x, y)``; x must be sorted. Non-finite values are left out."""
        x = np.asarray(x, np.float64).ravel()
        y = np.asarray(y, np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError(f"a curve needs as many x as y values, not {x.size} and {y.size}")
        self._x, self._y = x, y
        self._update_shown()

    def getData(self) -> tuple[np.ndarray, np.ndarray]:  # noqa: N802 - pyqtgraph's name
        return self._x, self._y

    @property
    def xData(self) -> np.ndarray:  # noqa: N802 - pyqtgraph's name
        return self._x

    @property
    def yData(self) -> np.ndarray:  # noqa: N802 - pyqtgraph's name
        return self._y

    def setLogMode(self, x_mode: bool, y_mode: bool) -> None:  # noqa: N802 - pyqtgraph's name
        """Draw log10 of y (a log y axis; a log x axis is not used by the panel)."""
        if bool(y_mode) != self._log:
            self._log = bool(y_mode)
            self._update_shown()

    def name(self) -> str | None:
        return self.opts["name"]

    def _update_shown(self) -> None:
        x, y = self._x, self._y
        if self._log:
            with np.errstate(divide="ignore", invalid="ignore"):
                y = np.log10(y)
        finite = np.isfinite(y) & np.isfinite(x)
        if not finite.all():
            x, y = x[finite], y[finite]
        self._drawn_x, self._shown = x, y
        if x.size:
            bounds = QRectF(float(x[0]), float(y.min()), float(x[-1] - x[0]), float(y.max() - y.min()))
        else:
            bounds = QRectF()
        if bounds != self._bounds:
            self.prepareGeometryChange()
            self._bounds = bounds
        self._version += 1
        self.update()

    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: N802 - pyqtgraph's name
        """(min, max) of x (``ax`` 0) or of the drawn y (1), for pyqtgraph's auto-range."""
        values = self._drawn_x if ax == 0 else self._shown
        if not values.size:
            return None, None
        return float(values.min()), float(values.max())

    # ---------------------------------------------------------------------------- drawing
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        """The points' bounds and two pixels round them (the pen), at the scale of the last paint: a new
        scale means a new view transform, which repaints the whole view anyway."""
        if not self._drawn_x.size:
            return QRectF()
        px, py = self._pixel
        if not (px and py):  # not painted yet: ask the view (an empty rect would never be painted)
            px, py = self.pixelWidth() or 1e-9, self.pixelHeight() or 1e-9
        return self._bounds.adjusted(-2 * px, -2 * py, 2 * px, 2 * py)

    def device_polyline(self, transform, left: float = -math.inf, right: float = math.inf) -> QPolygonF:
        """The polyline drawn under ``transform`` (data to device pixels, no rotation) between device x
        ``left`` and ``right``."""
        sx, dx, sy, dy = transform.m11(), transform.m31(), transform.m22(), transform.m32()
        if sx and sy:
            self._pixel = (abs(1.0 / sx), abs(1.0 / sy))
        key = (self._version, sx, dx, sy, dy, left, right)
        if self._cache is not None and self._cache[0] == key:
            return self._cache[1]
        x, y = self._drawn_x, self._shown
        if sx < 0:  # an inverted x axis: keep device x increasing
            x, y = x[::-1], y[::-1]
        col, low, high = column_extremes(x * sx + dx, y, left, right)
        # low/high of the data become device values; the stroke of a column runs between them
        xy = min_max_polyline(col, low * sy + dy, high * sy + dy)
        polygon = pg.functions.create_qpolygonf(xy.shape[0])
        pg.functions.ndarray_from_qpolygonf(polygon)[:] = xy
        self._cache = (key, polygon)
        return polygon

    def paint(self, painter: QPainter, *_args) -> None:
        if not self._drawn_x.size:
            return
        transform = painter.transform()
        if transform.m12() or transform.m21() or not math.isfinite(transform.m11()):
            return  # rotated or degenerate: not a plot
        view = self.getViewBox()
        left, right = -math.inf, math.inf
        if view is not None:
            shown = view.mapRectToDevice(view.boundingRect())
            left, right = float(shown.left()), float(shown.right()) + 1.0
        polygon = self.device_polyline(transform, left, right)
        painter.save()
        painter.resetTransform()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setPen(self._pen)
        if polygon.size() == 1:
            painter.drawPoint(polygon.at(0))
        else:
            painter.drawPolyline(polygon)
        painter.restore()

