"""All neuron heatmaps in one image, recoloured in numpy; a layer paints its column with one call.

One ``QImage`` for every neuron costs a fraction of a millisecond per frame, where one image item per
neuron costs several (see SETUP-NOTES, "Drawing fast"). Tiles are TILE × TILE pixels, reductions of the
GRID × GRID plane that ``Activity`` computes, drawn as discs (a soft round mask and a thin outline
ring, baked into the pixels). The tiles of one layer are stacked in a column at the canvas's neuron
pitch, and each column is an image of its own over one shared buffer, so a layer item draws all its
neurons with a single ``drawImage`` (a whole image scales about five times faster than a sub-rectangle
of a larger one).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage

from simulator.canvas.activity import GRID
from simulator.colours import LUT, colour_image, lut_index

TILE = 32  # pixels per tile (a neuron's diameter at zoom 1)
PITCH_PX = 40  # rows from one tile to the next in a column (the canvas's neuron pitch at zoom 1)
RING_RGB = np.array([60, 64, 67], np.float64)  # the disc's outline
RING_STRENGTH = 0.7


def _disc(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(size, size) coverage of a disc filling the tile, and the weight of its outline ring."""
    centre = (size - 1) / 2
    yy, xx = np.mgrid[0:size, 0:size]
    d = np.hypot(xx - centre, yy - centre)
    coverage = np.clip(size / 2 - d, 0.0, 1.0)
    ring = np.clip(1.0 - np.abs(d - (size / 2 - 1.0)), 0.0, 1.0) * RING_STRENGTH
    return coverage, ring


BLANK = len(LUT)  # colour index of a tile without values (white)


def _shading_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pixels of a tile that the disc changes, and what each does to each colour.

    Returns ``outside`` (flat pixel indices left transparent), ``shaded`` (flat indices on the outline
    ring or the soft edge), ``kind`` (the shading class of each shaded pixel) and ``table``
    (class × colour index → premultiplied ARGB), so shading a frame is one table lookup.
    """
    coverage, ring = (a.ravel() for a in _disc(TILE))
    outside = np.flatnonzero(coverage <= 0.0)
    shaded = np.flatnonzero((coverage > 0.0) & ((coverage < 1.0) | (ring > 0.0)))
    pairs, kind = np.unique(
        np.round(np.stack([ring[shaded], coverage[shaded]], 1), 3), axis=0, return_inverse=True
    )
    colours = np.append(LUT, np.uint32(0xFFFFFFFF))
    rgb = np.stack([(colours >> s) & 0xFF for s in (16, 8, 0)], 1).astype(np.float64)  # (257, 3)
    w, a = pairs[:, 0, None, None], pairs[:, 1, None, None]
    mixed = (rgb[None] * (1.0 - w) + RING_RGB * w) * a + 0.5  # (classes, 257, 3), premultiplied
    mixed = mixed.astype(np.uint32)
    alpha = np.rint(255 * a[..., 0]).astype(np.uint32)
    table = (alpha << 24) | (mixed[..., 0] << 16) | (mixed[..., 1] << 8) | mixed[..., 2]
    return outside, shaded, kind.ravel(), table


_OUTSIDE, _SHADED, _KIND, _TABLE = _shading_tables()
_COLOURS = np.append(LUT, np.uint32(0xFFFFFFFF))


def reduce_plane(plane: np.ndarray, tile: int = TILE) -> np.ndarray:
    """(G, G, w) → (tile, tile, w): the mean of each f × f block when G = f · tile, else the grid point
    nearest each tile pixel's centre."""
    g = plane.shape[0]
    if g % tile:
        idx = ((np.arange(tile) + 0.5) * g / tile).astype(np.intp)
        return np.ascontiguousarray(plane[np.ix_(idx, idx)], np.float32)
    f = g // tile
    total = np.zeros((tile, tile) + plane.shape[2:], np.float32)
    for dy in range(f):  # f² strided adds: far quicker than a mean over a reshaped, strided view
        for dx in range(f):
            total += plane[dy::f, dx::f]
    return total * (1.0 / (f * f))


