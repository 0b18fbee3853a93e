"""Optimisers as small configs; the arithmetic is ``engine.kernels.cpu.update`` (PyTorch's update rules)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from engine.errors import ConfigError
from engine.kernels import layout as L


@dataclass(frozen=True)
class Optimizer:
    name: ClassVar[str] = ""
    code: ClassVar[int] = -1
    learning_rate: float = 0.01

    def __post_init__(self) -> None:
        _positive("learning_rate", self.learning_rate, allow_zero=True)

    def fill(self, H: np.ndarray, IH: np.ndarray) -> None:
        """Write this optimiser's settings into the kernels' hyper-parameter arrays."""
        IH[L.I_OPT] = self.code
        H[L.H_LR] = self.learning_rate

    def to_config(self) -> dict[str, Any]:
        return {"type": self.name, **dataclasses.asdict(self)}

    def with_learning_rate(self, lr: float) -> Optimizer:
        return dataclasses.replace(self, learning_rate=lr)


def _positive(name: str, value: Any, allow_zero: bool = False) -> None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)
    ok = ok and (value >= 0 if allow_zero else value > 0)
    if not ok:
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{name} must be a finite number {bound}. Received: {name}={value!r}")


def _fraction(name: str, value: Any) -> None:
    if not (isinstance(value, (int, float)) and 0 <= value < 1):
        raise ConfigError(f"{name} must be in [0, 1). Received: {name}={value!r}")


@dataclass(frozen=True)
class SGD(Optimizer):
    """w ← w − η·g; with momentum μ: b ← μ·b + g, step along b (or g + μ·b, Nesterov)."""

    name: ClassVar[str] = "sgd"
    code: ClassVar[int] = L.OPT_SGD
    momentum: float = 0.0
    nesterov: bool = False

    def __post_init__(self) -> None:
        super().__post_init__()
        _fraction("momentum", self.momentum)
        if self.nesterov and self.momentum == 0:
            raise ConfigError("Nesterov momentum needs momentum > 0")

    def fill(self, H, IH):
        super().fill(H, IH)
        H[L.H_MOMENTUM] = self.momentum
        IH[L.I_NESTEROV] = int(self.nesterov)


@dataclass(frozen=True)
class Adam(Optimizer):
    """Adam (Kingma & Ba) with bias correction, as PyTorch computes it."""

    name: ClassVar[str] = "adam"
    code: ClassVar[int] = L.OPT_ADAM
    learning_rate: float = 0.001
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8

    def __post_init__(self) -> None:
        super().__post_init__()
        _fraction("beta1", self.beta1)
        _fraction("beta2", self.beta2)
        _positive("eps", self.eps)

    def fill(self, H, IH):
        super().fill(H, IH)
        H[L.H_BETA1] = self.beta1
        H[L.H_BETA2] = self.beta2
        H[L.H_EPS] = self.eps


@dataclass(frozen=True)
class RMSprop(Optimizer):
    """v ← ρ·v + (1−ρ)·g²; w ← w − η·g / (√v + ε); optional momentum on that step."""

    name: ClassVar[str] = "rmsprop"
    code: ClassVar[int] = L.OPT_RMSPROP
    learning_rate: float = 0.001
    rho: float = 0.9
    eps: float = 1e-7
    momentum: float = 0.0

    def __post_init__(self) -> None:
        super().__post_init__()
        _fraction("rho", self.rho)
        _positive("eps", self.eps)
        _fraction("momentum", self.momentum)

    def fill(self, H, IH):
        super().fill(H, IH)
        H[L.H_RHO] = self.rho
        H[L.H_EPS] = self.eps
        H[L.H_MOMENTUM] = self.momentum


OPTIMIZERS: dict[str, type[Optimizer]] = {c.name: c for c in (SGD, Adam, RMSprop)}


def optimizer_from_config(config: str | dict[str, Any] | Optimizer) -> Optimizer:
    if isinstance(config, Optimizer):
        return config
    if isinstance(config, str):
        config = {"type": config}
    if not isinstance(config, dict) or "type" not in config:
        raise ConfigError(f"an optimiser is a name or a dict with a 'type'. Received: {config!r}")
    params = dict(config)
    name = params.pop("type")
    cls = OPTIMIZERS.get(name)
    if cls is None:
        raise ConfigError(f"unknown optimiser '{name}'; choose one of: {', '.join(OPTIMIZERS)}")
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"optimiser '{name}': {exc}") from None
