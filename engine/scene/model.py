"""The ``Scene``: everything a teacher hands out, as plain values around an ``engine.Network``.

A scene is the network and its layout, the data set, the training settings, the view state, a
lesson, locks, sticky notes and arrows, and optionally the trained weights with their history.
``engine.scene.io`` reads and writes it; ``make_dataset`` / ``make_trainer`` turn it into a run.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.losses import Regularization
from engine.network import Network
from engine.optimizers import SGD, Optimizer
from engine.scene.datasets import DatasetSpec, PlaygroundData

Point = tuple[float, float]


@dataclass(frozen=True)
class TrainingSpec:
    """How the scene trains. ``seed`` drives data order and dropout; ``init_seed`` the first weights."""

    loss: str = "mse"
    optimizer: Optimizer = field(default_factory=SGD)
    batch_size: int = 10
    regularization: Regularization = field(default_factory=Regularization)
    seed: int = 0
    init_seed: int = 0
    shuffle: bool = True
    dtype: str = "float32"


@dataclass(frozen=True)
class LessonStep:
    """One numbered step: Markdown text and an optional action the student triggers with a button.

    ``action`` is a dict such as ``{"type": "run_steps", "steps": 50}`` or
    ``{"type": "select_layer", "layer": "h1"}``; ``engine.scene.vocabulary.ACTIONS`` lists them.
    """

    text: str
    action: dict[str, Any] | None = None


@dataclass(frozen=True)
class Lesson:
    """An introduction in Markdown and numbered steps."""

    text: str = ""
    steps: tuple[LessonStep, ...] = ()


@dataclass(frozen=True)
class Locks:
    """What a student may not change: layers (by id), settings (``"h1.units"``), and whole controls."""

    layers: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Note:
    """A sticky note on the canvas, in canvas coordinates."""

    text: str
    position: Point
    size: Point = (200.0, 100.0)
    color: str = "#fff3a0"


@dataclass(frozen=True)
class Arrow:
    """An arrow drawn on the canvas from ``start`` to ``end`` (``from`` and ``to`` in the file)."""

    start: Point
    end: Point
    color: str = "#d0402b"


@dataclass(frozen=True, eq=False)
class OptimizerState:
    """The optimiser's step count and moment buffers, keyed like the weights (``"h1.kernel"``)."""

    t: int
    m1: dict[str, np.ndarray]
    m2: dict[str, np.ndarray]


@dataclass(frozen=True, eq=False)
class TrainedState:
    """Weights and training progress, so a reopened scene predicts and continues exactly as before.

    Attributes
    ----------
    weights : dict of str to ndarray
        ``{"h1.kernel": (n_in, n_out), "h1.bias": (n_out,), ...}``, float32 or float64.
    step, epoch, cursor : int
        Mini-batches done, epochs ended, and the position in the current epoch's order.
    optimizer : OptimizerState, optional
    history : dict of str to ndarray, optional
        Per-epoch columns ``epoch, step`` (int64) and ``train_loss, train_acc, test_loss, test_acc``
        (float64; accuracy is NaN for regression).
    step_losses : (n,) float64, optional
        The loss of every mini-batch.
    """

    weights: dict[str, np.ndarray]
    step: int = 0
    epoch: int = 0
    cursor: int = 0
    optimizer: OptimizerState | None = None
    history: dict[str, np.ndarray] | None = None
    step_losses: np.ndarray | None = None


@dataclass(frozen=True, eq=False)
class Scene:
    """A whole scene. Two scenes are equal when they save to the same document.

    Attributes
    ----------
    layout : dict of str to (x, y)
        Canvas position of each layer by id; layers without one are placed by the window.
    view : dict
        Open panels and other view settings: plain JSON values (see ``docs/scene-format.md``).
    base_dir : Path, optional
        Folder a CSV data path is relative to: the scene file's folder. Not saved.
    """

    title: str
    network: Network
    dataset: DatasetSpec = field(default_factory=PlaygroundData)
    training: TrainingSpec = field(default_factory=TrainingSpec)
    layout: dict[str, Point] = field(default_factory=dict)
    description: str = ""
    view: dict[str, Any] = field(default_factory=dict)
    lesson: Lesson = field(default_factory=Lesson)
    locks: Locks = field(default_factory=Locks)
    notes: tuple[Note, ...] = ()
    arrows: tuple[Arrow, ...] = ()
    state: TrainedState | None = None
    base_dir: Path | None = None

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Scene):
            return NotImplemented
        from engine.scene.document import to_document

        return to_document(self) == to_document(other)

    __hash__ = None  # type: ignore[assignment]

    def replace(self, **changes: Any) -> Scene:
        """A copy with some fields changed (``scene.replace(title="…")``)."""
        return dataclasses.replace(self, **changes)

    def make_dataset(self):
        """The ``engine.data.Dataset`` this scene trains on (a CSV path is read relative to ``base_dir``)."""
        from engine.scene.build import make_dataset

        return make_dataset(self)

    def make_trainer(self, dataset=None, **trainer_options: Any):
        """A ``Trainer`` set up as the scene says, with stored weights and progress restored."""
        from engine.scene.build import make_trainer

        return make_trainer(self, dataset, **trainer_options)
