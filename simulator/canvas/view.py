"""CanvasView: the network canvas widget — zoom, pan, fit, drop target, keys and the weight editor.

- Wheel: zoom around the cursor (one uniform scale; never a different x and y scale).
- Pan: drag the empty background, drag with the middle button, or hold Space and drag.
- F: fit the network into view; Delete / Backspace: delete the selected layers or links; +/−: zoom.
- Drop a layer type from the palette (``mime.LAYER_MIME``) to add that layer where it is dropped.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QFrame, QGraphicsView, QWidget

from engine import PhaseEvent
from simulator.canvas.mime import default_spec, type_from_mime
from simulator.canvas.scene import GraphScene
from simulator.canvas.weight_editor import WeightEditor
from simulator.controller import SceneController

MIN_ZOOM, MAX_ZOOM, MAX_FIT_ZOOM = 0.15, 4.0, 1.25
BACKGROUND = QColor("#ffffff")
HELP = (
    "The network. Drag layers from the palette onto it; drag from a layer's right port to another's left "
    "port to connect them.\nWheel: zoom · drag the background, middle button or Space+drag: pan · F: fit "
    "· Delete: remove the selection.\nHover a neuron or a weight to see its value; click a weight to type "
    "a new one."
)


class CanvasView(QGraphicsView):
    """The canvas widget for ``controller``'s network.

    Signals
    -------
    layer_dropped(str)
        The id of a layer just added by a drop.
    zoom_changed(float)
        The view's scale (1.0 = one scene unit per pixel).
    """

    layer_dropped = Signal(str)
    zoom_changed = Signal(float)

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.graph_scene = GraphScene(controller, self)
        self.setScene(self.graph_scene)
        self.zoom_changed.connect(lambda _zoom: self.graph_scene.follow_zoom())
        self.phase_event: PhaseEvent | None = None
        self._formula_source = None
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
            | QPainter.RenderHint.TextAntialiasing
        )
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.FullViewportUpdate)
        self.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontSavePainterState, False)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
        self.setResizeAnchor(QGraphicsView.ViewportAnchor.AnchorViewCenter)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setDragMode(QGraphicsView.DragMode.NoDrag)
        self.setBackgroundBrush(BACKGROUND)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAcceptDrops(True)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMouseTracking(True)
        self.setToolTip(HELP)
        self.setMinimumSize(320, 240)
        self.editor = WeightEditor(self.viewport())
        self.editor.value_entered.connect(self._set_weight)
        self.graph_scene.weight_clicked.connect(self.edit_weight)
        self.graph_scene.rebuilt.connect(self.editor.close_editor)
        self._pan_from: QPoint | None = None
        self._space = False
        self._space_used = False
        self._auto_fit = True  # keep the network fitted while resized, until the user zooms or pans
        self.fit_to_view()

    # ------------------------------------------------------------------------------ hooks
    def refresh(self) -> None:
        """Redraw values (weights, heatmaps, neuron colours) for the current trainer; cheap."""
        self.graph_scene.refresh()

    def set_formula_source(self, source) -> None:
        """Let hover tooltips show formulas with numbers: ``source() -> (BatchTrace, Trainer)``.

        The window passes ``lambda: (runner.trace, controller.trainer)``; formulas show only while a
        phase is shown (:meth:`show_phase`).
        """
        self._formula_source = source
        self.graph_scene.formula_source = self._formula_inputs if source is not None else None

    def _formula_inputs(self) -> tuple | None:
        if self.phase_event is None or self._formula_source is None:
            return None
        return self._formula_source()

    def set_draft_quality(self, on: bool) -> None:
        """Draw weight lines without antialiasing while training flat out; smooth again when paused."""
        for item in self.graph_scene.items():
            if hasattr(item, "draft_quality"):
                item.draft_quality = on
                item.update()

    def show_phase(self, event: PhaseEvent | None) -> None:
        """Show a phase of training and keep the event; None returns to the normal display.

        The phase's layer glows. Forward: the layers reached show this mini-batch's mean outputs, later
        ones are dimmed. Loss: the output neurons show the error per output and the loss. Backward: the
        weight lines show ∂L/∂w and the neurons their error signal δ. Update: the lines show Δw.
        """
        self.phase_event = event
        self.graph_scene.show_phase(event)

    def auto_layout(self) -> None:
        """Arrange the layers automatically (one undo step), then fit them into view."""
        self.graph_scene.arrange()
        self.fit_to_view()

    # ------------------------------------------------------------------------------ zoom and pan
    @property
    def zoom(self) -> float:
        return self.transform().m11()

    def zoom_by(self, factor: float, anchor: QPointF | None = None) -> None:
        """Scale by ``factor`` keeping the scene point under ``anchor`` (viewport pixels) in place."""
        target = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        factor = target / self.zoom
        if abs(factor - 1.0) < 1e-9:
            return
        self._auto_fit = False
        anchor = QPointF(self.viewport().rect().center()) if anchor is None else QPointF(anchor)
        before = self.mapToScene(anchor.toPoint())
        self.scale(factor, factor)
        after = self.mapFromScene(before)
        delta = after - anchor.toPoint()
        self._scroll_by(delta.x(), delta.y())
        self._place_legend()
        self.zoom_changed.emit(self.zoom)

    def fit_to_view(self) -> None:
        """Show the whole network (at most 125 % large)."""
        self._auto_fit = True
        rect = self.graph_scene.network_rect()
        if rect.isNull():
            return
        rect = rect.adjusted(-40, -40, 40, 90)  # room for the legend below
        self.fitInView(rect, Qt.AspectRatioMode.KeepAspectRatio)
        if self.zoom > MAX_FIT_ZOOM:
            self.resetTransform()
            self.scale(MAX_FIT_ZOOM, MAX_FIT_ZOOM)
            self.centerOn(rect.center())
        self._place_legend()
        self.zoom_changed.emit(self.zoom)

    def _scroll_by(self, dx: float, dy: float) -> None:
        h, v = self.horizontalScrollBar(), self.verticalScrollBar()
        h.setValue(h.value() + round(dx))
        v.setValue(v.value() + round(dy))

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        super().scrollContentsBy(dx, dy)
        self._place_legend()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit()
        self._place_legend()

    def _refit(self) -> None:
        if self._auto_fit:
            self.fit_to_view()

    def _place_legend(self) -> None:
        legend = self.graph_scene.legend
        corner = QPoint(10, self.viewport().height() - int(legend.boundingRect().height()) - 10)
        legend.setPos(self.mapToScene(corner))

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta().y() or event.pixelDelta().y()
        if delta:
            self.zoom_by(1.0015**delta, event.position())
        event.accept()

    # ------------------------------------------------------------------------------ mouse
    def _on_background(self, pos: QPoint) -> bool:
        item = self.itemAt(pos)
        return item is None or not (item.acceptedMouseButtons() & Qt.MouseButton.LeftButton)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position().toPoint()
        if self.editor.isVisible():
            self.editor.close_editor()
        button = event.button()
        if button == Qt.MouseButton.MiddleButton or (
            button == Qt.MouseButton.LeftButton and (self._space or self._on_background(pos))
        ):
            if button == Qt.MouseButton.LeftButton and not self._space:
                self.graph_scene.clearSelection()
                self.graph_scene.close_popup()
            self._pan_from = pos
            self._space_used = self._space_used or self._space
            self.viewport().setCursor(Qt.CursorShape.ClosedHandCursor)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            pos = event.position().toPoint()
            delta = pos - self._pan_from
            self._pan_from = pos
            self._auto_fit = False
            self._scroll_by(-delta.x(), -delta.y())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._pan_from is not None:
            self._pan_from = None
            self.viewport().setCursor(
                Qt.CursorShape.OpenHandCursor if self._space else Qt.CursorShape.ArrowCursor
            )
            event.accept()
            return
        super().mouseReleaseEvent(event)

    @property
    def panning(self) -> bool:
        return self._pan_from is not None

    # ------------------------------------------------------------------------------ keys
    def event(self, event: QEvent) -> bool:
        # Space pans while held, so the canvas takes it before the window's shortcuts; a tap without a
        # drag is passed on to the window's Space action (see keyReleaseEvent).
        if event.type() == QEvent.Type.ShortcutOverride and event.key() == Qt.Key.Key_Space:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key = event.key()
        if key == Qt.Key.Key_Space:
            if not event.isAutoRepeat():
                self._space, self._space_used = True, False
                self.viewport().setCursor(Qt.CursorShape.OpenHandCursor)
            event.accept()
        elif key in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace):
            self.graph_scene.delete_selected()
            event.accept()
        elif key == Qt.Key.Key_F and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.fit_to_view()
            event.accept()
        elif key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.25)
        elif key == Qt.Key.Key_Minus:
            self.zoom_by(0.8)
        elif key == Qt.Key.Key_Escape:
            self.graph_scene.close_popup()
            self.graph_scene.clearSelection()
        else:
            super().keyPressEvent(event)

    def keyReleaseEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self._space = False
            self.viewport().setCursor(Qt.CursorShape.ArrowCursor)
            if not self._space_used:
                self._pass_space_on()
            event.accept()
            return
        super().keyReleaseEvent(event)

    def _pass_space_on(self) -> None:
        window = self.window()
        if window is self:
            return
        space = QKeySequence(Qt.Key.Key_Space)
        for action in window.findChildren(QAction):
            if action.isEnabled() and space in action.shortcuts():
                action.trigger()
                return

    # ------------------------------------------------------------------------------ weights
    def edit_weight(self, key: str, i: int, j: int, scene_pos: QPointF) -> None:
        """Open the inline editor for ``key[i, j]`` at ``scene_pos``."""
        params = self.controller.trainer.model.params
        if key not in params:
            return
        value = float(params[key][i, j])
        at = self.mapFromScene(scene_pos)
        self.editor.open(key, (i, j), value, at, f"{key}[{i}, {j}]")

    def _set_weight(self, key: str, index: tuple[int, ...], value: float) -> None:
        self.controller.set_weight(key, tuple(index), value)
        self.setFocus()

    # ------------------------------------------------------------------------------ drops
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if type_from_mime(event.mimeData()) is not None:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        type_name = type_from_mime(event.mimeData())
        if type_name is None:
            event.ignore()
            return
        event.setDropAction(Qt.DropAction.CopyAction)
        event.accept()
        self.add_layer_at(type_name, event.position())

    def add_layer_at(self, type_name: str, view_pos: QPointF | None = None) -> str | None:
        """Add a default layer of ``type_name`` at ``view_pos`` (viewport pixels; the centre if None)."""
        if view_pos is None:
            view_pos = QPointF(self.viewport().rect().center())
        scene_pos = self.mapToScene(QPointF(view_pos).toPoint())
        spec = default_spec(type_name, self.controller.dataset)
        new_id = self.controller.add_layer(spec, (round(scene_pos.x()), round(scene_pos.y())))
        if new_id is not None:
            self.controller.select(new_id)
            self.layer_dropped.emit(new_id)
            self.setFocus()
        return new_id

    def drawBackground(self, painter: QPainter, rect: QRectF) -> None:
        painter.fillRect(rect, BACKGROUND)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    trainer = make_default_trainer()
    trainer.run_epochs(150)
    view = CanvasView(SceneController(trainer))
    view.resize(1100, 700)
    view.show()
    view.fit_to_view()
    raise SystemExit(app.exec())
