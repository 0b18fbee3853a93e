"""The canvas's layer items: neurons in a column, a block with an activity heatmap, or a compact node.

``ITEM_FOR_SPEC`` picks the item class for each layer type; Dense and Input layers wider than
``MAX_NEURONS`` become blocks (``make_layer_item``).
"""

from __future__ import annotations

import math

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QImage, QPainter, QPen
from PySide6.QtWidgets import QGraphicsSceneHoverEvent

from engine import Activation, Add, Concat, Dense, Dropout, Input, LayerSpec, Node
from simulator.canvas.colors import CARD_EDGE, INK, MUTED, SELECTED, colour, fmt
from simulator.canvas.fonts import SMALL_FONT, TEXT_FONT, TITLE_FONT
from simulator.canvas.heatmap_atlas import PITCH_PX, TILE, HeatmapAtlas
from simulator.canvas.icons import draw_glyph
from simulator.canvas.layer_base import LayerInfo, LayerItem
from simulator.canvas.ports import OUT
from simulator.colours import LUT, lut_index

MAX_NEURONS = 16
NEURON_R = 16.0
PITCH = 40.0
assert PITCH / (2 * NEURON_R) == PITCH_PX / TILE, "the atlas's columns must match the neuron pitch"

__all__ = [
    "ITEM_FOR_SPEC",
    "BlockLayerItem",
    "LayerInfo",
    "LayerItem",
    "NeuronLayerItem",
    "NodeItem",
    "make_layer_item",
]


class NeuronLayerItem(LayerItem):
    """A Dense or Input layer of up to MAX_NEURONS units: one disc per neuron, in a column.

    With 2-D data each disc shows the neuron's output over the input plane (a tile of the scene's
    atlas); otherwise its colour is the neuron's mean output over the current batch.
    """

    CARD_WIDTH = 2 * NEURON_R + 20

    def _layout(self) -> None:
        n = self.n = int(self.info.width or 1)
        self.card = QRectF(-self.CARD_WIDTH / 2, -n * PITCH / 2 - 6, self.CARD_WIDTH, n * PITCH + 12)
        fm = QFontMetricsF(TITLE_FONT)
        w = max(fm.horizontalAdvance(self.title), QFontMetricsF(TEXT_FONT).horizontalAdvance(self.subtitle))
        self._header = QRectF(-w / 2 - 2, self.card.top() - 34, w + 4, 32)
        extra = [self._header]
        if self.info.labels:
            lw = max(QFontMetricsF(TEXT_FONT).horizontalAdvance(t) for t in self._labels())
            extra.append(QRectF(self.card.left() - lw - 10, self.card.top(), lw + 10, self.card.height()))
        self._atlas: HeatmapAtlas | None = None
        self._hover_unit: int | None = None
        self._finish_bounds(*extra)

    def _labels(self) -> list[str]:
        return [t if len(t) <= 14 else t[:13] + "…" for t in self.info.labels[: self.n]]

    def neuron_centre(self, i: int) -> QPointF:
        return QPointF(0.0, -self.n * PITCH / 2 + PITCH * (i + 0.5))

    def neuron_anchor(self, i: int, side: str) -> QPointF:
        """Where weight lines meet neuron ``i`` (scene coordinates): its right (OUT) or left (IN) edge."""
        c = self.neuron_centre(i)
        return self.mapToScene(QPointF(NEURON_R if side == OUT else -NEURON_R, c.y()))

    def neuron_at(self, pos: QPointF) -> int | None:
        """The neuron under ``pos`` (item coordinates), or None."""
        for i in range(self.n):
            c = self.neuron_centre(i)
            if (pos.x() - c.x()) ** 2 + (pos.y() - c.y()) ** 2 <= (NEURON_R + 2) ** 2:
                return i
        return None

    def set_activity(self, values: np.ndarray | None, atlas: HeatmapAtlas | None) -> None:
        self._atlas = atlas if atlas is not None and atlas.has(self.layer_id) else None
        super().set_activity(values, atlas)

    @property
    def has_heatmaps(self) -> bool:
        return self._atlas is not None

    def paint_static(self, p: QPainter) -> None:
        p.setPen(INK)
        p.setFont(TITLE_FONT)
        h = self._header
        p.drawText(QRectF(h.left(), h.top(), h.width(), 16), Qt.AlignmentFlag.AlignCenter, self.title)
        p.setPen(MUTED)
        p.setFont(TEXT_FONT)
        p.drawText(QRectF(h.left(), h.top() + 16, h.width(), 15), Qt.AlignmentFlag.AlignCenter, self.subtitle)
        if self.info.labels:
            p.setPen(INK)
            for i, text in enumerate(self._labels()):
                c = self.neuron_centre(i)
                r = QRectF(self.card.left() - 160, c.y() - 8, 154, 16)
                p.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, text)

    def paint_content(self, p: QPainter) -> None:
        atlas = self._atlas
        if atlas is not None and atlas.has(self.layer_id):  # one image: every disc with its outline
            target = QRectF(-NEURON_R, -self.n * PITCH / 2, 2 * NEURON_R, self.n * PITCH)
            p.drawImage(target, atlas.column(self.layer_id))
        else:
            values = self.values
            p.setPen(QPen(QColor(60, 64, 67, 170), 1.0))
            for i in range(self.n):
                p.setBrush(colour(values[i], self.value_limit) if values is not None else QColor("white"))
                p.drawEllipse(self.neuron_centre(i), NEURON_R - 0.5, NEURON_R - 0.5)
        if self._hover_unit is not None and self._hover_unit < self.n:
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(QPen(SELECTED, 2.0))
            p.drawEllipse(self.neuron_centre(self._hover_unit), NEURON_R + 1.5, NEURON_R + 1.5)

    def unit_text(self, i: int) -> str:
        """The hover text of neuron ``i``."""
        if isinstance(self.spec, Input):
            name = f" ({self.info.labels[i]})" if i < len(self.info.labels) else ""
            head, what = f"{self.layer_id} neuron {i}{name}", "value"
        else:
            head, what = f"{self.layer_id} neuron {i}", "output"
        if self.values is None:
            if self.not_computed:
                return head + ": not computed yet in this forward pass"
            return head + ": " + (self.info.unfinished or "no values yet")
        if self.value_name != "output":
            what = self.value_name
        text = f"{head}: {what} {fmt(float(self.values[i]))} ({self.value_note})"
        scene = self.scene()
        formula = ""
        if hasattr(scene, "neuron_formula_text") and not isinstance(self.spec, Input):
            formula = scene.neuron_formula_text(self.layer_id, i)
        if formula:
            text += "\n" + formula
        if self.has_heatmaps:
            text += "\nThe disc shows its output over the input plane; click to enlarge it."
        return text

    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        unit = self.neuron_at(event.pos())
        if unit is not None:
            self.setToolTip(self.unit_text(unit))  # the formula follows the phase shown
        if unit != self._hover_unit:
            self._hover_unit = unit
            if unit is None:
                self.setToolTip(self.base_tooltip())
            self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hover_unit = None
        self.update()
        super().hoverLeaveEvent(event)

    def clicked(self, pos: QPointF) -> None:
        unit = self.neuron_at(pos)
        if unit is not None and self.has_heatmaps:
            self.scene().show_neuron(self.layer_id, unit)


