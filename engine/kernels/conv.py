"""Numba kernels for 2-D convolution (pooling is in ``pool.py``).

Each sample is one flat row in C, H, W order; ``g`` is the op's row of the op table, which holds the
window geometry (``C_INC`` .. ``C_PL`` in ``engine.kernels.layout``). Convolution copies one sample at a
time into a zero-bordered plane of ``Hp × Wp`` values. With stride 1 it then works on "full-width"
rows: output value ``(oh, ow)`` sits at ``oh·Wp + ow`` and every kernel tap is the same long contiguous
loop over the plane, shifted by ``i·Wp + j``, which vectorises far better than rows of a few dozen
values; the columns past the output's width are computed and thrown away. Reductions (kernel and bias
gradients) may be reassociated by the compiler so they vectorise too; both training paths call these
same functions, so they still agree bit for bit.

Inner loops index slices from 0 (``row[p]`` for ``p in range(n)``), never ``buf[off + p]``: the
compiler then knows no index is negative, and vectorises.
The cache folder is keyed on every kernel module's source (``cache.py``), so editing this
module recompiles the training steps that embed it.
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
IM2COL_MIN_TAPS = 64
"""Windows of at least this many values (in_channels·kh·kw) go through im2col and a BLAS product;
smaller ones (a first layer on a grey image) through the direct loops, which are faster there."""


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
            src = x[n, (c * h + r) * w : (c * h + r + 1) * w]
            start = (c * hp + r + pt) * wp + pl
            dst = xp[start : start + w]
            for q in range(w):
                dst[q] = src[q]
    return xp


@njit(**_JIT)
def conv_forward(x, params, z, g):
    """z = conv(x, kernel) + bias. x (rows, C·H·W), z (rows, F·OH·OW); kernel (F, C, KH, KW) in ``params``."""
    if g[C_INC] * g[C_KH] * g[C_KW] >= IM2COL_MIN_TAPS:
        _conv_forward_gemm(x, params, z, g)
        return
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
                            xo = xs[off : off + span]
                            for p in range(span):
                                acc[p] += wv * xo[p]
                        else:
                            for oh in range(oh_n):
                                off = c * plane + (oh * sh + i) * wp + j
                                xo = xs[off : off + (ow_n - 1) * sw + 1 : sw]
                                ao = acc[oh * ow_n : (oh + 1) * ow_n]
                                for ow in range(ow_n):
                                    ao[ow] += wv * xo[ow]
            zo = f * out_plane
            for oh in range(oh_n):
                zr = z[n, zo + oh * ow_n : zo + (oh + 1) * ow_n]
                a0 = oh * wp if stride1 else oh * ow_n
                ar = acc[a0 : a0 + ow_n]
                for ow in range(ow_n):
                    zr[ow] = ar[ow]


@njit(**_JIT_SUM)
def conv_backward(x, params, grads, gz, gx, g, accumulate, want_gx):
    """Kernel and bias gradients into ``grads``; with ``want_gx`` the input gradient into ``gx``
    (added to what is there when ``accumulate``, else written). gz (rows, F·OH·OW) is ∂L/∂z."""
    if g[C_INC] * g[C_KH] * g[C_KW] >= IM2COL_MIN_TAPS:
        _conv_backward_gemm(x, params, grads, gz, gx, g, accumulate, want_gx)
        return
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
            for oh in range(oh_n):
                gr = gz[n, zo + oh * ow_n : zo + (oh + 1) * ow_n]
                a0 = oh * wp if stride1 else oh * ow_n
                fr = gfull[a0 : a0 + ow_n]
                for ow in range(ow_n):
                    v = gr[ow]
                    fr[ow] = v
                    s += v
            if b_off >= 0:
                grads[b_off + f] += s
            for c in range(c_in):
                for i in range(kh):
                    for j in range(kw):
                        q = ((f * c_in + c) * kh + i) * kw + j
                        wv = w[q]
                        acc = zero
                        if stride1:
                            off = c * plane + i * wp + j
                            xo = xs[off : off + span]
                            for p in range(span):
                                acc += gfull[p] * xo[p]
                            if want_gx:
                                go = gxp[off : off + span]
                                for p in range(span):
                                    go[p] += wv * gfull[p]
                        else:
                            for oh in range(oh_n):
                                off = c * plane + (oh * sh + i) * wp + j
                                xo = xs[off : off + (ow_n - 1) * sw + 1 : sw]
                                fr = gfull[oh * ow_n : (oh + 1) * ow_n]
                                for ow in range(ow_n):
                                    acc += fr[ow] * xo[ow]
                                if want_gx:
                                    go = gxp[off : off + (ow_n - 1) * sw + 1 : sw]
                                    for ow in range(ow_n):
                                        go[ow] += wv * fr[ow]
                        gw[q] += acc
        if want_gx:
            _unpad_into(gxp, gx[n], c_in, h, w_in, hp, wp, pt, pl, accumulate)


@njit(**_JIT)
def _unpad_into(gxp, dst_row, c_in, h, w_in, hp, wp, pt, pl, accumulate):
    """Copy (or add, when another consumer already wrote) the inside of a padded gradient plane into
    one sample's flat input gradient."""
    for c in range(c_in):
        for r in range(h):
            start = (c * hp + r + pt) * wp + pl
            src = gxp[start : start + w_in]
            dst = dst_row[(c * h + r) * w_in : (c * h + r + 1) * w_in]
            if accumulate:
                for q in range(w_in):
                    dst[q] += src[q]
            else:
                for q in range(w_in):
                    dst[q] = src[q]


