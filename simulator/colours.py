"""TensorFlow Playground's colours, in one place: orange −1, a light neutral 0, blue +1.

The canvas, the output view, the data preview and the heatmap panels all colour values with this one
diverging map, so a value looks the same wherever a student sees it.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QColor, QImage

NEGATIVE, NEUTRAL, POSITIVE = "#f59322", "#e8eaeb", "#0877bd"


def diverging_lut(n: int = 256) -> np.ndarray:
    """``n`` opaque colours ``0xFFRRGGBB`` (uint32): orange (−1) through neutral (0) to blue (+1)."""
    stops = np.array([QColor(c).getRgb()[:3] for c in (NEGATIVE, NEUTRAL, POSITIVE)], np.float64)
    pos = np.linspace(-1.0, 1.0, n)
    rgb = np.empty((n, 3))
    for ch in range(3):
        rgb[:, ch] = np.interp(pos, (-1.0, 0.0, 1.0), stops[:, ch])
    rgb = np.rint(rgb).astype(np.uint32)
    return (0xFF000000 | (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]).astype(np.uint32)


LUT = diverging_lut()


def lut_index(values: np.ndarray, limit: float = 1.0) -> np.ndarray:
    """Indices into ``LUT`` for ``values`` scaled by ``limit`` (clipped to ±1; NaN → the middle)."""
    half = 0.5 * (LUT.size - 1)
    v = np.multiply(values, half / limit, dtype=np.float32)
    v += half + 0.5
    np.clip(v, 0.0, LUT.size - 1, out=v)
    v[np.isnan(v)] = half
    return v.astype(np.intp)


def colour_image(values: np.ndarray, limit: float = 1.0) -> QImage:
    """Colour a (rows, cols) array into an RGB32 ``QImage`` that owns its pixels."""
    pixels = np.ascontiguousarray(LUT[lut_index(values, limit)])
    h, w = pixels.shape
    return QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()
