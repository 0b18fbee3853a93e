"""Teacher mode and locks: what a student may not change, and the menu a teacher sets it with.

Locks come in three kinds (``engine.scene.Locks``):

- ``layers``: layer ids the student may not edit or delete (the controller refuses, the canvas shows a
  balloon "… locked by the teacher", and a padlock badge sits on the layer);
- ``params``: settings such as ``"h1.units"`` (kept in ``controller.locked_params``; layer settings are
  refused by the controller);
- ``controls``: whole controls (``engine.scene.vocabulary.CONTROLS``, plus the short names ``data`` and
  ``palette``): their widgets are disabled while the window is not in teacher mode.

In teacher mode nothing is locked for the teacher: the controller lets every edit through, and the
Teacher menu and the canvas's right-click menu on a layer lock and unlock.

The file code calls :func:`locks_from_window` and :func:`apply_locks`.
"""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QAction, QContextMenuEvent, QKeySequence
from PySide6.QtWidgets import QMenu

from engine.scene import Locks
from engine.scene.vocabulary import CONTROLS
from simulator.canvas.annotations import LockBadges, annotations_of
from simulator.canvas.layer_base import LayerItem
from simulator.canvas.ports import PortItem
from simulator.export import ExportActions
from simulator.panels.lesson import LessonPanel

ALIASES = {"data": "dataset", "palette": "add_layer"}
"""Short names accepted for some controls; the file format's names are kept."""

CONTROL_TITLES = {
    "add_layer": "Adding layers (palette)",
    "remove_layer": "Deleting layers (Edit ▸ Delete)",
    "connect": "Connecting layers (ports)",
    "dataset": "Data panel",
    "features": "Input features",
    "training": "Training settings",
    "reset": "Reset button",
    "rewind": "Step back and timeline",
    "edit_points": "Adding points by hand",
}


def control_name(name: str) -> str:
    return ALIASES.get(name, name)


def control_targets(window, name: str) -> list:
    """The widgets and actions of ``window`` that control ``name`` stands for (empty when unknown)."""
    transport = getattr(window, "transport", None)
    data_panel = getattr(window, "data_panel", None)
    targets = {
        "add_layer": [getattr(window, "palette", None)],
        "remove_layer": [getattr(window, "delete_action", None)],
        "dataset": [data_panel],
        "features": [getattr(data_panel, "features_widget", None)],
        "training": [getattr(window, "training_panel", None)],
        "reset": [getattr(transport, "reset_action", None)],
        "rewind": [getattr(transport, "step_back_action", None), getattr(window, "timeline", None)],
        "edit_points": [getattr(data_panel, "point_tools", None)],
    }.get(control_name(name), [])
    return [t for t in targets if t is not None]


