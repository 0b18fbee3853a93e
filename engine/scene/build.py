"""From a Scene to a run and back: the data set, a Trainer with stored weights and progress restored,
and a Scene capturing a Trainer's weights, optimiser state and history.

A reloaded scene continues exactly: the weights, the optimiser's moments and step count, the epoch
and the position in its data order are restored, and dropout and shuffling are counter-based, so the
next steps match those of the run that was saved, bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from engine.data import Dataset
from engine.draft import check_draft
from engine.errors import ConfigError, GraphError
from engine.image_layers import Conv2D, MaxPool2D
from engine.layers import Dense, Dropout, shape_size
from engine.network import Network
from engine.normalization import BatchNorm
from engine.scene import limits
from engine.scene.datasets import DatasetSpec
from engine.scene.errors import SceneError, child
from engine.scene.model import OptimizerState, Scene, TrainedState, TrainingSpec
from engine.scene.validate import HISTORY_COLUMNS
from engine.timeline import Snapshot
from engine.trainer import History, Trainer


def make_dataset(scene: Scene) -> Dataset:
    """The data set of ``scene``; a CSV path is read relative to ``scene.base_dir``."""
    return scene.dataset.make(scene.base_dir)


def make_trainer(scene: Scene, dataset: Dataset | None = None, **options: Any) -> Trainer:
    """A Trainer for ``scene`` with its weights and progress restored; ``options`` go to ``Trainer``.

    Raises
    ------
    SceneError
        When the data set cannot be made or does not fit the network (the path names the layer).
    """
    data = make_dataset(scene) if dataset is None else dataset
    t = scene.training
    _check_memory(scene, data)
    try:
        model = trainable_network(scene).build(seed=t.init_seed, dtype=t.dtype)
    except (ConfigError, GraphError) as exc:
        raise SceneError(f"the network cannot be built: {exc}", "$.network") from None
    if not np.all(np.isfinite(model.flat)):
        raise SceneError("the first weights are not finite numbers: check the initialisers", "$.network")
    state = scene.state
    if state is not None:
        model.set_weights({k: np.asarray(v, model.dtype) for k, v in state.weights.items()})
    try:
        trainer = Trainer(
            model,
            data,
            loss=t.loss,
            optimizer=t.optimizer,
            batch_size=t.batch_size,
            regularization=t.regularization,
            seed=t.seed,
            shuffle=t.shuffle,
            **options,
        )
    except ConfigError as exc:
        raise SceneError(str(exc), _config_path(scene, str(exc))) from None
    if state is not None and _has_progress(state):
        _restore_progress(trainer, state)
    return trainer


def trainable_network(scene: Scene) -> Network:
    """The part of the scene's network that trains: from the Input to the output, unfinished layers left out.

    A network without unconnected layers is returned as it is. Raises ``SceneError`` (saying what to
    connect) when nothing can be trained yet, or when the graph can never work.
    """
    try:
        draft = check_draft(scene.network)
    except GraphError as exc:
        path = _node_path(scene, exc.layer) if exc.layer else "$.network"
        raise SceneError(f"the network cannot be built: {exc}", path) from None
    if draft.trainable is None:
        raise SceneError(f"nothing can be trained yet: {draft.why_not}", "$.network")
    if not draft.unfinished:
        return scene.network
    return draft.trainable


def _check_memory(scene: Scene, data: Dataset) -> None:
    """Refuse a run whose work buffers would not fit (a huge batch times wide layers)."""
    t = scene.training
    resolved = trainable_network(scene).resolve()
    widths = [shape_size(resolved.shapes[n.id]) for n in resolved.order]
    dense = sum(
        w
        for n, w in zip(resolved.order, widths, strict=True)
        if isinstance(n.layer, (Dense, Dropout, Conv2D, MaxPool2D, BatchNorm))  # a second value per output
    )
    rows = max(t.batch_size, min(1024, max(data.n_train, data.n_test)))
    itemsize = 8 if t.dtype == "float64" else 4
    need = rows * (2 * sum(widths) + 2 * dense + max(widths)) * itemsize
    if need > limits.MAX_WORK_BYTES:
        where = "$.training.batch_size" if t.batch_size > 1024 else "$.network"
        raise SceneError(
            f"training would need {need / 2**30:.1f} GB of work memory (batch {t.batch_size} × "
            f"{sum(widths):,} values per sample); at most {limits.MAX_WORK_BYTES / 2**30:.0f} GB",
            where,
        )


def _node_path(scene: Scene, node_id: str) -> str:
    ids = [n.id for n in scene.network.nodes]
    return child("$.network.nodes", ids.index(node_id)) if node_id in ids else "$.network"


def _config_path(scene: Scene, message: str) -> str:
    """Where a Trainer's complaint about data and network fitting together points in the file."""
    resolved = trainable_network(scene).resolve()
    if "Input" in message:
        return _node_path(scene, resolved.input.id)
    if "output layer" in message or "output unit" in message:
        return _node_path(scene, resolved.output)
    if "loss" in message or "cross-entropy" in message:
        return "$.training.loss"
    return "$.dataset"


