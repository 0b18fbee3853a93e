"""Numba kernels for max and average pooling over the flat rows of a batch.

Each sample is one flat row in C, H, W order; ``g`` is the op's row of the op table with the window
geometry (``C_INC`` .. ``C_SW`` in ``engine.kernels.layout``). Inner loops index slices from 0 so the
compiler knows no index is negative. ``cpu.py``'s training steps embed these kernels; the cache folder
is keyed on every kernel module's source (``cache.py``), so an edit here recompiles them.
"""

from __future__ import annotations

from numba import njit

from engine.kernels.layout import C_INC, C_INH, C_INW, C_KH, C_KW, C_OUTH, C_OUTW, C_SH, C_SW

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}


@njit(**_JIT)
def maxpool_forward(x, y, arg, g):
    """y = the largest value of each window; ``arg`` keeps where it was (its index in the sample's row).

    Ties go to the first value in row-major window order, and a NaN wins, as in torch.
    """
    rows = x.shape[0]
    ch, h, w = g[C_INC], g[C_INH], g[C_INW]
    oh_n, ow_n, kh, kw, sh, sw = g[C_OUTH], g[C_OUTW], g[C_KH], g[C_KW], g[C_SH], g[C_SW]
    if kh == 2 and kw == 2 and sh == 2 and sw == 2:
        _maxpool2_forward(x, y, arg, ch, h, w, oh_n, ow_n)
        return
    reach = (ow_n - 1) * sw + 1
    for n in range(rows):
        for c in range(ch):
            for oh in range(oh_n):
                o0 = (c * oh_n + oh) * ow_n
                yr = y[n, o0 : o0 + ow_n]
                ar = arg[n, o0 : o0 + ow_n]
                top = (c * h + oh * sh) * w
                for i in range(kh):
                    for j in range(kw):
                        base = top + i * w + j
                        xr = x[n, base : base + reach : sw]
                        if i == 0 and j == 0:
                            for ow in range(ow_n):
                                yr[ow] = xr[ow]
                                ar[ow] = base + ow * sw
                        else:  # selects, not branches: random data would mispredict half of them
                            for ow in range(ow_n):
                                v = xr[ow]
                                best = yr[ow]
                                take = (v > best) | ((v != v) & (best == best))
                                yr[ow] = v if take else best
                                ar[ow] = base + ow * sw if take else ar[ow]


@njit(**_JIT)
def _maxpool2_forward(x, y, arg, ch, h, w, oh_n, ow_n):
    """The common 2×2 window with stride 2, with constant offsets the compiler can plan for. The
    comparisons are plain ``>``; a window whose sum is NaN is looked at again so that a NaN wins."""
    for n in range(x.shape[0]):
        for c in range(ch):
            for oh in range(oh_n):
                o0 = (c * oh_n + oh) * ow_n
                top = (c * h + 2 * oh) * w
                r0 = x[n, top : top + w]
                r1 = x[n, top + w : top + 2 * w]
                yr = y[n, o0 : o0 + ow_n]
                ar = arg[n, o0 : o0 + ow_n]
                for ow in range(ow_n):
                    a = r0[2 * ow]
                    b = r0[2 * ow + 1]
                    c2 = r1[2 * ow]
                    d = r1[2 * ow + 1]
                    best = a
                    where = 2 * ow
                    if b > best:
                        best = b
                        where = 2 * ow + 1
                    if c2 > best:
                        best = c2
                        where = w + 2 * ow
                    if d > best:
                        best = d
                        where = w + 2 * ow + 1
                    total = a + b + c2 + d
                    if total != total:  # a NaN, or infinities of both signs
                        for k, v in enumerate((a, b, c2, d)):
                            if v != v:
                                best = v
                                where = (k // 2) * w + 2 * ow + k % 2
                                break
                    yr[ow] = best
                    ar[ow] = top + where


@njit(**_JIT)
def maxpool_backward(gy, arg, gx, accumulate):
    """Each output's gradient goes back to the input value that won its window."""
    rows, width = gy.shape
    if not accumulate:
        gx[:, :] = 0.0
    for n in range(rows):
        gr = gy[n]
        ar = arg[n]
        xr = gx[n]
        for o in range(width):
            xr[int(ar[o])] += gr[o]


@njit(**_JIT)
def avgpool_forward(x, y, g):
    """y = the mean of each window."""
    rows = x.shape[0]
    ch, h, w = g[C_INC], g[C_INH], g[C_INW]
    oh_n, ow_n, kh, kw, sh, sw = g[C_OUTH], g[C_OUTW], g[C_KH], g[C_KW], g[C_SH], g[C_SW]
    area = kh * kw
    reach = (ow_n - 1) * sw + 1
    for n in range(rows):
        for c in range(ch):
            for oh in range(oh_n):
                o0 = (c * oh_n + oh) * ow_n
                yr = y[n, o0 : o0 + ow_n]
                top = (c * h + oh * sh) * w
                for ow in range(ow_n):
                    yr[ow] = 0.0
                for i in range(kh):
                    for j in range(kw):
                        base = top + i * w + j
                        xr = x[n, base : base + reach : sw]
                        for ow in range(ow_n):
                            yr[ow] += xr[ow]
                for ow in range(ow_n):
                    yr[ow] = yr[ow] / area


@njit(**_JIT)
def avgpool_backward(gy, gx, g, accumulate):
    """Each output's gradient is shared equally by the values of its window."""
    rows = gy.shape[0]
    ch, h, w = g[C_INC], g[C_INH], g[C_INW]
    oh_n, ow_n, kh, kw, sh, sw = g[C_OUTH], g[C_OUTW], g[C_KH], g[C_KW], g[C_SH], g[C_SW]
    area = kh * kw
    reach = (ow_n - 1) * sw + 1
    if not accumulate:
        gx[:, :] = 0.0
    for n in range(rows):
        for c in range(ch):
            for oh in range(oh_n):
                o0 = (c * oh_n + oh) * ow_n
                gr = gy[n, o0 : o0 + ow_n]
                top = (c * h + oh * sh) * w
                for i in range(kh):
                    for j in range(kw):
                        base = top + i * w + j
                        xr = gx[n, base : base + reach : sw]
                        for ow in range(ow_n):
                            xr[ow] += gr[ow] / area
