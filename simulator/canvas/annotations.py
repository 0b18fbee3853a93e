"""What a teacher draws on the canvas besides the network: sticky notes, arrows and lock badges.

- :class:`NoteItem`: a coloured sticky note; drag to move, drag its bottom-right corner to resize,
  double-click to edit the text, right-click for colours.
- :class:`ArrowItem`: an arrow; drag its body to move it, drag either round end to move that end.
- :class:`Annotations`: keeps the notes and arrows of one ``GraphScene`` in its own list (the scene's
  ``rebuild`` only replaces layer and link items; after each rebuild the annotations are put back if
  anything took them out) and deletes the selected ones with Delete. Adding and deleting are undo
  steps on the scene controller's ``undo_stack``; every change (moving, resizing, a new text or
  colour) counts up ``revision`` and emits ``changed``, so the window can show unsaved changes.
- :class:`LockBadges`: a small padlock at the top-right of every layer the teacher locked.

``notes_from_scene`` / ``arrows_from_scene`` / ``put_annotations`` turn them into ``engine.scene``
``Note`` and ``Arrow`` values and back.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QLineF, QObject, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPolygonF,
    QUndoCommand,
)
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsObject,
    QGraphicsScene,
    QGraphicsSceneContextMenuEvent,
    QGraphicsSceneMouseEvent,
    QGraphicsTextItem,
    QMenu,
    QStyleOptionGraphicsItem,
    QWidget,
)

from engine.scene import Arrow, Note

NOTE_COLOURS = {"Yellow": "#fff3a0", "Green": "#d7f5c8", "Blue": "#d3e8fb", "Pink": "#fbd9e5"}
ARROW_COLOUR = "#d0402b"
CORNER = 14.0  # the resize grip, in scene units
MIN_NOTE = QPointF(60.0, 36.0)
HANDLE_R = 6.0
NOTE_Z, ARROW_Z, BADGE_Z = 5.0, 6.0, 4.0

_FLAGS = QGraphicsItem.GraphicsItemFlag


class _NoteText(QGraphicsTextItem):
    """The note's text: read-only until double-clicked, so a drag moves the note."""

    def focusOutEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().focusOutEvent(event)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        cursor = self.textCursor()
        cursor.clearSelection()
        self.setTextCursor(cursor)


def _touched(item: QGraphicsItem) -> None:
    """Tell the scene's :class:`Annotations` that ``item`` changed (moved, resized, new text or colour)."""
    scene = item.scene()
    annotations = getattr(scene, "annotations", None) if scene is not None else None
    if annotations is not None:
        annotations.touch()


