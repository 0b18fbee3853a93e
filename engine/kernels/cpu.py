"""Numba kernels for training a compiled network on the CPU.

Every function works on the flat arrays described in ``engine.kernels.layout``. The phase-by-phase
path calls ``forward_op``, ``loss_grad``, ``backward_op`` and ``update`` one at a time from Python;
``train_steps`` calls the very same functions in a loop without returning, so both paths give
bit-identical weights. Matrix products go through ``np.dot`` (BLAS); element-wise work is loops.
Randomness (data order, dropout) is counter-based: a pure function of (seed, epoch or step, index),
so a snapshot needs no random-generator state and a replay is exact.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from engine.kernels.conv import conv_backward, conv_forward
from engine.kernels.layout import (
    C_ACT,
    C_B,
    C_FANIN,
    C_IN0,
    C_NIN,
    C_OP,
    C_OUT,
    C_W,
    C_WIDTH,
    C_Z,
    F_ALPHA,
    F_EPS,
    F_MOMENTUM,
    F_RATE,
    H_BETA1,
    H_BETA2,
    H_EPS,
    H_LR,
    H_MOMENTUM,
    H_REG,
    H_RHO,
    I_BATCH,
    I_CLASSIFY,
    I_EVAL,
    I_INPUT_GRAD,
    I_LOSS,
    I_MODE,
    I_NESTEROV,
    I_OPT,
    I_OUT,
    I_REG,
    I_SHUFFLE,
    I_THRESH,
    LOSS_CE,
    LOSS_MAE,
    LOSS_MSE,
    MODE_FUSED,
    MODE_LOGITS,
    OP_ACT,
    OP_ADD,
    OP_AVGPOOL,
    OP_BATCHNORM,
    OP_CONCAT,
    OP_CONV,
    OP_COPY,
    OP_DENSE,
    OP_DROPOUT,
    OP_INPUT,
    OP_MAXPOOL,
    OPT_ADAM,
    OPT_RMSPROP,
    P_CURSOR,
    P_EPOCH,
    P_OPT_T,
    P_SEED,
    P_STEP,
    REG_L1,
    REG_L2,
    S_OFF,
    S_REG,
    S_SIZE,
    S_TRAIN,
    ST_CODE,
    ST_STEP,
    ST_WHERE,
    STATUS_EPOCH_END,
    STATUS_LOSS,
    STATUS_OK,
    STATUS_PARAM,
    STATUS_STOPPED,
)
from engine.kernels.norm import batchnorm_backward, batchnorm_forward
from engine.kernels.pool import avgpool_backward, avgpool_forward, maxpool_backward, maxpool_forward
from engine.kernels.quick_load import install as install_quick_load
from engine.kernels.threads import limit_blas_threads

install_quick_load()  # the cached kernels load without Numba's compiler set-up (0.35 s less at start)
limit_blas_threads()  # np.dot below calls BLAS: one thread unless NNSIM_BLAS_THREADS says otherwise

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
_SQRT1_2 = 0.7071067811865476
_INV_SQRT_2PI = 0.3989422804014327
_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xBF58476D1CE4E5B9)
_M3 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


# ---------------------------------------------------------------------------------------------
# counter-based random numbers


@njit(**_JIT)
def mix64(x):
    """splitmix64's finaliser: a bijective scramble of a 64-bit counter."""
    z = x + _M1
    z = (z ^ (z >> _S30)) * _M2
    z = (z ^ (z >> _S27)) * _M3
    return z ^ (z >> _S31)


@njit(**_JIT)
def uniform01(seed, stream, a, b):
    """A uniform number in [0, 1) that depends only on (seed, stream, a, b)."""
    h = mix64(np.uint64(seed) ^ mix64(np.uint64(stream) ^ mix64(np.uint64(a) ^ mix64(np.uint64(b)))))
    return np.float64(h >> _S11) * _TO_UNIT


@njit(**_JIT)
def epoch_permutation(seed, epoch, perm, shuffle):
    """Fill ``perm`` with the data order of ``epoch``: Fisher-Yates driven by (seed, epoch)."""
    n = perm.shape[0]
    for i in range(n):
        perm[i] = i
    if shuffle == 0:
        return
    for i in range(n - 1, 0, -1):
        u = uniform01(seed, 1, epoch, i)
        j = int(u * (i + 1))
        if j > i:
            j = i
        t = perm[i]
        perm[i] = perm[j]
        perm[j] = t


# ---------------------------------------------------------------------------------------------
# views into flat buffers


@njit(**_JIT)
def view(buf, off, mb, rows, width):
    """Rows ``rows`` × ``width`` of the slot that starts ``off`` features into a buffer of ``mb`` rows."""
    start = off * mb
    return buf[start : start + rows * width].reshape((rows, width))


