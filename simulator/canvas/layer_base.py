"""What every layer item shares: card, titles, ports, selection, glow, quick buttons and moves.

Every item is centred on its layer's position, has an input port on its left (not the Input layer)
and an output port on its right. Its static parts (card, titles, labels) are painted by a cached
backdrop item behind it; the item itself paints only the values, every frame.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QStyleOptionGraphicsItem,
    QWidget,
)

from engine import Activation, Add, Concat, Dense, Dropout, Input, LayerSpec, NnsimError, Node
from engine.draft import DraftCheck
from engine.layers import shape_size
from simulator.canvas.colors import CARD, CARD_EDGE, GLOW, INK, SELECTED
from simulator.canvas.fonts import SMALL_FONT, TEXT_FONT, TITLE_FONT
from simulator.canvas.heatmap_atlas import HeatmapAtlas
from simulator.canvas.ports import IN, OUT, PortItem
from simulator.canvas.shape_labels import describe_image_layer

GLOW_MARGIN = 9.0
DIMMED = 0.45


@dataclass(frozen=True)
class LayerInfo:
    """What the scene knows about a layer beyond its spec."""

    width: int | None = None  # output width, when its inputs are connected
    unfinished: str | None = None  # why it cannot be trained yet
    is_output: bool = False
    labels: tuple[str, ...] = ()  # unit names (the Input layer's features)
    shape: tuple[int, ...] | None = None  # output shape, when known: (features,) or (channels, height, width)
    input_shape: tuple[int, ...] | None = None  # the first input's shape, when known


def describe(spec: LayerSpec, n_inputs: int, width: int | None) -> str:
    """A layer's key parameter in a few words ("8 × tanh", "rate 0.5")."""
    if isinstance(spec, Input):
        return f"{spec.size} features"
    if isinstance(spec, Dense):
        return f"{spec.units} × {spec.activation}"
    if isinstance(spec, Activation):
        return spec.activation
    if isinstance(spec, Dropout):
        return f"rate {spec.rate:g}"
    if isinstance(spec, (Add, Concat)):
        text = f"{n_inputs} input" + ("" if n_inputs == 1 else "s")
        return text + (f" → {width}" if width else "")
    return describe_image_layer(spec)


def output_id(draft: DraftCheck, output: str | None) -> str | None:
    """The layer to mark as the output: the trainable part's, else the network's own choice."""
    if draft.trainable is not None:
        try:
            return draft.trainable.resolve().output
        except NnsimError:  # a part that cannot resolve has no output to mark
            return output
    return output


def layer_info(node: Node, draft: DraftCheck, output: str | None, features: tuple[str, ...]) -> LayerInfo:
    """What the scene tells an item: its width (when known), why it is unfinished, output or not, labels."""
    layer = node.layer
    shape = draft.shapes.get(node.id)
    if isinstance(layer, Dense):
        width = layer.units
    elif isinstance(layer, Input):
        width, shape = layer.size, layer.infer_shape([])
    else:
        width = shape_size(shape) if shape is not None else None
    labels = tuple(features) if isinstance(layer, Input) and layer.size == len(features) else ()
    in_shape = draft.shapes.get(node.inputs[0]) if node.inputs else None
    return LayerInfo(width, draft.unfinished.get(node.id), node.id == output, labels, shape, in_shape)


class QuickButton(QGraphicsItem):
    """A small button on a Dense layer: "−" / "+" neuron, "+ layer"."""

    def __init__(self, parent: LayerItem, kind: str, label: str, tooltip: str, width: float = 20.0) -> None:
        super().__init__(parent)
        self.kind = kind
        self.label = label
        self._rect = QRectF(0, 0, width, 18)
        self._hot = False
        self.setToolTip(tooltip)
        self.setAcceptHoverEvents(True)
        self.setAcceptedMouseButtons(Qt.MouseButton.LeftButton)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setZValue(3)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # repainted on hover

    def boundingRect(self) -> QRectF:
        return self._rect.adjusted(-1, -1, 1, 1)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        p.setPen(QPen(SELECTED if self._hot else CARD_EDGE, 1))
        p.setBrush(QBrush(QColor("#e8f0fe") if self._hot else QColor("white")))
        p.drawRoundedRect(self._rect, 5, 5)
        p.setPen(SELECTED if self._hot else INK)
        p.setFont(TEXT_FONT if len(self.label) > 1 else TITLE_FONT)
        p.drawText(self._rect, Qt.AlignmentFlag.AlignCenter, self.label)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hot = True
        self.update()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hot = False
        self.update()

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        event.accept()

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self._rect.contains(event.pos()):
            self.click()

    def click(self) -> None:
        """Do the button's edit (after the current event, since the edit rebuilds this item)."""
        self.scene().quick_action(self.kind, self.parentItem().layer_id)


