"""The data panel: pick the Playground's 2-D sets, iris or a CSV file, with a preview of the points or rows.

Every change makes a new ``Dataset`` and hands it to ``SceneController.set_dataset`` (one undo step; the
controller resizes the Input layer to the number of features). When the controller refuses it, for example
because the output layer does not fit three classes, the panel says why, keeps the data in use, and offers
a one-click fix that resizes the output layer in the same step.
"""

from __future__ import annotations

import csv
import dataclasses
import re
import weakref
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QPointF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import DataError, Dense, NnsimError
from engine.data import FEATURES, PLAYGROUND_KINDS, Dataset, load_csv, load_iris, playground
from engine.losses import LOSSES
from simulator.colours import LUT
from simulator.controller import SceneController
from simulator.panels.forms import ErrorLabel, labelled, note_label, write_quietly
from simulator.views.decision_view import EXTENT
from simulator.views.point_editor import PointEditor, PointTools, class_colour

SOURCES = {
    "circle": "Circle",
    "xor": "Exclusive or",
    "gauss": "Gaussian",
    "spiral": "Spiral",
    "plane": "Plane (regression)",
    "multi_gauss": "Multi Gaussian (regression)",
    "iris": "Iris flowers",
    "csv": "CSV file…",
}
FEATURE_LABELS = dict(zip(FEATURES, ("x1", "x2", "x1²", "x2²", "x1·x2", "sin x1", "sin x2"), strict=True))
MAX_CLASSES = 5
MAX_POINTS = 5000
PREVIEW_SIZE = 200
PREVIEW_COLUMNS = 12
PREVIEW_ROWS = 8


@dataclass(frozen=True)
class DataChoice:
    """What the panel's fields say: enough to make the data set again."""

    source: str = "spiral"
    n_classes: int = 2
    noise: int = 0  # percent, 0..50
    train_percent: int = 50
    n_points: int = 500
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    csv_path: str = ""
    csv_header: tuple[str, ...] = ()
    csv_target: str = ""


def build_dataset(choice: DataChoice) -> Dataset:
    """Make the data set ``choice`` describes (raises DataError)."""
    ratio = choice.train_percent / 100
    if choice.source in PLAYGROUND_KINDS:
        classes = choice.n_classes if PLAYGROUND_KINDS[choice.source] == "classification" else 2
        return playground(
            choice.source, choice.n_points, choice.noise / 100, ratio, choice.seed, choice.features, classes
        )
    if choice.source == "iris":
        return load_iris(test_ratio=1 - ratio, seed=choice.seed)
    if not choice.csv_path:
        raise DataError("choose a CSV file first")
    return load_csv(choice.csv_path, choice.csv_target or -1, test_ratio=1 - ratio, seed=choice.seed)