class TeacherControls(QObject):
    """The window's teacher mode, its locks and the Teacher menu.

    Signals
    -------
    locks_changed()
        Layers, settings or controls were locked or unlocked.
    teacher_mode_changed(bool)
    """

    locks_changed = Signal()
    teacher_mode_changed = Signal(bool)

    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.controller = window.controller
        self.locked_controls: set[str] = set()
        self._disabled: list = []  # what the control locks disabled, to enable again
        self.badges = LockBadges(window.canvas.graph_scene, self.controller)
        self.locks_changed.connect(self.badges.refresh)
        self.locks_changed.connect(self.enforce)

        self.mode_action = QAction("&Teacher mode", window)
        self.mode_action.setCheckable(True)
        self.mode_action.setToolTip(
            "Teacher mode: locks do not apply, and layers and controls can be locked or unlocked"
        )
        self.mode_action.toggled.connect(self.set_teacher_mode)
        self.lock_action = QAction("&Lock selected layer", window)
        self.lock_action.setToolTip("Students may not edit, move or delete the selected layer")
        self.lock_action.triggered.connect(lambda: self.lock_layer(self.controller.selected, True))
        self.unlock_action = QAction("&Unlock selected layer", window)
        self.unlock_action.setToolTip("Let students edit the selected layer again")
        self.unlock_action.triggered.connect(lambda: self.lock_layer(self.controller.selected, False))
        self.control_actions: dict[str, QAction] = {}
        for name in CONTROLS:
            action = QAction(CONTROL_TITLES.get(name, name), window)
            action.setCheckable(True)
            action.setToolTip(f"Lock the control '{name}' for students")
            action.toggled.connect(lambda on, name=name: self._on_control_toggled(name, on))
            self.control_actions[name] = action

        self.controller.selection_changed.connect(self._update_actions)
        runner = window.runner
        for signal in (runner.busy_changed, runner.playing_changed):
            signal.connect(self.enforce)  # the window enables some of these again after training
        # every frame only the locked controls' widgets are checked: the field locks of the training
        # panel and the inspector change with the locks and the teacher mode, not with training
        runner.updated.connect(self._enforce_targets)
        window.canvas.viewport().installEventFilter(self)
        window.canvas.installEventFilter(self)
        self._update_actions()

    # ------------------------------------------------------------------------------ menu
    def make_menu(self, menu: QMenu) -> QMenu:
        """Fill ``menu`` (the window's Teacher menu)."""
        menu.setToolTipsVisible(True)
        menu.addAction(self.mode_action)
        menu.addSeparator()
        menu.addAction(self.lock_action)
        menu.addAction(self.unlock_action)
        controls = menu.addMenu("Lock &control")
        controls.setToolTipsVisible(True)
        for action in self.control_actions.values():
            controls.addAction(action)
        self.controls_menu = controls
        return menu

    # ------------------------------------------------------------------------------ mode
    @property
    def teacher_mode(self) -> bool:
        return self.controller.teacher_mode

    def set_teacher_mode(self, on: bool) -> None:
        on = bool(on)
        if self.mode_action.isChecked() != on:
            self.mode_action.setChecked(on)  # comes back here through toggled
            return
        self.controller.teacher_mode = on
        self._update_actions()
        self.badges.refresh()
        self.enforce()
        self.teacher_mode_changed.emit(on)
        bar = self.window.statusBar() if hasattr(self.window, "statusBar") else None
        if bar is not None:
            bar.showMessage(
                "Teacher mode: locks do not apply; lock layers and controls from the Teacher menu"
                if on
                else "Student mode: locked layers and controls cannot be changed",
                6000,
            )

    def _update_actions(self, *_args) -> None:
        selected = self.controller.selected
        on = self.controller.teacher_mode
        locked = selected in self.controller.locked_layers
        self.lock_action.setEnabled(on and bool(selected) and not locked)
        self.unlock_action.setEnabled(on and bool(selected) and locked)
        for action in self.control_actions.values():
            action.setEnabled(on)

    # ------------------------------------------------------------------------------ locks
    def lock_layer(self, layer_id: str, locked: bool = True) -> None:
        if not layer_id:
            return
        if locked:
            self.controller.locked_layers.add(layer_id)
        else:
            self.controller.locked_layers.discard(layer_id)
        self._update_actions()
        self.locks_changed.emit()

    def set_locked_controls(self, names) -> None:
        self.locked_controls = {control_name(n) for n in names}
        for name, action in self.control_actions.items():
            if action.isChecked() != (name in self.locked_controls):
                action.blockSignals(True)
                action.setChecked(name in self.locked_controls)
                action.blockSignals(False)
        self.locks_changed.emit()

    def _on_control_toggled(self, name: str, on: bool) -> None:
        names = set(self.locked_controls)
        (names.add if on else names.discard)(name)
        self.set_locked_controls(names)

    def enforce(self, *_args) -> None:
        """Disable the locked controls' widgets (not in teacher mode); enable what was unlocked."""
        self._enforce_targets()
        panel = getattr(self.window, "training_panel", None)
        if panel is not None and hasattr(panel, "apply_locks"):
            panel.apply_locks()  # single training settings locked by name ("training.batch_size")
        inspector = getattr(self.window, "inspector", None)
        if inspector is not None:
            inspector.refresh()  # layer parameters locked by name ("dense_1.units")

    def _enforce_targets(self, *_args) -> None:
        wanted = [] if self.controller.teacher_mode else self._targets()
        for target in self._disabled:
            if not any(target is w for w in wanted):
                target.setEnabled(True)
        for target in wanted:
            if target.isEnabled():
                target.setEnabled(False)
        self._disabled = wanted

    def _targets(self) -> list:
        found: list = []
        for name in sorted(self.locked_controls):
            for target in control_targets(self.window, name):
                if not any(target is t for t in found):
                    found.append(target)
        return found

    # ------------------------------------------------------------------------------ canvas menu
    def _student_locked(self, name: str) -> bool:
        return name in self.locked_controls and not self.controller.teacher_mode

    def _refuse(self, text: str) -> bool:
        self.window.statusBar().showMessage(f"Not changed — {text} is locked by the teacher", 6000)
        return True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt's name
        view = self.window.canvas
        kind = event.type()
        if kind == QEvent.Type.KeyPress and watched is view and self._student_locked("remove_layer"):
            deleting = event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace)
            if deleting and any(isinstance(i, LayerItem) for i in view.graph_scene.selectedItems()):
                return self._refuse("deleting layers")
        if (
            kind == QEvent.Type.MouseButtonPress
            and watched is view.viewport()
            and self._student_locked("connect")
        ):
            under = view.graph_scene.items(view.mapToScene(event.position().toPoint()))
            if under and isinstance(under[0], PortItem):
                return self._refuse("connecting layers")
        if event.type() == QEvent.Type.ContextMenu and self.controller.teacher_mode:
            view = self.window.canvas
            pos = view.mapToScene(event.pos())
            layer = next((i for i in view.graph_scene.items(pos) if isinstance(i, LayerItem)), None)
            if layer is not None and isinstance(event, QContextMenuEvent):
                self.layer_menu(layer.layer_id).exec(event.globalPos())
                return True
        return super().eventFilter(watched, event)

    def layer_menu(self, layer_id: str) -> QMenu:
        """The right-click menu on a layer in teacher mode: lock or unlock it."""
        menu = QMenu(self.window)
        locked = layer_id in self.controller.locked_layers
        action = menu.addAction(f"{'Unlock' if locked else 'Lock'} layer {layer_id}")
        action.setToolTip("Whether students may edit this layer")
        action.triggered.connect(lambda: self.lock_layer(layer_id, not locked))
        return menu