class HeatmapAtlas:
    """Tiles for the units of some layers: a column image per layer, one tile per unit, one buffer."""

    def __init__(self) -> None:
        self.layers: list[tuple[str, int]] = []
        self._first: dict[str, int] = {}
        self._column: dict[str, int] = {}
        self._scale: dict[str, np.ndarray] = {}
        self._pixels: np.ndarray | None = None
        self.image: QImage | None = None  # every column, one under the other
        self.columns: dict[str, QImage] = {}

    def set_layers(self, layers: list[tuple[str, int]]) -> None:
        """Reserve a column of ``width`` tiles for each ``(layer_id, width)``; empty until ``update``."""
        self.layers = list(layers)
        self._first, self._column = {}, {}
        k = 0
        for column, (layer_id, width) in enumerate(self.layers):
            self._first[layer_id] = k
            self._column[layer_id] = column
            k += width
        self._pixels = None
        self.image = None
        self.columns = {}

    @property
    def n_tiles(self) -> int:
        return sum(w for _, w in self.layers)

    def has(self, layer_id: str) -> bool:
        return layer_id in self.columns

    @property
    def _height(self) -> int:
        return max((w for _, w in self.layers), default=0) * PITCH_PX

    def column(self, layer_id: str) -> QImage:
        """The tiles of ``layer_id``, PITCH_PX apart, each centred in its pitch (TILE wide)."""
        return self.columns[layer_id]

    def source_rect(self, layer_id: str, unit: int) -> QRectF:
        """Where the tile of ``unit`` lies in ``image``."""
        top = self._column[layer_id] * self._height + unit * PITCH_PX + (PITCH_PX - TILE) / 2
        return QRectF(0, top, TILE, TILE)

    def update(
        self, plane: dict[str, np.ndarray], normalise: set[str] | frozenset[str] = frozenset()
    ) -> None:
        """Recolour every tile from ``plane`` ({layer_id: (GRID, GRID, width)}); missing layers go blank.

        Layers named in ``normalise`` (the inputs, whose features span ±6) are scaled per unit so their
        largest magnitude is 1; the others are coloured on the fixed range [−1, 1].
        """
        n = self.n_tiles
        if n == 0:
            self.image = None
            self.columns = {}
            return
        g = next(iter(plane.values())).shape[0] if plane else TILE
        stacked = np.zeros((g, g, n), np.float32)
        known = np.zeros(n, bool)
        for layer_id, width in self.layers:
            values = plane.get(layer_id)
            if values is None or values.ndim != 3 or values.shape[2] != width or values.shape[0] != g:
                continue
            k = self._first[layer_id]
            if layer_id in normalise:
                scale = np.maximum(np.abs(values.reshape(-1, width)).max(axis=0), 1e-12)
                stacked[:, :, k : k + width] = values / scale
                self._scale[layer_id] = scale
            else:
                stacked[:, :, k : k + width] = values
                self._scale.pop(layer_id, None)
            known[k : k + width] = True
        tiles = reduce_plane(stacked).transpose(2, 0, 1)
        idx = lut_index(tiles).reshape(n, TILE * TILE)
        idx[~known] = BLANK
        pix = _COLOURS[idx]
        pix[:, _SHADED] = _TABLE[_KIND, idx[:, _SHADED]]  # outline ring and soft edge, premultiplied
        pix[:, _OUTSIDE] = 0
        pix = pix.reshape(n, TILE, TILE)
        height = self._height
        sheet = np.zeros((len(self.layers), height // PITCH_PX, PITCH_PX, TILE), np.uint32)
        pad = (PITCH_PX - TILE) // 2
        for layer_id, width in self.layers:
            k = self._first[layer_id]
            sheet[self._column[layer_id], :width, pad : pad + TILE] = pix[k : k + width]
        sheet = sheet.reshape(len(self.layers), height, TILE)
        self._pixels = sheet  # the images read this buffer: keep it alive
        fmt = QImage.Format.Format_ARGB32_Premultiplied
        self.image = QImage(sheet.data, TILE, len(self.layers) * height, 4 * TILE, fmt)
        self.columns = {}
        for layer_id, width in self.layers:
            col = sheet[self._column[layer_id]]
            self.columns[layer_id] = QImage(col.data, TILE, width * PITCH_PX, 4 * TILE, fmt)

    def neuron_image(self, plane: dict[str, np.ndarray], layer_id: str, unit: int) -> QImage | None:
        """The full GRID × GRID picture of one unit (for the enlarged view), or None."""
        values = plane.get(layer_id)
        if values is None or values.ndim != 3 or unit >= values.shape[2]:
            return None
        scale = self._scale.get(layer_id)
        limit = float(scale[unit]) if scale is not None and unit < len(scale) else 1.0
        return colour_image(values[:, :, unit], limit)


if __name__ == "__main__":
    import sys

    from PySide6.QtGui import QPixmap
    from PySide6.QtWidgets import QApplication, QLabel

    from simulator.canvas.activity import Activity
    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    trainer = make_default_trainer()
    trainer.run_epochs(200)
    activity = Activity()
    activity.update(trainer.model, trainer, want_plane=True)
    atlas = HeatmapAtlas()
    atlas.set_layers([(k, v.shape[2]) for k, v in activity.plane.items()])
    atlas.update(activity.plane, {"input"})
    label = QLabel()
    label.setPixmap(QPixmap.fromImage(atlas.image))
    label.setToolTip(f"{atlas.n_tiles} tiles of {TILE} px from a {GRID} × {GRID} grid")
    label.show()
    raise SystemExit(app.exec())
