"""The simulator's main window: a transport bar, the output view beside the loss chart, and a status bar.

Everything the window asks of the engine goes through :class:`~simulator.runner.TrainingRunner`. The
engine's kernels are compiled in a background thread at start (see :mod:`simulator.warmup`); until
that is done a busy bar explains the wait and the training controls are disabled.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSizePolicy,
    QSplitter,
    QStyle,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from engine import Trainer
from simulator import __version__
from simulator.default_scene import make_default_trainer
from simulator.learning_rate_box import LearningRateBox
from simulator.runner import Progress, TrainingRunner
from simulator.views.decision_view import DecisionView
from simulator.views.loss_view import LossView
from simulator.warmup import PREPARING_TEXT, EngineWarmup, is_warm

ABOUT_TEXT = (
    f"<b>nnsim {__version__}</b><p>A visual neural-network simulator for teaching: build a network, "
    "watch its weights and activations, and step through forward and back-propagation phase by "
    "phase.</p><p>MIT licence.</p>"
)
READY_TEXT = "Ready. Press Play (Space) to train, or Step to train on one mini-batch."


class MainWindow(QMainWindow):
    """Top-level window: File, Train and Help menus, a transport bar, and the scene's views.

    Parameters
    ----------
    trainer : engine.Trainer, optional
        The scene to show and train; the default spiral scene when omitted.

    Signals
    -------
    engine_ready()
        The engine's kernels are compiled and the training controls are enabled.
    """

    engine_ready = Signal()

    def __init__(self, trainer: Trainer | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.trainer = trainer if trainer is not None else make_default_trainer()
        self.runner = TrainingRunner(self.trainer, self)
        self.ready = False
        self.setWindowTitle(f"nnsim — {self.trainer.data.name}")
        self.resize(1200, 800)

        self._make_actions()
        self._make_menus()
        self._make_toolbar()
        self.set_central(self._make_central())
        self.statusBar().setToolTip("Messages from the simulator: what it is doing, and why training stopped")

        self.runner.updated.connect(self._on_updated)
        self.runner.error.connect(self._on_error)
        self.runner.playing_changed.connect(self._on_playing_changed)
        self.decision_view.set_scene(self.trainer.model, self.trainer.data)
        self._show_progress(None)
        self._set_controls_enabled(False)

        self.warmup = EngineWarmup(make_default_trainer, self)
        self.warmup.finished.connect(self._on_engine_ready)
        if is_warm():
            QTimer.singleShot(0, self, self._on_engine_warm)
        else:
            self.statusBar().showMessage(PREPARING_TEXT)
            self.warmup.start()

    # ----------------------------------------------------------------------------- building
    def _make_actions(self) -> None:
        style = self.style()
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.about_action = QAction("&About nnsim", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

        self.reset_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_BrowserReload), "&Reset", self
        )
        self.reset_action.setShortcut(QKeySequence("Ctrl+R"))
        self.reset_action.setToolTip(
            "Reset: put every weight back to its starting value and go back to step 0 (Ctrl+R)"
        )
        self.reset_action.triggered.connect(self.runner.reset)
        self.step_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward), "S&tep", self
        )
        self.step_action.setShortcut(QKeySequence("Right"))
        self.step_action.setToolTip("Step: train on one mini-batch of 10 points, then stop (Right arrow)")
        self.step_action.triggered.connect(self.runner.step)
        self.play_action = QAction(self)
        self.play_action.setShortcut(QKeySequence(Qt.Key.Key_Space))
        self.play_action.triggered.connect(self.runner.toggle)
        self._on_playing_changed(False)
        for action in (self.reset_action, self.step_action, self.play_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

    def _make_menus(self) -> None:
        self.file_menu = self.menuBar().addMenu("&File")
        self.file_menu.addAction(self.quit_action)
        self.train_menu = self.menuBar().addMenu("&Train")
        self.train_menu.addActions([self.play_action, self.step_action, self.reset_action])
        self.help_menu = self.menuBar().addMenu("&Help")
        self.help_menu.addAction(self.about_action)

    def _make_toolbar(self) -> None:
        bar = QToolBar("Transport", self)
        bar.setObjectName("transport")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setIconSize(QSize(20, 20))
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.toggleViewAction().setEnabled(False)
        bar.addActions([self.reset_action, self.step_action, self.play_action])
        bar.addSeparator()

        lr_label = QLabel(" Learning rate ")
        self.lr_box = LearningRateBox(self.trainer.learning_rate)
        tip = (
            "Learning rate: how far each update moves the weights along the gradient.\n"
            "Type any value (e.g. 0.3 or 1e-4) and press Enter; the arrows step 0.01 → 0.03 → 0.1 → …\n"
            "Too large a value makes training blow up; the status bar then says so."
        )
        lr_label.setToolTip(tip)
        self.lr_box.setToolTip(tip)
        self.lr_box.valueChanged.connect(self._on_learning_rate)
        bar.addWidget(lr_label)
        bar.addWidget(self.lr_box)

        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.step_label = self._stat_label("Step 000,000", "Mini-batches trained so far (one update each)")
        self.epoch_label = self._stat_label("Epoch 00,000", "Full passes through the training points so far")
        self.accuracy_label = self._stat_label(
            "Test accuracy 100.0 %", "Share of test points the network puts in the right class"
        )
        self.loss_label = self._stat_label(
            "Loss  train 0.0000  test 0.0000",
            "Mean loss over all training points and all test points at the current weights",
        )
        for label in (self.step_label, self.epoch_label, self.accuracy_label, self.loss_label):
            bar.addWidget(label)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        self.toolbar = bar

    def _stat_label(self, widest: str, tip: str) -> QLabel:
        label = QLabel()
        label.setToolTip(tip)
        label.setMinimumWidth(label.fontMetrics().horizontalAdvance(widest) + 18)
        label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        return label

    def _make_central(self) -> QWidget:
        self.banner = QFrame()
        self.banner.setObjectName("banner")
        self.banner.setStyleSheet(
            "#banner { background: #fff4d6; border: 1px solid #f0c36d; border-radius: 4px; }"
        )
        self.banner_label = QLabel(PREPARING_TEXT)
        self.banner_label.setToolTip(
            "The engine's compiled code is being built once after install; "
            "it is kept on disk for later starts"
        )
        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # busy: no known end
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setMaximumWidth(220)
        self.busy_bar.setToolTip("Compiling the training engine…")
        banner_layout = QHBoxLayout(self.banner)
        banner_layout.setContentsMargins(10, 6, 10, 6)
        banner_layout.addWidget(self.banner_label, 1)
        banner_layout.addWidget(self.busy_bar)

        self.decision_view = DecisionView()
        self.test_check = QCheckBox("Show test data")
        self.test_check.setToolTip("Also draw the test points (dark rims); the network never trains on them")
        self.test_check.toggled.connect(self.decision_view.set_show_test)
        output_title = QLabel("<b>Output</b>")
        output_title.setToolTip("What the network outputs at every point of the plane")
        legend = QLabel(
            '<span style="color:#f59322">■</span> −1 &nbsp; <span style="color:#b9bcbe">■</span> 0 &nbsp; '
            '<span style="color:#0877bd">■</span> +1'
        )
        legend.setToolTip("Colours of the output: orange −1, white 0, blue +1")
        header = QHBoxLayout()
        header.addWidget(output_title)
        header.addSpacing(12)
        header.addWidget(legend)
        header.addStretch(1)
        header.addWidget(self.test_check)
        output_panel = QWidget()
        output_layout = QVBoxLayout(output_panel)
        output_layout.setContentsMargins(0, 0, 0, 0)
        output_layout.addLayout(header)
        output_layout.addWidget(self.decision_view, 1)

        self.loss_view = LossView()
        self.loss_view.set_loss_name(self.trainer.settings.loss)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(output_panel)
        self.splitter.addWidget(self.loss_view)
        self.splitter.setStretchFactor(0, 5)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([650, 520])  # the output square fills its height at the default window size
        self.splitter.setChildrenCollapsible(False)

        central = QWidget()
        central.setObjectName("scene")
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.banner)
        layout.addWidget(self.splitter, 1)
        return central

    def set_central(self, widget: QWidget) -> None:
        """Show ``widget`` in the central area; the window takes ownership and deletes the previous one."""
        self.setCentralWidget(widget)

    # ----------------------------------------------------------------------------- slots
    def show_about(self) -> None:
        """Show the About box."""
        QMessageBox.about(self, "About nnsim", ABOUT_TEXT)

    def _set_controls_enabled(self, enabled: bool) -> None:
        for action in (self.reset_action, self.step_action, self.play_action):
            action.setEnabled(enabled)
        self.lr_box.setEnabled(enabled)

    def _on_engine_ready(self, problem: str) -> None:
        if self.ready:
            return
        self.ready = True
        self.banner.hide()
        self._set_controls_enabled(True)
        self.statusBar().showMessage(f"Note: {problem}" if problem else READY_TEXT)
        self._on_updated()
        self.engine_ready.emit()

    def _on_engine_warm(self) -> None:
        self._on_engine_ready("")

    def _on_updated(self) -> None:
        if not self.ready:
            return
        self.decision_view.refresh()
        self.loss_view.set_history(self.trainer.history)
        self._show_progress(self.runner.progress())

    def _show_progress(self, progress: Progress | None) -> None:
        if progress is None:
            self.step_label.setText(f"Step {self.trainer.step_count:,}")
            self.epoch_label.setText(f"Epoch {self.trainer.epoch:,}")
            self.accuracy_label.setText("Test accuracy –")
            self.loss_label.setText("Loss  train –  test –")
            return
        self.step_label.setText(f"Step {progress.step:,}")
        self.epoch_label.setText(f"Epoch {progress.epoch:,}")
        acc = progress.test_accuracy
        self.accuracy_label.setText(
            "Test accuracy –" if math.isnan(acc) else f"Test accuracy {100 * acc:.1f} %"
        )
        self.loss_label.setText(
            f"Loss  train {_number(progress.train_loss)}  test {_number(progress.test_loss)}"
        )

    def _on_error(self, message: str) -> None:
        self.statusBar().showMessage(f"Stopped: {message}")

    def _on_playing_changed(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_action.setIcon(self.style().standardIcon(icon))
        self.play_action.setText("&Pause" if playing else "&Play")
        self.play_action.setToolTip(
            "Pause training (Space)" if playing else "Play: train continuously (Space)"
        )
        if playing:
            self.statusBar().showMessage("Training…")
        elif self.ready and self.statusBar().currentMessage() == "Training…":
            self.statusBar().showMessage("Paused.")

    def _on_learning_rate(self, value: float) -> None:
        if self.runner.set_learning_rate(value):
            self.statusBar().showMessage(f"Learning rate {value:g} from the next step on.", 4000)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.runner.pause()
        super().closeEvent(event)


def _number(value: float) -> str:
    """Format a loss for a label at a steady width (``0.0183``, ``2.3e-05``), or – when not a number."""
    if not math.isfinite(value):
        return "–"
    if value != 0 and abs(value) < 0.001:
        return f"{value:.1e}"
    return f"{value:.4f}" if abs(value) < 1000 else f"{value:.3g}"


if __name__ == "__main__":
    import sys

    from simulator.app import run_app

    raise SystemExit(run_app(sys.argv))
