"""The loss chart: train and test loss at the end of every epoch, from ``trainer.history``."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from engine import History

TRAIN_COLOUR = "#9aa0a6"
TEST_COLOUR = "#202124"


class LossView(QWidget):
    """A pyqtgraph plot of train (grey) and test (black) loss per epoch, with a log-scale switch.

    Call :meth:`set_history` with ``trainer.history`` after each update.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMinimumSize(260, 200)
        item = self.plot.getPlotItem()
        item.showGrid(x=True, y=True, alpha=0.15)
        item.setDownsampling(mode="peak")
        item.setClipToView(True)
        item.setMenuEnabled(False)
        for name in ("left", "bottom"):
            axis = item.getAxis(name)
            axis.setPen(pg.mkPen("#5f6368"))
            axis.setTextPen(pg.mkPen("#3c4043"))
        item.setLabel("bottom", "epoch", color="#3c4043")
        item.setLabel("left", "loss (mse)", color="#3c4043")
        legend = item.addLegend(
            offset=(-10, 10), labelTextColor="#3c4043", brush=pg.mkBrush(255, 255, 255, 200)
        )
        self.train_curve = item.plot([], [], pen=pg.mkPen(TRAIN_COLOUR, width=2), name="train")
        self.test_curve = item.plot([], [], pen=pg.mkPen(TEST_COLOUR, width=2), name="test")
        self._legend = legend
        self.plot.setToolTip(
            "Loss over the whole training set (grey) and test set (black) at the end of each epoch.\n"
            "Drag to pan, wheel to zoom; the A button in the corner fits the view again."
        )

        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip("Show the loss on a logarithmic axis (small losses become visible)")
        self.log_check.toggled.connect(self.set_log_scale)
        title = QLabel("<b>Loss per epoch</b>")
        title.setToolTip("Train and test loss, recomputed over all points after every epoch")

        header = QHBoxLayout()
        header.addWidget(title)
        header.addStretch(1)
        header.addWidget(self.log_check)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.plot, 1)
        self._key: tuple[int, int, float] | None = None

    def set_loss_name(self, name: str) -> None:
        """Label the y axis with the loss function's name."""
        self.plot.getPlotItem().setLabel("left", f"loss ({name})", color="#3c4043")

    def set_history(self, history: History) -> None:
        """Plot ``history`` (per-epoch arrays); skipped when it is the history drawn last."""
        n = len(history)
        key = (n, int(history.step[-1]), float(history.train_loss[-1])) if n else (0, 0, 0.0)
        if key == self._key:
            return
        self._key = key
        if n == 0:
            self.train_curve.setData([], [])
            self.test_curve.setData([], [])
            return
        epochs = np.asarray(history.epoch, np.float64)
        self.train_curve.setData(epochs, history.train_loss, skipFiniteCheck=True)
        self.test_curve.setData(epochs, history.test_loss, skipFiniteCheck=True)

    def set_log_scale(self, on: bool) -> None:
        """Switch the loss axis between linear (default) and logarithmic."""
        if self.log_check.isChecked() != bool(on):
            self.log_check.setChecked(bool(on))  # calls back here through ``toggled``
            return
        self.plot.getPlotItem().setLogMode(x=False, y=bool(on))

    @property
    def log_scale(self) -> bool:
        return self.log_check.isChecked()


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    trainer = make_default_trainer()
    trainer.run_epochs(200)
    view = LossView()
    view.set_history(trainer.history)
    view.resize(500, 350)
    view.show()
    raise SystemExit(app.exec())