def teacher_of(window) -> TeacherControls:
    """The window's :class:`TeacherControls` (made on first use)."""
    existing = getattr(window, "teacher", None)
    if not isinstance(existing, TeacherControls):
        existing = TeacherControls(window)
        window.teacher = existing
    return existing


def apply_control_locks(window, locked: set[str]) -> None:
    """Lock whole controls by name (``"dataset"`` or ``"data"``, ``"training"``, ``"add_layer"`` …).

    Their widgets are disabled while the window is not in teacher mode. Unknown names are kept (a later
    version may know them) and change nothing.
    """
    teacher_of(window).set_locked_controls(set(locked))


def locks_from_window(window) -> Locks:
    """The window's locks, as saved in a scene."""
    c = window.controller
    return Locks(
        layers=tuple(sorted(c.locked_layers)),
        params=tuple(sorted(c.locked_params)),
        controls=tuple(sorted(teacher_of(window).locked_controls)),
    )


def apply_locks(window, locks: Locks | None) -> None:
    """Use ``locks`` (from a scene; None: nothing locked) in ``window``."""
    locks = locks or Locks()
    c = window.controller
    c.locked_layers = set(locks.layers)
    c.locked_params = set(locks.params)
    teacher = teacher_of(window)
    teacher._update_actions()
    teacher.set_locked_controls(set(locks.controls))  # emits locks_changed: badges and widgets follow


# ---------------------------------------------------------------------------------- the window
PANEL_TABS = {"loss": "curves", "weights": "layer_detail", "activations": "layer_detail"}
PANEL_TABS |= {"gradients": "layer_detail", "confusion": "confusion"}
PANEL_TABS |= {"samples": "sample_browser", "draw": "drawing_pad"}


def show_panel(window, name: str) -> bool:
    """Open panel ``name`` (``engine.scene.vocabulary.PANELS``) in ``window``; False if unknown."""
    if name == "network":
        window.canvas.setFocus()
        return True
    docks = {"data": "data_dock", "lesson": "lesson_dock"}
    if name in docks and getattr(window, docks[name], None) is not None:
        dock = getattr(window, docks[name])
        dock.show()
        dock.raise_()
        return True
    tab = getattr(window, PANEL_TABS.get(name, ""), None)
    if tab is None:
        return False
    window.watch_dock.show()
    window.watch_dock.raise_()
    window.watch_tabs.setCurrentWidget(tab)
    return True


def _menu(window, title: str) -> QMenu | None:
    for action in window.menuBar().actions():
        if action.menu() is not None and action.text().replace("&", "") == title:
            return action.menu()
    return None