@njit(**_JIT)
def pview(params, off, n_in, n_out):
    return params[off : off + n_in * n_out].reshape((n_in, n_out))


# ---------------------------------------------------------------------------------------------
# activations


@njit(inline="always", **_JIT)
def tanh_value(x, fast):
    """tanh; ``fast`` (float32 models) uses a rational approximation within 3e-7 of the true value."""
    if fast:
        x = min(max(x, -7.90531110763549805), 7.90531110763549805)
        x2 = x * x
        p = x2 * -2.76076847742355e-16 + 2.00018790482477e-13
        p = x2 * p + -8.60467152213735e-11
        p = x2 * p + 5.12229709037114e-08
        p = x2 * p + 1.48572235717979e-05
        p = x2 * p + 6.37261928875436e-04
        p = x2 * p + 4.89352455891786e-03
        q = x2 * 1.19825839466702e-06 + 1.18534705686654e-04
        q = x2 * q + 2.26843463243900e-03
        q = x2 * q + 4.89352518554385e-03
        return x * p / q
    e = math.expm1(-2.0 * abs(x))
    t = -e / (2.0 + e)
    return t if x >= 0 else -t


@njit(inline="always", **_JIT)
def sigmoid_value(x, fast):
    if fast:
        return 0.5 + 0.5 * tanh_value(0.5 * x, True)
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


@njit(**_JIT)
def act_forward(code, alpha, z, y):
    """y = f(z) for activation ``code``; softmax works per row. One loop per code, so each vectorises."""
    rows, cols = z.shape
    fast = z.itemsize == 4
    if code == 0:
        for r in range(rows):
            for c in range(cols):
                y[r, c] = z[r, c]
    elif code == 1:
        for r in range(rows):
            for c in range(cols):
                v = z[r, c]
                y[r, c] = v if v > 0 else 0.0
    elif code == 2:
        for r in range(rows):
            for c in range(cols):
                v = z[r, c]
                y[r, c] = v if v > 0 else alpha * v
    elif code == 3:
        if fast:
            for r in range(rows):
                for c in range(cols):
                    y[r, c] = sigmoid_value(z[r, c], True)
        else:
            for r in range(rows):
                for c in range(cols):
                    y[r, c] = sigmoid_value(z[r, c], False)
    elif code == 4:
        if fast:
            for r in range(rows):
                for c in range(cols):
                    y[r, c] = tanh_value(z[r, c], True)
        else:
            for r in range(rows):
                for c in range(cols):
                    y[r, c] = tanh_value(z[r, c], False)
    elif code == 5:
        for r in range(rows):
            mx = z[r, 0]
            for c in range(1, cols):
                if z[r, c] > mx:
                    mx = z[r, c]
            s = 0.0
            for c in range(cols):
                e = math.exp(z[r, c] - mx)
                y[r, c] = e
                s += e
            for c in range(cols):
                y[r, c] = y[r, c] / s
    else:
        for r in range(rows):
            for c in range(cols):
                v = z[r, c]
                y[r, c] = 0.5 * v * (1.0 + math.erf(v * _SQRT1_2))


@njit(**_JIT)
def act_backward(code, alpha, z, y, gy, gz):
    """gz = ∂L/∂z from gy = ∂L/∂y (z the activation's input, y its output)."""
    rows, cols = z.shape
    if code == 0:
        for r in range(rows):
            for c in range(cols):
                gz[r, c] = gy[r, c]
    elif code == 1:
        for r in range(rows):
            for c in range(cols):
                gz[r, c] = gy[r, c] if z[r, c] > 0 else 0.0
    elif code == 2:
        for r in range(rows):
            for c in range(cols):
                gz[r, c] = gy[r, c] if z[r, c] > 0 else alpha * gy[r, c]
    elif code == 3:
        for r in range(rows):
            for c in range(cols):
                gz[r, c] = gy[r, c] * y[r, c] * (1.0 - y[r, c])
    elif code == 4:
        for r in range(rows):
            for c in range(cols):
                gz[r, c] = gy[r, c] * (1.0 - y[r, c] * y[r, c])
    elif code == 5:
        for r in range(rows):
            s = 0.0
            for c in range(cols):
                s += gy[r, c] * y[r, c]
            for c in range(cols):
                gz[r, c] = y[r, c] * (gy[r, c] - s)
    else:
        for r in range(rows):
            for c in range(cols):
                v = z[r, c]
                cdf = 0.5 * (1.0 + math.erf(v * _SQRT1_2))
                pdf = _INV_SQRT_2PI * math.exp(-0.5 * v * v)
                gz[r, c] = gy[r, c] * (cdf + v * pdf)


# ---------------------------------------------------------------------------------------------
# matrix products: loops for the tiny layers of a course (a BLAS call costs more than the work),
# BLAS for the rest

