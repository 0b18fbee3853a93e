"""Browse the images of an image set: one enlarged, what the network makes of it, and every layer's output.

Pick an image by number, with the arrows, from the strip of its neighbours or at random; the panel
shows it enlarged, the class probabilities (the true class framed) and the activations of the whole
network for it. The weights change while training, so :meth:`SampleBrowser.refresh` redraws at the
current weights (the window calls it at most a few times a second while playing; nothing is done while
the panel is hidden).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from simulator.controller import SceneController
from simulator.panels.activation_view import ActivationView
from simulator.panels.images import ImageView, sample_qimage
from simulator.panels.probability_bars import ProbabilityBars, class_probabilities
from simulator.panels.thumbnails import ThumbnailGrid

TEXT = "#3c4043"
SPLITS = (("Test set", "test"), ("Training set", "train"))
NOT_IMAGES = "The sample browser shows image classification sets; this scene's data are not one."


def split_arrays(dataset, split: str) -> tuple[np.ndarray, np.ndarray]:
    """(x, t) of the ``"test"`` or ``"train"`` part of ``dataset``."""
    return (dataset.x_test, dataset.t_test) if split == "test" else (dataset.x_train, dataset.t_train)


class SampleBrowser(QWidget):
    """One image of the data set, the network's probabilities for it and its activations.

    ``index`` and ``split`` say which image is shown; ``probabilities`` (n_classes,) what the bars show.
    """

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.index = 0
        self.probabilities = np.zeros(0)
        self._key: tuple | None = None
        self._dirty = True
        self._rng = np.random.default_rng()
        self._build()
        controller.trainer_changed.connect(self._on_trainer_changed)
        self._on_trainer_changed()

    # --------------------------------------------------------------------------------- widgets
    def _build(self) -> None:
        self.split_menu = QComboBox()
        for text, value in SPLITS:
            self.split_menu.addItem(text, value)
        self.split_menu.setToolTip("Browse the test images (never trained on) or the training images")
        self.split_menu.currentIndexChanged.connect(lambda _i: self._on_split())
        self.previous_button = QPushButton("◀")
        self.previous_button.setToolTip("The previous image")
        self.previous_button.clicked.connect(lambda: self.show_sample(self.index - 1))
        self.spin = QSpinBox()
        self.spin.setToolTip("The number of the image shown, counted from 0 in this set")
        self.spin.valueChanged.connect(self.show_sample)
        self.next_button = QPushButton("▶")
        self.next_button.setToolTip("The next image")
        self.next_button.clicked.connect(lambda: self.show_sample(self.index + 1))
        self.random_button = QPushButton("Random")
        self.random_button.setToolTip("Show an image chosen at random from this set")
        self.random_button.clicked.connect(self.show_random)
        for button in (self.previous_button, self.next_button):
            button.setFixedWidth(32)
        self.caption = QLabel()
        self.caption.setToolTip("The image's true class and the class the network chooses")
        self.caption.setStyleSheet(f"color: {TEXT};")

        self.strip = ThumbnailGrid(strip=True)
        self.strip.setToolTip("The neighbouring images of the set: click one to show it")
        self.strip.clicked.connect(self.show_sample)
        self.image_view = ImageView(minimum=112)
        self.image_view.setToolTip("The image the network reads, enlarged (each block is one pixel)")
        self.bars = ProbabilityBars()
        self.activations = ActivationView()
        self.activations_area = QScrollArea()
        self.activations_area.setWidgetResizable(True)
        self.activations_area.setFrameShape(QFrame.Shape.NoFrame)
        self.activations_area.setWidget(self.activations)
        self.activations_area.setToolTip(self.activations.toolTip())
        self.note = QLabel(NOT_IMAGES)
        self.note.setWordWrap(True)
        self.note.setToolTip("Open an image data set to browse it")

        head = QHBoxLayout()
        title = QLabel("<b>Sample</b>")
        title.setToolTip("Choose the image to look at")
        head.addWidget(title)
        for w in (self.split_menu, self.previous_button, self.spin, self.next_button, self.random_button):
            head.addWidget(w)
        head.addWidget(self.caption, 1)
        left = QVBoxLayout()
        left.addWidget(self.image_view, 1)
        middle = QVBoxLayout()
        prediction = QLabel("<b>Prediction</b>")
        prediction.setToolTip(self.bars.toolTip())
        self.how_label = QLabel()
        self.how_label.setToolTip("How the network's outputs were turned into probabilities")
        self.how_label.setStyleSheet("color: #5f6368;")
        middle.addWidget(prediction)
        middle.addWidget(self.bars, 1)
        middle.addWidget(self.how_label)
        right = QVBoxLayout()
        layers = QLabel("<b>Activations</b>")
        layers.setToolTip(self.activations.toolTip())
        right.addWidget(layers)
        right.addWidget(self.activations_area, 1)
        body = QHBoxLayout()
        body.addLayout(left, 2)
        body.addLayout(middle, 3)
        body.addLayout(right, 5)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.note)
        layout.addWidget(self.strip)
        layout.addLayout(body, 1)

    # ---------------------------------------------------------------------------------- public
    @property
    def split(self) -> str:
        return self.split_menu.currentData()

    @property
    def dataset(self):
        return self.controller.trainer.data

    def set_split(self, split: str) -> None:
        self.split_menu.setCurrentIndex(self.split_menu.findData(split))

    def show_sample(self, index: int, split: str | None = None) -> None:
        """Show image ``index`` of the ``split`` set (default: the set shown); clamped to the set."""
        if split is not None and split != self.split:
            self.split_menu.blockSignals(True)
            self.set_split(split)
            self.split_menu.blockSignals(False)
            self._fill_strip()
        x, _t = split_arrays(self.dataset, self.split)
        self.index = int(np.clip(index, 0, max(0, len(x) - 1)))
        if self.spin.value() != self.index:
            self.spin.blockSignals(True)
            self.spin.setValue(self.index)
            self.spin.blockSignals(False)
        self.strip.set_current(self.index)
        self._key = None
        self.refresh()

    def show_random(self) -> None:
        x, _t = split_arrays(self.dataset, self.split)
        if len(x):
            self.show_sample(int(self._rng.integers(len(x))))

    def refresh(self) -> None:
        """Redraw at the current weights (skipped while hidden; done when shown again)."""
        if not self.isVisible():
            self._dirty = True
            return
        trainer = self.controller.trainer
        data = trainer.data
        if not data.is_image or data.task != "classification":
            self._show_nothing()
            return
        key = (id(trainer), id(trainer.model), trainer.step_count, self.split, self.index)
        if key == self._key:
            return
        self._key = key
        self._dirty = False
        x, t = split_arrays(data, self.split)
        if len(x) == 0:
            self._show_nothing()
            return
        row = x[self.index]
        self.image_view.set_image(sample_qimage(row, data.image_shape))
        outputs = trainer.model.predict(row[None, :])
        probs, how = class_probabilities(trainer, outputs)
        self.probabilities = probs[0]
        true = int(t[self.index])
        self.bars.set_probabilities(self.probabilities, data.class_names, true)
        self.how_label.setText(
            {
                "output": "the network's own output",
                "softmax": "softmax of the outputs",
                "score": "(output + 1) / 2, a score",
            }[how]
        )
        chosen = int(np.argmax(self.probabilities))
        names = data.class_names
        verdict = "right" if chosen == true else "wrong"
        self.caption.setText(
            f"true <b>{names[true]}</b> · chosen <b>{names[chosen]}</b> "
            f"({100 * self.probabilities[chosen]:.0f} %) · <i>{verdict}</i>"
        )
        self.activations.show_activations(trainer.model, row, data.image_shape)

    def _show_nothing(self) -> None:
        self._key = None
        self.probabilities = np.zeros(0)
        self.image_view.set_image(None)
        self.bars.clear()
        self.activations.clear()
        self.caption.setText("")
        self.how_label.setText("")

    # ----------------------------------------------------------------------------------- slots
    def _on_split(self) -> None:
        self._fill_strip()
        self.show_sample(self.index)

    def _on_trainer_changed(self) -> None:
        data = self.dataset
        usable = data.is_image and data.task == "classification"
        self.note.setVisible(not usable)
        for w in (self.strip, self.image_view, self.bars, self.activations_area, self.spin):
            w.setEnabled(usable)
        if data.n_test == 0 and self.split == "test":
            self.set_split("train")
        self._fill_strip()
        self.show_sample(self.index)

    def _fill_strip(self) -> None:
        data = self.dataset
        x, t = split_arrays(data, self.split)
        self.spin.blockSignals(True)
        self.spin.setRange(0, max(0, len(x) - 1))
        self.spin.blockSignals(False)
        if data.is_image:
            classify = data.task == "classification"
            names = tuple(f"true {data.class_names[int(c)]}" for c in t) if classify else ()
            self.strip.set_images(x, data.image_shape, np.arange(len(x)), names)
        else:
            self.strip.set_images(np.zeros((0, 1)), (1, 1, 1), np.zeros(0, np.int64))

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._dirty:
            self.refresh()


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.panels.digits_demo import digits_trainer

    app = QApplication(sys.argv)
    browser = SampleBrowser(SceneController(digits_trainer(epochs=5)))
    browser.resize(900, 380)
    browser.show()
    raise SystemExit(app.exec())
