"""Every weight line of the canvas in one item: lines grouped into pen buckets, one ``drawLines`` each.

A line joins neuron ``i`` of a layer to neuron ``j`` of the Dense layer it feeds and shows
``kernel[i, j]``: its colour is the sign (orange negative, blue positive), its width the magnitude.
Geometry (``set_lines``) changes only when layers move; values (``set_values``) change every frame and
only regroup the prebuilt lines, so a frame costs a few Python list operations and ≤ 20 pen changes.
The canvas repaints everything every frame: while no line changes its pen (most frames late in
training), the item is drawn from a pixmap cache instead; while lines do change, straight to the view.

While a training phase is shown the same lines can show another per-weight quantity (``quantity``:
"∂L/∂w" or "Δw"), each kernel scaled by a factor (``scales``) so its largest value gets a thick line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt
from PySide6.QtGui import QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from simulator.canvas.colors import (
    INK,
    N_BUCKETS,
    N_LEVELS,
    WIDTH_DOMAIN,
    WIDTH_MAX,
    WIDTH_MIN,
    bucket_pens,
    fmt,
    weight_buckets,
)

HIT_WIDTH = 7.0


@dataclass(frozen=True)
class WeightGroup:
    """The lines of one kernel: ``source`` (n_in neurons) → ``target`` (n_out neurons)."""

    source: str
    target: str
    n_in: int
    n_out: int
    start: int  # index of line (0, 0) in the item's arrays

    @property
    def key(self) -> str:
        return f"{self.target}.kernel"

    @property
    def size(self) -> int:
        return self.n_in * self.n_out


class WeightsItem(QGraphicsItem):
    """All weight lines, in scene coordinates (the item sits at the origin)."""

    def __init__(self) -> None:
        super().__init__()
        self.draft_quality = False  # set while playing at full speed (see CanvasView.set_draft_quality)
        self.groups: list[WeightGroup] = []
        self.pens: list[QPen] = bucket_pens()
        self._a = np.zeros((0, 2))
        self._b = np.zeros((0, 2))
        self._lines: list[QLineF] = []
        self.values = np.zeros(0)
        self.quantity = "weight"
        self._scale = np.zeros(0)  # per line: the factor from its value to the drawn magnitude
        self.buckets = np.zeros(0, np.intp)
        self._bucket_lines: list[list[QLineF]] = [[] for _ in range(N_BUCKETS)]
        self._bounds = QRectF()
        self._shape: QPainterPath | None = None
        self._hover: int | None = None
        self._pressed: int | None = None
        self.setZValue(-1)
        self.setAcceptHoverEvents(True)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)

    # ------------------------------------------------------------------------------ model
    def set_groups(self, groups: list[tuple[str, str, int, int]]) -> None:
        """Declare the kernels drawn: ``(source, target, n_in, n_out)`` each; values start unknown."""
        self.groups = []
        start = 0
        for source, target, n_in, n_out in groups:
            self.groups.append(WeightGroup(source, target, n_in, n_out, start))
            start += n_in * n_out
        self.values = np.full(start, np.nan)
        self._scale = np.ones(start)
        self._hover = None
        self._regroup()

    @property
    def n_lines(self) -> int:
        return len(self.values)

    def set_lines(self, a: np.ndarray, b: np.ndarray) -> None:
        """Line end points, (n_lines, 2) each, in group order, row-major within a kernel."""
        self.prepareGeometryChange()
        self._a = np.asarray(a, np.float64).reshape(-1, 2)
        self._b = np.asarray(b, np.float64).reshape(-1, 2)
        self._lines = [
            QLineF(x0, y0, x1, y1)
            for (x0, y0), (x1, y1) in zip(self._a.tolist(), self._b.tolist(), strict=True)
        ]
        if len(self._lines):
            lo = np.minimum(self._a.min(axis=0), self._b.min(axis=0)) - WIDTH_MAX
            hi = np.maximum(self._a.max(axis=0), self._b.max(axis=0)) + WIDTH_MAX
            self._bounds = QRectF(QPointF(*lo), QPointF(*hi))
        else:
            self._bounds = QRectF()
        self._shape = None
        self._regroup()

    def set_values(
        self,
        params: dict[str, np.ndarray] | None,
        quantity: str = "weight",
        scales: dict[str, float] | None = None,
    ) -> bool:
        """Read each group's kernel from ``params`` (shape-checked; missing → lines hidden).

        ``quantity`` names what the values are (tooltips); ``scales`` {kernel key: factor} multiplies a
        kernel's values before they pick colour and width (1 when absent).
        """
        values = np.full(self.n_lines, np.nan)
        scale = np.ones(self.n_lines)
        for g in self.groups:
            kernel = None if params is None else params.get(g.key)
            if kernel is not None and kernel.shape == (g.n_in, g.n_out):
                values[g.start : g.start + g.size] = kernel.ravel()
            if scales and g.key in scales:
                scale[g.start : g.start + g.size] = scales[g.key]
        if (
            quantity == self.quantity
            and np.array_equal(scale, self._scale)
            and np.array_equal(values, self.values, equal_nan=True)
        ):
            return False
        self.values = values
        self._scale = scale
        self.quantity = quantity
        self._shape = None
        if self._regroup(force=False):
            self._set_cached(False)  # the pixmap would be redrawn anyway: draw straight to the view
            self.update()
        else:
            self._set_cached(True)  # the same drawing again: from now on, from a pixmap
        return True

    def _set_cached(self, on: bool) -> None:
        mode = QGraphicsItem.CacheMode.DeviceCoordinateCache if on else QGraphicsItem.CacheMode.NoCache
        if self.cacheMode() != mode:
            self.setCacheMode(mode)

    def _regroup(self, force: bool = True) -> bool:
        """Sort the lines into their pens' buckets. Unless ``force``, returns False without work when every
        line kept its bucket: the drawing is then the same (late in training, most frames)."""
        shown = ~np.isnan(self.values)
        buckets = np.where(shown, weight_buckets(self.drawn_values), -1)
        if not force and np.array_equal(buckets, self.buckets):
            return False
        self.buckets = buckets
        groups: list[list[QLineF]] = [[] for _ in range(N_BUCKETS)]
        if len(self._lines) == len(self.values):
            lines = self._lines
            order = np.argsort(buckets, kind="stable")  # hidden lines (−1) first, then bucket by bucket
            starts = np.searchsorted(buckets[order], np.arange(N_BUCKETS + 1)).tolist()
            for b in range(N_BUCKETS):
                groups[b] = [lines[k] for k in order[starts[b] : starts[b + 1]].tolist()]
        self._bucket_lines = groups
        return True

    @property
    def drawn_values(self) -> np.ndarray:
        """The values as drawn: ``values`` times their kernel's scale (the magnitudes of the pens)."""
        if len(self._scale) != len(self.values):
            return self.values
        return self.values * self._scale

    # ------------------------------------------------------------------------------ queries
    def locate(self, k: int) -> tuple[WeightGroup, int, int]:
        """The group and kernel index ``(i, j)`` of line ``k``."""
        for g in self.groups:
            if g.start <= k < g.start + g.size:
                i, j = divmod(k - g.start, g.n_out)
                return g, i, j
        raise IndexError(k)

    def shown_groups(self) -> set[tuple[str, str]]:
        """``(source, target)`` of the kernels whose lines are drawn (their weights exist)."""
        return {
            (g.source, g.target)
            for g in self.groups
            if g.size and not np.isnan(self.values[g.start : g.start + g.size]).all()
        }

    def index_of(self, key: str, i: int, j: int) -> int:
        for g in self.groups:
            if g.key == key:
                return g.start + i * g.n_out + j
        raise KeyError(key)

    def bucket_of(self, key: str, i: int, j: int) -> int:
        """The pen bucket of ``key[i, j]`` (−1 when hidden)."""
        return int(self.buckets[self.index_of(key, i, j)])

    def pen_for(self, key: str, i: int, j: int) -> QPen | None:
        b = self.bucket_of(key, i, j)
        return None if b < 0 else self.pens[b]

    def describe(self, k: int) -> str:
        g, i, j = self.locate(k)
        return f"{self.quantity} {g.source}\u2192{g.target} [{i}, {j}] = {fmt(float(self.values[k]))}"

    def hover_text(self, k: int) -> str:
        """The tooltip of line ``k``: its value and, while a phase is shown, the formula with numbers."""
        text = self.describe(k)
        scene = self.scene()
        if scene is not None and hasattr(scene, "weight_formula_text"):
            g, i, j = self.locate(k)
            formula = scene.weight_formula_text(g.key, (i, j))
            if formula:
                text += "\n" + formula
        return text + "\nClick to type a new value."

    def line_at(self, point: QPointF, slack: float = 2.0) -> int | None:
        """The shown line nearest ``point`` (scene coordinates) within its half width + ``slack``."""
        if not len(self._lines):
            return None
        p = np.array([point.x(), point.y()])
        d = self._b - self._a
        length2 = np.maximum((d * d).sum(axis=1), 1e-9)
        t = np.clip(((p - self._a) * d).sum(axis=1) / length2, 0.0, 1.0)
        dist = np.hypot(*(self._a + t[:, None] * d - p).T)
        widths = (
            WIDTH_MIN
            + (WIDTH_MAX - WIDTH_MIN) * np.minimum(np.abs(self.drawn_values), WIDTH_DOMAIN) / WIDTH_DOMAIN
        )
        tolerance = np.maximum(widths / 2, 1.5) + slack
        ok = (dist <= tolerance) & ~np.isnan(self.values)
        if not ok.any():
            return None
        candidates = np.flatnonzero(ok)
        return int(candidates[np.argmin(dist[candidates])])

    # ------------------------------------------------------------------------------ drawing
    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        if self._shape is None:
            path = QPainterPath()
            path.setFillRule(Qt.FillRule.WindingFill)
            for k in np.flatnonzero(~np.isnan(self.values)).tolist():
                path.addPolygon(_band(self._a[k], self._b[k], HIT_WIDTH))
            self._shape = path
        return self._shape

    def contains(self, point: QPointF) -> bool:
        return self.line_at(point) is not None

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        lines = self._bucket_lines
        if self.draft_quality:  # while training flat out: crisp lines cost a third of smooth ones
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        for level in range(N_LEVELS):
            for b in (N_LEVELS - 1 - level, N_LEVELS + level):
                if lines[b]:
                    p.setPen(self.pens[b])
                    p.drawLines(lines[b])
        k = self._hover
        if k is not None and k < len(self._lines) and self.buckets[k] >= 0:
            pen = QPen(self.pens[self.buckets[k]])
            outline = QPen(INK, pen.widthF() + 3)
            outline.setCapStyle(Qt.PenCapStyle.RoundCap)
            p.setPen(outline)
            p.drawLine(self._lines[k])
            p.setPen(pen)
            p.drawLine(self._lines[k])

    # ------------------------------------------------------------------------------ mouse
    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        k = self.line_at(event.scenePos())
        if k is not None:
            self.setToolTip(self.hover_text(k))  # the formula follows the phase shown
        if k != self._hover:
            self._hover = k
            if k is None:
                self.setToolTip("")
            self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        if self._hover is not None:
            self._hover = None
            self.update()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._pressed = self.line_at(event.scenePos())
        if self._pressed is None:
            event.ignore()
            return
        event.accept()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        k, self._pressed = self._pressed, None
        if k is None or self.line_at(event.scenePos(), slack=6.0) != k:
            return
        g, i, j = self.locate(k)
        self.scene().weight_clicked.emit(g.key, i, j, event.scenePos())


def _band(a: np.ndarray, b: np.ndarray, width: float) -> QPolygonF:
    """A rectangle of ``width`` around the segment a–b (for hit testing)."""
    d = b - a
    n = np.hypot(*d)
    if n == 0:
        n = 1.0
    off = np.array([-d[1], d[0]]) / n * (width / 2)
    pts = [a + off, b + off, b - off, a - off]
    return QPolygonF([QPointF(float(x), float(y)) for x, y in pts])
