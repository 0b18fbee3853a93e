"""Shared test set-up: offscreen Qt, the PyTorch oracle, and the rule that reference tests must run."""

from __future__ import annotations

import os

# Before anything imports Qt: draw offscreen unless the caller chose a platform.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from tests.oracle import reference_required, require_torch  # noqa: E402

pytest_plugins = ["pytester"]

_skipped_reference: list[str] = []


@pytest.fixture
def torch():
    """The ``torch`` module (the oracle); tests using it are marked ``reference`` automatically."""
    return require_torch()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "torch" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.reference)


def pytest_sessionstart(session: pytest.Session) -> None:
    _skipped_reference.clear()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.skipped and "reference" in report.keywords and not hasattr(report, "wasxfail"):
        _skipped_reference.append(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # A module skipped while importing torch (pytest.importorskip) carries no markers: go by the reason.
    if report.skipped and "torch" in str(report.longrepr):
        _skipped_reference.append(report.nodeid)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if reference_required() and _skipped_reference and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    if reference_required() and _skipped_reference:
        count = len(_skipped_reference)
        terminalreporter.write_sep(
            "=", f"{count} reference test(s) skipped with NNSIM_REQUIRE_REFERENCE=1", red=True
        )
        for nodeid in _skipped_reference:
            terminalreporter.write_line(f"SKIPPED reference: {nodeid}")
        terminalreporter.write_line("Reference tests must run here; the session fails.")


READY_TIMEOUT_MS = 180_000  # the first window after install waits for the engine's kernels to compile


@pytest.fixture
def window(qtbot):
    """The main window on its default scene, shown, with the engine ready."""
    from simulator.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    if not w.ready:
        with qtbot.waitSignal(w.engine_ready, timeout=READY_TIMEOUT_MS):
            pass
    yield w
    w.runner.pause()
    w.close()