def _has_progress(state: TrainedState) -> bool:
    extras = (state.optimizer, state.history, state.step_losses)
    return bool(state.step or state.epoch or state.cursor) or any(x is not None for x in extras)


def _restore_progress(trainer: Trainer, state: TrainedState) -> None:
    """Put the trainer at the saved step: moments, counters, data order, history; the timeline starts here."""
    if state.cursor >= max(trainer.data.n_train, 1):
        raise SceneError(
            f"is {state.cursor}, but the training set has only {trainer.data.n_train} samples",
            "$.state.cursor",
        )
    model = trainer.model
    m1 = np.zeros_like(model.flat)
    m2 = np.zeros_like(model.flat)
    opt_t = 0
    if state.optimizer is not None:
        opt_t = state.optimizer.t
        for slot in model.program.slots:
            m1[slot.offset : slot.offset + slot.size] = np.ravel(state.optimizer.m1[slot.key])
            m2[slot.offset : slot.offset + slot.size] = np.ravel(state.optimizer.m2[slot.key])
    snap = Snapshot(state.step, state.epoch, state.cursor, opt_t, model.flat.copy(), m1, m2, 0, 0)
    history = None
    if state.history:
        h = state.history
        history = History(
            *(np.asarray(h[k]) for k in ("epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc"))
        )
    trainer.load_progress(snap, history, state.step_losses)


def scene_from_trainer(
    trainer: Trainer,
    scene: Scene,
    *,
    dataset: DatasetSpec | None = None,
    network: Network | None = None,
    weights: bool = True,
    optimizer: bool = True,
    history: bool = True,
) -> Scene:
    """``scene`` with the trainer's network, settings and (by default) weights, moments and history.

    Parameters
    ----------
    dataset : DatasetSpec, optional
        A new data spec, e.g. ``InlineData.from_dataset(trainer.data)`` after points were edited.
    network : Network, optional
        The network as drawn, layers not connected yet included, whose trainable part
        (``engine.draft.check_draft(network).trainable``) is the trainer's network. By default the
        scene's own network when the trainer trains its trainable part, else the trainer's network.
    weights, optimizer, history : bool
        What to store: the weights with the step counters; the optimiser's moments; the per-epoch
        history and every mini-batch loss. Without ``weights`` nothing trained is stored.
    """
    s = trainer.settings
    model = trainer.model
    training = TrainingSpec(
        loss=s.loss,
        optimizer=s.optimizer,
        batch_size=s.batch_size,
        regularization=s.regularization,
        seed=trainer.seed,
        init_seed=int(model.seed),
        shuffle=trainer.shuffle,
        dtype=model.dtype.name,
    )
    state = None
    if weights:
        snap = trainer.snapshot()
        slots = model.program.slots
        opt_state = None
        if optimizer and snap.m1.size:  # a snapshot of plain SGD has no moments to keep
            opt_state = OptimizerState(
                snap.opt_t,
                {sl.key: snap.m1[sl.offset : sl.offset + sl.size].reshape(sl.shape).copy() for sl in slots},
                {sl.key: snap.m2[sl.offset : sl.offset + sl.size].reshape(sl.shape).copy() for sl in slots},
            )
        hist = losses = None
        if history:
            h = trainer.history
            hist = {
                key: np.asarray(getattr(h, key), np.int64 if key in ("epoch", "step") else np.float64)
                for key in HISTORY_COLUMNS
            }
            losses = np.asarray(trainer.step_losses, np.float64)
        state = TrainedState(model.get_weights(), snap.step, snap.epoch, snap.cursor, opt_state, hist, losses)
    drawn = _drawn_network(model.network, scene.network if network is None else network, network is not None)
    ids = {n.id for n in drawn.nodes}
    return scene.replace(
        network=drawn,
        training=training,
        dataset=scene.dataset if dataset is None else dataset,
        layout={k: v for k, v in scene.layout.items() if k in ids},
        state=state,
    )


def _drawn_network(trained: Network, drawn: Network, given: bool) -> Network:
    """The network to store: ``drawn`` when its trainable part is ``trained``.

    A ``drawn`` network that was not ``given`` is kept only for its unconnected layers; otherwise (as
    before such layers could be stored) the trainer's network is stored. A ``given`` one that does not
    fit the trainer is refused.
    """
    if drawn is trained:
        return drawn
    try:
        check = check_draft(drawn)
    except GraphError:
        check = None
    fits = check is not None and check.trainable is not None and check.trainable.nodes == trained.nodes
    if given:
        if not fits:
            raise SceneError(
                "the trainer's network is not the connected part of the network given", "$.network"
            )
        if drawn.output is None and trained.output is not None:
            return drawn.with_output(trained.output)  # the output the trainer trains, named as before
        return drawn
    return drawn if fits and check.unfinished else trained
