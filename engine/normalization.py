"""Batch normalisation: each channel scaled to zero mean and unit variance over the mini-batch.

``BatchNorm`` works on flat vectors ``(features,)`` (one channel per feature, as
``torch.nn.BatchNorm1d``) and on images ``(C, H, W)`` (statistics per channel over the batch and every
position, as ``torch.nn.BatchNorm2d``). While training it uses the batch's statistics and moves the
running ones towards them with torch's rule: ``running = (1 − momentum)·running + momentum·batch``,
with the unbiased variance for the running one. Evaluation, ``predict`` and ``activations`` use the
running statistics. They live in the flat weights beside ``gamma`` and ``beta`` (so scenes and
snapshots keep them) but no optimiser touches them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from engine.errors import ConfigError
from engine.initializers import Constant, Initializer, Zeros
from engine.layers import LayerSpec, Shape, ShapeError, register_layer

RUNNING = ("moving_mean", "moving_var")
"""Weights a layer keeps but no optimiser changes."""


def _number(name: str, value: Any, rule: str, ok) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok(value):
        raise ConfigError(f"BatchNorm needs {rule}. Received: {name}={value!r}")
    return float(value)


@register_layer
@dataclass(frozen=True)
class BatchNorm(LayerSpec):
    """``y = gamma · (x − mean) / sqrt(var + epsilon) + beta``, per channel."""

    type_name: ClassVar[str] = "BatchNorm"
    summary: ClassVar[str] = (
        "Rescales each channel to mean 0 and spread 1 over the batch, then learns a scale and a shift."
    )
    momentum: float = 0.1
    epsilon: float = 1e-5

    def __post_init__(self) -> None:
        momentum = _number("momentum", self.momentum, "0 <= momentum <= 1", lambda v: 0 <= v <= 1)
        epsilon = _number("epsilon", self.epsilon, "0 < epsilon <= 1", lambda v: 0 < v <= 1)
        object.__setattr__(self, "momentum", momentum)
        object.__setattr__(self, "epsilon", epsilon)

    @staticmethod
    def channels(shape: Shape) -> tuple[int, int]:
        """(channels, values per channel in one sample)."""
        if len(shape) == 1:
            return shape[0], 1
        if len(shape) == 3:
            return shape[0], shape[1] * shape[2]
        raise ShapeError(f"BatchNorm takes features or an image (channels, height, width), not shape {shape}")

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        self.channels(inputs[0])
        return inputs[0]

    def param_shapes(self, inputs: list[Shape]) -> dict[str, Shape]:
        c, _ = self.channels(inputs[0])
        return {"gamma": (c,), "beta": (c,), "moving_mean": (c,), "moving_var": (c,)}

    def initializer(self, param: str) -> Initializer:
        ones, zeros = Constant(1.0), Zeros()
        return {"gamma": ones, "beta": zeros, "moving_mean": zeros, "moving_var": ones}[param]
