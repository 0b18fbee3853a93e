"""Scene files in the window: open, save, save as, recent files, examples, drag and drop, autosave.

:class:`SceneFiles` belongs to one :class:`~simulator.main_window.MainWindow`. It keeps the scene the
window shows as ``window.scene`` (the last one loaded or saved: its lesson, locks, notes, arrows and
view travel on into the next save) and the file it came from, and writes the window's state back with
``engine.scene.save_scene`` (atomic, the old file kept as ``NAME.bak``).

Opening a scene rebuilds the window's content around a new controller (``MainWindow.open_trainer``);
a file that does not load shows its ``SceneError`` (file, JSON path and problem) and changes nothing.

The running app (:func:`simulator.app.run_app`) calls :meth:`SceneFiles.start_session`: it writes a
marker file, autosaves unsaved work every minute into the user's data folder
(``platformdirs.user_data_dir("nnsim")/autosave``, or ``$NNSIM_DATA_DIR/autosave``), offers to restore
the autosave of a session that ended without removing its marker, and makes closing with unsaved
changes ask Save / Discard / Cancel. Windows made without a session (tests, embedding) never ask.
"""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QSettings, QTimer
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QMessageBox, QWidget

from engine import Trainer
from engine.scene import (
    SUFFIX,
    InlineData,
    PlaygroundData,
    Scene,
    SceneError,
    load_scene,
    save_scene,
    scene_from_trainer,
    spec_of,
)

if TYPE_CHECKING:
    from simulator.main_window import MainWindow

Point = tuple[float, float]
DATA_DIR_ENV = "NNSIM_DATA_DIR"
RECENT_KEY = "recentFiles"
RECENT_MAX = 8
AUTOSAVE_MS = 60_000
EXAMPLES_DIR = Path(__file__).resolve().parent.parent / "scenes"
FILE_FILTER = f"nnsim scenes (*{SUFFIX});;All files (*)"
MARKER_SUFFIX = ".running"

_LIVE_SESSIONS: set[str] = set()  # session ids of this process whose windows are open


# -- places ------------------------------------------------------------------------------------------------


def data_dir() -> Path:
    """The user's data folder for nnsim (``$NNSIM_DATA_DIR`` overrides it)."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("nnsim", appauthor=False))


def autosave_dir() -> Path:
    return data_dir() / "autosave"


def settings() -> QSettings:
    """nnsim's settings; a ``settings.ini`` in ``$NNSIM_DATA_DIR`` when that is set (tests)."""
    if os.environ.get(DATA_DIR_ENV):
        return QSettings(str(data_dir() / "settings.ini"), QSettings.Format.IniFormat)
    return QSettings("nnsim", "nnsim")


# -- recent files and examples ---------------------------------------------------------------------------


def recent_files() -> list[str]:
    """The last opened or saved scene files, newest first (at most :data:`RECENT_MAX`)."""
    value = settings().value(RECENT_KEY, [])
    if isinstance(value, str):
        value = [value]
    return [str(v) for v in (value or [])][:RECENT_MAX]


def add_recent(path: str | os.PathLike[str]) -> list[str]:
    name = str(Path(path).absolute())
    files = [name] + [f for f in recent_files() if f != name]
    store = settings()
    store.setValue(RECENT_KEY, files[:RECENT_MAX])
    store.sync()
    return files[:RECENT_MAX]


def example_scenes(folder: Path = EXAMPLES_DIR) -> list[tuple[str, Path]]:
    """``(title, path)`` of the example scenes shipped in ``scenes/``; [] when the folder is absent."""
    if not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        try:
            title = str(json.loads(path.read_text(encoding="utf-8")).get("title") or path.stem)
        except (OSError, ValueError, AttributeError):
            title = path.stem
        out.append((title, path))
    return out


# -- questions (module-level so tests can replace them) -----------------------------------------------------


