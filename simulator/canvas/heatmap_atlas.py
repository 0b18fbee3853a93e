"""All neuron heatmaps in one image, recoloured in numpy; a layer paints its column with one call.

One ``QImage`` for every neuron costs a fraction of a millisecond per frame, where one image item per
neuron costs several (see SETUP-NOTES, "Drawing fast"). Tiles are square, TILE pixels at zoom 1 and
smaller when the canvas is zoomed out (``tile_for_scale``), reductions of the GRID × GRID plane that
``Activity`` reads, drawn as discs (a soft round mask and a thin outline ring, baked into the pixels).
The tiles of one layer are stacked in a column at the canvas's neuron pitch, and each column is an
image of its own over one shared buffer, so a layer item draws all its neurons with a single
``drawImage`` (a whole image scales about five times faster than a sub-rectangle of a larger one).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from PySide6.QtCore import QRectF
from PySide6.QtGui import QImage

from simulator.canvas.activity import GRID
from simulator.colours import LUT, colour_image, lut_index

TILE = 32  # pixels per tile at zoom 1 (a neuron's diameter); the largest tile drawn
PITCH_PX = 40  # rows from one tile to the next in a column at zoom 1 (the canvas's neuron pitch)
STEP = 4  # tile sizes are multiples of STEP, so that tile · PITCH_PX / TILE rows is a whole pitch
MIN_TILE = 8
RING_RGB = np.array([60, 64, 67], np.float64)  # the disc's outline
RING_STRENGTH = 0.7


def tile_for_scale(scale: float) -> int:
    """The tile size to draw at ``scale`` device pixels per scene unit: the disc's size on screen, rounded
    up to a multiple of STEP, between MIN_TILE and TILE. Tiles are then drawn at about their own size,
    which is sharper and several times cheaper than shrinking 32-pixel tiles as the canvas zooms out."""
    px = STEP * math.ceil(TILE * max(scale, 0.0) / STEP - 1e-6)
    return int(min(TILE, max(MIN_TILE, px)))


def pitch_for(tile: int) -> int:
    return tile * PITCH_PX // TILE


def _disc(size: int) -> tuple[np.ndarray, np.ndarray]:
    """(size, size) coverage of a disc filling the tile, and the weight of its outline ring."""
    centre = (size - 1) / 2
    yy, xx = np.mgrid[0:size, 0:size]
    d = np.hypot(xx - centre, yy - centre)
    coverage = np.clip(size / 2 - d, 0.0, 1.0)
    ring = np.clip(1.0 - np.abs(d - (size / 2 - 1.0)), 0.0, 1.0) * RING_STRENGTH
    return coverage, ring


BLANK = len(LUT)  # colour index of a tile without values (white)


@functools.cache
def _shading_tables(size: int = TILE) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Pixels of a ``size``-pixel tile that the disc changes, and what each does to each colour.

    Returns ``outside`` (flat pixel indices left transparent), ``shaded`` (flat indices on the outline
    ring or the soft edge), ``kind`` (the shading class of each shaded pixel) and ``table``
    (class × colour index → premultiplied ARGB), so shading a frame is one table lookup.
    """
    coverage, ring = (a.ravel() for a in _disc(size))
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


@functools.cache
def _pixel_table(size: int = TILE) -> tuple[np.ndarray, np.ndarray]:
    """``(pixel_class, table)``: the premultiplied ARGB of tile pixel ``j`` in colour ``c`` is
    ``table[pixel_class[j], c]``, so shading a frame is one lookup. Class 0 is inside the disc (the colour
    itself), class 1 outside it (transparent), and 2 + k the shaded class k of ``_shading_tables``."""
    outside, shaded, kind, shading = _shading_tables(size)
    pixel_class = np.zeros(size * size, np.intp)
    pixel_class[outside] = 1
    pixel_class[shaded] = 2 + kind
    table = np.concatenate([_COLOURS[None], np.zeros((1, _COLOURS.size), np.uint32), shading])
    return pixel_class, table


_COLOURS = np.append(LUT, np.uint32(0xFFFFFFFF))


@functools.cache
def _nearest_points(g: int, tile: int) -> np.ndarray:
    """Flat indices, in a row-major G × G grid, of the point nearest each pixel centre of a tile."""
    idx = ((np.arange(tile) + 0.5) * g / tile).astype(np.intp)
    return (idx[:, None] * g + idx[None, :]).ravel()


def reduce_plane(plane: np.ndarray, tile: int = TILE) -> np.ndarray:
    """(G, G, w) → (tile, tile, w): the mean of each f × f block when G = f · tile, else the grid point
    nearest each tile pixel's centre."""
    g = plane.shape[0]
    if g % tile:
        rows = _nearest_points(g, tile)  # one gather of whole rows of the flattened plane
        rest = plane.shape[2:]
        picked = plane.reshape(g * g, *rest).take(rows, axis=0)
        return picked.reshape(tile, tile, *rest).astype(np.float32, copy=False)
    f = g // tile
    total = np.zeros((tile, tile) + plane.shape[2:], np.float32)
    for dy in range(f):  # f² strided adds: far quicker than a mean over a reshaped, strided view
        for dx in range(f):
            total += plane[dy::f, dx::f]
    return total * (1.0 / (f * f))