_SMALL_FLOPS = 16384
_MIN_ROW = 8  # the loops vectorise along rows of at least this many values


@njit(**_JIT)
def matmul(x, w, out):
    """out = x @ w; x (n, k), w (k, m)."""
    n, k = x.shape
    m = w.shape[1]
    if n * k * m > _SMALL_FLOPS or m < _MIN_ROW:
        np.dot(x, w, out)
        return
    for i in range(n):
        for j in range(m):
            out[i, j] = 0.0
        for p in range(k):
            a = x[i, p]
            for j in range(m):
                out[i, j] += a * w[p, j]


@njit(**_JIT)
def matmul_tn(x, g, out):
    """out = x.T @ g; x (n, k), g (n, m) -> (k, m): a weight gradient."""
    n, k = x.shape
    m = g.shape[1]
    if n * k * m > _SMALL_FLOPS or m < _MIN_ROW:
        np.dot(x.T, g, out)
        return
    for p in range(k):
        for j in range(m):
            out[p, j] = 0.0
    for i in range(n):
        for p in range(k):
            a = x[i, p]
            for j in range(m):
                out[p, j] += a * g[i, j]


@njit(**_JIT)
def matmul_nt(g, w, out):
    """out = g @ w.T; g (n, m), w (k, m) -> (n, k): an input gradient."""
    n, m = g.shape
    k = w.shape[0]
    if n * k * m > _SMALL_FLOPS or m < _MIN_ROW:
        np.dot(g, w.T, out)
        return
    for i in range(n):
        for p in range(k):
            acc = 0.0
            for j in range(m):
                acc += g[i, j] * w[p, j]
            out[i, p] = acc


# ---------------------------------------------------------------------------------------------
# forward


@njit(**_JIT)
def gather_batch(X, T, L, perm, start, rows, acts, tb, lb, mb, in_off):
    """Copy the rows ``perm[start:start+rows]`` of the data into the input slot and target buffers."""
    d = X.shape[1]
    k = T.shape[1]
    xb = view(acts, in_off, mb, rows, d)
    tb2 = tb[: rows * k].reshape((rows, k))
    order = perm[start : start + rows]
    for r in range(rows):
        i = order[r]
        for c in range(d):
            xb[r, c] = X[i, c]
        for c in range(k):
            tb2[r, c] = T[i, c]
        lb[r] = L[i]


@njit(**_JIT)
def forward_op(k, ops, op_inputs, fops, params, acts, zs, mb, rows, training, seed, step):
    """Compute op ``k``'s output for ``rows`` samples (its inputs must already be computed)."""
    code = ops[k, C_OP]
    width = ops[k, C_WIDTH]
    y = view(acts, ops[k, C_OUT], mb, rows, width)
    if code == OP_INPUT:
        return
    first = op_inputs[ops[k, C_IN0]]
    if code == OP_DENSE:
        n_in = ops[k, C_FANIN]
        x = view(acts, ops[first, C_OUT], mb, rows, n_in)
        z = view(zs, ops[k, C_Z], mb, rows, width)
        matmul(x, pview(params, ops[k, C_W], n_in, width), z)
        b_off = ops[k, C_B]
        act = ops[k, C_ACT]
        if b_off >= 0:
            bias = params[b_off : b_off + width]
            if act == 1:  # relu, the common case of big layers: bias and activation in one pass
                for r in range(rows):
                    for c in range(width):
                        v = z[r, c] + bias[c]
                        z[r, c] = v
                        y[r, c] = v if v > 0 else 0.0
                return
            for r in range(rows):
                for c in range(width):
                    z[r, c] += bias[c]
        act_forward(act, fops[k, F_ALPHA], z, y)
    elif code == OP_ACT:
        x = view(acts, ops[first, C_OUT], mb, rows, width)
        act_forward(ops[k, C_ACT], fops[k, F_ALPHA], x, y)
    elif code == OP_DROPOUT:
        x = view(acts, ops[first, C_OUT], mb, rows, width)
        mask = view(zs, ops[k, C_Z], mb, rows, width)
        rate = fops[k, F_RATE]
        if training and rate > 0:
            scale = 1.0 / (1.0 - rate)
            for r in range(rows):
                for c in range(width):
                    keep = uniform01(seed, 2 + k, step, r * width + c) >= rate
                    mask[r, c] = scale if keep else 0.0
                    y[r, c] = x[r, c] * mask[r, c]
        else:
            for r in range(rows):
                for c in range(width):
                    mask[r, c] = 1.0
                    y[r, c] = x[r, c]
    elif code == OP_ADD:
        x = view(acts, ops[first, C_OUT], mb, rows, width)
        for r in range(rows):
            for c in range(width):
                y[r, c] = x[r, c]
        for j in range(1, ops[k, C_NIN]):
            other = op_inputs[ops[k, C_IN0] + j]
            x2 = view(acts, ops[other, C_OUT], mb, rows, width)
            for r in range(rows):
                for c in range(width):
                    y[r, c] += x2[r, c]
    elif code == OP_CONCAT:
        col = 0
        for j in range(ops[k, C_NIN]):
            src = op_inputs[ops[k, C_IN0] + j]
            w = ops[src, C_WIDTH]
            x = view(acts, ops[src, C_OUT], mb, rows, w)
            for r in range(rows):
                for c in range(w):
                    y[r, col + c] = x[r, c]
            col += w
    elif code == OP_CONV:
        x = view(acts, ops[first, C_OUT], mb, rows, ops[first, C_WIDTH])
        z = view(zs, ops[k, C_Z], mb, rows, width)
        conv_forward(x, params, z, ops[k])
        act_forward(ops[k, C_ACT], fops[k, F_ALPHA], z, y)
    elif code == OP_MAXPOOL:
        x = view(acts, ops[first, C_OUT], mb, rows, ops[first, C_WIDTH])
        maxpool_forward(x, y, view(zs, ops[k, C_Z], mb, rows, width), ops[k])
    elif code == OP_AVGPOOL:
        avgpool_forward(view(acts, ops[first, C_OUT], mb, rows, ops[first, C_WIDTH]), y, ops[k])
    elif code == OP_BATCHNORM:
        x = view(acts, ops[first, C_OUT], mb, rows, width)
        xhat = view(zs, ops[k, C_Z], mb, rows, width)
        batchnorm_forward(x, params, y, xhat, ops[k], training, fops[k, F_MOMENTUM], fops[k, F_EPS])
    elif code == OP_COPY:
        x = view(acts, ops[first, C_OUT], mb, rows, width)
        for r in range(rows):
            for c in range(width):
                y[r, c] = x[r, c]


