"""The one-click fix the data panel offers when a data set does not fit the output layer."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from engine import Dense
from engine.data import Dataset
from engine.losses import LOSSES
from simulator.controller import SceneController


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
