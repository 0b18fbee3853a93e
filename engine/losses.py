"""Losses and regularisers by name, and how a loss meets the network's output layer."""

from __future__ import annotations

from dataclasses import dataclass

from engine.errors import ConfigError
from engine.kernels import layout as L

#: name -> (kernel code, description)
LOSSES: dict[str, tuple[int, str]] = {
    "mse": (L.LOSS_MSE, "mean squared error: mean of (y − t)² over every output"),
    "mae": (L.LOSS_MAE, "mean absolute error: mean of |y − t| over every output"),
    "cross_entropy": (L.LOSS_CE, "softmax cross-entropy: −Σ t·log softmax(y), mean over the batch"),
    "binary_cross_entropy": (
        L.LOSS_BCE,
        "binary cross-entropy: −[t·log p + (1−t)·log(1−p)], mean over outputs",
    ),
}
_ALIASES = {
    "mean_squared_error": "mse",
    "mean_absolute_error": "mae",
    "softmax_cross_entropy": "cross_entropy",
    "categorical_cross_entropy": "cross_entropy",
    "ce": "cross_entropy",
    "bce": "binary_cross_entropy",
}

REGULARIZERS: dict[str, int] = {"none": L.REG_NONE, "l1": L.REG_L1, "l2": L.REG_L2}


def loss_name(name: str) -> str:
    name = _ALIASES.get(name, name)
    if name not in LOSSES:
        raise ConfigError(f"unknown loss '{name}'; choose one of: {', '.join(LOSSES)}")
    return name


@dataclass(frozen=True)
class Regularization:
    """L1 (rate·Σ|w|) or L2 (rate/2·Σw², so its gradient is rate·w) on Dense and Conv2D kernels, never
    on biases."""

    kind: str = "none"
    rate: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in REGULARIZERS:
            raise ConfigError(
                f"unknown regularisation '{self.kind}'; choose one of: {', '.join(REGULARIZERS)}"
            )
        if not (isinstance(self.rate, (int, float)) and self.rate >= 0):
            raise ConfigError(f"the regularisation rate must be a number >= 0. Received: {self.rate!r}")

    @property
    def code(self) -> int:
        return REGULARIZERS[self.kind]

    def penalty(self, kernels) -> float:
        """The term added to the loss for these kernel arrays."""
        if self.kind == "l1":
            return float(self.rate * sum(abs(k).sum(dtype=float) for k in kernels))
        if self.kind == "l2":
            return float(0.5 * self.rate * sum((k.astype(float) ** 2).sum() for k in kernels))
        return 0.0


def output_mode(loss: str, output_activation: str) -> int:
    """How the loss joins the output layer.

    Cross-entropy after softmax and binary cross-entropy after sigmoid are *fused*: the gradient at
    the layer's weighted sum is simply p − t, which is exact and never divides by a tiny p. Without
    that activation the output is read as logits and the loss applies softmax/sigmoid itself.
    """
    if loss == "cross_entropy":
        return L.MODE_FUSED if output_activation == "softmax" else L.MODE_LOGITS
    if loss == "binary_cross_entropy":
        return L.MODE_FUSED if output_activation == "sigmoid" else L.MODE_LOGITS
    return L.MODE_PLAIN