def ask_restore(parent: QWidget | None, when: datetime) -> bool:
    """Ask whether to restore the work autosaved at ``when`` by a session that did not end cleanly."""
    answer = QMessageBox.question(
        parent,
        "Restore unsaved work",
        f"nnsim did not close cleanly last time.\n\nRestore the work from {when:%Y-%m-%d %H:%M}?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    return answer == QMessageBox.StandardButton.Yes


def ask_save_changes(parent: QWidget | None, name: str) -> str:
    """Ask what to do with unsaved changes: ``"save"``, ``"discard"`` or ``"cancel"``."""
    buttons = QMessageBox.StandardButton
    answer = QMessageBox.question(
        parent,
        "Unsaved changes",
        f"Save the changes to {name}?",
        buttons.Save | buttons.Discard | buttons.Cancel,
        buttons.Save,
    )
    return {buttons.Save: "save", buttons.Discard: "discard"}.get(answer, "cancel")


def show_error(parent: QWidget | None, title: str, text: str) -> None:
    QMessageBox.critical(parent, title, text)


def _pid_alive(pid: int) -> bool:
    if os.name != "posix":
        return False  # no cheap check: a marker left by another process counts as a crash
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


# -- the window's scene files ------------------------------------------------------------------------------


class SceneFiles(QObject):
    """Open, save, autosave and recent files for one window.

    Attributes
    ----------
    path : Path or None
        The file the scene was opened from or last saved to.
    confirm : bool
        Whether closing or opening over unsaved changes asks first (set by :meth:`start_session`).
    """

    def __init__(self, window: MainWindow, default: bool = False) -> None:
        super().__init__(window)
        self.window = window
        window.scene = None
        self.path: Path | None = None
        self.confirm = False
        self.session_id = ""
        self._default = default
        self._data_base: Any = None  # the Dataset the scene's data spec makes; another one is saved inline
        self._baseline_pending = True
        self._mark: tuple = ()
        self._forced_dirty = False
        self._autosaved: tuple = ()
        self._shown_title = ""
        self.timer = QTimer(self)
        self.timer.setInterval(AUTOSAVE_MS)
        self.timer.timeout.connect(self.autosave)

    # ----------------------------------------------------------------------------- wiring
    def install_menu(self, menu: QMenu, before: QAction) -> None:
        """Put Open, Open Recent, Open Example, Save and Save As into ``menu`` before ``before``."""
        menu.setToolTipsVisible(True)
        w = self.window
        w.open_action = _action(menu, "&Open…", "Ctrl+O", "Open a scene file (.nnscene)", self.open_dialog)
        w.recent_menu = QMenu("Open &Recent", menu)
        w.recent_menu.setToolTipsVisible(True)
        w.recent_menu.aboutToShow.connect(self._fill_recent)
        w.recent_menu.menuAction().setToolTip("The scene files opened or saved last")
        w.examples_menu = QMenu("Open &Example", menu)
        w.examples_menu.setToolTipsVisible(True)
        w.examples_menu.menuAction().setToolTip("The example lessons that come with nnsim")
        examples = example_scenes()
        for title, path in examples:
            action = w.examples_menu.addAction(title)
            action.setToolTip(path.name)
            action.triggered.connect(lambda _c=False, p=path: self.open_path(p))
        w.examples_menu.menuAction().setEnabled(bool(examples))
        w.save_action = _action(
            menu, "&Save", QKeySequence.StandardKey.Save, "Save the scene (Ctrl+S)", self.save
        )
        w.save_as_action = _action(
            menu, "Save &As…", "Ctrl+Shift+S", "Save the scene to a new file (Ctrl+Shift+S)", self.save_as
        )
        for item in (w.open_action, w.recent_menu.menuAction(), w.examples_menu.menuAction()):
            menu.insertAction(before, item)
        menu.insertSeparator(before)
        menu.insertAction(before, w.save_action)
        menu.insertAction(before, w.save_as_action)
        menu.insertSeparator(before)
        self._fill_recent()

    def bind(self) -> None:
        """Follow the window's current controller and runner (after it was built or rebuilt)."""
        w = self.window
        if w.scene is None:
            self._adopt_window_trainer()
        w.runner.updated.connect(self.update_title)
        w.controller.trainer_changed.connect(self.update_title)
        if self._baseline_pending:
            self._baseline_pending = False
            self.mark_saved()

    def _adopt_window_trainer(self) -> None:
        """The scene of a window opened on a trainer rather than a file."""
        trainer = self.window.controller.trainer
        if self._default:
            from simulator.default_scene import FEATURES, SEED

            spec = PlaygroundData("spiral", 500, 0.0, 0.5, SEED, FEATURES)
            self.window.scene = Scene("Spiral", trainer.model.network, dataset=spec)
            self._data_base = trainer.data
        else:  # unknown origin: its data are stored in the file
            title = trainer.data.name or "Untitled"
            self.window.scene = Scene(title, trainer.model.network)
            self._data_base = None

    # ----------------------------------------------------------------------------- state
    def _state_token(self) -> tuple:
        t = self.window.controller.trainer
        annotations = getattr(getattr(self.window, "canvas", None), "graph_scene", None)
        notes = getattr(getattr(annotations, "annotations", None), "revision", 0)  # moved or edited notes
        return (id(t), t.step_count, t.settings, notes)

    def mark_saved(self) -> None:
        """The window's state is what the file holds: no ``*``."""
        self._forced_dirty = False
        self.window.controller.undo_stack.setClean()
        self._mark = self._state_token()
        self._autosaved = ()
        self.update_title()

    def is_modified(self) -> bool:
        """Unsaved changes: edits since the save, training, or new settings."""
        c = self.window.controller
        if self._forced_dirty or not c.undo_stack.isClean():
            return True
        token = self._state_token()
        return token[1:] != self._mark[1:]

    def display_name(self) -> str:
        if self.path is not None:
            return self.path.name
        if self._default or self.window.scene is None:
            return self.window.controller.trainer.data.name or "Untitled"
        return self.window.scene.title or "Untitled"

    def title(self) -> str:
        return f"nnsim — {self.display_name()}{' *' if self.is_modified() else ''}"

    def update_title(self) -> None:
        text = self.title()
        if text != self._shown_title:
            self._shown_title = text
            self.window.setWindowTitle(text)

    # ----------------------------------------------------------------------------- opening
    def read(self, path: str | os.PathLike[str]) -> tuple[Scene, Trainer] | None:
        """Load a scene file and make its trainer; show the problem and return None when it fails."""
        try:
            scene = load_scene(path)
            trainer = scene.make_trainer()
        except SceneError as exc:
            show_error(self.window, "Cannot open the scene", str(exc))
            return None
        except Exception as exc:  # a bug must not take the open scene with it
            show_error(self.window, "Cannot open the scene", f"{path}: {type(exc).__name__}: {exc}")
            return None
        return scene, trainer

    def adopt(
        self, scene: Scene, trainer: Trainer, path: str | os.PathLike[str] | None
    ) -> tuple[Trainer, dict[str, Point]]:
        """Make ``scene`` the window's scene; returns the trainer and the layout to show.

        The window's controller is then given ``scene.network``, the network as drawn: the trainer
        trains its connected part, and layers not connected yet keep their places.
        """
        self.window.scene = scene
        self.path = None if path is None else Path(path).absolute()
        self._default = False
        self._data_base = trainer.data
        self._baseline_pending = True
        if path is not None:
            add_recent(path)
        self._write_marker()
        return trainer, layout_for(scene, trainer)

    def apply_classroom(self) -> None:
        """Show the window's scene's lesson, locks, sticky notes and arrows (after the content is built)."""
        from simulator.canvas.annotations import put_annotations
        from simulator.teacher import apply_locks

        scene = self.window.scene
        if scene is None:
            return
        self.window.lesson_panel.set_lesson(scene.lesson if scene.lesson.text or scene.lesson.steps else None)
        apply_locks(self.window, scene.locks)
        put_annotations(self.window.canvas.graph_scene, scene.notes, scene.arrows)

    def open_path(self, path: str | os.PathLike[str]) -> bool:
        """Open a scene file in this window; on failure show why and keep the current scene."""
        loaded = self.read(path)
        if loaded is None or not self._settle_changes():
            return False
        trainer, positions = self.adopt(*loaded, path=path)
        self.window.open_trainer(trainer, positions, network=loaded[0].network)
        self.window.statusBar().showMessage(f"Opened {Path(path).name}", 6000)
        return True

    def open_dialog(self) -> bool:
        folder = self.path.parent if self.path else (EXAMPLES_DIR if EXAMPLES_DIR.is_dir() else Path.home())
        start = str(folder)
        name, _ = QFileDialog.getOpenFileName(self.window, "Open a scene", start, FILE_FILTER)
        return bool(name) and self.open_path(name)

    def _fill_recent(self) -> None:
        menu = getattr(self.window, "recent_menu", None)
        if menu is None:
            return
        menu.clear()
        files = recent_files()
        for name in files:
            action = menu.addAction(Path(name).name)
            action.setToolTip(name)
            action.triggered.connect(lambda _c=False, p=name: self.open_path(p))
        if not files:
            empty = menu.addAction("No recent files")
            empty.setEnabled(False)

    # ----------------------------------------------------------------------------- drag and drop
    @staticmethod
    def dropped_scene(event: QDragEnterEvent | QDropEvent) -> str | None:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and url.toLocalFile().lower().endswith(SUFFIX):
                return url.toLocalFile()
        return None

    def drag_enter(self, event: QDragEnterEvent) -> None:
        if self.dropped_scene(event):
            event.acceptProposedAction()
        else:
            event.ignore()

    def drop(self, event: QDropEvent) -> None:
        path = self.dropped_scene(event)
        if path is None:
            event.ignore()
            return
        event.acceptProposedAction()
        QTimer.singleShot(0, lambda: self.open_path(path))  # not inside the drag's event loop

    # ----------------------------------------------------------------------------- saving
    def current_scene(self) -> Scene:
        """A Scene of what the window shows: network, weights, history, settings, data and layout.

        The network is the one drawn, layers not connected yet included, each with its position; the
        weights are those of its trainable part. Raises ``SceneError`` when nothing is trainable yet.
        """
        c = self.window.controller
        trainer = c.trainer
        base = self.window.scene
        if base is None:
            self._adopt_window_trainer()
            base = self.window.scene
        dataset = None
        if trainer.data is not self._data_base:  # points clicked, erased or another data set chosen
            # a shipped image set is saved by name and seed, not as megabytes of pixels
            dataset = spec_of(trainer.data) or InlineData.from_dataset(trainer.data)
        from simulator.canvas.annotations import arrows_from_scene, notes_from_scene
        from simulator.teacher import locks_from_window

        draft = c.draft
        if draft.trainable is None:
            raise SceneError(f"nothing can be trained yet: {draft.why_not}", "$.network")
        scene = scene_from_trainer(trainer, base, dataset=dataset, network=c.network)
        ids = {n.id for n in scene.network.nodes}
        layout = {k: (float(x), float(y)) for k, (x, y) in c.positions.items() if k in ids}
        graph = self.window.canvas.graph_scene
        locks = locks_from_window(self.window)
        locks = dataclasses.replace(
            locks,
            layers=tuple(i for i in locks.layers if i in ids),
            params=tuple(p for p in locks.params if p.split(".")[0] in ids or p.startswith("training.")),
        )
        return scene.replace(
            layout=layout, locks=locks, notes=notes_from_scene(graph), arrows=arrows_from_scene(graph)
        )

    def save(self) -> bool:
        """Save to the scene's file, or ask for one (Save As) when it has none."""
        if self.path is None or self._is_example(self.path):
            return self.save_as()
        return self.save_to(self.path)

    def save_as(self, path: str | os.PathLike[str] | None = None) -> bool:
        if path is None:
            start = self.path if self.path and not self._is_example(self.path) else Path.home()
            if start.is_dir():
                start = start / (_file_stem(self.display_name()) + SUFFIX)
            name, _ = QFileDialog.getSaveFileName(self.window, "Save the scene", str(start), FILE_FILTER)
            if not name:
                return False
            path = name if name.lower().endswith(SUFFIX) else name + SUFFIX
        return self.save_to(path)

    def save_to(self, path: str | os.PathLike[str]) -> bool:
        """Write the scene to ``path``; a problem is shown and the window keeps everything."""
        try:
            scene = self.current_scene()
            save_scene(scene, path)
        except SceneError as exc:
            show_error(self.window, "Cannot save the scene", str(exc))
            return False
        except Exception as exc:
            show_error(self.window, "Cannot save the scene", f"{path}: {type(exc).__name__}: {exc}")
            return False
        self.window.scene = scene.replace(base_dir=Path(path).absolute().parent)
        self.path = Path(path).absolute()
        self._data_base = self.window.controller.trainer.data
        self._default = False
        add_recent(path)
        self._write_marker()
        self.mark_saved()
        self.window.statusBar().showMessage(f"Saved {self.path.name}", 10000)
        return True

    @staticmethod
    def _is_example(path: Path) -> bool:
        return EXAMPLES_DIR.is_dir() and path.absolute().parent == EXAMPLES_DIR

    def _settle_changes(self) -> bool:
        """Before the scene goes away: True when it may (saved, discarded, or nothing to save)."""
        if not self.confirm or not self.is_modified():
            return True
        answer = ask_save_changes(self.window, self.display_name())
        if answer == "save":
            return self.save()
        return answer == "discard"

    def confirm_close(self) -> bool:
        """Whether the window may close (asks Save / Discard / Cancel over unsaved changes)."""
        return self._settle_changes()

    # ----------------------------------------------------------------------------- autosave and restore
    def start_session(self, ask: Callable[[QWidget | None, datetime], bool] | None = None) -> bool:
        """Offer to restore a crashed session's work, then write this window's marker and autosave.

        Returns True when a scene was restored. ``ask`` replaces :func:`ask_restore`.
        """
        self.confirm = True
        restored = self._offer_restore(ask or ask_restore)
        if not self.session_id:
            self.session_id = f"{os.getpid()}-{secrets.token_hex(4)}"
        _LIVE_SESSIONS.add(self.session_id)
        self._write_marker()
        self.timer.start()
        return restored

    def autosave_path(self) -> Path:
        return autosave_dir() / f"{self.session_id}{SUFFIX}"

    def _marker_path(self, session_id: str | None = None) -> Path:
        return autosave_dir() / f"{session_id or self.session_id}{MARKER_SUFFIX}"

    def _write_marker(self) -> None:
        if not self.session_id:
            return
        info = {"pid": os.getpid(), "path": None if self.path is None else str(self.path)}
        try:
            autosave_dir().mkdir(parents=True, exist_ok=True)
            self._marker_path().write_text(json.dumps(info), encoding="utf-8")
        except OSError:
            pass

    def autosave(self) -> Path | None:
        """Write unsaved work to this window's autosave file; None when there was nothing new."""
        if not self.session_id or not self.is_modified():
            return None
        if getattr(self.window.runner, "is_busy", False):
            return None  # a worker is training: try again next time
        token = (self.window.controller.undo_stack.index(), *self._state_token())
        if token == self._autosaved:
            return None
        target = self.autosave_path()
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            save_scene(self.current_scene(), target, backup=False)
        except (SceneError, OSError) as exc:
            self.window.statusBar().showMessage(f"Autosave failed: {exc}", 8000)
            return None
        self._autosaved = token
        return target

    def finish(self) -> None:
        """A clean end: stop autosaving and remove the marker and the autosave file."""
        self.timer.stop()
        if not self.session_id:
            return
        _LIVE_SESSIONS.discard(self.session_id)
        for path in (self._marker_path(), self.autosave_path()):
            try:
                path.unlink(missing_ok=True)
            except OSError:
                pass

    def _stale_sessions(self) -> list[tuple[Path, Path, dict]]:
        """(marker, autosave, marker info) of sessions that ended without cleaning up, newest first."""
        folder = autosave_dir()
        if not folder.is_dir():
            return []
        found = []
        for marker in folder.glob(f"*{MARKER_SUFFIX}"):
            session = marker.name[: -len(MARKER_SUFFIX)]
            if session in _LIVE_SESSIONS:
                continue
            try:
                info = json.loads(marker.read_text(encoding="utf-8"))
                pid = int(info.get("pid", -1))
            except (OSError, ValueError, AttributeError, TypeError):
                info, pid = {}, -1
            if pid != os.getpid() and pid > 0 and _pid_alive(pid):
                continue  # another nnsim still running
            found.append((marker, folder / f"{session}{SUFFIX}", info))
        return sorted(found, key=lambda f: _mtime(f[1]), reverse=True)

    def _offer_restore(self, ask: Callable[[QWidget | None, datetime], bool]) -> bool:
        restored = False
        for marker, saved, info in self._stale_sessions():
            if saved.is_file() and not restored:
                when = datetime.fromtimestamp(_mtime(saved))
                if ask(self.window, when):
                    restored = self._restore(saved, info)
                    if restored:
                        marker.unlink(missing_ok=True)
                        continue
            marker.unlink(missing_ok=True)
            saved.unlink(missing_ok=True)
        return restored

    def _restore(self, saved: Path, info: dict) -> bool:
        loaded = self.read(saved)
        if loaded is None:
            return False
        scene, trainer = loaded
        original = info.get("path")
        self.session_id = self.session_id or f"{os.getpid()}-{secrets.token_hex(4)}"
        try:  # the restored work stays on disk as this session's autosave until it is saved
            autosave_dir().mkdir(parents=True, exist_ok=True)
            os.replace(saved, self.autosave_path())
        except OSError:
            pass
        if original:
            scene = scene.replace(base_dir=Path(original).parent)
        trainer, positions = self.adopt(scene, trainer, path=None)
        self.path = Path(original) if original else None
        self.window.open_trainer(trainer, positions, network=scene.network)
        self._forced_dirty = True
        self.update_title()
        self.window.statusBar().showMessage("Restored the autosaved work: save it to keep it", 10000)
        return True


def layout_for(scene: Scene, trainer: Trainer) -> dict[str, Point]:
    """The scene's layout, with an automatic place for each layer it leaves out (unconnected ones too)."""
    from simulator.controller import auto_layout

    network = scene.network
    placed = {k: tuple(v) for k, v in scene.layout.items() if k in {n.id for n in network.nodes}}
    if len(placed) == len(network.nodes):
        return placed
    return {**auto_layout(network), **placed}


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _file_stem(title: str) -> str:
    stem = "".join(ch if ch.isalnum() or ch in "-_ " else "-" for ch in title).strip().replace(" ", "-")
    return stem.lower() or "scene"


def _action(menu: QMenu, text: str, shortcut: Any, tip: str, slot: Callable[[], object]) -> QAction:
    action = QAction(text, menu)
    action.setShortcut(QKeySequence(shortcut))
    action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: slot())
    return action


__all__ = [
    "SceneFiles",
    "add_recent",
    "ask_restore",
    "ask_save_changes",
    "data_dir",
    "example_scenes",
    "layout_for",
    "recent_files",
    "show_error",
]
