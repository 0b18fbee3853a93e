"""A frame while training touches only what changed: counters repaint without laying the window out,
the timeline repaints only when its handle moves, and locks re-applied unchanged post no tooltip events."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QHBoxLayout, QWidget

from simulator.controller import SceneController
from simulator.default_scene import make_default_trainer
from simulator.panels.training_panel import TrainingPanel
from simulator.transport import CounterLabel, QuietSlider

pytestmark = pytest.mark.gui


class EventCounter(QObject):
    """Counts the events of some types that reach the watched widgets."""

    def __init__(self, *widgets: QWidget) -> None:
        super().__init__()
        self.counts: dict[QEvent.Type, int] = {}
        for widget in widgets:
            widget.installEventFilter(self)

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 - Qt's name
        self.counts[event.type()] = self.counts.get(event.type(), 0) + 1
        return False

    def __getitem__(self, kind: QEvent.Type) -> int:
        return self.counts.get(kind, 0)


@pytest.fixture
def row(qtbot):
    """A shown row with a counter label and a stretch, as in the transport bar."""
    w = QWidget()
    layout = QHBoxLayout(w)
    label = CounterLabel("Step 000,000", 12)
    layout.addWidget(label)
    layout.addStretch(1)
    qtbot.addWidget(w)
    w.resize(400, 40)
    w.show()
    qtbot.waitExposed(w)
    return w, label


def test_a_new_count_repaints_the_counter_without_a_layout(row):
    w, label = row
    events = EventCounter(w)
    QApplication.processEvents()
    before = label.size()
    for step in range(1, 20):
        label.show_text(f"Step {step * 1234:,}")
        QApplication.processEvents()
    assert label.text() == f"Step {19 * 1234:,}"
    assert label.size() == before
    assert events[QEvent.Type.LayoutRequest] == 0


def test_a_counter_widens_for_a_number_longer_than_planned(row):
    _w, label = row
    text = "Step 123,456,789,012"
    label.show_text(text)
    QApplication.processEvents()
    assert label.width() >= label.fontMetrics().horizontalAdvance(text)
    assert label.text() == text


@pytest.fixture
def slider(qtbot):
    s = QuietSlider(Qt.Orientation.Horizontal)
    qtbot.addWidget(s)
    s.resize(500, 24)
    s.set_state(0, 100, 100, 5)
    s.show()
    qtbot.waitExposed(s)
    QApplication.processEvents()
    return s


def test_a_growing_timeline_with_its_handle_at_the_end_is_not_repainted(slider):
    events = EventCounter(slider)
    for furthest in range(101, 140):
        slider.set_state(0, furthest, furthest, max(1, furthest // 20))
        QApplication.processEvents()
    assert (slider.minimum(), slider.maximum(), slider.value()) == (0, 139, 139)
    assert events[QEvent.Type.Paint] == 0


def test_the_timeline_repaints_when_its_handle_moves(slider):
    events = EventCounter(slider)
    before = slider.handle_rect()
    slider.set_state(0, 100, 40, 5)
    QApplication.processEvents()
    assert slider.value() == 40 and slider.handle_rect() != before
    assert events[QEvent.Type.Paint] >= 1


def test_locks_applied_again_unchanged_post_no_tooltip_changes(qtbot):
    controller = SceneController(make_default_trainer())
    panel = TrainingPanel(controller)
    qtbot.addWidget(panel)
    controller.locked_params = {"training.batch_size"}
    panel.apply_locks()
    assert "Locked by the teacher" in panel.batch_size.toolTip() and not panel.batch_size.isEnabled()
    events = EventCounter(*panel.fields.values())
    panel.apply_locks()
    QApplication.processEvents()
    assert events[QEvent.Type.ToolTipChange] == 0
    controller.locked_params = set()
    panel.apply_locks()  # a change still shows
    assert "Locked" not in panel.batch_size.toolTip() and panel.batch_size.isEnabled()
    assert events[QEvent.Type.ToolTipChange] >= 1