# ---------------------------------------------------------------------------------------------
# loss


@njit(**_JIT)
def loss_grad(loss, mode, y, tb, gy, write_grad):
    """Mean loss of a batch and, when ``write_grad``, ∂L/∂y into ``gy`` (∂L/∂z in the fused/logit modes).

    ``y`` is (rows, k) outputs; ``tb`` the flat targets, row-major (rows, k).
    """
    rows, k = y.shape
    t2 = tb[: rows * k].reshape((rows, k))
    total = 0.0
    if loss == LOSS_MSE or loss == LOSS_MAE:
        n = rows * k
        for r in range(rows):
            for c in range(k):
                d = y[r, c] - t2[r, c]
                if loss == LOSS_MSE:
                    total += d * d
                    if write_grad:
                        gy[r, c] = 2.0 * d / n
                else:
                    total += abs(d)
                    if write_grad:
                        gy[r, c] = (1.0 if d > 0 else (-1.0 if d < 0 else 0.0)) / n
        return total / n
    if loss == LOSS_CE:
        for r in range(rows):
            if mode == MODE_FUSED:
                for c in range(k):
                    t = t2[r, c]
                    if t != 0.0:
                        p = y[r, c]
                        total -= t * (math.log(p) if p > 1e-30 else -69.07755278982137)
                    if write_grad:
                        gy[r, c] = (y[r, c] - t) / rows
            else:
                mx = y[r, 0]
                for c in range(1, k):
                    if y[r, c] > mx:
                        mx = y[r, c]
                s = 0.0
                for c in range(k):
                    s += math.exp(y[r, c] - mx)
                lse = mx + math.log(s)
                for c in range(k):
                    t = t2[r, c]
                    total -= t * (y[r, c] - lse)
                    if write_grad:
                        gy[r, c] = (math.exp(y[r, c] - lse) - t) / rows
        return total / rows
    # binary cross-entropy, mean over every output
    n = rows * k
    for r in range(rows):
        for c in range(k):
            t = t2[r, c]
            v = y[r, c]
            if mode == MODE_LOGITS:
                total += max(v, 0.0) - v * t + math.log1p(math.exp(-abs(v)))
                if write_grad:
                    if v >= 0:
                        p = 1.0 / (1.0 + math.exp(-v))
                    else:
                        e = math.exp(v)
                        p = e / (1.0 + e)
                    gy[r, c] = (p - t) / n
            else:
                lp = math.log(v) if v > 0 else -100.0
                lq = math.log(1.0 - v) if v < 1 else -100.0
                lp = max(lp, -100.0)
                lq = max(lq, -100.0)
                total -= t * lp + (1.0 - t) * lq
                if write_grad:
                    if mode == MODE_FUSED:
                        gy[r, c] = (v - t) / n
                    else:
                        den = max(v * (1.0 - v), 1e-12)
                        gy[r, c] = (v - t) / den / n
    return total / n


