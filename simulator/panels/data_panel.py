"""The data panel: pick a Playground 2-D set, iris, an image set or a file, with a preview of what it holds.

Every change makes a new ``Dataset`` and hands it to ``SceneController.set_dataset`` (one undo step; the
controller resizes the Input layer to the number of features). When the controller refuses it, for example
because the output layer does not fit three classes, the panel says why, keeps the data in use, and offers
a one-click fix that resizes the output layer in the same step.
"""

from __future__ import annotations

import dataclasses
import weakref
from pathlib import Path

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from engine import NnsimError
from engine.data import FEATURES, PLAYGROUND_KINDS, Dataset, fashion_mnist_installed
from simulator.controller import SceneController
from simulator.panels.data_choice import (
    IMAGE_SOURCES,
    SOURCES,
    DataChoice,
    build_dataset,
    csv_header,
    infer_choice,
    sort_idx_files,
    uses_train_share,
)
from simulator.panels.data_preview import DataPreview
from simulator.panels.forms import ErrorLabel, labelled, note_label, write_quietly
from simulator.panels.output_fix import OutputFix, plan_output_fix, set_dataset_with_layer
from simulator.views.point_editor import PointEditor, PointTools

FEATURE_LABELS = dict(zip(FEATURES, ("x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2"), strict=True))
MAX_CLASSES = 5
MAX_POINTS = 5000


