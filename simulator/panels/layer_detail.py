"""The layer detail panel: the selected layer's weights, bias, activations and gradients as heatmaps.

Left, what flows forward: the kernel W (inputs × neurons), the bias b and the layer's outputs for a
batch (samples × neurons). Right, what flows back: ∂L/∂W, ∂L/∂b and ∂L/∂(outputs) of that batch.
Every column of every image is one neuron of the layer, so the images line up (and zoom together).

Where the numbers come from:

- while training is stepped phase by phase, :meth:`LayerDetailPanel.show_event` takes each
  ``engine.PhaseEvent``: this layer's FORWARD fills the batch's outputs, its BACKWARD the gradients,
  UPDATE the new weights;
- otherwise (playing, or paused after playing) the panel evaluates the first 32 training samples at
  the current weights, and shows the gradient of the last mini-batch trained (``trainer.grads``).

Colour limits are symmetric (±m) with m rounded up to 1, 2 or 5 × 10^k. They are set when the layer
changes, when phase data arrives and on "Rescale colours"; while playing at most once a second, and
only when m crosses such a step, so colours never flicker from frame to frame. "Hold colours" keeps them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF
from PySide6.QtGui import QFont, QFontMetrics, QShowEvent, QTransform
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsItem,
    QGraphicsView,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from engine import Dense, Input, PhaseEvent, Trainer
from simulator.canvas.shape_labels import describe_image_layer
from simulator.controller import SceneController
from simulator.panels.colormaps import MatrixItem, abs_max, diverging, nice_limit
from simulator.panels.detail_data import SAMPLE_ROWS, Plan, StepData, gather, make_plan, node_of
from simulator.panels.detail_plots import bias_strip, cache_static, fit_plot, row_ticks
from simulator.panels.image_detail import ImageDetailView

AUTO_RESCALE_SECONDS = 1.0
TEXT = "#3c4043"
GROUPS = {
    "weights": ("kernel", "bias"),
    "weight_grads": ("kernel_grad", "bias_grad"),
    "batch": ("batch",),
    "batch_grads": ("batch_grad",),
}
BATCH_CHOICES = (("outputs a = f(z)", "a"), ("pre-activations z = x·W + b", "z"))


@dataclass
class _Matrix:
    plot: pg.PlotItem
    item: MatrixItem
    note: pg.TextItem
    title: str
    row_label: str


class LayerDetailPanel(QWidget):
    """Heatmaps of one layer: follows ``controller.selected`` (or the panel's own layer menu).

    Call :meth:`refresh` after the trainer moved (≤ 30 per second) and :meth:`show_event` with each
    phase event while stepping phase by phase. ``matrices[key].item.values`` holds what each heatmap
    shows; keys ``kernel``, ``bias``, ``kernel_grad``, ``bias_grad``, ``batch``, ``batch_grad``.
    """

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.matrices: dict[str, _Matrix] = {}
        self._bars: dict[str, pg.ColorBarItem] = {}
        self._limits: dict[str, float] = dict.fromkeys(GROUPS, 1.0)
        self._plan: Plan | None = None
        self._steps: StepData | None = None
        self._key: tuple | None = None
        self._dirty = True
        self._last_auto = 0.0
        self._last_auto_epoch = -1
        self._sample_cache: tuple[object, np.ndarray] | None = None
        self.caption_text = ""
        self._batch_names: tuple[str, ...] | None = None
        self._build_widgets()
        controller.trainer_changed.connect(self._on_trainer_changed)
        controller.selection_changed.connect(self._on_selection_changed)
        controller.structure_changed.connect(self._fill_layer_menu)
        self._fill_layer_menu()
        self._on_selection_changed(controller.selected)

    # ----------------------------------------------------------------------------- widgets
    def _build_widgets(self) -> None:
        self.title = QLabel()
        self.title.setToolTip("The layer shown, its type and the shape of its weights")
        self.layer_menu = QComboBox()
        self.layer_menu.setToolTip("Choose the layer to look at (the same as selecting it on the canvas)")
        self.layer_menu.activated.connect(self._on_menu)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.caption.setToolTip("Which samples and which training step the images come from")
        self.caption.setStyleSheet(f"color: {TEXT};")

        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        self.graphics.setMinimumSize(300, 260)
        self.graphics.setToolTip(
            "Orange is negative, white zero, blue positive; the bars give the scale.\n"
            "Each column is one neuron of the layer. Wheel to zoom, drag to pan, double-click to fit."
        )
        self.graphics.scene().sigMouseMoved.connect(self._on_hover)
        self.graphics.setOptimizationFlag(QGraphicsView.OptimizationFlag.DontAdjustForAntialiasing, True)
        self.hint = QLabel("Select a layer on the canvas, or in the menu above, to see its weights.")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet(f"color: {TEXT}; padding: 20px;")
        self.hint.setToolTip("Nothing is selected")
        self.stack = QStackedWidget()
        self.stack.addWidget(self.hint)
        self.stack.addWidget(self.graphics)
        self.image_view = ImageDetailView(self.controller)  # filters and feature maps of image layers
        self.stack.addWidget(self.image_view)

        self.batch_menu = QComboBox()
        for text, value in BATCH_CHOICES:
            self.batch_menu.addItem(text, value)
        self.batch_menu.setToolTip(
            "What the batch images show for a Dense layer: its outputs a and ∂L/∂a, or its\n"
            "pre-activations z and ∂L/∂z (the error signal δ that gives ∂L/∂W = xᵀ·δ)"
        )
        self.batch_menu.currentIndexChanged.connect(
            lambda _i: self._refresh(rescale=("batch", "batch_grads"))
        )
        self.hold_check = QCheckBox("Hold colours")
        self.hold_check.setToolTip("Keep the colour scales as they are while training (no automatic rescale)")
        self.rescale_button = QPushButton("Rescale colours")
        self.rescale_button.setToolTip("Fit every colour scale to the values shown now (±largest value)")
        self.rescale_button.clicked.connect(lambda: self._refresh(rescale=tuple(GROUPS)))
        self.readout = QLabel(" ")
        self.readout.setToolTip("The value under the mouse pointer")
        self.readout.setStyleSheet(f"color: {TEXT};")

        head = QHBoxLayout()
        head.addWidget(self.title, 1)
        head.addWidget(self.layer_menu)
        controls = QHBoxLayout()
        batch_label = QLabel("Batch shows")
        batch_label.setToolTip(self.batch_menu.toolTip())
        controls.addWidget(batch_label)
        controls.addWidget(self.batch_menu)
        controls.addStretch(1)
        controls.addWidget(self.hold_check)
        controls.addWidget(self.rescale_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(head)
        layout.addWidget(self.caption)
        layout.addWidget(self.stack, 1)
        layout.addLayout(controls)
        layout.addWidget(self.readout)

    # ------------------------------------------------------------------------------ public
    @property
    def layer(self) -> str:
        """The layer shown ("" when none)."""
        return self._plan.layer if self._plan else ""

    def refresh(self) -> None:
        """Redraw from the trainer's current state (skipped while hidden; done when shown again)."""
        self._refresh()

    def show_event(self, event: PhaseEvent | None) -> None:
        """Take one phase of a phase-by-phase step; None drops phase data (back to the sample batch)."""
        if self._plan is not None and self._plan.kind == "image":
            self.image_view.show_event(event)
        if event is None:
            self._steps = None
            self._refresh(rescale=("batch", "batch_grads", "weight_grads"))
            return
        trainer = self.controller.trainer
        steps = self._steps
        if steps is None or steps.step != event.step or steps.trainer is not trainer:
            steps = self._steps = StepData(event.step, trainer)
        self._refresh(rescale=steps.take(event, self.layer), force=True)

    # ------------------------------------------------------------------------------- slots
    def _on_trainer_changed(self) -> None:
        self._steps = None
        self._sample_cache = None
        self._fill_layer_menu()
        self._set_layer(self.controller.selected, force=True)

    def _on_selection_changed(self, layer_id: str) -> None:
        self._set_layer(layer_id)

    def _on_menu(self, index: int) -> None:
        layer_id = self.layer_menu.itemData(index) or ""
        self.controller.select(layer_id)
        self._set_layer(layer_id)  # also when it was selected already

    def _fill_layer_menu(self) -> None:
        menu = self.layer_menu
        menu.blockSignals(True)
        menu.clear()
        menu.addItem("(choose a layer)", "")
        for node in self.controller.trainer.model.resolved.order:
            menu.addItem(f"{node.id} — {_describe(node.layer)}", node.id)
        menu.setCurrentIndex(max(0, menu.findData(self.layer)))
        menu.blockSignals(False)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._dirty:
            self._refresh()

    # ------------------------------------------------------------------------------ layout
    def _set_layer(self, layer_id: str, force: bool = False) -> None:
        plan = self._make_plan(layer_id)
        self.layer_menu.blockSignals(True)
        self.layer_menu.setCurrentIndex(max(0, self.layer_menu.findData(plan.layer if plan else "")))
        self.layer_menu.blockSignals(False)
        if plan == self._plan and not force:
            return
        self._plan = plan
        self._key = None
        self.readout.setText(" ")
        if plan is None:
            self._show_hint(layer_id)
            return
        self.batch_menu.setEnabled(plan.kind == "dense")
        if plan.kind == "image":
            shape = "×".join(map(str, self.controller.trainer.model.resolved.shapes[plan.layer]))
            what = _describe(self._node(plan.layer).layer)
            self.title.setText(f"<b>{plan.layer}</b> &nbsp;{what} · {shape}")
            self.caption.setText("")
            self.stack.setCurrentWidget(self.image_view)
            self.image_view.set_layer(plan.layer)
            return
        self.stack.setCurrentWidget(self.graphics)
        shape = f"kernel {plan.n_in} × {plan.n_out}" if plan.kind == "dense" else f"{plan.n_out} values"
        self.title.setText(f"<b>{plan.layer}</b> &nbsp;{_describe(self._node(plan.layer).layer)} · {shape}")
        self._build_grid(plan)
        self._refresh(rescale=tuple(GROUPS), force=True)

    def _make_plan(self, layer_id: str) -> Plan | None:
        return make_plan(self.controller.trainer, layer_id, tuple(self.controller.dataset.feature_names))

    def _node(self, layer_id: str):
        return node_of(self.controller.trainer, layer_id)

    def _show_hint(self, layer_id: str) -> None:
        self.title.setText("<b>Layer detail</b>")
        self.caption.setText("")
        if layer_id and layer_id in {n.id for n in self.controller.network.nodes}:
            reason = self.controller.draft.unfinished.get(
                layer_id, "it is not part of the trained network yet"
            )
            self.hint.setText(f"'{layer_id}' has nothing to show: {reason}.")
        else:
            self.hint.setText("Select a layer on the canvas, or in the menu above, to see its weights.")
        self.stack.setCurrentWidget(self.hint)
        self.matrices = {}

    def _build_grid(self, plan: Plan) -> None:
        """Forward values in columns 0–1, their gradients in columns 2–3; b drawn as a strip under W."""
        self.graphics.clear()
        self.matrices, self._bars = {}, {}
        self._batch_names = None
        grid = self.graphics.ci
        row = 0
        neuron_names = [str(i + 1) for i in range(plan.n_out)]
        if plan.kind == "dense":
            for col, (key, title, group) in enumerate(
                (("kernel", "W and b", "weights"), ("kernel_grad", "∂L/∂W and ∂L/∂b", "weight_grads"))
            ):
                plot = self._plot(row, 2 * col, title, neuron_names)
                self._add(key, plot, (plan.n_in, plan.n_out), title.split(" and ")[0], "input")
                if plan.has_bias:
                    bias_key = key.replace("kernel", "bias")
                    self._add(
                        bias_key, plot, (1, plan.n_out), title.split(" and ")[1], "", bias_strip(plan.n_in)
                    )
                row_ticks(plot.getAxis("left"), plan.n_in, plan.input_names, plan.has_bias)
                self._add_bar(group, row, 2 * col + 1)
            grid.layout.setRowStretchFactor(row, 5)
            row += 1
        col_names = plan.input_names if plan.kind == "input" else neuron_names
        what = "inputs" if plan.kind == "input" else "neurons"
        shape = (self._batch_rows(), plan.n_out)
        plot = self._plot(row, 0, f"batch: samples × {what}", col_names)
        self._add("batch", plot, shape, "batch", "sample")
        self._add_bar("batch", row, 1)
        if plan.kind != "input":
            plot = self._plot(row, 2, "∂L/∂ batch", col_names)
            self._add("batch_grad", plot, shape, "∂L/∂ batch", "sample")
            self._add_bar("batch_grads", row, 3)
        grid.layout.setRowStretchFactor(row, 3)
        for col, stretch in enumerate((1, 0, 1, 0)):
            grid.layout.setColumnStretchFactor(col, stretch)
        metrics = QFontMetrics(self.graphics.font())
        width = max(metrics.horizontalAdvance(n) for n in (*plan.input_names, "0000"))
        plots = list(dict.fromkeys(m.plot for m in self.matrices.values()))
        for plot in plots:
            plot.getAxis("left").setWidth(width + 14)
            if plot is not plots[0]:
                plot.setXLink(plots[0])
        for key, other in (("kernel_grad", "kernel"), ("batch_grad", "batch")):
            if key in self.matrices:
                self.matrices[key].plot.setYLink(self.matrices[other].plot)
        for plot in plots:
            fit_plot(plot)

    def _plot(self, row: int, col: int, title: str, col_names) -> pg.PlotItem:
        plot = pg.PlotItem()
        plot.setMenuEnabled(False)
        plot.hideButtons()
        plot.setTitle(title, color=TEXT, size="9pt")
        vb = plot.getViewBox()
        vb.invertY(True)
        vb.setDefaultPadding(0.0)
        for name in ("left", "bottom"):
            axis = plot.getAxis(name)
            axis.setPen(pg.mkPen("#9aa0a6"))
            axis.setTextPen(pg.mkPen(TEXT))
            axis.setStyle(tickLength=4)  # ticks outside: an image update then leaves the axis alone
        row_ticks(plot.getAxis("bottom"), len(col_names), col_names)
        cache_static(plot)
        self.graphics.addItem(plot, row, col)
        return plot

    def _add(
        self,
        key: str,
        plot: pg.PlotItem,
        shape: tuple[int, int],
        title: str,
        row_label: str,
        strip: tuple[float, float] | None = None,
    ) -> None:
        """Put a matrix in ``plot``; ``strip`` = (top, height) draws it as a strip there (the bias)."""
        item = MatrixItem()
        item.set_shape(*shape)
        plot.addItem(item)
        if strip is not None:
            item.setPos(0.0, strip[0])
            item.setTransform(QTransform.fromScale(1.0, strip[1]))
        note = pg.TextItem("", color="#5f6368", anchor=(0.5, 0.5), ensureInBounds=True)
        note.setFont(QFont(self.font().family(), 8))
        note.textItem.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # redrawn with the image
        note.setVisible(False)
        plot.addItem(note, ignoreBounds=True)
        self.matrices[key] = _Matrix(plot, item, note, title, row_label)

    def _add_bar(self, group: str, row: int, col: int) -> None:
        m = self._limits[group]
        bar = pg.ColorBarItem(
            values=(-m, m), width=12, colorMap=diverging(), interactive=False, colorMapMenu=False
        )
        bar.getAxis("right").setTextPen(pg.mkPen(TEXT))
        bar.getAxis("right").setPen(pg.mkPen("#9aa0a6"))
        cache_static(bar)
        self.graphics.addItem(bar, row, col)
        self._bars[group] = bar

    # ----------------------------------------------------------------------------- drawing
    def _refresh(self, rescale: tuple[str, ...] = (), force: bool = False) -> None:
        if self._plan is None:
            return
        if not self.isVisible():
            self._dirty = True
            return
        if self._plan.kind == "image":
            self._dirty = False
            self.image_view.refresh(rescale=bool(rescale))
            return
        trainer = self.controller.trainer
        steps = self._current_steps(trainer)
        mode = self.batch_menu.currentData()
        key = (id(trainer), id(trainer.model), trainer.step_count, self._plan.layer, mode, id(steps))
        if key == self._key and not force and not rescale:
            return
        self._key = key
        self._dirty = False
        values, notes = self._gather(trainer, steps, mode)
        if not rescale and not self.hold_check.isChecked():
            now = time.perf_counter()
            if now - self._last_auto >= AUTO_RESCALE_SECONDS and trainer.epoch != self._last_auto_epoch:
                self._last_auto, self._last_auto_epoch = now, trainer.epoch
                rescale = tuple(GROUPS)
        for group, keys in GROUPS.items():
            if group in rescale:
                found = [values.get(k) for k in keys if k in self.matrices]
                if any(v is not None for v in found):
                    self._limits[group] = nice_limit(abs_max(*found))
                    if group in self._bars:
                        lim = self._limits[group]
                        self._bars[group].setLevels((-lim, lim))
            lim = self._limits[group]
            for k in keys:
                if k in self.matrices:
                    self._show(self.matrices[k], values.get(k), notes.get(k, ""), (-lim, lim))

    def _show(self, m: _Matrix, values: np.ndarray | None, note: str, levels: tuple[float, float]) -> None:
        old = m.item.shape
        m.item.set_values(values, levels)
        note = "" if values is not None else note
        if note != m.note.toPlainText():
            rows, cols = m.item.shape
            m.note.setText(note)
            m.note.setPos(m.item.mapToParent(QPointF(cols / 2, rows / 2)))
            m.note.setVisible(bool(note))
        if m.item.shape != old:
            fit_plot(m.plot)

    def _current_steps(self, trainer: Trainer) -> StepData | None:
        steps = self._steps
        if steps is None:
            return None
        if steps.trainer is not trainer or trainer.step_count not in (steps.step, steps.step + 1):
            self._steps = None  # trained on since: back to the sample batch
            return None
        return steps

    def _gather(self, trainer: Trainer, steps: StepData | None, mode: str):
        """The arrays to show, and a note for each one that is missing (detail_data.gather)."""
        samples = self._sample_inputs(trainer) if steps is None else np.empty((0,))
        shown = gather(self._plan, trainer, steps, mode, samples)
        self._set_batch_names(shown.rows)
        self.caption_text = shown.caption
        if self.caption.text() != self.caption_text:
            self.caption.setText(self.caption_text)
        return shown.values, shown.notes

    def _batch_rows(self) -> int:
        trainer = self.controller.trainer
        if self._current_steps(trainer) is not None:
            return max(1, min(trainer.settings.batch_size, trainer.data.n_train))
        return max(1, min(SAMPLE_ROWS, trainer.data.n_train))

    def _sample_inputs(self, trainer: Trainer) -> np.ndarray:
        data = trainer.data
        if self._sample_cache is None or self._sample_cache[0] is not data:
            self._sample_cache = (data, np.asarray(data.x_train[:SAMPLE_ROWS]))
        return self._sample_cache[1]

    def _set_batch_names(self, rows: np.ndarray | None) -> None:
        names = () if rows is None else tuple(f"#{int(i)}" for i in rows)
        if names == self._batch_names:
            return  # new ticks make the axis redraw its picture: only when they change
        self._batch_names = names
        for key in ("batch", "batch_grad"):
            if key in self.matrices:
                row_ticks(self.matrices[key].plot.getAxis("left"), len(names), names)

    # ------------------------------------------------------------------------------- hover
    def _on_hover(self, pos: QPointF) -> None:
        for m in self.matrices.values():
            if m.item.values is None or not m.plot.getViewBox().sceneBoundingRect().contains(pos):
                continue
            p = m.item.mapFromScene(pos)
            rows, cols = m.item.shape
            r, c = int(np.floor(p.y())), int(np.floor(p.x()))
            if not (0 <= r < rows and 0 <= c < cols):
                continue
            where = self._cell_name(m, r, c)
            self.readout.setText(f"{m.title} {where} = {float(m.item.values[r, c]):.4g}")
            return
        self.readout.setText(" ")

    def _cell_name(self, m: _Matrix, r: int, c: int) -> str:
        plan = self._plan
        col = plan.input_names[c] if plan.kind == "input" else f"neuron {c + 1}"
        if m.row_label == "input":
            source = plan.input_names[r] if plan.input_names[r] != str(r + 1) else f"{plan.source} {r + 1}"
            return f"[{source} → {col}]"
        if m.row_label == "sample":
            index = self._batch_names[r] if self._batch_names and r < len(self._batch_names) else r
            return f"[training sample {index}, {col}]"
        return f"[{col}]"


def _describe(layer) -> str:
    if isinstance(layer, Dense):
        return f"Dense {layer.units}, {layer.activation}"
    if isinstance(layer, Input):
        return f"Input {layer.size}" if layer.shape is None else "Input image"
    detail = describe_image_layer(layer)
    return f"{type(layer).__name__} {detail}" if detail else type(layer).__name__


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    trainer = make_default_trainer()
    trainer.run_epochs(100)
    controller = SceneController(trainer)
    panel = LayerDetailPanel(controller)
    controller.select("dense_1")
    panel.resize(620, 560)
    panel.show()
    for event in trainer.phases():  # one step phase by phase, so the gradient images are filled
        panel.show_event(event)
    raise SystemExit(app.exec())
