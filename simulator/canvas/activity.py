"""What the canvas shows of a model's activity: mean outputs over the current batch, and outputs over
the input plane of a 2-D dataset (for the neurons' heatmaps).

The batch means come from one ``model.activations`` call; the plane is the shared
:data:`simulator.plane.shared` pass, which the output view reads too. ``Activity.update`` skips the work
when neither the weights nor the batch changed since the last call.
"""

from __future__ import annotations

import numpy as np

from engine import Model, Trainer
from engine.data import Dataset
from engine.kernels import layout
from simulator import plane as input_plane
from simulator.warmup import engine_loading

GRID = input_plane.GRID  # the plane is sampled on GRID × GRID points; neuron thumbnails are reductions of it


def grid_features(dataset: Dataset, n: int = GRID) -> np.ndarray:
    """The model inputs at the canvas's grid points of a 2-D dataset."""
    return input_plane.grid_features(dataset, n)


def current_batch(trainer: Trainer) -> np.ndarray:
    """Row indices of the mini-batch the trainer takes next (the first one at the end of an epoch)."""
    perm = trainer.perm
    size = max(1, int(trainer.settings.batch_size))
    try:
        cursor = int(trainer.pos[layout.P_CURSOR])
    except (AttributeError, IndexError):  # an engine without a cursor: show the epoch's first batch
        cursor = 0
    if cursor >= len(perm):
        cursor = 0
    return perm[cursor : cursor + size]


class Activity:
    """Per-layer outputs, recomputed when the model, its weights, the data or the batch change.

    Attributes
    ----------
    means : {layer_id: (width,) float64}
        Each unit's output, averaged over the current batch.
    plane : {layer_id: (GRID, GRID, width) float32} or {}
        Each unit's output over the input plane (2-D data only).
    """

    def __init__(self) -> None:
        self.means: dict[str, np.ndarray] = {}
        self.plane: dict[str, np.ndarray] = {}
        self._key: tuple | None = None
        self._flat: np.ndarray | None = None

    def clear(self) -> None:
        self.means, self.plane, self._key, self._flat = {}, {}, None, None

    def update(self, model: Model | None, trainer: Trainer, want_plane: bool) -> bool:
        """Recompute if anything changed; return True when the values are new."""
        if model is None:
            changed = bool(self.means or self.plane)
            self.clear()
            return changed
        if engine_loading():  # the kernels are loading on another thread: draw once the window says ready
            return False
        data = trainer.data
        batch = current_batch(trainer)
        key = (model, data, trainer.step_count, len(batch), want_plane and data.is_2d)
        if key == self._key and self._flat is not None and np.array_equal(self._flat, model.flat):
            return False
        self._key = key
        self._flat = model.flat.copy()
        x = data.x_train[batch] if len(batch) else data.x_train[:1]
        self.means = {k: v.mean(axis=0, dtype=np.float64) for k, v in model.activations(x).items()}
        self.plane = input_plane.shared(model, data) if want_plane and data.is_2d else {}
        return True
