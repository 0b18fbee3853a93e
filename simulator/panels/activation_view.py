"""Every layer's output for one input, one row per layer, for any network.

A layer whose output shape is (channels, height, width) shows each channel as a small map, side by
side; a layer with a flat output (n,) shows a strip of n coloured cells, wrapped onto several lines
when they do not fit. Values use the Playground's diverging colours (orange −m, white 0, blue +m) with
m per layer, rounded to 1, 2 or 5 × 10^k and written beside the layer's name. The input of an image set
is drawn as the image itself. Shapes come from ``model.resolved.shapes``, values from
``model.activations``, so convolutional layers need nothing special here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from engine import Input
from simulator.panels.colormaps import abs_max, colour_pixels, nice_limit
from simulator.panels.images import pixels_qimage, sample_qimage

TEXT = "#3c4043"
MUTED = "#5f6368"
FRAME = "#dadce0"
LABEL_W = 118
GAP = 3
ROW_GAP = 8
MIN_TILE, MAX_TILE = 16, 72
MIN_CELL, MAX_CELL = 3.0, 22.0
BLANK = 0xFFFFFFFF


@dataclass
class LayerRow:
    """What one row shows: the layer, its values for the sample and how they are drawn."""

    layer: str
    lines: tuple[str, ...]  # the layer's name, its type and size, its colour limit
    kind: str  # "image" (channel maps), "vector" (cells) or "picture" (the input image itself)
    values: np.ndarray  # (C, H, W) for "image" and "picture", (n,) for "vector"
    limit: float
    images: list[QImage] = field(default_factory=list)
    tiles: list[QRectF] = field(default_factory=list)  # where each channel (or the strip) is drawn
    per_line: int = 1
    top: float = 0.0
    height: float = 0.0


def describe(layer) -> str:
    """A layer in a few words: its type, size and activation when it has them."""
    parts = [layer.type_name]
    for name in ("units", "filters", "size"):
        if hasattr(layer, name):
            parts.append(str(getattr(layer, name)))
            break
    activation = getattr(layer, "activation", "")
    if activation and activation != "linear":
        parts.append(activation)
    return " ".join(parts)


class ActivationView(QWidget):
    """Paints :attr:`rows`, one per layer, from :meth:`show_activations`; grows downwards (scroll it)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rows: list[LayerRow] = []
        self._laid_out_width = -1
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("Each layer's output for this image: orange negative, white zero, blue positive")

    # ---------------------------------------------------------------------------------- public
    def show_activations(self, model, x: np.ndarray, image_shape: tuple[int, int, int] | None = None) -> None:
        """Show every layer of ``model`` for one input row ``x`` (d,); ``image_shape`` of the data set."""
        acts = model.activations(np.asarray(x, np.float64).reshape(1, -1))
        rows = []
        for node in model.resolved.order:
            shape = tuple(int(s) for s in model.resolved.shapes[node.id])
            values = np.asarray(acts[node.id][0], np.float64)
            is_input = isinstance(node.layer, Input)
            if is_input and image_shape is not None and values.size == int(np.prod(image_shape)):
                kind, values = "picture", values.reshape(image_shape)
            elif len(shape) == 3:
                kind, values = "image", values.reshape(shape)
            else:
                kind = "vector"
            limit = nice_limit(abs_max(values))
            size = " × ".join(str(s) for s in values.shape) if values.ndim == 3 else ""
            scale = "" if kind == "picture" else f"±{limit:g}"
            lines = tuple(s for s in (node.id, describe(node.layer), size, scale) if s)
            rows.append(LayerRow(node.id, lines, kind, values, limit))
        self.rows = rows
        self._colour()
        self._relayout()
        self.update()

    def clear(self) -> None:
        self.rows = []
        self._relayout()
        self.update()

    def values(self, layer: str) -> np.ndarray | None:
        """The values shown for ``layer`` (None when it is not shown)."""
        for row in self.rows:
            if row.layer == layer:
                return row.values
        return None

    # ---------------------------------------------------------------------------------- layout
    def _colour(self) -> None:
        for row in self.rows:
            if row.kind == "picture":
                row.images = [sample_qimage(row.values.ravel(), row.values.shape)]
            elif row.kind == "image":
                lim = row.limit
                row.images = [pixels_qimage(colour_pixels(ch, -lim, lim)) for ch in row.values]
            else:
                row.images = []  # a strip is coloured when laid out: its wrap depends on the width

    def _relayout(self) -> None:
        width = max(self.width(), LABEL_W + 60)
        self._laid_out_width = width
        fm = self.fontMetrics()
        room = width - LABEL_W - 6
        y = 4.0
        for row in self.rows:
            if row.kind in ("image", "picture"):
                height = self._lay_tiles(row, room, y)
            else:
                height = self._lay_strip(row, room, y)
            row.top, row.height = y, max(height, len(row.lines) * fm.height() + 2)
            y += row.height + ROW_GAP
        self.setMinimumHeight(int(y))

    def _lay_tiles(self, row: LayerRow, room: float, y: float) -> float:
        c, h, w = row.values.shape
        big = MAX_TILE if row.kind == "picture" else 48
        side = float(np.clip(6 * max(h, w), MIN_TILE + 8, big))
        per_line = max(1, int((room + GAP) // (side + GAP)))
        if -(-c // per_line) > 2:  # more than two lines: smaller tiles, down to MIN_TILE
            side = max(MIN_TILE, (room + GAP) / -(-c // 2) - GAP)
            per_line = max(1, int((room + GAP) // (side + GAP)))
        th, tw = (side, side * w / h) if h >= w else (side * h / w, side)
        row.per_line = per_line
        row.tiles = [
            QRectF(LABEL_W + (k % per_line) * (tw + GAP), y + (k // per_line) * (th + GAP), tw, th)
            for k in range(c)
        ]
        return -(-c // per_line) * (th + GAP) - GAP

    def _lay_strip(self, row: LayerRow, room: float, y: float) -> float:
        n = row.values.size
        cell = float(np.clip(room / max(n, 1), MIN_CELL, MAX_CELL))
        per_line = max(1, min(n, int(room // cell)))
        lines = -(-n // per_line)
        cell_h = float(np.clip(cell, 4.0, 18.0))  # long layers: thin lines, so the view stays short
        pixels = np.full(lines * per_line, BLANK, np.uint32)
        pixels[:n] = colour_pixels(row.values, -row.limit, row.limit)[0]
        row.images = [pixels_qimage(pixels.reshape(lines, per_line))]
        row.per_line = per_line
        row.tiles = [QRectF(LABEL_W, y, per_line * cell, lines * cell_h)]
        return lines * cell_h

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(event)
        if self.width() != self._laid_out_width:
            self._relayout()

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        return QSize(420, max(60, self.minimumHeight()))

    # --------------------------------------------------------------------------------- drawing
    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        p = QPainter(self)
        p.fillRect(self.rect(), QColor("white"))
        if not self.rows:
            p.setPen(QColor(MUTED))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "No activations to show")
            return
        visible = QRectF(event.rect())
        for row in self.rows:
            if row.top > visible.bottom() or row.top + row.height < visible.top():
                continue
            font = p.font()
            for k, line in enumerate(row.lines):
                font.setBold(k == 0)
                p.setFont(font)
                p.setPen(QColor(TEXT if k == 0 else MUTED))
                fm = p.fontMetrics()
                text = fm.elidedText(line, Qt.TextElideMode.ElideRight, LABEL_W - 8)
                p.drawText(QRectF(4, row.top + k * fm.height(), LABEL_W - 8, fm.height()), 0, text)
            for rect, image in zip(row.tiles, row.images, strict=False):
                p.drawImage(rect, image)
                p.setPen(QColor(FRAME))
                p.drawRect(rect.adjusted(-0.5, -0.5, 0.5, 0.5))

    def describe_at(self, pos: QPointF) -> str:
        """The layer, unit and value under ``pos`` in words ("" when there is none)."""
        for row in self.rows:
            for k, rect in enumerate(row.tiles):
                if not rect.contains(pos):
                    continue
                if row.kind == "vector":
                    lines = row.images[0].height()
                    col = int((pos.x() - rect.left()) / rect.width() * row.per_line)
                    line = int((pos.y() - rect.top()) / rect.height() * lines)
                    i = line * row.per_line + col
                    if i < row.values.size:
                        return f"{row.layer}, unit {i + 1}: {row.values[i]:.4g}"
                    return ""
                _, h, w = row.values.shape
                r = min(h - 1, int((pos.y() - rect.top()) / rect.height() * h))
                c = min(w - 1, int((pos.x() - rect.left()) / rect.width() * w))
                channel = f"channel {k + 1}, " if row.values.shape[0] > 1 else ""
                return f"{row.layer}, {channel}row {r + 1}, column {c + 1}: {row.values[k, r, c]:.4g}"
        return ""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            text = self.describe_at(QPointF(event.pos()))
            if text:
                QToolTip.showText(event.globalPos(), text, self)
                return True
        return super().event(event)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication, QScrollArea

    from engine import Dense, Network

    app = QApplication(sys.argv)
    net = Network.sequential(Input(64), Dense(32, "relu"), Dense(16, "tanh"), Dense(10, "softmax"))
    model = net.build(seed=0)
    view = ActivationView()
    view.show_activations(model, np.random.default_rng(0).random(64), (1, 8, 8))
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setWidget(view)
    area.resize(560, 360)
    area.show()
    raise SystemExit(app.exec())
