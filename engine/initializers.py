"""Weight and bias initialisers: small frozen configs that fill an array from a seeded generator."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from engine.errors import ConfigError

INITIALIZERS: dict[str, type[Initializer]] = {}


def _register(cls: type[Initializer]) -> type[Initializer]:
    INITIALIZERS[cls.name] = cls
    return cls


@dataclass(frozen=True)
class Initializer:
    """Base class. ``fill(shape, rng)`` returns float64 values; the model casts them to its dtype."""

    name: ClassVar[str] = ""

    def fill(self, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def to_config(self) -> dict[str, Any]:
        return {"type": self.name, **dataclasses.asdict(self)}


def _fans(shape: tuple[int, ...]) -> tuple[int, int]:
    """(fan_in, fan_out): a Dense kernel is (n_in, n_out); a Conv2D kernel (filters, in_channels, kh, kw),
    whose every output sees in_channels·kh·kw inputs, as in torch and Keras."""
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 4:
        receptive = shape[2] * shape[3]
        return shape[1] * receptive, shape[0] * receptive
    receptive = math.prod(shape[:-2]) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


@_register
@dataclass(frozen=True)
class Zeros(Initializer):
    name: ClassVar[str] = "zeros"

    def fill(self, shape, rng):
        return np.zeros(shape)


@_register
@dataclass(frozen=True)
class Constant(Initializer):
    name: ClassVar[str] = "constant"
    value: float = 0.1

    def fill(self, shape, rng):
        return np.full(shape, float(self.value))


@_register
@dataclass(frozen=True)
class Uniform(Initializer):
    """U(low, high); TensorFlow Playground uses U(−0.5, 0.5) for weights."""

    name: ClassVar[str] = "uniform"
    low: float = -0.5
    high: float = 0.5

    def __post_init__(self) -> None:
        if not self.low < self.high:
            raise ConfigError(
                f"uniform initialiser needs low < high. Received: low={self.low}, high={self.high}"
            )

    def fill(self, shape, rng):
        return rng.uniform(self.low, self.high, size=shape)


@_register
@dataclass(frozen=True)
class Normal(Initializer):
    name: ClassVar[str] = "normal"
    mean: float = 0.0
    std: float = 0.05

    def __post_init__(self) -> None:
        if not self.std >= 0:
            raise ConfigError(f"normal initialiser needs std >= 0. Received: std={self.std}")

    def fill(self, shape, rng):
        return rng.normal(self.mean, self.std, size=shape)


@_register
@dataclass(frozen=True)
class GlorotUniform(Initializer):
    """U(±√(6/(fan_in+fan_out))): keeps activation variance steady through tanh/sigmoid layers."""

    name: ClassVar[str] = "glorot_uniform"

    def fill(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        limit = math.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)


@_register
@dataclass(frozen=True)
class GlorotNormal(Initializer):
    name: ClassVar[str] = "glorot_normal"

    def fill(self, shape, rng):
        fan_in, fan_out = _fans(shape)
        return rng.normal(0.0, math.sqrt(2.0 / (fan_in + fan_out)), size=shape)


@_register
@dataclass(frozen=True)
class HeUniform(Initializer):
    """U(±√(6/fan_in)): the variance-preserving choice for relu layers."""

    name: ClassVar[str] = "he_uniform"

    def fill(self, shape, rng):
        fan_in, _ = _fans(shape)
        limit = math.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, size=shape)


@_register
@dataclass(frozen=True)
class HeNormal(Initializer):
    name: ClassVar[str] = "he_normal"

    def fill(self, shape, rng):
        fan_in, _ = _fans(shape)
        return rng.normal(0.0, math.sqrt(2.0 / fan_in), size=shape)


def initializer_from_config(config: str | dict[str, Any] | Initializer) -> Initializer:
    """Accept ``"he_normal"``, ``{"type": "uniform", "low": -1, "high": 1}`` or an Initializer."""
    if isinstance(config, Initializer):
        return config
    if isinstance(config, str):
        config = {"type": config}
    if not isinstance(config, dict) or "type" not in config:
        raise ConfigError(f"an initialiser is a name or a dict with a 'type'. Received: {config!r}")
    params = dict(config)
    name = params.pop("type")
    cls = INITIALIZERS.get(name)
    if cls is None:
        raise ConfigError(f"unknown initialiser '{name}'; choose one of: {', '.join(INITIALIZERS)}")
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"initialiser '{name}': {exc}") from None
