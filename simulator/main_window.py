"""The simulator's main window: menus around one central area."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMainWindow, QMessageBox, QWidget

from simulator import __version__

ABOUT_TEXT = (
    f"<b>nnsim {__version__}</b><p>A visual neural-network simulator for teaching: build a network, "
    "watch its weights and activations, and step through forward and back-propagation phase by "
    "phase.</p><p>MIT licence.</p>"
)


class MainWindow(QMainWindow):
    """Top-level window: a File and a Help menu and one central widget.

    The central widget starts as a placeholder label; :meth:`set_central` swaps in the real view.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("nnsim")
        self.resize(1200, 800)

        placeholder = QLabel("nnsim\n\nA visual neural-network simulator")
        placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        placeholder.setObjectName("placeholder")
        self.set_central(placeholder)

        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)
        self.quit_action.triggered.connect(self.close)
        self.about_action = QAction("&About nnsim", self)
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)

        self.file_menu = self.menuBar().addMenu("&File")
        self.file_menu.addAction(self.quit_action)
        self.help_menu = self.menuBar().addMenu("&Help")
        self.help_menu.addAction(self.about_action)

    def set_central(self, widget: QWidget) -> None:
        """Show ``widget`` in the central area; the window takes ownership and deletes the previous one."""
        self.setCentralWidget(widget)

    def show_about(self) -> None:
        """Show the About box."""
        QMessageBox.about(self, "About nnsim", ABOUT_TEXT)


if __name__ == "__main__":
    import sys

    from simulator.app import run_app

    raise SystemExit(run_app(sys.argv))
