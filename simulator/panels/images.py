"""Data-set images as ``QImage``s, and a widget that shows one image enlarged with sharp pixels.

An image set stores each sample as one row of ``x``, flattened in (channels, height, width) order with
values in [0, 1]. One channel is drawn as grey (0 black, 1 white, as MNIST is usually shown), three
channels as RGB; any other count as the grey mean of its channels.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF, QSize
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

FRAME = "#dadce0"


def image_array(row: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """One flattened sample as a (channels, height, width) float array."""
    return np.asarray(row, np.float32).reshape(shape)


def image_pixels(row: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """``0xFFRRGGBB`` pixels (height, width) uint32 of one flattened sample (values clipped to [0, 1])."""
    img = np.clip(image_array(row, shape), 0.0, 1.0)
    img = np.nan_to_num(img, nan=0.0)
    if shape[0] == 3:
        r, g, b = (np.rint(255 * img[c]).astype(np.uint32) for c in range(3))
    else:
        r = g = b = np.rint(255 * img.mean(axis=0)).astype(np.uint32)
    return np.ascontiguousarray(0xFF000000 | (r << 16) | (g << 8) | b, dtype=np.uint32)


def pixels_qimage(pixels: np.ndarray) -> QImage:
    """An RGB32 ``QImage`` that owns a copy of (height, width) uint32 ``pixels``."""
    pixels = np.ascontiguousarray(pixels, np.uint32)
    h, w = pixels.shape
    return QImage(pixels.data, w, h, 4 * w, QImage.Format.Format_RGB32).copy()


def sample_qimage(row: np.ndarray, shape: tuple[int, int, int]) -> QImage:
    """One flattened sample as an RGB32 ``QImage`` (grey for one channel, colour for three)."""
    return pixels_qimage(image_pixels(row, shape))


def fit_rect(area: QRectF, width: int, height: int) -> QRectF:
    """The largest rectangle of ``width``:``height`` proportions centred in ``area``."""
    if width <= 0 or height <= 0:
        return QRectF()
    scale = min(area.width() / width, area.height() / height)
    w, h = width * scale, height * scale
    return QRectF(area.center().x() - w / 2, area.center().y() - h / 2, w, h)


class ImageView(QWidget):
    """Shows one ``QImage`` as large as fits, square pixels, no smoothing (each pixel stays a block)."""

    def __init__(self, parent: QWidget | None = None, minimum: int = 96) -> None:
        super().__init__(parent)
        self.image: QImage | None = None
        self.setMinimumSize(minimum, minimum)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(180, 180)

    def image_rect(self) -> QRectF:
        """Where the image is drawn, in widget coordinates."""
        if self.image is None:
            return QRectF()
        rect = fit_rect(QRectF(self.rect()).adjusted(2, 2, -2, -2), self.image.width(), self.image.height())
        rect.moveTop(2)  # at the top, under its title
        return rect

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        if self.image is None:
            p.fillRect(self.rect(), QColor("#eceff1"))
            return
        rect = self.image_rect()
        p.drawImage(rect, self.image)
        p.setPen(QColor(FRAME))
        p.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    yy, xx = np.mgrid[0:12, 0:16] / 15.0
    rgb = np.stack([xx, yy, 1 - xx]).ravel()  # a 3 × 12 × 16 colour ramp
    view = ImageView()
    view.setToolTip("A 16 × 12 colour test image, enlarged with square pixels")
    view.set_image(sample_qimage(rgb, (3, 12, 16)))
    view.resize(320, 260)
    view.show()
    raise SystemExit(app.exec())
