"""The names a lesson and its locks use: settings a step may change or a teacher may lock, and actions.

A setting is named ``"training.learning_rate"``, ``"dataset.noise"`` or ``"<layer id>.<field>"``
(``"h1.units"``, ``"out.activation"``). Lesson steps carry one action each, a button the student
presses; the window performs it.
"""

from __future__ import annotations

import dataclasses

from engine.layers import LAYER_TYPES

TRAINING_SETTINGS: dict[str, str] = {
    "training.learning_rate": "number",
    "training.batch_size": "integer",
    "training.loss": "string",
    "training.optimizer": "string",
    "training.momentum": "number",
    "training.regularization": "string",
    "training.regularization_rate": "number",
    "training.seed": "integer",
    "training.init_seed": "integer",
    "training.shuffle": "boolean",
}
"""Training settings by name, with the JSON type a ``set_param`` action gives them."""

DATASET_SETTINGS: dict[str, str] = {
    "dataset.kind": "string",
    "dataset.noise": "number",
    "dataset.n_points": "integer",
    "dataset.train_ratio": "number",
    "dataset.test_ratio": "number",
    "dataset.seed": "integer",
    "dataset.features": "strings",
    "dataset.n_classes": "integer",
    "dataset.points": "none",
}
"""Data set settings; ``dataset.points`` stands for adding and erasing points by hand (lock only)."""

LAYER_FIELD_TYPES: dict[str, str] = {
    "units": "integer",
    "size": "integer",
    "filters": "integer",
    "padding": "string",
    "momentum": "number",
    "epsilon": "number",
    "activation": "string",
    "use_bias": "boolean",
    "alpha": "number",
    "rate": "number",
    "kernel_init": "string",
    "bias_init": "string",
}
"""Layer fields a step may set, with their JSON type (an initialiser is set by name)."""

ACTIONS: dict[str, dict[str, str]] = {
    "run_steps": {"steps": "integer"},
    "run_epochs": {"epochs": "integer"},
    "select_layer": {"layer": "layer"},
    "set_param": {"param": "param", "value": "value"},
    "reset": {},
    "show_panel": {"panel": "name"},
}
"""Action type -> its required fields and their kinds."""

CONTROLS: tuple[str, ...] = (
    "add_layer",
    "remove_layer",
    "connect",
    "dataset",
    "features",
    "training",
    "reset",
    "rewind",
    "edit_points",
)
"""Controls the window knows how to lock; other names are allowed for later versions and ignored."""

PANELS: tuple[str, ...] = (
    "data",
    "network",
    "loss",
    "weights",
    "activations",
    "gradients",
    "confusion",
    "lesson",
    "samples",
    "draw",
)
"""Panel names the window opens; other names are allowed and ignored."""


def layer_fields(type_name: str) -> set[str]:
    """The config fields of a layer type (``Dense`` -> units, activation, ...)."""
    cls = LAYER_TYPES.get(type_name)
    return {f.name for f in dataclasses.fields(cls)} if cls is not None else set()


def setting_type(name: str, layers: dict[str, str]) -> str | None:
    """The JSON type of setting ``name``, or None when no such setting exists.

    Parameters
    ----------
    layers : dict of str to str
        Layer id -> layer type name, for the ``"<layer id>.<field>"`` settings.
    """
    if name in TRAINING_SETTINGS:
        return TRAINING_SETTINGS[name]
    if name in DATASET_SETTINGS:
        return DATASET_SETTINGS[name]
    layer, _, field = name.rpartition(".")
    if layer in layers and field in layer_fields(layers[layer]):
        return LAYER_FIELD_TYPES.get(field, "value")
    return None