class BlockLayerItem(LayerItem):
    """A Dense or Input layer too wide for single neurons: a card with a grid of its units' activity."""

    WIDTH, HEAT = 132.0, 92.0

    def _layout(self) -> None:
        n = self.n = int(self.info.width or 1)
        self.cols = max(1, math.ceil(math.sqrt(n)))
        self.rows = max(1, math.ceil(n / self.cols))
        height = 40 + self.HEAT + 12
        self.card = QRectF(-self.WIDTH / 2, -height / 2, self.WIDTH, height)
        cell = self.HEAT / max(self.cols, self.rows)
        w, h = cell * self.cols, cell * self.rows
        self.heat_rect = QRectF(-w / 2, self.card.top() + 40 + (self.HEAT - h) / 2, w, h)
        self._image: QImage | None = None
        self._finish_bounds()

    def set_activity(self, values: np.ndarray | None, atlas: HeatmapAtlas | None) -> None:
        super().set_activity(values, atlas)
        if self.values is None:
            self._image = None
            return
        cells = np.full(self.cols * self.rows, 0xFFFFFFFF, np.uint32)
        cells[: self.n] = LUT[lut_index(self.values, self.value_limit)]
        pixels = np.ascontiguousarray(cells.reshape(self.rows, self.cols))
        self._image = QImage(
            pixels.data, self.cols, self.rows, 4 * self.cols, QImage.Format.Format_RGB32
        ).copy()

    def paint_static(self, p: QPainter) -> None:
        top = self.card.top()
        p.setPen(INK)
        p.setFont(TITLE_FONT)
        p.drawText(
            QRectF(self.card.left(), top + 6, self.WIDTH, 16), Qt.AlignmentFlag.AlignCenter, self.title
        )
        p.setPen(MUTED)
        p.setFont(TEXT_FONT)
        text = f"{self.spec.type_name} {self.subtitle}"
        p.drawText(QRectF(self.card.left(), top + 22, self.WIDTH, 15), Qt.AlignmentFlag.AlignCenter, text)

    def paint_content(self, p: QPainter) -> None:
        if self._image is not None:
            hints = p.renderHints()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            p.drawImage(self.heat_rect, self._image)
            p.setRenderHints(hints)
        else:
            p.fillRect(self.heat_rect, QColor("white"))
        p.setPen(QPen(CARD_EDGE, 1))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(self.heat_rect)

    def unit_at(self, pos: QPointF) -> int | None:
        if not self.heat_rect.contains(pos):
            return None
        cell = self.heat_rect.width() / self.cols
        col = int((pos.x() - self.heat_rect.left()) / cell)
        row = int((pos.y() - self.heat_rect.top()) / cell)
        unit = row * self.cols + col
        return unit if 0 <= unit < self.n else None

    def hoverMoveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        unit = self.unit_at(event.pos())
        if unit is None:
            self.setToolTip(self.base_tooltip())
        elif self.values is None:
            self.setToolTip(f"{self.layer_id} unit {unit}: {self.info.unfinished or 'no values yet'}")
        else:
            self.setToolTip(
                f"{self.layer_id} unit {unit}: {self.value_name} {fmt(float(self.values[unit]))} "
                f"({self.value_note})"
            )


