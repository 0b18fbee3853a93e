"""Exports for worksheets and slides: the canvas as PNG or SVG, the curves as PNG or CSV.

Every file is written next to its target under a temporary name and then moved into place, so a
failed export never leaves half a file behind. ``ExportActions`` adds File ▸ Export ▸ … to a window;
its ``ask_path`` is a function a test can replace.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QObject, QRectF, QSize
from PySide6.QtGui import QAction, QColor, QImage, QPainter
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QFileDialog, QGraphicsScene, QMenu, QWidget

PNG_SCALE = 2.0
MARGIN = 30.0
HISTORY_COLUMNS = ("epoch", "step", "train_loss", "train_acc", "test_loss", "test_acc")


class ExportError(Exception):
    """An export could not be written (the reason is the message)."""


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o666 & ~_umask())  # as an ordinary new file (the temporary one is private)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def export_rect(scene: QGraphicsScene) -> QRectF:
    """What an export shows: the network and the annotations, with a margin."""
    rect = scene.network_rect() if hasattr(scene, "network_rect") else QRectF()
    for item in getattr(getattr(scene, "annotations", None), "items", lambda: [])():
        rect = rect.united(item.sceneBoundingRect())
    if rect.isNull():
        rect = scene.itemsBoundingRect()
    return rect.adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)


def _render(scene: QGraphicsScene, painter: QPainter, target: QRectF, source: QRectF) -> None:
    selected = scene.selectedItems()
    for item in selected:  # no selection frames in a picture
        item.setSelected(False)
    try:
        scene.render(painter, target, source)
    finally:
        for item in selected:
            item.setSelected(True)


def scene_png_bytes(scene: QGraphicsScene, scale: float = PNG_SCALE) -> bytes:
    """The scene's network rectangle drawn at ``scale`` into a PNG (white background)."""
    source = export_rect(scene)
    size = QSize(max(1, math.ceil(source.width() * scale)), max(1, math.ceil(source.height() * scale)))
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor("#ffffff"))
    painter = QPainter(image)
    painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
    _render(scene, painter, QRectF(0, 0, size.width(), size.height()), source)
    painter.end()
    return _png_bytes(image)


def scene_svg_bytes(scene: QGraphicsScene, title: str = "nnsim network") -> bytes:
    """The scene's network rectangle as an SVG document."""
    source = export_rect(scene)
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    generator = QSvgGenerator()
    generator.setOutputDevice(buffer)
    generator.setSize(QSize(math.ceil(source.width()), math.ceil(source.height())))
    generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
    generator.setTitle(title)
    generator.setDescription("Exported from nnsim")
    painter = QPainter(generator)
    painter.fillRect(QRectF(0, 0, source.width(), source.height()), QColor("#ffffff"))
    _render(scene, painter, QRectF(0, 0, source.width(), source.height()), source)
    painter.end()
    buffer.close()
    return bytes(buffer.data())


def widget_png_bytes(widget: QWidget) -> bytes:
    """A picture of ``widget`` as it is drawn now."""
    return _png_bytes(widget.grab().toImage())


def _png_bytes(image: QImage) -> bytes:
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise ExportError("the picture could not be encoded as PNG")
    buffer.close()
    return bytes(data)