# ---------------------------------------------------------------------------------------------
# backward


@njit(**_JIT)
def _add_into(dst, src):
    rows, cols = dst.shape
    for r in range(rows):
        for c in range(cols):
            dst[r, c] += src[r, c]


@njit(**_JIT)
def _pass_grad(src_node, ops, ncons, gacts, gx, mb, rows, width, input_grad):
    """Give ``gx`` (rows × width) to node ``src_node``: copy if it has one consumer, else add."""
    if ops[src_node, C_OP] == OP_INPUT and not input_grad:
        return
    dst = view(gacts, ops[src_node, C_OUT], mb, rows, width)
    if ncons[src_node] == 1:
        for r in range(rows):
            for c in range(width):
                dst[r, c] = gx[r, c]
    else:
        _add_into(dst, gx)


@njit(**_JIT)
def zero_multi_grads(ops, ncons, gacts, mb, rows):
    """Clear the gradient slots that several consumers add into (fan-out nodes)."""
    for k in range(ops.shape[0]):
        if ncons[k] > 1:
            g = view(gacts, ops[k, C_OUT], mb, rows, ops[k, C_WIDTH])
            g[:, :] = 0.0


@njit(**_JIT)
def backward_op(
    k, ops, op_inputs, fops, ncons, params, grads, acts, zs, gacts, gzs, scratch, mb, rows, fused, input_grad
):
    """Back-propagate through op ``k``: weight and bias gradients into ``grads``, input gradients onward.

    ``fused`` means the loss already gave ∂L/∂z for this op's activation (softmax/sigmoid folded in).
    """
    code = ops[k, C_OP]
    if code == OP_INPUT:
        return
    width = ops[k, C_WIDTH]
    gy = view(gacts, ops[k, C_OUT], mb, rows, width)
    first = op_inputs[ops[k, C_IN0]]
    if code == OP_DENSE:
        n_in = ops[k, C_FANIN]
        x = view(acts, ops[first, C_OUT], mb, rows, n_in)
        z = view(zs, ops[k, C_Z], mb, rows, width)
        y = view(acts, ops[k, C_OUT], mb, rows, width)
        gz = view(gzs, ops[k, C_Z], mb, rows, width)
        b_off = ops[k, C_B]
        gb = grads[b_off : b_off + width] if b_off >= 0 else grads[:0]
        if b_off >= 0:
            for c in range(width):
                gb[c] = 0.0
        if not fused and ops[k, C_ACT] == 1 and b_off >= 0:  # relu: gradient and bias sum in one pass
            for r in range(rows):
                for c in range(width):
                    g = gy[r, c] if z[r, c] > 0 else 0.0
                    gz[r, c] = g
                    gb[c] += g
        else:
            if fused:
                gz[:, :] = gy
            else:
                act_backward(ops[k, C_ACT], fops[k, F_ALPHA], z, y, gy, gz)
            if b_off >= 0:
                for r in range(rows):
                    for c in range(width):
                        gb[c] += gz[r, c]
        w = pview(params, ops[k, C_W], n_in, width)
        matmul_tn(x, gz, pview(grads, ops[k, C_W], n_in, width))
        if ops[first, C_OP] == OP_INPUT and not input_grad:
            return
        if ncons[first] == 1:
            matmul_nt(gz, w, view(gacts, ops[first, C_OUT], mb, rows, n_in))
        else:
            tmp = view(scratch, 0, mb, rows, n_in)
            matmul_nt(gz, w, tmp)
            _add_into(view(gacts, ops[first, C_OUT], mb, rows, n_in), tmp)
    elif code == OP_ACT:
        x = view(acts, ops[first, C_OUT], mb, rows, width)
        y = view(acts, ops[k, C_OUT], mb, rows, width)
        tmp = view(scratch, 0, mb, rows, width)
        if fused:
            tmp[:, :] = gy
        else:
            act_backward(ops[k, C_ACT], fops[k, F_ALPHA], x, y, gy, tmp)
        _pass_grad(first, ops, ncons, gacts, tmp, mb, rows, width, input_grad)
    elif code == OP_DROPOUT:
        mask = view(zs, ops[k, C_Z], mb, rows, width)
        tmp = view(scratch, 0, mb, rows, width)
        for r in range(rows):
            for c in range(width):
                tmp[r, c] = gy[r, c] * mask[r, c]
        _pass_grad(first, ops, ncons, gacts, tmp, mb, rows, width, input_grad)
    elif code == OP_ADD:
        for j in range(ops[k, C_NIN]):
            src = op_inputs[ops[k, C_IN0] + j]
            _pass_grad(src, ops, ncons, gacts, gy, mb, rows, width, input_grad)
    elif code == OP_CONCAT:
        col = 0
        for j in range(ops[k, C_NIN]):
            src = op_inputs[ops[k, C_IN0] + j]
            w = ops[src, C_WIDTH]
            tmp = view(scratch, 0, mb, rows, w)
            for r in range(rows):
                for c in range(w):
                    tmp[r, c] = gy[r, c + col]
            _pass_grad(src, ops, ncons, gacts, tmp, mb, rows, w, input_grad)
            col += w
    elif code == OP_COPY:
        _pass_grad(first, ops, ncons, gacts, gy, mb, rows, width, input_grad)
    else:
        _window_backward(
            k, first, ops, fops, ncons, params, grads, acts, zs, gacts, gzs, mb, rows, fused, input_grad
        )


