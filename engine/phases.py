"""What one phase of training did, in a form a view can draw without touching the trainer."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

import numpy as np


class Phase(enum.Enum):
    FORWARD = "forward"
    LOSS = "loss"
    BACKWARD = "backward"
    UPDATE = "update"


@dataclass(frozen=True, slots=True)
class PhaseEvent:
    """One phase of one mini-batch. Arrays are copies: the event stays valid after training moves on.

    - FORWARD, layer k: ``inputs`` (the layer's input activations, one array per input), ``output``
      (its activations), ``pre_activation`` (a Dense layer's x·W + b).
    - LOSS: ``loss`` (data loss, mean over the batch), ``penalty`` (regularisation term), ``output``
      (predictions), ``targets``, ``output_grad`` (∂L/∂output, or ∂L/∂z when softmax/sigmoid is fused).
    - BACKWARD, layer k: ``output_grad`` (∂L/∂ its output), ``pre_activation_grad`` (∂L/∂z, Dense),
      ``grads`` (``{"kernel": ∂L/∂W, "bias": ∂L/∂b}``), ``input_grad`` (∂L/∂ its first input).
    - UPDATE: ``deltas`` (``{"layer.param": change}``) and ``learning_rate``.
    """

    step: int
    epoch: int
    phase: Phase
    layer: str | None = None
    layer_index: int | None = None
    batch: np.ndarray | None = None  # indices of the training rows in this mini-batch
    inputs: tuple[np.ndarray, ...] = ()
    output: np.ndarray | None = None
    pre_activation: np.ndarray | None = None
    targets: np.ndarray | None = None
    loss: float | None = None
    penalty: float | None = None
    output_grad: np.ndarray | None = None
    pre_activation_grad: np.ndarray | None = None
    grads: dict[str, np.ndarray] = field(default_factory=dict)
    input_grad: np.ndarray | None = None
    deltas: dict[str, np.ndarray] = field(default_factory=dict)
    learning_rate: float | None = None

    def caption(self) -> str:
        """A plain-words sentence for the window's caption."""
        if self.phase is Phase.FORWARD:
            if self.layer_index == 0:
                return f"Step {self.step + 1}: a mini-batch of {len(self.output)} samples enters the network."
            return f"Forward: layer '{self.layer}' computes its outputs from its inputs."
        if self.phase is Phase.LOSS:
            return f"Loss: the predictions are compared with the targets; the loss is {self.loss:.4g}."
        if self.phase is Phase.BACKWARD:
            return (
                f"Backward: layer '{self.layer}' passes the error back and gets the gradient of its weights."
            )
        return f"Update: every weight moves against its gradient (learning rate {self.learning_rate:g})."