def _remove_previous(window) -> None:
    """Take out what an earlier ``install_classroom`` added, where the window has not dropped it already."""
    for name in ("teacher", "exports"):
        previous = getattr(window, name, None)
        if previous is not None and shiboken6.isValid(previous):
            previous.deleteLater()
    dock = getattr(window, "lesson_dock", None)
    if dock is not None and shiboken6.isValid(dock):
        window.removeDockWidget(dock)
        dock.deleteLater()
    for name in ("teacher_menu", "export_menu", "add_note_action", "add_arrow_action"):
        thing = getattr(window, name, None)
        if thing is None or not shiboken6.isValid(thing):
            continue
        action = thing.menuAction() if isinstance(thing, QMenu) else thing
        for menu in [window.menuBar(), *window.menuBar().findChildren(QMenu)]:
            if shiboken6.isValid(menu):
                menu.removeAction(action)
        thing.deleteLater()


def install_classroom(window) -> None:
    """Add the lesson dock, the Teacher menu, notes and arrows, and File ▸ Export to ``window``.

    Call it once the window has its widgets, docks and menus, and again whenever they are rebuilt
    around a new controller (the teacher mode is kept; locks, notes and the lesson start empty).
    """
    old = getattr(window, "teacher", None)
    was_teacher = bool(old is not None and shiboken6.isValid(old) and old.mode_action.isChecked())
    _remove_previous(window)

    # the lesson, tabbed with the settings
    window.lesson_panel = LessonPanel(
        window.controller,
        window.runner,
        lambda n: show_panel(window, n),
        data_panel=getattr(window, "data_panel", None),
    )
    scene = getattr(window, "scene", None)
    window.lesson_panel.set_lesson(getattr(scene, "lesson", None))
    window.lesson_panel.action_done.connect(lambda text: window.statusBar().showMessage(text, 6000))
    window.lesson_panel.settings_changed.connect(window.training_panel.refresh)
    window.lesson_dock = window._dock(
        "Lesson", window.lesson_panel, Qt.DockWidgetArea.RightDockWidgetArea, "lessonDock"
    )
    window.lesson_dock.setToolTip("The scene's lesson: read the steps and press their buttons")
    window.tabifyDockWidget(window.settings_dock, window.lesson_dock)
    window.settings_dock.raise_()

    # teacher mode and locks
    window.teacher = TeacherControls(window)
    window.teacher_menu = window.teacher.make_menu(QMenu("&Teacher", window))
    help_menu = _menu(window, "Help")
    if help_menu is not None:
        window.menuBar().insertMenu(help_menu.menuAction(), window.teacher_menu)
    else:
        window.menuBar().addMenu(window.teacher_menu)
    if was_teacher:
        window.teacher.set_teacher_mode(True)

    # notes and arrows: anyone may add them (they are drawings, not edits of the network)
    window.annotations = annotations_of(window.canvas.graph_scene)
    window.annotations.watch_keys(window.canvas)
    files = getattr(window, "files", None)
    if files is not None:  # a moved, edited, added or deleted note or arrow is an unsaved change
        window.annotations.changed.connect(files.update_title)
    window.add_note_action = QAction("Add &note", window)
    window.add_note_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
    window.add_note_action.setToolTip("Put a sticky note on the canvas (double-click it to write)")
    window.add_note_action.triggered.connect(lambda: window.annotations.add_note().edit_text())
    window.add_arrow_action = QAction("Add a&rrow", window)
    window.add_arrow_action.setShortcut(QKeySequence("Ctrl+Shift+A"))
    window.add_arrow_action.setToolTip("Draw an arrow on the canvas (drag its ends to point it)")
    window.add_arrow_action.triggered.connect(lambda: window.annotations.add_arrow())
    window.delete_action.triggered.connect(
        window.annotations.delete_selected, Qt.ConnectionType.UniqueConnection
    )
    edit = _menu(window, "Edit")
    if edit is not None:
        edit.addSeparator()
        edit.addAction(window.add_note_action)
        edit.addAction(window.add_arrow_action)

    # exports
    window.exports = ExportActions(window)
    file_menu = _menu(window, "File")
    window.export_menu = window.exports.make_menu(QMenu("&Export", window))
    if file_menu is not None:
        file_menu.insertMenu(window.quit_action, window.export_menu)

    view = _menu(window, "View")
    if view is not None:
        view.addAction(window.lesson_dock.toggleViewAction())