class NoteItem(QGraphicsObject):
    """A sticky note at ``position`` (its top-left corner, scene coordinates) of ``size``."""

    def __init__(
        self,
        text: str = "",
        position: tuple[float, float] = (0.0, 0.0),
        size: tuple[float, float] = (200.0, 100.0),
        color: str = NOTE_COLOURS["Yellow"],
    ) -> None:
        super().__init__()
        self.color = QColor(color)
        self._size = QPointF(max(MIN_NOTE.x(), size[0]), max(MIN_NOTE.y(), size[1]))
        self._resizing = False
        self.setFlags(_FLAGS.ItemIsMovable | _FLAGS.ItemIsSelectable | _FLAGS.ItemIsFocusable)
        self.setZValue(NOTE_Z)
        self.setPos(*position)
        self.setToolTip(
            "A sticky note: drag to move, drag the bottom-right corner to resize, double-click to edit, "
            "right-click for colours; Delete removes it"
        )
        self.text_item = _NoteText(self)
        self.text_item.setPlainText(text)
        self.text_item.setDefaultTextColor(QColor("#3c3a2a"))
        self.text_item.setPos(4.0, 4.0)
        self._fit_text()
        self._press_state: Note | None = None
        self.text_item.document().contentsChanged.connect(lambda: _touched(self))

    # ------------------------------------------------------------------ values
    @property
    def text(self) -> str:
        return self.text_item.toPlainText()

    @property
    def size(self) -> tuple[float, float]:
        return (self._size.x(), self._size.y())

    def set_size(self, width: float, height: float) -> None:
        self.prepareGeometryChange()
        self._size = QPointF(max(MIN_NOTE.x(), width), max(MIN_NOTE.y(), height))
        self._fit_text()
        self.update()

    def set_color(self, color: str) -> None:
        if QColor(color) != self.color:
            self.color = QColor(color)
            self.update()
            _touched(self)

    def to_note(self) -> Note:
        return Note(
            text=self.text,
            position=(float(self.pos().x()), float(self.pos().y())),
            size=self.size,
            color=self.color.name(),
        )

    def _fit_text(self) -> None:
        self.text_item.setTextWidth(max(10.0, self._size.x() - 8.0))

    # ------------------------------------------------------------------ drawing
    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(-2.0, -2.0, self._size.x() + 6.0, self._size.y() + 6.0)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        rect = QRectF(0.0, 0.0, self._size.x(), self._size.y())
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 40))
        p.drawRect(rect.translated(3.0, 3.0))  # a soft shadow
        edge = QColor("#1a73e8") if self.isSelected() else self.color.darker(130)
        p.setPen(QPen(edge, 2.0 if self.isSelected() else 1.0))
        p.setBrush(self.color)
        p.drawRect(rect)
        grip = self.color.darker(150)
        p.setPen(QPen(grip, 1.0))
        w, h = self._size.x(), self._size.y()
        for k in (4.0, 8.0, 12.0):
            p.drawLine(QPointF(w - k, h - 2.0), QPointF(w - 2.0, h - k))

    # ------------------------------------------------------------------ mouse
    def _in_corner(self, pos: QPointF) -> bool:
        return pos.x() >= self._size.x() - CORNER and pos.y() >= self._size.y() - CORNER

    def hoverMoveEvent(self, event) -> None:  # noqa: N802 - Qt's name
        shape = Qt.CursorShape.SizeFDiagCursor if self._in_corner(event.pos()) else Qt.CursorShape.ArrowCursor
        self.setCursor(shape)
        super().hoverMoveEvent(event)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        self._press_state = self.to_note()
        if event.button() == Qt.MouseButton.LeftButton and self._in_corner(event.pos()):
            self._resizing = True
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._resizing:
            self.set_size(event.pos().x(), event.pos().y())
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        if self._resizing:
            self._resizing = False
        else:
            super().mouseReleaseEvent(event)
        if self._press_state is not None and self._press_state != self.to_note():
            _touched(self)  # moved or resized
        self._press_state = None

    def mouseDoubleClickEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        self.edit_text()

    def edit_text(self) -> None:
        """Start editing the text (the caret goes to its end)."""
        self.text_item.setTextInteractionFlags(Qt.TextInteractionFlag.TextEditorInteraction)
        self.text_item.setFocus(Qt.FocusReason.MouseFocusReason)
        cursor = self.text_item.textCursor()
        cursor.movePosition(cursor.MoveOperation.End)
        self.text_item.setTextCursor(cursor)

    def contextMenuEvent(self, event: QGraphicsSceneContextMenuEvent) -> None:  # noqa: N802 - Qt's name
        menu = QMenu()
        for name, colour in NOTE_COLOURS.items():
            action = menu.addAction(name)
            action.triggered.connect(lambda _c=False, colour=colour: self.set_color(colour))
        menu.addSeparator()
        delete = menu.addAction("Delete note")
        chosen = menu.exec(event.screenPos())
        if chosen is delete and isinstance(self.scene(), QGraphicsScene):
            annotations = getattr(self.scene(), "annotations", None)
            if annotations is not None:
                annotations.remove(self)


class _Handle(QGraphicsObject):
    """One end of an arrow: a small round grip that moves that end."""

    def __init__(self, arrow: ArrowItem, pos: QPointF) -> None:
        super().__init__(arrow)
        self.setPos(pos)
        self.setFlags(_FLAGS.ItemIsMovable | _FLAGS.ItemSendsGeometryChanges)
        self.setCursor(Qt.CursorShape.SizeAllCursor)
        self.setToolTip("Drag to move this end of the arrow")

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(-HANDLE_R, -HANDLE_R, 2 * HANDLE_R, 2 * HANDLE_R)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        arrow = self.parentItem()
        if not (arrow.isSelected() or self.isUnderMouse()):
            return
        p.setPen(QPen(QColor("#1a73e8"), 1.5))
        p.setBrush(QColor("#ffffff"))
        p.drawEllipse(self.boundingRect().adjusted(1, 1, -1, -1))

    def itemChange(self, change: QGraphicsItem.GraphicsItemChange, value: object) -> object:  # noqa: N802
        if change == QGraphicsItem.GraphicsItemChange.ItemPositionHasChanged:
            self.parentItem().ends_moved()
        return super().itemChange(change, value)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        self._from = self.pos()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mouseReleaseEvent(event)
        if getattr(self, "_from", None) is not None and self._from != self.pos():
            _touched(self.parentItem())
        self._from = None


