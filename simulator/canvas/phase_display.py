"""What the canvas draws while one phase of training is shown (``GraphScene.show_phase``).

- FORWARD of layer k: layers up to k show this mini-batch's outputs (each neuron's mean over the batch);
  later layers are dimmed and marked "not computed yet".
- LOSS: the output neurons show the error per output (the batch mean of ∂L/∂output), with "loss = …".
- BACKWARD of layer k: the weight lines into k, and into the layers already passed, show ∂L/∂w (colour by
  sign, width by magnitude relative to the layer's largest |∂L/∂w|); those layers' neurons show their
  error signal δ = ∂L/∂z (batch mean), coloured relative to the layer's largest |δ|.
- UPDATE: the weight lines show the change Δw of this step.

The display keeps what earlier phases of the same mini-batch reported (outputs, δ, gradients), so each
event adds to the picture. ``show(None)`` hands the canvas back to the normal display.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QBrush
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSimpleTextItem

from engine import Phase, PhaseEvent
from simulator.canvas.colors import INK, fmt
from simulator.canvas.fonts import TITLE_FONT

#: the drawn magnitude of each layer's largest |∂L/∂w| or |Δw| (the weight pens' top levels: thick, saturated)
LINE_TOP = 4.0
BATCH_NOTE = "mean over this mini-batch"


def _peak(arrays) -> float:
    peak = max((float(np.nanmax(np.abs(a))) for a in arrays if a is not None and a.size), default=0.0)
    return peak if np.isfinite(peak) and peak > 0 else 1.0


class PhaseDisplay:
    """Draws one ``PhaseEvent`` on ``scene`` (a ``GraphScene``): neuron values, weight lines, a label."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self.event: PhaseEvent | None = None
        self._step: int | None = None
        self.outputs: dict[str, np.ndarray] = {}  # layer → (width,) batch mean of its output
        self.deltas: dict[str, np.ndarray] = {}  # layer → (width,) batch mean of δ
        self.grads: dict[str, np.ndarray] = {}  # "layer.kernel" → ∂L/∂W
        self.label = QGraphicsSimpleTextItem()
        self.label.setFont(TITLE_FONT)
        self.label.setBrush(QBrush(INK))
        self.label.setZValue(9)
        self.label.setVisible(False)
        scene.addItem(self.label)

    @property
    def active(self) -> bool:
        return self.event is not None

    def show(self, event: PhaseEvent | None) -> None:
        """Record ``event`` and draw it (None: forget the phase; the scene redraws its normal values)."""
        if event is None:
            self.event, self._step = None, None
            self.outputs, self.deltas, self.grads = {}, {}, {}
            self.label.setVisible(False)
            return
        new_batch = event.step != self._step or (event.phase is Phase.FORWARD and event.layer_index == 0)
        if new_batch:
            self.outputs, self.deltas, self.grads = {}, {}, {}
        self._step = event.step
        layer = event.layer
        if event.phase in (Phase.FORWARD, Phase.LOSS) and layer and event.output is not None:
            self.outputs[layer] = np.asarray(event.output, np.float64).mean(axis=0)
        elif event.phase is Phase.BACKWARD and layer:
            signal = event.pre_activation_grad if event.pre_activation_grad is not None else event.output_grad
            if signal is not None:
                self.deltas[layer] = np.asarray(signal, np.float64).mean(axis=0)
            if "kernel" in event.grads:
                self.grads[f"{layer}.kernel"] = event.grads["kernel"]
        self.event = event
        self.apply()

    # ------------------------------------------------------------------------------ drawing
    def apply(self) -> None:
        """Draw the current event (again: after a rebuild or a refresh)."""
        event = self.event
        if event is None:
            return
        self._neurons(event)
        self._weights(event)
        self._label(event)

    def _order(self) -> dict[str, int]:
        model = self.scene.controller.trainer.model
        if model is None:
            return {}
        return {node.id: k for k, node in enumerate(model.resolved.order)}

    def _neurons(self, event: PhaseEvent) -> None:
        order = self._order()
        means = self.scene.activity.means
        for layer_id, item in self.scene.layer_items().items():
            index = order.get(layer_id)
            later = (
                event.phase is Phase.FORWARD
                and index is not None
                and event.layer_index is not None
                and index > event.layer_index
            )
            item.set_not_computed(later)
            if later:
                item.set_meaning()
                item.set_activity(None, None)
            elif event.phase is Phase.LOSS and layer_id == event.layer and event.output_grad is not None:
                error = np.asarray(event.output_grad, np.float64).mean(axis=0)
                item.set_meaning("error \u2202L/\u2202output", BATCH_NOTE, _peak([error]))
                item.set_activity(error, None)
            elif event.phase is Phase.BACKWARD and layer_id in self.deltas:
                delta = self.deltas[layer_id]
                item.set_meaning("error signal \u03b4 = \u2202L/\u2202z", BATCH_NOTE, _peak([delta]))
                item.set_activity(delta, None)
            elif layer_id in self.outputs:
                item.set_meaning("output", BATCH_NOTE)
                item.set_activity(self.outputs[layer_id], None)
            else:  # not reported by this walk (e.g. joined mid-batch): the model's outputs on the batch
                item.set_meaning()
                item.set_activity(means.get(layer_id), None)

    def _weights(self, event: PhaseEvent) -> None:
        scene = self.scene
        if event.phase is Phase.BACKWARD:
            values, quantity = dict(self.grads), "\u2202L/\u2202w"
        elif event.phase is Phase.UPDATE:
            values = {k: v for k, v in event.deltas.items() if k.endswith(".kernel")}
            quantity = "\u0394w"
        else:
            model = scene.controller.trainer.model
            scene.show_weight_values(model.params if model is not None else None)
            return
        scales = {k: LINE_TOP / _peak([v]) for k, v in values.items()}
        scene.show_weight_values(values, quantity, scales)

    def _label(self, event: PhaseEvent) -> None:
        label = self.label
        item = self.scene.layer_item(event.layer) if event.layer else None
        text = ""
        if event.phase is Phase.LOSS and event.loss is not None:
            text = f"loss = {fmt(float(event.loss))}"
        elif event.phase is Phase.BACKWARD:
            text = "\u03b4 = \u2202L/\u2202z"
        elif event.phase is Phase.FORWARD and event.output is not None:
            text = f"mean of {len(event.output)} samples"
        if item is None or not text:
            label.setVisible(False)
            return
        label.setText(text)
        rect = item.mapRectToScene(item.card)
        width = label.boundingRect().width()
        label.setPos(rect.center().x() - width / 2, rect.bottom() + 30)
        label.setVisible(True)
