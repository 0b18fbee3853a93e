"""What the process does around opening its first window, so the window opens quickly.

- NumPy and the engine are imported before Qt: PySide6 checks every module imported after it.
- :mod:`simulator.import_check` makes that check cheap for what comes after Qt (the window's modules,
  Numba, pyqtgraph).
- Python's cyclic garbage collector runs less often while the window and the engine load: start-up
  allocates millions of long-lived objects (modules, classes, Numba's type registries), and the
  default thresholds start some 240 collections that find little to free (about 0.1 s). When start-up
  is over, :func:`finished` collects once, freezes what is left (later collections skip those objects,
  so they also pause the window less) and restores the usual thresholds.
"""

from __future__ import annotations

import gc

START_UP_GC_THRESHOLD = 20_000  # new objects between young collections while starting (Python: 700)

_usual_threshold: tuple[int, ...] | None = None


def before_qt() -> None:
    """Call first: collect less often from now on, and import the engine (NumPy with it) before Qt."""
    global _usual_threshold
    if _usual_threshold is None:
        _usual_threshold = gc.get_threshold()
        gc.set_threshold(START_UP_GC_THRESHOLD, *_usual_threshold[1:])
    import engine  # noqa: F401


def after_qt() -> None:
    """Call once PySide6 is imported, before the window's modules."""
    from simulator import import_check

    import_check.install()


def finished() -> None:
    """Start-up is over: keep what it built out of later collections, and collect as usual again."""
    global _usual_threshold
    if _usual_threshold is None:
        return
    gc.collect()  # what start-up left behind (the warm-up's throwaway trainer...) is freed, not frozen
    gc.freeze()
    gc.set_threshold(*_usual_threshold)
    _usual_threshold = None