def history_csv(trainer) -> str:
    """One row per epoch: ``epoch, step, train_loss, train_acc, test_loss, test_acc``."""
    h = trainer.history
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HISTORY_COLUMNS)
    columns = [np.asarray(getattr(h, name)) for name in HISTORY_COLUMNS]
    for row in zip(*columns, strict=True):
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def step_losses_csv(trainer) -> str:
    """One row per mini-batch: ``step, loss`` (step 1 is the first mini-batch)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("step", "loss"))
    for i, loss in enumerate(np.asarray(trainer.step_losses), start=1):
        writer.writerow((i, _cell(loss)))
    return out.getvalue()


def _cell(value) -> str:
    if isinstance(value, (np.integer, int)):
        return str(int(value))
    v = float(value)
    return "" if math.isnan(v) else repr(v)


def step_losses_path(path: str | os.PathLike) -> Path:
    """Where the per-step losses go beside the per-epoch CSV: ``curves.csv`` → ``curves-steps.csv``."""
    p = Path(path)
    return p.with_name(f"{p.stem}-steps{p.suffix or '.csv'}")


def export_canvas_png(scene: QGraphicsScene, path: str | os.PathLike) -> Path:
    return write_atomic(path, scene_png_bytes(scene))


def export_canvas_svg(scene: QGraphicsScene, path: str | os.PathLike) -> Path:
    return write_atomic(path, scene_svg_bytes(scene))


def export_curves_png(widget: QWidget, path: str | os.PathLike) -> Path:
    return write_atomic(path, widget_png_bytes(widget))


def export_curves_csv(trainer, path: str | os.PathLike) -> tuple[Path, Path]:
    """The per-epoch history to ``path`` and the per-step losses beside it; returns both paths."""
    first = write_atomic(path, history_csv(trainer).encode("utf-8"))
    second = write_atomic(step_losses_path(path), step_losses_csv(trainer).encode("utf-8"))
    return first, second


PathAsker = Callable[[str, str, str], str | None]
"""``ask(title, suggested_name, filter) -> path or None``."""


def dialog_path(parent: QWidget | None) -> PathAsker:
    def ask(title: str, suggested: str, name_filter: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(parent, title, suggested, name_filter)
        return path or None

    return ask


class ExportActions(QObject):
    """File ▸ Export ▸ … for ``window`` (its ``canvas``, ``curves`` and ``controller``)."""

    def __init__(self, window, ask_path: PathAsker | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.ask_path: PathAsker = ask_path or dialog_path(window)
        specs = [
            ("canvas_png", "Network as &PNG…", "A picture of the network (twice the screen size)"),
            ("canvas_svg", "Network as &SVG…", "The network as a vector drawing, for slides and print"),
            ("curves_png", "Curves as P&NG…", "A picture of the loss and accuracy curves"),
            ("curves_csv", "Curves as &CSV…", "Loss and accuracy per epoch, and a second file per step"),
        ]
        self.actions: dict[str, QAction] = {}
        for key, text, tip in specs:
            action = QAction(text, window)
            action.setToolTip(tip)
            action.triggered.connect(lambda _c=False, key=key: self.export(key))
            self.actions[key] = action

    def make_menu(self, menu: QMenu) -> QMenu:
        menu.setToolTipsVisible(True)
        for key in ("canvas_png", "canvas_svg"):
            menu.addAction(self.actions[key])
        menu.addSeparator()
        for key in ("curves_png", "curves_csv"):
            menu.addAction(self.actions[key])
        return menu

    def export(self, key: str, path: str | None = None) -> list[Path]:
        """Export ``key`` to ``path`` (asked for when None); the paths written (none if cancelled)."""
        titles = {
            "canvas_png": ("Export the network as PNG", "network.png", "PNG images (*.png)"),
            "canvas_svg": ("Export the network as SVG", "network.svg", "SVG drawings (*.svg)"),
            "curves_png": ("Export the curves as PNG", "curves.png", "PNG images (*.png)"),
            "curves_csv": ("Export the curves as CSV", "curves.csv", "CSV tables (*.csv)"),
        }
        title, suggested, name_filter = titles[key]
        path = path or self.ask_path(title, suggested, name_filter)
        if not path:
            return []
        w = self.window
        try:
            if key == "canvas_png":
                written = [export_canvas_png(w.canvas.graph_scene, path)]
            elif key == "canvas_svg":
                written = [export_canvas_svg(w.canvas.graph_scene, path)]
            elif key == "curves_png":
                written = [export_curves_png(w.curves, path)]
            else:
                written = list(export_curves_csv(w.controller.trainer, path))
        except (OSError, ExportError) as exc:
            self._say(f"Not exported — {exc}")
            return []
        self._say("Exported " + ", ".join(str(p) for p in written))
        return written

    def _say(self, text: str) -> None:
        if hasattr(self.window, "statusBar"):
            self.window.statusBar().showMessage(text, 8000)


__all__ = [
    "ExportActions",
    "ExportError",
    "export_canvas_png",
    "export_canvas_svg",
    "export_curves_csv",
    "export_curves_png",
    "history_csv",
    "scene_png_bytes",
    "scene_svg_bytes",
    "step_losses_csv",
    "write_atomic",
]
