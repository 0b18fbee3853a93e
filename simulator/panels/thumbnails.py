"""Small pictures of data-set images in a grid or a one-row strip; clicking one picks that sample.

The grid wraps to its width and grows downwards (put it in a scroll area); the strip shows as many
pictures as fit in one row, centred on the current sample, so the neighbours of the sample shown are a
click away. Pictures are made when first painted and kept until the images change.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from simulator.colours import POSITIVE
from simulator.panels.images import fit_rect, sample_qimage

GAP = 4
FRAME = "#dadce0"


def tile_size(height: int, width: int) -> int:
    """A thumbnail's side in pixels: each image pixel at least twice as big, between 32 and 56."""
    return int(np.clip(2 * max(height, width), 32, 56))


class ThumbnailGrid(QWidget):
    """Thumbnails of ``x[indices]``; ``clicked(index)`` gives the data-set row of the one clicked.

    Parameters
    ----------
    strip : bool
        One row centred on ``current`` instead of a wrapping grid of every index.
    """

    clicked = Signal(int)

    def __init__(self, strip: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.strip = strip
        self.x: np.ndarray | None = None
        self.shape: tuple[int, int, int] = (1, 1, 1)
        self.indices = np.zeros(0, np.int64)
        self.current = -1
        self.names: tuple[str, ...] = ()  # a short label per index, for the tooltip
        self._cache: dict[int, QImage] = {}
        self._tiles: list[tuple[QRectF, int]] = []
        self.setMouseTracking(True)
        policy = QSizePolicy.Policy
        self.setSizePolicy(policy.Expanding, policy.Fixed if strip else policy.Preferred)

    # --------------------------------------------------------------------------------- public
    def set_images(
        self,
        x: np.ndarray,
        shape: tuple[int, int, int],
        indices: np.ndarray,
        names: tuple[str, ...] = (),
    ) -> None:
        """Show the rows ``indices`` of ``x`` (n, c·h·w) as images of ``shape``."""
        if x is not self.x or tuple(shape) != self.shape:
            self._cache = {}
        self.x, self.shape = x, tuple(shape)
        self.indices = np.asarray(indices, np.int64)
        self.names = tuple(names)
        self._tiles = []
        self.updateGeometry()
        self.update()

    def set_current(self, index: int) -> None:
        """Frame the thumbnail of data-set row ``index`` (and, in a strip, centre on it)."""
        if index != self.current:
            self.current = int(index)
            self._tiles = []
            self.update()

    def shown(self) -> list[int]:
        """The data-set rows whose thumbnails are laid out now, in order."""
        return [i for _r, i in self._layout()]

    # --------------------------------------------------------------------------------- layout
    def _side(self) -> int:
        return tile_size(self.shape[1], self.shape[2])

    def _per_row(self) -> int:
        return max(1, (self.width() - GAP) // (self._side() + GAP))

    def _layout(self) -> list[tuple[QRectF, int]]:
        if self._tiles or self.x is None or self.indices.size == 0:
            return self._tiles
        side, per_row = self._side(), self._per_row()
        indices = self.indices
        if self.strip:
            where = np.flatnonzero(indices == self.current)
            centre = int(where[0]) if where.size else 0
            start = int(np.clip(centre - per_row // 2, 0, max(0, indices.size - per_row)))
            indices = indices[start : start + per_row]
        self._tiles = [
            (
                QRectF(GAP + (k % per_row) * (side + GAP), GAP + (k // per_row) * (side + GAP), side, side),
                int(i),
            )
            for k, i in enumerate(indices)
        ]
        return self._tiles

    def hasHeightForWidth(self) -> bool:  # noqa: N802 - Qt's name
        return not self.strip

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt's name
        side = self._side()
        per_row = max(1, (width - GAP) // (side + GAP))
        rows = max(1, -(-int(self.indices.size) // per_row))
        return GAP + rows * (side + GAP)

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        side = self._side()
        if self.strip:
            return QSize(8 * (side + GAP), side + 2 * GAP)
        return QSize(6 * (side + GAP), self.heightForWidth(6 * (side + GAP) + GAP))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        side = self._side()
        return QSize(side + 2 * GAP, side + 2 * GAP)

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        self._tiles = []
        if not self.strip:
            self.setMinimumHeight(self.heightForWidth(self.width()))
        super().resizeEvent(event)

    # -------------------------------------------------------------------------------- drawing
    def _image(self, index: int) -> QImage:
        image = self._cache.get(index)
        if image is None:
            image = self._cache[index] = sample_qimage(self.x[index], self.shape)
        return image

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        visible = QRectF(event.rect())
        h, w = self.shape[1], self.shape[2]
        for rect, index in self._layout():
            if not rect.intersects(visible):
                continue
            p.fillRect(rect, QColor("black"))
            p.drawImage(fit_rect(rect, w, h), self._image(index))
            if index == self.current:
                p.setPen(QPen(QColor(POSITIVE), 3))
                p.drawRect(rect.adjusted(-1.5, -1.5, 1.5, 1.5))
            else:
                p.setPen(QColor(FRAME))
                p.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))

    def _at(self, pos) -> int | None:
        for rect, index in self._layout():
            if rect.contains(pos):
                return index
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        index = self._at(event.position())
        if index is not None and event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(index)
            return
        super().mousePressEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            index = self._at(QPointF(event.pos()))
            if index is not None:
                where = np.flatnonzero(self.indices == index)
                label = self.names[int(where[0])] if where.size and self.names else ""
                QToolTip.showText(event.globalPos(), f"#{index}{'  ' + label if label else ''}", self)
                return True
        return super().event(event)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication, QScrollArea

    app = QApplication(sys.argv)
    rng = np.random.default_rng(0)
    x = rng.random((60, 3 * 10 * 10))
    grid = ThumbnailGrid()
    grid.setToolTip("Sixty random 10 × 10 colour images; click one")
    grid.set_images(x, (3, 10, 10), np.arange(60))
    grid.set_current(7)
    grid.clicked.connect(grid.set_current)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(grid)
    area.resize(420, 300)
    area.show()
    raise SystemExit(app.exec())
