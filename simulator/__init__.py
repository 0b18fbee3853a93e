"""nnsim's desktop application: PySide6 + pyqtgraph views over the ``engine`` package.

Importing this package does not import Qt; ``simulator.app.run_app`` does, when a window opens.
``__version__`` is looked up on first use (``importlib.metadata`` takes about 0.1 s to import).
"""

from __future__ import annotations

__all__ = ["__version__"]


def __getattr__(name: str) -> str:
    if name != "__version__":
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        value = version("nnsim")
    except PackageNotFoundError:  # running from a source tree that was never installed
        value = "0.1.0"
    globals()["__version__"] = value
    return value
