"""Live training curves: loss and accuracy per epoch, train and test, with the mini-batch losses.

Two pyqtgraph plots sharing the epoch axis: per-epoch values from ``trainer.history``, per-step
mini-batch losses from ``trainer.step_losses`` (millions after a few minutes of play). Every series is
reduced as it arrives to at most about 1,000 (min, max) pairs — one vertical stroke per bucket of
epochs or steps — so a refresh only reads the new values however long training ran. Each series is
drawn by a :class:`~simulator.panels.minmax_curve.MinMaxCurve`, which keeps only the min and max of each
pixel column in view: a few hundred line segments per curve, and no pyqtgraph bookkeeping per update.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QBoxLayout,
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from engine import History, Trainer
from simulator.controller import SceneController
from simulator.panels.minmax_curve import MinMaxCurve

TRAIN_COLOUR = "#80868b"
TEST_COLOUR = "#202124"
STEP_COLOUR = "#b5d3e7"  # opaque: translucent strokes over thousands of segments are slow
TEXT = "#3c4043"
MAX_BUCKETS = 1024
HISTORY_FIELDS = ("train_loss", "test_loss", "train_acc", "test_acc")


class MinMaxSeries:
    """A growing series kept as the min and max of buckets of equal size (a power of two).

    ``extend`` costs only the new values; when there are more than ``max_buckets`` buckets, pairs
    merge and the bucket size doubles.
    """

    def __init__(self, max_buckets: int = MAX_BUCKETS) -> None:
        self.max_buckets = int(max_buckets)
        self.clear()

    def clear(self) -> None:
        self.size = 1
        self.n = 0  # values seen
        self._lo = np.empty(0)
        self._hi = np.empty(0)
        self._tail = (0, math.inf, -math.inf)  # values in the unfinished bucket, their min, max

    def extend(self, values: np.ndarray) -> None:
        """Append ``values`` (k,) float."""
        v = np.asarray(values, np.float64)
        self.n += v.size
        count, lo, hi = self._tail
        if count:
            take = v[: self.size - count]
            v = v[take.size :]
            if take.size:
                count, lo, hi = count + take.size, min(lo, take.min()), max(hi, take.max())
            if count == self.size:
                self._push(np.array([lo]), np.array([hi]))
                count, lo, hi = 0, math.inf, -math.inf
        k = v.size // self.size
        if k:
            full = v[: k * self.size].reshape(k, self.size)
            self._push(full.min(axis=1), full.max(axis=1))
            v = v[k * self.size :]
        if v.size:
            count, lo, hi = v.size, float(v.min()), float(v.max())
        self._tail = (count, lo, hi)
        while self._lo.size > self.max_buckets:
            self._halve()

    def _push(self, lo: np.ndarray, hi: np.ndarray) -> None:
        self._lo = np.concatenate([self._lo, lo])
        self._hi = np.concatenate([self._hi, hi])

    def _halve(self) -> None:
        count, lo, hi = self._tail
        if self._lo.size % 2:  # the odd last bucket joins the unfinished one (fewer than 2·size values)
            count, lo, hi = count + self.size, min(lo, self._lo[-1]), max(hi, self._hi[-1])
            self._lo, self._hi = self._lo[:-1], self._hi[:-1]
        self._lo = np.minimum(self._lo[0::2], self._lo[1::2])
        self._hi = np.maximum(self._hi[0::2], self._hi[1::2])
        self.size *= 2
        self._tail = (count, lo, hi)

    def polyline(self) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) of a line through each bucket's min and max; x is the bucket's middle index."""
        lo, hi = self._lo, self._hi
        starts = np.arange(lo.size, dtype=np.float64) * self.size
        mids = starts + (self.size - 1) / 2
        count, tlo, thi = self._tail
        if count:
            mids = np.append(mids, lo.size * self.size + (count - 1) / 2)
            lo, hi = np.append(lo, tlo), np.append(hi, thi)
        return np.repeat(mids, 2), np.column_stack([lo, hi]).ravel()