class NodeItem(LayerItem):
    """A compact node for layers without weights of their own: Activation, Dropout, Add, Concat."""

    def _layout(self) -> None:
        widths = [
            QFontMetricsF(TITLE_FONT).horizontalAdvance(self.spec.type_name),
            QFontMetricsF(TEXT_FONT).horizontalAdvance(self.subtitle),
            QFontMetricsF(SMALL_FONT).horizontalAdvance(self.title),
        ]
        w = max(118.0, max(widths) + 58)
        self.card = QRectF(-w / 2, -29, w, 58)
        self._finish_bounds()

    def paint_static(self, p: QPainter) -> None:
        c = self.card
        draw_glyph(p, QRectF(c.left() + 10, c.center().y() - 15, 30, 30), self.spec.type_name)
        x = c.left() + 48
        w = c.width() - 54
        p.setPen(INK)
        p.setFont(TITLE_FONT)
        p.drawText(
            QRectF(x, c.top() + 6, w, 16),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.spec.type_name,
        )
        p.setFont(TEXT_FONT)
        p.drawText(
            QRectF(x, c.top() + 22, w, 15),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.subtitle,
        )
        p.setPen(MUTED)
        p.setFont(SMALL_FONT)
        p.drawText(
            QRectF(x, c.top() + 38, w, 14),
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
            self.title,
        )


#: the item class of each layer type (wide Dense and Input layers become blocks: see ``make_layer_item``)
ITEM_FOR_SPEC: dict[type[LayerSpec], type[LayerItem]] = {
    Input: NeuronLayerItem,
    Dense: NeuronLayerItem,
    Activation: NodeItem,
    Dropout: NodeItem,
    Add: NodeItem,
    Concat: NodeItem,
}


#: the item class of layer types whose output is an image (filled in by ``image_layer_items``)
ITEM_FOR_IMAGE: dict[type[LayerSpec], type[LayerItem]] = {}


def make_layer_item(node: Node, info: LayerInfo) -> LayerItem:
    """The item that draws ``node``."""
    cls = ITEM_FOR_SPEC.get(type(node.layer), NodeItem)
    if info.shape is not None and len(info.shape) == 3:
        cls = ITEM_FOR_IMAGE.get(type(node.layer), cls)
    if cls is NeuronLayerItem and (info.width or 0) > MAX_NEURONS:
        cls = BlockLayerItem
    return cls(node, info)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication, QGraphicsScene, QGraphicsView

    app = QApplication(sys.argv)
    scene = QGraphicsScene()
    examples = [
        (Node("input", Input(3)), LayerInfo(3, labels=("x1", "x2", "x1*x2"))),
        (Node("dense_1", Dense(5, "tanh"), ("input",)), LayerInfo(5)),
        (Node("dense_2", Dense(64, "relu"), ("dense_1",)), LayerInfo(64)),
        (Node("dropout_1", Dropout(0.2), ("dense_2",)), LayerInfo(64)),
        (Node("dense_3", Dense(2, "linear")), LayerInfo(2, "not connected: drag a link into it", True)),
    ]
    for k, (node, info) in enumerate(examples):
        item = make_layer_item(node, info)
        item.setPos(k * 170, 0)
        scene.addItem(item)
        width = info.width or 1
        item.set_activity(np.sin(np.arange(width) * 1.3), None)
    view = QGraphicsView(scene)
    view.setRenderHints(QPainter.RenderHint.Antialiasing)
    view.resize(1000, 420)
    view.show()
    raise SystemExit(app.exec())
