"""The scene being edited: the network as drawn, its layout, the dataset and the trainer, with undo.

Every edit of the network, its layout, its weights or its data is a change from one ``SceneState``
to the next, pushed on a ``QUndoStack``. An edit is first checked with the engine
(``engine.draft.check_draft``); one the engine refuses is not applied, and ``edit_refused`` carries
the engine's reason and the layer it concerns, so the canvas can show it at the place. Views never
change engine objects themselves: they call these methods and redraw on the signals.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from engine import (
    ConfigError,
    Dense,
    GraphError,
    Input,
    LayerSpec,
    Model,
    Network,
    NnsimError,
    Trainer,
    editing,
)
from engine.data import Dataset
from engine.draft import DraftCheck, check_draft
from engine.trainer import check_fit

Point = tuple[float, float]
UNDO_LIMIT = 200


@dataclass(frozen=True)
class SceneState:
    """One undoable state: the drawn network, where each layer sits, the trained model and the data.

    ``model`` is the model of the trainable part (None while nothing is trainable). It is a private
    copy: undo puts back the weights exactly as they were.
    """

    network: Network
    positions: dict[str, Point] = field(default_factory=dict)
    model: Model | None = None
    dataset: Dataset | None = None


class _StateCommand(QUndoCommand):
    def __init__(
        self,
        controller: SceneController,
        before: SceneState,
        after: SceneState,
        text: str,
        merge_id: int = -1,
        merge_key: str = "",
    ) -> None:
        super().__init__(text)
        self.controller = controller
        self.before = before
        self.after = after
        self._merge_id = merge_id
        self.merge_key = merge_key
        self._first = True

    def id(self) -> int:  # noqa: A003 - Qt's name
        return self._merge_id

    def mergeWith(self, other: QUndoCommand) -> bool:  # noqa: N802 - Qt's name
        if not isinstance(other, _StateCommand) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True

    def redo(self) -> None:
        if self._first:  # the state was already applied when the edit was accepted
            self._first = False
            return
        self.controller._restore(self.after)

    def undo(self) -> None:
        self.controller._restore(self.before)


class _LayoutCommand(_StateCommand):
    """Moves layers only: undo and redo never touch the weights, so training is not lost."""

    def redo(self) -> None:
        if self._first:
            self._first = False
            return
        self.controller._restore_positions(self.after.positions)

    def undo(self) -> None:
        self.controller._restore_positions(self.before.positions)


class SceneController(QObject):
    """Owns the scene: edit it through these methods; observe it through the signals.

    Signals
    -------
    structure_changed()
        Layers, links or the output changed: rebuild the canvas.
    positions_changed()
        Only the layout moved.
    trainer_changed()
        The model, dataset or trainer was replaced (after an edit, undo, redo or new data).
    edit_refused(str, str)
        ``(layer_id or "", reason)``: the engine refused an edit; nothing changed.
    selection_changed(str)
        The selected layer id, or "".
    sample_changed(int)
        The training sample whose feature maps the image views show (``sample``) changed.
    """

    structure_changed = Signal()
    positions_changed = Signal()
    trainer_changed = Signal()
    edit_refused = Signal(str, str)
    selection_changed = Signal(str)
    sample_changed = Signal(int)

    def __init__(
        self,
        trainer: Trainer,
        positions: dict[str, Point] | None = None,
        parent: QObject | None = None,
        network: Network | None = None,
    ) -> None:
        """``network`` is the drawn graph (unconnected layers included) whose trainable part the
        trainer's model is; by default the trainer's own network."""
        super().__init__(parent)
        self.trainer = trainer
        self.undo_stack = QUndoStack(self)
        self.undo_stack.setUndoLimit(UNDO_LIMIT)
        network = trainer.model.network if network is None else network
        self._state = SceneState(
            network, dict(positions or auto_layout(network)), trainer.model, trainer.data
        )
        self._check = check_draft(network)
        self._selected = ""
        self._sample = 0  # the training sample the image views show
        self.locked_layers: set[str] = set()  # a teacher's locks: edits of these layers are refused
        self.locked_params: set[str] = set()  # "layer.field" (e.g. "dense_1.units") or "training.<name>"
        self.teacher_mode = False  # locks do not apply while the teacher edits them

    # ------------------------------------------------------------------------------- reading
    @property
    def network(self) -> Network:
        """The network as drawn, unconnected layers included."""
        return self._state.network

    @property
    def positions(self) -> dict[str, Point]:
        return dict(self._state.positions)

    @property
    def draft(self) -> DraftCheck:
        """Shapes, unfinished layers and the trainable part of the drawn network."""
        return self._check

    @property
    def trainable(self) -> bool:
        return self._check.trainable is not None and self._state.model is not None

    @property
    def dataset(self) -> Dataset:
        return self.trainer.data

    @property
    def selected(self) -> str:
        return self._selected

    def select(self, layer_id: str) -> None:
        if layer_id != self._selected:
            self._selected = layer_id
            self.selection_changed.emit(layer_id)

    @property
    def sample(self) -> int:
        """The training sample whose maps the canvas and the layer detail show (image data)."""
        return min(self._sample, max(0, self.trainer.data.n_train - 1))

    def select_sample(self, index: int) -> None:
        index = max(0, min(int(index), max(0, self.trainer.data.n_train - 1)))
        if index != self._sample:
            self._sample = index
            self.sample_changed.emit(index)

    # ------------------------------------------------------------------------------- locks
    def is_locked(self, layer_id: str, param: str | None = None) -> bool:
        """Whether a student may not edit ``layer_id`` (or its ``param``); never in teacher mode."""
        if self.teacher_mode:
            return False
        return layer_id in self.locked_layers or (
            param is not None and f"{layer_id}.{param}" in self.locked_params
        )

    def _refuse_locked(self, layer_id: str, param: str | None = None) -> bool:
        if self.is_locked(layer_id, param):
            what = (
                f"'{param}' of this layer is"
                if param and layer_id not in self.locked_layers
                else "this layer is"
            )
            self.edit_refused.emit(layer_id, f"{what} locked by the teacher")
            return True
        return False

    # ------------------------------------------------------------------------------- edits
    def add_layer(
        self, layer: LayerSpec, position: Point, inputs: tuple[str, ...] = (), id: str | None = None
    ) -> str | None:
        """Place a new layer (unconnected unless ``inputs``); returns its id, or None if refused."""
        net = self.network
        try:
            new_id = id or net.fresh_id(layer)
            edited = net.add(layer, id=new_id, inputs=inputs)
        except NnsimError as exc:
            self._refuse(exc)
            return None
        positions = {**self._state.positions, new_id: position}
        return (
            new_id if self._edit(edited, f"Add {layer.type_name} '{new_id}'", positions=positions) else None
        )

    def remove_layer(self, layer_id: str) -> bool:
        """Delete a layer and its links (the Input layer cannot be deleted)."""
        node = self.network.node(layer_id)
        if self._refuse_locked(layer_id):
            return False
        if isinstance(node.layer, Input):
            self.edit_refused.emit(layer_id, "the Input layer is where the data enters; it cannot be deleted")
            return False
        positions = {k: v for k, v in self._state.positions.items() if k != layer_id}
        ok = self._edit(self.network.remove(layer_id), f"Delete '{layer_id}'", positions=positions)
        if ok and self._selected == layer_id:
            self.select("")
        return ok

    def connect_layers(self, source: str, target: str) -> bool:
        """Feed ``source``'s output into ``target`` (as its last input)."""
        node = self.network.node(target)
        if self._refuse_locked(target):
            return False
        if source in node.inputs:
            self.edit_refused.emit(target, f"'{source}' already feeds '{target}'")
            return False
        low, high = node.layer.arity
        inputs = node.inputs + (source,)
        if high == 1 and node.inputs:  # a one-input layer takes the new link instead of the old one
            inputs = (source,)
        return self._edit(self.network.set_inputs(target, inputs), f"Connect '{source}' → '{target}'")

    def disconnect_layers(self, source: str, target: str) -> bool:
        node = self.network.node(target)
        if self._refuse_locked(target):
            return False
        inputs = tuple(i for i in node.inputs if i != source)
        return self._edit(self.network.set_inputs(target, inputs), f"Disconnect '{source}' → '{target}'")

    def set_layer(self, layer_id: str, layer: LayerSpec) -> bool:
        """Replace a layer's parameters (the inspector's edits); weights kept where shapes allow."""
        old = self.network.node(layer_id).layer
        if old == layer:
            return True
        changed = [
            f.name for f in dataclasses.fields(old) if getattr(old, f.name) != getattr(layer, f.name, None)
        ]
        if self._refuse_locked(layer_id) or any(self._refuse_locked(layer_id, name) for name in changed):
            return False
        maps = None
        if isinstance(old, Dense) and isinstance(layer, Dense) and layer.units != old.units:
            maps = {layer_id: [i if i < old.units else -1 for i in range(layer.units)]}
        text = f"Change '{layer_id}'"
        return self._edit(
            self.network.replace_layer(layer_id, layer), text, feature_maps=maps, merge_key=f"set:{layer_id}"
        )

    def set_output(self, layer_id: str | None) -> bool:
        return self._edit(self.network.with_output(layer_id), f"Make '{layer_id}' the output")

    def add_neuron(self, layer_id: str) -> bool:
        layer = self.network.node(layer_id).layer
        if self._refuse_locked(layer_id, "units"):
            return False
        if not isinstance(layer, Dense):
            self.edit_refused.emit(layer_id, "only Dense layers have neurons to add")
            return False
        return self._edit(
            self.network.replace_layer(layer_id, dataclasses.replace(layer, units=layer.units + 1)),
            f"Add a neuron to '{layer_id}'",
        )

    def remove_neuron(self, layer_id: str, index: int | None = None) -> bool:
        layer = self.network.node(layer_id).layer
        if self._refuse_locked(layer_id, "units"):
            return False
        if not isinstance(layer, Dense):
            self.edit_refused.emit(layer_id, "only Dense layers have neurons to remove")
            return False
        if layer.units == 1:
            self.edit_refused.emit(layer_id, "a layer needs at least one neuron")
            return False
        index = layer.units - 1 if index is None else int(index)
        keep = [i for i in range(layer.units) if i != index]
        net = self.network.replace_layer(layer_id, dataclasses.replace(layer, units=layer.units - 1))
        return self._edit(net, f"Remove neuron {index + 1} of '{layer_id}'", feature_maps={layer_id: keep})

    def insert_layer_after(self, layer_id: str, layer: LayerSpec) -> str | None:
        """Insert a layer between ``layer_id`` and what it feeds (the quick "+ layer")."""
        new_id = self.network.fresh_id(layer)
        try:
            net = self.network.insert_after(layer_id, layer, id=new_id)
        except NnsimError as exc:
            self._refuse(exc)
            return None
        if self.network.output == layer_id:
            net = net.with_output(new_id)
        x, y = self._state.positions.get(layer_id, (0.0, 0.0))
        positions = {**self._state.positions, new_id: (x + 60.0, y + 40.0)}
        ok = self._edit(net, f"Insert '{new_id}' after '{layer_id}'", positions=positions)
        return new_id if ok else None

    def move_layers(self, moves: dict[str, Point]) -> bool:
        """Move layers on the canvas (merged into one undo step while dragging).

        A move that includes a locked layer is refused as a whole (the others stay where they are).
        """
        locked = next((layer_id for layer_id in sorted(moves) if self.is_locked(layer_id)), None)
        if locked is not None:
            self._refuse_locked(locked)
            if any(self._state.positions.get(k) != v for k, v in moves.items()):
                self.positions_changed.emit()  # the canvas puts dragged items back
            return False
        self._push_layout({**self._state.positions, **moves}, "Move", "move:" + ",".join(sorted(moves)))
        return True

    def set_weight(self, key: str, index: tuple[int, ...], value: float) -> bool:
        """Type a new value for one weight (as the Playground allows)."""
        model = self._state.model
        if self._refuse_locked(key.split(".")[0], "weights"):
            return False
        if model is None or key not in model.params:
            self.edit_refused.emit(key.split(".")[0], f"there is no weight '{key}' to set")
            return False
        if not np.isfinite(value):
            self.edit_refused.emit(key.split(".")[0], "a weight must be a finite number")
            return False
        new_model = self.trainer.model.copy()
        new_model.params[key][index] = value
        after = dataclasses.replace(self._state, model=new_model)
        return self._push(after, f"Set {key}{list(index)} = {value:g}")

    def set_dataset(self, dataset: Dataset, text: str = "Change the data") -> bool:
        """Train on ``dataset``; a different number of features resizes the Input layer."""
        return self.set_dataset_and_layers(dataset, {}, text)

    def set_dataset_and_layers(self, dataset: Dataset, layers: dict[str, LayerSpec], text: str) -> bool:
        """Change the data and some layers in one undoable edit (e.g. 3 classes need 3 output units)."""
        net = self.network
        for layer_id, spec in layers.items():
            net = net.replace_layer(layer_id, spec)
        maps = None
        input_id = next((n.id for n in net.nodes if isinstance(n.layer, Input)), None)
        new_input = _input_for(net, input_id, dataset) if input_id is not None else None
        if input_id is not None and net.node(input_id).layer != new_input:
            old_names = list(self.trainer.data.feature_names)
            maps = {input_id: [old_names.index(f) if f in old_names else -1 for f in dataset.feature_names]}
            net = net.replace_layer(input_id, new_input)
        return self._edit(net, text, feature_maps=maps, dataset=dataset)

    def auto_layout(self) -> None:
        """Arrange the layers in columns; locked layers stay where they are (outside teacher mode)."""
        positions = auto_layout(self.network)
        for layer_id, where in self._state.positions.items():
            if self.is_locked(layer_id):
                positions[layer_id] = where
        self._push_layout(positions, "Arrange layers", "")

    # ------------------------------------------------------------------------------- internals
    def _refuse(self, exc: Exception) -> None:
        layer = getattr(exc, "layer", None) or ""
        reason = getattr(exc, "reason", None) or str(exc)
        self.edit_refused.emit(layer, reason)

    def _edit(
        self,
        network: Network,
        text: str,
        positions: dict[str, Point] | None = None,
        feature_maps: dict[str, list[int]] | None = None,
        dataset: Dataset | None = None,
        merge_key: str = "",
    ) -> bool:
        """Check ``network`` with the engine, rebuild the model keeping weights, and push the change."""
        try:
            check = check_draft(network)
        except GraphError as exc:
            self._refuse(exc)
            return False
        dataset = dataset or self.trainer.data
        model = None
        if check.trainable is not None:
            try:
                base = self._state.model or self.trainer.model
                model = editing.rebuild(base, check.trainable, feature_maps=_known_maps(feature_maps, check))
                check_fit(model, dataset, self.trainer.settings.loss)  # Input and output fit the data?
            except (GraphError, ConfigError) as exc:
                self._refuse(exc)
                return False
        after = SceneState(
            network, positions if positions is not None else dict(self._state.positions), model, dataset
        )
        return self._push(after, text, merge_key=merge_key)

    def _push_layout(self, positions: dict[str, Point], text: str, merge_key: str) -> None:
        before = self._state
        after = dataclasses.replace(before, positions=positions)
        self._restore_positions(positions)
        self.undo_stack.push(_LayoutCommand(self, before, after, text, 2 if merge_key else -1, merge_key))

    def _restore_positions(self, positions: dict[str, Point]) -> None:
        if positions != self._state.positions:
            self._state = dataclasses.replace(self._state, positions=dict(positions))
            self.positions_changed.emit()

    def _push(self, after: SceneState, text: str, merge_key: str = "") -> bool:
        before = dataclasses.replace(
            self._state, model=self.trainer.model.copy() if self._state.model else None
        )
        self._restore(after)
        merge_id = 1 if merge_key else -1
        self.undo_stack.push(_StateCommand(self, before, after, text, merge_id, merge_key))
        return True

    def _restore(self, state: SceneState) -> None:
        """Make ``state`` current: canvas, model, data and trainer (undo and redo come here too)."""
        structure = state.network is not self._state.network
        moved = state.positions != self._state.positions
        self._state = state
        self._check = check_draft(state.network)
        if structure:
            self.structure_changed.emit()
        if moved:
            self.positions_changed.emit()
        if state.model is not None:
            model = state.model.copy()  # the stored state stays as it was, for a later undo
            if state.dataset is self.trainer.data:
                self.trainer.set_model(model)
            else:
                settings = self.trainer.settings
                self.trainer = Trainer(
                    model,
                    state.dataset,
                    loss=settings.loss,
                    optimizer=settings.optimizer,
                    batch_size=settings.batch_size,
                    regularization=settings.regularization,
                    seed=self.trainer.seed,
                )
            self.trainer_changed.emit()


