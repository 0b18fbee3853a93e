"""Project-wide rules: the engine stays free of Qt and torch, and the command line works headless."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import simulator

ROOT = Path(__file__).resolve().parents[1]

# Top-level modules each package must never import.
FORBIDDEN = {
    "engine": {"PySide6", "shiboken6", "pyqtgraph", "simulator", "torch"},
    "simulator": {"torch"},
}


def run_python(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def headless_env() -> dict[str, str]:
    """This environment without any display or Qt platform choice."""
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        env.pop(name, None)
    return env


def imported_modules(path: Path) -> set[str]:
    """Top-level names of every module ``path`` imports, anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in {"import_module", "__import__"} and isinstance(node.args[0].value, str):
                names.add(node.args[0].value.split(".")[0])
    return names


def test_importing_engine_loads_no_qt_or_torch():
    script = textwrap.dedent(
        """
        import importlib, pkgutil, sys
        import engine
        for info in pkgutil.walk_packages(engine.__path__, "engine."):
            if info.name.rsplit(".", 1)[-1] not in {"cuda", "__main__"}:
                importlib.import_module(info.name)
        banned = ("PySide6", "shiboken6", "pyqtgraph", "simulator", "torch")
        print(sorted(m for m in banned if m in sys.modules))
        """
    )
    result = run_python("-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_forbidden_imports_in_source(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no Python files under {package}/"
    offenders = {
        str(path.relative_to(ROOT)): sorted(bad)
        for path in files
        if (bad := imported_modules(path) & FORBIDDEN[package])
    }
    assert offenders == {}, f"{package}/ must not import {sorted(FORBIDDEN[package])}"


def test_import_checker_sees_every_form(tmp_path):
    source = tmp_path / "sample.py"
    source.write_text(
        "import os, PySide6.QtCore\nfrom pyqtgraph import mkPen\nfrom . import sibling\n"
        "def f():\n    import torch.nn\n    importlib.import_module('simulator.app')\n"
    )
    assert imported_modules(source) == {"os", "PySide6", "pyqtgraph", "torch", "simulator"}


def test_version_matches_pyproject():
    match = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(), re.MULTILINE)
    assert match and simulator.__version__ == match.group(1)


def test_cli_version_without_display():
    result = run_python("-m", "simulator.cli", "--version", env=headless_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"nnsim {simulator.__version__}"


def test_cli_help_without_display():
    result = run_python("-m", "simulator", "--help", env=headless_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: nnsim")
    assert "neural-network simulator" in result.stdout
    assert "--version" in result.stdout


def test_cli_usage_error_exits_2():
    result = run_python("-m", "simulator", "--no-such-option", env=headless_env())
    assert result.returncode == 2
    assert "usage: nnsim" in result.stderr


def test_cli_does_not_import_qt():
    script = textwrap.dedent(
        """
        import contextlib, io, sys
        from simulator.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            codes = [main(["--version"]), main(["--help"])]
        print(codes, sorted(m for m in ("PySide6", "pyqtgraph", "torch") if m in sys.modules))
        """
    )
    result = run_python("-c", script, env=headless_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[0, 0] []"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the display check is for Linux")
def test_window_without_display_explains_and_returns_1():
    result = run_python("-m", "simulator", env=headless_env())
    assert result.returncode == 1
    assert "no display" in result.stderr
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    assert "xvfb-run" in result.stderr
    assert "libxcb-cursor0" in result.stderr and "libegl1" in result.stderr


def test_qt_problem_rules():
    from simulator.app import qt_problem

    assert "no display" in qt_problem({}, "linux")
    assert qt_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux") is None
    assert "DISPLAY is unset" in qt_problem({"QT_QPA_PLATFORM": "xcb"}, "linux")
    assert qt_problem({"WAYLAND_DISPLAY": "wayland-0"}, "linux") is None
    assert qt_problem({}, "darwin") is None
    assert qt_problem({}, "win32") is None


def test_require_torch_skips_or_fails_without_torch(monkeypatch):
    from tests.oracle import require_torch

    monkeypatch.setitem(sys.modules, "torch", None)  # makes ``import torch`` raise ImportError
    monkeypatch.setenv("NNSIM_REQUIRE_REFERENCE", "0")
    with pytest.raises(pytest.skip.Exception, match=r"\[reference\]"):
        require_torch()
    monkeypatch.setenv("NNSIM_REQUIRE_REFERENCE", "1")
    with pytest.raises(pytest.fail.Exception, match="NNSIM_REQUIRE_REFERENCE=1"):
        require_torch()


def test_reference_skips_fail_when_required(pytester, monkeypatch):
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text())
    pytester.makeini("[pytest]\nmarkers =\n    reference: compares against PyTorch\n")
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.reference
        def test_skipped():
            pytest.skip("no oracle here")

        def test_passes():
            pass
        """
    )
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("NNSIM_REQUIRE_REFERENCE", "1")
    required = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:pytest-qt")
    assert required.ret == pytest.ExitCode.TESTS_FAILED
    required.stdout.fnmatch_lines(["*SKIPPED reference: *test_skipped*"])

    monkeypatch.setenv("NNSIM_REQUIRE_REFERENCE", "0")
    allowed = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-p", "no:pytest-qt")
    assert allowed.ret == pytest.ExitCode.OK


@pytest.mark.gui
def test_main_window_opens_with_title_and_menus(qtbot, monkeypatch):
    from PySide6.QtGui import QKeySequence
    from PySide6.QtWidgets import QLabel, QMessageBox

    from simulator.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert "nnsim" in window.windowTitle()

    menus = {action.text().replace("&", ""): action.menu() for action in window.menuBar().actions()}
    assert set(menus) >= {"File", "Help"}
    quit_action = next(a for a in menus["File"].actions() if a.text().replace("&", "") == "Quit")
    assert quit_action.shortcut() == QKeySequence("Ctrl+Q")

    shown = []
    monkeypatch.setattr(QMessageBox, "about", lambda *args: shown.append(args))
    window.about_action.trigger()
    assert len(shown) == 1

    label = QLabel("replacement")
    window.set_central(label)
    assert window.centralWidget() is label

    quit_action.trigger()
    assert not window.isVisible()
