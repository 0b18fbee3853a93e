"""A built network: its graph, its weights in one flat vector, and inference."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np

from engine.errors import ConfigError
from engine.kernels import cpu
from engine.layers import Shape, shape_size
from engine.network import Network
from engine.program import Buffers, Program, compile_program

_DTYPES = {"float32": np.float32, "float64": np.float64}


def as_dtype(dtype: Any) -> np.dtype:
    name = np.dtype(dtype).name
    if name not in _DTYPES:
        raise ConfigError(f"a model computes in float32 or float64. Received: {dtype!r}")
    return np.dtype(name)


class Model:
    """Weights for a ``Network``. ``params["dense_1.kernel"]`` (shape (n_in, n_out)) is a view into ``flat``.

    The flat vector is what the kernels and optimisers update, so every view always shows the
    current weights.
    """

    def __init__(self, network: Network, flat: np.ndarray, seed: int = 0) -> None:
        self.network = network
        self.resolved = network.resolve()
        self.program: Program = compile_program(self.resolved)
        self.dtype = flat.dtype
        if flat.shape != (self.program.n_params,):
            raise ConfigError(f"expected {self.program.n_params} weights, got {flat.shape}")
        self.flat = flat
        self.seed = seed
        self.params: dict[str, np.ndarray] = {
            s.key: flat[s.offset : s.offset + s.size].reshape(s.shape) for s in self.program.slots
        }
        self._buffers: Buffers | None = None

    # -- creation ------------------------------------------------------------------------------------
    @classmethod
    def create(cls, network: Network, seed: int = 0, dtype: Any = "float32") -> Model:
        dt = as_dtype(dtype)
        res = network.resolve()
        program = compile_program(res)
        flat = np.zeros(program.n_params, dt)
        for slot in program.slots:
            layer = res.order[slot.node].layer
            values = layer.initializer(slot.name).fill(slot.shape, param_rng(seed, slot.key))
            flat[slot.offset : slot.offset + slot.size] = np.asarray(values, np.float64).ravel()
        return cls(network, flat, seed)

    def copy(self) -> Model:
        return Model(self.network, self.flat.copy(), self.seed)

    # -- weights ---------------------------------------------------------------------------------------
    @property
    def n_params(self) -> int:
        return self.program.n_params

    @property
    def layer_ids(self) -> list[str]:
        return [n.id for n in self.resolved.order]

    def output_shape(self, layer_id: str) -> Shape:
        """One sample's output shape in layer ``layer_id``: ``(features,)`` or ``(channels, height, width)``.

        ``activations`` gives flat rows; ``a[layer_id].reshape(n, *model.output_shape(layer_id))``
        shows them as images.
        """
        return tuple(self.resolved.shapes[layer_id])

    def width(self, layer_id: str) -> int:
        """How many values one sample has in layer ``layer_id`` (the product of its shape)."""
        return shape_size(self.resolved.shapes[layer_id])

    def get_weights(self) -> dict[str, np.ndarray]:
        """Copies of every weight array keyed ``"layer.param"``."""
        return {k: v.copy() for k, v in self.params.items()}

    def set_weights(self, weights: dict[str, np.ndarray], strict: bool = True) -> None:
        """Write weights in place; shapes must match. With ``strict`` every key must be given."""
        missing = set(self.params) - set(weights)
        if strict and missing:
            raise ConfigError(f"weights missing for: {', '.join(sorted(missing))}")
        for key, value in weights.items():
            if key not in self.params:
                raise ConfigError(f"there is no weight '{key}' in this network")
            arr = np.asarray(value)
            if arr.shape != self.params[key].shape:
                raise ConfigError(f"weight '{key}' has shape {self.params[key].shape}, not {arr.shape}")
            if not np.all(np.isfinite(arr)):
                raise ConfigError(f"weight '{key}' holds NaN or infinite values")
            self.params[key][...] = arr

    # -- inference --------------------------------------------------------------------------------------
    def _work(self, rows: int) -> Buffers:
        if self._buffers is None or self._buffers.rows < rows:
            self._buffers = Buffers.allocate(self.program, rows, self.dtype, 1)
        return self._buffers

    def activations(self, x: np.ndarray, chunk: int = 4096) -> dict[str, np.ndarray]:
        """Every layer's output for inputs ``x`` (n, n_inputs), as ``{layer_id: (n, width)}``; no dropout."""
        x = self._check_inputs(x)
        n = x.shape[0]
        out = {nid: np.empty((n, self.width(nid)), self.dtype) for nid in self.layer_ids}
        rows = max(1, min(chunk, n))
        work = self._work(rows)
        p = self.program
        for start in range(0, n, rows):
            m = min(rows, n - start)
            work.node(p, 0, m)[...] = x[start : start + m]
            cpu.forward_all(
                p.ops, p.op_inputs, p.fops, self.flat, work.acts, work.zs, work.rows, m, False, 0, 0
            )
            for k, nid in enumerate(self.layer_ids):
                out[nid][start : start + m] = work.node(p, k, m)
        return out

    def predict(self, x: np.ndarray, chunk: int = 4096) -> np.ndarray:
        """The output layer's values for inputs ``x`` (n, n_inputs) -> (n, n_outputs); no dropout."""
        x = self._check_inputs(x)
        n = x.shape[0]
        p = self.program
        result = np.empty((n, self.width(self.resolved.output)), self.dtype)
        rows = max(1, min(chunk, n))
        work = self._work(rows)
        for start in range(0, n, rows):
            m = min(rows, n - start)
            work.node(p, 0, m)[...] = x[start : start + m]
            cpu.forward_all(
                p.ops, p.op_inputs, p.fops, self.flat, work.acts, work.zs, work.rows, m, False, 0, 0
            )
            result[start : start + m] = work.node(p, p.output, m)
        return result

    def _check_inputs(self, x: np.ndarray) -> np.ndarray:
        x = np.asarray(x)
        width = self.width(self.resolved.input.id)
        if x.ndim == 1 and width == x.shape[0]:
            x = x[None, :]
        if x.ndim > 2 and x.shape[1:] == self.output_shape(self.resolved.input.id):
            x = x.reshape(x.shape[0], width)  # images (n, C, H, W) in, read as flat rows
        if x.ndim != 2 or x.shape[1] != width:
            raise ConfigError(f"the network takes inputs of shape (n, {width}); received {x.shape}")
        return np.ascontiguousarray(x, self.dtype)

    def summary(self) -> str:
        return self.network.summary()


def param_rng(seed: int, key: str) -> np.random.Generator:
    """A generator for one weight array, so editing one layer leaves every other layer's start unchanged."""
    return np.random.default_rng([int(seed) & 0xFFFFFFFF, zlib.crc32(key.encode("utf-8"))])