def csv_header(path: str) -> tuple[str, ...]:
    """The column names on the first non-blank line of a CSV file ((): let the loader explain the problem)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            for line in f:
                if line.strip():
                    delimiter = max(",;\t", key=line.count)
                    return tuple(c.strip() for c in next(csv.reader([line], delimiter=delimiter)))
    except (OSError, UnicodeError, csv.Error):
        pass
    return ()


def infer_choice(ds: Dataset, base: DataChoice) -> DataChoice:
    """Fields for a data set the panel did not make (the first scene, clicked points, a loaded scene).

    A 2-D set of the kind ``base`` already shows (points clicked in or erased) keeps ``base``'s noise, size
    and seed; a fresh one is read back from its ``source`` line.
    """
    if ds.is_2d and ds.name in PLAYGROUND_KINDS:
        changes: dict[str, object] = {"features": tuple(ds.features), "n_classes": max(2, ds.n_classes)}
        if base.source == ds.name:
            return dataclasses.replace(base, **changes)
        changes.update(source=ds.name, train_percent=_percent(ds))
        found = re.search(r"(\d+) points, noise ([0-9.e+-]+), seed (\d+)", ds.source)
        if found:
            changes.update(
                n_points=int(found[1]), noise=int(round(100 * float(found[2]))), seed=int(found[3])
            )
        return dataclasses.replace(base, **changes)
    if ds.name == "iris":
        return dataclasses.replace(base, source="iris", train_percent=_percent(ds))
    if base.source == "csv":
        return base
    return dataclasses.replace(
        base, source="csv", csv_path="", csv_header=(), csv_target="", train_percent=_percent(ds)
    )


def _percent(ds: Dataset) -> int:
    return int(round(100 * ds.n_train / max(1, ds.n_train + ds.n_test)))


@dataclass(frozen=True)
class OutputFix:
    """A change of the output layer (and maybe the loss) that lets a refused data set train."""

    layer_id: str
    spec: Dense
    loss: str
    text: str


def plan_output_fix(controller: SceneController, ds: Dataset) -> OutputFix | None:
    """Propose output units (k for k classes, 1 with tanh for two, the target count for regression)."""
    trainer = controller.trainer
    layer_id = trainer.model.resolved.output
    spec = controller.network.node(layer_id).layer
    if not isinstance(spec, Dense):
        return None
    loss, act = trainer.settings.loss, spec.activation
    if ds.task == "classification":
        if ds.n_classes == 2 and loss != "cross_entropy":
            units = 1
            wanted = "sigmoid" if loss == "binary_cross_entropy" else "tanh"
            act = act if act in ("tanh", "sigmoid") else wanted
        else:
            units = ds.n_classes
    else:
        units = ds.t_train.shape[1]
        act = "linear" if act in ("softmax", "sigmoid") else act
        loss = "mse" if loss in ("cross_entropy", "binary_cross_entropy") else loss
    if units == spec.units and act == spec.activation and loss == trainer.settings.loss:
        return None
    new = dataclasses.replace(spec, units=units, activation=act)
    text = f"Give the output layer '{layer_id}' {units} unit{'s' if units > 1 else ''} ({act})"
    if loss != trainer.settings.loss:
        text += f", train with {LOSSES[loss][1].split(':')[0]}"
    return OutputFix(layer_id, new, loss, text + " and use this data")


def set_dataset_with_layer(
    controller: SceneController, ds: Dataset, layer_id: str, spec: Dense, text: str
) -> bool:
    """Change the data and one layer in a single checked, undoable step (e.g. 3 classes, 3 outputs)."""
    return controller.set_dataset_and_layers(ds, {layer_id: spec}, text)


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
    if ds.task == "classification":
        train = np.bincount(ds.t_train, minlength=ds.n_classes)
        test = np.bincount(ds.t_test, minlength=ds.n_classes)
        parts = ", ".join(f"{n} {a}/{b}" for n, a, b in zip(ds.class_names, train, test, strict=True))
        return f"{text} Classes (train/test): {parts}."
    t = np.concatenate([ds.t_train[:, 0], ds.t_test[:, 0]])
    return f"{text} Target '{ds.target_names[0]}' from {t.min():.3g} to {t.max():.3g}."


class DataPreview(QWidget):
    """A scatter of a 2-D set's points, or a table of a table's first rows, with the class counts."""

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
        self.counts = note_label(tip="How many rows each split and each class has")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.scatter, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(self.table)
        layout.addWidget(self.counts)

    def show_dataset(self, ds: Dataset) -> None:
        self.scatter.setVisible(ds.is_2d)
        self.table.setVisible(not ds.is_2d)
        if ds.is_2d:
            self.scatter.setPixmap(QPixmap.fromImage(scatter_image(ds)))
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
        self._rows = {
            name: i
            for i, name in enumerate(("source", "classes", "noise", "points", "features", "file", "target"))
        }

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
        is_2d = c.source in PLAYGROUND_KINDS
        classify = is_2d and PLAYGROUND_KINDS[c.source] == "classification"
        for name, visible in (
            ("classes", classify),
            ("noise", is_2d),
            ("points", is_2d),
            ("features", is_2d),
            ("file", c.source == "csv"),
            ("target", c.source == "csv" and bool(c.csv_header)),
        ):
            self.form.setRowVisible(self._rows[name], visible)
        self.regenerate.setEnabled(c.source != "csv" or bool(c.csv_path))

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
        if source == "csv" and not self._choice.csv_path:
            if not self.open_csv():
                self._show_choice(self._choice)
            return
        self._change(source=source)

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
