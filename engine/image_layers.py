"""Image layers: convolution, pooling, and the layers that move between images and flat vectors.

An image is ``(channels, height, width)``; one sample's values sit in one flat row in C, H, W order,
as every layer's do. ``Conv2D`` stores its kernel as ``(filters, in_channels, kh, kw)``, as
``torch.nn.Conv2d.weight`` does. Padding ``"same"`` follows Keras/TensorFlow: the output has
``ceil(in / stride)`` rows and columns, and the padding it needs is split with the extra row or column
at the bottom or right (for stride 1 this is what ``torch.nn.Conv2d(padding="same")`` does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from engine.activations import DEFAULT_LEAKY_ALPHA
from engine.errors import ConfigError
from engine.initializers import GlorotUniform, Initializer, Zeros
from engine.layers import (
    LayerSpec,
    Shape,
    ShapeError,
    _check_int,
    check_shape,
    check_weighted,
    register_layer,
    shape_size,
)

PADDINGS = ("valid", "same")


def _pair(layer: str, name: str, value: Any) -> int | tuple[int, int]:
    """A size given as one whole number (square) or as [rows, columns]; a square pair becomes one number."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            raise ConfigError(f"{layer} needs {name} as one number or [rows, columns]. Received: {value!r}")
        _check_int(layer, name, value[0])
        _check_int(layer, name, value[1])
        return int(value[0]) if value[0] == value[1] else (int(value[0]), int(value[1]))
    _check_int(layer, name, value)
    return int(value)


def pair(value: int | tuple[int, int]) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (int(value[0]), int(value[1]))


def _image(layer: str, shape: Shape) -> Shape:
    if len(shape) != 3:
        raise ShapeError(
            f"{layer} takes an image (channels, height, width), but its input is a flat vector of "
            f"{shape_size(shape)} values: give the Input a shape such as [1, 28, 28], or add a Reshape layer"
        )
    return shape


@dataclass(frozen=True)
class Geometry:
    """Everything the kernels need to know about one convolution or pooling window."""

    in_shape: Shape  # (C, H, W)
    out_shape: Shape  # (C', OH, OW)
    kernel: tuple[int, int]
    stride: tuple[int, int]
    pad: tuple[int, int]  # rows added at the top, columns added at the left


