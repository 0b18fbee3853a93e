"""A grid of sample pictures with their class names, painted into one QImage for the data panel's preview.

One image instead of a widget per sample: a 32-picture grid costs one ``drawImage`` per picture and one
pixmap on screen. Pixels are shown as the network sees them: 0 is black, 1 is white.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from engine.data import Dataset

GRID_COLUMNS = 8
GRID_ROWS = 4
THUMB = 34
"""Side of one picture in the grid, in pixels (28×28 pictures are scaled up a little, 8×8 ones a lot)."""
LABEL_HEIGHT = 13
GAP = 4


def sample_rows(ds: Dataset, count: int) -> np.ndarray:
    """Training rows to show: classes in turn (0, 1, 2, … then again), so every class appears early."""
    labels = np.asarray(ds.t_train)
    if ds.task != "classification":
        return np.arange(min(count, ds.n_train))
    queues = [np.flatnonzero(labels == c) for c in range(ds.n_classes)]
    picked: list[int] = []
    depth = 0
    while len(picked) < count and any(depth < len(q) for q in queues):
        picked.extend(int(q[depth]) for q in queues if depth < len(q))
        depth += 1
    return np.asarray(picked[:count], dtype=np.int64)


def picture_rgb(row: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """One flattened (C, H, W) picture as (H, W) uint32 0xffRRGGBB: grey for one channel, RGB for three."""
    c, h, w = shape
    x = np.clip(np.asarray(row, dtype=np.float64).reshape(c, h, w), 0.0, 1.0)
    x = np.rint(x * 255).astype(np.uint32)
    r, g, b = (x[0], x[0], x[0]) if c != 3 else (x[0], x[1], x[2])
    return np.uint32(0xFF000000) | (r << 16) | (g << 8) | b


def image_grid(ds: Dataset, columns: int = GRID_COLUMNS, rows: int = GRID_ROWS) -> QImage:
    """Sample training pictures of an image set, each above its class name (or target value)."""
    if not ds.is_image:
        raise ValueError("image_grid needs an image set (Dataset.image_shape)")
    chosen = sample_rows(ds, columns * rows)
    rows = max(1, -(-len(chosen) // columns))
    cell_w, cell_h = THUMB + GAP, THUMB + LABEL_HEIGHT + GAP
    img = QImage(columns * cell_w + GAP, rows * cell_h + GAP, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("white"))
    painter = QPainter(img)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)  # crisp pixels
    font = QFont(painter.font())
    font.setPixelSize(10)
    painter.setFont(font)
    metrics = QFontMetrics(font)
    x_raw = ds.raw_positions("train")
    for k, row in enumerate(chosen):
        left = GAP + (k % columns) * cell_w
        top = GAP + (k // columns) * cell_h
        pixels = np.ascontiguousarray(picture_rgb(x_raw[row], ds.image_shape))
        h, w = pixels.shape
        thumb = QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGB32)
        painter.drawImage(QRect(left, top, THUMB, THUMB), thumb)
        painter.setPen(QColor("#9aa0a6"))
        painter.drawRect(left - 1, top - 1, THUMB + 1, THUMB + 1)
        if ds.task == "classification":
            label = ds.class_names[int(ds.t_train[row])]
        else:
            label = f"{ds.t_train[row, 0]:.3g}"
        painter.setPen(QColor("#202124"))
        text = metrics.elidedText(label, Qt.TextElideMode.ElideRight, cell_w)
        painter.drawText(
            QRect(left - GAP // 2, top + THUMB, cell_w, LABEL_HEIGHT), Qt.AlignmentFlag.AlignCenter, text
        )
    painter.end()
    return img
