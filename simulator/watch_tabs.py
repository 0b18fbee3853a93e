"""The Watch dock's tabs, whose panels are built just after the window first shows.

The panels (curves, layer detail, confusion matrix, predicted vs target, and for image sets the sample
browser and drawing pad) draw with pyqtgraph, and importing it and building them takes about 0.4 s.
The tabs start as blank pages with their titles, so the window paints its scene without waiting;
:meth:`WatchTabs.build` puts the panels in on the turn of the event loop after the tabs first paint
(so after the window's first frame), or at once when a panel is asked for. A window that is still
loading the engine's kernels holds the panels back (:meth:`WatchTabs.hold`) until its warm-up thread
has loaded them and imported the panels' modules: the network trains and its heatmaps show first, the
curves follow.
"""

from __future__ import annotations

import importlib

from PySide6.QtCore import QTimer, Signal
from PySide6.QtGui import QPaintEvent
from PySide6.QtWidgets import QTabWidget, QWidget

from simulator.controller import SceneController

# (name, tab title, tooltip), in tab order
TABS = (
    ("curves", "Curves", "Loss and accuracy per epoch, train and test"),
    ("layer_detail", "Layer detail", "The selected layer's weights, activations and gradients as heatmaps"),
    ("confusion", "Confusion matrix", "Which classes the network confuses (test set)"),
    ("prediction", "Predicted vs target", "Predictions against targets (regression)"),
    ("samples", "Samples", "An image, the network's probabilities, every layer's output"),
    ("draw", "Draw", "Draw an image yourself and watch the network classify it"),
)


PANELS = {  # name: (module, class); the modules import pyqtgraph, so they are imported when needed
    "curves": ("simulator.panels.curves", "CurvesPanel"),
    "layer_detail": ("simulator.panels.layer_detail", "LayerDetailPanel"),
    "confusion": ("simulator.panels.confusion", "ConfusionPanel"),
    "prediction": ("simulator.panels.prediction_plot", "PredictionPanel"),
    "samples": ("simulator.panels.sample_browser", "SampleBrowser"),
    "draw": ("simulator.panels.drawing_pad", "DrawingPad"),
}


def import_panels() -> None:
    """Import the panels' modules without building any panel.

    Safe on another thread (importing them creates no Qt object), so a window can do it while it is
    idle and then build its panels without a pause.
    """
    for module, _cls in PANELS.values():
        importlib.import_module(module)


def _make_panel(name: str, controller: SceneController) -> QWidget:
    module, cls = PANELS[name]
    return getattr(importlib.import_module(module), cls)(controller)


class WatchTabs(QTabWidget):
    """Tabs of the watch panels; :meth:`panel` returns one (building them all the first time).

    Signals
    -------
    built()
        The panels replaced the blank pages.
    """

    built = Signal()

    def __init__(self, controller: SceneController, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._controller = controller
        self._panels: dict[str, QWidget] = {}
        self._soon = False
        self._held = False
        for index, (_name, title, tip) in enumerate(TABS):
            self.addTab(QWidget(), title)
            self.setTabToolTip(index, tip)

    @property
    def is_built(self) -> bool:
        return bool(self._panels)

    def index_of(self, name: str) -> int:
        """The tab index of panel ``name``, without building the panels."""
        return next(i for i, (tab, _title, _tip) in enumerate(TABS) if tab == name)

    def panel(self, name: str) -> QWidget:
        """The panel ``name`` (one of :data:`TABS`' names)."""
        self.build()
        return self._panels[name]

    def build_soon(self) -> None:
        """Build the panels on the next turn of the event loop."""
        if not self._panels and not self._soon:
            self._soon = True
            QTimer.singleShot(0, self, self.build)

    def hold(self) -> None:
        """Build the panels after :meth:`release` rather than after the first paint (a panel asked for
        is still built at once)."""
        self._held = True

    def release(self) -> None:
        """End :meth:`hold`: the panels are built on the next turn of the event loop if the tabs have
        painted already, else after their first paint."""
        if self._held:
            self._held = False
            if self.isVisible():
                self.build_soon()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        super().paintEvent(event)
        if not self._held:
            self.build_soon()  # the window's first frame is being drawn: the panels follow it

    def build(self) -> None:
        """Put the panels in place of the blank pages (once); the current tab and hidden tabs stay."""
        if self._panels:
            return
        panels = {name: _make_panel(name, self._controller) for name, _title, _tip in TABS}
        current, hidden = self.currentIndex(), [not self.isTabVisible(i) for i in range(self.count())]
        self.blockSignals(True)
        try:
            for index, (name, title, tip) in enumerate(TABS):
                blank = self.widget(index)
                self.removeTab(index)
                self.insertTab(index, panels[name], title)
                self.setTabToolTip(index, tip)
                self.setTabVisible(index, not hidden[index])
                blank.deleteLater()
            self.setCurrentIndex(current)
        finally:
            self.blockSignals(False)
        self._panels = panels
        self.built.emit()