class _Backdrop(QGraphicsItem):
    """The static part of a layer item (card, titles, labels, glow), cached as a device-pixel image.

    It stacks behind its layer item, which paints only what changes every frame on top.
    """

    def __init__(self, parent: LayerItem) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemStacksBehindParent, True)
        self.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def boundingRect(self) -> QRectF:
        return self.parentItem().boundingRect()

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        self.parentItem().paint_backdrop(p)


class LayerItem(QGraphicsItem):
    """Base of the layer items: card, title, ports, selection, glow, quick buttons and moves."""

    def __init__(self, node: Node, info: LayerInfo) -> None:
        super().__init__()
        self.node = node
        self.layer_id = node.id
        self.spec = node.layer
        self.info = info
        self.values: np.ndarray | None = None
        # what ``values`` are: a phase may show error signals instead of outputs, on their own scale
        self.value_limit = 1.0
        self.value_name = "output"
        self.value_note = "mean over the current batch"
        self.not_computed = False
        self.card = QRectF()
        self._body = QRectF()
        self._bounds = QRectF()
        self._highlight = False
        self._hovered = False
        self._press: QPointF | None = None
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, True)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemSendsGeometryChanges, True)
        self.setAcceptHoverEvents(True)
        self.setZValue(1)
        self._layout()
        self.backdrop = _Backdrop(self)
        y = self.card.center().y()
        self.in_port = None if isinstance(self.spec, Input) else PortItem(self, IN)
        if self.in_port is not None:
            self.in_port.setPos(self.card.left(), y)
        self.out_port = PortItem(self, OUT)
        self.out_port.setPos(self.card.right(), y)
        self.buttons: list[QuickButton] = []
        if isinstance(self.spec, Dense):
            self._make_buttons()
        if info.unfinished:
            self.setOpacity(DIMMED)
        self.setToolTip(self.base_tooltip())

    # ------------------------------------------------------------------------------ layout
    def _layout(self) -> None:
        """Set ``self.card`` (the body, centred on the origin) and ``self._bounds``."""
        raise NotImplementedError

    def _finish_bounds(self, *rects: QRectF) -> None:
        bounds = self.card
        for r in rects:
            bounds = bounds.united(r)
        if self.info.is_output:
            bounds = bounds.united(self._badge_rect())
        self._body = bounds
        self._bounds = bounds.adjusted(-GLOW_MARGIN, -GLOW_MARGIN, GLOW_MARGIN, GLOW_MARGIN)

    def _badge_rect(self) -> QRectF:
        return QRectF(self.card.right() + 12, self.card.center().y() - 9, 48, 18)

    def _make_buttons(self) -> None:
        lid = self.layer_id
        specs = [
            ("remove_neuron", "\u2212", f"Remove the last neuron of {lid}", 22.0),
            ("add_neuron", "+", f"Add a neuron to {lid}", 22.0),
            ("insert_layer", "+ layer", f"Insert a Dense layer like {lid} after it", 54.0),
        ]
        total = sum(w for *_, w in specs) + 4 * (len(specs) - 1)
        x = -total / 2
        for kind, label, tip, w in specs:
            b = QuickButton(self, kind, label, tip, w)
            b.setPos(x, self.card.bottom() + 5)
            b.setVisible(False)
            self.buttons.append(b)
            x += w + 4

    def button(self, kind: str) -> QuickButton:
        return next(b for b in self.buttons if b.kind == kind)

    # ------------------------------------------------------------------------------ text
    @property
    def title(self) -> str:
        return self.layer_id

    @property
    def subtitle(self) -> str:
        return describe(self.spec, len(self.node.inputs), self.info.width)

    def base_tooltip(self) -> str:
        text = f"{self.layer_id} — {self.spec.type_name} ({self.subtitle}): {self.spec.summary}"
        if self.info.is_output:
            text += "\nThis is the network's output layer."
        if self.info.unfinished:
            text += f"\nNot trained yet: {self.info.unfinished}."
        if self.not_computed:
            text += "\nNot computed yet: the forward pass has not reached this layer."
        return text + "\nDrag to move it; Delete removes it; drag from a port to connect."

    # ------------------------------------------------------------------------------ state
    def set_highlight(self, on: bool) -> None:
        """The glow that marks the layer of the current training phase."""
        if on != self._highlight:
            self._highlight = on
            self.backdrop.update()

    @property
    def highlighted(self) -> bool:
        return self._highlight

    def set_meaning(
        self, name: str = "output", note: str = "mean over the current batch", limit: float = 1.0
    ) -> None:
        """What the next ``set_activity`` values are: their name, a note, and the value of full colour."""
        self.value_name, self.value_note = name, note
        self.value_limit = limit if limit > 0 and np.isfinite(limit) else 1.0

    def set_not_computed(self, on: bool) -> None:
        """Dim the layer while a forward phase has not reached it yet (its values are not computed)."""
        if on != self.not_computed:
            self.not_computed = on
            self.setOpacity(DIMMED if on or self.info.unfinished else 1.0)
            self.setToolTip(self.base_tooltip())

    def set_activity(self, values: np.ndarray | None, atlas: HeatmapAtlas | None) -> None:
        """New mean outputs over the current batch (None: not computed); repaints."""
        self.values = None if values is None or len(values) != (self.info.width or -1) else values
        self.update()

    def port_position(self, kind: str) -> QPointF:
        port = self.out_port if kind == OUT else self.in_port
        if port is None:
            return self.mapToScene(QPointF(self.card.left(), self.card.center().y()))
        return port.scenePos()

    def _show_buttons(self) -> None:
        show = self._hovered or self.isSelected()
        for b in self.buttons:
            b.setVisible(show)

    # ------------------------------------------------------------------------------ painting
    def boundingRect(self) -> QRectF:
        return self._bounds

    def shape(self) -> QPainterPath:
        """What takes clicks: the card, titles and labels (not the glow's margin)."""
        path = QPainterPath()
        path.addRect(self._body)
        return path

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        self.paint_content(p)

    def paint_backdrop(self, p: QPainter) -> None:
        """Glow, card, titles, labels and the output badge (cached by the backdrop item)."""
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        if self._highlight:
            p.setPen(QPen(GLOW, 8))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawRoundedRect(self.card.adjusted(-3, -3, 3, 3), 12, 12)
        if self.isSelected():
            edge = QPen(SELECTED, 2.2)
        elif self.info.is_output:
            edge = QPen(INK, 1.8)
        else:
            edge = QPen(CARD_EDGE, 1)
        p.setPen(edge)
        p.setBrush(QBrush(CARD))
        p.drawRoundedRect(self.card, 9, 9)
        self.paint_static(p)
        if self.info.is_output:
            self._paint_badge(p)

    def _paint_badge(self, p: QPainter) -> None:
        r = self._badge_rect()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(INK))
        p.drawRoundedRect(r, 9, 9)
        p.setPen(QColor("white"))
        p.setFont(SMALL_FONT)
        p.drawText(r, Qt.AlignmentFlag.AlignCenter, "output")

    def paint_static(self, p: QPainter) -> None:
        """Titles and labels."""

    def paint_content(self, p: QPainter) -> None:
        """Values (every frame)."""

    # ------------------------------------------------------------------------------ events
    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged and self.scene() is not None:
            self.scene().layer_moved(self)
        elif change == QGraphicsItem.GraphicsItemChange.ItemSelectedHasChanged:
            self._show_buttons()
            self.backdrop.update()
        return super().itemChange(change, value)

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = True
        self._show_buttons()

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self._hovered = False
        self._show_buttons()
        self.setToolTip(self.base_tooltip())

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self._press = event.scenePos()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        press, self._press = self._press, None
        if press is not None and (event.scenePos() - press).manhattanLength() < 4:
            self.clicked(event.pos())

    def clicked(self, pos: QPointF) -> None:
        """A click without a drag at ``pos`` (item coordinates)."""

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        self.scene().layer_double_clicked.emit(self.layer_id)
