"""Dragging a link from a port: the dashed link under the cursor, the port it would join, the result.

``ConnectionDrag`` belongs to the scene; ports report their press, moves and release to it. It never
edits the network: ``finish`` returns the ``(source, target)`` pair for the controller to check.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF
from PySide6.QtWidgets import QGraphicsItem, QGraphicsScene

from simulator.canvas.layer_base import LayerItem
from simulator.canvas.link_items import DraftLinkItem
from simulator.canvas.ports import OUT, PortItem


class ConnectionDrag:
    """One link being dragged in ``scene`` (at most one at a time)."""

    def __init__(self, scene: QGraphicsScene) -> None:
        self.scene = scene
        self.port: PortItem | None = None
        self.draft: DraftLinkItem | None = None
        self._hot: PortItem | None = None

    @property
    def active(self) -> bool:
        return self.port is not None

    def begin(self, port: PortItem) -> None:
        self.cancel()
        self.port = port
        self.draft = DraftLinkItem(port.scenePos(), from_output=port.kind == OUT)
        self.scene.addItem(self.draft)

    def move(self, pos: QPointF) -> None:
        """Follow the cursor and light up the port the link would join."""
        if self.draft is None:
            return
        self.draft.move_to(pos)
        port = self._port_under(pos)
        if port is not self._hot:
            if self._hot is not None:
                self._hot.set_hot(False)
            self._hot = port
            if port is not None:
                port.set_hot(True)

    def finish(self, pos: QPointF) -> tuple[str, str] | None:
        """End the drag at ``pos``: the ``(source, target)`` it asks for, or None (dropped on nothing)."""
        port = self.port
        target = self.target(pos)
        self.cancel()
        if port is None or target is None or target == port.layer_id:
            return None
        return (port.layer_id, target) if port.kind == OUT else (target, port.layer_id)

    def target(self, pos: QPointF) -> str | None:
        """The layer the link would join at ``pos``: a port of the other kind, or any part of a layer."""
        for item in self.scene.items(pos):
            if isinstance(item, PortItem):
                if self.port is None or item.kind != self.port.kind:
                    return item.layer_id
                continue
            layer = _layer_of(item)
            if layer is not None and (self.port is None or layer.layer_id != self.port.layer_id):
                return layer.layer_id
        return None

    def cancel(self) -> None:
        if self.draft is not None and self.draft.scene() is self.scene:
            self.scene.removeItem(self.draft)
        if self._hot is not None:
            self._hot.set_hot(False)
        self.port, self.draft, self._hot = None, None, None

    def _port_under(self, pos: QPointF) -> PortItem | None:
        target = self.target(pos)
        if target is None or self.port is None:
            return None
        item = self.scene.layer_item(target)
        if item is None:
            return None
        return item.in_port if self.port.kind == OUT else item.out_port


def _layer_of(item: QGraphicsItem | None) -> LayerItem | None:
    while item is not None and not isinstance(item, LayerItem):
        item = item.parentItem()
    return item