class DataPanel(QWidget):
    """Chooses the data set the scene trains on.

    Parameters
    ----------
    controller : SceneController
        Gets each new data set through ``set_dataset``; ``trainer_changed`` updates the fields and preview.
    point_editor : PointEditor, optional
        Driven by the panel's "Click on the output to" buttons (see :meth:`set_point_editor`).

    Signals
    -------
    dataset_applied()
        A data set made here was accepted.
    refused(str)
        A data set could not be made or was refused; the reason is shown in the panel.
    """

    dataset_applied = Signal()
    refused = Signal(str)

    def __init__(
        self,
        controller: SceneController,
        point_editor: PointEditor | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.controller = controller
        self._choices: weakref.WeakKeyDictionary[Dataset, DataChoice] = weakref.WeakKeyDictionary()
        self._dataset: Dataset | None = None
        self._choice = DataChoice(source="")
        self._fix: tuple[OutputFix, Dataset, DataChoice] | None = None
        self._listening = False
        self._refusal = ""

        self.source = QComboBox()
        for key, text in SOURCES.items():
            self.source.addItem(text, key)
        self.source.currentIndexChanged.connect(self._on_source)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        labelled(form, "Data", self.source, "Which data set to train on")

        self.classes = QSpinBox()
        self.classes.setRange(2, MAX_CLASSES)
        self.classes.setKeyboardTracking(False)
        self.classes.valueChanged.connect(lambda v: self._change(n_classes=int(v)))
        labelled(form, "Classes", self.classes, "How many classes the 2-D set has (2 is the Playground's)")
        self.noise, self.noise_label = self._slider(0, 50, 5, "noise", "%")
        tip = "How much the points stray from their shape (0–50 %)"
        labelled(form, "Noise", self._pair(self.noise, self.noise_label, tip), tip)
        self.points = QSpinBox()
        self.points.setRange(10, MAX_POINTS)
        self.points.setSingleStep(50)
        self.points.setKeyboardTracking(False)
        self.points.valueChanged.connect(lambda v: self._change(n_points=int(v)))
        labelled(form, "Points", self.points, "How many points in all (training and test)")
        self.feature_boxes: dict[str, QCheckBox] = {}
        grid = QGridLayout()
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        for i, name in enumerate(FEATURES):
            box = QCheckBox(FEATURE_LABELS[name])
            box.setToolTip(f"Feed {FEATURE_LABELS[name]} of each point to the network (at least one feature)")
            box.toggled.connect(self._on_features)
            grid.addWidget(box, i // 3, i % 3)
            self.feature_boxes[name] = box
        self.features_widget = QWidget()
        self.features_widget.setLayout(grid)
        grid.setContentsMargins(0, 0, 0, 0)
        labelled(form, "Features", self.features_widget, "What the network sees of each point")

        self.csv_open = QPushButton("Open CSV…")
        self.csv_open.setToolTip("Load a table with a header row; one column is the target")
        self.csv_open.clicked.connect(self.open_csv)
        self.csv_target = QComboBox()
        self.csv_target.currentIndexChanged.connect(
            lambda _i: self._change(csv_target=self.csv_target.currentData())
        )
        labelled(form, "File", self.csv_open, "Load a table with a header row; one column is the target")
        labelled(
            form, "Target", self.csv_target, "The column the network learns to predict; the others are inputs"
        )
        self.idx_open = QPushButton("Open IDX files…")
        self.idx_open.clicked.connect(self.open_idx)
        labelled(
            form,
            "IDX files",
            self.idx_open,
            "MNIST-style files: train-images… and train-labels…, and maybe t10k-images… and t10k-labels…",
        )
        self.folder_open = QPushButton("Open image folder…")
        self.folder_open.clicked.connect(self.open_folder)
        labelled(
            form, "Folder", self.folder_open, "A folder with one sub-folder of PNG or JPEG pictures per class"
        )
        self.image_side = QSpinBox()
        self.image_side.setRange(4, 64)
        self.image_side.setSuffix(" px")
        self.image_side.setKeyboardTracking(False)
        self.image_side.valueChanged.connect(lambda v: self._change(image_side=int(v)))
        labelled(form, "Picture size", self.image_side, "Each picture is resized to this many pixels square")
        self.fashion_full = QCheckBox("All 60,000 + 10,000 pictures")
        self.fashion_full.toggled.connect(lambda on: self._change(fashion_full=bool(on)))
        installed = fashion_mnist_installed()
        tip = (
            "Train on the whole Fashion-MNIST set instead of the 6,000 + 1,000 shipped with nnsim (slower)"
            if installed
            else "The whole set needs the package dataset-fashion-mnist; the 6,000 + 1,000 shipped are used"
        )
        self.fashion_full.setEnabled(installed)
        labelled(form, "Full set", self.fashion_full, tip)

        self.train_share, self.train_label = self._slider(10, 90, 10, "train_percent", "%")
        tip = "Share of rows used for training; the rest are test rows the network never trains on"
        labelled(form, "Training share", self._pair(self.train_share, self.train_label, tip), tip)
        self.seed = QSpinBox()
        self.seed.setRange(0, 999_999)
        self.seed.setKeyboardTracking(False)
        self.seed.valueChanged.connect(lambda v: self._change(seed=int(v)))
        self.regenerate = QPushButton("Regenerate")
        self.regenerate.setToolTip("Draw the data again with the next seed")
        self.regenerate.clicked.connect(self._on_regenerate)
        tip = "Seed of the random draw and of the split: the same seed gives the same data"
        labelled(form, "Seed", self._pair(self.seed, self.regenerate, tip), tip)
        self.form = form
        rows = ("source", "classes", "noise", "points", "features", "file", "target", "idx", "folder", "side")
        self._rows = {name: i for i, name in enumerate((*rows, "full", "share", "seed"))}

        self.error = ErrorLabel()
        self.fix_label = note_label(tip="A change of the output layer that lets this data set train")
        self.fix_button = QPushButton("Apply this fix")
        self.fix_button.setToolTip(
            "Change the output layer and use this data set, in one step that Undo takes back"
        )
        self.fix_button.clicked.connect(self.apply_fix)
        self._show_fix(None)
        self.preview = DataPreview()
        self.source_note = note_label(tip="Where the data came from")
        self.point_tools = PointTools()

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.fix_label)
        layout.addWidget(self.fix_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.preview)
        layout.addWidget(self.source_note)
        layout.addWidget(self.point_tools)
        layout.addStretch(1)

        controller.trainer_changed.connect(self._on_trainer_changed)
        controller.edit_refused.connect(self._on_refused)
        self.set_point_editor(point_editor)
        self._on_trainer_changed()

    # ------------------------------------------------------------------------------- building
    def _slider(self, low: int, high: int, step: int, field: str, unit: str) -> tuple[QSlider, QLabel]:
        slider = QSlider(Qt.Orientation.Horizontal)
        slider.setRange(low, high)
        slider.setSingleStep(step)
        slider.setPageStep(step)
        slider.setTracking(False)  # one new data set on release, not one per pixel dragged
        label = QLabel()
        label.setMinimumWidth(label.fontMetrics().horizontalAdvance("100 %"))
        slider.sliderMoved.connect(lambda v: label.setText(f"{v} {unit}"))
        slider.valueChanged.connect(lambda v: label.setText(f"{v} {unit}"))
        slider.valueChanged.connect(lambda v: self._change(**{field: int(v)}))
        return slider, label

    @staticmethod
    def _pair(a: QWidget, b: QWidget, tip: str) -> QWidget:
        a.setToolTip(tip)
        if not b.toolTip():
            b.setToolTip(tip)
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(a, 1)
        row.addWidget(b)
        return box

    def set_point_editor(self, editor: PointEditor | None) -> None:
        """Drive ``editor`` with the "Click on the output to" buttons; its refusals show in the panel."""
        self.point_tools.set_editor(editor)
        if editor is not None:
            editor.refused.connect(self._show_error)

    # ------------------------------------------------------------------------------- showing
    @property
    def choice(self) -> DataChoice:
        """What the fields say now (the data set in use)."""
        return self._choice

    def _show_choice(self, c: DataChoice) -> None:
        write_quietly(self.source, c.source)
        write_quietly(self.classes, c.n_classes)
        write_quietly(self.noise, c.noise)
        self.noise_label.setText(f"{c.noise} %")
        write_quietly(self.points, c.n_points)
        for name, box in self.feature_boxes.items():
            write_quietly(box, name in c.features)
        blocker = QSignalBlocker(self.csv_target)
        self.csv_target.clear()
        for column in c.csv_header:
            self.csv_target.addItem(column, column)
        blocker.unblock()
        write_quietly(self.csv_target, c.csv_target)
        self.csv_open.setText(Path(c.csv_path).name if c.csv_path else "Open CSV…")
        write_quietly(self.train_share, c.train_percent)
        self.train_label.setText(f"{c.train_percent} %")
        write_quietly(self.seed, c.seed)
        write_quietly(self.image_side, c.image_side)
        write_quietly(self.fashion_full, c.fashion_full)
        names = ", ".join(Path(p).name.split("-idx")[0] for p in c.idx_files)
        self.idx_open.setText(names or "Open IDX files…")
        self.folder_open.setText(Path(c.folder_path).name if c.folder_path else "Open image folder…")
        is_2d = c.source in PLAYGROUND_KINDS
        classify = is_2d and PLAYGROUND_KINDS[c.source] == "classification"
        for name, visible in (
            ("classes", classify),
            ("noise", is_2d),
            ("points", is_2d),
            ("features", is_2d),
            ("file", c.source == "csv"),
            ("target", c.source == "csv" and bool(c.csv_header)),
            ("idx", c.source == "idx"),
            ("folder", c.source == "image_folder"),
            ("side", c.source == "image_folder"),
            ("full", c.source == "fashion_mnist"),
            ("share", uses_train_share(c)),
        ):
            self.form.setRowVisible(self._rows[name], visible)
        has_file = {"csv": c.csv_path, "idx": c.idx_files, "image_folder": c.folder_path}.get(c.source, True)
        self.regenerate.setEnabled(bool(has_file))

    def _on_trainer_changed(self) -> None:
        ds = self.controller.dataset
        if ds is self._dataset:
            return
        self._dataset = ds
        self._choice = self._choices.get(ds) or infer_choice(ds, self._choice)
        self._choices[ds] = self._choice
        self._show_choice(self._choice)
        self.preview.show_dataset(ds)
        self.source_note.setText(ds.source)
        self.point_tools.setVisible(not ds.is_image)  # pictures are not drawn by clicking on the output
        self.point_tools.set_dataset(ds)

    def _show_error(self, text: str) -> None:
        self.error.show_error(text)
        if text:
            self.refused.emit(text)

    # ------------------------------------------------------------------------------- changing
    def _change(self, **changes: object) -> bool:
        return self.apply_choice(dataclasses.replace(self._choice, **changes))

    def _on_source(self, _index: int) -> None:
        source = self.source.currentData()
        c = self._choice
        opener = {
            "csv": (c.csv_path, self.open_csv),
            "idx": (c.idx_files, self.open_idx),
            "image_folder": (c.folder_path, self.open_folder),
        }
        if source in opener and not opener[source][0]:
            if not opener[source][1]():
                self._show_choice(self._choice)
            return
        changes: dict[str, object] = {"source": source}
        if source in IMAGE_SOURCES and self._choice.source not in IMAGE_SOURCES:
            changes["train_percent"] = 80  # image sets are big enough to keep most for training
        self._change(**changes)

    def _on_features(self) -> None:
        names = tuple(n for n, box in self.feature_boxes.items() if box.isChecked())
        self._change(features=names)

    def _on_regenerate(self) -> None:
        self._change(seed=self._choice.seed + 1)

    def open_csv(self) -> bool:
        """Ask for a CSV file and load it; False when cancelled or refused."""
        path, _ = QFileDialog.getOpenFileName(
            self, "Open a CSV table", "", "CSV tables (*.csv *.tsv *.txt);;All files (*)"
        )
        return bool(path) and self.load_csv_file(path)

    def load_csv_file(self, path: str, target: str | None = None) -> bool:
        """Train on the table in ``path`` (target: a column name, default the last column)."""
        header = csv_header(path)
        target = target or (header[-1] if header else "")
        return self.apply_choice(
            dataclasses.replace(
                self._choice, source="csv", csv_path=str(path), csv_header=header, csv_target=target
            )
        )

    def open_idx(self) -> bool:
        """Ask for two or four IDX files and load them; False when cancelled or refused."""
        paths, _ = QFileDialog.getOpenFileNames(
            self,
            "Open IDX files: images and labels (and a test pair)",
            "",
            "IDX files (*-ubyte *-ubyte.gz *.idx *.idx.gz *.gz);;All files (*)",
        )
        return bool(paths) and self.load_idx_files(paths)

    def load_idx_files(self, paths: list[str] | tuple[str, ...]) -> bool:
        """Train on IDX files, told apart by name (train-images…, train-labels…, t10k-…)."""
        try:
            files = sort_idx_files([str(p) for p in paths])
        except NnsimError as exc:
            self._refuse(str(exc))
            return False
        return self.apply_choice(self._image_choice(source="idx", idx_files=files))

    def open_folder(self) -> bool:
        """Ask for a folder of class sub-folders of pictures and load it; False when cancelled or refused."""
        path = QFileDialog.getExistingDirectory(self, "Open a folder: one sub-folder of pictures per class")
        return bool(path) and self.load_folder(path)

    def load_folder(self, path: str) -> bool:
        """Train on the pictures in ``path`` (one sub-folder per class)."""
        return self.apply_choice(self._image_choice(source="image_folder", folder_path=str(path)))

    def _image_choice(self, **changes: object) -> DataChoice:
        if self._choice.source not in IMAGE_SOURCES:
            changes.setdefault("train_percent", 80)
        return dataclasses.replace(self._choice, **changes)

    def apply_choice(self, choice: DataChoice) -> bool:
        """Make the data set ``choice`` describes and train on it; on failure keep the old one and say why."""
        try:
            ds = self._make(choice)
        except (NnsimError, ValueError) as exc:
            self._refuse(str(exc))
            return False
        return self._use(ds, choice)

    def _make(self, choice: DataChoice) -> Dataset:
        current = self.controller.dataset
        if (
            choice.features != self._choice.features
            and dataclasses.replace(choice, features=self._choice.features) == self._choice
            and current.is_2d
        ):
            return current.with_features(choice.features)  # keeps clicked points
        return build_dataset(choice)

    def _use(self, ds: Dataset, choice: DataChoice) -> bool:
        self._choices[ds] = choice
        self._refusal = ""
        self._listening = True
        try:
            ok = self.controller.set_dataset(ds, f"Data: {SOURCES[choice.source].rstrip('…')}")
        finally:
            self._listening = False
        if not ok:
            self._refuse(self._refusal or "the data set was refused", ds, choice)
            return False
        self._fix = None
        self._show_fix(None)
        self._show_error("")
        self.dataset_applied.emit()
        return True

    def _on_refused(self, _layer: str, reason: str) -> None:
        if self._listening:
            self._refusal = reason

    def _refuse(self, reason: str, ds: Dataset | None = None, choice: DataChoice | None = None) -> None:
        self._show_choice(self._choice)
        self._show_error(reason)
        fix = plan_output_fix(self.controller, ds) if ds is not None and self.controller.trainable else None
        self._fix = (fix, ds, choice) if fix is not None else None
        self._show_fix(fix)

    def _show_fix(self, fix: OutputFix | None) -> None:
        self.fix_label.setText(f"Fix: {fix.text[0].lower()}{fix.text[1:]}." if fix else "")
        self.fix_label.setVisible(fix is not None)
        self.fix_button.setVisible(fix is not None)

    def apply_fix(self) -> bool:
        """Apply the offered output-layer fix and the refused data set together."""
        if self._fix is None:
            return False
        fix, ds, choice = self._fix
        trainer = self.controller.trainer
        old_loss = trainer.settings.loss
        try:
            if fix.loss != old_loss:
                trainer.configure(loss=fix.loss)
            self._choices[ds] = choice
            self._refusal = ""
            self._listening = True
            try:
                ok = set_dataset_with_layer(
                    self.controller, ds, fix.layer_id, fix.spec, "Data and output layer"
                )
            finally:
                self._listening = False
        except NnsimError as exc:
            ok, self._refusal = False, str(exc)
        if not ok:
            if self.controller.trainer is trainer and trainer.settings.loss != old_loss:
                trainer.configure(loss=old_loss)
            self._show_error(self._refusal or "the fix was refused")
            return False
        self._fix = None
        self._show_fix(None)
        self._show_error("")
        self.dataset_applied.emit()
        return True


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    panel = DataPanel(SceneController(make_default_trainer()))
    panel.resize(340, 720)
    panel.show()
    raise SystemExit(app.exec())
