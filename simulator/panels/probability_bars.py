"""A classifier's outputs read as class probabilities, drawn as one horizontal bar per class.

How outputs become probabilities follows the output layer and the loss, as the trainer reads them:

- a softmax output layer already gives probabilities;
- several outputs of any other kind are logits (or scores): their softmax is shown;
- one sigmoid unit gives P(second class); one unit trained with binary cross-entropy on logits, its
  sigmoid; one tanh or linear unit trained on ±1 targets, (output + 1) / 2 clipped to [0, 1] (a score,
  not a calibrated probability).

The bar of the chosen class is blue, the true class's name is bold and framed.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from engine import Trainer
from simulator.colours import POSITIVE

TEXT = "#3c4043"
BAR = "#aecbe0"
TRACK = "#f1f3f4"
TRUE_FRAME = "#188038"
ROW_MAX = 22


def output_activation(trainer: Trainer) -> str:
    """The activation of the model's output layer ("linear" for layers without one)."""
    model = trainer.model
    layer = model.resolved.order[model.program.output].layer
    return str(getattr(layer, "activation", "linear"))


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of (n, k) values, safe for large ones."""
    z = np.asarray(z, np.float64)
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def class_probabilities(trainer: Trainer, outputs: np.ndarray) -> tuple[np.ndarray, str]:
    """``outputs`` (n, k) of ``trainer.model`` as (n, n_classes) probabilities, and how they were read.

    The second value is ``"output"`` (the network's own probabilities), ``"softmax"`` (of logits) or
    ``"score"`` (a ±1 output rescaled to [0, 1]).
    """
    out = np.asarray(outputs, np.float64)
    out = out.reshape(len(out), -1)
    activation = output_activation(trainer)
    if out.shape[1] > 1:
        if activation == "softmax":
            return out / np.maximum(out.sum(axis=1, keepdims=True), 1e-300), "output"
        return softmax(out), "softmax"
    if activation == "sigmoid":
        p, how = out[:, 0], "output"
    elif trainer.settings.loss == "binary_cross_entropy":
        p, how = 1.0 / (1.0 + np.exp(-np.clip(out[:, 0], -500, 500))), "output"
    else:
        p, how = (out[:, 0] + 1.0) / 2.0, "score"
    p = np.clip(p, 0.0, 1.0)
    return np.stack([1.0 - p, p], axis=1), how


class ProbabilityBars(QWidget):
    """One bar per class: its probability; the largest bar in blue, the true class framed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.probabilities = np.zeros(0)
        self.names: tuple[str, ...] = ()
        self.true_class: int | None = None
        self._rows: list[QRectF] = []
        self.setMinimumSize(160, 80)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setToolTip("The network's probability for each class; blue: its choice; framed: the true class")

    def set_probabilities(
        self, probabilities: np.ndarray, names: tuple[str, ...], true_class: int | None = None
    ) -> None:
        """Show ``probabilities`` (k,) for the classes ``names``; ``true_class`` is framed (None: unknown)."""
        self.probabilities = np.asarray(probabilities, np.float64).ravel()
        self.names = tuple(names)
        self.true_class = None if true_class is None else int(true_class)
        self.update()

    def clear(self) -> None:
        self.set_probabilities(np.zeros(0), ())

    @property
    def predicted(self) -> int | None:
        """The class with the largest probability (None when nothing is shown)."""
        return int(np.argmax(self.probabilities)) if self.probabilities.size else None

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(240, max(80, ROW_MAX * max(1, len(self.names)) + 8))

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        k = self.probabilities.size
        self._rows = []
        if k == 0:
            return
        font = QFont(self.font())
        fm = p.fontMetrics()
        name_w = min(120, max(fm.horizontalAdvance(s) for s in self.names) + 12)
        value_w = fm.horizontalAdvance("100.0 %") + 8
        row_h = min(ROW_MAX, (self.height() - 4) / k)
        top = (self.height() - row_h * k) / 2
        track_w = max(10.0, self.width() - name_w - value_w - 8)
        best = self.predicted
        show_text = row_h >= fm.height() * 0.8
        for i in range(k):
            y = top + i * row_h
            row = QRectF(2, y, self.width() - 4, row_h)
            self._rows.append(row)
            prob = float(self.probabilities[i]) if np.isfinite(self.probabilities[i]) else 0.0
            track = QRectF(name_w, y + row_h * 0.15, track_w, row_h * 0.7)
            p.fillRect(track, QColor(TRACK))
            bar = QRectF(track.left(), track.top(), track.width() * min(max(prob, 0.0), 1.0), track.height())
            p.fillRect(bar, QColor(POSITIVE if i == best else BAR))
            is_true = i == self.true_class
            if show_text:
                font.setBold(is_true)
                p.setFont(font)
                p.setPen(QColor(TRUE_FRAME if is_true else TEXT))
                label = QRectF(2, y, name_w - 8, row_h)
                name = fm.elidedText(self.names[i], Qt.TextElideMode.ElideRight, int(name_w - 8))
                p.drawText(label, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, name)
                p.setPen(QColor(TEXT))
                value = QRectF(track.right() + 4, y, value_w, row_h)
                p.drawText(
                    value, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, f"{100 * prob:.1f} %"
                )
            if is_true:
                p.setPen(QColor(TRUE_FRAME))
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawRect(row.adjusted(0.5, 0.5, -0.5, -0.5))

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            pos = QPointF(event.pos())
            for i, row in enumerate(self._rows):
                if row.contains(pos):
                    tags = [
                        t
                        for t, on in (("true class", i == self.true_class), ("chosen", i == self.predicted))
                        if on
                    ]
                    extra = f" ({', '.join(tags)})" if tags else ""
                    text = f"'{self.names[i]}': {100 * float(self.probabilities[i]):.2f} %{extra}"
                    QToolTip.showText(event.globalPos(), text, self)
                    return True
        return super().event(event)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv)
    bars = ProbabilityBars()
    probs = softmax(np.random.default_rng(3).normal(0, 2, size=(1, 10)))[0]
    bars.set_probabilities(probs, tuple(str(c) for c in range(10)), true_class=4)
    bars.resize(320, 260)
    bars.show()
    raise SystemExit(app.exec())
