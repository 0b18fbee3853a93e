"""Canvas items for image layers: stacks of feature maps, and the layers that only change a shape.

A layer whose output is an image (an image Input, Conv2D, the poolings, an Activation or Dropout between
them) is drawn as a stack of a few offset tiles, the front one its first channel, each tile one map of the
chosen training sample (``GraphScene.sample_maps``). The whole stack is composed in numpy into one
``QImage`` and painted with one ``drawImage`` per frame. While a training phase shows error signals
instead of outputs, the tiles show those (the batch mean of δ), on the phase's colour scale.

Flatten and Reshape are compact nodes that say what they do to the shape: ``8×3×3 → 72``.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter
from PySide6.QtWidgets import QGraphicsSceneHoverEvent

from engine import Activation, AvgPool2D, Conv2D, Dropout, Flatten, Input, MaxPool2D, Reshape
from simulator.canvas.colors import INK, MUTED, fmt
from simulator.canvas.fonts import SMALL_FONT, TEXT_FONT, TITLE_FONT
from simulator.canvas.heatmap_atlas import HeatmapAtlas
from simulator.canvas.layer_base import LayerItem
from simulator.canvas.layer_items import ITEM_FOR_IMAGE, ITEM_FOR_SPEC, NodeItem
from simulator.canvas.shape_labels import describe_image_layer, shape_text
from simulator.colours import LUT, lut_index

MAX_TILES = 5  # tiles drawn in a stack; the rest are counted in the caption
TILE_PX = 60.0  # the longer side of one tile
OFFSET = 14  # each tile behind sits this many pixels right and up
EDGE = 0xFF9AA0A6  # tile outline
HEADER, FOOTER = 36.0, 22.0


class FeatureMapsItem(LayerItem):
    """An image-shaped layer: a stack of its feature maps for the chosen sample, as one image."""

    def _layout(self) -> None:
        c, h, w = self.info.shape
        self.channels, self.map_h, self.map_w = int(c), int(h), int(w)
        self.n = int(self.info.width or c * h * w)
        scale = TILE_PX / max(h, w)
        self.tile_w = max(4, int(round(w * scale)))
        self.tile_h = max(4, int(round(h * scale)))
        self.n_tiles = min(self.channels, MAX_TILES)
        extra = OFFSET * (self.n_tiles - 1)
        self.stack_w, self.stack_h = self.tile_w + extra, self.tile_h + extra
        fm = QFontMetricsF(TITLE_FONT)
        text_w = max(
            fm.horizontalAdvance(self.title), QFontMetricsF(TEXT_FONT).horizontalAdvance(self.subtitle)
        )
        width = max(120.0, self.stack_w + 24, text_w + 16)
        height = HEADER + self.stack_h + FOOTER
        self.card = QRectF(-width / 2, -height / 2, width, height)
        self.stack_rect = QRectF(
            -self.stack_w / 2, self.card.top() + HEADER, float(self.stack_w), float(self.stack_h)
        )
        self.shown: np.ndarray | None = None  # (channels, height, width) values the tiles show
        self.shown_limit = 1.0
        self.shown_note = ""
        self._image: QImage | None = None
        self._finish_bounds()

    # ------------------------------------------------------------------------------ text
    @property
    def subtitle(self) -> str:
        if isinstance(self.spec, Input):
            return f"{shape_text(self.info.shape)} image"
        return super().subtitle

    def caption(self) -> str:
        more = f" (first {self.n_tiles} shown)" if self.channels > self.n_tiles else ""
        unit = "map" if self.channels == 1 else "maps"
        return f"{self.channels} {unit} {self.map_h}×{self.map_w}{more}"

    # ------------------------------------------------------------------------------ values
    def set_activity(self, values: np.ndarray | None, atlas: HeatmapAtlas | None) -> None:
        super().set_activity(values, atlas)
        shown, limit, note = None, self.value_limit, self.value_note
        if self.values is not None:
            sample = self._sample_values()
            if self.value_name == "output" and sample is not None:
                shown, note = sample, f"training sample #{self.scene().sample_maps.sample}"
                peak = float(np.nanmax(np.abs(sample))) if sample.size else 0.0
                limit = peak if np.isfinite(peak) and peak > 0 else 1.0
            else:
                shown = self.values
        self.shown_limit, self.shown_note = limit, note
        if shown is None:
            self.shown, self._image = None, None
        else:
            self.shown = np.asarray(shown, np.float64).reshape(self.channels, self.map_h, self.map_w)
            self._image = self._compose(self.shown, limit)
        self.update()

    def _sample_values(self) -> np.ndarray | None:
        scene = self.scene()
        maps = getattr(getattr(scene, "sample_maps", None), "maps", {})
        values = maps.get(self.layer_id)
        return values if values is not None and values.size == self.n else None

    def _compose(self, maps: np.ndarray, limit: float) -> QImage:
        """The stack as one transparent image: tiles back to front, each with a one-pixel outline."""
        th, tw = self.tile_h, self.tile_w
        rows = (np.arange(th - 2) * self.map_h) // (th - 2)
        cols = (np.arange(tw - 2) * self.map_w) // (tw - 2)
        pixels = np.zeros((self.stack_h, self.stack_w), np.uint32)
        for k in range(self.n_tiles - 1, -1, -1):
            x, y = k * OFFSET, (self.n_tiles - 1 - k) * OFFSET
            tile = pixels[y : y + th, x : x + tw]
            tile[:] = EDGE
            tile[1:-1, 1:-1] = LUT[lut_index(maps[k][np.ix_(rows, cols)], limit)]
        return QImage(
            pixels.data, self.stack_w, self.stack_h, 4 * self.stack_w, QImage.Format.Format_ARGB32
        ).copy()

    def tile_rect(self, k: int) -> QRectF:
        """Where tile ``k`` (channel ``k``) lies, in item coordinates."""
        r = self.stack_rect
        x, y = k * OFFSET, (self.n_tiles - 1 - k) * OFFSET
        return QRectF(r.left() + x, r.top() + y, self.tile_w, self.tile_h)

    def map_at(self, pos: QPointF) -> tuple[int, int, int] | None:
        """(channel, row, column) of the visible map pixel under ``pos``, or None."""
        for k in range(self.n_tiles):  # front to back: the first hit is the visible one
            t = self.tile_rect(k)
            if t.contains(pos):
                inner = t.adjusted(1, 1, -1, -1)
                fx = min(max((pos.x() - inner.left()) / inner.width(), 0.0), 0.999)
                fy = min(max((pos.y() - inner.top()) / inner.height(), 0.0), 0.999)
                return k, int(fy * self.map_h), int(fx * self.map_w)
        return None

    # ------------------------------------------------------------------------------ painting
    def paint_static(self, p: QPainter) -> None:
        c = self.card
        p.setPen(INK)
        p.setFont(TITLE_FONT)
        p.drawText(QRectF(c.left(), c.top() + 4, c.width(), 16), Qt.AlignmentFlag.AlignCenter, self.title)
        p.setPen(MUTED)
        p.setFont(TEXT_FONT)
        p.drawText(QRectF(c.left(), c.top() + 19, c.width(), 15), Qt.AlignmentFlag.AlignCenter, self.subtitle)
        p.setFont(SMALL_FONT)
        p.drawText(
            QRectF(c.left(), c.bottom() - FOOTER + 3, c.width(), 15),
            Qt.AlignmentFlag.AlignCenter,
            self.caption(),
        )

    def paint_content(self, p: QPainter) -> None:
        if self._image is not None:
            hints = p.renderHints()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(self.stack_rect, self._image)
            p.setRenderHints(hints)
            return
        p.setPen(QColor(EDGE))
        for k in range(self.n_tiles - 1, -1, -1):
            p.setBrush(QColor("white"))
            p.drawRect(self.tile_rect(k))

    # ------------------------------------------------------------------------------ events
    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        where = self.map_at(event.pos())
        if where is None:
            self.setToolTip(self.base_tooltip())
            return
        k, r, c = where
        head = f"{self.layer_id} map {k + 1} of {self.channels}, row {r + 1}, column {c + 1}"
        if self.shown is None:
            reason = "not computed yet in this forward pass" if self.not_computed else "no values yet"
            self.setToolTip(f"{head}: {self.info.unfinished or reason}")
            return
        what = self.value_name
        value = fmt(float(self.shown[k, r, c]))
        self.setToolTip(
            f"{head}: {what} {value} ({self.shown_note})\n"
            f"Colours run to ±{fmt(self.shown_limit)}. Select the layer to see every map in Layer detail."
        )


class ShapeChangeItem(NodeItem):
    """Flatten or Reshape: a compact node that says what it does to the shape (``8×3×3 → 72``)."""

    def _layout(self) -> None:
        super()._layout()
        self.card = self.card.adjusted(-8, 0, 8, 0)  # room for the arrow, which some fonts draw wide
        self._finish_bounds()

    @property
    def subtitle(self) -> str:
        if self.info.input_shape is None:
            return "connect an input" if isinstance(self.spec, Flatten) else describe_image_layer(self.spec)
        return f"{shape_text(self.info.input_shape)} → {shape_text(self.info.shape)}"


ITEM_FOR_SPEC.update(dict.fromkeys((Flatten, Reshape), ShapeChangeItem))
ITEM_FOR_IMAGE.update(
    dict.fromkeys((Input, Conv2D, MaxPool2D, AvgPool2D, Activation, Dropout), FeatureMapsItem)
)
