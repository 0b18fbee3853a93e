"""The neuron heatmap tiles against a plain, pixel-by-pixel construction of the same discs."""

from __future__ import annotations

import numpy as np
import pytest

from simulator.canvas.heatmap_atlas import (
    BLANK,
    HeatmapAtlas,
    _shading_tables,
    pitch_for,
    reduce_plane,
)
from simulator.colours import LUT, lut_index

pytestmark = pytest.mark.gui  # QImage


def plain_tiles(values: np.ndarray, size: int, limit: np.ndarray | float = 1.0) -> np.ndarray:
    """(n, size, size) premultiplied ARGB: each pixel the mean of its block of grid points when the
    tile divides the grid, else the nearest grid point, coloured, then shaded."""
    g = values.shape[0]
    if g % size == 0:
        f = g // size
        reduced = values.reshape(size, f, size, f, -1).mean(axis=(1, 3))
    else:
        idx = ((np.arange(size) + 0.5) * g / size).astype(int)
        reduced = values[idx][:, idx]
    reduced = reduced.astype(np.float32) / np.asarray(limit, np.float32)
    return shaded_discs(lut_index(reduced.transpose(2, 0, 1)).reshape(values.shape[2], -1), size)


def shaded_discs(colour_index: np.ndarray, size: int) -> np.ndarray:
    outside, shaded, kind, table = _shading_tables(size)
    pixels = np.append(LUT, np.uint32(0xFFFFFFFF))[colour_index]
    for j, k in zip(shaded, kind, strict=True):
        pixels[:, j] = table[k, colour_index[:, j]]
    pixels[:, outside] = 0
    return pixels.reshape(-1, size, size)


def unit_major(values: np.ndarray) -> np.ndarray:
    """The same (G, G, w) values laid out unit after unit, as the compiled plane pass returns them."""
    return np.ascontiguousarray(values.transpose(2, 0, 1)).transpose(1, 2, 0)


@pytest.mark.parametrize("layout", ["point after point", "unit after unit"])
@pytest.mark.parametrize("size", [12, 16, 20, 24, 32])
def test_tiles_are_the_reduced_plane_coloured_and_shaded(size, layout):
    rng = np.random.default_rng(size)
    plane = {
        "input": rng.normal(0.0, 3.0, (100, 100, 2)),
        "dense_1": np.tanh(rng.normal(size=(100, 100, 3))).astype(np.float32),
        "dense_2": np.tanh(rng.normal(size=(100, 100, 1))),
    }
    if layout == "unit after unit":
        plane = {k: unit_major(v) for k, v in plane.items()}
    atlas = HeatmapAtlas()
    atlas.set_layers([("input", 2), ("dense_1", 3), ("dense_2", 1), ("missing", 2)])
    atlas.update(plane, {"input"}, size)
    scale = np.abs(plane["input"]).max(axis=(0, 1))
    pitch, pad = pitch_for(size), (pitch_for(size) - size) // 2
    for layer, limit in (("input", scale), ("dense_1", 1.0), ("dense_2", 1.0)):
        column = atlas._pixels[atlas._column[layer]].reshape(-1, pitch, size)
        want = plain_tiles(plane[layer], size, limit)
        got = column[: len(want), pad : pad + size]
        np.testing.assert_array_equal(got, want)
    missing = atlas._pixels[atlas._column["missing"]].reshape(-1, pitch, size)[:2, pad : pad + size]
    np.testing.assert_array_equal(missing, shaded_discs(np.full((2, size * size), BLANK), size))


def test_an_even_reduction_is_the_mean_of_each_block():
    values = np.arange(64 * 64 * 2, dtype=np.float64).reshape(64, 64, 2)
    got = reduce_plane(values, 16)
    want = values.reshape(16, 4, 16, 4, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(got, want, rtol=1e-6)
