"""Numba kernels for the image layers: 2-D convolution, max and average pooling.

Each sample is one flat row in C, H, W order; ``g`` is the op's row of the op table, which holds the
window geometry (``C_INC`` .. ``C_PL`` in ``engine.kernels.layout``). Convolution copies one sample at a
time into a zero-bordered plane of ``Hp × Wp`` values. With stride 1 it then works on "full-width"
rows: output value ``(oh, ow)`` sits at ``oh·Wp + ow`` and every kernel tap is the same long contiguous
loop over the plane, shifted by ``i·Wp + j``, which vectorises far better than rows of a few dozen
values; the columns past the output's width are computed and thrown away. Reductions (kernel and bias
gradients) may be reassociated by the compiler so they vectorise too; both training paths call these
same functions, so they still agree bit for bit.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from engine.kernels.layout import (
    C_B,
    C_INC,
    C_INH,
    C_INW,
    C_KH,
    C_KW,
    C_OUTC,
    C_OUTH,
    C_OUTW,
    C_PL,
    C_PT,
    C_SH,
    C_SW,
    C_W,
)

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
_JIT_SUM = {**_JIT, "fastmath": {"reassoc", "contract", "nsz"}}


@njit(**_JIT)
def padded_size(g):
    """(Hp, Wp): the input plus its zero border, as large as the windows reach."""
    hp = max(g[C_INH] + g[C_PT], (g[C_OUTH] - 1) * g[C_SH] + g[C_KH])
    wp = max(g[C_INW] + g[C_PL], (g[C_OUTW] - 1) * g[C_SW] + g[C_KW])
    return hp, wp


@njit(**_JIT)
def _sample(x, n, g, hp, wp, xp):
    """Sample ``n`` of ``x`` as planes of ``hp × wp`` (a view when there is no border, else copied into
    ``xp``, whose border stays zero)."""
    c_in, h, w = g[C_INC], g[C_INH], g[C_INW]
    if hp == h and wp == w:
        return x[n]
    pt, pl = g[C_PT], g[C_PL]
    for c in range(c_in):
        for r in range(h):
            src = (c * h + r) * w
            dst = (c * hp + r + pt) * wp + pl
            for q in range(w):
                xp[dst + q] = x[n, src + q]
    return xp


@njit(**_JIT)
def conv_forward(x, params, z, g):
    """z = conv(x, kernel) + bias. x (rows, C·H·W), z (rows, F·OH·OW); kernel (F, C, KH, KW) in ``params``."""
    rows = x.shape[0]
    c_in, f_out = g[C_INC], g[C_OUTC]
    oh_n, ow_n, kh, kw, sh, sw = g[C_OUTH], g[C_OUTW], g[C_KH], g[C_KW], g[C_SH], g[C_SW]
    hp, wp = padded_size(g)
    plane = hp * wp
    w = params[g[C_W] : g[C_W] + f_out * c_in * kh * kw]
    b_off = g[C_B]
    xp = np.zeros(c_in * plane, x.dtype)
    zero = np.zeros(1, x.dtype)[0]
    stride1 = sh == 1 and sw == 1
    span = (oh_n - 1) * wp + ow_n if stride1 else oh_n * ow_n
    acc = np.empty(oh_n * wp if stride1 else oh_n * ow_n, x.dtype)
    out_plane = oh_n * ow_n
    for n in range(rows):
        xs = _sample(x, n, g, hp, wp, xp)
        for f in range(f_out):
            b = params[b_off + f] if b_off >= 0 else zero
            for p in range(span):
                acc[p] = b
            for c in range(c_in):
                for i in range(kh):
                    for j in range(kw):
                        wv = w[((f * c_in + c) * kh + i) * kw + j]
                        if stride1:
                            off = c * plane + i * wp + j
                            for p in range(span):
                                acc[p] += wv * xs[off + p]
                        else:
                            for oh in range(oh_n):
                                off = c * plane + (oh * sh + i) * wp + j
                                o = oh * ow_n
                                for ow in range(ow_n):
                                    acc[o + ow] += wv * xs[off + ow * sw]
            zo = f * out_plane
            if stride1:
                for oh in range(oh_n):
                    for ow in range(ow_n):
                        z[n, zo + oh * ow_n + ow] = acc[oh * wp + ow]
            else:
                for p in range(out_plane):
                    z[n, zo + p] = acc[p]


@njit(**_JIT_SUM)
def conv_backward(x, params, grads, gz, gx, g, accumulate, want_gx):
    """Kernel and bias gradients into ``grads``; with ``want_gx`` the input gradient into ``gx``
    (added to what is there when ``accumulate``, else written). gz (rows, F·OH·OW) is ∂L/∂z."""
    rows = x.shape[0]
    c_in, h, w_in, f_out = g[C_INC], g[C_INH], g[C_INW], g[C_OUTC]
    oh_n, ow_n, kh, kw, sh, sw = g[C_OUTH], g[C_OUTW], g[C_KH], g[C_KW], g[C_SH], g[C_SW]
    pt, pl = g[C_PT], g[C_PL]
    hp, wp = padded_size(g)
    plane = hp * wp
    n_w = f_out * c_in * kh * kw
    w = params[g[C_W] : g[C_W] + n_w]
    gw = grads[g[C_W] : g[C_W] + n_w]
    b_off = g[C_B]
    for q in range(n_w):
        gw[q] = 0.0
    if b_off >= 0:
        for f in range(f_out):
            grads[b_off + f] = 0.0
    xp = np.zeros(c_in * plane, x.dtype)
    gxp = np.zeros(c_in * plane, x.dtype)
    stride1 = sh == 1 and sw == 1
    span = (oh_n - 1) * wp + ow_n if stride1 else oh_n * ow_n
    gfull = np.zeros(oh_n * wp if stride1 else oh_n * ow_n, x.dtype)
    zero = np.zeros(1, x.dtype)[0]
    out_plane = oh_n * ow_n
    for n in range(rows):
        xs = _sample(x, n, g, hp, wp, xp)
        if want_gx:
            gxp[:] = 0.0
        for f in range(f_out):
            zo = f * out_plane
            s = zero
            if stride1:
                for oh in range(oh_n):
                    for ow in range(ow_n):
                        v = gz[n, zo + oh * ow_n + ow]
                        gfull[oh * wp + ow] = v
                        s += v
            else:
                for p in range(out_plane):
                    v = gz[n, zo + p]
                    gfull[p] = v
                    s += v
            if b_off >= 0:
                grads[b_off + f] += s
            for c in range(c_in):
                for i in range(kh):
                    for j in range(kw):
                        q = ((f * c_in + c) * kh + i) * kw + j
                        acc = zero
                        if stride1:
                            off = c * plane + i * wp + j
                            for p in range(span):
                                acc += gfull[p] * xs[off + p]
                            if want_gx:
                                wv = w[q]
                                for p in range(span):
                                    gxp[off + p] += wv * gfull[p]
                        else:
                            wv = w[q]
                            for oh in range(oh_n):
                                off = c * plane + (oh * sh + i) * wp + j
                                o = oh * ow_n
                                for ow in range(ow_n):
                                    acc += gfull[o + ow] * xs[off + ow * sw]
                                if want_gx:
                                    for ow in range(ow_n):
                                        gxp[off + ow * sw] += wv * gfull[o + ow]
                        gw[q] += acc
        if want_gx:
            for c in range(c_in):
                for r in range(h):
                    src = (c * hp + r + pt) * wp + pl
                    dst = (c * h + r) * w_in
                    if accumulate:
                        for q in range(w_in):
                            gx[n, dst + q] += gxp[src + q]
                    else:
                        for q in range(w_in):
                            gx[n, dst + q] = gxp[src + q]


@njit(**_JIT)
def maxpool_forward(x, y, arg, g):
    """y = the largest value of each window; ``arg`` keeps where it was (its index in the sample's row)."""
    rows = x.shape[0]
    ch, h, w = g[C_INC], g[C_INH], g[C_INW]
    oh_n, ow_n, kh, kw, sh, sw = g[C_OUTH], g[C_OUTW], g[C_KH], g[C_KW], g[C_SH], g[C_SW]
    for n in range(rows):
        o = 0
        for c in range(ch):
            for oh in range(oh_n):
                for ow in range(ow_n):
                    top = (c * h + oh * sh) * w + ow * sw
                    best = x[n, top]
                    where = top
                    for i in range(kh):
                        for j in range(kw):
                            idx = top + i * w + j
                            v = x[n, idx]
                            if v > best or (v != v and best == best):  # the first largest; NaN wins
                                best = v
                                where = idx
                    y[n, o] = best
                    arg[n, o] = where
                    o += 1


@njit(**_JIT)
def maxpool_backward(gy, arg, gx, accumulate):
    """Each output's gradient goes back to the input value that won its window."""
    rows, width = gy.shape
    if not accumulate:
        gx[:, :] = 0.0
    for n in range(rows):
        for o in range(width):
            gx[n, int(arg[n, o])] += gy[n, o]


@njit(**_JIT)
def avgpool_forward(x, y, g):
    """y = the mean of each window."""
    rows = x.shape[0]
    ch, h, w = g[C_INC], g[C_INH], g[C_INW]
    oh_n, ow_n, kh, kw, sh, sw = g[C_OUTH], g[C_OUTW], g[C_KH], g[C_KW], g[C_SH], g[C_SW]
    area = kh * kw
    zero = np.zeros(1, x.dtype)[0]
    for n in range(rows):
        o = 0
        for c in range(ch):
            for oh in range(oh_n):
                for ow in range(ow_n):
                    top = (c * h + oh * sh) * w + ow * sw
                    s = zero
                    for i in range(kh):
                        for j in range(kw):
                            s += x[n, top + i * w + j]
                    y[n, o] = s / area
                    o += 1


@njit(**_JIT)
def avgpool_backward(gy, gx, g, accumulate):
    """Each output's gradient is shared equally by the values of its window."""
    rows = gy.shape[0]
    ch, h, w = g[C_INC], g[C_INH], g[C_INW]
    oh_n, ow_n, kh, kw, sh, sw = g[C_OUTH], g[C_OUTW], g[C_KH], g[C_KW], g[C_SH], g[C_SW]
    area = kh * kw
    if not accumulate:
        gx[:, :] = 0.0
    for n in range(rows):
        o = 0
        for c in range(ch):
            for oh in range(oh_n):
                for ow in range(ow_n):
                    top = (c * h + oh * sh) * w + ow * sw
                    v = gy[n, o] / area
                    for i in range(kh):
                        for j in range(kw):
                            gx[n, top + i * w + j] += v
                    o += 1
