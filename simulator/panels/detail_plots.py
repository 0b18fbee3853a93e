"""Small pieces of the layer detail's pyqtgraph plots: cached axes, fitting, the bias strip, row ticks."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QGraphicsItem

from simulator.panels.colormaps import MatrixItem, nice_limit

MAX_TICK_NAMES = 16


def cache_static(plot: pg.PlotItem) -> None:
    """Paint axes and titles from a pixmap until they change: an image update then costs far less.

    A title's and an axis label's text are child items, painted apart from their parents' cache.
    """
    axes = [plot.getAxis(name) for name in ("left", "bottom", "right", "top")]
    texts = [plot.titleLabel.item, *(axis.label for axis in axes)]
    for item in [plot.titleLabel, *axes, *texts]:
        item.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def fit_plot(plot: pg.PlotItem) -> None:
    """Show every matrix of ``plot`` whole, and keep panning inside them."""
    rect = QRectF()
    for item in plot.getViewBox().addedItems:
        if isinstance(item, MatrixItem):
            rect = rect.united(item.mapRectToParent(item.boundingRect()))
    vb = plot.getViewBox()
    vb.setLimits(xMin=rect.left(), xMax=rect.right(), yMin=rect.top(), yMax=rect.bottom())
    vb.setRange(rect, padding=0)


def bias_strip(n_rows: int) -> tuple[float, float]:
    """Where the bias strip goes under a kernel of ``n_rows`` rows: (top, height) in row units."""
    height = max(1.0, 0.08 * n_rows)
    return n_rows + 0.35 * height, height


def row_ticks(axis: pg.AxisItem, n: int, names=(), bias: bool = False) -> None:
    """Name rows (or columns) at their centres when there are few, else number them 1, 2, 5 × 10^k apart.

    Names go in pyqtgraph's second tick level, whose text it leaves out where it would overlap.
    """
    if names and n <= MAX_TICK_NAMES:
        major, minor = [], [(i + 0.5, str(name)) for i, name in enumerate(names)]
    else:
        step = nice_limit(n / 6) if n > 6 else 1
        step = int(max(1, round(step)))
        major, minor = [(i - 0.5, str(i)) for i in range(step, n + 1, step)], []
        major.insert(0, (0.5, "1"))
    if bias:
        top, height = bias_strip(n)
        major.append((top + height / 2, "b"))
    axis.setTicks([major, minor])
