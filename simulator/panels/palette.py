"""The layer palette: every layer type the engine offers, grouped, to drag onto the network canvas.

Each entry shows the type's icon and name, with the engine's one-line ``summary`` as its tooltip.
Dragging an entry carries ``simulator.canvas.mime.LAYER_MIME``; the canvas adds a default layer of
that type where it is dropped. Double-clicking an entry (or Enter) emits ``layer_requested``, so the
window can add the layer in the middle of the canvas instead.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QObject, QSize, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from engine import LAYER_TYPES
from simulator.canvas.icons import layer_icon
from simulator.canvas.mime import LAYER_MIME, layer_mime_data

GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Core", ("Dense", "Activation")),
    ("Regularisation", ("Dropout",)),
    ("Merge", ("Add", "Concat")),
    ("Images", ("Conv2D", "MaxPool2D", "AvgPool2D", "Flatten", "Reshape")),
    ("Data", ("Input",)),
)
TYPE_ROLE = Qt.ItemDataRole.UserRole + 1


def grouped_types() -> list[tuple[str, list[str]]]:
    """The palette's groups with the engine's layer types; types no group names go under "Other"."""
    known = set(LAYER_TYPES)
    groups = [(title, [t for t in types if t in known]) for title, types in GROUPS]
    listed = {t for _, types in groups for t in types}
    other = [t for t in LAYER_TYPES if t not in listed]
    if other:
        groups.append(("Other", other))
    return [(title, types) for title, types in groups if types]


def tooltip(type_name: str) -> str:
    summary = LAYER_TYPES[type_name].summary or type_name
    return f"{type_name}: {summary}\nDrag it onto the canvas to add one (or double-click it)."


class _PaletteTree(QTreeWidget):
    """The tree of groups and layer types; its drags carry a layer type."""

    def mimeTypes(self) -> list[str]:
        return [LAYER_MIME]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:
        names = [i.data(0, TYPE_ROLE) for i in items if i.data(0, TYPE_ROLE)]
        return layer_mime_data(names[0]) if names else QMimeData()

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.CopyAction


class LayerPalette(QWidget):
    """Grouped layer types to drag onto the canvas.

    Signals
    -------
    layer_requested(str)
        A type was double-clicked or chosen with Enter: add it to the canvas (e.g. at its centre).
    """

    layer_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = QLabel("Drag a layer onto the canvas")
        self.hint.setToolTip("Drop it where the layer should go, then drag links between the ports")
        self.hint.setWordWrap(True)
        self.tree = _PaletteTree()
        self.tree.setHeaderHidden(True)
        self.tree.setIconSize(QSize(24, 24))
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(8)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setDefaultDropAction(Qt.DropAction.CopyAction)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setToolTip("Layer types: drag one onto the canvas")
        self.tree.itemDoubleClicked.connect(self._activated)
        self.tree.installEventFilter(self)
        self.items: dict[str, QTreeWidgetItem] = {}
        for title, types in grouped_types():
            group = QTreeWidgetItem(self.tree, [title])
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            group.setToolTip(0, f"{title} layers")
            for type_name in types:
                item = QTreeWidgetItem(group, [type_name])
                item.setIcon(0, layer_icon(type_name))
                item.setToolTip(0, tooltip(type_name))
                item.setData(0, TYPE_ROLE, type_name)
                item.setFlags(
                    Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
                )
                self.items[type_name] = item
            group.setExpanded(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.hint)
        layout.addWidget(self.tree)

    def mime_data(self, type_name: str) -> QMimeData:
        """What dragging ``type_name`` carries (the same as a real drag)."""
        return self.tree.mimeData([self.items[type_name]])

    def sizeHint(self) -> QSize:
        return QSize(180, 320)

    def _activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        type_name = item.data(0, TYPE_ROLE)
        if type_name:
            self.layer_requested.emit(type_name)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.tree and event.type() == QEvent.Type.KeyPress and isinstance(event, QKeyEvent):
            if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.tree.currentItem() is not None:
                self._activated(self.tree.currentItem())
                return True
        return super().eventFilter(watched, event)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication, QHBoxLayout

    from simulator.canvas import CanvasView
    from simulator.controller import SceneController
    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    window = QWidget()
    row = QHBoxLayout(window)
    palette = LayerPalette()
    canvas = CanvasView(SceneController(make_default_trainer()))
    palette.layer_requested.connect(canvas.add_layer_at)
    row.addWidget(palette)
    row.addWidget(canvas, 1)
    window.resize(1200, 700)
    window.show()
    raise SystemExit(app.exec())
