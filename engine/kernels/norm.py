"""Numba kernels for batch normalisation over the flat rows of a batch.

``g`` is the op's row of the op table: ``C_INC`` channels of ``C_INH`` values each per sample, ``C_W``
and ``C_B`` the offsets of gamma and beta, ``C_AUX`` the running mean (the running variance follows).
Statistics are summed in float64 whatever the model's dtype.
The cache folder is keyed on every kernel module's source (``cache.py``), so editing this
module recompiles the training steps that embed it.
"""

from __future__ import annotations

import math

from numba import njit

from engine.kernels.layout import C_AUX, C_B, C_INC, C_INH, C_W

_JIT = {"cache": True, "nogil": True, "error_model": "numpy"}
_JIT_SUM = {**_JIT, "fastmath": {"reassoc", "contract", "nsz"}}


@njit(**_JIT_SUM)
def batch_stats(x, c, size):
    """Mean and (biased) variance of channel ``c`` over every row of ``x``."""
    rows = x.shape[0]
    total = 0.0
    for n in range(rows):
        row = x[n, c * size : (c + 1) * size]
        for q in range(size):
            total += row[q]
    mean = total / (rows * size)
    sq = 0.0
    for n in range(rows):
        row = x[n, c * size : (c + 1) * size]
        for q in range(size):
            d = row[q] - mean
            sq += d * d
    return mean, sq / (rows * size)


@njit(**_JIT_SUM)
def batchnorm_forward(x, params, y, xhat, g, training, momentum, eps):
    """y = gamma·xhat + beta with xhat = (x − mean)/sqrt(var + eps): the batch's statistics while
    training (which also move the running ones), the running statistics otherwise."""
    rows = x.shape[0]
    channels, size = g[C_INC], g[C_INH]
    m = rows * size
    gamma = params[g[C_W] : g[C_W] + channels]
    beta = params[g[C_B] : g[C_B] + channels]
    run_mean = params[g[C_AUX] : g[C_AUX] + channels]
    run_var = params[g[C_AUX] + channels : g[C_AUX] + 2 * channels]
    for c in range(channels):
        if training:
            mean, var = batch_stats(x, c, size)
            unbiased = var * m / (m - 1) if m > 1 else var
            run_mean[c] = (1.0 - momentum) * run_mean[c] + momentum * mean
            run_var[c] = (1.0 - momentum) * run_var[c] + momentum * unbiased
        else:
            mean = float(run_mean[c])
            var = float(run_var[c])
        inv = 1.0 / math.sqrt(var + eps)
        scale = gamma[c]
        shift = beta[c]
        for n in range(rows):
            xr = x[n, c * size : (c + 1) * size]
            hr = xhat[n, c * size : (c + 1) * size]
            yr = y[n, c * size : (c + 1) * size]
            for q in range(size):
                h = (xr[q] - mean) * inv
                hr[q] = h
                yr[q] = scale * h + shift


@njit(**_JIT_SUM)
def batchnorm_backward(x, xhat, params, grads, gy, gx, g, eps, accumulate, want_gx):
    """Gradients of gamma and beta into ``grads``; with ``want_gx`` the input gradient (training
    mode, where the batch's mean and variance depend on every value):
    gx = gamma/sqrt(var + eps) · (gy − mean(gy) − xhat·mean(gy·xhat))."""
    rows = x.shape[0]
    channels, size = g[C_INC], g[C_INH]
    m = rows * size
    gamma = params[g[C_W] : g[C_W] + channels]
    g_gamma = grads[g[C_W] : g[C_W] + channels]
    g_beta = grads[g[C_B] : g[C_B] + channels]
    for c in range(channels):
        sg = 0.0
        sgh = 0.0
        for n in range(rows):
            gr = gy[n, c * size : (c + 1) * size]
            hr = xhat[n, c * size : (c + 1) * size]
            for q in range(size):
                sg += gr[q]
                sgh += gr[q] * hr[q]
        g_gamma[c] = sgh
        g_beta[c] = sg
        if not want_gx:
            continue
        _, var = batch_stats(x, c, size)
        k = gamma[c] / math.sqrt(var + eps)
        mg = sg / m
        mgh = sgh / m
        for n in range(rows):
            gr = gy[n, c * size : (c + 1) * size]
            hr = xhat[n, c * size : (c + 1) * size]
            xr = gx[n, c * size : (c + 1) * size]
            if accumulate:
                for q in range(size):
                    xr[q] += k * (gr[q] - mg - hr[q] * mgh)
            else:
                for q in range(size):
                    xr[q] = k * (gr[q] - mg - hr[q] * mgh)