class CurvesPanel(QWidget):
    """Loss (top) and accuracy (bottom, hidden for regression) per epoch; call :meth:`refresh` ≤ 30/s."""

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.steps = MinMaxSeries()
        self.epochs = {name: MinMaxSeries() for name in HISTORY_FIELDS}
        self._key: tuple | None = None
        self._steps_of: Trainer | None = None
        self._history_of: Trainer | None = None
        self._dirty = True
        self._follow = True  # the view follows the data until the user pans or zooms
        self._x_end: float | None = None  # the right end of the epoch axis while following

        self.loss_plot = _plot("loss")
        loss = self.loss_plot.getPlotItem()
        self.step_curve = _curve(loss, STEP_COLOUR)
        self.train_loss = _curve(loss, TRAIN_COLOUR, "train")
        self.test_loss = _curve(loss, TEST_COLOUR, "test")
        self.step_curve.setVisible(False)
        self.loss_plot.setToolTip(
            "Loss over all training points (grey) and all test points (black) at the end of each epoch;\n"
            "the light blue band is the loss of each mini-batch. Wheel to zoom, drag to pan;\n"
            "the A button in the corner follows the training again."
        )
        self.accuracy_plot = _plot("accuracy (%)", legend_offset=(-10, -10))  # low: accuracy climbs to 100
        acc = self.accuracy_plot.getPlotItem()
        self.train_acc = _curve(acc, TRAIN_COLOUR, "train")
        self.test_acc = _curve(acc, TEST_COLOUR, "test")
        acc.setXLink(loss)
        acc.setYRange(0, 100, padding=0.02)
        self.accuracy_plot.setToolTip(
            "Share of training points (grey) and test points (black) put in the right class, per epoch"
        )
        loss.getAxis("bottom").setLabel("epoch", color=TEXT)
        acc.getAxis("bottom").setLabel("epoch", color=TEXT)
        for item in (loss, acc):
            item.getViewBox().sigRangeChangedManually.connect(self._on_user_range)
            item.autoBtn.clicked.connect(self._on_follow)

        self.log_check = QCheckBox("Log scale")
        self.log_check.setToolTip("Show the loss on a logarithmic axis (small losses become visible)")
        self.log_check.toggled.connect(self.set_log_scale)
        self.steps_check = QCheckBox("Mini-batch loss")
        self.steps_check.setToolTip(
            "Also draw the loss of every mini-batch (faint): noisy, because each batch is a few points"
        )
        self.steps_check.toggled.connect(self._on_steps_toggled)
        title = QLabel("<b>Training curves</b>")
        title.setToolTip("Loss and accuracy recomputed over all points after every epoch")
        head = QHBoxLayout()
        head.addWidget(title)
        head.addStretch(1)
        head.addWidget(self.steps_check)
        head.addWidget(self.log_check)
        self.plots = QBoxLayout(QBoxLayout.Direction.TopToBottom)
        self.plots.addWidget(self.loss_plot, 3)
        self.plots.addWidget(self.accuracy_plot, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addLayout(self.plots, 1)

        controller.trainer_changed.connect(self._on_trainer_changed)
        self._on_trainer_changed()

    # ------------------------------------------------------------------------------ public
    def refresh(self) -> None:
        """Draw the epochs and steps trained since the last call (nothing while hidden)."""
        if not self.isVisible():
            self._dirty = True
            return
        trainer = self.controller.trainer
        n_steps = trainer.step_count
        key = (id(trainer), trainer.epoch, n_steps, self.steps_check.isChecked())
        if key == self._key:
            return
        self._key = key
        self._dirty = False
        history = trainer.history
        self._draw_history(trainer, history)
        if self.steps_check.isChecked():
            self._draw_steps(trainer, history)
        if self._follow:
            self._fit_view(history)

    def set_log_scale(self, on: bool) -> None:
        """Loss axis logarithmic (True) or linear."""
        if self.log_check.isChecked() != bool(on):
            self.log_check.setChecked(bool(on))  # comes back here through ``toggled``
            return
        item = self.loss_plot.getPlotItem()
        item.setLogMode(x=False, y=bool(on))
        item.getViewBox().disableAutoRange()  # pyqtgraph turns it on; the panel fits the view itself
        self._key = None
        self.refresh()

    @property
    def log_scale(self) -> bool:
        return self.log_check.isChecked()

    # ------------------------------------------------------------------------------- slots
    def _on_trainer_changed(self) -> None:
        trainer = self.controller.trainer
        regression = trainer.data.task == "regression"
        self.accuracy_plot.setVisible(not regression)
        self.loss_plot.getPlotItem().setLabel("left", f"loss ({trainer.settings.loss})", color=TEXT)
        self._key = None
        self.refresh()

    def _on_user_range(self, *_args) -> None:
        self._follow = False

    def _on_follow(self, *_args) -> None:
        """The corner "A" button: follow the data again (pyqtgraph's own auto-range stays off)."""
        for widget in (self.loss_plot, self.accuracy_plot):
            widget.getPlotItem().getViewBox().disableAutoRange()
        self._follow = True
        self._key = None
        self.refresh()

    def _on_steps_toggled(self, on: bool) -> None:
        self.step_curve.setVisible(on)
        legend = self.loss_plot.getPlotItem().legend
        legend.removeItem(self.step_curve)
        if on:
            legend.addItem(self.step_curve, "mini-batch")
        self._key = None
        self.refresh()

    def _fit_view(self, history: History) -> None:
        """Show every epoch and the loss's whole range, on bounds rounded outwards to round numbers.

        The bounds thus change only now and then, so the axes (a few milliseconds each) are not laid out
        again every refresh; the epoch axis grows by half at a time (:func:`_epoch_axis_end`). The range
        is set here rather than by pyqtgraph's auto-range, which repaints each plot twice.
        """
        curves = [self.train_loss, self.test_loss] + (
            [self.step_curve] if self.step_curve.isVisible() else []
        )
        ends = [float(c.xData[-1]) for c in curves if c.xData is not None and c.xData.size]
        x_end = self._x_end = _epoch_axis_end(self._x_end, max([float(len(history)), 1.0, *ends]))
        ys = [c.yData for c in curves if c.yData is not None and c.yData.size]
        if ys:
            y = np.concatenate(ys)
            lo, hi = _round_out(np.log10(y) if self.log_check.isChecked() else y)
        else:
            lo, hi = 0.0, 1.0
        for widget in (self.loss_plot, self.accuracy_plot):
            vb = widget.getPlotItem().getViewBox()
            if widget is self.loss_plot:
                vb.setRange(xRange=(0, x_end), yRange=(lo, hi), padding=0.02)
            vb.updateMatrix()  # now, not while painting: otherwise every curve is painted twice

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt's name
        """Side by side in a wide, low panel (a bottom dock); one above the other otherwise."""
        super().resizeEvent(event)
        wide = event.size().width() > 2.2 * event.size().height()
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        if self.plots.direction() != direction:
            self.plots.setDirection(direction)
            self.plots.setStretch(1, 3 if wide else 2)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._dirty:
            self.refresh()

    # ----------------------------------------------------------------------------- drawing
    def _draw_history(self, trainer: Trainer, history: History) -> None:
        fed = self.epochs["train_loss"].n
        if self._history_of is not trainer or len(history) < fed:
            for series in self.epochs.values():
                series.clear()  # another trainer, or a reset or rewind
            self._history_of, fed = trainer, 0
        if len(history) > fed:
            for name, series in self.epochs.items():
                series.extend(getattr(history, name)[fed:])
        log = self.log_check.isChecked()
        curves = {
            "train_loss": self.train_loss,
            "test_loss": self.test_loss,
            "train_acc": self.train_acc,
            "test_acc": self.test_acc,
        }
        for name, curve in curves.items():
            if name.endswith("acc") and self.accuracy_plot.isHidden():
                continue
            x, y = self.epochs[name].polyline()
            if name.endswith("acc"):
                y = 100.0 * y
            elif log:
                y = _positive(y)
            _set(curve, x + 1.0, y)  # the first epoch ends at x = 1

    def _draw_steps(self, trainer: Trainer, history: History) -> None:
        if self._steps_of is not trainer or self.steps.n > trainer.step_count:
            self.steps.clear()  # another trainer, or a reset or rewind
            self._steps_of = trainer
        if trainer.step_count > self.steps.n:
            self.steps.extend(trainer.step_losses_since(self.steps.n))
        steps, losses = self.steps.polyline()
        x = _steps_to_epochs(steps + 1, trainer, history)
        _set(self.step_curve, x, _positive(losses) if self.log_check.isChecked() else losses)


def _plot(label: str, legend_offset: tuple[int, int] = (-10, 10)) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="w")
    widget.setMinimumSize(240, 120)
    item = widget.getPlotItem()
    item.setMenuEnabled(False)
    for name in ("left", "bottom"):
        axis = item.getAxis(name)
        axis.setPen(pg.mkPen("#5f6368"))
        axis.setTextPen(pg.mkPen(TEXT))
    item.getAxis("left").setWidth(58)  # the same in both plots, so their epoch axes line up
    item.getViewBox().disableAutoRange()  # the panel sets the range itself (see ``_fit_view``)
    item.setLabel("left", label, color=TEXT)
    legend = item.addLegend(offset=legend_offset, labelTextColor=TEXT, brush=pg.mkBrush(255, 255, 255, 200))
    # the curves under the legend change every refresh: repaint it from a pixmap, not its text
    legend.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return widget


