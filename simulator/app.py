"""Start the Qt application and open the main window.

Qt aborts the whole process when its platform plugin cannot load (no display, or a missing system
library), so :func:`qt_problem` checks for the usual causes first and :func:`run_app` reports them
and returns 1 instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence

import simulator

OFFSCREEN_PACKAGES = ("libgl1", "libegl1", "libglib2.0-0", "libfontconfig1", "libdbus-1-3", "libxkbcommon0")
# Libraries Qt's xcb platform plugin loads that a bare Debian or Ubuntu lacks, and their packages.
XCB_LIBRARIES = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
}
WINDOW_PACKAGES = tuple(XCB_LIBRARIES.values())


def install_hint(packages: Sequence[str] = OFFSCREEN_PACKAGES + WINDOW_PACKAGES) -> str:
    """Return the advice printed with every start-up problem."""
    return (
        "  Without a screen, draw offscreen (QT_QPA_PLATFORM=offscreen nnsim) or use Xvfb\n"
        "  (xvfb-run -a nnsim; packages xvfb and xauth).\n"
        "  Qt's system libraries on Debian/Ubuntu (bash scripts/start.sh installs them):\n"
        f"    sudo apt-get install -y --no-install-recommends {' '.join(packages)}\n"
        "  QT_DEBUG_PLUGINS=1 names a library Qt fails to load."
    )


def qt_problem(env: Mapping[str, str] | None = None, platform: str | None = None) -> str | None:
    """Return why Qt could not open a window here, or None when it looks able to.

    Only the checks that need no Qt import: the display variables, and on X11 the libraries of Qt's
    xcb plugin. ``env`` and ``platform`` default to ``os.environ`` and ``sys.platform``.
    """
    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not platform.startswith("linux"):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "")
    display, wayland = env.get("DISPLAY", ""), env.get("WAYLAND_DISPLAY", "")
    if not qpa and not display and not wayland:
        return (
            "nnsim: cannot open a window: there is no display (DISPLAY and WAYLAND_DISPLAY are unset).\n"
            + install_hint()
        )
    if qpa.startswith("xcb") and not display:
        return "nnsim: cannot open a window: QT_QPA_PLATFORM=xcb but DISPLAY is unset.\n" + install_hint()
    if (qpa.startswith("xcb") or (not qpa and not wayland)) and display:
        missing = [XCB_LIBRARIES[name] for name in missing_libraries(XCB_LIBRARIES)]
        if missing:
            return (
                f"nnsim: cannot open a window: Qt's X11 plugin needs {', '.join(missing)}.\n" + install_hint()
            )
    return None


def missing_libraries(sonames: Sequence[str] | Mapping[str, str]) -> list[str]:
    """Return those of ``sonames`` the dynamic linker's cache lacks; [] when it cannot be read."""
    ldconfig = shutil.which("ldconfig") or next(
        (p for p in ("/sbin/ldconfig", "/usr/sbin/ldconfig") if os.path.exists(p)), None
    )
    if ldconfig is None:
        return []
    try:
        listing = subprocess.run(
            [ldconfig, "-p"], capture_output=True, text=True, timeout=10, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    known = {line.split(" (", 1)[0].strip() for line in listing.splitlines()[1:]}
    if not known:
        return []
    return [name for name in sonames if name not in known]


def run_app(argv: Sequence[str] | None = None, scene_path: str | None = None) -> int:
    """Create the QApplication, show :class:`~simulator.main_window.MainWindow` and run it.

    Parameters
    ----------
    argv : sequence of str, optional
        Passed to QApplication (program name first); ``["nnsim"]`` when omitted.
    scene_path : str, optional
        A ``.nnscene`` file to open in the window.

    Returns
    -------
    int
        The application's exit code, or 1 when Qt cannot start here (the reason goes to stderr).
    """
    problem = qt_problem()
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    from simulator import start_up

    start_up.before_qt()
    try:
        from PySide6.QtCore import QTimer
        from PySide6.QtWidgets import QApplication

        start_up.after_qt()
        from simulator.main_window import MainWindow
    except ImportError as exc:
        print(f"nnsim: cannot load Qt: {exc}\n{install_hint()}", file=sys.stderr)
        return 1

    app = QApplication.instance() or QApplication(list(argv) if argv else ["nnsim"])
    app.setApplicationName("nnsim")
    app.setOrganizationName("nnsim")
    app.setApplicationVersion(simulator.__version__)
    window = MainWindow(scene_path=scene_path)
    if window.watch_tabs.is_built:
        start_up.finished()
    else:  # the last thing start-up builds
        window.watch_tabs.built.connect(start_up.finished)
        QTimer.singleShot(round(1000 * start_up.SAFETY_SECONDS), start_up.finished)
    window.show()
    window.files.start_session()  # autosave, crash restore, and asking before unsaved work is closed
    return app.exec()