def _known_maps(maps: dict[str, list[int]] | None, check: DraftCheck) -> dict[str, list[int]] | None:
    if not maps or check.trainable is None:
        return None
    ids = {n.id for n in check.trainable.nodes}
    return {k: v for k, v in maps.items() if k in ids} or None


def auto_layout(network: Network, dx: float = 170.0, dy: float = 120.0) -> dict[str, Point]:
    """Columns by depth from the Input, rows in order within a column: a readable left-to-right layout."""
    depth: dict[str, int] = {}
    for node in network.nodes:  # nodes are added after their inputs, except after rewiring
        depth[node.id] = 0
    changed = True
    guard = 0
    while changed and guard < len(network.nodes) + 1:
        changed = False
        guard += 1
        for node in network.nodes:
            d = max((depth.get(i, 0) + 1 for i in node.inputs), default=0)
            if d != depth[node.id]:
                depth[node.id] = d
                changed = True
    columns: dict[int, list[str]] = {}
    for node in network.nodes:
        columns.setdefault(depth[node.id], []).append(node.id)
    positions: dict[str, Point] = {}
    for d, ids in columns.items():
        for row, node_id in enumerate(ids):
            positions[node_id] = (d * dx, (row - (len(ids) - 1) / 2) * dy)
    return positions


def _input_for(net: Network, input_id: str, dataset: Dataset) -> Input:
    """The Input layer for ``dataset``: image-shaped where the layers it feeds take images (a Conv2D),
    flat where they need a vector (a Dense network keeps working on pictures, one value per pixel)."""
    flat = Input(dataset.n_inputs)
    if not dataset.is_image:
        return flat
    image = Input(shape=dataset.image_shape)
    try:
        check_draft(net.replace_layer(input_id, image))
    except GraphError:
        return flat
    return image