def _curve(plot: pg.PlotItem, colour: str, name: str | None = None) -> MinMaxCurve:
    curve = MinMaxCurve(pg.mkPen(colour, width=1), name)
    plot.addItem(curve)
    if name is not None:
        plot.legend.addItem(curve, name)
    return curve


def _set(curve: MinMaxCurve, x: np.ndarray, y: np.ndarray) -> None:
    finite = np.isfinite(y)
    if finite.all():
        curve.setData(x, y)
    else:  # no test set, or accuracy of a regression: only the finite values, maybe none
        curve.setData(x[finite], y[finite])


def _epoch_axis_end(current: float | None, last: float) -> float:
    """The right end of the epoch axis for curves ending at ``last``: ``current`` while the curves fit and
    fill more than 40 % of it, otherwise about half as far again as ``last``, rounded up (while training,
    the axis changes at epochs 850, 1,500, 2,500, 4,000, 6,500... rather than every 500)."""
    if current is not None and 0.4 * current < last <= current:
        return current
    return _round_up(1.5 * last)


def _round_up(x: float) -> float:
    """``x`` rounded up to a multiple of half its power of ten (2,800 → 3,000; 12 → 15)."""
    if x <= 0:
        return 1.0
    q = 10.0 ** math.floor(math.log10(x)) / 2
    return math.ceil(x / q - 1e-9) * q


