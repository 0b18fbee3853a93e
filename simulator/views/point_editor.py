"""Adding and erasing data points by clicking on the output view, as students ask of the Playground.

:class:`PointEditor` watches a :class:`~simulator.views.decision_view.DecisionView` through an event filter.
In "add" mode a left click puts a training point of the chosen class (or, for regression, the chosen value)
where it lands; in "erase" mode a click, or a drag, removes the points within the brush radius. Every change
is a new ``Dataset`` handed to ``SceneController.set_dataset``, so Undo takes it back.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QColor, QIcon, QMouseEvent, QPainter, QPaintEvent, QPen, QPixmap
from PySide6.QtWidgets import (
    QButtonGroup,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from engine import NnsimError
from engine.data import Dataset
from simulator.colours import NEGATIVE, POSITIVE
from simulator.controller import SceneController
from simulator.views.decision_view import EXTENT, DecisionView

OFF, ADD, ERASE = "off", "add", "erase"
#: class colours: the Playground's orange (class 0, its −1) and blue (class 1, its +1), then more
CLASS_COLOURS = (NEGATIVE, POSITIVE, "#2ca02c", "#9467bd", "#d62728", "#8c564b", "#e377c2", "#17becf")
MODES = (OFF, ADD, ERASE)
ERASE_RADIUS = 0.6  # in data units; the plane is 12 units wide


def pixel_to_data(view: DecisionView, pos: QPointF) -> tuple[float, float] | None:
    """The data coordinates ``(x1, x2)`` under widget pixel ``pos``, or None outside the plotted square."""
    rect = view.plot_rect()
    if not rect.contains(pos):
        return None
    x1 = -EXTENT + (pos.x() - rect.left()) / rect.width() * 2 * EXTENT
    x2 = EXTENT - (pos.y() - rect.top()) / rect.height() * 2 * EXTENT
    return float(x1), float(x2)


def data_to_pixel(view: DecisionView, x1: float, x2: float) -> QPointF:
    """The widget pixel where data point ``(x1, x2)`` is drawn."""
    rect = view.plot_rect()
    return QPointF(
        rect.left() + (x1 + EXTENT) / (2 * EXTENT) * rect.width(),
        rect.top() + (EXTENT - x2) / (2 * EXTENT) * rect.height(),
    )


class _BrushOverlay(QWidget):
    """Draws the eraser's circle over the view where the mouse is; lets every click through."""

    def __init__(self, view: DecisionView) -> None:
        super().__init__(view)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground, True)
        self.view = view
        self.centre: QPointF | None = None
        self.radius_px = 0.0
        self.resize(view.size())

    def paintEvent(self, event: QPaintEvent) -> None:
        if self.centre is None:
            return
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(QPen(QColor("#202124"), 1.5, Qt.PenStyle.DashLine))
        p.setBrush(QColor(255, 255, 255, 60))
        p.drawEllipse(self.centre, self.radius_px, self.radius_px)
        p.end()