@njit(**_JIT)
def _columns(xs, g, hp, wp, cols):
    """im2col of one (padded) sample: cols[(c·KH + i)·KW + j, oh·OW + ow] = xs[c, oh·SH + i, ow·SW + j]."""
    c_in, kh, kw = g[C_INC], g[C_KH], g[C_KW]
    oh_n, ow_n, sh, sw = g[C_OUTH], g[C_OUTW], g[C_SH], g[C_SW]
    plane = hp * wp
    for c in range(c_in):
        for i in range(kh):
            for j in range(kw):
                row = cols[(c * kh + i) * kw + j]
                for oh in range(oh_n):
                    off = c * plane + (oh * sh + i) * wp + j
                    src = xs[off : off + (ow_n - 1) * sw + 1 : sw]
                    dst = row[oh * ow_n : (oh + 1) * ow_n]
                    for ow in range(ow_n):
                        dst[ow] = src[ow]


@njit(**_JIT)
def _conv_forward_gemm(x, params, z, g):
    """conv_forward as one matrix product per sample, kernel (F, C·KH·KW) @ columns (C·KH·KW, OH·OW):
    faster than the direct loops once a window holds many values (several input channels)."""
    rows = x.shape[0]
    c_in, f_out = g[C_INC], g[C_OUTC]
    taps = c_in * g[C_KH] * g[C_KW]
    n_out = g[C_OUTH] * g[C_OUTW]
    hp, wp = padded_size(g)
    w = params[g[C_W] : g[C_W] + f_out * taps].reshape((f_out, taps))
    b_off = g[C_B]
    xp = np.zeros(c_in * hp * wp, x.dtype)
    cols = np.empty((taps, n_out), x.dtype)
    for n in range(rows):
        _columns(_sample(x, n, g, hp, wp, xp), g, hp, wp, cols)
        out = z[n].reshape((f_out, n_out))
        np.dot(w, cols, out)
        if b_off >= 0:
            for f in range(f_out):
                b = params[b_off + f]
                row = out[f]
                for p in range(n_out):
                    row[p] += b


@njit(**_JIT_SUM)
def _conv_backward_gemm(x, params, grads, gz, gx, g, accumulate, want_gx):
    """conv_backward with matrix products: kernel gradient Σ gz_n @ columns_nᵀ, input gradient
    kernelᵀ @ gz_n scattered back over the windows (col2im)."""
    rows = x.shape[0]
    c_in, h, w_in, f_out = g[C_INC], g[C_INH], g[C_INW], g[C_OUTC]
    kh, kw = g[C_KH], g[C_KW]
    oh_n, ow_n, sh, sw = g[C_OUTH], g[C_OUTW], g[C_SH], g[C_SW]
    pt, pl = g[C_PT], g[C_PL]
    taps = c_in * kh * kw
    n_out = oh_n * ow_n
    hp, wp = padded_size(g)
    plane = hp * wp
    w = params[g[C_W] : g[C_W] + f_out * taps].reshape((f_out, taps))
    gw = grads[g[C_W] : g[C_W] + f_out * taps].reshape((f_out, taps))
    b_off = g[C_B]
    gw[:, :] = 0.0
    if b_off >= 0:
        for f in range(f_out):
            grads[b_off + f] = 0.0
    zero = np.zeros(1, x.dtype)[0]
    xp = np.zeros(c_in * plane, x.dtype)
    gxp = np.zeros(c_in * plane, x.dtype)
    cols = np.empty((taps, n_out), x.dtype)
    part = np.empty((f_out, taps), x.dtype)
    for n in range(rows):
        g_n = gz[n].reshape((f_out, n_out))
        _columns(_sample(x, n, g, hp, wp, xp), g, hp, wp, cols)
        np.dot(g_n, cols.T, part)
        for f in range(f_out):
            pr = part[f]
            gr = gw[f]
            for q in range(taps):
                gr[q] += pr[q]
        if b_off >= 0:
            for f in range(f_out):
                row = g_n[f]
                s = zero
                for p in range(n_out):
                    s += row[p]
                grads[b_off + f] += s
        if not want_gx:
            continue
        np.dot(w.T, g_n, cols)  # the columns' gradient, reusing their storage
        gxp[:] = 0.0
        for c in range(c_in):
            for i in range(kh):
                for j in range(kw):
                    row = cols[(c * kh + i) * kw + j]
                    for oh in range(oh_n):
                        off = c * plane + (oh * sh + i) * wp + j
                        dst = gxp[off : off + (ow_n - 1) * sw + 1 : sw]
                        src = row[oh * ow_n : (oh + 1) * ow_n]
                        for ow in range(ow_n):
                            dst[ow] += src[ow]
        _unpad_into(gxp, gx[n], c_in, h, w_in, hp, wp, pt, pl, accumulate)