class ArrowItem(QGraphicsObject):
    """An arrow from ``start`` to ``end`` (scene coordinates) with a filled head at ``end``."""

    def __init__(
        self,
        start: tuple[float, float] = (0.0, 0.0),
        end: tuple[float, float] = (100.0, 0.0),
        color: str = ARROW_COLOUR,
    ) -> None:
        super().__init__()
        self.color = QColor(color)
        self.setFlags(_FLAGS.ItemIsMovable | _FLAGS.ItemIsSelectable | _FLAGS.ItemIsFocusable)
        self.setZValue(ARROW_Z)
        self.setToolTip("An arrow: drag to move it, drag an end to move that end; Delete removes it")
        self._path = QPainterPath()
        self.start_handle = _Handle(self, QPointF(*start))
        self.end_handle = _Handle(self, QPointF(*end))
        self.ends_moved()
        self._press_state: Arrow | None = None

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        self._press_state = self.to_arrow()
        super().mousePressEvent(event)

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt's name
        super().mouseReleaseEvent(event)
        if self._press_state is not None and self._press_state != self.to_arrow():
            _touched(self)
        self._press_state = None

    @property
    def start(self) -> tuple[float, float]:
        p = self.mapToScene(self.start_handle.pos())
        return (float(p.x()), float(p.y()))

    @property
    def end(self) -> tuple[float, float]:
        p = self.mapToScene(self.end_handle.pos())
        return (float(p.x()), float(p.y()))

    def set_ends(self, start: tuple[float, float], end: tuple[float, float]) -> None:
        self.start_handle.setPos(self.mapFromScene(QPointF(*start)))
        self.end_handle.setPos(self.mapFromScene(QPointF(*end)))

    def to_arrow(self) -> Arrow:
        return Arrow(start=self.start, end=self.end, color=self.color.name())

    def ends_moved(self) -> None:
        self.prepareGeometryChange()
        line = QLineF(self.start_handle.pos(), self.end_handle.pos())
        path = QPainterPath(line.p1())
        path.lineTo(line.p2())
        stroker = QPainterPathStroker()
        stroker.setWidth(12.0)
        self._path = stroker.createStroke(path)
        self.update()

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return self._path.boundingRect().adjusted(-10, -10, 10, 10)

    def shape(self) -> QPainterPath:
        return self._path

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        line = QLineF(self.start_handle.pos(), self.end_handle.pos())
        if line.length() < 1e-6:
            return
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        if self.isSelected():
            p.setPen(QPen(QColor(26, 115, 232, 90), 9.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
            p.drawLine(line)
        unit = line.unitVector()
        d = QPointF(unit.dx(), unit.dy())
        n = QPointF(-d.y(), d.x())
        tip = line.p2()
        head = min(16.0, line.length() * 0.5)
        base = tip - d * head
        p.setPen(QPen(self.color, 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        p.drawLine(QLineF(line.p1(), base))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(self.color)
        p.drawPolygon(QPolygonF([tip, base + n * head * 0.5, base - n * head * 0.5]))


class _AnnotationCommand(QUndoCommand):
    """Adding (``adding=True``) or deleting notes and arrows, as one undo step."""

    def __init__(self, annotations: Annotations, items: list[QGraphicsItem], adding: bool, text: str) -> None:
        super().__init__(text)
        self.annotations = annotations
        self.items = list(items)  # kept alive here while out of the scene
        self.adding = adding

    def redo(self) -> None:
        for item in self.items:
            (self.annotations._insert if self.adding else self.annotations._take)(item)
        self.annotations.changed.emit()  # the undo stack itself says whether this is unsaved

    def undo(self) -> None:
        for item in reversed(self.items):
            (self.annotations._take if self.adding else self.annotations._insert)(item)
        self.annotations.changed.emit()


class Annotations(QObject):
    """The notes and arrows of ``graph_scene``, kept in their own list so rebuilds never lose them.

    Signals
    -------
    changed()
        A note or arrow was added, deleted, moved, resized, recoloured or got new text.
    """

    changed = Signal()

    def __init__(self, graph_scene: QGraphicsScene) -> None:
        super().__init__(graph_scene)
        self.scene = graph_scene
        self.notes: list[NoteItem] = []
        self.arrows: list[ArrowItem] = []
        self.revision = 0  # counts changes; the scene file compares it with the one saved
        self._quiet = 0
        graph_scene.annotations = self  # the items' context menus find it here
        rebuilt = getattr(graph_scene, "rebuilt", None)
        if rebuilt is not None:
            rebuilt.connect(self.restore)

    def items(self) -> list[QGraphicsItem]:
        return [*self.notes, *self.arrows]

    def restore(self) -> None:
        """Put back any annotation a rebuild took out of the scene."""
        for item in self.items():
            if item.scene() is not self.scene:
                self.scene.addItem(item)

    @property
    def undo_stack(self):
        """The scene controller's undo stack (None for a bare scene: changes then cannot be undone)."""
        controller = getattr(self.scene, "controller", None)
        return getattr(controller, "undo_stack", None)

    def touch(self) -> None:
        """Count a change (not while a scene's notes are being put in place)."""
        if not self._quiet:
            self.revision += 1
            self.changed.emit()

    def _insert(self, item: QGraphicsItem) -> None:
        group = self.notes if isinstance(item, NoteItem) else self.arrows
        if item not in group:
            group.append(item)
        if item.scene() is not self.scene:
            self.scene.addItem(item)

    def _take(self, item: QGraphicsItem) -> None:
        for group in (self.notes, self.arrows):
            if item in group:
                group.remove(item)
        if item.scene() is not None:
            item.setSelected(False)
            item.scene().removeItem(item)

    def _do(self, items: list[QGraphicsItem], adding: bool, text: str) -> None:
        command = _AnnotationCommand(self, items, adding, text)
        stack = self.undo_stack
        if stack is None or self._quiet:
            command.redo()
            self.touch()  # no undo stack to remember it: count it as a change
        else:
            stack.push(command)  # runs redo()

    def add_note(
        self,
        text: str = "",
        position: tuple[float, float] | None = None,
        size: tuple[float, float] = (200.0, 100.0),
        color: str = NOTE_COLOURS["Yellow"],
    ) -> NoteItem:
        """Put a sticky note on the canvas (one undo step)."""
        item = NoteItem(text, position or self._free_spot(), size, color)
        self._do([item], True, "Add a note")
        return item

    def add_arrow(
        self,
        start: tuple[float, float] | None = None,
        end: tuple[float, float] | None = None,
        color: str = ARROW_COLOUR,
    ) -> ArrowItem:
        if start is None or end is None:
            x, y = self._free_spot()
            start, end = (x, y + 60.0), (x + 120.0, y)
        item = ArrowItem(start, end, color)
        self._do([item], True, "Add an arrow")
        return item

    def remove(self, item: QGraphicsItem) -> None:
        """Delete one note or arrow (one undo step)."""
        if item in self.items():
            self._do([item], False, "Delete a note" if isinstance(item, NoteItem) else "Delete an arrow")

    def clear(self) -> None:
        """Take out every note and arrow (not an undo step: a new scene is being shown)."""
        for item in self.items():
            self._take(item)

    def selected(self) -> list[QGraphicsItem]:
        return [i for i in self.items() if i.isSelected()]

    def delete_selected(self) -> bool:
        """Remove the selected notes and arrows; True if there were any."""
        chosen = self.selected()
        if chosen:
            self._do(chosen, False, "Delete notes and arrows" if len(chosen) > 1 else "Delete a note")
        return bool(chosen)

    def editing(self) -> bool:
        """Whether a note's text has the keyboard (Delete then edits the text)."""
        focus = self.scene.focusItem()
        return isinstance(focus, _NoteText) and bool(
            focus.textInteractionFlags() & Qt.TextInteractionFlag.TextEditorInteraction
        )

    def watch_keys(self, view: QObject) -> None:
        """Let Delete / Backspace in ``view`` remove the selected annotations too."""
        view.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            and not self.editing()
            and self.selected()
        ):
            self.delete_selected()
            return not self.scene.selectedItems()  # layers also selected: the canvas deletes those
        return super().eventFilter(watched, event)

    def _free_spot(self) -> tuple[float, float]:
        views = self.scene.views()
        if views:
            view = views[0]
            centre = view.mapToScene(view.viewport().rect().center())
            k = 20.0 * (len(self.items()) % 6)
            return (centre.x() - 100.0 + k, centre.y() - 50.0 + k)
        return (0.0, 0.0)


def annotations_of(graph_scene: QGraphicsScene) -> Annotations:
    """The scene's :class:`Annotations` (made on first use)."""
    existing = getattr(graph_scene, "annotations", None)
    return existing if isinstance(existing, Annotations) else Annotations(graph_scene)


def notes_from_scene(graph_scene: QGraphicsScene) -> tuple[Note, ...]:
    return tuple(item.to_note() for item in annotations_of(graph_scene).notes)


def arrows_from_scene(graph_scene: QGraphicsScene) -> tuple[Arrow, ...]:
    return tuple(item.to_arrow() for item in annotations_of(graph_scene).arrows)


def put_annotations(graph_scene: QGraphicsScene, notes: tuple[Note, ...], arrows: tuple[Arrow, ...]) -> None:
    """Replace the scene's notes and arrows with ``notes`` and ``arrows``."""
    annotations = annotations_of(graph_scene)
    annotations._quiet += 1  # the scene's own notes: no undo step, no unsaved change
    try:
        annotations.clear()
        for n in notes:
            annotations.add_note(n.text, tuple(n.position), tuple(n.size), n.color)
        for a in arrows:
            annotations.add_arrow(tuple(a.start), tuple(a.end), a.color)
    finally:
        annotations._quiet -= 1


# ---------------------------------------------------------------------------------- lock badges
class LockBadge(QGraphicsItem):
    """A padlock drawn at its parent layer's top-right corner."""

    SIZE = 20.0

    def __init__(self, parent: QGraphicsItem, teacher_mode: bool = False) -> None:
        super().__init__(parent)
        self.teacher_mode = teacher_mode
        self.setZValue(BADGE_Z)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations, True)  # same size at any zoom
        self.setToolTip("Locked by the teacher: this layer cannot be edited, moved or deleted")
        self.place()

    def place(self) -> None:
        parent = self.parentItem()
        card = getattr(parent, "card", None) or parent.boundingRect()
        self.setPos(card.topRight())  # centred on the card's top-right corner

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(-self.SIZE / 2, -self.SIZE / 2, self.SIZE, self.SIZE)

    def paint(self, p: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        s = self.SIZE
        p.translate(-s / 2, -s / 2)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        back = QColor("#9aa0a6") if self.teacher_mode else QColor("#5f6368")
        p.setPen(QPen(QColor("#ffffff"), 1.5))
        p.setBrush(back)
        p.drawEllipse(QRectF(0.0, 0.0, s, s))
        p.setPen(QPen(QColor("#ffffff"), 1.6))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawArc(QRectF(s * 0.33, s * 0.2, s * 0.34, s * 0.4), 0, 180 * 16)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(QColor("#ffffff")))
        p.drawRoundedRect(QRectF(s * 0.26, s * 0.42, s * 0.48, s * 0.36), 1.5, 1.5)


class LockBadges(QObject):
    """Keeps a :class:`LockBadge` on each layer in ``controller.locked_layers`` (and keeps it in place)."""

    def __init__(self, graph_scene, controller) -> None:
        super().__init__(graph_scene)
        self.scene = graph_scene
        self.controller = controller
        self.badges: dict[str, LockBadge] = {}
        graph_scene.rebuilt.connect(self.refresh)
        controller.structure_changed.connect(self.refresh)
        controller.positions_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        locked = self.controller.locked_layers
        items = self.scene.layer_items()
        for layer_id, item in items.items():  # a student cannot drag a locked layer away
            movable = layer_id not in locked or self.controller.teacher_mode
            item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsMovable, movable)
        for layer_id, badge in list(self.badges.items()):
            alive = shiboken6.isValid(badge)  # a rebuild deletes the old layer item with its badge
            if not alive or layer_id not in locked or items.get(layer_id) is not badge.parentItem():
                if alive:
                    badge.setParentItem(None)
                    if badge.scene() is not None:
                        badge.scene().removeItem(badge)
                del self.badges[layer_id]
        for layer_id in locked:
            item = items.get(layer_id)
            if item is None:
                continue
            badge = self.badges.get(layer_id)
            if badge is None:
                badge = LockBadge(item, self.controller.teacher_mode)
                self.badges[layer_id] = badge
            badge.teacher_mode = self.controller.teacher_mode
            badge.place()
            badge.update()