class PointEditor(QObject):
    """Turns clicks on ``view`` into new or erased training points of ``controller``'s 2-D data set.

    Parameters
    ----------
    view : DecisionView
        The output view to click on; the editor installs an event filter on it and never draws into it.
    controller : SceneController
        Receives each edited data set through ``set_dataset`` (one undo step per click or drag).
    sync_view : bool
        Also hand the new data set to ``view`` (``set_scene`` + ``refresh``) on ``trainer_changed``; pass
        False when the window already does that.

    Signals
    -------
    mode_changed(str)
        ``"off"``, ``"add"`` or ``"erase"``.
    points_changed(int)
        Points were added (positive count) or erased (negative count).
    refused(str)
        The controller or the data set refused the change; nothing changed.
    """

    mode_changed = Signal(str)
    points_changed = Signal(int)
    refused = Signal(str)

    def __init__(
        self,
        view: DecisionView,
        controller: SceneController,
        sync_view: bool = True,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent if parent is not None else view)
        self.view = view
        self.controller = controller
        self.mode = OFF
        self.label = 1
        self.value = 0.5
        self.radius = ERASE_RADIUS
        self._macro_open = False
        self._erased = 0
        self._refusal = ""
        self._listening = False
        self.overlay = _BrushOverlay(view)
        self.overlay.hide()
        view.installEventFilter(self)
        controller.edit_refused.connect(self._on_refused)
        if sync_view:
            controller.trainer_changed.connect(self._sync_view)

    # ------------------------------------------------------------------------------- settings
    def set_mode(self, mode: str) -> None:
        """``"off"`` (clicks do nothing here), ``"add"`` or ``"erase"``."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}, not {mode!r}")
        self._close_macro()
        if mode == self.mode:
            return
        self.mode = mode
        self.view.setMouseTracking(mode == ERASE)
        cursor = Qt.CursorShape.ArrowCursor if mode == OFF else Qt.CursorShape.CrossCursor
        self.view.setCursor(cursor)
        if mode != ERASE:
            self.overlay.centre = None
            self.overlay.hide()
        self.mode_changed.emit(mode)

    def set_label(self, label: int) -> None:
        """The class index new points get (classification sets)."""
        self.label = int(label)

    def set_value(self, value: float) -> None:
        """The target value new points get (regression sets)."""
        self.value = float(value)

    @property
    def enabled(self) -> bool:
        """Whether the data can take clicked points: only the 2-D sets can."""
        return self.controller.dataset.is_2d

    # ------------------------------------------------------------------------------- edits
    def add_point(self, x1: float, x2: float) -> bool:
        """Add one training point at ``(x1, x2)`` with the chosen class or value."""
        ds = self.controller.dataset
        target: object = [self.label] if ds.task == "classification" else [[self.value] * ds.t_train.shape[1]]
        try:
            new = ds.with_points(np.array([[x1, x2]]), target)
        except NnsimError as exc:
            self.refused.emit(str(exc))
            return False
        if not self._set(new, "Add a point"):
            return False
        self.points_changed.emit(1)
        return True

    def erase_near(self, x1: float, x2: float) -> int:
        """Remove the points (train and test) within the brush radius of ``(x1, x2)``; returns how many."""
        ds = self.controller.dataset
        try:
            new = ds.without_points_near((x1, x2), self.radius)
        except NnsimError as exc:
            self.refused.emit(str(exc))
            return 0
        removed = ds.n_train + ds.n_test - new.n_train - new.n_test
        if removed == 0:
            return 0
        if new.n_train == 0:
            self.refused.emit("the eraser would remove every training point; at least one must stay")
            return 0
        if not self._macro_open:
            self.controller.undo_stack.beginMacro("Erase points")
            self._macro_open = True
        if not self._set(new, "Erase points"):
            return 0
        self._erased += removed
        return removed

    def _set(self, dataset, text: str) -> bool:
        self._refusal = ""
        self._listening = True
        try:
            ok = self.controller.set_dataset(dataset, text)
        finally:
            self._listening = False
        if not ok:
            self.refused.emit(self._refusal or "the change was refused")
        return ok

    def _on_refused(self, _layer: str, reason: str) -> None:
        if self._listening:
            self._refusal = reason

    def _close_macro(self) -> None:
        if self._macro_open:
            self.controller.undo_stack.endMacro()
            self._macro_open = False
            if self._erased:
                self.points_changed.emit(-self._erased)
            self._erased = 0

    def _sync_view(self) -> None:
        trainer = self.controller.trainer
        self.view.set_scene(trainer.model, trainer.data)
        self.view.refresh()

    # ------------------------------------------------------------------------------- events
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        if watched is not self.view:
            return False
        kind = event.type()
        if kind == QEvent.Type.Resize:
            self.overlay.resize(self.view.size())
            return False
        if self.mode == OFF or not self.enabled:
            return False
        if kind == QEvent.Type.MouseButtonPress and isinstance(event, QMouseEvent):
            if event.button() != Qt.MouseButton.LeftButton:
                return False
            where = pixel_to_data(self.view, event.position())
            if where is None:
                return False
            if self.mode == ADD:
                self.add_point(*where)
            else:
                self.erase_near(*where)
            return True
        if kind == QEvent.Type.MouseMove and isinstance(event, QMouseEvent) and self.mode == ERASE:
            self._move_brush(event.position())
            if event.buttons() & Qt.MouseButton.LeftButton:
                where = pixel_to_data(self.view, event.position())
                if where is not None:
                    self.erase_near(*where)
                return True
            return False
        if kind == QEvent.Type.MouseButtonRelease:
            self._close_macro()
            return self.mode != OFF
        if kind == QEvent.Type.Leave:
            self._close_macro()
            self.overlay.centre = None
            self.overlay.update()
        return False

    def _move_brush(self, pos: QPointF) -> None:
        rect = self.view.plot_rect()
        self.overlay.radius_px = self.radius / (2 * EXTENT) * rect.width()
        self.overlay.centre = pos if rect.contains(pos) else None
        self.overlay.show()
        self.overlay.raise_()
        self.overlay.update()


def class_colour(label: int) -> QColor:
    """The colour of class ``label``, as the data preview and the tool buttons draw it."""
    return QColor(CLASS_COLOURS[int(label) % len(CLASS_COLOURS)])


def dot_icon(colour: QColor, size: int = 12) -> QIcon:
    """A filled circle with a white rim, like a data point."""
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    p = QPainter(pixmap)
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    p.setPen(QPen(QColor("#5f6368"), 1))
    p.setBrush(colour)
    p.drawEllipse(QPointF(size / 2, size / 2), size / 2 - 1, size / 2 - 1)
    p.end()
    return QIcon(pixmap)


class PointTools(QWidget):
    """The row "Click on the output to: Off · class A · class B · … · Erase" that drives a PointEditor.

    Parameters
    ----------
    editor : PointEditor or None
        The editor to drive; without one (or for data without 2-D points) the row is disabled.
    """

    def __init__(self, editor: PointEditor | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editor: PointEditor | None = None
        self.group = QButtonGroup(self)
        self.group.setExclusive(True)
        self.buttons: dict[str, QToolButton] = {}
        self.value = QDoubleSpinBox()
        self.value.setRange(-1.0, 1.0)
        self.value.setSingleStep(0.1)
        self.value.setDecimals(2)
        self.value.setValue(0.5)
        self.value.setMaximumWidth(self.value.fontMetrics().horizontalAdvance("-0.00") + 36)
        self.value.setToolTip("The target value a clicked point gets (regression data)")
        self.value.valueChanged.connect(self._on_value)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setStyleSheet("color: #5f6368;")
        self.row = QHBoxLayout()
        self.row.setSpacing(3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        title = QLabel("Click on the output to:")
        title.setToolTip("Add training points of a class, or erase points, by clicking on the output view")
        layout.addWidget(title)
        layout.addLayout(self.row)
        layout.addWidget(self.note)
        self._dataset: Dataset | None = None
        self.group.idToggled.connect(self._on_toggled)
        self.set_editor(editor)

    def set_editor(self, editor: PointEditor | None) -> None:
        """Drive ``editor`` from now on (None: nothing to drive)."""
        if self.editor is not None:
            self.editor.set_mode(OFF)
        self.editor = editor
        self._rebuild()

    def set_dataset(self, dataset: Dataset) -> None:
        """Offer the classes (or a value) of ``dataset``; goes back to Off when the kind of data changed."""
        old = self._dataset
        self._dataset = dataset
        same = (
            old is not None
            and old.task == dataset.task
            and old.n_classes == dataset.n_classes
            and old.class_names == dataset.class_names
            and old.is_2d == dataset.is_2d
        )
        if not same:
            self._rebuild()

    def _rebuild(self) -> None:
        while self.row.count():
            widget = self.row.takeAt(0).widget()
            if isinstance(widget, QToolButton):
                self.group.removeButton(widget)
                widget.hide()
                widget.setParent(None)
                widget.deleteLater()
        self.buttons = {}
        self.value.hide()
        if self.editor is not None:
            self.editor.set_mode(OFF)
        ds = self._dataset
        entries: list[tuple[str, str, str, QIcon | None]] = [
            ("off", "Off", "Clicks on the output do nothing", None)
        ]
        if ds is not None and ds.task == "classification":
            for k, name in enumerate(ds.class_names):
                tip = f"Each click adds a training point of class {name}"
                entries.append((f"class:{k}", name, tip, dot_icon(class_colour(k))))
        elif ds is not None:
            entries.append(("value", "Add", "Each click adds a training point with the value beside", None))
        entries.append(
            ("erase", "Erase", f"Click or drag to remove points within {ERASE_RADIUS:g} of the pointer", None)
        )
        for i, (key, text, tip, icon) in enumerate(entries):
            button = QToolButton()
            button.setText(text)
            button.setToolTip(tip)
            button.setCheckable(True)
            button.setAutoRaise(False)
            if icon is not None:
                button.setIcon(icon)
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            self.group.addButton(button, i)
            self.row.insertWidget(i, button)
            button.show()
            self.buttons[key] = button
        if ds is not None and ds.task == "regression":
            self.row.insertWidget(2, self.value)  # beside "Add"
            self.value.show()
        self.row.addStretch(1)
        blocker = QSignalBlocker(self.group)
        self.buttons["off"].setChecked(True)
        blocker.unblock()
        usable = self.editor is not None and ds is not None and ds.is_2d
        self.setEnabled(usable)
        if self.editor is None:
            self.note.setText("Needs the output view.")
        elif ds is not None and not ds.is_2d:
            self.note.setText("Only the 2-D sets take clicked points.")
        else:
            self.note.setText("")
        self.note.setVisible(bool(self.note.text()))

    def choose(self, key: str) -> None:
        """Press the button ``key``: ``"off"``, ``"class:K"``, ``"value"`` or ``"erase"``."""
        self.buttons[key].setChecked(True)

    def _on_toggled(self, button_id: int, checked: bool) -> None:
        if not checked or self.editor is None:
            return
        key = next(k for k, b in self.buttons.items() if self.group.id(b) == button_id)
        if key.startswith("class:"):
            self.editor.set_label(int(key.split(":")[1]))
            self.editor.set_mode(ADD)
        elif key == "value":
            self.editor.set_value(self.value.value())
            self.editor.set_mode(ADD)
        else:
            self.editor.set_mode(ERASE if key == "erase" else OFF)

    def _on_value(self, value: float) -> None:
        if self.editor is not None:
            self.editor.set_value(value)


if __name__ == "__main__":
    import sys

    from PySide6.QtWidgets import QApplication

    from simulator.default_scene import make_default_trainer

    app = QApplication(sys.argv)
    scene = SceneController(make_default_trainer())
    view = DecisionView()
    editor = PointEditor(view, scene)
    editor.set_mode(ADD)
    view.set_scene(scene.trainer.model, scene.dataset)
    view.refresh()
    view.setWindowTitle("Click to add +1 points")
    view.show()
    raise SystemExit(app.exec())
