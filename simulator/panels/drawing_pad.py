"""Draw your own image and watch the network classify it while you draw.

The drawing is fitted into the data set's image size the way MNIST's digits were (``digit_fit``); the
panel shows that small image (what the network reads), the class probabilities and the activations
of every layer. While the mouse moves the prediction follows at most every ``LIVE_MS`` milliseconds;
when a stroke ends, at once. :meth:`DrawingPad.refresh` re-reads the drawing at new weights.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QVBoxLayout, QWidget

from simulator.controller import SceneController
from simulator.panels.activation_view import ActivationView
from simulator.panels.digit_fit import fit_drawing
from simulator.panels.drawing_canvas import DrawingCanvas
from simulator.panels.images import ImageView, sample_qimage
from simulator.panels.probability_bars import ProbabilityBars, class_probabilities

LIVE_MS = 40
TEXT = "#3c4043"
NOT_IMAGES = "The drawing pad is for image classification sets; this scene's data are not one."


class DrawingPad(QWidget):
    """A canvas, the image the network reads from it, its prediction and its activations.

    ``image_row`` (c·h·w,) is the fitted drawing last read, ``probabilities`` (n_classes,) the network's
    answer (both empty while nothing is drawn).
    """

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.image_row = np.zeros(0)
        self.probabilities = np.zeros(0)
        self._key: tuple | None = None
        self._dirty = True
        self._live = QTimer(self)
        self._live.setSingleShot(True)
        self._live.setInterval(LIVE_MS)
        self._live.timeout.connect(self.update_prediction)
        self._build()
        controller.trainer_changed.connect(self._on_trainer_changed)
        self._on_trainer_changed()

    def _build(self) -> None:
        self.canvas = DrawingCanvas()
        self.canvas.changed.connect(self._on_drawing)
        self.canvas.stroke_finished.connect(self.update_prediction)
        self.clear_button = QPushButton("Clear")
        self.clear_button.setToolTip("Wipe the canvas")
        self.clear_button.clicked.connect(self.canvas.clear)
        self.undo_button = QPushButton("Undo stroke")
        self.undo_button.setToolTip("Take back the last stroke")
        self.undo_button.clicked.connect(self.canvas.undo)
        self.seen = ImageView(minimum=72)
        self.seen.setToolTip(
            "What the network reads: your drawing fitted into the data set's image size\n"
            "(scaled to fit, centred, brightest pixel 1)"
        )
        self.bars = ProbabilityBars()
        self.bars.setToolTip("The network's probability for each class of your drawing; blue: its choice")
        self.answer = QLabel()
        self.answer.setToolTip("The class the network chooses for your drawing")
        self.answer.setStyleSheet(f"color: {TEXT};")
        self.activations = ActivationView()
        self.activations.setToolTip("Each layer's output for your drawing: orange negative, blue positive")
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(self.activations)
        area.setToolTip(self.activations.toolTip())
        self.note = QLabel(NOT_IMAGES)
        self.note.setWordWrap(True)
        self.note.setToolTip("Open an image data set to draw for it")

        buttons = QHBoxLayout()
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.undo_button)
        left = QVBoxLayout()
        left.addWidget(self.canvas, 1)
        left.addLayout(buttons)
        middle = QVBoxLayout()
        seen_title = QLabel("<b>The network reads</b>")
        seen_title.setToolTip(self.seen.toolTip())
        middle.addWidget(seen_title)
        middle.addWidget(self.seen, 2)
        middle.addWidget(self.answer)
        middle.addWidget(self.bars, 3)
        right = QVBoxLayout()
        layers = QLabel("<b>Activations</b>")
        layers.setToolTip(self.activations.toolTip())
        right.addWidget(layers)
        right.addWidget(area, 1)
        body = QHBoxLayout()
        body.addLayout(left, 3)
        body.addLayout(middle, 3)
        body.addLayout(right, 5)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.note)
        layout.addLayout(body, 1)

    # ---------------------------------------------------------------------------------- public
    def update_prediction(self) -> None:
        """Read the drawing now and show the network's answer at the current weights."""
        self._live.stop()
        trainer = self.controller.trainer
        data = trainer.data
        usable = data.is_image and data.task == "classification"
        self._key = (id(trainer), id(trainer.model), trainer.step_count, len(self.canvas.strokes))
        self._dirty = False
        if self.canvas.is_empty() or not usable:
            self.image_row = self.probabilities = np.zeros(0)
            self.seen.set_image(None)
            self.bars.clear()
            self.activations.clear()
            self.answer.setText("Draw something on the left." if usable else "")
            return
        self.image_row = fit_drawing(self.canvas.ink(), data.image_shape)
        self.seen.set_image(sample_qimage(self.image_row, data.image_shape))
        outputs = trainer.model.predict(self.image_row[None, :])
        self.probabilities = class_probabilities(trainer, outputs)[0][0]
        self.bars.set_probabilities(self.probabilities, data.class_names)
        best = int(np.argmax(self.probabilities))
        self.answer.setText(
            f"The network says <b>{data.class_names[best]}</b> ({100 * self.probabilities[best]:.0f} %)"
        )
        self.activations.show_activations(trainer.model, self.image_row, data.image_shape)

    def refresh(self) -> None:
        """Re-read the drawing when the weights changed (skipped while hidden; done when shown again)."""
        if not self.isVisible():
            self._dirty = True
            return
        trainer = self.controller.trainer
        key = (id(trainer), id(trainer.model), trainer.step_count, len(self.canvas.strokes))
        if key != self._key:
            self.update_prediction()

    # ----------------------------------------------------------------------------------- slots
    def _on_drawing(self) -> None:
        if not self._live.isActive():
            self._live.start()

    def _on_trainer_changed(self) -> None:
        data = self.controller.trainer.data
        usable = data.is_image and data.task == "classification"
        self.note.setVisible(not usable)
        for w in (self.canvas, self.clear_button, self.undo_button, self.bars, self.activations):
            w.setEnabled(usable)
        self._key = None
        self.refresh()

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._dirty:
            self.refresh()


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.panels.digits_demo import digits_trainer

    app = QApplication(sys.argv)
    pad = DrawingPad(SceneController(digits_trainer(epochs=10)))
    pad.resize(900, 340)
    pad.show()
    raise SystemExit(app.exec())
