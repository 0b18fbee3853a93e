"""BLAS on one thread, unless ``NNSIM_BLAS_THREADS`` says otherwise.

The matrix products of a course-sized network take micro- to milliseconds. With two BLAS threads on a
laptop whose other core draws the window, every product waits for a busy core: a 400 × 64 layer trained
ten times slower than on one thread. One thread is steady, and leaves the other core to the window.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

ENV = "NNSIM_BLAS_THREADS"
SCIPY_BLAS = "scipy.linalg.cython_blas"  # the BLAS bindings Numba's np.dot calls


def blas_threads() -> int:
    """The number of BLAS threads asked for (``NNSIM_BLAS_THREADS``, default 1)."""
    try:
        return max(1, int(os.environ.get(ENV, "1")))
    except ValueError:
        return 1


def load_scipy_blas() -> None:
    """Import SciPy's BLAS bindings on their own.

    ``import scipy.linalg.cython_blas`` first imports the whole ``scipy.linalg`` package (0.25 s, most
    of it NumPy's f2py and testing modules pulled in by SciPy's array-API layer), none of which the
    kernels use. Loading the extension module from its file takes 15 ms; if that fails for any reason,
    the usual import runs instead.
    """
    if SCIPY_BLAS in sys.modules:
        return
    try:
        scipy = importlib.util.find_spec("scipy")
        folder = Path(scipy.submodule_search_locations[0]) / "linalg"
        path = next(
            folder / f"cython_blas{suffix}"
            for suffix in importlib.machinery.EXTENSION_SUFFIXES
            if (folder / f"cython_blas{suffix}").is_file()
        )
        loader = importlib.machinery.ExtensionFileLoader(SCIPY_BLAS, str(path))
        spec = importlib.util.spec_from_file_location(SCIPY_BLAS, path, loader=loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[SCIPY_BLAS] = module
        loader.exec_module(module)
    except Exception:  # any surprise in SciPy's layout: the ordinary import, slower but certain
        sys.modules.pop(SCIPY_BLAS, None)
        importlib.import_module(SCIPY_BLAS)


def limit_blas_threads() -> int:
    """Limit every loaded BLAS library, SciPy's (which the kernels' ``np.dot`` calls) included."""
    load_scipy_blas()  # loads the library the kernels use, so the limit reaches it
    from threadpoolctl import threadpool_limits

    n = blas_threads()
    threadpool_limits(limits=n, user_api="blas")
    return n
