"""Colour scales shared by the watching panels, and a fast item that draws a matrix as one image.

Weights, gradients and activations use the Playground's diverging scale (orange −m → white 0 → blue +m,
the colours of the canvas's weight lines and of the output view), with symmetric limits rounded to
1, 2 or 5 × 10^k so they stay put while the values drift. Counts use a white → blue scale.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter

from simulator.colours import NEGATIVE, NEUTRAL, POSITIVE

COUNT_LOW, COUNT_HIGH = "#ffffff", "#0877bd"
LUT_SIZE = 256


def diverging() -> pg.ColorMap:
    """Orange (low) → white (middle) → blue (high), as the Playground colours −1, 0 and +1."""
    return pg.ColorMap([0.0, 0.5, 1.0], [QColor(c) for c in (NEGATIVE, NEUTRAL, POSITIVE)], name="nnsim-div")


def sequential() -> pg.ColorMap:
    """White (0) → blue (most), for counts."""
    return pg.ColorMap([0.0, 1.0], [QColor(COUNT_LOW), QColor(COUNT_HIGH)], name="nnsim-count")


def argb_lut(cmap: pg.ColorMap, n: int = LUT_SIZE) -> np.ndarray:
    """Return ``n`` colours of ``cmap`` as ``0xFFRRGGBB`` : (n,) uint32."""
    rgb = cmap.getLookupTable(0.0, 1.0, n, alpha=False).astype(np.uint32)
    return (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)


DIVERGING_LUT = argb_lut(diverging())


def colour_pixels(values: np.ndarray, low: float, high: float, lut: np.ndarray = DIVERGING_LUT) -> np.ndarray:
    """Map ``values`` (rows, cols) linearly from [low, high] onto ``lut`` (NaN takes the lowest colour).

    Returns
    -------
    (rows, cols) uint32
        C-contiguous ``0xFFRRGGBB`` pixels, ready for :func:`pixels_image`.
    """
    v = np.asarray(values, np.float32)
    if v.ndim == 1:
        v = v[None, :]
    top = lut.size - 1
    span = float(high) - float(low)
    scale = top / span if span > 0 else 0.0
    x = v - np.float32(low - 0.5 / scale if scale else low)  # + 0.5 after scaling: round to nearest
    x *= np.float32(scale)
    np.fmax(x, 0, out=x)  # fmax and fmin also turn NaN into 0
    np.fmin(x, top, out=x)
    idx = x.astype(np.uint8 if top < 256 else np.intp)
    return np.take(lut, idx)


def pixels_image(pixels: np.ndarray) -> QImage:
    """Wrap (rows, cols) uint32 pixels in an RGB32 ``QImage`` without copying: keep ``pixels`` alive."""
    h, w = pixels.shape
    return QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGB32)


def nice_limit(value: float) -> float:
    """The smallest of 1, 2 or 5 × 10^k that is ≥ ``value`` (a positive colour limit); 1.0 for 0 or NaN."""
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for mantissa in (1.0, 2.0, 5.0, 10.0):
        limit = mantissa * 10.0**exponent
        if limit >= value * (1 - 1e-9):
            return limit
    return 10.0 ** (exponent + 1)


def abs_max(*arrays: np.ndarray | None) -> float:
    """Largest finite absolute value over ``arrays`` (None entries skipped); 0.0 when there is none."""
    best = 0.0
    for a in arrays:
        if a is None or np.size(a) == 0:
            continue
        a = np.asarray(a)
        m = float(np.max(np.abs(a)))
        if not math.isfinite(m):
            finite = np.abs(a[np.isfinite(a)])
            m = float(finite.max()) if finite.size else 0.0
        best = max(best, m)
    return best


class MatrixItem(pg.GraphicsObject):
    """A matrix drawn as one image: cell (r, c) covers x ∈ [c, c + 1], y ∈ [r, r + 1].

    Colouring is a numpy lookup into one RGB32 ``QImage``, done when the item is painted (so never
    while hidden), and painting is one ``drawImage``. When cells are smaller than a pixel only every
    k-th row or column is coloured, which is what a nearest-pixel scaling would show anyway: a 784 × 128
    kernel in a 200-pixel-high plot costs about 0.1 ms. ``values`` keeps the full array shown (None
    while there is nothing to show; the item then paints a light grey block).
    """

    def __init__(self, lut: np.ndarray = DIVERGING_LUT) -> None:
        super().__init__()
        self._lut = lut
        self._rows, self._cols = 1, 1
        self._levels = (-1.0, 1.0)
        self._pixels: np.ndarray | None = None
        self._image: QImage | None = None
        self._stride = (1, 1)
        self._stale = False
        self.values: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        return self._rows, self._cols

    def set_shape(self, rows: int, cols: int) -> None:
        """Size of the block drawn while there are no values."""
        rows, cols = max(1, int(rows)), max(1, int(cols))
        if (rows, cols) != (self._rows, self._cols):
            self.prepareGeometryChange()
            self._rows, self._cols = rows, cols

    def set_values(self, values: np.ndarray | None, levels: tuple[float, float] | None = None) -> None:
        """Show ``values`` (rows, cols) or (cols,) coloured between ``levels`` (low, high); None clears."""
        if levels is not None:
            self._levels = (float(levels[0]), float(levels[1]))
        if values is None:
            if self.values is None:
                return  # still nothing to show: no repaint
            self.values = self._pixels = self._image = None
        else:
            v = np.asarray(values)
            self.values = v[None, :] if v.ndim == 1 else v
            self.set_shape(*self.values.shape)
            self._stale = True
        self.update()

    def set_levels(self, levels: tuple[float, float]) -> None:
        """Colour the same values between new limits."""
        levels = (float(levels[0]), float(levels[1]))
        if levels != self._levels:
            self._levels = levels
            if self.values is not None:
                self._stale = True
                self.update()

    def pixels(self) -> np.ndarray | None:
        """The colours as last painted: (rows / k, cols / k) uint32 ``0xFFRRGGBB``, or None."""
        return self._pixels

    def _recolour(self, stride: tuple[int, int]) -> None:
        rs, cs = stride
        shown = self.values if stride == (1, 1) else self.values[::rs, ::cs]
        self._pixels = colour_pixels(shown, *self._levels, lut=self._lut)
        self._image = pixels_image(self._pixels)
        self._stride = stride
        self._stale = False

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(0.0, 0.0, float(self._cols), float(self._rows))

    def paint(self, painter: QPainter, *args) -> None:
        rect = self.boundingRect()
        if self.values is None:
            painter.fillRect(rect, QColor("#eceff1"))
            return
        t = painter.worldTransform()
        px_col = math.hypot(t.m11(), t.m12())  # device pixels per cell
        px_row = math.hypot(t.m21(), t.m22())
        stride = (
            max(1, int(1.0 / px_row)) if px_row > 0 else 1,
            max(1, int(1.0 / px_col)) if px_col > 0 else 1,
        )
        if self._stale or stride != self._stride or self._image is None:
            self._recolour(stride)
        h, w = self._pixels.shape
        painter.drawImage(QRectF(0.0, 0.0, float(w * stride[1]), float(h * stride[0])), self._image)
