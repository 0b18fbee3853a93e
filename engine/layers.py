"""Layer specifications: small frozen dataclasses that validate themselves and round-trip through configs.

A spec holds no weights. ``Network.build`` makes the weights from ``param_shapes`` and the initialisers,
and the compiled kernels do the arithmetic; the spec only says *what* a layer is.
Shapes are tuples without the batch axis: dense layers use ``(features,)``, image layers
``(channels, height, width)``. One sample's values always sit in one flat row, in C, H, W order, so
every layer's width is the product of its shape. The image layers live in ``engine.image_layers``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.activations import ACTIVATIONS, DEFAULT_LEAKY_ALPHA, activation_code
from engine.errors import ConfigError
from engine.initializers import (
    Constant,
    GlorotUniform,
    Initializer,
    Uniform,
    Zeros,
    initializer_from_config,
)

Shape = tuple[int, ...]
LAYER_TYPES: dict[str, type[LayerSpec]] = {}


def register_layer(cls: type[LayerSpec]) -> type[LayerSpec]:
    LAYER_TYPES[cls.type_name] = cls
    return cls


class ShapeError(ValueError):
    """Raised by ``infer_shape``; the network turns it into a GraphError naming the layer."""


@dataclass(frozen=True)
class LayerSpec:
    type_name: ClassVar[str] = ""
    #: how many inputs the layer takes: (min, max); max None means any number
    arity: ClassVar[tuple[int, int | None]] = (1, 1)
    #: one-line description for palettes and tooltips
    summary: ClassVar[str] = ""

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        raise NotImplementedError

    def param_shapes(self, inputs: list[Shape]) -> dict[str, Shape]:
        return {}

    def initializer(self, param: str) -> Initializer:
        raise KeyError(param)

    def to_config(self) -> dict[str, Any]:
        config: dict[str, Any] = {"type": self.type_name}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Initializer):
                value = value.to_config()
            elif isinstance(value, tuple):
                value = list(value)  # as JSON gives it back
            config[f.name] = value
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LayerSpec:
        return layer_from_config(config)


def layer_from_config(config: dict[str, Any]) -> LayerSpec:
    """Make a layer from ``{"type": "Dense", "units": 8, ...}``; unknown types and fields are named."""
    if not isinstance(config, dict) or "type" not in config:
        raise ConfigError(f"a layer config is a dict with a 'type'. Received: {config!r}")
    params = dict(config)
    type_name = params.pop("type")
    cls = LAYER_TYPES.get(type_name)
    if cls is None:
        raise ConfigError(f"unknown layer type '{type_name}'; known types: {', '.join(LAYER_TYPES)}")
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(params) - names)
    if unknown:
        raise ConfigError(f"{type_name} has no parameter {', '.join(map(repr, unknown))}")
    try:
        return cls(**params)
    except TypeError as exc:
        raise ConfigError(f"{type_name}: {exc}") from None


def _check_int(layer: str, name: str, value: Any, minimum: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(
            f"{layer} needs {name} to be a whole number >= {minimum}. Received: {name}={value!r}"
        )


def check_weighted(layer: LayerSpec) -> None:
    """Check the fields every layer with weights shares (activation, use_bias) and turn its initialiser
    configs into initialisers."""
    activation_code(layer.activation)
    object.__setattr__(layer, "kernel_init", initializer_from_config(layer.kernel_init))
    object.__setattr__(layer, "bias_init", initializer_from_config(layer.bias_init))
    if not isinstance(layer.use_bias, bool):
        raise ConfigError(
            f"{layer.type_name} needs use_bias to be true or false. Received: {layer.use_bias!r}"
        )


def _flat(layer: str, shape: Shape) -> int:
    if len(shape) != 1:
        raise ShapeError(
            f"{layer} takes a flat vector of features, but its input is an image of shape {shape}: "
            f"add a Flatten layer before the {layer}"
        )
    return shape[0]


def shape_size(shape: Shape) -> int:
    """How many values one sample has in a layer of this shape (its width in the flat buffers)."""
    out = 1
    for s in shape:
        out *= int(s)
    return out


def check_shape(layer: str, name: str, value: Any, dims: tuple[int, ...] = (1, 2, 3)) -> Shape:
    """A shape given as a list or tuple of positive whole numbers, returned as a tuple."""
    if (
        not isinstance(value, (list, tuple))
        or len(value) not in dims
        or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in value)
    ):
        lengths = " or ".join(str(d) for d in dims)
        raise ConfigError(
            f"{layer} needs {name} to be a list of {lengths} positive whole numbers, such as [1, 28, 28]. "
            f"Received: {name}={value!r}"
        )
    return tuple(int(v) for v in value)


@register_layer
@dataclass(frozen=True)
class Input(LayerSpec):
    """Where the data enters: one sample is a vector of ``size`` features, or an image of ``shape``
    (channels, height, width), flattened; then ``size`` is the product of the shape."""

    type_name: ClassVar[str] = "Input"
    arity: ClassVar[tuple[int, int | None]] = (0, 0)
    summary: ClassVar[str] = "The features of one sample enter the network here."
    size: int | None = None
    shape: Shape | None = None

    def __post_init__(self) -> None:
        if self.shape is None:
            size = 2 if self.size is None else self.size
            _check_int("Input", "size", size)
            object.__setattr__(self, "size", size)
            return
        shape = check_shape("Input", "shape", self.shape, (1, 3))
        if self.size is not None and self.size != shape_size(shape):
            raise ConfigError(
                f"Input has shape {list(shape)}, which holds {shape_size(shape)} values, "
                f"but size={self.size!r}: give only the shape"
            )
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "size", shape_size(shape))

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        return self.shape if self.shape is not None else (self.size,)

    def to_config(self) -> dict[str, Any]:
        config = super().to_config()
        if self.shape is None:
            del config["shape"]  # a flat Input's config stays as it always was
        return config


@register_layer
@dataclass(frozen=True)
class Dense(LayerSpec):
    """Fully connected layer: ``y = act(x @ kernel + bias)``, kernel of shape (inputs, units)."""

    type_name: ClassVar[str] = "Dense"
    summary: ClassVar[str] = "Every input connects to every unit: y = f(x·W + b)."
    units: int = 8
    activation: str = "linear"
    use_bias: bool = True
    kernel_init: Initializer = field(default_factory=GlorotUniform)
    bias_init: Initializer = field(default_factory=Zeros)
    alpha: float = DEFAULT_LEAKY_ALPHA

    def __post_init__(self) -> None:
        _check_int("Dense", "units", self.units)
        check_weighted(self)

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        _flat("Dense", inputs[0])
        return (self.units,)

    def param_shapes(self, inputs: list[Shape]) -> dict[str, Shape]:
        shapes = {"kernel": (_flat("Dense", inputs[0]), self.units)}
        if self.use_bias:
            shapes["bias"] = (self.units,)
        return shapes

    def initializer(self, param: str) -> Initializer:
        return {"kernel": self.kernel_init, "bias": self.bias_init}[param]


@register_layer
@dataclass(frozen=True)
class Activation(LayerSpec):
    """An activation on its own, so a course can show the weighted sum and the nonlinearity apart."""

    type_name: ClassVar[str] = "Activation"
    summary: ClassVar[str] = "Applies a nonlinearity to each value (softmax: to each sample)."
    activation: str = "relu"
    alpha: float = DEFAULT_LEAKY_ALPHA

    def __post_init__(self) -> None:
        activation_code(self.activation)

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        if self.activation == "softmax":
            _flat("Activation (softmax)", inputs[0])
        return inputs[0]


@register_layer
@dataclass(frozen=True)
class Dropout(LayerSpec):
    """Zeroes each value with probability ``rate`` while training and scales the rest by 1/(1−rate)."""

    type_name: ClassVar[str] = "Dropout"
    summary: ClassVar[str] = "While training, randomly silences units so the net cannot rely on any one."
    rate: float = 0.5

    def __post_init__(self) -> None:
        if isinstance(self.rate, bool) or not isinstance(self.rate, (int, float)) or not 0 <= self.rate < 1:
            raise ConfigError(f"Dropout needs 0 <= rate < 1. Received: rate={self.rate!r}")

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        return inputs[0]


@register_layer
@dataclass(frozen=True)
class Add(LayerSpec):
    """Sums its inputs element by element (a residual connection); all inputs need the same shape."""

    type_name: ClassVar[str] = "Add"
    arity: ClassVar[tuple[int, int | None]] = (2, None)
    summary: ClassVar[str] = "Adds its inputs value by value: a skip (residual) connection."

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        first = inputs[0]
        for shape in inputs[1:]:
            if shape != first:
                listed = ", ".join(str(s[0]) if len(s) == 1 else str(s) for s in inputs)
                raise ShapeError(f"Add needs inputs of equal size, but they have sizes {listed}")
        return first


@register_layer
@dataclass(frozen=True)
class Concat(LayerSpec):
    """Joins its inputs side by side into one longer vector."""

    type_name: ClassVar[str] = "Concat"
    arity: ClassVar[tuple[int, int | None]] = (2, None)
    summary: ClassVar[str] = "Places its inputs side by side in one longer vector."

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        return (sum(_flat("Concat", s) for s in inputs),)


def tfp_dense(units: int, activation: str = "tanh") -> Dense:
    """A Dense layer initialised as TensorFlow Playground does: weights U(−0.5, 0.5), biases 0.1."""
    return Dense(units, activation, kernel_init=Uniform(-0.5, 0.5), bias_init=Constant(0.1))


def known_activations() -> list[str]:
    return list(ACTIVATIONS)
