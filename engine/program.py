"""Compile a checked graph into the flat tables the kernels run, and allocate their work buffers."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.activations import ACTIVATIONS
from engine.image_layers import AvgPool2D, Conv2D, Flatten, MaxPool2D, Reshape
from engine.kernels import layout as L
from engine.layers import Activation, Add, Concat, Dense, Dropout, Input, shape_size
from engine.network import Resolved
from engine.normalization import RUNNING, BatchNorm

_OP_CODES = {
    Input: L.OP_INPUT,
    Dense: L.OP_DENSE,
    Activation: L.OP_ACT,
    Dropout: L.OP_DROPOUT,
    Add: L.OP_ADD,
    Concat: L.OP_CONCAT,
    Conv2D: L.OP_CONV,
    MaxPool2D: L.OP_MAXPOOL,
    AvgPool2D: L.OP_AVGPOOL,
    Flatten: L.OP_COPY,
    Reshape: L.OP_COPY,
    BatchNorm: L.OP_BATCHNORM,
}
_Z_SLOT = (Dense, Dropout, Conv2D, MaxPool2D, BatchNorm)  # layers that keep a second value per output


@dataclass(frozen=True)
class ParamSlot:
    """Where one weight array lives in the flat parameter vector."""

    key: str  # "layer_id.param", e.g. "dense_1.kernel"
    node: int  # op index
    name: str  # "kernel" or "bias"
    offset: int
    shape: tuple[int, ...]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))


@dataclass(frozen=True)
class Program:
    """The network as arrays: what ``engine.kernels.cpu`` executes."""

    ops: np.ndarray  # (n_ops, N_COLS) int64
    op_inputs: np.ndarray  # (n_links,) int64
    fops: np.ndarray  # (n_ops, N_FCOLS) float64
    ncons: np.ndarray  # (n_ops,) int64 consumers of each op's output (the output op counts the loss)
    segs: np.ndarray  # (n_params, N_SCOLS) int64
    slots: tuple[ParamSlot, ...]
    n_params: int
    act_width: int  # features summed over all ops (acts slot size per row)
    z_width: int
    max_width: int
    output: int

    def slot(self, key: str) -> ParamSlot:
        for s in self.slots:
            if s.key == key:
                return s
        raise KeyError(key)


def compile_program(res: Resolved, trainable: dict[str, bool] | None = None) -> Program:
    order = list(res.order)
    index = {n.id: k for k, n in enumerate(order)}
    ops = np.full((len(order), L.N_COLS), -1, dtype=np.int64)
    fops = np.zeros((len(order), L.N_FCOLS), dtype=np.float64)
    links: list[int] = []
    slots: list[ParamSlot] = []
    act_off = z_off = p_off = 0
    for k, node in enumerate(order):
        layer = node.layer
        width = shape_size(res.shapes[node.id])
        ops[k, L.C_OP] = _OP_CODES[type(layer)]
        ops[k, L.C_WIDTH] = width
        ops[k, L.C_OUT] = act_off
        act_off += width
        ops[k, L.C_IN0] = len(links)
        ops[k, L.C_NIN] = len(node.inputs)
        links.extend(index[i] for i in node.inputs)
        ops[k, L.C_ACT] = ACTIVATIONS.get(getattr(layer, "activation", "linear"), 0)
        fops[k, L.F_ALPHA] = float(getattr(layer, "alpha", 0.0))
        fops[k, L.F_RATE] = float(getattr(layer, "rate", 0.0))
        if isinstance(layer, _Z_SLOT):
            ops[k, L.C_Z] = z_off
            z_off += width
        if isinstance(layer, (Conv2D, MaxPool2D, AvgPool2D)):
            g = layer.geometry(res.shapes[node.inputs[0]])
            ops[k, L.C_INC : L.C_PL + 1] = (*g.in_shape, *g.out_shape, *g.kernel, *g.stride, *g.pad)
        if isinstance(layer, BatchNorm):
            ops[k, L.C_INC], ops[k, L.C_INH] = layer.channels(res.shapes[node.inputs[0]])
            ops[k, L.C_INW] = 1
            fops[k, L.F_MOMENTUM] = layer.momentum
            fops[k, L.F_EPS] = layer.epsilon
        for name, shape in res.param_shapes[node.id].items():
            slot = ParamSlot(f"{node.id}.{name}", k, name, p_off, tuple(shape))
            slots.append(slot)
            p_off += slot.size
            if name == "kernel":
                ops[k, L.C_W] = slot.offset
                ops[k, L.C_FANIN] = shape[0]
            elif name in ("bias", "beta"):
                ops[k, L.C_B] = slot.offset
            elif name == "gamma":
                ops[k, L.C_W] = slot.offset
            elif name == RUNNING[0]:
                ops[k, L.C_AUX] = slot.offset
    ncons = np.zeros(len(order), dtype=np.int64)
    for node in order:
        for i in node.inputs:
            ncons[index[i]] += 1
    out = index[res.output]
    ncons[out] += 1
    segs = np.zeros((len(slots), L.N_SCOLS), dtype=np.int64)
    for s, slot in enumerate(slots):
        segs[s] = (slot.offset, slot.size, 1 if slot.name == "kernel" else 0, 1, slot.node)
        if slot.name in RUNNING:
            segs[s, L.S_TRAIN] = 0
        if trainable is not None and not trainable.get(order[slot.node].id, True):
            segs[s, L.S_TRAIN] = 0
    widths = [shape_size(res.shapes[n.id]) for n in order]
    return Program(
        ops,
        np.asarray(links, dtype=np.int64),
        fops,
        ncons,
        segs,
        tuple(slots),
        p_off,
        act_off,
        max(z_off, 1),
        max(widths),
        out,
    )


@dataclass
class Buffers:
    """Work space for batches of up to ``rows`` samples; not part of any saved state."""

    rows: int
    acts: np.ndarray
    zs: np.ndarray
    gacts: np.ndarray
    gzs: np.ndarray
    scratch: np.ndarray
    tb: np.ndarray
    lb: np.ndarray

    @classmethod
    def allocate(cls, program: Program, rows: int, dtype: np.dtype, n_targets: int) -> Buffers:
        rows = max(int(rows), 1)
        return cls(
            rows,
            np.zeros(rows * program.act_width, dtype),
            np.zeros(rows * program.z_width, dtype),
            np.zeros(rows * program.act_width, dtype),
            np.zeros(rows * program.z_width, dtype),
            np.zeros(rows * program.max_width, dtype),
            np.zeros(rows * max(n_targets, 1), dtype),
            np.zeros(rows, np.int64),
        )

    def node(self, program: Program, k: int, rows: int, which: str = "acts") -> np.ndarray:
        """A (rows, width) view of op ``k``'s slot in ``acts``, ``gacts``, ``zs`` or ``gzs``."""
        width = int(program.ops[k, L.C_WIDTH])
        off = int(program.ops[k, L.C_Z if which in ("zs", "gzs") else L.C_OUT]) * self.rows
        buf = getattr(self, which)
        return buf[off : off + rows * width].reshape(rows, width)
