"""A quicker form of the check PySide6 makes on every module imported after it.

Once PySide6 is loaded, each newly imported module is asked whether it uses PySide6 (for PySide's
optional ``from __feature__ import ...`` switches): its source is fetched with ``inspect.getsource``,
which splits and caches the whole file, and searched for the word. Numba, pyqtgraph and the simulator
itself are imported after Qt, some 700 modules, and that costs about 0.15 s of the start-up.
:func:`install` asks the same question of the file's bytes; anything that is not a plain ``.py`` file
gets PySide6's own answer.
"""

from __future__ import annotations

import sys
from types import ModuleType

FEATURE_MODULE = "shibokensupport.feature"  # where PySide6 keeps the check


def uses_pyside(module: ModuleType, fallback) -> bool:
    """True when ``module``'s source file names PySide6 (``fallback(module)`` decides for the rest)."""
    path = getattr(module, "__file__", None)
    if not isinstance(path, str) or not path.endswith(".py"):
        return fallback(module)
    try:
        with open(path, "rb") as source:
            return b"PySide6" in source.read()
    except OSError:
        return fallback(module)


def install() -> bool:
    """Replace PySide6's check with :func:`uses_pyside`; False when PySide6 has no such check."""
    feature = sys.modules.get(FEATURE_MODULE)
    usual = getattr(feature, "_mod_uses_pyside", None)
    if usual is None or getattr(usual, "quick", False):
        return usual is not None

    def check(module: ModuleType) -> bool:
        return uses_pyside(module, usual)

    check.quick = True
    feature._mod_uses_pyside = check
    return True