@njit(**_JIT)
def _window_backward(
    k, first, ops, fops, ncons, params, grads, acts, zs, gacts, gzs, mb, rows, fused, input_grad
):
    """Back-propagate through a Conv2D, MaxPool2D, AvgPool2D or BatchNorm op ``k`` fed by op ``first``."""
    code = ops[k, C_OP]
    width = ops[k, C_WIDTH]
    n_in = ops[first, C_WIDTH]
    gy = view(gacts, ops[k, C_OUT], mb, rows, width)
    gx = view(gacts, ops[first, C_OUT], mb, rows, n_in)
    want_gx = ops[first, C_OP] != OP_INPUT or input_grad
    accumulate = ncons[first] != 1
    if code == OP_CONV:
        z = view(zs, ops[k, C_Z], mb, rows, width)
        gz = view(gzs, ops[k, C_Z], mb, rows, width)
        if fused:
            gz[:, :] = gy
        else:
            act_backward(
                ops[k, C_ACT], fops[k, F_ALPHA], z, view(acts, ops[k, C_OUT], mb, rows, width), gy, gz
            )
        x = view(acts, ops[first, C_OUT], mb, rows, n_in)
        conv_backward(x, params, grads, gz, gx, ops[k], accumulate, want_gx)
    elif code == OP_BATCHNORM:
        x = view(acts, ops[first, C_OUT], mb, rows, n_in)
        xhat = view(zs, ops[k, C_Z], mb, rows, width)
        batchnorm_backward(x, xhat, params, grads, gy, gx, ops[k], fops[k, F_EPS], accumulate, want_gx)
    elif not want_gx:
        return
    elif code == OP_MAXPOOL:
        maxpool_backward(gy, view(zs, ops[k, C_Z], mb, rows, width), gx, accumulate)
    elif code == OP_AVGPOOL:
        avgpool_backward(gy, gx, ops[k], accumulate)


# ---------------------------------------------------------------------------------------------
# optimiser


