"""nnsim's desktop application: PySide6 + pyqtgraph views over the ``engine`` package.

Importing this package does not import Qt; ``simulator.app.run_app`` does, when a window opens.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("nnsim")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.1.0"

__all__ = ["__version__"]
