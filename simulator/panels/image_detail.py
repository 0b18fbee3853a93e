"""The layer detail of an image layer: filters, feature maps and a filter's gradient, as tiled heatmaps.

For a Conv2D layer: every filter's kernel, one tile per input channel (filters across, channels down);
the feature map each filter makes from the chosen training sample; and ∂L/∂(kernel) of the selected
filter (click a filter or its map to select it) — from the BACKWARD phase while stepping phase by
phase, otherwise from the last mini-batch trained. For pooling and the other image-shaped layers:
the maps that go in and the maps that come out.

Each group of tiles is one ``MosaicItem`` (one composed image, one ``drawImage``) with a colour bar.
Limits are symmetric, rounded to 1, 2 or 5 × 10^k, and move at most once a second while training.
"""

from __future__ import annotations

import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from engine import Conv2D, Phase, PhaseEvent, Trainer
from simulator.controller import SceneController
from simulator.panels.colormaps import abs_max, colour_pixels, diverging, nice_limit
from simulator.panels.detail_plots import cache_static

TEXT = "#3c4043"
GAP = 1  # cells between tiles
BACKGROUND = 0xFFFFFFFF
AUTO_RESCALE_SECONDS = 1.0
MAX_COLUMNS = 8  # feature maps wrap after this many tiles