def _reduce_units(plane: np.ndarray, tile: int) -> np.ndarray:
    """(G, G, w) → (w, tile · tile) float32, as ``reduce_plane`` reduces it: one row of tile pixels per
    unit. The plane pass lays each unit's G × G values out together, so picking the nearest points is
    then one gather along contiguous rows."""
    g, width = plane.shape[0], plane.shape[2]
    if g % tile == 0:
        return reduce_plane(plane, tile).reshape(tile * tile, width).T
    points = _nearest_points(g, tile)
    units = plane.transpose(2, 0, 1)
    if units.flags.c_contiguous:  # unit after unit, as the plane pass lays it out
        picked = units.reshape(width, g * g).take(points, axis=1)
    else:  # point after point
        picked = plane.reshape(g * g, width).take(points, axis=0).T
    return picked.astype(np.float32, copy=False)


def _unit_abs_max(plane: np.ndarray) -> np.ndarray:
    """(G, G, w) → (w,): each unit's largest |value|, reduced along whichever axes lie contiguous."""
    units = plane.transpose(2, 0, 1)
    if units.flags.c_contiguous:
        return np.abs(units).max(axis=(1, 2))
    rows_max = np.abs(plane.reshape(plane.shape[0], -1)).max(axis=0)  # wide rows first: far quicker
    return rows_max.reshape(-1, plane.shape[2]).max(axis=0)


class HeatmapAtlas:
    """Tiles for the units of some layers: a column image per layer, one tile per unit, one buffer."""

    def __init__(self) -> None:
        self.layers: list[tuple[str, int]] = []
        self.tile = TILE  # pixels per tile in the last update
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
        return max((w for _, w in self.layers), default=0) * pitch_for(self.tile)

    def column(self, layer_id: str) -> QImage:
        """The tiles of ``layer_id``, a pitch apart, each centred in its pitch (a tile wide)."""
        return self.columns[layer_id]

    def source_rect(self, layer_id: str, unit: int) -> QRectF:
        """Where the tile of ``unit`` lies in ``image``."""
        pitch = pitch_for(self.tile)
        top = self._column[layer_id] * self._height + unit * pitch + (pitch - self.tile) / 2
        return QRectF(0, top, self.tile, self.tile)

    def update(
        self,
        plane: dict[str, np.ndarray],
        normalise: set[str] | frozenset[str] = frozenset(),
        tile: int | None = None,
    ) -> None:
        """Recolour every tile from ``plane`` ({layer_id: (G, G, width)}); missing layers go blank.

        Layers named in ``normalise`` (the inputs, whose features span ±6) are scaled per unit so their
        largest magnitude is 1; the others are coloured on the fixed range [−1, 1]. ``tile``: pixels per
        tile (a multiple of STEP up to TILE, see ``tile_for_scale``); the last one when None.
        """
        if tile is not None:
            if tile % STEP or not MIN_TILE <= tile <= TILE:
                raise ValueError(f"tile size must be a multiple of {STEP} from {MIN_TILE} to {TILE}: {tile}")
            self.tile = int(tile)
        n = self.n_tiles
        if n == 0:
            self.image = None
            self.columns = {}
            return
        size, pitch = self.tile, pitch_for(self.tile)
        tiles = np.zeros((n, size * size), np.float32)
        known = np.zeros(n, bool)
        for layer_id, width in self.layers:
            values = plane.get(layer_id)
            if values is None or values.ndim != 3 or values.shape[2] != width or values.shape[0] < 1:
                continue
            k = self._first[layer_id]
            reduced = _reduce_units(values, size)  # a tile has far fewer pixels than the plane points
            tiles[k : k + width] = reduced
            if layer_id in normalise:
                scale = np.maximum(_unit_abs_max(values), 1e-12)
                tiles[k : k + width] = reduced / scale[:, None]
                self._scale[layer_id] = scale
            else:
                self._scale.pop(layer_id, None)
            known[k : k + width] = True
        pixel_class, table = _pixel_table(size)
        idx = lut_index(tiles)
        idx[~known] = BLANK
        pix = table[pixel_class, idx].reshape(n, size, size)  # discs, outline rings, soft edges
        height = self._height
        sheet = np.zeros((len(self.layers), height // pitch, pitch, size), np.uint32)
        pad = (pitch - size) // 2
        for layer_id, width in self.layers:
            k = self._first[layer_id]
            sheet[self._column[layer_id], :width, pad : pad + size] = pix[k : k + width]
        sheet = sheet.reshape(len(self.layers), height, size)
        self._pixels = sheet  # the images read this buffer: keep it alive
        fmt = QImage.Format.Format_ARGB32_Premultiplied
        self.image = QImage(sheet.data, size, len(self.layers) * height, 4 * size, fmt)
        self.columns = {}
        for layer_id, width in self.layers:
            col = sheet[self._column[layer_id]]
            self.columns[layer_id] = QImage(col.data, size, width * pitch, 4 * size, fmt)

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
    label.setToolTip(f"{atlas.n_tiles} tiles of {atlas.tile} px from a {GRID} × {GRID} grid")
    label.show()
    raise SystemExit(app.exec())
