"""The inspector's editors for the image layers: Conv2D, the two poolings, Flatten and Reshape.

Like the Dense editor, each builds a new spec from its fields; the inspector hands it to the controller,
and the engine's reason for a refusal (a kernel larger than the image, a shape that does not hold the
input's values) appears in red under the field that was changed.
"""

from __future__ import annotations

import dataclasses

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QLabel, QLineEdit, QSpinBox, QWidget

from engine import AvgPool2D, ConfigError, Conv2D, Flatten, LayerSpec, MaxPool2D, Reshape
from engine.image_layers import PADDINGS, pair
from simulator.panels.forms import note_label, write_quietly
from simulator.panels.layer_editor import LayerEditor, WeightedEditor

MAX_FILTERS = 512
MAX_WINDOW = 64

PADDING_TIPS = {
    "valid": "No padding: the window stays inside the image, so the maps shrink by kernel − 1",
    "same": "Pad with zeros so the maps keep the image's size (divided by the stride)",
}


class PairSpin(QWidget):
    """Two whole numbers, rows × columns (a window or a stride); ``value`` is one number when square.

    Signals
    -------
    changed()
        Either number was changed.
    """

    changed = Signal()

    def __init__(self, minimum: int = 1, maximum: int = MAX_WINDOW, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows, self.cols = QSpinBox(), QSpinBox()
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        for k, box in enumerate((self.rows, self.cols)):
            box.setRange(minimum, maximum)
            box.setKeyboardTracking(False)
            box.setMaximumWidth(64)
            box.valueChanged.connect(lambda _v: self.changed.emit())
            if k:
                row.addWidget(QLabel("×"))
            row.addWidget(box)
        row.addStretch(1)

    def value(self) -> int | tuple[int, int]:
        r, c = self.rows.value(), self.cols.value()
        return r if r == c else (r, c)

    def set_value(self, value: int | tuple[int, int]) -> None:
        r, c = pair(value)
        write_quietly(self.rows, r)
        write_quietly(self.cols, c)

    def setToolTip(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setToolTip(text)
        self.rows.setToolTip(text)
        self.cols.setToolTip(text)


class Conv2DEditor(WeightedEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filters = QSpinBox()
        self.filters.setRange(1, MAX_FILTERS)
        self.filters.setKeyboardTracking(False)
        self.filters.setMaximumWidth(110)
        self.filters.valueChanged.connect(lambda _v: self.edited.emit("filters"))
        self.add_field(
            "filters", "Filters", self.filters, "How many filters slide over the image: one feature map each"
        )
        self.kernel_size = PairSpin()
        self.kernel_size.changed.connect(lambda: self.edited.emit("kernel_size"))
        self.add_field(
            "kernel_size", "Kernel", self.kernel_size, "Height × width of each filter's window, in pixels"
        )
        self.stride = PairSpin()
        self.stride.changed.connect(lambda: self.edited.emit("stride"))
        self.add_field("stride", "Stride", self.stride, "How many pixels the window moves at each step")
        self.padding = QComboBox()
        for name in PADDINGS:
            self.padding.addItem(name, name)
            index = self.padding.count() - 1
            self.padding.setItemData(index, PADDING_TIPS[name], Qt.ItemDataRole.ToolTipRole)
        self.padding.currentIndexChanged.connect(lambda _i: self.edited.emit("padding"))
        self.add_field(
            "padding", "Padding", self.padding, "valid: no padding (maps shrink); same: maps keep the size"
        )
        self.add_weight_fields(
            "The function applied to every value of the maps",
            "Add a learned bias to each filter's map",
            weights="filter weights",
        )

    def set_spec(self, spec: Conv2D) -> None:
        write_quietly(self.filters, spec.filters)
        self.kernel_size.set_value(spec.kernel_size)
        self.stride.set_value(spec.stride)
        write_quietly(self.padding, spec.padding)
        self.set_weight_fields(spec)

    def build(self, spec: Conv2D) -> Conv2D:
        return dataclasses.replace(
            spec,
            filters=self.filters.value(),
            kernel_size=self.kernel_size.value(),
            stride=self.stride.value(),
            padding=self.padding.currentData(),
            **self.weight_fields(),
        )


class PoolEditor(LayerEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.pool_size = PairSpin()
        self.pool_size.changed.connect(lambda: self.edited.emit("pool_size"))
        self.add_field("pool_size", "Window", self.pool_size, "Height × width of each pooling window")
        self.own_stride = QCheckBox("Own stride")
        self.own_stride.toggled.connect(lambda _b: self.edited.emit("stride"))
        self.stride = PairSpin()
        self.stride.changed.connect(lambda: self.edited.emit("stride"))
        self.own_stride.setToolTip("Ticked: choose the stride; unticked: the window moves by its own size")
        self.stride.setToolTip("How many pixels the window moves at each step")
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.own_stride)
        row.addWidget(self.stride, 1)
        self.add_field(
            "stride",
            "Stride",
            box,
            "How far the window moves; unticked, it moves by its own size (windows do not overlap)",
        )

    def set_spec(self, spec: MaxPool2D | AvgPool2D) -> None:
        self.pool_size.set_value(spec.pool_size)
        write_quietly(self.own_stride, spec.stride is not None)
        self.stride.set_value(spec.pool_size if spec.stride is None else spec.stride)
        self.stride.setEnabled(spec.stride is not None)

    def build(self, spec: MaxPool2D | AvgPool2D) -> MaxPool2D | AvgPool2D:
        stride = self.stride.value() if self.own_stride.isChecked() else None
        return dataclasses.replace(spec, pool_size=self.pool_size.value(), stride=stride)


class FlattenEditor(LayerEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.form.addRow(
            note_label(
                "Lays the image out as one vector: channel by channel, row by row. "
                "It has nothing to set; Dense layers can follow it.",
                "A 8 × 13 × 13 stack of maps becomes 1352 values",
            )
        )


def parse_shape(text: str) -> tuple[int, ...]:
    """``"1, 28, 28"`` or ``"1×28×28"`` → (1, 28, 28); raises ConfigError for anything else."""
    parts = [p for p in text.replace("×", ",").replace("x", ",").replace(" ", ",").split(",") if p]
    try:
        return tuple(int(p) for p in parts)
    except ValueError:
        raise ConfigError(
            f"Reshape needs whole numbers separated by commas, such as 1, 28, 28. Received: {text!r}"
        ) from None


class ReshapeEditor(LayerEditor):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.shape = QLineEdit()
        self.shape.setMaximumWidth(160)
        self.shape.editingFinished.connect(lambda: self.edited.emit("shape"))
        self.add_field(
            "shape",
            "Shape",
            self.shape,
            "The new shape, e.g. 1, 28, 28 (channels, height, width) or 784;\n"
            "it must hold as many values as the input",
        )

    def set_spec(self, spec: Reshape) -> None:
        write_quietly(self.shape, ", ".join(map(str, spec.shape)))

    def build(self, spec: Reshape) -> Reshape:
        return dataclasses.replace(spec, shape=parse_shape(self.shape.text()))


#: the editor of each image layer type (the inspector adds these to its own)
IMAGE_EDITORS: dict[type[LayerSpec], type[LayerEditor]] = {
    Conv2D: Conv2DEditor,
    MaxPool2D: PoolEditor,
    AvgPool2D: PoolEditor,
    Flatten: FlattenEditor,
    Reshape: ReshapeEditor,
}