def _round_out(y: np.ndarray) -> tuple[float, float]:
    """(low, high) around the finite values of ``y`` on multiples of a tenth of their span's scale."""
    y = y[np.isfinite(y)]
    if not y.size:
        return 0.0, 1.0
    lo, hi = float(y.min()), float(y.max())
    span = hi - lo if hi > lo else max(abs(hi), 1.0)
    q = 10.0 ** math.floor(math.log10(span)) / 2
    low, high = math.floor(lo / q + 1e-9) * q, math.ceil(hi / q - 1e-9) * q
    return low, high + (q if high <= low else 0.0)


def _positive(values: np.ndarray) -> np.ndarray:
    """Losses for a log axis: zeros (a perfect fit) become a tiny positive number."""
    return np.maximum(values, 1e-12)


def _steps_to_epochs(steps: np.ndarray, trainer: Trainer, history: History) -> np.ndarray:
    """Epoch positions of step counts, through the recorded epoch ends (batch sizes may have changed)."""
    ends = np.concatenate([[0.0], np.asarray(history.step, np.float64)])
    epochs = np.concatenate([[0.0], np.asarray(history.epoch, np.float64)])
    per_epoch = math.ceil(trainer.data.n_train / trainer.settings.batch_size)
    x = np.interp(steps, ends, epochs)
    beyond = steps > ends[-1]
    x[beyond] = epochs[-1] + (steps[beyond] - ends[-1]) / per_epoch
    return x


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    trainer = make_default_trainer()
    trainer.run_epochs(300)
    panel = CurvesPanel(SceneController(trainer))
    panel.steps_check.setChecked(True)
    panel.resize(560, 480)
    panel.show()
    panel.refresh()
    raise SystemExit(app.exec())
