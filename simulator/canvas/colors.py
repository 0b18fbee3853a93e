"""The canvas's colours: TensorFlow Playground's diverging map and the pens of weight lines.

Values run orange (−1) → light grey (0) → blue (+1). Weight lines take their colour from the same map
(saturated from |w| = 1) and their width from |w| (1 px at 0 up to 10 px at |w| = 5). Lines are
grouped into a few *buckets* (sign × magnitude level), so the whole set is drawn with one pen change
per bucket.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from simulator.colours import LUT, lut_index

INK = QColor("#3c4043")  # text and outlines
MUTED = QColor("#80868b")  # secondary text
CARD = QColor("#f8f9fa")  # layer background
CARD_EDGE = QColor("#c8ccd0")
SELECTED = QColor("#1a73e8")
GLOW = QColor(251, 188, 4, 150)  # the layer of the current training phase

WIDTH_MIN, WIDTH_MAX, WIDTH_DOMAIN = 1.0, 10.0, 5.0
#: upper edges of the |w| levels; one more level above the last edge
LEVEL_EDGES = np.array([0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.25, 3.25])
LEVEL_MAGNITUDES = np.array([0.05, 0.15, 0.275, 0.425, 0.625, 0.875, 1.25, 1.875, 2.75, 4.25])
N_LEVELS = len(LEVEL_MAGNITUDES)
N_BUCKETS = 2 * N_LEVELS  # buckets 0..N_LEVELS-1 negative, N_LEVELS.. positive


def colour(value: float, limit: float = 1.0) -> QColor:
    """The map's colour for one value."""
    return QColor.fromRgb(int(LUT[int(lut_index(np.array([value]), limit)[0])]))


def weight_width(magnitude: float) -> float:
    """Line width in pixels for |w|: 1 px at 0, 10 px from 5 on (TensorFlow Playground's scale)."""
    m = min(abs(float(magnitude)), WIDTH_DOMAIN)
    return WIDTH_MIN + (WIDTH_MAX - WIDTH_MIN) * m / WIDTH_DOMAIN


def weight_buckets(values: np.ndarray) -> np.ndarray:
    """Bucket index (0 .. N_BUCKETS-1) of each weight: sign × magnitude level."""
    v = np.nan_to_num(np.asarray(values, np.float64))
    level = np.searchsorted(LEVEL_EDGES, np.abs(v), side="right")
    return np.where(v < 0, N_LEVELS - 1 - level, N_LEVELS + level)


def bucket_value(bucket: int) -> float:
    """The signed weight a bucket stands for (its pen's colour and width)."""
    if bucket < N_LEVELS:
        return -float(LEVEL_MAGNITUDES[N_LEVELS - 1 - bucket])
    return float(LEVEL_MAGNITUDES[bucket - N_LEVELS])


def bucket_level(bucket: int) -> int:
    """Magnitude level of a bucket (0 thinnest); draw low levels first so thick lines lie on top."""
    return N_LEVELS - 1 - bucket if bucket < N_LEVELS else bucket - N_LEVELS


def bucket_pens() -> list[QPen]:
    """One pen per bucket. Near-zero weights stay faintly visible (colours at least 30 % saturated)."""
    pens = []
    for b in range(N_BUCKETS):
        value = bucket_value(b)
        shade = np.sign(value) * (0.3 + 0.7 * min(abs(value), 1.0))
        pen = QPen(colour(shade), weight_width(value))
        pen.setCapStyle(Qt.PenCapStyle.FlatCap)
        pens.append(pen)
    return pens


def is_negative_bucket(bucket: int) -> bool:
    return bucket < N_LEVELS


def fmt(value: float) -> str:
    """A value for tooltips: three significant digits and a true minus sign."""
    return f"{value:.3g}".replace("-", "\u2212")
