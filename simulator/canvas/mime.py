"""What a palette drag carries onto the canvas, and the layer a drop creates."""

from __future__ import annotations

from PySide6.QtCore import QMimeData

from engine import LAYER_TYPES, Activation, Add, Concat, Dense, Dropout, Input, LayerSpec, Reshape
from engine.data import Dataset

LAYER_MIME = "application/x-nnsim-layer"


def layer_mime_data(type_name: str) -> QMimeData:
    """The drag payload for one layer type (the type's name, UTF-8)."""
    mime = QMimeData()
    mime.setData(LAYER_MIME, type_name.encode("utf-8"))
    mime.setText(type_name)
    return mime


def type_from_mime(mime: QMimeData) -> str | None:
    """The layer type a drag carries, or None when it carries none we know."""
    if not mime.hasFormat(LAYER_MIME):
        return None
    name = bytes(mime.data(LAYER_MIME).data()).decode("utf-8", "replace").strip()
    return name if name in LAYER_TYPES else None


def default_spec(type_name: str, dataset: Dataset | None = None) -> LayerSpec:
    """The layer a drop creates: small and useful as it is (an Input sized to the data)."""
    if type_name == "Input":
        if dataset is not None and dataset.is_image:
            return Input(shape=dataset.image_shape)
        return Input(dataset.n_inputs if dataset is not None else 2)
    if type_name == "Reshape" and dataset is not None:
        side = int(round(dataset.n_inputs**0.5))
        if dataset.is_image:
            return Reshape(dataset.image_shape)
        if side * side == dataset.n_inputs:
            return Reshape((1, side, side))  # square data read as a one-channel image
    if type_name == "Dense":
        return Dense(4, "tanh")
    if type_name == "Activation":
        return Activation("relu")
    if type_name == "Dropout":
        return Dropout(0.5)
    if type_name == "Add":
        return Add()
    if type_name == "Concat":
        return Concat()
    return LAYER_TYPES[type_name]()
