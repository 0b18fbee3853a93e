"""Predicted versus target for a regression scene, with the line y = x and MAE, RMSE and R².

Every test point (or training point) is a dot at (target, prediction): on the diagonal the network is
exactly right, above it too high, below too low. The scores come from ``engine.metrics`` over all
outputs. As with the confusion matrix, the set is re-evaluated at most every 0.1 s and no more often
than keeps that work under about a tenth of the time; the last state after training stops is drawn.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine import Trainer, metrics
from simulator.controller import SceneController
from simulator.panels.throttle import CostThrottle

TEXT = "#3c4043"
POINT_COLOUR = "#0877bd"
SPLITS = (("Test set", "test"), ("Training set", "train"))


class PredictionPanel(QWidget):
    """Scatter of predictions against targets; call :meth:`refresh` ≤ 30/s.

    ``scores`` holds the shown ``{"mae", "rmse", "r2"}``; ``targets`` and ``predictions`` the
    (n, k) arrays they were computed from.
    """

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.scores: dict[str, float] = {}
        self.targets = np.zeros((0, 1))
        self.predictions = np.zeros((0, 1))
        self._dirty = True
        self._range: tuple[float, float] | None = None
        self._throttle = CostThrottle(self, self.refresh)

        title = QLabel("<b>Predicted vs target</b>")
        title.setToolTip("Each dot is one point: its target across, the network's prediction up")
        self.split_menu = QComboBox()
        for text, value in SPLITS:
            self.split_menu.addItem(text, value)
        self.split_menu.setToolTip("Plot the test points (never trained on) or the training points")
        self.split_menu.currentIndexChanged.connect(lambda _i: self._force())
        self.output_menu = QComboBox()
        self.output_menu.setToolTip("Which output to plot, when the network predicts several values")
        self.output_menu.currentIndexChanged.connect(lambda _i: self._force())
        self.scores_label = QLabel()
        self.scores_label.setStyleSheet(f"color: {TEXT};")
        self.scores_label.setToolTip(
            "MAE: mean absolute error · RMSE: root mean squared error (both in the target's units)\n"
            "R²: share of the targets' variance the predictions explain (1 is perfect, 0 is no better\n"
            "than always predicting the mean); all over every output"
        )

        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumSize(220, 200)
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.setAspectLocked(True)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen("#5f6368"))
            axis.setTextPen(pg.mkPen(TEXT))
        item.setLabel("bottom", "target", color=TEXT)
        item.setLabel("left", "prediction", color=TEXT)
        self.diagonal = item.plot(
            [], [], pen=pg.mkPen("#9aa0a6", width=1, style=pg.QtCore.Qt.PenStyle.DashLine)
        )
        self.scatter = pg.ScatterPlotItem(
            size=6, pen=pg.mkPen("white", width=0.8), brush=pg.mkBrush(POINT_COLOUR), pxMode=True
        )
        item.addItem(self.scatter)
        item.getViewBox().disableAutoRange()
        self.plot.setToolTip(
            "On the dashed line y = x a prediction equals its target; above it the network predicts too\n"
            "high, below too low. Wheel to zoom, drag to pan."
        )
        self.note = QLabel("This plot is for regression; see the confusion matrix for classification.")
        self.note.setWordWrap(True)
        self.note.setToolTip("A classification scene has classes, not values, to compare")
        self.note.hide()

        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.output_menu)
        head.addWidget(self.split_menu)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.note)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.scores_label)
        layout.addStretch(0)  # takes the space only while the plot is hidden
        controller.trainer_changed.connect(self._on_trainer_changed)
        self._on_trainer_changed()

    @property
    def split(self) -> str:
        return self.split_menu.currentData()

    def refresh(self) -> None:
        """Re-evaluate on the current weights when due (skipped while hidden; done when shown again)."""
        if not self.isVisible():
            self._dirty = True
            return
        trainer = self.controller.trainer
        if trainer.data.task != "regression":
            return
        key = (
            id(trainer),
            id(trainer.model),
            trainer.step_count,
            self.split,
            self.output_menu.currentIndex(),
        )
        if self._throttle.run(key, lambda: self._compute(trainer)):
            self._dirty = False

    def _force(self) -> None:
        self._throttle.forget()
        self._range = None
        self.refresh()

    def _on_trainer_changed(self) -> None:
        data = self.controller.trainer.data
        regression = data.task == "regression"
        for widget in (self.plot, self.scores_label, self.split_menu):
            widget.setVisible(regression)
        self.note.setVisible(not regression)
        menu = self.output_menu
        menu.blockSignals(True)
        menu.clear()
        for name in data.target_names if regression else ():
            menu.addItem(name)
        menu.blockSignals(False)
        menu.setVisible(regression and menu.count() > 1)
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
        x, t = (data.x_test, data.t_test) if self.split == "test" else (data.x_train, data.t_train)
        self.targets = np.asarray(t, np.float64).reshape(len(t), -1)
        self.predictions = np.asarray(trainer.model.predict(x), np.float64).reshape(len(t), -1)
        self.scores = {
            "mae": metrics.mae(self.targets, self.predictions),
            "rmse": metrics.rmse(self.targets, self.predictions),
            "r2": metrics.r2(self.targets, self.predictions),
        }
        s = self.scores
        where = "test" if self.split == "test" else "training"
        self.scores_label.setText(
            f"{len(t)} {where} points · MAE {s['mae']:.4g} · RMSE {s['rmse']:.4g} · R² {s['r2']:.4f}"
        )
        column = max(0, self.output_menu.currentIndex())
        tx, py = self.targets[:, column], self.predictions[:, column]
        finite = np.isfinite(py)
        self.scatter.setData(tx[finite], py[finite])
        self._fit(np.concatenate([tx, py[finite]]))

    def _fit(self, values: np.ndarray) -> None:
        """One square range over targets and predictions on round numbers, kept while the values fit
        it and fill at least half of it (so it does not jitter as predictions move)."""
        lo, hi = float(values.min()), float(values.max())
        if self._range is not None:
            low, high = self._range
            if low <= lo and hi <= high and (hi - lo) >= 0.5 * (high - low):
                return
        span = hi - lo if hi > lo else max(1.0, abs(hi))
        q = 10.0 ** math.floor(math.log10(span)) / 2
        lo, hi = math.floor(lo / q) * q, math.ceil(hi / q) * q
        self._range = (lo, hi)
        self.diagonal.setData([lo, hi], [lo, hi])
        self.plot.getPlotItem().getViewBox().setRange(xRange=(lo, hi), yRange=(lo, hi), padding=0.03)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from engine import SGD, Dense, Input, Network, data, tfp_dense

    app = QApplication(sys.argv)
    dataset = data.playground("plane", noise=0.1, features=("x1", "x2"))
    net = Network.sequential(Input(2), tfp_dense(4, "tanh"), Dense(1, "linear"))
    trainer = Trainer(net.build(seed=0), dataset, loss="mse", optimizer=SGD(0.03))
    trainer.run_epochs(30)
    panel = PredictionPanel(SceneController(trainer))
    panel.resize(460, 480)
    panel.show()
    raise SystemExit(app.exec())
