"""What the process does around opening its first window, so the window opens quickly.

- NumPy and the engine are imported before Qt: PySide6 checks every module imported after it.
- :mod:`simulator.import_check` makes that check cheap for what comes after Qt (the window's modules,
  Numba, pyqtgraph).
- Python's cyclic garbage collector pauses while the window and the engine load: start-up allocates
  millions of long-lived objects (modules, classes, Numba's type registries), and the collector would
  run some 240 times and find little to free (about 0.15 s). When start-up is over (the watch panels
  are in, at most a few seconds after the window opens, even on a first start that compiles the
  kernels), :func:`finished` collects once, freezes what is left (later collections skip those
  objects, so they also pause the window less) and lets the collector run again.
"""

from __future__ import annotations

import gc

SAFETY_SECONDS = 10.0  # run_app calls finished() by then whatever happens

_paused = False  # the collector was paused by before_qt() and not resumed yet


def before_qt() -> None:
    """Call first: pause the garbage collector, and import the engine (NumPy with it) before Qt."""
    global _paused
    if not _paused and gc.isenabled():
        gc.disable()
        _paused = True
    import engine  # noqa: F401


def after_qt() -> None:
    """Call once PySide6 is imported, before the window's modules."""
    from simulator import import_check

    import_check.install()


def finished() -> None:
    """Start-up is over: keep what it built out of later collections, and collect as usual again."""
    global _paused
    if not _paused:
        return
    _paused = False
    gc.collect()  # what start-up left behind (the warm-up's throwaway trainer...) is freed, not frozen
    gc.freeze()
    gc.enable()
