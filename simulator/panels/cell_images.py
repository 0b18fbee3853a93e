"""The images behind one cell of the confusion matrix, as a scrolling grid of thumbnails with a title."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from simulator.panels.thumbnails import ThumbnailGrid

TEXT = "#3c4043"


class CellImages(QWidget):
    """A title, a close button and thumbnails; ``clicked(index)`` names the data-set row clicked."""

    clicked = Signal(int)
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setToolTip("The images counted in the clicked cell")
        self.label.setStyleSheet(f"color: {TEXT};")
        close = QPushButton("✕")
        close.setFixedWidth(28)
        close.setToolTip("Hide the list of images")
        close.clicked.connect(self.closed)
        self.thumbnails = ThumbnailGrid()
        self.thumbnails.setToolTip("Click an image to open it in the sample browser")
        self.thumbnails.clicked.connect(self.clicked)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(self.thumbnails)
        area.setToolTip(self.thumbnails.toolTip())
        head = QHBoxLayout()
        head.addWidget(self.label, 1)
        head.addWidget(close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(head)
        layout.addWidget(area, 1)

    def show_images(
        self, x: np.ndarray, shape: tuple[int, int, int], indices: np.ndarray, title: str
    ) -> None:
        """Thumbnails of the rows ``indices`` of ``x`` (images of ``shape``) under ``title`` (rich text)."""
        self.thumbnails.set_images(x, shape, indices)
        self.label.setText(title)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    x = np.random.default_rng(0).random((40, 64))
    cell = CellImages()
    cell.show_images(x, (1, 8, 8), np.arange(0, 40, 3), "14 test images: true <b>3</b>, predicted <b>8</b>")
    cell.clicked.connect(lambda i: print("clicked", i))
    cell.resize(300, 260)
    cell.show()
    raise SystemExit(app.exec())
