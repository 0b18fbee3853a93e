"""The input plane of a 2-D dataset: TensorFlow Playground's [−6, 6]² and the grids views sample it on."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np

from engine import Model
from engine.data import Dataset, make_features

EXTENT = 6.0


def grid_points(n: int, extent: float = EXTENT) -> np.ndarray:
    """(n·n, 2) float64 cell centres over [−extent, extent]², row-major, top row (largest x2) first."""
    step = 2 * extent / n
    centres = -extent + step * (np.arange(n) + 0.5)
    x1, x2 = np.meshgrid(centres, centres[::-1])
    return np.column_stack([x1.ravel(), x2.ravel()])


def grid_features(dataset: Dataset, n: int) -> np.ndarray:
    """The model inputs at the grid points of a 2-D dataset (scaled as the dataset is): (n·n, n_inputs)."""
    x = make_features(grid_points(n), dataset.features)
    if dataset.x_mean is not None:
        x = (x - dataset.x_mean) / dataset.x_scale
    return x


GRID = 100  # TensorFlow Playground's density: the output view's pixels; neuron heatmaps are reductions of it


class PlaneActivations:
    """Every layer's output over the GRID × GRID plane, computed once per set of weights.

    The canvas's neuron heatmaps and the output view both show the model over the same grid, so they
    share one forward pass: whichever asks first in a frame computes it, the other gets the same arrays.
    The pass is redone when the model, the dataset or any weight changes. It runs in
    :mod:`simulator.plane_kernel` (float32, within about 1e-5 of the engine) when that supports the
    model and is loaded, otherwise in the engine.
    """

    def __init__(self, n: int = GRID) -> None:
        self.n = n
        self._model: Model | None = None
        self._flat: np.ndarray | None = None
        self._grid: tuple[Dataset, np.ndarray] | None = None
        self._values: dict[str, np.ndarray] = {}
        self.passes = 0  # forward passes made (for tests and the bench)
        self._frames = 0  # depth of ``one_frame`` blocks
        self._checked = False  # the cached pass was made or checked inside the current frame

    @contextlib.contextmanager
    def one_frame(self) -> Iterator[None]:
        """Within this block a model's pass is made or checked once and then reused, even when a worker
        thread moves the weights meanwhile: every view of one frame shows the same weights, and the
        canvas and the output view do not each pay for a pass."""
        if not self._frames:
            self._checked = False
        self._frames += 1
        try:
            yield
        finally:
            self._frames -= 1

    def clear(self) -> None:
        self._model, self._flat, self._values = None, None, {}

    def __call__(self, model: Model, dataset: Dataset) -> dict[str, np.ndarray]:
        """``{layer_id: (n, n, width)}`` for ``model`` on the plane of 2-D ``dataset``; read only."""
        if self._grid is None or self._grid[0] is not dataset:
            self._grid = (dataset, grid_features(dataset, self.n))
            self._model = None
        if model is self._model and self._flat is not None:
            if self._frames and self._checked:
                return self._values
            if np.array_equal(self._flat, model.flat):
                self._checked = True
                return self._values
        n = self.n
        flat = model.flat.copy()  # before the pass: a change made during it shows as a change next time
        from simulator import plane_kernel  # imports Numba: not before the window's first frame

        if plane_kernel.ready() and plane_kernel.supports(model):
            # (units, n·n) blocks, seen as (n, n, units) without a copy
            blocks = plane_kernel.activations(model, self._grid[1])
            values = {k: v.T.reshape(-1, n, n).transpose(1, 2, 0) for k, v in blocks.items()}
        else:  # another graph, float64, or the kernel still loading: the engine's own pass
            plane_kernel.load_in_background()
            values = {k: v.reshape(n, n, -1) for k, v in model.activations(self._grid[1]).items()}
        for v in values.values():
            v.flags.writeable = False
        self._model, self._flat, self._values = model, flat, values
        self._checked = True
        self.passes += 1
        return values


shared = PlaneActivations()  # the one the canvas and the output view read
