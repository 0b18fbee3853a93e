"""The simulator's main window: the network canvas in the middle, panels docked around it.

The window only assembles and wires: the scene lives in :class:`~simulator.controller.SceneController`
(every edit, with undo), training is driven by :class:`~simulator.runner.TrainingRunner` (the one
bridge to the engine), and each panel observes those two. Redraws follow the runner's ``updated``
signal, which is rate-limited, so drawing never starves training.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QScrollArea,
    QTabWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

import simulator
from engine import Network, Trainer
from simulator import plane
from simulator.canvas.view import CanvasView
from simulator.caption import PhaseCaption
from simulator.controller import SceneController
from simulator.default_scene import make_default_trainer
from simulator.panels.data_panel import DataPanel
from simulator.panels.inspector import InspectorPanel
from simulator.panels.palette import LayerPalette
from simulator.panels.training_panel import TrainingPanel
from simulator.runner import TrainingRunner, bind_runner_to_controller
from simulator.scene_files import SceneFiles
from simulator.transport import TimelineSlider, TransportBar
from simulator.views.decision_view import DecisionView
from simulator.views.point_editor import PointEditor
from simulator.warmup import PREPARING_TEXT, EngineWarmup, is_warm
from simulator.watch_tabs import WatchTabs, import_panels

ABOUT_TEXT = (  # {version} is filled in when the box opens
    "<b>nnsim {version}</b><p>A visual neural-network simulator for teaching: build a network, "
    "watch its weights and activations, and step through forward and back-propagation phase by "
    "phase.</p><p>MIT licence.</p>"
)
SLOW_PANEL_SECONDS = 0.2  # the slow watch panels (curves, confusion, images...) redraw ≤ 5 times a second
WARMUP_HOLD_SECONDS = 5.0  # the kernels load after the first frame, or after this if it never comes
PANELS_LATEST_SECONDS = 3.0  # the watch panels are built by then even if the kernels are compiling
READY_TEXT = "Ready. Press Play (Space) to train, Right for one mini-batch, Shift+Right for one phase."


class MainWindow(QMainWindow):
    """Top-level window.

    Parameters
    ----------
    trainer : engine.Trainer, optional
        The scene to show and train; the default spiral scene when omitted.
    positions : dict, optional
        Where each layer sits on the canvas; an automatic layout when omitted.
    scene_path : str or Path, optional
        A ``.nnscene`` file to open instead of ``trainer`` (a broken file shows its error and the
        default scene opens).

    Signals
    -------
    engine_ready()
        The engine's kernels are compiled and the training controls are enabled.
    """

    engine_ready = Signal()

    def __init__(
        self,
        trainer: Trainer | None = None,
        positions: dict[str, tuple[float, float]] | None = None,
        parent: QWidget | None = None,
        scene_path: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._watch_last: tuple[QWidget | None, float] = (None, 0.0)  # the watch panel refreshed last, when
        # -- scene files: the file menu, saving, autosave and the scene the window shows (scene_files.py)
        self.files = SceneFiles(self, default=trainer is None)
        drawn = None  # the scene's network as drawn, layers not connected yet included
        if scene_path is not None and trainer is None:
            loaded = self.files.read(scene_path)
            if loaded is not None:
                trainer, positions = self.files.adopt(*loaded, path=scene_path)
                drawn = loaded[0].network
        self.setAcceptDrops(True)
        # -- end scene files
        trainer = trainer if trainer is not None else make_default_trainer()
        self.controller = SceneController(trainer, positions, self, network=drawn)
        self.runner = TrainingRunner(trainer, self)
        self._unbind = bind_runner_to_controller(self.runner, self.controller)
        self.ready = False
        self.runner.wait_for_engine()  # Play pressed before the kernels are loaded starts once they are
        self.resize(1440, 900)
        self.setDockOptions(QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks)
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

        if not is_warm():  # before the widgets: the canvas then waits for the kernels instead of loading them
            self.warmup = EngineWarmup(make_default_trainer, self, preload=import_panels)
            self.warmup.finished.connect(self._on_engine_ready)
            self.warmup.preloaded.connect(self._on_panels_imported)
            self.warmup.start(hold_s=WARMUP_HOLD_SECONDS)
        self._make_widgets()
        self._make_docks()
        self._make_menus()
        self._wire()
        self.files.bind()  # scene files: follow this controller and runner
        self._show_title()
        self._set_controls_enabled(False)
        self.statusBar().setToolTip(
            "Messages from the simulator: what it is doing, and why an edit was refused"
        )
        if is_warm():
            self._on_engine_ready("")
        self._install_classroom()  # classroom: lesson dock, Teacher menu, notes and arrows, exports
        self.files.apply_classroom()  # the scene's lesson, locks, notes and arrows
        if not self.ready:  # the kernels load after the first frame; the watch panels are built once
            self.watch_tabs.hold()  # the warm-up thread has imported them (pyqtgraph takes ~0.4 s),
            QTimer.singleShot(round(1000 * PANELS_LATEST_SECONDS), self, self._on_panels_imported)
            # or by PANELS_LATEST_SECONDS: a first start compiles the kernels for a minute or more
            self.warmup.release_after_paint(self.canvas.viewport())

    # ----------------------------------------------------------------------------- classroom
    def _install_classroom(self) -> None:
        """Lesson dock, Teacher menu, notes and arrows, File ▸ Export (simulator/teacher.py)."""
        from simulator.teacher import install_classroom

        install_classroom(self)

    # ----------------------------------------------------------------------------- watch panels
    # Built once the warm-up thread has imported them (pyqtgraph takes ~0.4 s), or when first asked for.
    def _on_panels_imported(self) -> None:
        self.watch_tabs.release()

    curves = property(lambda self: self.watch_tabs.panel("curves"), doc="Loss and accuracy curves")
    layer_detail = property(lambda self: self.watch_tabs.panel("layer_detail"), doc="Layer heatmaps")
    confusion = property(lambda self: self.watch_tabs.panel("confusion"), doc="Confusion matrix")
    prediction = property(lambda self: self.watch_tabs.panel("prediction"), doc="Predicted vs target")
    sample_browser = property(lambda self: self.watch_tabs.panel("samples"), doc="One image and its outputs")
    drawing_pad = property(lambda self: self.watch_tabs.panel("draw"), doc="Draw an image to classify")

    def _on_watch_built(self) -> None:
        self.confusion.sample_requested.connect(self._open_sample)
        self.refresh()

    # ----------------------------------------------------------------------------- compat
    @property
    def trainer(self) -> Trainer:
        """The trainer of the scene (it is replaced by some edits: always read it from here)."""
        return self.controller.trainer

    # ----------------------------------------------------------------------------- scene files
    def open_trainer(
        self,
        trainer: Trainer,
        positions: dict[str, tuple[float, float]] | None = None,
        network: Network | None = None,
    ) -> None:
        """Show another scene in this window (scene files call it after a successful load).

        ``network`` is the drawn network, layers not connected yet included (default: the trainer's).

        The panels take their controller in their constructor, so the window's content is rebuilt around
        a new :class:`SceneController` and runner: toolbars, docks, the central widget and the menus are
        replaced; the window itself, its geometry and the engine's warm state stay.
        """
        self.runner.shutdown()
        self._unbind()
        old = [self.controller, self.runner]
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        for dock in self.findChildren(QDockWidget, options=direct):
            self.removeDockWidget(dock)
            old.append(dock)
        for toolbar in self.findChildren(QToolBar, options=direct):
            self.removeToolBar(toolbar)
            old.append(toolbar)
        for action in self.menuBar().actions():
            if action.menu() is not None:
                old.append(action.menu())
        self.menuBar().clear()
        old.extend(self.findChildren(QAction, options=direct))
        self.controller = SceneController(trainer, positions, self, network=network)
        self.runner = TrainingRunner(trainer, self)
        self._unbind = bind_runner_to_controller(self.runner, self.controller)
        if not self.ready:
            self.runner.wait_for_engine()
        self._make_widgets()
        self._make_docks()
        self._make_menus()
        self._wire()
        self.files.bind()
        self._install_classroom()  # the lesson dock and Teacher menu follow the new scene
        self.files.apply_classroom()
        self._docks_sized = False
        if self.isVisible():
            self._docks_sized = True
            QTimer.singleShot(0, self._size_docks)
        self.banner.setVisible(not self.ready)
        self._set_controls_enabled(self.ready)
        self._show_title()
        self.refresh()
        for item in old:
            item.deleteLater()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt's name
        self.files.drag_enter(event)

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt's name
        self.files.drop(event)

    # ----------------------------------------------------------------------------- building
    def _make_widgets(self) -> None:
        c = self.controller
        self.canvas = CanvasView(c)
        self.caption = PhaseCaption(self.runner)
        self.transport = TransportBar(self.runner)
        self.timeline = TimelineSlider(self.runner)
        self.palette = LayerPalette()
        self.inspector = InspectorPanel(c)
        self.training_panel = TrainingPanel(c)
        self.decision_view = DecisionView()
        self.point_editor = PointEditor(self.decision_view, c)
        self.data_panel = DataPanel(c, self.point_editor)

        toolbar = QToolBar("Transport")
        toolbar.setObjectName("transportToolbar")
        toolbar.setMovable(False)
        toolbar.setIconSize(QSize(18, 18))
        toolbar.addWidget(self.transport)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)

        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet(
            "#banner { background: #fff4d6; border: 1px solid #f0c36d; border-radius: 4px; }"
        )
        self.banner_label = QLabel(PREPARING_TEXT)
        self.banner_label.setToolTip(
            "The engine's compiled code is built once after install and kept on disk for later starts"
        )
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(220)
        self.busy_bar.setToolTip("Compiling the training engine…")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(10, 6, 10, 6)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addWidget(self.busy_bar)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(4)
        layout.addWidget(self.banner)
        layout.addWidget(self.caption)
        layout.addWidget(self.canvas, 1)
        layout.addWidget(self.timeline)
        self.setCentralWidget(central)

    def _dock(
        self, title: str, widget: QWidget, area: Qt.DockWidgetArea, name: str, scroll: bool = False
    ) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        if scroll:
            area_widget = QScrollArea()
            area_widget.setWidgetResizable(True)
            area_widget.setFrameShape(QFrame.Shape.NoFrame)
            area_widget.setWidget(widget)
            widget = area_widget
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _make_docks(self) -> None:
        left = Qt.DockWidgetArea.LeftDockWidgetArea
        right = Qt.DockWidgetArea.RightDockWidgetArea
        self.palette_dock = self._dock("Layers", self.palette, left, "layersDock")
        self.data_dock = self._dock("Data", self.data_panel, left, "dataDock", scroll=True)
        self.splitDockWidget(self.palette_dock, self.data_dock, Qt.Orientation.Vertical)

        output = QWidget()
        self.test_check = QCheckBox("Show test data")
        self.test_check.setToolTip("Also draw the test points (dark rims); the network never trains on them")
        self.test_check.toggled.connect(self.decision_view.set_show_test)
        legend = QLabel(
            '<span style="color:#f59322">■</span> −1 &nbsp; <span style="color:#b9bcbe">■</span> 0 &nbsp; '
            '<span style="color:#0877bd">■</span> +1'
        )
        legend.setToolTip("Colours of the output: orange −1, white 0, blue +1")
        header = QHBoxLayout()
        header.addWidget(legend)
        header.addStretch(1)
        header.addWidget(self.test_check)
        self.discretize_check = QCheckBox("Discretise output")
        self.discretize_check.setToolTip("Colour the output by class (its sign) instead of continuously")
        self.discretize_check.toggled.connect(self.decision_view.set_discretize)
        header.addWidget(self.discretize_check)
        out_layout = QVBoxLayout(output)
        out_layout.setContentsMargins(4, 4, 4, 4)
        out_layout.addLayout(header)
        out_layout.addWidget(self.decision_view, 1)
        self.output_dock = self._dock("Output", output, right, "outputDock")

        self.side_tabs = QTabWidget()
        self.side_tabs.addTab(_scrolled(self.inspector), "Layer")
        self.side_tabs.addTab(_scrolled(self.training_panel), "Training")
        self.side_tabs.setTabToolTip(0, "The selected layer's parameters")
        self.side_tabs.setTabToolTip(1, "Learning rate, batch size, optimiser, loss and regularisation")
        self.settings_dock = self._dock("Settings", self.side_tabs, right, "settingsDock")
        self.splitDockWidget(self.output_dock, self.settings_dock, Qt.Orientation.Vertical)

        self.watch_tabs = WatchTabs(self.controller)  # the panels come in after the first paint
        self.watch_dock = self._dock(
            "Watch", self.watch_tabs, Qt.DockWidgetArea.BottomDockWidgetArea, "watchDock"
        )
        self._update_task_tabs()
        self._docks_sized = False

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setToolTip("Close nnsim")
        self.quit_action.triggered.connect(self.close)
        file_menu.addAction(self.quit_action)
        self.files.install_menu(file_menu, self.quit_action)  # scene files: New/Open/Save… before Quit

        edit = bar.addMenu("&Edit")
        undo = self.controller.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.controller.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence.StandardKey.Redo])
        self.undo_action, self.redo_action = undo, redo
        edit.addAction(undo)
        edit.addAction(redo)
        edit.addSeparator()
        self.delete_action = QAction("&Delete", self)
        self.delete_action.setToolTip("Delete the selected layer or link (Delete key on the canvas)")
        self.delete_action.triggered.connect(self.canvas.graph_scene.delete_selected)
        edit.addAction(self.delete_action)
        self.arrange_action = QAction("&Arrange layers", self)
        self.arrange_action.setShortcut(QKeySequence("Ctrl+L"))
        self.arrange_action.setToolTip("Lay the layers out left to right by depth (Ctrl+L)")
        self.arrange_action.triggered.connect(self.canvas.auto_layout)
        edit.addAction(self.arrange_action)

        view = bar.addMenu("&View")
        self.fit_action = QAction("&Fit network to view", self)
        self.fit_action.setShortcut(QKeySequence("Ctrl+0"))
        self.fit_action.setToolTip("Zoom so the whole network fits the canvas (Ctrl+0, or F on the canvas)")
        self.fit_action.triggered.connect(self.canvas.fit_to_view)
        view.addAction(self.fit_action)
        view.addSeparator()
        for dock in (
            self.palette_dock,
            self.data_dock,
            self.output_dock,
            self.settings_dock,
            self.watch_dock,
        ):
            view.addAction(dock.toggleViewAction())

        train = bar.addMenu("&Train")
        for action in self.transport.actions_list:
            train.addAction(action)

        help_menu = bar.addMenu("&Help")
        self.about_action = QAction("&About nnsim", self)
        self.about_action.setToolTip("Version and licence")
        self.about_action.triggered.connect(self.show_about)
        help_menu.addAction(self.about_action)

    def _wire(self) -> None:
        c, r = self.controller, self.runner
        self.palette.layer_requested.connect(lambda kind: self.canvas.add_layer_at(kind))
        r.updated.connect(self.refresh)
        r.playing_changed.connect(self.canvas.set_draft_quality)
        r.phase.connect(self._on_phase)
        r.error.connect(self._on_error)
        r.busy_changed.connect(self._on_busy)
        r.playing_changed.connect(self._on_playing_changed)
        c.trainer_changed.connect(self._on_trainer_changed)
        c.edit_refused.connect(self._on_refused)
        c.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self.decision_view.set_scene(c.trainer.model, c.trainer.data)
        self.watch_tabs.currentChanged.connect(lambda _i: self.refresh())
        self.watch_tabs.built.connect(self._on_watch_built)
        # hover formulas: weight and neuron tooltips show the shown phase's formula with its numbers
        self.canvas.set_formula_source(lambda: (self.runner.trace, self.controller.trainer))

    # ----------------------------------------------------------------------------- slots
    def refresh(self) -> None:
        """Redraw what shows the trainer's state (called at most ~30 times a second while training).

        Before the engine is ready only the canvas redraws (its heatmaps wait for the kernels): the
        output and watch panels would call a kernel on this thread and wait for the loading one. The
        canvas and the output view share one pass over the input plane.
        """
        # a diverging run may show huge values
        with np.errstate(over="ignore", invalid="ignore"), plane.shared.one_frame():
            self.canvas.refresh()
            if not self.ready:
                return
            self.decision_view.refresh()
            current = self.watch_tabs.currentWidget()
            if current is not None and hasattr(current, "refresh") and self._watch_due(current):
                current.refresh()

    def _watch_due(self, panel: QWidget) -> bool:
        """While playing, the slowly changing watch panels (curves, confusion, prediction, images) redraw
        at most ``SLOW_PANEL_SECONDS`` apart; otherwise, and for the others, on every refresh."""
        slow = (self.curves, self.confusion, self.prediction, self.sample_browser, self.drawing_pad)
        now = time.perf_counter()
        if self.runner.is_playing and panel in slow and panel is self._watch_last[0]:
            if now - self._watch_last[1] < SLOW_PANEL_SECONDS:
                return False
        self._watch_last = (panel, now)
        return True

    def _on_phase(self, event) -> None:
        self.canvas.show_phase(event)
        self.layer_detail.show_event(event)

    def _on_trainer_changed(self) -> None:
        t = self.controller.trainer
        self.decision_view.set_scene(t.model, t.data)
        self._update_task_tabs()
        self.refresh()

    def _update_task_tabs(self) -> None:
        classification = self.controller.trainer.data.task == "classification"
        tabs = self.watch_tabs
        tabs.setTabVisible(tabs.index_of("confusion"), classification)
        tabs.setTabVisible(tabs.index_of("prediction"), not classification)
        images = classification and bool(getattr(self.controller.trainer.data, "is_image", False))
        for name in ("samples", "draw"):
            tabs.setTabVisible(tabs.index_of(name), images)
        self.output_dock.setVisible(bool(getattr(self.controller.trainer.data, "is_2d", False)))

    def _open_sample(self, split: str, index: int) -> None:
        """Show one image of the data set in the sample browser (a thumbnail of the confusion matrix)."""
        self.watch_dock.show()
        self.watch_tabs.setCurrentWidget(self.sample_browser)
        self.sample_browser.show_sample(index, split)

    def _on_refused(self, layer: str, reason: str) -> None:
        where = f"'{layer}': " if layer else ""
        self.statusBar().showMessage(f"Not changed — {where}{reason}", 8000)

    def _on_error(self, message: str) -> None:
        self.statusBar().showMessage(f"Stopped: {message}")

    def _on_playing_changed(self, playing: bool) -> None:
        if playing and self.runner.waiting_for_engine:
            self.statusBar().showMessage("Training starts as soon as the engine is ready…")

    def _on_busy(self, busy: bool) -> None:
        for widget in (self.canvas, self.palette, self.inspector, self.training_panel, self.data_panel):
            widget.setEnabled(not busy)

    def _on_clean_changed(self, _clean: bool) -> None:
        self._show_title()

    def _show_title(self) -> None:
        self.setWindowTitle(self.files.title())  # scene files: file name, and * for unsaved changes

    def _set_controls_enabled(self, enabled: bool) -> None:
        """Before the engine is ready only Play answers (training then starts when it is ready)."""
        for action in self.transport.actions_list:
            action.setEnabled(enabled or action is self.transport.play_action)
        self.timeline.setEnabled(enabled)

    def _on_engine_ready(self, problem: str) -> None:
        if self.ready:
            return
        self.ready = True
        self.banner.hide()
        self._set_controls_enabled(True)
        self.statusBar().showMessage(problem or READY_TEXT, 10000)
        self.refresh()
        self.runner.engine_ready()  # Play pressed meanwhile starts now
        self.engine_ready.emit()

    def set_central(self, widget: QWidget) -> None:
        """Show ``widget`` in the central area instead of the canvas (the window takes ownership)."""
        self.setCentralWidget(widget)

    def show_about(self) -> None:
        QMessageBox.about(self, "About nnsim", ABOUT_TEXT.format(version=simulator.__version__))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if not self._docks_sized:  # dock sizes take once the window has its size; set here, before the
            self._docks_sized = True  # first frame, they cost no second layout and frame
            self._size_docks()

    def _size_docks(self) -> None:
        self.resizeDocks([self.palette_dock, self.output_dock], [350, 360], Qt.Orientation.Horizontal)
        self.resizeDocks([self.palette_dock, self.data_dock], [210, 520], Qt.Orientation.Vertical)
        self.resizeDocks([self.output_dock, self.settings_dock], [400, 420], Qt.Orientation.Vertical)
        self.resizeDocks([self.watch_dock], [240], Qt.Orientation.Vertical)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt's name
        if not self.files.confirm_close():  # scene files: Save / Discard / Cancel unsaved changes
            event.ignore()
            return
        self.files.finish()
        self.runner.shutdown()
        if not getattr(self, "_closed", False):  # a window may be closed twice (tests, restore)
            self._closed = True
            self.controller.undo_stack.cleanChanged.disconnect(self._on_clean_changed)
        super().closeEvent(event)


def _scrolled(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(widget)
    return area
