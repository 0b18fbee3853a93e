"""GraphScene: the canvas's QGraphicsScene, a mirror of a ``SceneController``.

The scene never changes the network itself. Drags, drops, buttons and keys become controller calls
(``connect_layers``, ``add_neuron``, ``move_layers`` …); the controller checks them with the engine and
answers with signals, on which the scene redraws:

- ``structure_changed`` → ``rebuild()`` (new items),
- ``positions_changed`` → ``sync_positions()`` (items move),
- ``trainer_changed`` and ``refresh()`` → values only (weights, heatmaps, neuron colours),
- ``edit_refused(layer, reason)`` → a balloon beside that layer.

Edits started from inside an item's own mouse handler run on the next turn of the event loop
(``run_later``), because they rebuild the items, that one included.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, QTimer, Signal
from PySide6.QtWidgets import QGraphicsScene, QGraphicsSceneMouseEvent

from engine import Dense, Input, PhaseEvent
from simulator import formulas
from simulator.canvas.activity import Activity
from simulator.canvas.balloon import BalloonItem, refusal_balloon
from simulator.canvas.colors import fmt
from simulator.canvas.connecting import ConnectionDrag
from simulator.canvas.heatmap_atlas import HeatmapAtlas, tile_for_scale
from simulator.canvas.image_layer_items import FeatureMapsItem  # noqa: F401 - registers the image items
from simulator.canvas.layer_base import layer_info, output_id
from simulator.canvas.layer_items import (
    NEURON_R,
    BlockLayerItem,
    LayerItem,
    NeuronLayerItem,
    make_layer_item,
)
from simulator.canvas.legend import LegendItem
from simulator.canvas.link_items import LinkItem
from simulator.canvas.phase_display import PhaseDisplay
from simulator.canvas.popup import NeuronPopupItem
from simulator.canvas.ports import IN, OUT, PortItem
from simulator.canvas.sample_maps import SampleMaps
from simulator.canvas.shape_labels import ShapeLabelsItem
from simulator.canvas.weights_item import WeightsItem
from simulator.controller import SceneController, auto_layout

SCENE_MARGIN = 4000.0  # room to pan around the network


class GraphScene(QGraphicsScene):
    """The items that draw ``controller``'s network.

    Signals
    -------
    weight_clicked(str, int, int, QPointF)
        ``(kernel key, i, j, scene position)``: a weight line was clicked (the view opens an editor).
    layer_double_clicked(str)
        A layer was double-clicked (e.g. to open it in an inspector).
    neuron_clicked(str, int)
        A neuron was clicked (its enlarged heatmap opens with 2-D data).
    rebuilt()
        The items were rebuilt after a structural change.
    """

    weight_clicked = Signal(str, int, int, QPointF)
    layer_double_clicked = Signal(str)
    neuron_clicked = Signal(str, int)
    rebuilt = Signal()

    def __init__(self, controller: SceneController, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.setItemIndexMethod(QGraphicsScene.ItemIndexMethod.NoIndex)  # few items, often moving
        self.activity = Activity()
        self.atlas = HeatmapAtlas()
        self.weights = WeightsItem()
        self.addItem(self.weights)
        self.legend = LegendItem()
        self.addItem(self.legend)
        self.phase = PhaseDisplay(self)
        self.sample_maps = SampleMaps()  # one sample's values, for the image layers' map stacks
        self.shape_labels = ShapeLabelsItem()  # the shape on every link
        self.addItem(self.shape_labels)
        self._items: dict[str, LayerItem] = {}
        self._links: list[LinkItem] = []
        self.balloons: list[BalloonItem] = []
        self.popup: NeuronPopupItem | None = None
        self._highlight: str | None = None
        self.connection = ConnectionDrag(self)
        self._syncing = False
        self._rebuilding = False
        self._press_positions: dict[str, QPointF] = {}
        self._refresh_pending = False
        self._data = None  # the dataset the items were built for (labels, heatmaps)
        # () -> (BatchTrace, Trainer) or None: where hover tooltips find the phase's numbers
        self.formula_source: Callable[[], tuple] | None = None
        self._connections = [
            (controller.structure_changed, self.rebuild),
            (controller.positions_changed, self.sync_positions),
            (controller.trainer_changed, self.refresh_soon),
            (controller.edit_refused, self.show_refusal),
            (controller.selection_changed, self._select_from_controller),
            (controller.sample_changed, self.refresh_soon),
        ]
        for signal, slot in self._connections:
            signal.connect(slot)
        self.selectionChanged.connect(self._selection_to_controller)
        self.rebuild()

    def disconnect_controller(self) -> None:
        """Stop following the controller (before the scene is dropped)."""
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (RuntimeError, TypeError):
                pass
        self._connections = []

    # ------------------------------------------------------------------------------ reading
    def layer_item(self, layer_id: str) -> LayerItem | None:
        return self._items.get(layer_id)

    def layer_items(self) -> dict[str, LayerItem]:
        return dict(self._items)

    def link_items(self) -> list[LinkItem]:
        return list(self._links)

    def link_item(self, source: str, target: str) -> LinkItem | None:
        return next((k for k in self._links if k.source == source and k.target == target), None)

    def network_rect(self) -> QRectF:
        """The scene rectangle the layers cover (for fit-to-view)."""
        rect = QRectF()
        for item in self._items.values():
            rect = rect.united(item.sceneBoundingRect())
        return rect

    # ------------------------------------------------------------------------------ structure
    def rebuild(self) -> None:
        """Recreate every layer, link and weight line from the controller (after structure_changed)."""
        ctrl = self.controller
        net, draft, data = ctrl.network, ctrl.draft, ctrl.dataset
        self._data = data
        self._rebuilding = True
        self.connection.cancel()
        for item in list(self._items.values()) + list(self._links):
            self.removeItem(item)
        self._items, self._links = {}, []
        output = output_id(draft, net.output)
        positions, fallback = ctrl.positions, None
        for node in net.nodes:
            item = make_layer_item(node, layer_info(node, draft, output, data.feature_names))
            if node.id in positions:
                pos = positions[node.id]
            else:
                fallback = fallback or auto_layout(net)
                pos = fallback.get(node.id, (0.0, 0.0))
            item.setPos(*pos)
            self.addItem(item)
            self._items[node.id] = item
        groups = []
        for node in net.nodes:
            if isinstance(node.layer, Dense) and len(node.inputs) == 1:
                src, dst = self._items.get(node.inputs[0]), self._items[node.id]
                if isinstance(src, NeuronLayerItem) and isinstance(dst, NeuronLayerItem):
                    groups.append((src.layer_id, dst.layer_id, src.n, dst.n))
        self.weights.set_groups(groups)
        for node in net.nodes:
            dst = self._items[node.id]
            for source in node.inputs:
                src = self._items.get(source)
                if src is None:
                    continue
                bundled = isinstance(src, BlockLayerItem) or isinstance(dst, BlockLayerItem)
                link = LinkItem(source, node.id, bundled)
                self.addItem(link)
                self._links.append(link)
        self.shape_labels.set_shapes(draft.shapes)
        self._update_geometry()
        if data.is_2d:
            self.atlas.set_layers(
                [(k, v.n) for k, v in self._items.items() if isinstance(v, NeuronLayerItem)]
            )
        else:
            self.atlas.set_layers([])
        self._rebuilding = False
        self._select_from_controller(ctrl.selected)
        self.set_highlight(self._highlight)
        if self.popup is not None:
            item = self._items.get(self.popup.layer_id)
            if not isinstance(item, NeuronLayerItem) or self.popup.unit >= item.n:
                self.close_popup()
        self.activity.clear()
        self.refresh()
        self._update_scene_rect()
        self.rebuilt.emit()

    def sync_positions(self) -> None:
        """Move items to the controller's positions (after positions_changed: undo, auto layout)."""
        positions = self.controller.positions
        self._rebuilding = True
        for layer_id, item in self._items.items():
            if layer_id in positions:
                x, y = positions[layer_id]
                if item.pos() != QPointF(x, y):
                    item.setPos(x, y)
        self._rebuilding = False
        self._update_geometry()
        self._update_scene_rect()

    def layer_moved(self, item: LayerItem) -> None:
        """An item moved (dragged or placed): its links and weight lines follow."""
        if not self._rebuilding:
            self._update_geometry(item.layer_id)

    def _update_geometry(self, layer_id: str | None = None) -> None:
        for link in self._links:
            if layer_id is None or layer_id in (link.source, link.target):
                src, dst = self._items[link.source], self._items[link.target]
                link.update_geometry(src.port_position(OUT), dst.port_position(IN))
        self.shape_labels.follow(self._items, self._links)
        if layer_id is not None and not any(layer_id in (g.source, g.target) for g in self.weights.groups):
            return
        starts, ends = [], []
        for g in self.weights.groups:
            src, dst = self._items[g.source], self._items[g.target]
            a = [_xy(src.neuron_anchor(i, OUT)) for i in range(g.n_in)]
            b = [_xy(dst.neuron_anchor(j, IN)) for j in range(g.n_out)]
            starts.append(np.repeat(np.array(a).reshape(-1, 2), g.n_out, axis=0))
            ends.append(np.tile(np.array(b).reshape(-1, 2), (g.n_in, 1)))
        if starts:
            self.weights.set_lines(np.concatenate(starts), np.concatenate(ends))
        else:
            self.weights.set_lines(np.zeros((0, 2)), np.zeros((0, 2)))

    def _update_scene_rect(self) -> None:
        rect = self.network_rect()
        if rect.isNull():
            rect = QRectF(-200, -200, 400, 400)
        m = SCENE_MARGIN
        self.setSceneRect(rect.adjusted(-m, -m, m, m))

    # ------------------------------------------------------------------------------ values
    def refresh_soon(self) -> None:
        """Refresh on the next turn of the event loop (several signals in a row make one refresh)."""
        if not self._refresh_pending:
            self._refresh_pending = True
            QTimer.singleShot(0, self, self.refresh)

    def refresh(self) -> None:
        """Update weights, heatmaps and neuron colours from the current trainer; no item is rebuilt."""
        self._refresh_pending = False
        ctrl = self.controller
        if ctrl.dataset is not self._data:  # new data without a new structure: labels and heatmaps change
            self.rebuild()
            return
        trainer = ctrl.trainer
        # The trainer's model, also while the drawing is unfinished: the part it has keeps its values.
        model = trainer.model
        plane_wanted = bool(ctrl.dataset.is_2d and self.atlas.layers)
        changed = self.activity.update(model, trainer, plane_wanted)
        changed = self.sample_maps.update(model, trainer, ctrl.sample) or changed
        if self.phase.active:  # a training phase is shown: it decides what neurons and lines show
            self.phase.apply()
            return
        if changed:
            self._apply_activity()
        self.show_weight_values(model.params if model is not None else None)

    def _apply_activity(self) -> None:
        """Give every layer item its values (and heatmaps) from ``self.activity``."""
        atlas = None
        if self.activity.plane and self.atlas.layers:
            inputs = {k for k, v in self._items.items() if isinstance(v.spec, Input)}
            self.atlas.update(self.activity.plane, inputs, self.tile_size())
            atlas = self.atlas
        for layer_id, item in self._items.items():
            item.set_not_computed(False)
            item.set_meaning()
            item.set_activity(self.activity.means.get(layer_id), atlas)
        if self.popup is not None:
            self._update_popup()

    def tile_size(self) -> int:
        """Pixels per neuron heatmap for the view's zoom (and the screen's pixel ratio)."""
        views = self.views()
        if not views:
            return tile_for_scale(1.0)
        view = views[0]
        return tile_for_scale(view.transform().m11() * view.devicePixelRatioF())

    def follow_zoom(self) -> None:
        """Redraw the heatmaps at the new zoom's size, when it differs (also while paused)."""
        if self.atlas.image is not None and self.tile_size() != self.atlas.tile and not self.phase.active:
            self._apply_activity()

    def show_weight_values(
        self,
        values: dict[str, np.ndarray] | None,
        quantity: str = "weight",
        scales: dict[str, float] | None = None,
    ) -> None:
        """Draw the weight lines from ``values`` {"layer.kernel": array}: the weights, or (while a phase is
        shown) ∂L/∂w or Δw scaled per kernel; the legend follows."""
        self.legend.set_quantity(quantity)
        if self.weights.set_values(values, quantity, scales):
            shown = self.weights.values[~np.isnan(self.weights.values)]
            if len(shown):
                self.legend.set_range(float(shown.min()), float(shown.max()))
            else:
                self.legend.set_range(None, None)
            weighted = self.weights.shown_groups()
            for link in self._links:
                link.set_under_weights((link.source, link.target) in weighted)

    def show_phase(self, event: PhaseEvent | None) -> None:
        """Show one phase of training (see ``phase_display``); None returns to the normal display."""
        self.set_highlight(event.layer if event is not None else None)
        was_active = self.phase.active
        self.phase.show(event)
        if event is None and was_active:
            self._apply_activity()
            model = self.controller.trainer.model
            self.show_weight_values(model.params if model is not None else None)

    # ------------------------------------------------------------------------------ edits
    def run_later(self, edit: Callable[[], object]) -> None:
        """Run ``edit`` after the current event (it may rebuild the item whose handler called it)."""
        QTimer.singleShot(0, self, edit)

    def quick_action(self, kind: str, layer_id: str) -> None:
        """A Dense layer's quick button: add_neuron, remove_neuron or insert_layer."""
        ctrl = self.controller

        def act() -> None:
            if kind == "add_neuron":
                ctrl.add_neuron(layer_id)
            elif kind == "remove_neuron":
                ctrl.remove_neuron(layer_id)
            elif kind == "insert_layer":
                spec = ctrl.network.node(layer_id).layer
                new = dataclasses.replace(spec) if isinstance(spec, Dense) else Dense(4, "tanh")
                ctrl.insert_layer_after(layer_id, new)

        self.run_later(act)

    def delete_selected(self) -> bool:
        """Delete the selected layers and links through the controller; True if anything was asked.

        Several deletions make one undo step.
        """
        layers = [i.layer_id for i in self.selectedItems() if isinstance(i, LayerItem)]
        links = [
            (i.source, i.target)
            for i in self.selectedItems()
            if isinstance(i, LinkItem) and i.source not in layers and i.target not in layers
        ]
        count = len(layers) + len(links)
        if count == 0:
            return False
        stack = self.controller.undo_stack
        if count > 1:
            stack.beginMacro(f"Delete {count} items")
        try:
            for source, target in links:
                self.controller.disconnect_layers(source, target)
            for layer_id in layers:
                if layer_id in {n.id for n in self.controller.network.nodes}:
                    self.controller.remove_layer(layer_id)
        finally:
            if count > 1:
                stack.endMacro()
        return True

    def commit_moves(self, moves: dict[str, tuple[float, float]]) -> None:
        """Tell the controller where layers were dragged (merged into one undo step while dragging)."""
        if moves:
            self.controller.move_layers(moves)
            self._update_scene_rect()

    def arrange(self) -> None:
        """The controller's automatic layout."""
        self.controller.auto_layout()

    # ------------------------------------------------------------------------------ formulas
    def _formula_inputs(self) -> tuple | None:
        if self.formula_source is None:
            return None
        try:
            found = self.formula_source()
        except Exception:  # noqa: BLE001 - a tooltip must never break the canvas
            return None
        if not found or found[0] is None or not len(found[0]):
            return None
        return found

    def weight_formula_text(self, key: str, index: tuple[int, ...]) -> str:
        """The formula of weight ``key[index]`` in the phase shown, with its numbers, or ""."""
        found = self._formula_inputs()
        if found is None:
            return ""
        trace, trainer = found
        try:
            formula = formulas.weight_formula(trace, trainer.model, trainer.settings, key, tuple(index))
        except Exception:  # noqa: BLE001 - e.g. the network changed since the phase was shown
            return ""
        return "" if formula is None else formula.text

    def neuron_formula_text(self, layer_id: str, unit: int) -> str:
        """The formula of neuron ``unit`` of ``layer_id`` in the phase shown, with its numbers, or ""."""
        found = self._formula_inputs()
        if found is None:
            return ""
        trace, trainer = found
        try:
            formula = formulas.neuron_formula(trace, trainer.model, trainer.settings, layer_id, int(unit))
        except Exception:  # noqa: BLE001 - e.g. a layer the phase does not know
            return ""
        return "" if formula is None else formula.text

    # ------------------------------------------------------------------------------ connecting
    def begin_connect(self, port: PortItem, pos: QPointF) -> None:
        """A link is dragged out of ``port`` (its ports call these three)."""
        self.connection.begin(port)

    def drag_connect(self, pos: QPointF) -> None:
        self.connection.move(pos)

    def end_connect(self, pos: QPointF) -> None:
        """The drag ends at ``pos``: ask the controller to connect (after this event), or do nothing."""
        link = self.connection.finish(pos)
        if link is not None:
            self.run_later(lambda: self.controller.connect_layers(*link))

    # ------------------------------------------------------------------------------ messages
    def show_refusal(self, layer_id: str, reason: str) -> BalloonItem:
        """Show the engine's ``reason`` in a balloon beside ``layer_id`` (or mid-view when unnamed)."""
        item = self._items.get(layer_id)
        views = self.views()
        view = views[0] if views else None
        balloon = refusal_balloon(layer_id, reason, item, view, self.network_rect().center())
        for old in [b for b in self.balloons if b.pos() == balloon.pos()]:
            old.dismiss()
        self.addItem(balloon)
        self.balloons.append(balloon)
        return balloon

    def balloon_closed(self, balloon: BalloonItem) -> None:
        if balloon in self.balloons:
            self.balloons.remove(balloon)

    # ------------------------------------------------------------------------------ neuron popup
    def show_neuron(self, layer_id: str, unit: int) -> NeuronPopupItem | None:
        """Open the enlarged heatmap of neuron ``unit`` of ``layer_id`` beside it (2-D data only)."""
        item = self._items.get(layer_id)
        if not isinstance(item, NeuronLayerItem) or unit >= item.n or not self.activity.plane:
            return None
        self.close_popup()
        self.popup = NeuronPopupItem(layer_id, unit)
        c = item.neuron_centre(unit)
        self.popup.setPos(item.mapToScene(QPointF(c.x() + NEURON_R + 10, c.y() - 40)))
        self.addItem(self.popup)
        self._update_popup()
        self.neuron_clicked.emit(layer_id, unit)
        return self.popup

    def close_popup(self) -> None:
        if self.popup is not None:
            self.removeItem(self.popup)
            self.popup = None

    def _update_popup(self) -> None:
        popup = self.popup
        image = self.atlas.neuron_image(self.activity.plane, popup.layer_id, popup.unit)
        means = self.activity.means.get(popup.layer_id)
        caption = None
        if means is not None and popup.unit < len(means):
            caption = f"x1 across, x2 up · batch mean {fmt(float(means[popup.unit]))}"
        popup.set_image(image, caption)

    # ------------------------------------------------------------------------------ highlight
    def set_highlight(self, layer_id: str | None) -> None:
        """Glow around ``layer_id`` (None: no glow)."""
        self._highlight = layer_id
        for k, item in self._items.items():
            item.set_highlight(k == layer_id)

    @property
    def highlighted(self) -> str | None:
        return self._highlight

    # ------------------------------------------------------------------------------ selection
    def _selection_to_controller(self) -> None:
        if self._syncing or self._rebuilding:
            return
        layers = [i for i in self.selectedItems() if isinstance(i, LayerItem)]
        self._syncing = True
        try:
            self.controller.select(layers[0].layer_id if len(layers) == 1 else "")
        finally:
            self._syncing = False

    def _select_from_controller(self, layer_id: str) -> None:
        if self._syncing:
            return
        self._syncing = True
        try:
            item = self._items.get(layer_id)
            if item is None or not item.isSelected():
                for other in self.selectedItems():
                    other.setSelected(False)
                if item is not None:
                    item.setSelected(True)
        finally:
            self._syncing = False

    # ------------------------------------------------------------------------------ mouse
    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if self.popup is not None and self.popup not in self.items(event.scenePos()):
            self.close_popup()
        super().mousePressEvent(event)
        self._press_positions = {k: v.pos() for k, v in self._items.items()}

    def mouseReleaseEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        super().mouseReleaseEvent(event)
        before, self._press_positions = self._press_positions, {}
        moves = {
            k: (item.pos().x(), item.pos().y())
            for k, item in self._items.items()
            if k in before and item.pos() != before[k]
        }
        self.commit_moves(moves)


def _xy(p: QPointF) -> tuple[float, float]:
    return (p.x(), p.y())