def _out_size(layer: str, axis: str, n: int, k: int, s: int, padding: str) -> tuple[int, int]:
    """(output length, padding before) along one axis."""
    if padding == "same":
        out = -(-n // s)
        total = max((out - 1) * s + k - n, 0)
        return out, total // 2
    if k > n:
        raise ShapeError(
            f"{layer}'s window is {k} {axis} but its input is only {n} {axis}: use a smaller "
            f"{'kernel_size' if layer == 'Conv2D' else 'pool_size'}"
            + (", or padding='same'" if layer == "Conv2D" else "")
        )
    return (n - k) // s + 1, 0


def window_geometry(
    layer: str, shape: Shape, channels: int, kernel: Any, stride: Any, padding: str = "valid"
) -> Geometry:
    c, h, w = _image(layer, shape)
    kh, kw = pair(kernel)
    sh, sw = pair(stride)
    oh, pt = _out_size(layer, "rows", h, kh, sh, padding)
    ow, pl = _out_size(layer, "columns", w, kw, sw, padding)
    return Geometry((c, h, w), (channels, oh, ow), (kh, kw), (sh, sw), (pt, pl))


@register_layer
@dataclass(frozen=True)
class Conv2D(LayerSpec):
    """2-D convolution: each of ``filters`` kernels slides over the image and sums over all its channels."""

    type_name: ClassVar[str] = "Conv2D"
    summary: ClassVar[str] = "Slides small learned filters over an image; each filter makes one feature map."
    filters: int = 8
    kernel_size: int | tuple[int, int] = 3
    stride: int | tuple[int, int] = 1
    padding: str = "valid"
    activation: str = "linear"
    use_bias: bool = True
    kernel_init: Initializer = field(default_factory=GlorotUniform)
    bias_init: Initializer = field(default_factory=Zeros)
    alpha: float = DEFAULT_LEAKY_ALPHA

    def __post_init__(self) -> None:
        _check_int("Conv2D", "filters", self.filters)
        object.__setattr__(self, "kernel_size", _pair("Conv2D", "kernel_size", self.kernel_size))
        object.__setattr__(self, "stride", _pair("Conv2D", "stride", self.stride))
        if self.padding not in PADDINGS:
            raise ConfigError(f"Conv2D needs padding 'valid' or 'same'. Received: padding={self.padding!r}")
        check_weighted(self)
        if self.activation == "softmax":
            raise ConfigError(
                "Conv2D cannot use softmax, which needs a flat vector: add Flatten and a Dense softmax layer"
            )

    def geometry(self, shape: Shape) -> Geometry:
        return window_geometry("Conv2D", shape, self.filters, self.kernel_size, self.stride, self.padding)

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        return self.geometry(inputs[0]).out_shape

    def param_shapes(self, inputs: list[Shape]) -> dict[str, Shape]:
        g = self.geometry(inputs[0])
        shapes = {"kernel": (self.filters, g.in_shape[0], *g.kernel)}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def initializer(self, param: str) -> Initializer:
        return {"kernel": self.kernel_init, "bias": self.bias_init}[param]


@dataclass(frozen=True)
class _Pool(LayerSpec):
    pool_size: int | tuple[int, int] = 2
    stride: int | tuple[int, int] | None = None

    def __post_init__(self) -> None:
        name = self.type_name
        object.__setattr__(self, "pool_size", _pair(name, "pool_size", self.pool_size))
        if self.stride is not None:
            object.__setattr__(self, "stride", _pair(name, "stride", self.stride))

    def geometry(self, shape: Shape) -> Geometry:
        stride = self.pool_size if self.stride is None else self.stride
        return window_geometry(
            self.type_name, shape, _image(self.type_name, shape)[0], self.pool_size, stride
        )

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        return self.geometry(inputs[0]).out_shape


@register_layer
@dataclass(frozen=True)
class MaxPool2D(_Pool):
    """Keeps the largest value of each ``pool_size`` window, channel by channel (stride: the window)."""

    type_name: ClassVar[str] = "MaxPool2D"
    summary: ClassVar[str] = "Keeps the largest value in each small window: a smaller image, same channels."


@register_layer
@dataclass(frozen=True)
class AvgPool2D(_Pool):
    """Averages each ``pool_size`` window, channel by channel (stride: the window)."""

    type_name: ClassVar[str] = "AvgPool2D"
    summary: ClassVar[str] = "Averages each small window: a smaller, smoother image, same channels."


@register_layer
@dataclass(frozen=True)
class Flatten(LayerSpec):
    """Reads an image as one flat vector (channels, then rows, then columns) so Dense layers can follow."""

    type_name: ClassVar[str] = "Flatten"
    summary: ClassVar[str] = "Lays an image out as one long vector, so Dense layers can follow."

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        return (shape_size(inputs[0]),)


@register_layer
@dataclass(frozen=True)
class Reshape(LayerSpec):
    """Reads the same values in another shape, e.g. 784 features as a [1, 28, 28] image."""

    type_name: ClassVar[str] = "Reshape"
    summary: ClassVar[str] = "Reads the same values in another shape, e.g. 784 features as a 1×28×28 image."
    shape: Shape = (1, 1, 1)

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", check_shape("Reshape", "shape", self.shape, (1, 3)))

    def infer_shape(self, inputs: list[Shape]) -> Shape:
        if shape_size(inputs[0]) != shape_size(self.shape):
            raise ShapeError(
                f"Reshape to {list(self.shape)} needs {shape_size(self.shape)} values, but its input has "
                f"{shape_size(inputs[0])} (shape {list(inputs[0])}): choose a shape whose product is "
                f"{shape_size(inputs[0])}"
            )
        return self.shape
