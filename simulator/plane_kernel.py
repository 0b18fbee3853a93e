"""A compiled forward pass over the input plane for the views, in float32, about 3× quicker than the engine's.

The engine's ``Model.activations`` serves any graph and keeps IEEE semantics; the plane is drawn every
frame, so this kernel trades those for speed where it cannot be seen: ``fastmath`` (the loops vectorise,
the sums may be reassociated) and one contiguous block per layer, so each activation runs over a flat
array. It handles graphs of Dense, Activation and Dropout layers (identity at inference) with the
element-wise activations (linear, relu, leaky relu, sigmoid, tanh) — every TensorFlow Playground net;
:func:`supports` says when the caller must use the engine instead.

The kernel is compiled (or loaded from Numba's cache) by :func:`load`, in a background thread started on
first use: until it is ready, :func:`ready` is False and the views use the engine, so no frame ever waits
for a compile.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit

from engine import Model
from engine.kernels import layout as L
from engine.kernels.quick_load import install as install_quick_load

install_quick_load()  # loads from the cache without Numba's compiler set-up, as the engine's kernels do

_ELEMENTWISE = (0, 1, 2, 3, 4)  # linear, relu, leaky_relu, sigmoid, tanh (engine.activations codes)
_SUPPORTED_OPS = (L.OP_INPUT, L.OP_DENSE, L.OP_ACT, L.OP_DROPOUT)

# the table :func:`forward` reads, one row per op; a Dropout's activation is 0 (linear: the identity)
T_CODE, T_WIDTH, T_IN, T_FANIN, T_W, T_B, T_ACT, T_OFF = range(8)
BLOCK = 512  # rows per pass of a Dense layer: its inputs and outputs stay in the L1 cache


@njit(inline="always", cache=True, nogil=True, fastmath=True, error_model="numpy")
def _tanh(x):
    """tanh within 3e-7 (the engine's float32 rational approximation)."""
    x = min(max(x, np.float32(-7.90531110763549805)), np.float32(7.90531110763549805))
    x2 = x * x
    p = x2 * np.float32(-2.76076847742355e-16) + np.float32(2.00018790482477e-13)
    p = x2 * p + np.float32(-8.60467152213735e-11)
    p = x2 * p + np.float32(5.12229709037114e-08)
    p = x2 * p + np.float32(1.48572235717979e-05)
    p = x2 * p + np.float32(6.37261928875436e-04)
    p = x2 * p + np.float32(4.89352455891786e-03)
    q = x2 * np.float32(1.19825839466702e-06) + np.float32(1.18534705686654e-04)
    q = x2 * q + np.float32(2.26843463243900e-03)
    q = x2 * q + np.float32(4.89352518554385e-03)
    return x * p / q


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def _activate(code, alpha, v):
    """Activation ``code`` in place over the flat block ``v``."""
    n = v.shape[0]
    half = np.float32(0.5)
    if code == 1:
        for i in range(n):
            v[i] = max(v[i], np.float32(0.0))
    elif code == 2:
        for i in range(n):
            x = v[i]
            v[i] = x if x > 0 else alpha * x
    elif code == 3:
        for i in range(n):
            v[i] = half + half * _tanh(half * v[i])
    elif code == 4:
        for i in range(n):
            v[i] = _tanh(v[i])


@njit(cache=True, nogil=True, fastmath=True, error_model="numpy")
def forward(table, alphas, params, out, rows):
    """Every op's output for the ``rows`` inputs already in op 0's block of ``out`` (see :func:`make_table`).

    Each block holds one unit after another (``width`` × ``rows``), so every inner loop runs along rows —
    long and vectorised, however narrow the layer — over ``BLOCK`` rows at a time to stay in cache.
    """
    for k in range(1, table.shape[0]):
        width = table[k, T_WIDTH]
        src = table[table[k, T_IN], T_OFF] * rows
        dst = table[k, T_OFF] * rows
        if table[k, T_CODE] == 1:  # Dense
            n_in = table[k, T_FANIN]
            w_off = table[k, T_W]
            b_off = table[k, T_B]
            for r0 in range(0, rows, BLOCK):
                m = min(BLOCK, rows - r0)
                for j in range(width):
                    y = out[dst + j * rows + r0 : dst + j * rows + r0 + m]
                    b = params[b_off + j] if b_off >= 0 else np.float32(0.0)
                    for r in range(m):
                        y[r] = b
                    for i in range(n_in):
                        wij = params[w_off + i * width + j]
                        x = out[src + i * rows + r0 : src + i * rows + r0 + m]
                        for r in range(m):
                            y[r] += wij * x[r]
        else:  # an activation or a dropout (the identity at inference) starts from its input
            out[dst : dst + width * rows] = out[src : src + width * rows]
        _activate(table[k, T_ACT], alphas[k], out[dst : dst + width * rows])


def supports(model: Model) -> bool:
    """True when :func:`forward` computes ``model`` (float32; Dense/Activation/Dropout; element-wise)."""
    if model.dtype != np.float32:
        return False
    ops = model.program.ops
    if ops[0, L.C_OP] != L.OP_INPUT:
        return False
    for k in range(1, ops.shape[0]):
        if ops[k, L.C_OP] not in _SUPPORTED_OPS or ops[k, L.C_OP] == L.OP_INPUT:
            return False
        if ops[k, L.C_OP] in (L.OP_DENSE, L.OP_ACT) and ops[k, L.C_ACT] not in _ELEMENTWISE:
            return False
    return True


def make_table(model: Model) -> tuple[np.ndarray, np.ndarray]:
    """(table, alphas) for :func:`forward`: per op its code, width, input op, fan-in, kernel and bias
    offsets, activation and the offset of its block in ``out`` (in features: times rows = elements)."""
    p = model.program
    ops, op_inputs = p.ops, p.op_inputs
    n = ops.shape[0]
    table = np.zeros((n, 8), np.int64)
    offset = 0
    for k in range(n):
        table[k, T_CODE] = ops[k, L.C_OP]
        table[k, T_WIDTH] = ops[k, L.C_WIDTH]
        table[k, T_IN] = op_inputs[ops[k, L.C_IN0]] if ops[k, L.C_NIN] else 0
        table[k, T_FANIN] = ops[k, L.C_FANIN]
        table[k, T_W] = ops[k, L.C_W]
        table[k, T_B] = ops[k, L.C_B]
        table[k, T_ACT] = ops[k, L.C_ACT] if ops[k, L.C_OP] in (L.OP_DENSE, L.OP_ACT) else 0
        table[k, T_OFF] = offset
        offset += int(ops[k, L.C_WIDTH])
    return table, p.fops[:, L.F_ALPHA].astype(np.float32)


def activations(model: Model, x: np.ndarray) -> dict[str, np.ndarray]:
    """``{layer_id: (rows, width) float32}`` for inputs ``x`` (rows, n_inputs): as ``model.activations``,
    to within float32 rounding. ``model`` must pass :func:`supports`. The arrays are transposed views
    into one buffer (each unit's values contiguous)."""
    table, alphas = make_table(model)
    rows = x.shape[0]
    out = np.empty(rows * int(table[:, T_WIDTH].sum()), np.float32)
    out[: rows * table[0, T_WIDTH]] = np.asarray(x, np.float32).T.ravel()
    forward(table, alphas, model.flat, out, rows)
    ids = model.layer_ids
    blocks = {}
    for k in range(table.shape[0]):
        start, width = int(table[k, T_OFF]) * rows, int(table[k, T_WIDTH])
        blocks[ids[k]] = out[start : start + width * rows].reshape(width, rows).T
    return blocks


# ----------------------------------------------------------------------------------------- loading
_lock = threading.Lock()
_ready = threading.Event()
_loader: threading.Thread | None = None


def load() -> None:
    """Compile the kernel, or load it from Numba's cache, by running it once on a tiny net (blocking)."""
    from engine import Dense, Input, Network

    net = Network.sequential(Input(2), Dense(3, "tanh"), Dense(1, "sigmoid"))
    activations(net.build(seed=0), np.zeros((2, 2)))
    _ready.set()


def load_in_background() -> None:
    """Start :func:`load` in a daemon thread, once per process."""
    global _loader
    with _lock:
        if _loader is None:
            _loader = threading.Thread(target=_load_quietly, name="nnsim-plane-kernel", daemon=True)
            _loader.start()


def _load_quietly() -> None:
    try:
        load()
    except Exception:  # noqa: BLE001 - the views keep the engine's pass; nothing is lost
        pass


def ready() -> bool:
    """True once the kernel can run without compiling."""
    return _ready.is_set()
