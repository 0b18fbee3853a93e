"""The confusion matrix of a classification scene, with per-class precision, recall and F1.

The model's outputs on the test set (or the training set) become classes as the trainer reads them:
the largest of several outputs, or one output above 0 (a tanh or linear unit trained on ±1) or above
0.5 (a sigmoid unit). Counts come from ``engine.metrics``, so they agree with the rest of nnsim.
Evaluating a whole set costs time on large data, so the panel recomputes at most every 0.1 s and
otherwise no more often than keeps that work under about a tenth of the time; the last state after
training stops is always drawn.

For image sets, clicking a cell lists the images with that (true, predicted) pair as thumbnails;
clicking a thumbnail asks for that image (``sample_requested``), which the window opens in the sample
browser.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QFont, QMouseEvent, QPainter, QPaintEvent, QPen, QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSizePolicy,
    QTableWidget,
    QTableWidgetItem,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from engine import Activation, Dense, Trainer, metrics
from simulator.controller import SceneController
from simulator.panels.cell_images import CellImages
from simulator.panels.colormaps import argb_lut, sequential
from simulator.panels.throttle import CostThrottle

TEXT = "#3c4043"
SPLITS = (("Test set", "test"), ("Training set", "train"))
COUNT_LUT = argb_lut(sequential())


def output_threshold(trainer: Trainer) -> float:
    """0.5 for a sigmoid output unit (0/1 targets), else 0.0 (±1 targets, or logits)."""
    model = trainer.model
    layer = model.resolved.order[model.program.output].layer
    activation = layer.activation if isinstance(layer, (Dense, Activation)) else "linear"
    return 0.5 if activation == "sigmoid" else 0.0


def predicted_classes(trainer: Trainer, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(true, predicted) class indices : (n,) int64 each, over the ``"test"`` or ``"train"`` set."""
    data = trainer.data
    x, t = (data.x_test, data.t_test) if split == "test" else (data.x_train, data.t_train)
    outputs = trainer.model.predict(x)
    return np.asarray(t, np.int64), metrics.classes_from_outputs(outputs, output_threshold(trainer))


