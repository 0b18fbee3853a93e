"""The input plane of a 2-D dataset: TensorFlow Playground's [−6, 6]² and the grids views sample it on."""

from __future__ import annotations

import numpy as np

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