@njit(**_JIT)
def update(params, grads, m1, m2, segs, H, IH, t, delta, hw):
    """One optimiser step over every trainable segment, with L1/L2 on kernels (PyTorch's update rules).

    ``t`` is the 1-based step count (Adam's bias correction); ``hw`` is a small work array of the
    parameters' dtype, so every constant is rounded to that dtype as PyTorch rounds its scalars.
    When ``delta`` has the size of ``params`` it receives each weight's change (for the update
    phase's display). Returns -1, or the index of the first segment that became non-finite.
    """
    opt = IH[I_OPT]
    b1 = H[H_BETA1]
    b2 = H[H_BETA2]
    hw[0] = H[H_LR]
    hw[1] = H[H_MOMENTUM]
    hw[2] = 1.0 - b1
    hw[3] = 1.0 - b2
    hw[4] = b2
    hw[5] = H[H_EPS]
    hw[6] = H[H_RHO]
    hw[7] = 1.0 - H[H_RHO]
    hw[8] = H[H_LR] / (1.0 - b1**t) if opt == OPT_ADAM else 0.0
    hw[9] = math.sqrt(1.0 - b2**t) if opt == OPT_ADAM else 1.0
    hw[10] = H[H_REG] if IH[I_REG] == REG_L2 else 0.0
    hw[11] = H[H_REG] if IH[I_REG] == REG_L1 else 0.0
    hw[12] = 0.0
    hw[13] = 1.0
    lr, mom, omb1, omb2, b2p, eps, rho, omrho, step_size, bc2 = (
        hw[0],
        hw[1],
        hw[2],
        hw[3],
        hw[4],
        hw[5],
        hw[6],
        hw[7],
        hw[8],
        hw[9],
    )
    zero = hw[12]
    one = hw[13]
    nesterov = IH[I_NESTEROV] != 0
    keep_delta = delta.shape[0] == params.shape[0]
    bad = -1
    for s in range(segs.shape[0]):
        if segs[s, S_TRAIN] == 0:
            continue
        off = segs[s, S_OFF]
        end = off + segs[s, S_SIZE]
        # slices indexed from 0: the compiler then knows no index is negative, and vectorises
        ps = params[off:end]
        gs = grads[off:end]
        ms = m1[off:end] if m1.shape[0] == params.shape[0] else m1[:0]
        vs = m2[off:end] if m2.shape[0] == params.shape[0] else m2[:0]
        ds = delta[off:end] if keep_delta else delta[:0]
        n = ps.shape[0]
        if segs[s, S_REG] != 0 and (hw[10] != 0 or hw[11] != 0):
            l2 = hw[10]
            l1 = hw[11]
            for i in range(n):
                p = ps[i]
                gs[i] += l2 * p + l1 * (one if p > 0 else (-one if p < 0 else zero))
        nonfinite = 0
        if opt == OPT_ADAM:
            for i in range(n):
                p = ps[i]
                g = gs[i]
                m = ms[i] + omb1 * (g - ms[i])
                v = vs[i] * b2p + omb2 * g * g
                ms[i] = m
                vs[i] = v
                new = p - step_size * (m / (math.sqrt(v) / bc2 + eps))
                ps[i] = new
                nonfinite |= (new - new) != 0
                if keep_delta:
                    ds[i] = new - p
        elif opt == OPT_RMSPROP:
            for i in range(n):
                p = ps[i]
                g = gs[i]
                v = vs[i] * rho + omrho * g * g
                vs[i] = v
                avg = math.sqrt(v) + eps
                if mom != 0:
                    b = ms[i] * mom + g / avg
                    ms[i] = b
                    new = p - lr * b
                else:
                    new = p - lr * (g / avg)
                ps[i] = new
                nonfinite |= (new - new) != 0
                if keep_delta:
                    ds[i] = new - p
        elif mom != 0:
            for i in range(n):
                p = ps[i]
                g = gs[i]
                b = ms[i] * mom + g
                ms[i] = b
                g = g + mom * b if nesterov else b
                new = p - lr * g
                ps[i] = new
                nonfinite |= (new - new) != 0
                if keep_delta:
                    ds[i] = new - p
        elif keep_delta:
            for i in range(n):
                p = ps[i]
                new = p - lr * gs[i]
                ps[i] = new
                nonfinite |= (new - new) != 0
                ds[i] = new - p
        else:
            for i in range(n):
                new = ps[i] - lr * gs[i]
                ps[i] = new
                nonfinite |= (new - new) != 0
        if bad < 0 and nonfinite:
            bad = s
    return bad


# ---------------------------------------------------------------------------------------------
# whole steps


@njit(**_JIT)
def forward_all(ops, op_inputs, fops, params, acts, zs, mb, rows, training, seed, step):
    for k in range(ops.shape[0]):
        forward_op(k, ops, op_inputs, fops, params, acts, zs, mb, rows, training, seed, step)


@njit(**_JIT)
def batch_classes_correct(y, lb, thresh_mode):
    rows, k = y.shape
    correct = 0
    for r in range(rows):
        if k == 1:
            cls = 1 if y[r, 0] > (0.5 if thresh_mode == 1 else 0.0) else 0
        else:
            cls = 0
            for c in range(1, k):
                if y[r, c] > y[r, cls]:
                    cls = c
        if cls == lb[r]:
            correct += 1
    return correct


@njit(**_JIT)
def evaluate(ops, op_inputs, fops, params, acts, zs, mb, IH, X, T, L, order, tb, lb, gscratch):
    """Mean loss and accuracy over a whole set, in inference mode (no dropout), in chunks of ``mb`` rows."""
    n = X.shape[0]
    if n == 0:
        return np.nan, np.nan
    out = IH[I_OUT]
    width = ops[out, C_WIDTH]
    loss_sum = 0.0
    correct = 0
    start = 0
    while start < n:
        rows = min(mb, n - start)
        gather_batch(X, T, L, order, start, rows, acts, tb, lb, mb, ops[0, C_OUT])
        forward_all(ops, op_inputs, fops, params, acts, zs, mb, rows, False, 0, 0)
        y = view(acts, ops[out, C_OUT], mb, rows, width)
        unused = view(gscratch, 0, mb, rows, width)
        loss_sum += rows * loss_grad(IH[I_LOSS], IH[I_MODE], y, tb, unused, False)
        if IH[I_CLASSIFY] != 0:
            correct += batch_classes_correct(y, lb, IH[I_THRESH])
        start += rows
    acc = correct / n if IH[I_CLASSIFY] != 0 else np.nan
    return loss_sum / n, acc