class MatrixView(QWidget):
    """Draws a confusion matrix: rows are true classes, columns predicted ones, colour by count.

    ``cell_clicked(true, predicted)`` when a cell is clicked; ``selected`` is framed.
    """

    cell_clicked = Signal(int, int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(200, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("Rows: the true class; columns: the class the network chose. The diagonal is right.")
        self.matrix = np.zeros((0, 0), np.int64)
        self.names: tuple[str, ...] = ()
        self._grid: tuple[float, float, float] | None = None  # left, top, cell size
        self.selected: tuple[int, int] | None = None

    def set_matrix(self, matrix: np.ndarray, names: tuple[str, ...]) -> None:
        self.matrix = np.asarray(matrix, np.int64)
        self.names = tuple(names)
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        n = self.matrix.shape[0]
        if n == 0:
            return
        font = QFont(self.font())
        font.setPointSizeF(max(7.0, font.pointSizeF() - 1))
        p.setFont(font)
        fm = p.fontMetrics()
        label_w = min(110, max(fm.horizontalAdvance(s) for s in self.names) + 10)
        left, top = label_w + fm.height() + 4, fm.height() * 2 + 8
        cell = max(1.0, min((self.width() - left - 6) / n, (self.height() - top - 6) / n))
        self._grid = (left, top, cell)
        p.setPen(QColor(TEXT))
        p.drawText(QRectF(left, 0, cell * n, fm.height() + 2), Qt.AlignmentFlag.AlignCenter, "predicted")
        p.save()
        p.translate(fm.height(), top + cell * n / 2)
        p.rotate(-90)
        p.drawText(
            QRectF(-cell * n / 2, -fm.height(), cell * n, fm.height() + 2),
            Qt.AlignmentFlag.AlignCenter,
            "true",
        )
        p.restore()
        most = max(1, int(self.matrix.max()))
        show_numbers = cell >= fm.horizontalAdvance(str(most)) + 4 and cell >= fm.height()
        show_names = cell >= fm.height() * 0.9
        for i in range(n):
            if show_names:
                row = QRectF(fm.height() + 4, top + i * cell, label_w - 4, cell)
                p.setPen(QColor(TEXT))
                p.drawText(row, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, self.names[i])
                col = QRectF(left + i * cell, fm.height() + 4, cell, fm.height() + 2)
                p.drawText(
                    col,
                    Qt.AlignmentFlag.AlignCenter,
                    fm.elidedText(self.names[i], Qt.TextElideMode.ElideRight, int(cell)),
                )
            for j in range(n):
                count = int(self.matrix[i, j])
                shade = COUNT_LUT[int(round(255 * count / most))]
                rect = QRectF(left + j * cell, top + i * cell, cell, cell)
                p.fillRect(rect, QColor.fromRgb(int(shade)))
                if show_numbers:
                    p.setPen(QColor("white") if count > 0.55 * most else QColor(TEXT))
                    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, str(count))
        p.setPen(QColor("#dadce0"))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(QRectF(left, top, cell * n, cell * n))
        if self.selected is not None and max(self.selected) < n:
            i, j = self.selected
            p.setPen(QPen(QColor("#202124"), 2))
            p.drawRect(QRectF(left + j * cell, top + i * cell, cell, cell).adjusted(1, 1, -1, -1))

    def cell_at(self, x: float, y: float) -> tuple[int, int] | None:
        """(true, predicted) of the cell at widget position (x, y), or None outside the matrix."""
        if self._grid is None or not self.matrix.size:
            return None
        left, top, cell = self._grid
        i, j = int((y - top) // cell), int((x - left) // cell)
        n = self.matrix.shape[0]
        return (i, j) if 0 <= i < n and 0 <= j < n else None

    def cell_centre(self, true: int, predicted: int) -> tuple[float, float]:
        """Widget position of the centre of a cell (for clicking it in tests and demos)."""
        left, top, cell = self._grid
        return left + (predicted + 0.5) * cell, top + (true + 0.5) * cell

    def set_selected(self, cell: tuple[int, int] | None) -> None:
        self.selected = cell
        self.update()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        cell = self.cell_at(event.position().x(), event.position().y())
        if cell is not None and event.button() == Qt.MouseButton.LeftButton:
            self.cell_clicked.emit(*cell)
            return
        super().mousePressEvent(event)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip and self._grid is not None and self.matrix.size:
            left, top, cell = self._grid
            i, j = int((event.pos().y() - top) // cell), int((event.pos().x() - left) // cell)
            n = self.matrix.shape[0]
            if 0 <= i < n and 0 <= j < n:
                count = int(self.matrix[i, j])
                total = int(self.matrix[i].sum())
                share = f" ({100 * count / total:.0f} % of class '{self.names[i]}')" if total else ""
                QToolTip.showText(
                    event.globalPos(),
                    f"true '{self.names[i]}', predicted '{self.names[j]}': {count} samples{share}",
                    self,
                )
                return True
        return super().event(event)


class ConfusionPanel(QWidget):
    """Confusion matrix and per-class scores of the current weights; call :meth:`refresh` ≤ 30/s.

    ``matrix`` (n_classes, n_classes) int64 and ``report`` (``engine.metrics.precision_recall_f1``)
    hold what is shown. For image sets ``listed`` holds the rows of the images shown for the clicked cell.

    Signals
    -------
    sample_requested(str, int)
        ``(split, index)``: a listed image was clicked.
    """

    sample_requested = Signal(str, int)

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.matrix = np.zeros((0, 0), np.int64)
        self.classes: tuple[np.ndarray, np.ndarray] | None = None  # (true, predicted) of the split shown
        self.listed = np.zeros(0, np.int64)
        self.report: dict | None = None
        self._dirty = True
        self._throttle = CostThrottle(self, self.refresh)

        title = QLabel("<b>Confusion matrix</b>")
        title.setToolTip("How often each true class is given each predicted class")
        self.split_menu = QComboBox()
        for text, value in SPLITS:
            self.split_menu.addItem(text, value)
        self.split_menu.setToolTip("Count over the test points (never trained on) or the training points")
        self.split_menu.currentIndexChanged.connect(lambda _i: self._force())
        self.view = MatrixView()
        self.view.cell_clicked.connect(self.list_cell)
        self.listing = CellImages()
        self.listing.clicked.connect(lambda index: self.sample_requested.emit(self.split, index))
        self.listing.closed.connect(lambda: self.list_cell(None))
        self.listing.hide()
        self.summary = QLabel()
        self.summary.setToolTip("Accuracy and macro F1 (the unweighted mean of the per-class F1 scores)")
        self.summary.setStyleSheet(f"color: {TEXT};")
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["precision", "recall", "F1", "samples"])
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QTableWidget.SelectionMode.NoSelection)
        self.table.setCornerButtonEnabled(False)
        self.table.setSizeAdjustPolicy(QTableWidget.SizeAdjustPolicy.AdjustToContents)
        self.table.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Maximum)
        self.table.setToolTip(
            "Per class — precision: of the points given this class, the share that belong to it;\n"
            "recall: of the points of this class, the share found; F1: their harmonic mean"
        )
        self.note = QLabel("The confusion matrix is for classification; this scene is a regression.")
        self.note.setWordWrap(True)
        self.note.setToolTip("See the predicted-versus-target plot for regression")
        self.note.hide()

        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.split_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.note)
        middle = QHBoxLayout()
        middle.addWidget(self.view, 3)
        middle.addWidget(self.listing, 2)
        layout.addLayout(middle, 3)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 2)
        layout.addStretch(0)  # takes the space only while the matrix is hidden
        controller.trainer_changed.connect(self._on_trainer_changed)
        self._on_trainer_changed()

    @property
    def split(self) -> str:
        return self.split_menu.currentData()

    def list_cell(self, true: int | None, predicted: int | None = None) -> None:
        """List the images of an image set whose true class is ``true`` and predicted one ``predicted``;
        ``None`` hides the list. Does nothing for sets that are not images."""
        data = self.controller.trainer.data
        cell = None if true is None or not data.is_image else (int(true), int(predicted))
        self.view.set_selected(cell)
        self.listing.setVisible(cell is not None)
        self._fill_listing()

    def _fill_listing(self) -> None:
        cell = self.view.selected
        data = self.controller.trainer.data
        if cell is None or self.classes is None or not data.is_image:
            self.listed = np.zeros(0, np.int64)
            return
        true, pred = self.classes
        self.listed = np.flatnonzero((true == cell[0]) & (pred == cell[1]))
        x = data.x_test if self.split == "test" else data.x_train
        names = data.class_names
        where = "test" if self.split == "test" else "training"
        count = len(self.listed)
        self.listing.show_images(
            x,
            data.image_shape,
            self.listed,
            f"{count} {where} image{'s' if count != 1 else ''}: true <b>{names[cell[0]]}</b>, "
            f"predicted <b>{names[cell[1]]}</b>",
        )

    def refresh(self) -> None:
        """Recompute on the current weights when due (skipped while hidden; done when shown again)."""
        if not self.isVisible():
            self._dirty = True
            return
        trainer = self.controller.trainer
        if trainer.data.task != "classification":
            return
        key = (id(trainer), id(trainer.model), trainer.step_count, self.split)
        if self._throttle.run(key, lambda: self._compute(trainer)):
            self._dirty = False

    def _force(self) -> None:
        self._throttle.forget()
        self.refresh()

    def _on_trainer_changed(self) -> None:
        data = self.controller.trainer.data
        classify = data.task == "classification"
        for widget in (self.view, self.summary, self.table, self.split_menu):
            widget.setVisible(classify)
        self.view.set_selected(None)
        self.listing.hide()
        tip = "Rows: the true class; columns: the class the network chose. The diagonal is right."
        if data.is_image:
            tip += "\nClick a cell to see its images."
        self.view.setToolTip(tip)
        self.note.setVisible(not classify)
        self.split_menu.setEnabled(data.n_test > 0)
        if data.n_test == 0:
            self.split_menu.setCurrentIndex(self.split_menu.findData("train"))
        self._force()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    def _compute(self, trainer: Trainer) -> None:
        data = trainer.data
        true, pred = predicted_classes(trainer, self.split)
        self.classes = (true, pred)
        self.matrix = metrics.confusion_matrix(true, pred, data.n_classes)
        self.report = metrics.precision_recall_f1(true, pred, data.n_classes)
        self.view.set_matrix(self.matrix, data.class_names)
        total = int(self.matrix.sum())
        accuracy = np.trace(self.matrix) / total if total else float("nan")
        macro = self.report["macro"]
        where = "test" if self.split == "test" else "training"
        self.summary.setText(
            f"{total} {where} samples · accuracy {100 * accuracy:.1f} % · macro F1 {macro['f1']:.3f}"
        )
        self._fill_table(data.class_names)
        self._fill_listing()

    def _fill_table(self, names: tuple[str, ...]) -> None:
        r = self.report
        rows = len(names) + 1
        if self.table.rowCount() != rows:
            self.table.setRowCount(rows)
            self.table.setVerticalHeaderLabels([*names, "macro average"])
        for i in range(rows):
            if i < len(names):
                values = (r["precision"][i], r["recall"][i], r["f1"][i])
                texts = [f"{v:.3f}" for v in values] + [str(int(r["support"][i]))]
            else:
                m = r["macro"]
                texts = [
                    f"{m['precision']:.3f}",
                    f"{m['recall']:.3f}",
                    f"{m['f1']:.3f}",
                    str(int(r["support"].sum())),
                ]
            for j, text in enumerate(texts):
                item = self.table.item(i, j)
                if item is None:
                    item = QTableWidgetItem()
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    self.table.setItem(i, j, item)
                if item.text() != text:
                    item.setText(text)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.panels.digits_demo import digits_trainer

    app = QApplication(sys.argv)
    panel = ConfusionPanel(SceneController(digits_trainer(epochs=2)))
    panel.sample_requested.connect(lambda split, index: print(f"open {split} image {index}"))
    panel.resize(760, 560)
    panel.show()
    raise SystemExit(app.exec())