class MosaicItem(pg.GraphicsObject):
    """Equal-sized 2-D tiles in a grid, drawn as one image; cell (r, c) of the grid covers one unit.

    ``tiles`` keeps the arrays shown (tile ``i`` sits in grid row ``i // columns``); ``selected``
    outlines one tile.
    """

    def __init__(self) -> None:
        super().__init__()
        self.tiles: list[np.ndarray] = []
        self.columns = 1
        self.selected: int | None = None
        self._image: QImage | None = None
        self._pixels: np.ndarray | None = None
        self._size = (1, 1)  # width, height in cells

    def set_tiles(self, tiles: list[np.ndarray], columns: int, levels: tuple[float, float]) -> None:
        self.tiles = [np.asarray(t, np.float64) for t in tiles]
        self.columns = max(1, int(columns))
        if not self.tiles:
            self._image = self._pixels = None
            self.update()
            return
        h, w = self.tiles[0].shape
        rows = -(-len(self.tiles) // self.columns)
        cols = min(self.columns, len(self.tiles))
        width, height = cols * (w + GAP) - GAP, rows * (h + GAP) - GAP
        pixels = np.full((height, width), BACKGROUND, np.uint32)
        for i, tile in enumerate(self.tiles):
            y, x = self.origin(i)
            pixels[y : y + h, x : x + w] = colour_pixels(tile, *levels)
        if (width, height) != self._size:
            self.prepareGeometryChange()
            self._size = (width, height)
        self._pixels = pixels
        self._image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_RGB32)
        self.update()

    def origin(self, i: int) -> tuple[int, int]:
        """(row, column) cell where tile ``i`` starts."""
        h, w = self.tiles[0].shape
        return (i // self.columns) * (h + GAP), (i % self.columns) * (w + GAP)

    def tile_at(self, pos: QPointF) -> tuple[int, int, int] | None:
        """(tile, row, column) under ``pos`` (item coordinates), or None in a gap or outside."""
        if not self.tiles:
            return None
        h, w = self.tiles[0].shape
        x, y = int(np.floor(pos.x())), int(np.floor(pos.y()))
        if x < 0 or y < 0:
            return None
        gc, c = divmod(x, w + GAP)
        gr, r = divmod(y, h + GAP)
        i = gr * self.columns + gc
        if c >= w or r >= h or gc >= self.columns or i >= len(self.tiles):
            return None
        return i, r, c

    def boundingRect(self) -> QRectF:  # noqa: N802 - Qt's name
        return QRectF(0.0, 0.0, float(self._size[0]), float(self._size[1]))

    def paint(self, painter: QPainter, *args) -> None:
        if self._image is None:
            painter.fillRect(self.boundingRect(), QColor("#eceff1"))
            return
        painter.drawImage(self.boundingRect(), self._image)
        if self.selected is not None and self.selected < len(self.tiles):
            h, w = self.tiles[0].shape
            y, x = self.origin(self.selected)
            pen = QPen(QColor("#1a73e8"), 2.5)
            pen.setCosmetic(True)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(QRectF(x, y, w, h))


class ImageDetailView(QWidget):
    """Tiles of one image layer, following ``controller``'s trainer and chosen sample.

    ``mosaics[key]`` holds each group on show: ``kernels``, ``maps`` and ``kernel_grad`` for Conv2D,
    ``in_maps`` and ``maps`` for other image layers. ``selected_filter`` is the filter whose gradient shows.
    """

    GROUP_TITLES = {
        "kernels": "Filters: one column each, one row per input channel",
        "maps": "Feature maps of the sample",
        "in_maps": "Maps going in",
        "kernel_grad": "∂L/∂(selected filter), one tile per input channel",
    }

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.layer = ""
        self.selected_filter = 0
        self.mosaics: dict[str, MosaicItem] = {}
        self._plots: dict[str, pg.PlotItem] = {}
        self._bars: dict[str, pg.ColorBarItem] = {}
        self._limits: dict[str, float] = {}
        self._event_grad: tuple[int, str, np.ndarray] | None = None  # (step, layer, ∂L/∂kernel)
        self._key: tuple | None = None
        self._last_auto = 0.0
        self.caption_text = ""

        self.sample_box = QSpinBox()
        self.sample_box.setToolTip("The training sample whose feature maps are shown (also on the canvas)")
        self.sample_box.valueChanged.connect(controller.select_sample)
        self.sample_label = QLabel()
        self.sample_label.setToolTip("The class of the chosen training sample")
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.setMinimumSize(300, 260)
        self.graphics.setToolTip(
            "Orange is negative, white zero, blue positive; the bars give the scale.\n"
            "Click a filter or its map to see that filter's gradient."
        )
        self.graphics.scene().sigMouseClicked.connect(self._on_click)
        self.graphics.scene().sigMouseMoved.connect(self._on_hover)
        self.readout = QLabel(" ")
        self.readout.setToolTip("The value under the mouse pointer")
        row = QHBoxLayout()
        sample_text = QLabel("Sample #")
        sample_text.setToolTip(self.sample_box.toolTip())
        row.addWidget(sample_text)
        row.addWidget(self.sample_box)
        row.addWidget(self.sample_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.readout)
        controller.sample_changed.connect(lambda _i: self.refresh(rescale=True))

    # ------------------------------------------------------------------------------ public
    def set_layer(self, layer_id: str) -> None:
        """Show ``layer_id`` (an image-shaped layer of the trainer's model)."""
        model = self.controller.trainer.model
        self.layer = layer_id
        self._key = None
        node = model.resolved.order[model.resolved.index(layer_id)]
        is_conv = isinstance(node.layer, Conv2D)
        if is_conv:
            self.selected_filter = min(self.selected_filter, node.layer.filters - 1)
        groups = ("kernels", "maps", "kernel_grad") if is_conv else ("in_maps", "maps")
        if not is_conv and not (node.inputs and len(model.resolved.shapes[node.inputs[0]]) == 3):
            groups = ("maps",)
        self._build(groups)
        self.refresh(rescale=True)

    def show_event(self, event: PhaseEvent | None) -> None:
        """Keep the gradient a BACKWARD phase of this layer reports; None forgets it."""
        if event is None:
            self._event_grad = None
        elif event.phase is Phase.BACKWARD and event.layer == self.layer and "kernel" in event.grads:
            self._event_grad = (event.step, event.layer, np.asarray(event.grads["kernel"]))
        else:
            return
        self.refresh(rescale=True)

    def select_filter(self, index: int) -> None:
        self.selected_filter = int(index)
        self._key = None
        self.refresh(rescale=True)

    def tile(self, group: str, index: int) -> np.ndarray:
        """The values tile ``index`` of ``group`` shows (for checks and the readout)."""
        return self.mosaics[group].tiles[index]

    # ------------------------------------------------------------------------------ building
    def _build(self, groups: tuple[str, ...]) -> None:
        self.graphics.clear()
        self.mosaics, self._plots, self._bars = {}, {}, {}
        for row, key in enumerate(groups):
            plot = pg.PlotItem()
            plot.setMenuEnabled(False)
            plot.hideButtons()
            plot.hideAxis("left")
            plot.hideAxis("bottom")
            plot.setTitle(self.GROUP_TITLES[key], color=TEXT, size="9pt")
            vb = plot.getViewBox()
            vb.invertY(True)
            vb.setAspectLocked(True)
            vb.setMouseEnabled(False, False)
            cache_static(plot)
            item = MosaicItem()
            plot.addItem(item)
            self.graphics.addItem(plot, row, 0)
            m = self._limits.get(key, 1.0)
            bar = pg.ColorBarItem(
                values=(-m, m), width=12, colorMap=diverging(), interactive=False, colorMapMenu=False
            )
            bar.getAxis("right").setTextPen(pg.mkPen(TEXT))
            cache_static(bar)
            self.graphics.addItem(bar, row, 1)
            self.mosaics[key], self._plots[key], self._bars[key] = item, plot, bar
        self.graphics.ci.layout.setColumnStretchFactor(0, 1)

    # ------------------------------------------------------------------------------ drawing
    def refresh(self, rescale: bool = False) -> None:
        if not self.layer or not self.mosaics:
            return
        trainer = self.controller.trainer
        model = trainer.model
        if self.layer not in model.resolved.shapes:
            return
        sample = self.controller.sample
        key = (id(trainer), id(model), trainer.step_count, self.layer, sample, self.selected_filter)
        if key == self._key and not rescale:
            return
        self._key = key
        now = time.perf_counter()
        if not rescale and now - self._last_auto >= AUTO_RESCALE_SECONDS:
            rescale = True
        if rescale:
            self._last_auto = now
        self._show_sample(trainer, sample)
        groups = self._gather(trainer, sample)
        for name, (tiles, columns) in groups.items():
            if name not in self.mosaics:
                continue
            if rescale or name not in self._limits:
                self._limits[name] = nice_limit(abs_max(*tiles)) if tiles else 1.0
                lim = self._limits[name]
                self._bars[name].setLevels((-lim, lim))
            lim = self._limits[name]
            mosaic = self.mosaics[name]
            old = mosaic.boundingRect()
            mosaic.set_tiles(tiles, columns, (-lim, lim))
            if name in ("kernels", "maps") and isinstance(self._spec(), Conv2D):
                mosaic.selected = self.selected_filter
            if mosaic.boundingRect() != old:
                self._plots[name].getViewBox().autoRange(padding=0.02)

    def _spec(self):
        resolved = self.controller.trainer.model.resolved
        return resolved.order[resolved.index(self.layer)].layer

    def _gather(self, trainer: Trainer, sample: int) -> dict[str, tuple[list[np.ndarray], int]]:
        model = trainer.model
        resolved = model.resolved
        node = resolved.order[resolved.index(self.layer)]
        x = trainer.data.x_train[sample : sample + 1]
        acts = model.activations(x) if len(x) else {}
        out: dict[str, tuple[list[np.ndarray], int]] = {}
        if self.layer in acts:
            maps = acts[self.layer][0].reshape(resolved.shapes[self.layer])
            out["maps"] = (list(maps), min(MAX_COLUMNS, len(maps)))
        if node.inputs and node.inputs[0] in acts and "in_maps" in self.mosaics:
            shape = resolved.shapes[node.inputs[0]]
            maps = acts[node.inputs[0]][0].reshape(shape)
            out["in_maps"] = (list(maps), min(MAX_COLUMNS, len(maps)))
        kernel = model.params.get(f"{self.layer}.kernel")
        if kernel is not None and kernel.ndim == 4:
            filters, channels = kernel.shape[:2]
            out["kernels"] = ([kernel[f, c] for c in range(channels) for f in range(filters)], filters)
            grad, where = self._filter_grad(trainer)
            f = min(self.selected_filter, filters - 1)
            tiles = [] if grad is None else list(grad[f])
            out["kernel_grad"] = (tiles, min(MAX_COLUMNS, channels))
            self._plots["kernel_grad"].setTitle(
                f"∂L/∂(filter {f + 1}) {where}, one tile per input channel", color=TEXT, size="9pt"
            )
        return out

    def _filter_grad(self, trainer: Trainer) -> tuple[np.ndarray | None, str]:
        """∂L/∂kernel of this layer: the phase's while stepping phase by phase, else the last batch's."""
        found = self._event_grad
        if found is not None and found[1] == self.layer and trainer.step_count in (found[0], found[0] + 1):
            return found[2], "in this backward pass"
        if trainer.step_count == 0:
            return None, "(no step trained yet)"
        key = f"{self.layer}.kernel"
        s = trainer.model.program.slot(key)
        if s.offset + s.size > trainer.grads.size:
            return None, ""
        return trainer.grads[s.offset : s.offset + s.size].reshape(s.shape), "of the last mini-batch"

    def _show_sample(self, trainer: Trainer, sample: int) -> None:
        data = trainer.data
        self.sample_box.blockSignals(True)
        self.sample_box.setRange(0, max(0, data.n_train - 1))
        self.sample_box.setValue(sample)
        self.sample_box.blockSignals(False)
        text = ""
        if data.n_train and data.task == "classification":
            label = int(data.t_train[sample])
            names = getattr(data, "class_names", None) or ()
            text = f"class {names[label] if label < len(names) else label}"
        self.sample_label.setText(text)

    # ------------------------------------------------------------------------------ mouse
    def _hit(self, scene_pos: QPointF) -> tuple[str, int, int, int] | None:
        for name, mosaic in self.mosaics.items():
            if not self._plots[name].getViewBox().sceneBoundingRect().contains(scene_pos):
                continue
            found = mosaic.tile_at(mosaic.mapFromScene(scene_pos))
            if found is not None:
                return (name, *found)
        return None

    def _on_click(self, event) -> None:
        hit = self._hit(event.scenePos())
        if hit is None or hit[0] not in ("kernels", "maps") or not isinstance(self._spec(), Conv2D):
            return
        name, i = hit[0], hit[1]
        filters = self._spec().filters
        self.select_filter(i % filters if name == "kernels" else i)

    def _on_hover(self, pos: QPointF) -> None:
        hit = self._hit(pos)
        if hit is None:
            self.readout.setText(" ")
            return
        name, i, r, c = hit
        value = float(self.mosaics[name].tiles[i][r, c])
        if name == "kernels":
            filters = self._spec().filters
            where = f"filter {i % filters + 1}, input channel {i // filters + 1}"
        elif name == "kernel_grad":
            where = f"filter {self.selected_filter + 1}, input channel {i + 1}"
        else:
            where = f"map {i + 1}"
        self.readout.setText(f"{where}, row {r + 1}, column {c + 1}: {value:.4g}")