@njit(**_JIT)
def train_steps(
    n_steps,
    ops,
    op_inputs,
    fops,
    ncons,
    segs,
    H,
    IH,
    params,
    grads,
    m1,
    m2,
    acts,
    zs,
    gacts,
    gzs,
    scratch,
    mb,
    X,
    T,
    L,
    Xte,
    Tte,
    Lte,
    perm,
    order_te,
    tb,
    lb,
    pos,
    step_loss,
    hist,
    hist_n,
    status,
    stop,
    stop_at_epoch_end,
):
    """Train ``n_steps`` mini-batches without returning to Python.

    Returns the number of steps done. It stops early when ``stop[0]`` becomes non-zero (another
    thread may set it), after an epoch ends when ``stop_at_epoch_end``, or on divergence, which is
    written to ``status`` (code, step, op or segment index) with the weights of that step possibly
    non-finite: the caller restores the last finite state.
    """
    n = X.shape[0]
    out = IH[I_OUT]
    width = ops[out, C_WIDTH]
    fused = IH[I_MODE] == MODE_FUSED
    input_grad = IH[I_INPUT_GRAD] != 0
    no_delta = np.empty(0, params.dtype)
    hw = np.empty(16, params.dtype)
    done = 0
    status[ST_CODE] = STATUS_OK
    while done < n_steps:
        if stop[0] != 0:
            status[ST_CODE] = STATUS_STOPPED
            break
        step = pos[P_STEP]
        cursor = pos[P_CURSOR]
        rows = min(IH[I_BATCH], n - cursor)
        gather_batch(X, T, L, perm, cursor, rows, acts, tb, lb, mb, ops[0, C_OUT])
        forward_all(ops, op_inputs, fops, params, acts, zs, mb, rows, True, pos[P_SEED], step)
        y = view(acts, ops[out, C_OUT], mb, rows, width)
        gy = view(gacts, ops[out, C_OUT], mb, rows, width)
        loss = loss_grad(IH[I_LOSS], IH[I_MODE], y, tb, gy, True)
        if not math.isfinite(loss):
            status[ST_CODE] = STATUS_LOSS
            status[ST_STEP] = step
            status[ST_WHERE] = out
            break
        zero_multi_grads(ops, ncons, gacts, mb, rows)
        for k in range(ops.shape[0] - 1, -1, -1):
            backward_op(
                k,
                ops,
                op_inputs,
                fops,
                ncons,
                params,
                grads,
                acts,
                zs,
                gacts,
                gzs,
                scratch,
                mb,
                rows,
                fused and k == out,
                input_grad,
            )
        pos[P_OPT_T] += 1
        bad = update(params, grads, m1, m2, segs, H, IH, pos[P_OPT_T], no_delta, hw)
        step_loss[done] = loss
        done += 1
        pos[P_STEP] = step + 1
        pos[P_CURSOR] = cursor + rows
        if bad >= 0:
            status[ST_CODE] = STATUS_PARAM
            status[ST_STEP] = step
            status[ST_WHERE] = bad
            break
        if pos[P_CURSOR] >= n:
            end_epoch(
                ops,
                op_inputs,
                fops,
                params,
                acts,
                zs,
                mb,
                IH,
                X,
                T,
                L,
                Xte,
                Tte,
                Lte,
                perm,
                order_te,
                tb,
                lb,
                scratch,
                pos,
                hist,
                hist_n,
            )
            if stop_at_epoch_end:
                status[ST_CODE] = STATUS_EPOCH_END
                break
    return done


@njit(**_JIT)
def end_epoch(
    ops,
    op_inputs,
    fops,
    params,
    acts,
    zs,
    mb,
    IH,
    X,
    T,
    L,
    Xte,
    Tte,
    Lte,
    perm,
    order_te,
    tb,
    lb,
    scratch,
    pos,
    hist,
    hist_n,
):
    """Close an epoch: record train/test loss and accuracy (when enabled), then draw the next data order."""
    if IH[I_EVAL] != 0 and hist_n[0] < hist.shape[0]:
        h = hist_n[0]
        tr_loss, tr_acc = evaluate(
            ops, op_inputs, fops, params, acts, zs, mb, IH, X, T, L, perm, tb, lb, scratch
        )
        te_loss, te_acc = evaluate(
            ops, op_inputs, fops, params, acts, zs, mb, IH, Xte, Tte, Lte, order_te, tb, lb, scratch
        )
        hist[h, 0] = pos[P_EPOCH] + 1
        hist[h, 1] = tr_loss
        hist[h, 2] = tr_acc
        hist[h, 3] = te_loss
        hist[h, 4] = te_acc
        hist[h, 5] = pos[P_STEP]
        hist_n[0] = h + 1
    pos[P_EPOCH] += 1
    pos[P_CURSOR] = 0
    epoch_permutation(pos[P_SEED], pos[P_EPOCH], perm, IH[I_SHUFFLE])
