"""The data panel's preview: a 2-D set's points, an image set's pictures, or a table's first rows."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHeaderView, QLabel, QTableWidget, QTableWidgetItem, QVBoxLayout, QWidget

from engine.data import Dataset
from simulator.colours import LUT
from simulator.panels.forms import note_label
from simulator.panels.image_grid import image_grid
from simulator.views.decision_view import EXTENT
from simulator.views.point_editor import class_colour

PREVIEW_SIZE = 200
PREVIEW_COLUMNS = 12
PREVIEW_ROWS = 8


def scatter_image(ds: Dataset, size: int = PREVIEW_SIZE) -> QImage:
    """The points of a 2-D set over [-6, 6]², coloured by class or value; test points smaller and paler."""
    img = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    scale = size / (2 * EXTENT)
    test_rim, train_rim = QColor(95, 99, 104, 90), QColor(95, 99, 104, 200)
    for split, rim, radius in (("test", test_rim, 2.0), ("train", train_rim, 2.6)):
        pts = ds.points_train if split == "train" else ds.points_test
        t = ds.t_train if split == "train" else ds.t_test
        if ds.task == "classification":
            colours = [class_colour(int(k)) for k in t]
        else:
            idx = np.rint((np.clip(np.asarray(t)[:, 0], -1, 1) + 1) * (0.5 * (LUT.size - 1))).astype(int)
            colours = [QColor.fromRgb(int(LUT[k])) for k in idx]
        p.setPen(QPen(rim, 0.7))
        if split == "test":
            for colour in colours:
                colour.setAlpha(110)
        for (x, y), colour in zip(pts.tolist(), colours, strict=True):
            p.setBrush(colour)
            p.drawEllipse(QPointF((x + EXTENT) * scale, (EXTENT - y) * scale), radius, radius)
    p.setPen(QPen(QColor("#9aa0a6"), 1))
    p.setBrush(Qt.BrushStyle.NoBrush)
    p.drawRect(0, 0, size - 1, size - 1)
    p.end()
    return img


def counts_text(ds: Dataset) -> str:
    """One line on the split sizes and the classes (or the target's range)."""
    text = f"{ds.n_train} training and {ds.n_test} test rows, {ds.n_inputs} inputs."
    if ds.is_image:
        c, h, w = ds.image_shape
        kind = "grey" if c == 1 else "colour"
        text = f"{ds.n_train:,} training and {ds.n_test:,} test pictures of {h}×{w} pixels, {kind}: "
        text += f"{ds.n_inputs} inputs."
    if ds.task == "classification":
        train = np.bincount(ds.t_train, minlength=ds.n_classes)
        test = np.bincount(ds.t_test, minlength=ds.n_classes)
        parts = ", ".join(f"{n} {a}/{b}" for n, a, b in zip(ds.class_names, train, test, strict=True))
        return f"{text} Classes (train/test): {parts}."
    t = np.concatenate([ds.t_train[:, 0], ds.t_test[:, 0]])
    return f"{text} Target '{ds.target_names[0]}' from {t.min():.3g} to {t.max():.3g}."


class DataPreview(QWidget):
    """A scatter of a 2-D set's points, a grid of an image set's pictures, or a table's first rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.scatter = QLabel()
        self.scatter.setFixedSize(PREVIEW_SIZE, PREVIEW_SIZE)
        self.scatter.setToolTip(
            "The points over [−6, 6]²: training points large, test points small and pale;\n"
            "the colour is the class (or the value: orange −1, white 0, blue +1)"
        )
        self.table = QTableWidget()
        self.table.setToolTip("The first training rows, in the units of the file")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 6)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMaximumHeight(230)
        self.images = QLabel()
        self.images.setToolTip(
            "Sample training pictures as the network sees them (black 0, white 1), each above its class"
        )
        self.counts = note_label(tip="How many rows each split and each class has")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scatter, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.images, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.table)
        layout.addWidget(self.counts)

    def show_dataset(self, ds: Dataset) -> None:
        self.scatter.setVisible(ds.is_2d)
        self.images.setVisible(ds.is_image)
        self.table.setVisible(not ds.is_2d and not ds.is_image)
        if ds.is_2d:
            self.scatter.setPixmap(QPixmap.fromImage(scatter_image(ds)))
        elif ds.is_image:
            pixmap = QPixmap.fromImage(image_grid(ds))
            self.images.setFixedSize(pixmap.size())
            self.images.setPixmap(pixmap)
        else:
            self._fill_table(ds)
        self.counts.setText(counts_text(ds))

    def _fill_table(self, ds: Dataset) -> None:
        """The first rows; for wide tables (images) only the first columns and the target, "…" between."""
        x = ds.raw_positions("train")[:PREVIEW_ROWS]
        t = ds.t_train[:PREVIEW_ROWS]
        target = ds.target_names[0] if ds.target_names else "class"
        shown = min(ds.n_inputs, PREVIEW_COLUMNS)
        names = [n.replace("_", "\n") for n in ds.feature_names[:shown]]
        if shown < ds.n_inputs:
            names.append(f"… {ds.n_inputs - shown} more")
        names.append(target)
        self.table.clear()
        self.table.setColumnCount(len(names))
        self.table.setRowCount(len(x))
        self.table.setHorizontalHeaderLabels(names)
        for i, row in enumerate(x):
            for j, value in enumerate(row[:shown]):
                self.table.setItem(i, j, QTableWidgetItem(f"{value:.4g}"))
            label = ds.class_names[int(t[i])] if ds.task == "classification" else f"{t[i, 0]:.4g}"
            self.table.setItem(i, len(names) - 1, QTableWidgetItem(label))
